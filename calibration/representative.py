"""Choosing, preprocessing and storing a representative set.

The set is `images.npy` ((N, H, W, 3) uint8, letterboxed as at inference) plus `manifest.json`
(image ids and how they were chosen). Only the train split is used unless forced: calibrating on
the images we report on would flatter the quantized models.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from personlab import geometry, spec
from personlab.data import CocoPersons
from personlab.files import atomic_write

log = logging.getLogger(__name__)

STRATEGIES = ("random", "stratified")
DEFAULT_SIZE = 300
MIN_RECOMMENDED = 100
#: Strata: number of people (0, 1, 2-3, 4+) x median person scale sqrt(area) (COCO's 32 / 96 px bounds).
PEOPLE_BINS = (1, 2, 4)
SCALE_BINS = (32.0, 96.0)


@dataclass(frozen=True)
class Manifest:
    split: str
    strategy: str
    seed: int
    input_size: tuple[int, int]
    image_ids: tuple[int, ...]
    letterbox: dict
    coco_annotations: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def stratum(dataset: CocoPersons, image_id: int) -> tuple[int, int]:
    """(people bin, scale bin) of an image's non-crowd people."""
    anns = [a for a in dataset.coco.imgToAnns[image_id] if not a.get("iscrowd", 0)]
    people = int(np.digitize(len(anns), PEOPLE_BINS))
    scale = float(np.median([np.sqrt(a["area"]) for a in anns])) if anns else 0.0
    return people, int(np.digitize(scale, SCALE_BINS))


def select(dataset: CocoPersons, size: int, strategy: str, seed: int) -> list[int]:
    """`size` image ids (all when fewer exist), deterministic for `seed`.

    stratified: every stratum gets a share proportional to its size (largest remainders first),
    so rare kinds of image (crowds, tiny people) are represented as in the split.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    rng = np.random.default_rng(seed)
    ids = list(dataset.image_ids)
    size = min(size, len(ids))
    if strategy == "random":
        return sorted(int(i) for i in rng.choice(ids, size, replace=False))
    strata: dict[tuple[int, int], list[int]] = {}
    for image_id in ids:
        strata.setdefault(stratum(dataset, image_id), []).append(image_id)
    keys = sorted(strata)
    quotas = np.array([len(strata[k]) for k in keys], float) * size / len(ids)
    counts = np.floor(quotas).astype(int)
    for i in np.argsort(-(quotas - counts), kind="stable")[: size - counts.sum()]:
        counts[i] += 1
    chosen = [int(i) for k, n in zip(keys, counts, strict=True) for i in rng.choice(strata[k], n, replace=False)]
    return sorted(chosen)


def build(
    coco_dir: Path | str,
    split: str = "train",
    size: int = DEFAULT_SIZE,
    strategy: str = "random",
    seed: int = 0,
    input_hw: tuple[int, int] = spec.DEFAULT_INPUT_SIZE,
    force: bool = False,
    dataset: CocoPersons | None = None,
) -> tuple[np.ndarray, Manifest]:
    """The letterboxed images and their manifest (from `dataset` when given, else coco_dir's split)."""
    if split != "train" and not force:
        raise ValueError(f"calibration uses the train split; '{split}' is for reporting (use --force to override)")
    if size < 1:
        raise ValueError(f"calibration set size must be at least 1, got {size}")
    dataset = dataset or CocoPersons(coco_dir, split)
    if not dataset.image_ids:
        raise ValueError(f"{dataset.files.annotations} has no images: empty calibration set")
    ids = select(dataset, size, strategy, seed)
    if len(ids) < MIN_RECOMMENDED:
        log.warning(
            "only %d calibration images (fewer than %d): int8 ranges may be poorly estimated", len(ids), MIN_RECOMMENDED
        )
    images = np.stack(
        [
            geometry.letterboxed(image, input_hw)[1]
            for image in (dataset.read_image(i) for i in tqdm(ids, desc="calibration", unit="img", disable=None))
        ]
    )
    manifest = Manifest(
        split,
        strategy,
        seed,
        tuple(input_hw),
        tuple(ids),
        spec.SPEC.to_dict()["letterbox"],
        str(dataset.files.annotations),
    )
    return images, manifest


def write(out: Path | str, images: np.ndarray, manifest: Manifest) -> Path:
    """Write images.npy and manifest.json atomically (temporary names, then rename)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.save(buffer, images)
    atomic_write(out / "images.npy", buffer.getvalue())
    atomic_write(out / "manifest.json", manifest.to_json().encode())
    return out


def load(directory: Path | str) -> tuple[np.ndarray, dict]:
    """A calibration set written by `write`; clear errors when it is missing or empty."""
    directory = Path(directory)
    if not (directory / "images.npy").is_file() or not (directory / "manifest.json").is_file():
        raise FileNotFoundError(
            f"calibration directory {directory} has no images.npy + manifest.json (run personlab calibrate)"
        )
    with open(directory / "images.npy", "rb") as f:
        if f.read(6) != b"\x93NUMPY":  # np.load would take it for a pickle and say so
            raise ValueError(f"calibration images {directory / 'images.npy'} are not a .npy file (no NumPy header)")
    try:
        images = np.load(directory / "images.npy", allow_pickle=False)
    except (OSError, ValueError) as err:
        raise ValueError(f"calibration images {directory / 'images.npy'} are not a readable .npy: {err}") from err
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"calibration images {directory / 'images.npy'} are {images.dtype} {images.shape}, need uint8 (N, H, W, 3)"
        )
    if len(images) == 0:
        raise ValueError(f"calibration set {directory} is empty")
    try:
        manifest = json.loads((directory / "manifest.json").read_text())
    except (OSError, ValueError) as err:
        raise ValueError(f"calibration manifest {directory / 'manifest.json'} is not readable JSON: {err}") from err
    fields = [f.name for f in dataclasses.fields(Manifest)]
    if not isinstance(manifest, dict) or not set(fields) <= set(manifest):
        raise ValueError(f"calibration manifest {directory / 'manifest.json'} lacks fields of {fields}")
    if len(manifest["image_ids"]) != len(images):
        listed = len(manifest["image_ids"])
        raise ValueError(f"calibration set {directory}: {len(images)} images, the manifest lists {listed}")
    return images, manifest
