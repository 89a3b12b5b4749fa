"""Keras checkpoint -> float32 / float16 TFLite, inputs RGB 0..255 float32, one output per head."""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator

import tensorflow as tf


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Keep the converter's chatter off the console: the traced-signature listing Keras prints on
    stdout and tf.lite's warnings about the Interpreter's deprecation and input statistics."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"tensorflow\.lite\.")
        yield


def converter_for(model) -> tf.lite.TFLiteConverter:
    """A TFLite converter of the Keras model."""
    with quiet():
        return tf.lite.TFLiteConverter.from_keras_model(model)


def convert(model, float16: bool = False) -> bytes:
    converter = converter_for(model)
    if float16:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    with quiet():
        return converter.convert()
