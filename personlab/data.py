"""COCO person-keypoint data: finding the files, reading images and annotations.

Two layouts are understood, so a user with full COCO changes only COCO_DIR:
  ours:     COCO_DIR/{split}/person_keypoints.json + COCO_DIR/{split}/images/
  official: COCO_DIR/annotations/person_keypoints_{split}2017.json + COCO_DIR/{split}2017/
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from personlab import spec

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
COCO_DIR = Path(os.environ.get("COCO_DIR", SHARED / "coco_person")).absolute()
WEIGHTS_DIR = Path(os.environ.get("WEIGHTS_DIR", SHARED / "weights")).absolute()


class DataError(Exception):
    """Bad or missing input data; the message names the file."""


@dataclass(frozen=True)
class SplitFiles:
    annotations: Path
    images: Path


def split_files(coco_dir: Path | str, split: str) -> SplitFiles:
    """Locate a split's json and image folder in either supported layout."""
    root = Path(coco_dir)
    candidates = [
        SplitFiles(root / split / "person_keypoints.json", root / split / "images"),
        SplitFiles(root / "annotations" / f"person_keypoints_{split}2017.json", root / f"{split}2017"),
    ]
    for c in candidates:
        if c.annotations.is_file():
            if not c.images.is_dir():
                raise DataError(f"image folder {c.images} is missing (annotations found at {c.annotations})")
            return c
    looked = " or ".join(str(c.annotations) for c in candidates)
    raise DataError(f"no COCO '{split}' split under {root}: looked for {looked}")


@dataclass
class Sample:
    """One image and its people, in image coordinates."""

    image_id: int
    image: np.ndarray  # (h, w, 3) uint8 RGB
    keypoints: np.ndarray  # (P, K, 3) float32 x, y, v for non-crowd people (v = 0: unlabelled)
    masks: np.ndarray  # (P, h, w) bool, one per non-crowd person
    crowd: np.ndarray  # (h, w) bool, union of crowd regions

    @property
    def has_keypoints(self) -> np.ndarray:
        return (self.keypoints[..., 2] > 0).any(axis=1)


#: The most pixels an image may have (a 12-megapixel phone photo has 12M): larger ones are refused
#: before decoding, so a hostile header cannot make us allocate gigabytes.
MAX_IMAGE_PIXELS = 40_000_000


def to_rgb8(im: Image.Image) -> np.ndarray:
    """(h, w, 3) uint8 RGB of any Pillow mode: 16- and 32-bit integer images are scaled down, not clipped.

    Pillow's convert("RGB") clips a 16-bit grey value of 40000 to 255, so such an image would read
    as white; here it reads as 40000 / 257 (what an 8-bit export of the same picture holds).
    """
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        values = np.asarray(im, dtype=np.float64)
        top = 65535.0 if im.mode.startswith("I;16") or values.max(initial=0) <= 65535 else float(values.max())
        grey = np.clip(np.rint(values * (255.0 / top)), 0, 255).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=-1)
    if im.mode == "F":
        raise DataError("floating-point images (mode F) have no defined 0..255 range; convert to 8-bit first")
    return np.asarray(im.convert("RGB"))


def read_rgb(path: Path) -> np.ndarray:
    """An image file as (h, w, 3) uint8 RGB; DataError naming the file if it is missing, corrupt, too
    large or of a mode without a defined 8-bit rendering."""
    try:
        with Image.open(path) as im:
            if im.width * im.height > MAX_IMAGE_PIXELS:
                raise DataError(f"{im.width}x{im.height} is more than {MAX_IMAGE_PIXELS:,} pixels")
            return to_rgb8(im)
    except DataError as err:
        raise DataError(f"cannot read image {path}: {err}") from err
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        raise DataError(f"cannot read image {path}: {err}") from err


def _finite(values, n: int | None = None) -> bool:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return array.ndim == 1 and (n is None or array.size == n) and bool(np.isfinite(array).all())


def check_coco(doc, path: Path) -> None:
    """DataError naming the file and the first bad entry: the schema and values every reader relies on
    (pycocotools trusts them: a NaN area, say, silently rescales every OKS of that person)."""

    def bad(what: str):
        return DataError(f"{path}: {what}")

    if not isinstance(doc, dict):
        raise bad(f"a COCO annotations file is a JSON object, got {type(doc).__name__}")
    for key in ("images", "annotations", "categories"):
        if not isinstance(doc.get(key), list):
            raise bad(f"no '{key}' list")
    ids = set()
    for i, im in enumerate(doc["images"]):
        if not isinstance(im, dict) or not all(k in im for k in ("id", "file_name", "height", "width")):
            raise bad(f"images[{i}] lacks one of id, file_name, height, width")
        if not all(isinstance(im[k], int) and im[k] > 0 for k in ("height", "width")) or not isinstance(im["id"], int):
            raise bad(f"images[{i}] (id {im['id']!r}): id, height and width must be integers, sides > 0")
        if im["id"] in ids:
            raise bad(f"images[{i}]: duplicate image id {im['id']}")
        ids.add(im["id"])
    k = 3 * spec.NUM_KEYPOINTS
    for i, ann in enumerate(doc["annotations"]):
        where = f"annotations[{i}] (id {ann.get('id')!r})" if isinstance(ann, dict) else f"annotations[{i}]"
        if not isinstance(ann, dict) or not all(key in ann for key in ("id", "image_id", "category_id")):
            raise bad(f"{where} lacks one of id, image_id, category_id")
        if ann["image_id"] not in ids:
            raise bad(f"{where}: image_id {ann['image_id']!r} is not among the images")
        if "keypoints" in ann and not _finite(ann["keypoints"], k):
            raise bad(f"{where}: keypoints must be {k} finite numbers (x, y, v per keypoint)")
        if "area" in ann and not (_finite([ann["area"]]) and ann["area"] >= 0):
            raise bad(f"{where}: area {ann['area']!r} must be a finite number >= 0")
        if "bbox" in ann and not _finite(ann["bbox"], 4):
            raise bad(f"{where}: bbox must be 4 finite numbers")
        if ann.get("iscrowd", 0) not in (0, 1):
            raise bad(f"{where}: iscrowd must be 0 or 1")


def read_coco_json(path: Path) -> dict:
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError) as err:
        raise DataError(f"cannot read COCO annotations {path}: {err}") from err
    check_coco(doc, path)
    return doc


class CocoPersons:
    """A split of COCO person annotations with image loading."""

    def __init__(
        self,
        coco_dir: Path | str = COCO_DIR,
        split: str = "train",
        annotations: Path | str | None = None,
        images: Path | str | None = None,
    ):
        """A split of `coco_dir` (either layout of split_files), or plain COCO files: `annotations`
        (a person keypoints json) and its `images` folder, as every COCO tool takes them."""
        if annotations is None:
            self.files = split_files(coco_dir, split)
        else:
            self.files = SplitFiles(Path(annotations), Path(images if images is not None else "."))
            if not self.files.annotations.is_file():
                raise DataError(f"no annotations file {self.files.annotations}")
            if images is None or not self.files.images.is_dir():
                raise DataError(f"image folder {images} is missing (annotations {self.files.annotations})")
        doc = read_coco_json(self.files.annotations)
        with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress chatter
            self.coco = COCO()
            self.coco.dataset = doc
            self.coco.createIndex()
        self.image_ids: list[int] = sorted(self.coco.getImgIds())

    def __len__(self) -> int:
        return len(self.image_ids)

    def image_path(self, image_id: int) -> Path:
        return self.files.images / self.coco.imgs[image_id]["file_name"]

    def read_image(self, image_id: int) -> np.ndarray:
        """Decoded RGB image; DataError naming the file if it is missing, corrupt or not the json's size."""
        path = self.image_path(image_id)
        image = read_rgb(path)
        info = self.coco.imgs[image_id]
        if image.shape[:2] != (info["height"], info["width"]):
            raise DataError(
                f"image {path} is {image.shape[1]}x{image.shape[0]}, json says {info['width']}x{info['height']}"
            )
        return image

    def sample(self, image_id: int) -> Sample:
        info = self.coco.imgs[image_id]
        h, w = info["height"], info["width"]
        anns = self.coco.loadAnns(self.coco.getAnnIds(imgIds=[image_id], catIds=[1], iscrowd=None))
        people = [a for a in anns if not a.get("iscrowd", 0)]
        crowd = np.zeros((h, w), dtype=bool)
        for a in anns:
            if a.get("iscrowd", 0):
                crowd |= self.ann_mask(a, h, w)
        keypoints = np.zeros((len(people), spec.NUM_KEYPOINTS, 3), dtype=np.float32)
        for i, a in enumerate(people):
            if "keypoints" in a:
                keypoints[i] = np.asarray(a["keypoints"], dtype=np.float32).reshape(-1, 3)
        masks = np.stack([self.ann_mask(a, h, w) for a in people]) if people else np.zeros((0, h, w), bool)
        return Sample(image_id, self.read_image(image_id), keypoints, masks, crowd)

    @staticmethod
    def ann_mask(ann: dict, h: int, w: int) -> np.ndarray:
        seg = ann.get("segmentation")
        if not seg:
            return np.zeros((h, w), dtype=bool)
        if isinstance(seg, list):
            rle = mask_utils.merge(mask_utils.frPyObjects(seg, h, w))
        elif isinstance(seg["counts"], list):
            rle = mask_utils.frPyObjects(seg, h, w)
        else:
            rle = seg
        return mask_utils.decode(rle).astype(bool)
