"""The on-device decoder: raw artifact outputs + metadata -> people with keypoints, scores and masks.

NumPy only (no TensorFlow, SciPy or pycocotools) and nothing else of ours: the head layout, the
skeleton and the decoder defaults come from the artifact's metadata, so it runs wherever the
lightweight runtime runs, and it is what the Java port (android_demo/core) mirrors. Parity with
the float reference decoder (personlab.decoder) is tested in tests/test_mobile_decoder.py.

    heads = Heads.from_outputs(raw_outputs, metadata)  # int8 or float tensors, checked
    people, labels = decode(heads)                       # input coordinates, mask-grid labels
    results = decode_image(raw_outputs, metadata, affine, image_id, image_hw)  # COCO results
"""

from __future__ import annotations

import numpy as np

from mobile_decoder import coco
from mobile_decoder.errors import MetadataError
from mobile_decoder.heads import Heads
from mobile_decoder.masks import instance_labels
from mobile_decoder.poses import Person, find_candidates, group_people, votes
from mobile_decoder.settings import Settings, SettingsError

__all__ = ["Heads", "MetadataError", "Person", "Settings", "SettingsError", "coco", "decode", "decode_image"]


def decode(heads: Heads, cfg: Settings | None = None) -> tuple[list[Person], np.ndarray]:
    """People (input coordinates, strongest first) and their (mh, mw) mask-grid labels (-1: nobody).

    cfg: the metadata's defaults (heads.defaults) unless given.
    """
    cfg = cfg or heads.defaults
    v = votes(heads, cfg)
    kind, yx = find_candidates(v, heads.input_hw, cfg)
    people = group_people(heads, v, kind, yx, cfg)
    return people, instance_labels(heads, people, cfg)


def decode_image(
    outputs: dict[str, np.ndarray],
    metadata: dict,
    affine,
    image_id: int,
    image_hw: tuple[int, int],
    cfg: Settings | None = None,
) -> list[dict]:
    """COCO person results for one image from raw outputs ({head: tensor}) and the artifact metadata."""
    heads = Heads.from_outputs(outputs, metadata)
    cfg = cfg or heads.defaults
    people, labels = decode(heads, cfg)
    return coco.results(
        people, labels, cfg.mask_stride, affine, image_id, image_hw, cfg.keypoint_floor, heads.layout.flip_index
    )
