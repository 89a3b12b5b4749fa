"""Running an artifact the way a phone does: ai_edge_litert alone, no TensorFlow.

Integer outputs are dequantized with the scale and zero point written in the artifact's metadata
(the numbers the mobile decoder and the Java port use), so measuring through this class also
checks that the metadata is right. Imports: NumPy, ai_edge_litert and the head spec only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from personlab import spec


def dequantize(values: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """Real values of a quantized tensor (float tensors, scale 0, pass through)."""
    if scale and np.issubdtype(values.dtype, np.integer):
        return (values.astype(np.float32) - zero_point) * np.float32(scale)
    return values.astype(np.float32)


class LiteRTPredictor:
    """An inference.Predictor over a .tflite: (H, W, 3) uint8 letterboxed input -> {head: float32 (gh, gw, C)}.

    Integer inputs take the pixel values as they are (quantize.variants.check_input makes sure
    their scale is 1 and zero point 0); float inputs take them as float32 0..255.
    """

    def __init__(self, tflite: bytes, metadata: dict, num_threads: int | None = None):
        self.runner = Interpreter(
            model_content=tflite, num_threads=num_threads or os.cpu_count()
        ).get_signature_runner()
        ((self.input_name, detail),) = self.runner.get_input_details().items()
        self.input_dtype = detail["dtype"]
        self.metadata = metadata
        self.heads = {name: metadata["heads"][name] for name in spec.HEAD_NAMES}
        self.stride = int(metadata["spec"]["stride"])
        self.input_hw = tuple(int(v) for v in metadata["input_size"])

    @classmethod
    def from_file(cls, path: Path | str, num_threads: int | None = None) -> LiteRTPredictor:
        """The artifact and the metadata JSON written beside it."""
        path = Path(path)
        return cls(path.read_bytes(), json.loads(path.with_suffix(".json").read_text()), num_threads)

    def raw(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """The output tensors as the interpreter returns them (int8 stays int8): what the mobile decoder reads."""
        out = self.runner(**{self.input_name: image[None].astype(self.input_dtype)})
        return {name: out[name] for name in self.heads}

    def __call__(self, image: np.ndarray) -> dict[str, np.ndarray]:
        out = self.raw(image)
        return {name: dequantize(out[name], head["scale"], head["zero_point"])[0] for name, head in self.heads.items()}
