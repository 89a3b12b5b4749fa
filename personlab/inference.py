"""Running a model on images: letterbox in, raw head outputs out.

A Predictor is anything that maps a batch of letterboxed uint8 RGB inputs to {head: array};
the checkpoint (Keras) and .tflite artifacts both fit, so evaluation treats them alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from personlab import checkpoint, geometry, spec


class Predictor(Protocol):
    stride: int
    input_hw: tuple[int, int]

    def __call__(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """(H, W, 3) uint8 letterboxed input -> {head: (gh, gw, C) float32}."""


class KerasPredictor:
    def __init__(self, path: Path | str, input_hw: tuple[int, int] = spec.DEFAULT_INPUT_SIZE):
        self.model, config = checkpoint.load(path)
        self.stride, self.input_hw = config.stride, tuple(input_hw)
        spec.check_input_size(*self.input_hw, self.stride)

    def __call__(self, image: np.ndarray) -> dict[str, np.ndarray]:
        out = self.model(image[None].astype(np.float32), training=False)
        return {k: np.asarray(v)[0] for k, v in out.items()}


class TFLitePredictor:
    """A .tflite artifact, run through its signature so outputs come back by head name."""

    def __init__(self, path: Path | str, stride: int = spec.DEFAULT_STRIDE):
        import tensorflow as tf

        self.interpreter = tf.lite.Interpreter(model_path=str(path), num_threads=2)
        self.runner = self.interpreter.get_signature_runner()
        ((name, detail),) = self.runner.get_input_details().items()
        self.input_name, self.input_dtype = name, detail["dtype"]
        self.input_hw = tuple(int(v) for v in detail["shape"][1:3])
        self.stride = stride

    def __call__(self, image: np.ndarray) -> dict[str, np.ndarray]:
        out = self.runner(**{self.input_name: image[None].astype(self.input_dtype)})
        return {k: _dequantize(v, d)[0] for k, v in out.items() for d in [self.runner.get_output_details()[k]]}


def _dequantize(values: np.ndarray, detail: dict) -> np.ndarray:
    scale, zero_point = detail.get("quantization", (0.0, 0))
    if values.dtype in (np.int8, np.uint8, np.int16) and scale:
        return (values.astype(np.float32) - zero_point) * scale
    return values.astype(np.float32)


def load_predictor(path: Path | str, input_hw: tuple[int, int] = spec.DEFAULT_INPUT_SIZE) -> Predictor:
    path = Path(path)
    if path.suffix == ".tflite":
        if not path.is_file():
            raise FileNotFoundError(f"model not found: {path}")
        return TFLitePredictor(path)
    return KerasPredictor(path, input_hw)


def letterboxed(predictor: Predictor, image: np.ndarray) -> tuple[geometry.Affine, dict[str, np.ndarray]]:
    """Letterbox an RGB image into the predictor's input and run it."""
    affine = geometry.letterbox(image.shape[:2], predictor.input_hw)
    return affine, predictor(geometry.warp_image(image, affine, predictor.input_hw))
