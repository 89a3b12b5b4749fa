"""The rows of the report: what exists under --artifacts, checked against the checkpoint, plus anchors.

Our artifacts are recognised by their metadata (built from the checkpoint's weights, with the
current metadata version), not by a list of names, so whatever `make pipeline` (or `make frontier`,
`make calibration-study`) built is measured. An artifact built from other weights is stale: the
report refuses to run until it is rebuilt or removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from personlab import checkpoint, spec
from personlab.data import DataError

#: What every report must have (513x513 unless named): the quantization table and the PoseNet comparison.
REQUIRED = ("float32", "float16", "dynamic_range", "full_int8", "int8_float_io", "mixed")
POSENET_HW = (353, 481)
MAIN = (spec.DEFAULT_INPUT_SIZE, spec.DEFAULT_STRIDE)  # the quantization table's input size and stride
#: The calibration of the main full_int8 (personlab calibrate's defaults); other 513x513 ones are the study's.
MAIN_CALIBRATION = {"strategy": "random", "images": 300, "seed": 0}
ANCHORS = {
    "posenet_075_int8": "Google PoseNet 0.75 uint8, no masks",
    "bodypix_075_int8": "Google BodyPix 0.75 uint8, landscape 1280x720 (part heatmaps unused); its long offsets follow "
    "BodyPix's own training, not our definition (the imported 0.50 shows the same low mask AP)",
}


@dataclass(frozen=True)
class Row:
    """One thing measured: an artifact of ours, the Keras float model at a size, or an anchor."""

    name: str
    group: str  # "ours", "calibration" (the calibration study) or "anchor"
    kind: str  # "tflite", "keras" or "google"
    path: str
    input_hw: tuple[int, int]
    variant: str  # the artifact's variant, "keras" for the float model, the anchor's name
    stride: int = spec.DEFAULT_STRIDE
    note: str = ""
    calibration: dict = field(default_factory=dict)
    sqnr_db: dict | None = None

    @property
    def integer(self) -> bool:
        return self.group == "ours" and self.variant in ("full_int8", "mixed")


def hw_name(input_hw) -> str:
    return f"{input_hw[0]}x{input_hw[1]}"


def row_name(variant: str, input_hw, stride: int = spec.DEFAULT_STRIDE) -> str:
    """The variant at 513x513 and stride 16 (the quantization table's rows); else `variant[_s8]_HxW`."""
    if tuple(input_hw) == spec.DEFAULT_INPUT_SIZE and stride == spec.DEFAULT_STRIDE:
        return variant
    return f"{variant}{'' if stride == spec.DEFAULT_STRIDE else f'_s{stride}'}_{hw_name(input_hw)}"


def read_metadata(path: Path) -> dict | None:
    meta = path.with_suffix(".json")
    try:
        return json.loads(meta.read_text())
    except (OSError, ValueError):
        return None


def ours(artifacts: Path, weights: str) -> tuple[list[Row], list[str]]:
    """Our artifacts under `artifacts` (any depth) built from `weights`; and the stale ones, described."""
    rows, stale = [], []
    for path in sorted(artifacts.rglob("*.tflite")):
        meta = read_metadata(path)
        if meta is None:
            stale.append(f"{path} (no readable metadata JSON beside it)")
            continue
        if meta.get("source", {}).get("weights_sha256") != weights:
            continue  # another model's artifact (an imported anchor): not ours
        if meta.get("metadata_version") != spec.METADATA_VERSION:
            stale.append(f"{path} (metadata version {meta.get('metadata_version')}, now {spec.METADATA_VERSION})")
            continue
        hw, variant, calibration = tuple(meta["input_size"]), meta["variant"], meta.get("calibration", {})
        stride = int(meta["spec"]["stride"])
        study = (  # the calibration study varies the main full_int8's calibration, at 513x513
            variant == "full_int8"
            and hw == spec.DEFAULT_INPUT_SIZE
            and stride == spec.DEFAULT_STRIDE
            and any(calibration.get(k) != v for k, v in MAIN_CALIBRATION.items())
        )
        name = (
            f"full_int8_{calibration['strategy']}_{calibration['images']}" if study else row_name(variant, hw, stride)
        )
        sqnr = meta.get("sqnr_db", {}).get("heads")
        group = "calibration" if study else "ours"
        rows.append(Row(name, group, "tflite", str(path), hw, variant, stride, "", calibration, sqnr))
    return rows, stale


def imported(directory: Path | None) -> list[Row]:
    """Google's weights imported with no training (personlab import-bodypix), exported float32: anchors."""
    if directory is None or not directory.is_dir():
        return []
    rows = []
    for path in sorted(directory.rglob("*.tflite")):
        meta = read_metadata(path) or {}
        alpha = meta.get("model", {}).get("alpha")
        name = f"bodypix_{int(round(alpha * 100)):03d}_{meta.get('variant')}" if alpha else path.stem
        note = f"BodyPix 2.0 MobileNetV1 {alpha} through `personlab import-bodypix` (no training), exported to TFLite"
        hw, stride = tuple(meta["input_size"]), int(meta["spec"]["stride"])
        rows.append(Row(name, "anchor", "tflite", str(path), hw, meta["variant"], stride, note))
    return rows


def anchors(weights_dir: Path) -> list[Row]:
    from personlab.app.anchors import FILES, GooglePredictor

    rows = []
    for name, note in ANCHORS.items():
        path = weights_dir / FILES[name]
        if not path.is_file():
            raise DataError(f"Google anchor {name} is missing: {path} (WEIGHTS_DIR)")
        hw = GooglePredictor(path, 1, name).input_hw
        rows.append(Row(name, "anchor", "google", str(path), hw, name, note=note))
    return rows


def inventory(checkpoint_path: Path, artifacts: Path, weights_dir: Path, imported_dir: Path | None) -> list[Row]:
    """Every row, in table order; DataError naming what is missing or stale."""
    weights = checkpoint.read_info(checkpoint_path)["weights_sha256"]
    found, stale = ours(artifacts, weights)
    names = {r.name for r in found}
    missing = [n for n in (*REQUIRED, row_name("full_int8", POSENET_HW)) if n not in names]
    if stale or missing:
        problems = [f"missing {n}" for n in missing] + [f"stale {s}" for s in stale]
        raise DataError(
            f"report: {'; '.join(problems)} under {artifacts} for {checkpoint_path}: `make pipeline` builds them "
            "(stale files can also be deleted)"
        )
    sizes = sorted({(r.input_hw, r.stride) for r in found if r.integer}, key=lambda s: (s != MAIN, s))
    keras = [
        Row(row_name("keras_float", hw, stride), "ours", "keras", str(checkpoint_path), hw, "keras", stride,
            "the checkpoint in Keras: not a LiteRT artifact (no latency)")
        for hw, stride in sizes
    ]  # fmt: skip
    order = {v: i for i, v in enumerate(("float32", "float16", "onnx_float32", *REQUIRED, "int16x8"))}
    found.sort(key=lambda r: (r.group, (r.input_hw, r.stride) != MAIN, r.input_hw, r.stride, order.get(r.variant, 9)))
    return keras + found + imported(imported_dir) + anchors(weights_dir)
