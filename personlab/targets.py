"""Target encoding for the five heads (PersonLab, section 3), on the output grid.

Every target comes with a weight map saying where its loss applies:
- heatmaps: 1 inside each labelled keypoint's disk; loss everywhere except crowd regions and
  people without keypoint labels (they may be unlabelled keypoints, so no negatives there);
- short / mid offsets: inside the disks (each disk pixel belongs to the nearest person's keypoint);
- segmentation: every non-crowd person, with or without keypoints; crowd regions ignored;
- long offsets: inside the masks of people with keypoints, for each labelled keypoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from personlab import geometry, spec
from personlab.data import Sample

#: Weight-map channels per head: one per keypoint / directed edge, or a single map.
WEIGHT_CHANNELS = {
    "heatmaps": 1,
    "short_offsets": spec.NUM_KEYPOINTS,
    "mid_offsets": len(spec.DIRECTED_EDGES),
    "segmentation": 1,
    "long_offsets": spec.NUM_KEYPOINTS,
}


@dataclass
class GridPeople:
    """People in input coordinates, with masks sampled on the output grid."""

    keypoints: np.ndarray  # (P, K, 3) input-pixel x, y, v
    masks: np.ndarray  # (P, gh, gw) bool
    crowd: np.ndarray  # (gh, gw) bool

    @property
    def has_keypoints(self) -> np.ndarray:
        return (self.keypoints[..., 2] > 0).any(axis=1)


def to_grid(sample: Sample, affine: geometry.Affine, input_hw: tuple[int, int], stride: int) -> GridPeople:
    """Carry a sample's people into the input through `affine` and onto the output grid."""
    points = spec.grid_points(*input_hw, stride)
    keypoints = geometry.warp_keypoints(sample.keypoints, affine)
    masks = geometry.sample_masks_at(sample.masks, affine, points)
    crowd = geometry.sample_masks_at(sample.crowd[None], affine, points)[0]
    ih, iw = input_hw
    outside = (
        (keypoints[..., 0] < 0) | (keypoints[..., 0] > iw - 1) | (keypoints[..., 1] < 0) | (keypoints[..., 1] > ih - 1)
    )
    keypoints[outside, 2] = 0  # cropped away: no longer a label
    return GridPeople(keypoints, masks, crowd)


def encode(people: GridPeople, input_hw: tuple[int, int], stride: int) -> dict[str, np.ndarray]:
    """Targets and weights: {head: (gh, gw, C)} and {head + "_weight": (gh, gw, WEIGHT_CHANNELS)}."""
    ys, xs = spec.grid_points(*input_hw, stride)
    gh, gw = ys.shape
    kp = people.keypoints
    n_people = kp.shape[0]
    labelled = kp[..., 2] > 0  # (P, K)
    # Offsets from every grid point to every keypoint: (P, K, gh, gw).
    dy = kp[..., 1, None, None] - ys
    dx = kp[..., 0, None, None] - xs
    dist2 = np.where(labelled[..., None, None], dx * dx + dy * dy, np.inf)
    # Each disk pixel belongs to the nearest person's keypoint of that type.
    owner = np.argmin(dist2, axis=0) if n_people else np.zeros((spec.NUM_KEYPOINTS, gh, gw), np.int64)
    in_disk = (
        (np.min(dist2, axis=0) <= spec.DISK_RADIUS**2) if n_people else np.zeros((spec.NUM_KEYPOINTS, gh, gw), bool)
    )

    def owned(values: np.ndarray) -> np.ndarray:  # (P, K, gh, gw) -> (K, gh, gw) at the owner
        return np.take_along_axis(values, owner[None], axis=0)[0] if n_people else np.zeros(owner.shape, np.float32)

    heatmaps = in_disk.astype(np.float32)
    short = np.concatenate([owned(dy), owned(dx)]) * in_disk[np.tile(np.arange(spec.NUM_KEYPOINTS), 2)]

    n_dir = len(spec.DIRECTED_EDGES)
    mid = np.zeros((2 * n_dir, gh, gw), np.float32)
    mid_w = np.zeros((n_dir, gh, gw), np.float32)
    for d, (src, dst) in enumerate(spec.DIRECTED_EDGES):
        if not n_people:
            break
        p = owner[src]  # the person whose disk k covers each pixel
        target_ok = in_disk[src] & labelled[p, dst]
        mid[d] = np.where(target_ok, kp[p, dst, 1] - ys, 0.0)
        mid[d + n_dir] = np.where(target_ok, kp[p, dst, 0] - xs, 0.0)
        mid_w[d] = target_ok

    # Segmentation and long-range offsets: a pixel in several masks goes to the smallest person.
    with_kp = people.has_keypoints
    segmentation = people.masks.any(axis=0) if n_people else np.zeros((gh, gw), bool)
    unlabelled_people = (people.masks & ~with_kp[:, None, None]).any(axis=0) if n_people else np.zeros((gh, gw), bool)
    areas = people.masks.sum(axis=(1, 2))
    order = np.argsort(-areas, kind="stable")  # large first, so small people overwrite
    long = np.zeros((2 * spec.NUM_KEYPOINTS, gh, gw), np.float32)
    long_w = np.zeros((spec.NUM_KEYPOINTS, gh, gw), np.float32)
    for p in order:
        if not with_kp[p]:
            continue
        m = people.masks[p]
        for k in np.flatnonzero(labelled[p]):
            long[k][m] = dy[p, k][m]
            long[k + spec.NUM_KEYPOINTS][m] = dx[p, k][m]
            long_w[k][m] = 1.0
        # A smaller person's pixel without this keypoint must not keep a larger person's target.
        for k in np.flatnonzero(~labelled[p]):
            long_w[k][m] = 0.0

    heat_w = ~((people.crowd | unlabelled_people) & ~in_disk.any(axis=0))
    seg_w = ~people.crowd | segmentation

    hwc = lambda a: np.ascontiguousarray(np.moveaxis(np.asarray(a, np.float32).reshape(-1, gh, gw), 0, -1))  # noqa: E731
    return {
        "heatmaps": hwc(heatmaps),
        "heatmaps_weight": hwc(heat_w),
        "short_offsets": hwc(short),
        "short_offsets_weight": hwc(in_disk),
        "mid_offsets": hwc(mid),
        "mid_offsets_weight": hwc(mid_w),
        "segmentation": hwc(segmentation),
        "segmentation_weight": hwc(seg_w),
        "long_offsets": hwc(long),
        "long_offsets_weight": hwc(long_w),
    }


def encode_sample(
    sample: Sample, affine: geometry.Affine, input_hw: tuple[int, int], stride: int
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The model input and its targets for one sample seen through `affine`."""
    image = geometry.warp_image(sample.image, affine, input_hw)
    return image, encode(to_grid(sample, affine, input_hw, stride), input_hw, stride)
