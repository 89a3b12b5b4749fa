"""The float reference decoder: PersonLab (Papandreou et al. 2018) from head outputs to COCO results.

Pipeline for one image:
  a. Hough voting: every grid point votes its heatmap probability at itself + its short offset;
  b. candidates: local maxima of the smoothed vote maps, refined to the vote centroid;
  c. greedy grouping: the strongest unclaimed candidate seeds a person, whose other keypoints
     are reached along the edge tree by mid-range offsets refined by short offsets;
  d. scoring: a keypoint scores the vote mass within its OKS tolerance ("expected OKS"), 0 if an
     earlier person claimed it; a person scores the mean of its 17;
  e. instance masks: each person pixel predicts every keypoint by its long-range offsets and
     joins the person whose keypoints it predicts best.
One addition to the paper (DecoderConfig.long_range_recovery): keypoints the tree walk misses
are re-predicted from the person's confident keypoints through the long-range offsets.

Conventions: heads are (gh, gw, C) for one image, offsets y-planar in input pixels (see spec);
grid cell (i, j) sits at input pixel (stride*i, stride*j). Internally points are (y, x) input
pixels, matching the y-planar heads; only the COCO output is (x, y) in image pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mobile_decoder import coco
from mobile_decoder.poses import person_scale, tree_table
from personlab import geometry, spec
from personlab.decoder_config import DEFAULT_CONFIG, DecoderConfig

K = spec.NUM_KEYPOINTS


# ---------------------------------------------------------------------------------------------- sampling


def bilinear(grid: np.ndarray, y: np.ndarray, x: np.ndarray, stride: float, channels: np.ndarray | None = None):
    """Sample a (gh, gw, C) head at input-pixel points (clamped to the grid).

    Returns (*y.shape, C); or, when `channels` (ints shaped (*y.shape, M)) picks channels per
    point, e.g. each point's own keypoint offsets, (*y.shape, M).
    """
    gh, gw = grid.shape[:2]
    gy = np.clip(np.asarray(y, np.float64) / stride, 0.0, gh - 1)
    gx = np.clip(np.asarray(x, np.float64) / stride, 0.0, gw - 1)
    y0 = np.clip(gy.astype(np.intp), 0, max(gh - 2, 0))  # gy >= 0, so truncation is floor
    x0 = np.clip(gx.astype(np.intp), 0, max(gw - 2, 0))
    y1, x1 = np.minimum(y0 + 1, gh - 1), np.minimum(x0 + 1, gw - 1)
    wy, wx = (gy - y0)[..., None], (gx - x0)[..., None]

    if channels is None:
        at = lambda r, c: grid[r, c]  # noqa: E731
    else:  # flat indices: much faster than three-array fancy indexing
        flat, n_channels = np.ascontiguousarray(grid).reshape(-1), grid.shape[-1]
        at = lambda r, c: flat[(r * gw + c)[..., None] * n_channels + channels]  # noqa: E731

    top = (1 - wx) * at(y0, x0) + wx * at(y0, x1)
    bottom = (1 - wx) * at(y1, x0) + wx * at(y1, x1)
    return (1 - wy) * top + wy * bottom


def offset_at(head: np.ndarray, y: np.ndarray, x: np.ndarray, stride: float, index: np.ndarray | int) -> np.ndarray:
    """(*y.shape, 2) (dy, dx) of the y-planar offset pair `index` (per point, or one for all) at input-pixel points."""
    n = head.shape[-1] // 2
    index = np.broadcast_to(np.asarray(index, np.intp), np.shape(y))[..., None]
    return bilinear(head, y, x, stride, np.concatenate([index, index + n], axis=-1))


# ---------------------------------------------------------------------------------------------- a. voting


def disk_normaliser(stride: int) -> float:
    """1 / the expected number of grid points in a keypoint disk, so a perfect peak scores ~1."""
    return stride * stride / (math.pi * spec.DISK_RADIUS**2)


def hough_votes(heatmaps: np.ndarray, short_offsets: np.ndarray, stride: int, input_hw: tuple[int, int], floor: float):
    """Every grid point's vote per keypoint: y, x (input pixels) and normalised weight, each (K, gh*gw)."""
    ys, xs = spec.grid_points(*input_hw, stride)
    if heatmaps.shape[:2] != ys.shape:
        raise ValueError(f"heads are {heatmaps.shape[:2]}, input {input_hw} at stride {stride} needs {ys.shape}")
    p = np.moveaxis(heatmaps, -1, 0).reshape(K, -1).astype(np.float64)
    off = np.moveaxis(short_offsets, -1, 0).reshape(2 * K, -1)
    vy, vx = ys.reshape(1, -1) + off[:K], xs.reshape(1, -1) + off[K:]
    weight = np.where(p > floor, p, 0.0) * disk_normaliser(stride)
    return vy, vx, weight


def splat(vy: np.ndarray, vx: np.ndarray, weight: np.ndarray, map_hw: tuple[int, int], cell: float) -> np.ndarray:
    """Bilinearly splat (K, G) weighted votes into (K, *map_hw) maps with `cell` input pixels per cell.

    Votes landing outside the map are dropped rather than clamped, which would pile them up into
    false peaks along the border.
    """
    mh, mw = map_hw
    gy, gx = vy / cell, vx / cell
    weight = np.where((gy >= 0) & (gy <= mh - 1) & (gx >= 0) & (gx <= mw - 1), weight, 0.0)
    gy, gx = np.clip(gy, 0.0, mh - 1), np.clip(gx, 0.0, mw - 1)
    y0 = np.clip(np.floor(gy).astype(np.intp), 0, max(mh - 2, 0))
    x0 = np.clip(np.floor(gx).astype(np.intp), 0, max(mw - 2, 0))
    wy, wx = gy - y0, gx - x0
    base = np.arange(vy.shape[0])[:, None] * (mh * mw)
    idx, w = [], []
    for dy, fy in ((0, 1 - wy), (1, wy)):
        for dx, fx in ((0, 1 - wx), (1, wx)):
            idx.append(base + np.minimum(y0 + dy, mh - 1) * mw + np.minimum(x0 + dx, mw - 1))
            w.append(weight * fy * fx)
    flat = np.bincount(np.concatenate(idx, axis=None), np.concatenate(w, axis=None), minlength=vy.shape[0] * mh * mw)
    return flat.reshape(vy.shape[0], mh, mw)


def gaussian_kernel(sigma: float) -> np.ndarray:
    """1-D Gaussian with peak 1 (unnormalised), radius 3 sigma."""
    radius = max(1, math.ceil(3 * sigma))
    d = np.arange(-radius, radius + 1, dtype=np.float64)
    return np.exp(-0.5 * (d / sigma) ** 2)


def smooth(maps: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Separable filtering of (..., h, w) maps by shifted adds (zero outside)."""
    r = len(kernel) // 2
    out = maps * kernel[r]
    for i in range(1, r + 1):
        out[..., i:, :] += kernel[r - i] * maps[..., :-i, :]
        out[..., :-i, :] += kernel[r + i] * maps[..., i:, :]
    tmp = out
    out = tmp * kernel[r]
    for i in range(1, r + 1):
        out[..., :, i:] += kernel[r - i] * tmp[..., :, :-i]
        out[..., :, :-i] += kernel[r + i] * tmp[..., :, i:]
    return out


# ---------------------------------------------------------------------------------------------- b. candidates


def local_maxima(scores: np.ndarray, threshold: float) -> np.ndarray:
    """(N, ndim) indices of 3x3 local maxima above threshold in (..., h, w) maps.

    A plateau yields one point: a cell must beat its earlier (raster order) neighbours strictly
    and its later ones weakly, so a vote split evenly between two cells is one peak, not two.
    """
    pad = [(0, 0)] * (scores.ndim - 2) + [(1, 1), (1, 1)]
    p = np.pad(scores, pad, constant_values=-np.inf)
    h, w = scores.shape[-2:]
    keep = scores > threshold
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy == dx == 0:
                continue
            neighbour = p[..., 1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
            keep &= (scores > neighbour) if (dy, dx) < (0, 0) else (scores >= neighbour)
    return np.argwhere(keep)


def refine_peaks(votes: np.ndarray, peaks: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Sub-cell (y, x) and score of each (k, row, col) peak of the (K, h, w) raw vote maps.

    The position is the centroid of the raw votes in a window of about 2 sigma around the peak,
    with uniform weights because a bilinear splat keeps the first moment: a tight cluster of votes
    comes back exactly (a Gaussian window would pull it towards the peak cell). The score is the
    Gaussian-weighted vote mass around that position, so it does not depend on where the peak
    falls between cells. Lengths in vote cells.
    """
    outer = max(1, math.ceil(3 * sigma))
    inner = max(1, round(2 * sigma))
    padded = np.pad(votes, ((0, 0), (outer, outer), (outer, outer)))
    d = np.arange(-outer, outer + 1, dtype=np.float64)
    rows = peaks[:, 1, None, None] + outer + np.arange(-outer, outer + 1)[None, :, None]
    cols = peaks[:, 2, None, None] + outer + np.arange(-outer, outer + 1)[None, None, :]
    mass = padded[peaks[:, 0, None, None], rows, cols]
    box = (np.abs(d)[:, None] <= inner) & (np.abs(d)[None, :] <= inner)
    central = mass * box
    total = np.maximum(central.sum(axis=(1, 2)), 1e-12)
    dy = (central * d[None, :, None]).sum(axis=(1, 2)) / total
    dx = (central * d[None, None, :]).sum(axis=(1, 2)) / total
    dist2 = (d[None, :, None] - dy[:, None, None]) ** 2 + (d[None, None, :] - dx[:, None, None]) ** 2
    score = (mass * np.exp(-dist2 / (2 * sigma * sigma))).sum(axis=(1, 2))
    return np.stack([peaks[:, 1] + dy, peaks[:, 2] + dx], axis=-1), score


@dataclass
class Candidates:
    """Keypoint candidates, strongest first."""

    kind: np.ndarray  # (N,) keypoint index
    yx: np.ndarray  # (N, 2) input pixels
    score: np.ndarray  # (N,)


def find_candidates(votes: np.ndarray, cfg: DecoderConfig) -> Candidates:
    """Local maxima of the smoothed (K, h, w) vote maps, refined, sorted, capped."""
    sigma = cfg.vote_sigma / cfg.vote_stride
    peaks = local_maxima(
        smooth(votes.astype(np.float32), gaussian_kernel(sigma).astype(np.float32)), cfg.peak_threshold
    )
    yx, score = refine_peaks(votes, peaks, sigma)
    order = np.argsort(-score, kind="stable")[: cfg.max_candidates]
    return Candidates(peaks[order, 0], yx[order] * cfg.vote_stride, score[order])


# ---------------------------------------------------------------------------------------------- c. grouping


def clamp_yx(yx: np.ndarray, input_hw: tuple[int, int]) -> np.ndarray:
    return np.clip(yx, 0.0, np.array([input_hw[0] - 1, input_hw[1] - 1], np.float64))


def refine(
    yx: np.ndarray,
    kinds: np.ndarray | int,
    short_offsets: np.ndarray,
    stride: int,
    steps: int,
    input_hw: tuple[int, int],
) -> np.ndarray:
    """Move (..., 2) estimates of keypoints `kinds` by their short offsets, `steps` times (recurrent refinement)."""
    for _ in range(steps):
        yx = clamp_yx(yx + offset_at(short_offsets, yx[..., 0], yx[..., 1], stride, kinds), input_hw)
    return yx


def offset_at_point(head: np.ndarray, y: float, x: float, stride: float, index: int) -> tuple[float, float]:
    """offset_at for one point and one pair, in plain Python: the tree walk makes hundreds of these calls."""
    gh, gw, channels = head.shape
    gy = min(max(y / stride, 0.0), gh - 1.0)
    gx = min(max(x / stride, 0.0), gw - 1.0)
    y0, x0 = min(int(gy), max(gh - 2, 0)), min(int(gx), max(gw - 2, 0))
    y1, x1 = min(y0 + 1, gh - 1), min(x0 + 1, gw - 1)
    wy, wx = gy - y0, gx - x0
    c = (index, index + channels // 2)
    corners = head[[y0, y0, y1, y1], [x0, x1, x0, x1]][:, c].astype(np.float64)
    weights = np.array([(1 - wy) * (1 - wx), (1 - wy) * wx, wy * (1 - wx), wy * wx])
    dy, dx = weights @ corners
    return float(dy), float(dx)


def follow_tree(
    root: int,
    root_yx: np.ndarray,
    short_offsets: np.ndarray,
    mid_offsets: np.ndarray,
    stride: int,
    input_hw: tuple[int, int],
    refine_steps: int,
) -> np.ndarray:
    """(K, 2) positions of one person, from a seed keypoint along the tree by mid offsets + short refinement."""
    h, w = input_hw[0] - 1.0, input_hw[1] - 1.0
    yx = np.zeros((K, 2))
    yx[root] = root_yx
    for d, source, target in tree_table(spec.DIRECTED_EDGES, K)[root].tolist():
        sy, sx = float(yx[source, 0]), float(yx[source, 1])
        dy, dx = offset_at_point(mid_offsets, sy, sx, stride, d)
        ty, tx = min(max(sy + dy, 0.0), h), min(max(sx + dx, 0.0), w)
        for _ in range(refine_steps):
            dy, dx = offset_at_point(short_offsets, ty, tx, stride, target)
            ty, tx = min(max(ty + dy, 0.0), h), min(max(tx + dx, 0.0), w)
        yx[target] = ty, tx
    return yx


# ---------------------------------------------------------------------------------------------- d. scoring


def keypoint_scores(yx: np.ndarray, scale: float, vy: np.ndarray, vx: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Expected-OKS keypoint scores: each keypoint's vote mass within its OKS tolerance, in [0, 1]."""
    sigma = 2.0 * spec.OKS_SIGMAS.astype(np.float64) * scale
    d2 = (vy - yx[:, :1]) ** 2 + (vx - yx[:, 1:]) ** 2
    return np.clip((weight * np.exp(-d2 / (2 * sigma[:, None] ** 2))).sum(axis=1), 0.0, 1.0)


@dataclass
class Person:
    """One detection in input coordinates."""

    yx: np.ndarray  # (K, 2) input pixels
    scores: np.ndarray  # (K,) expected-OKS scores, 0 where an earlier person claimed the keypoint
    scale: float  # sqrt(area) estimate, input pixels

    @property
    def score(self) -> float:
        return float(self.scores.mean())


def claimed_near(people: list[Person], kind: np.ndarray | int, yx: np.ndarray, radius: float) -> np.ndarray:
    """Whether each (kind, yx) lies within `radius` of a claimed (scoring) same-type keypoint of `people`."""
    kind = np.atleast_1d(kind)
    yx = np.reshape(yx, (-1, 2))
    near = np.zeros(len(kind), bool)
    for p in people:
        d2 = ((p.yx[kind] - yx) ** 2).sum(axis=-1)
        near |= (d2 <= radius * radius) & (p.scores[kind] > 0)
    return near


def recover_keypoints(
    yx: np.ndarray,
    scores: np.ndarray,
    scale: float,
    outputs: dict[str, np.ndarray],
    votes: tuple[np.ndarray, ...],
    stride: int,
    input_hw: tuple[int, int],
    cfg: DecoderConfig,
) -> np.ndarray:
    """Re-predict weak keypoints from the person's confident ones through the long-range offsets.

    The tree reaches a keypoint only through its neighbours, so one missed keypoint cuts off the
    rest of its branch; the long-range offsets at the person's own keypoints point at every one of
    its keypoints. A weak keypoint moves to the median of these predictions if it scores better there.
    """
    anchors = scores > cfg.keypoint_floor
    if not anchors.any() or anchors.all():
        return yx
    pred = long_range_predictions(outputs, yx[anchors, 0], yx[anchors, 1], stride, input_hw, cfg.refine_steps)
    guess = np.median(pred, axis=0)
    better = ~anchors & (keypoint_scores(guess, scale, *votes) > scores)
    return np.where(better[:, None], guess, yx)


def group_people(
    cands: Candidates,
    outputs: dict[str, np.ndarray],
    votes: tuple[np.ndarray, ...],
    stride: int,
    input_hw: tuple[int, int],
    cfg: DecoderConfig,
) -> list[Person]:
    """Greedy PersonLab grouping: seeds in descending score, skipping keypoints already claimed."""
    people: list[Person] = []
    vy, vx, weight = votes
    for kind, yx in zip(cands.kind, cands.yx, strict=True):
        if len(people) >= cfg.max_people:
            break
        if claimed_near(people, kind, yx, cfg.nms_radius)[0]:
            continue
        pos = follow_tree(
            int(kind), yx, outputs["short_offsets"], outputs["mid_offsets"], stride, input_hw, cfg.refine_steps
        )
        # Score with the scale of all keypoints, then again with that of the confident ones.
        scale = person_scale(pos, np.ones(K, bool), cfg.min_scale)
        scores = keypoint_scores(pos, scale, vy, vx, weight)
        if cfg.long_range_recovery:
            pos = recover_keypoints(pos, scores, scale, outputs, votes, stride, input_hw, cfg)
            scores = keypoint_scores(pos, scale, vy, vx, weight)
        scale = person_scale(pos, scores > cfg.keypoint_floor, cfg.min_scale)
        scores = keypoint_scores(pos, scale, vy, vx, weight)
        scores[claimed_near(people, np.arange(K), pos, cfg.nms_radius)] = 0.0
        person = Person(pos, scores, scale)
        if person.score >= cfg.min_person_score:
            people.append(person)
    return people


# ---------------------------------------------------------------------------------------------- e. masks


def long_range_predictions(
    outputs: dict[str, np.ndarray],
    y: np.ndarray,
    x: np.ndarray,
    stride: int,
    input_hw: tuple[int, int],
    refine_steps: int,
) -> np.ndarray:
    """(N, K, 2) keypoint positions predicted from N points through their long-range offsets.

    The long offsets are interpolated as absolute targets weighted by segmentation probability
    (normalised convolution), so a point near the border of a person is not pulled towards the
    meaningless offsets of background grid points (plain bilinear where no person is near);
    then each prediction is refined by short offsets.
    """
    ys, xs = spec.grid_points(*input_hw, stride)
    seg = outputs["segmentation"][..., :1].astype(np.float64)
    long = outputs["long_offsets"]
    absolute = np.concatenate([ys[..., None] + long[..., :K], xs[..., None] + long[..., K:]], axis=-1)
    num = bilinear(np.concatenate([seg * absolute, seg], axis=-1), y, x, stride)
    pred, den = num[..., :-1] / np.maximum(num[..., -1:], 1e-3), num[..., -1]
    if (den <= 1e-3).any():
        pred[den <= 1e-3] = bilinear(absolute, y[den <= 1e-3], x[den <= 1e-3], stride)
    pred = np.stack([pred[..., :K], pred[..., K:]], axis=-1)
    kinds = np.broadcast_to(np.arange(K), pred.shape[:-1])
    return refine(clamp_yx(pred, input_hw), kinds, outputs["short_offsets"], stride, refine_steps, input_hw)


def assign_pixels(
    pred: np.ndarray, people: list[Person], keypoint_floor: float, max_distance: float, min_score: float = 0.0
) -> np.ndarray:
    """Person index (or -1) of each pixel given its (N, K, 2) keypoint predictions.

    The distance to a person is the mean over its confident keypoints of |prediction - keypoint|,
    relative to its scale (PersonLab's instance association); the nearest person within
    `max_distance` wins. People scoring under `min_score` (mostly duplicates whose keypoints were
    claimed by others) take no pixels: judged on their one or two unclaimed keypoints, they would
    steal pixels from the person they duplicate.
    """
    best = np.full(pred.shape[0], np.inf, np.float32)
    label = np.full(pred.shape[0], -1, np.intp)
    py, px = np.ascontiguousarray(np.transpose(pred, (2, 1, 0)), dtype=np.float32)  # (K, N) y and x
    for j, p in enumerate(people):
        use = p.scores > keypoint_floor
        if not use.any() or p.score < min_score:
            continue
        yx = p.yx[use].astype(np.float32)
        dist = np.hypot(py[use] - yx[:, :1], px[use] - yx[:, 1:]).mean(axis=0) / p.scale
        better = (dist < best) & (dist <= max_distance)
        best[better], label[better] = dist[better], j
    return label


def instance_labels(
    outputs: dict[str, np.ndarray], people: list[Person], stride: int, input_hw: tuple[int, int], cfg: DecoderConfig
) -> np.ndarray:
    """(mh, mw) person index (or -1) on the mask grid (cell (i, j) at input pixel mask_stride*(i, j))."""
    mh, mw = (input_hw[0] - 1) // cfg.mask_stride + 1, (input_hw[1] - 1) // cfg.mask_stride + 1
    labels = np.full((mh, mw), -1, np.intp)
    if not people:
        return labels
    my, mx = np.meshgrid(np.arange(mh) * cfg.mask_stride, np.arange(mw) * cfg.mask_stride, indexing="ij")
    seg = bilinear(outputs["segmentation"], my, mx, stride)[..., 0]
    rows, cols = np.nonzero(seg > cfg.seg_threshold)
    if rows.size:
        pred = long_range_predictions(outputs, my[rows, cols], mx[rows, cols], stride, input_hw, cfg.mask_refine_steps)
        labels[rows, cols] = assign_pixels(pred, people, cfg.keypoint_floor, cfg.mask_distance, cfg.mask_min_score)
    return labels


# ---------------------------------------------------------------------------------------------- f. output


def decode_people(
    outputs: dict[str, np.ndarray], stride: int, input_hw: tuple[int, int], cfg: DecoderConfig = DEFAULT_CONFIG
) -> tuple[list[Person], np.ndarray]:
    """People (input coordinates) and their mask-grid labels, before mapping back to the image."""
    grid = spec.grid_shape(*input_hw, stride)
    for head in spec.HEADS:
        shape = np.shape(outputs.get(head.name))
        if shape != (*grid, head.channels):
            want = (*grid, head.channels)
            raise ValueError(f"head {head.name!r} must be {want} for one {input_hw} input, got {shape}")
    votes = hough_votes(outputs["heatmaps"], outputs["short_offsets"], stride, input_hw, cfg.heatmap_floor)
    map_hw = ((input_hw[0] - 1) // cfg.vote_stride + 1, (input_hw[1] - 1) // cfg.vote_stride + 1)
    cands = find_candidates(splat(*votes, map_hw, cfg.vote_stride), cfg)
    people = group_people(cands, outputs, votes, stride, input_hw, cfg)
    return people, instance_labels(outputs, people, stride, input_hw, cfg)


def decode(
    outputs: dict[str, np.ndarray],
    stride: int,
    input_hw: tuple[int, int],
    affine: geometry.Affine,
    image_id: int,
    image_hw: tuple[int, int],
    cfg: DecoderConfig = DEFAULT_CONFIG,
) -> list[dict]:
    """COCO person results (keypoints, score, bbox, RLE segmentation, area) for one image's head outputs."""
    people, labels = decode_people(outputs, stride, input_hw, cfg)
    return coco.results(
        people, labels, cfg.mask_stride, affine, image_id, image_hw, cfg.keypoint_floor, spec.FLIP_INDEX
    )
