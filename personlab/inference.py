"""Running a model: a letterboxed input in (geometry.letterboxed), head outputs out.

A Predictor is anything that maps a letterboxed uint8 RGB input to {head: array}; the checkpoint
(Keras) and .tflite artifacts (personlab.runtime, the lightweight runtime) both fit, so evaluation
treats them alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from personlab import checkpoint, spec
from personlab.runtime import LiteRTPredictor


class Predictor(Protocol):
    stride: int
    input_hw: tuple[int, int]
    metadata: dict  # the artifact metadata: how to read raw() (export.metadata)

    def __call__(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """(H, W, 3) uint8 letterboxed input -> {head: (gh, gw, C) float32}."""

    def raw(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """(H, W, 3) uint8 letterboxed input -> {head: tensor as the model wrote it} (mobile_decoder's input)."""


class KerasPredictor:
    def __init__(
        self, path: Path | str, input_hw: tuple[int, int] = spec.DEFAULT_INPUT_SIZE, stride: int | None = None
    ):
        self.model, config = checkpoint.load(path, stride=stride)
        self.stride, self.input_hw = config.stride, tuple(input_hw)
        spec.check_input_size(*self.input_hw, self.stride)
        self.metadata = spec.float_metadata(self.stride, self.input_hw)

    def __call__(self, image: np.ndarray) -> dict[str, np.ndarray]:
        out = self.model(image[None].astype(np.float32), training=False)
        return {k: np.asarray(v)[0] for k, v in out.items()}

    raw = __call__


def load_predictor(path: Path | str, input_hw: tuple[int, int] = spec.DEFAULT_INPUT_SIZE) -> Predictor:
    path = Path(path)
    if path.suffix == ".tflite":
        if not path.is_file() or not path.with_suffix(".json").is_file():
            raise FileNotFoundError(f"model not found: {path} with its metadata {path.with_suffix('.json').name}")
        return LiteRTPredictor.from_file(path)
    return KerasPredictor(path, input_hw)
