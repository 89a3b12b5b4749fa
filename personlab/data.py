"""COCO person-keypoint data: finding the files, reading images and annotations.

Two layouts are understood, so a user with full COCO changes only COCO_DIR:
  ours:     COCO_DIR/{split}/person_keypoints.json + COCO_DIR/{split}/images/
  official: COCO_DIR/annotations/person_keypoints_{split}2017.json + COCO_DIR/{split}2017/
"""

from __future__ import annotations

import contextlib
import io
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


def read_rgb(path: Path) -> np.ndarray:
    """An image file as (h, w, 3) uint8 RGB; DataError naming the file if it is missing or corrupt."""
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except (OSError, ValueError) as err:
        raise DataError(f"cannot read image {path}: {err}") from err


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
        with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints progress chatter
            self.coco = COCO(str(self.files.annotations))
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
