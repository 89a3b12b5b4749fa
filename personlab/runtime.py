"""Running an artifact the way a phone does: ai_edge_litert alone, no TensorFlow.

Integer outputs are dequantized with the scale and zero point written in the artifact's metadata
(the numbers the mobile decoder and the Java port use), so measuring through this class also
checks that the metadata is right (it is checked against the interpreter's own tensors on load).
Imports: NumPy, ai_edge_litert, the head spec and the on-device decoder's metadata reader.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from mobile_decoder.errors import MetadataError
from mobile_decoder.heads import Layout
from personlab import spec


def dequantize(values: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """Real values of a quantized tensor (float tensors, scale 0, pass through)."""
    if scale and np.issubdtype(values.dtype, np.integer):
        return (values.astype(np.float32) - zero_point) * np.float32(scale)
    return values.astype(np.float32)


def check_tensors(metadata: dict, outputs: dict[str, dict], name: str) -> None:
    """The metadata's heads are the interpreter's output tensors: shape, dtype, scale and zero point."""
    heads = metadata.get("heads")
    if not isinstance(heads, dict):
        raise ValueError(f"{name}: the metadata has no 'heads' object")
    for head in spec.HEAD_NAMES:
        meta, detail = heads.get(head), outputs.get(head)
        if not isinstance(meta, dict | None):
            raise ValueError(f"{name}: the metadata's head {head} is not an object")
        if meta is None or detail is None:
            raise ValueError(f"{name}: head {head} is missing from the {'metadata' if meta is None else 'model'}")
        scale, zero_point = detail["quantization"]
        real = ([int(v) for v in detail["shape"]], np.dtype(detail["dtype"]).name, float(scale), int(zero_point))
        said = (
            list(meta.get("shape", [])),
            meta.get("dtype"),
            float(meta.get("scale", 0.0)),
            int(meta.get("zero_point", 0)),
        )
        if real != said:
            raise ValueError(
                f"{name}: head {head} is {real} (shape, dtype, scale, zero point), the metadata says {said}"
            )


class LiteRTPredictor:
    """An inference.Predictor over a .tflite: (H, W, 3) uint8 letterboxed input -> {head: float32 (gh, gw, C)}.

    Integer inputs take the pixel values as they are (quantize.variants.check_input makes sure
    their scale is 1 and zero point 0); float inputs take them as float32 0..255.
    """

    def __init__(self, tflite: bytes, metadata: dict, num_threads: int | None = None, name: str = "model"):
        """ValueError naming `name` when the bytes are no model or the metadata does not describe its tensors."""
        try:
            self.runner = Interpreter(
                model_content=tflite, num_threads=num_threads or os.cpu_count()
            ).get_signature_runner()
        except (RuntimeError, ValueError) as err:
            raise ValueError(f"{name} is not a TFLite model this runtime reads: {err}".splitlines()[0]) from err
        ((self.input_name, detail),) = self.runner.get_input_details().items()
        self.input_dtype = detail["dtype"]
        self.metadata = metadata
        try:
            layout = Layout.from_metadata(metadata)
        except MetadataError as err:
            raise ValueError(f"{name}: {err}") from err
        check_tensors(metadata, self.runner.get_output_details(), name)
        self.heads = {name: metadata["heads"][name] for name in spec.HEAD_NAMES}
        self.stride = layout.stride
        self.input_hw = tuple(int(v) for v in metadata["input_size"])
        if tuple(int(v) for v in detail["shape"][1:3]) != self.input_hw:
            raise ValueError(f"{name}: the metadata's input size {self.input_hw} is not the model's {detail['shape']}")

    @classmethod
    def from_file(cls, path: Path | str, num_threads: int | None = None) -> LiteRTPredictor:
        """The artifact and the metadata JSON written beside it."""
        path = Path(path)
        meta = path.with_suffix(".json")
        try:
            metadata = json.loads(meta.read_text())
        except ValueError as err:
            raise ValueError(f"metadata {meta} is not readable JSON: {err}") from err
        return cls(path.read_bytes(), metadata, num_threads, str(path))

    def raw(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """The output tensors as the interpreter returns them (int8 stays int8): what the mobile decoder reads."""
        out = self.runner(**{self.input_name: image[None].astype(self.input_dtype)})
        return {name: out[name] for name in self.heads}

    def __call__(self, image: np.ndarray) -> dict[str, np.ndarray]:
        out = self.raw(image)
        return {name: dequantize(out[name], head["scale"], head["zero_point"])[0] for name, head in self.heads.items()}
