"""`quantize`: checkpoint + calibration set -> one .tflite per variant, metadata embedded and beside."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from calibration import representative
from personlab import geometry
from personlab.data import COCO_DIR, CocoPersons
from personlab.runtime import LiteRTPredictor
from quantize import mixed, sqnr
from quantize.variants import Converter, get

log = logging.getLogger(__name__)


def quantize(
    checkpoint: Path | str,
    calibration_dir: Path | str,
    variants: Sequence[str],
    input_hw: tuple[int, int],
    out_dir: Path | str,
    *,
    coco_dir: Path | str = COCO_DIR,
    sqnr_images: int = 16,
    budget: float = 0.01,
    metric: str = "keypoints/AP",
    held_back_images: int | None = None,
    debug_images: int = 16,
    stride: int | None = None,
) -> list[Path]:
    """Write each variant as personlab_<backbone>[_s8]_<HxW>_<variant>.tflite (+ .json); returns the .tflite paths.

    sqnr_images: first N val images letterboxed for the per-head SQNR against the float model
    (a report, so val; 0 skips it). budget, metric, held_back_images (default: all train images
    outside the calibration manifest), debug_images: the `mixed` variant's search (quantize.mixed).
    Bad input (unknown variant, missing or empty calibration set, calibration at another size,
    negative budget, unknown metric) raises FileNotFoundError / ValueError before any conversion.
    stride: build the checkpoint at another output stride (checkpoint.load).
    """
    rows = get(tuple(variants))
    input_hw = (int(input_hw[0]), int(input_hw[1]))
    if budget < 0:
        raise ValueError(f"the accuracy budget is a drop and cannot be negative, got {budget}")
    images, manifest = representative.load(calibration_dir)
    if images.shape[1:3] != input_hw:
        raise ValueError(
            f"calibration set {calibration_dir} is {images.shape[1]}x{images.shape[2]}, the artifacts "
            f"{input_hw[0]}x{input_hw[1]}: build it at the same size (personlab calibrate --input-size)"
        )
    held_back = (
        mixed.HeldBack(coco_dir, manifest, metric, held_back_images) if any(r.float_layers for r in rows) else None
    )

    from export.metadata import artifact_name, describe, write_artifact
    from personlab import checkpoint as checkpoint_lib
    from personlab.inference import KerasPredictor

    model, config = checkpoint_lib.load(checkpoint, input_hw, stride)
    converter = Converter(model, images)
    reference = KerasPredictor(checkpoint, input_hw, stride)
    report_images = val_images(coco_dir, sqnr_images, input_hw)
    calibration = {
        **{key: manifest[key] for key in ("split", "strategy", "seed")},
        "images": len(images),
        "input_size": list(input_hw),
    }

    paths = []
    for row in rows:
        log.info("quantize: %s (%s)", row.name, row.description)
        extra = {"quantization": row.to_dict(), **({"calibration": calibration} if row.calibrated else {})}
        if row.float_layers:
            tflite, extra["mixed_precision"] = mixed.mixed_precision(
                converter,
                row,
                held_back=held_back,
                reference=reference,
                predictor=lambda b, name=row.name: LiteRTPredictor(b, describe(b, config, name, checkpoint)),
                budget=budget,
                debug_images=debug_images,
            )
        else:
            tflite = converter.convert(row)
        metadata = describe(tflite, config, row.name, checkpoint, extra)
        if len(report_images):
            db = sqnr.measure(reference, LiteRTPredictor(tflite, metadata), report_images)
            metadata["sqnr_db"] = {"split": "val", "images": len(report_images), "heads": db}
            log.info("quantize: %s SQNR dB %s", row.name, ", ".join(f"{k} {v:.1f}" for k, v in db.items()))
        paths.append(write_artifact(out_dir, artifact_name(config, input_hw, row.name), tflite, metadata))
        log.info("quantize: wrote %s (%.0f KiB)", paths[-1], len(tflite) / 1024)
    return paths


def val_images(coco_dir: Path | str, count: int, input_hw: tuple[int, int]) -> np.ndarray:
    """The first `count` val images, letterboxed as at inference: (N, H, W, 3) uint8."""
    if count <= 0:
        return np.zeros((0, *input_hw, 3), np.uint8)
    dataset = CocoPersons(coco_dir, "val")
    return np.stack(
        [geometry.letterboxed(image, input_hw)[1] for image in map(dataset.read_image, dataset.image_ids[:count])]
    )
