"""Mixed precision: full int8 except the fewest most sensitive layers, kept in float to meet an accuracy budget.

1. Sensitivity: TFLite's quantization debugger runs the calibrated model with every quantized op
   checked against its float twin (same input), giving per-op error statistics. The ranking key is
   RMSE / scale, the error in quantization steps, as in TensorFlow's debugger guide: above ~0.3
   (uniform rounding alone) an op loses more than its step size explains.
2. Search: with the n most sensitive ops in float, n = 0, 1, 2, 4, ... until the accuracy drop
   against the float model is within the budget, then bisection between that n and the last one
   that missed. Accuracy is COCO AP on held-back train images (train images outside the calibration
   manifest); never val, which would make the reported val numbers part of the choice.
Every candidate is quantized from one calibration run, so the search costs evaluations, not conversions.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from export.tflite import quiet
from personlab.data import CocoPersons
from personlab.evaluate import STAT_NAMES, evaluate_model
from quantize.variants import Converter, Variant

log = logging.getLogger(__name__)

METRICS = tuple(f"{kind}/{name}" for kind, names in STAT_NAMES.items() for name in names)


@dataclass(frozen=True)
class Layer:
    """One quantized op, named by its output tensor (what QuantizationDebugOptions.denylisted_nodes takes)."""

    tensor: str
    op: str
    label: str  # the Keras layer (or head) it comes from, for people
    rmse_over_scale: float


class HeldBack:
    """Accuracy on train images that the calibration did not see."""

    def __init__(self, coco_dir: Path | str, manifest: dict, metric: str, limit: int | None = None):
        if metric not in METRICS:
            raise ValueError(f"unknown accuracy metric {metric!r}: choose from {', '.join(METRICS)}")
        self.dataset = CocoPersons(coco_dir, "train")
        used = {int(i) for i in manifest["image_ids"]}
        self.image_ids = [i for i in self.dataset.image_ids if i not in used][:limit]
        if not self.image_ids:
            raise ValueError("no held-back train images: the calibration set uses the whole train split")
        self.metric = metric

    def score(self, predictor) -> float:
        """`metric` of an inference.Predictor, decoded by personlab.decoder and scored by pycocotools."""
        return evaluate_model(predictor, self.dataset, self.image_ids)[1][self.metric]


def rank_layers(converter: Converter, variant: Variant, debug_images: int) -> list[Layer]:
    """The model's quantizable ops, most sensitive first, on the first `debug_images` calibration images.

    The debugger runs the calibrated model quantized with a NumericVerify op after every quantized op
    (what QuantizationDebugger builds from a converter, here from the calibration already made).
    """
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter
    from tensorflow.lite.python import convert as tflite_convert

    calibrated = converter.calibrated(variant)
    debug = converter.images[:debug_images]
    with quiet():
        debugger = tf.lite.experimental.QuantizationDebugger(
            quant_debug_model_content=tflite_convert.mlir_quantize(calibrated, enable_numeric_verify=True),
            debug_dataset=lambda: ([image[None].astype(np.float32)] for image in debug),
        )
        debugger.run()
    dump = io.StringIO()
    debugger.layer_statistics_dump(dump)
    outputs = Interpreter(model_content=calibrated).get_signature_runner().get_output_details()
    heads = {detail["name"]: head for head, detail in outputs.items()}
    names = [layer.name for layer in converter.model.layers]
    layers = [
        Layer(
            row["tensor_name"],
            row["op_name"],
            heads.get(row["tensor_name"]) or _keras_layer(row["tensor_name"], names),
            float(np.sqrt(float(row["mean_squared_error"])) / float(row["scale"])),
        )
        for row in csv.DictReader(io.StringIO(dump.getvalue()))
    ]
    return sorted(layers, key=lambda layer: -layer.rmse_over_scale)


def _keras_layer(tensor: str, names: Sequence[str]) -> str:
    """The first Keras layer (model order, so a conv before its batch norm) named in a fused op's tensor name."""
    return next((n for n in names if re.search(rf"/{re.escape(n)}(_\d+)?/", tensor)), tensor)


def search(total: int, drop: Callable[[int], float], budget: float) -> tuple[int, dict[int, float]]:
    """The fewest n in 0..total with drop(n) <= budget (or, when none is, the n of the smallest drop).

    Doubling then bisection assumes the drop shrinks as n grows, which holds roughly, not exactly:
    the n returned within budget has been measured within budget. Returns (n, {n: drop} measured).
    """
    tried: dict[int, float] = {}

    def within(n: int) -> bool:
        if n not in tried:
            tried[n] = drop(n)
        return tried[n] <= budget

    missed = -1
    for n in sorted({0, total, *(2**i for i in range(total.bit_length()) if 2**i < total)}):
        if within(n):
            low, high = missed + 1, n
            while low < high:
                mid = (low + high) // 2
                low, high = (low, mid) if within(mid) else (mid + 1, high)
            return high, tried
        missed = n
    return min(tried, key=tried.__getitem__), tried


def mixed_precision(
    converter: Converter,
    variant: Variant,
    *,
    held_back: HeldBack,
    reference,
    predictor: Callable[[bytes], object],
    budget: float,
    debug_images: int,
) -> tuple[bytes, dict]:
    """The chosen model and what to record of the choice (metadata `mixed_precision`).

    reference: the float model as an inference.Predictor; predictor: artifact bytes -> Predictor.
    """
    layers = rank_layers(converter, variant, debug_images)
    float_score = held_back.score(reference)
    candidates: dict[int, bytes] = {}

    def drop(n: int) -> float:
        candidates[n] = converter.convert(variant, [layer.tensor for layer in layers[:n]])
        score = held_back.score(predictor(candidates[n]))
        log.info("mixed: %d float layer(s): %s %.4f (float %.4f)", n, held_back.metric, score, float_score)
        return float_score - score

    n, tried = search(len(layers), drop, budget)
    record = {
        "metric": held_back.metric,
        "budget": budget,
        "budget_met": tried[n] <= budget,
        "float": float_score,
        "quantized": float_score - tried[n],
        "drop": tried[n],
        "held_back": {"split": "train", "images": len(held_back.image_ids)},
        "float_layers": [asdict(layer) for layer in layers[:n]],
        "tried": [{"float_layers": k, "drop": v} for k, v in sorted(tried.items())],
        "sensitivity": {
            "statistic": "RMSE / scale of each quantized op against float, same input",
            "debug_images": min(debug_images, len(converter.images)),
            "ranking": [{"label": la.label, "op": la.op, "rmse_over_scale": la.rmse_over_scale} for la in layers],
        },
    }
    if not record["budget_met"]:
        record["note"] = f"budget not met by any candidate; wrote the one with the smallest drop ({n} float layers)"
    return candidates[n], record
