"""The quantization variants, one table of converter settings, and the conversion itself.

Like the Ultralytics exporter's format table: every variant is one row, checked once on import,
and everything else (CLI choices, metadata, tests) reads the rows rather than restating them.
Settings are the names of tf.lite enums and dtypes, so reading the table needs no TensorFlow;
only `Converter` imports it.

Common to all rows: Optimize.DEFAULT, whose weights are int8 per output channel for convolutions
(the converter's default; the tests check the scales). Calibrated rows use the calibration images
(float32 copies of the uint8 letterboxed images, batch 1) as the representative dataset. The int8
rows share one calibration run: it does not depend on I/O types or float layers, and it is most of
a conversion's time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

#: tf.lite.OpsSet members a row may name.
OPS_SETS = ("TFLITE_BUILTINS", "TFLITE_BUILTINS_INT8", "EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8")
IO_TYPES = ("float32", "uint8", "int8")


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    calibrated: bool = False  # representative dataset = the calibration images (integer activations)
    supported_ops: tuple[str, ...] = ("TFLITE_BUILTINS",)
    input_type: str = "float32"
    output_type: str = "float32"
    float_layers: bool = False  # keep the most sensitive layers in float (quantize.mixed chooses them)

    @property
    def int8(self) -> bool:
        """Quantized by the converter's MLIR quantizer from the shared int8 calibration (int16x8 is not)."""
        return self.calibrated and "TFLITE_BUILTINS_INT8" in self.supported_ops

    def to_dict(self) -> dict:
        """The row as JSON data (for the metadata)."""
        return {**asdict(self), "supported_ops": list(self.supported_ops)}


_ROWS = (
    Variant("dynamic_range", "int8 weights (kernels under 1024 values stay float), float activations and I/O"),
    Variant(
        "full_int8",
        "int8 activations and weights, integer ops only; uint8 RGB input (scale 1, zero point 0), int8 outputs",
        calibrated=True,
        supported_ops=("TFLITE_BUILTINS_INT8",),
        input_type="uint8",
        output_type="int8",
    ),
    Variant(
        "int8_float_io",
        "int8 activations and weights, integer ops only; float32 input and outputs",
        calibrated=True,
        supported_ops=("TFLITE_BUILTINS_INT8",),
    ),
    Variant(
        "int16x8",
        "int16 activations, int8 weights; float32 input and outputs",
        calibrated=True,
        supported_ops=("EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8",),
    ),
    Variant(
        "mixed",
        "full_int8 with the most sensitive layers kept in float, the fewest that meet an accuracy budget",
        calibrated=True,
        supported_ops=("TFLITE_BUILTINS_INT8", "TFLITE_BUILTINS"),
        input_type="uint8",
        output_type="int8",
        float_layers=True,
    ),
)


def _check(row: Variant) -> None:
    """Reject settings the converter would refuse or silently reinterpret."""
    unknown = set(row.supported_ops) - set(OPS_SETS)
    if unknown or not row.supported_ops:
        raise ValueError(f"variant {row.name}: supported_ops {row.supported_ops} not among {OPS_SETS}")
    if {row.input_type, row.output_type} - set(IO_TYPES):
        raise ValueError(f"variant {row.name}: I/O types must be among {IO_TYPES}")
    int8_ops = "TFLITE_BUILTINS_INT8" in row.supported_ops
    integer_io = (row.input_type, row.output_type) != ("float32", "float32")
    if (integer_io or row.float_layers) and not (row.calibrated and int8_ops):
        raise ValueError(f"variant {row.name}: integer I/O and float layers need calibrated int8 activations")
    if row.calibrated != (set(row.supported_ops) != {"TFLITE_BUILTINS"}):
        raise ValueError(f"variant {row.name}: integer op sets need calibration, and calibration needs them")


for _row in _ROWS:
    _check(_row)
VARIANTS: dict[str, Variant] = {row.name: row for row in _ROWS}
if len(VARIANTS) != len(_ROWS):
    raise ValueError("variant names must be unique")


def get(names: list[str] | tuple[str, ...]) -> list[Variant]:
    """The rows for `names`; ValueError naming the unknown ones."""
    if not names:
        raise ValueError(f"no quantization variant given: choose from {', '.join(VARIANTS)}")
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown quantization variant(s) {', '.join(unknown)}: choose from {', '.join(VARIANTS)}")
    return [VARIANTS[n] for n in names]


def converter(model, variant: Variant, images: np.ndarray):
    """A tf.lite.TFLiteConverter for the Keras `model` set up as the row says."""
    import tensorflow as tf

    from export.tflite import converter_for

    conv = converter_for(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.target_spec.supported_ops = [getattr(tf.lite.OpsSet, name) for name in variant.supported_ops]
    conv.inference_input_type = tf.as_dtype(variant.input_type)
    conv.inference_output_type = tf.as_dtype(variant.output_type)
    if variant.calibrated:
        conv.representative_dataset = lambda: ([image[None].astype(np.float32)] for image in images)
    return conv


class Converter:
    """One Keras model converted to any row; the int8 rows from one calibration run."""

    def __init__(self, model, images: np.ndarray):
        self.model = model
        self.images = images
        self._calibrated: bytes | None = None

    def calibrated(self, variant: Variant) -> bytes:
        """The float model with the calibration statistics, not yet quantized (the same for every int8 row).

        `_experimental_calibrate_only` is the switch TensorFlow's own QuantizationDebugger sets to stop
        the converter after calibration; quantizing it (`convert`) is the converter's last step.
        """
        if self._calibrated is None:
            from export.tflite import quiet

            conv = converter(self.model, variant, self.images)
            conv._experimental_calibrate_only = True
            with quiet():
                self._calibrated = conv.convert()
        return self._calibrated

    def convert(self, variant: Variant, float_tensors: Sequence[str] = ()) -> bytes:
        """The row's model; for int8 rows the ops producing `float_tensors` stay in float.

        int8 rows: the MLIR quantizer on the shared calibration with the denylist of
        QuantizationDebugOptions(denylisted_nodes=...), as the converter itself calls it (the debugger's
        get_nondebug_quantized_model makes the same call but cannot set integer input/output types).
        """
        if float_tensors and not variant.int8:
            raise ValueError(f"variant {variant.name}: only int8 rows can keep layers in float")
        if variant.int8:
            import tensorflow as tf
            from tensorflow.lite.python import convert as tflite_convert

            tflite = tflite_convert.mlir_quantize(
                self.calibrated(variant),
                input_data_type=tf.as_dtype(variant.input_type),
                output_data_type=tf.as_dtype(variant.output_type),
                denylisted_nodes=list(float_tensors) or None,
            )
        else:
            from export.tflite import quiet

            with quiet():
                tflite = converter(self.model, variant, self.images).convert()
        check_input(tflite, variant)
        return tflite


def check_input(tflite: bytes, variant: Variant) -> None:
    """An integer input must take pixel values 0..255 as they are (DESIGN.md): scale 1, zero point 0.

    The converter takes the input range from the calibration data, so images that never reach 255
    would give a smaller scale and clip brighter pixels on the phone.
    """
    from ai_edge_litert.interpreter import Interpreter

    if variant.input_type == "float32":
        return
    (detail,) = Interpreter(model_content=tflite).get_input_details()
    scale, zero_point = detail["quantization"]
    if (scale, zero_point) != (1.0, 0):
        raise ValueError(
            f"variant {variant.name}: {variant.input_type} input got scale {scale:g}, zero point {zero_point} "
            "instead of 1, 0: the calibration images must span pixel values 0..255"
        )
