"""Google's int8 PoseNet / BodyPix TFLite models, described for our mobile decoder (report anchors).

Their tensors are read where they lie: each head's metadata names the raw channel behind each of
our channels (`order`) and marks heatmap / segmentation logits (`kind: logit`), so mobile_decoder
decodes them as they come out of the interpreter, with no copy into our layout. Neither model has
a signature, so this drives the interpreter by tensor index.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from export.metadata import tensor_info
from personlab import spec
from personlab.data import WEIGHTS_DIR

STRIDE = 16
#: Anchor name -> file under WEIGHTS_DIR.
FILES = {
    "posenet_075_int8": "tflite_int8/posenet_mobilenet_v1_075_353_481_quant.tflite",
    "bodypix_075_int8": "tflite_int8/bodypix_mobilenet_v1_075_1280_720_16_per_tensor_quant.tflite",
}
#: Google output tensor -> (our head, kind). float_part_heatmaps has no counterpart and is not read.
TENSORS = {
    "float_heatmaps": ("heatmaps", "logit"),
    "float_short_offsets": ("short_offsets", "offset"),
    "float_mid_offsets": ("mid_offsets", "offset"),
    "float_segments": ("segmentation", "logit"),
    "float_long_offsets": ("long_offsets", "offset"),
}


def mid_order(edges: int = spec.NUM_EDGES) -> list[int]:
    """Google's mid tensor is [fwd y, fwd x, bwd y, bwd x] (E each); ours is [fwd y, bwd y, fwd x, bwd x].

    Both walk PoseNet's edge chain in the same order (spec.EDGES), so only the blocks move.
    """
    fwd_y, fwd_x, bwd_y, bwd_x = (list(range(i * edges, (i + 1) * edges)) for i in range(4))
    return fwd_y + bwd_y + fwd_x + bwd_x


def metadata(output_details: list[dict], input_hw: tuple[int, int], name: str) -> dict:
    """Artifact metadata (export.metadata's format) for the Google outputs present."""
    heads = {}
    for detail in output_details:
        if detail["name"] in TENSORS:
            head, kind = TENSORS[detail["name"]]
            heads[head] = (
                tensor_info(detail) | {"kind": kind} | ({"order": mid_order()} if head == "mid_offsets" else {})
            )
    return spec.metadata(name, STRIDE, input_hw, heads)


class GooglePredictor:
    """A mobile-decoder predictor (`raw`, `metadata`, `stride`, `input_hw`) over one of Google's int8 models.

    Input: letterboxed uint8 RGB pixels as they are (the model's input quantization (1/128, 128)
    maps them to [-1, 1) itself).
    """

    stride = STRIDE

    def __init__(self, path: Path | str, num_threads: int | None = None, name: str | None = None):
        self.path = Path(path)
        self.interpreter = Interpreter(model_path=str(self.path), num_threads=num_threads)
        self.interpreter.allocate_tensors()
        (self._input,) = self.interpreter.get_input_details()
        self.input_hw = (int(self._input["shape"][1]), int(self._input["shape"][2]))
        details = self.interpreter.get_output_details()
        self.metadata = metadata(details, self.input_hw, name or self.path.stem)
        self._outputs = {TENSORS[d["name"]][0]: d["index"] for d in details if d["name"] in TENSORS}

    @classmethod
    def anchor(cls, name: str, num_threads: int | None = None, weights_dir: Path | str = WEIGHTS_DIR):
        """One of FILES by name."""
        return cls(Path(weights_dir) / FILES[name], num_threads, name)

    def raw(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """{our head name: uint8 tensor as the model wrote it}."""
        self.interpreter.set_tensor(self._input["index"], image[None].astype(np.uint8))
        self.interpreter.invoke()
        return {head: self.interpreter.get_tensor(index) for head, index in self._outputs.items()}
