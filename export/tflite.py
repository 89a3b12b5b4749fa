"""Keras checkpoint -> float32 / float16 TFLite, inputs RGB 0..255 float32, one output per head."""

from __future__ import annotations

import contextlib
import io

import tensorflow as tf

from personlab import checkpoint


def fixed_size_model(source, input_hw: tuple[int, int]):
    """The checkpoint rebuilt at a fixed input size (artifacts have a fixed H x W)."""
    return checkpoint.load(source, input_hw=input_hw)


def converter_for(model) -> tf.lite.TFLiteConverter:
    """A TFLite converter of the Keras model (Keras prints the traced signature: kept off stdout)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return tf.lite.TFLiteConverter.from_keras_model(model)


def convert(model, float16: bool = False) -> bytes:
    converter = converter_for(model)
    if float16:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    with contextlib.redirect_stdout(io.StringIO()):
        return converter.convert()
