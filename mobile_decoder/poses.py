"""People from the pose heads: the reference decoder's algorithm (personlab.decoder), with bounded work.

The same steps and settings as the reference, computed differently where the reference is heavy:
  a. votes: only grid points above the heatmap floor vote (sparse, per keypoint type);
  b. candidates: the reference's smoothed Hough maps stored sparsely (occupied cells of 2 sigma, a
     [1 2 1] kernel); a cell beating its 8 neighbours is a peak, moved to the centroid of nearby
     votes and scored by the Gaussian vote mass there, as in the reference;
  c. grouping: greedy in the reference's order; each tree walk is a scalar loop in plain Python
     floats (each step needs the one before), and a new person suppresses the remaining candidates
     in one vectorised step;
  d. scoring (expected OKS) and e. long-range recovery as in the reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from mobile_decoder.heads import Corners, Heads, clamp, offsets
from mobile_decoder.settings import Settings


@dataclass(frozen=True)
class Votes:
    """Every voting grid point's vote per keypoint type, padded to (K, V) with zero weight."""

    y: np.ndarray
    x: np.ndarray
    weight: np.ndarray


@dataclass(frozen=True)
class Person:
    yx: np.ndarray  # (K, 2) input pixels
    scores: np.ndarray  # (K,) expected-OKS keypoint scores, 0 where an earlier person claimed the keypoint
    scale: float  # sqrt(area) estimate, input pixels

    @property
    def score(self) -> float:
        return float(self.scores.mean())


def votes(heads: Heads, cfg: Settings) -> Votes:
    """Hough votes: a grid point with keypoint probability p > floor votes p / (grid points per disk)
    at itself + its short offset."""
    gh, gw = heads.grid_hw
    prob = heads["heatmaps"].dense()  # (G, K)
    k = prob.shape[1]
    node, kind = np.nonzero(prob > cfg.heatmap_floor)
    counts = np.bincount(kind, minlength=k)
    v = max(int(counts.max(initial=0)), 1)
    order = np.argsort(kind, kind="stable")
    node, kind = node[order], kind[order]
    slot = np.arange(len(kind)) - np.repeat(np.cumsum(counts) - counts, counts)
    y, x, weight = np.zeros((k, v)), np.zeros((k, v)), np.zeros((k, v))
    off_y = heads["short_offsets"].read(node, kind)
    off_x = heads["short_offsets"].read(node, kind + k)
    y[kind, slot] = (node // gw) * heads.stride + off_y
    x[kind, slot] = (node % gw) * heads.stride + off_x
    weight[kind, slot] = prob[node, kind] * heads.stride**2 / (math.pi * heads.disk_radius**2)
    return Votes(y, x, weight)


def find_candidates(v: Votes, input_hw: tuple[int, int], cfg: Settings) -> tuple[np.ndarray, np.ndarray]:
    """(kind (N,), yx (N, 2)) keypoint candidates, strongest first, at most cfg.max_candidates.

    The reference's Hough maps, stored sparsely: votes are binned into cells of 2 sigma, only
    occupied cells exist, a [1 2 1] x [1 2 1] kernel (peak 1) smooths them, and a cell beating its
    8 neighbours (ties: the earlier cell in raster order) is a peak. As in the reference, a peak
    moves to the centroid of the votes within +-2 sigma and scores the Gaussian vote mass there; the
    box is re-centred on the centroid cfg.centroid_steps times, since a 4-px cell centre is a rougher
    start than the reference's 2-px smoothed maximum (this took parity with the reference, OKS >= 0.95
    over all detections of val, from 89% to 92%).
    """
    sigma = cfg.vote_sigma
    cell = 2 * sigma
    mh, mw = int(input_hw[0] / cell) + 3, int(input_hw[1] / cell) + 3  # a margin: neighbours never wrap
    kind, slot = np.nonzero(v.weight > 0)
    cy, cx = np.rint(v.y[kind, slot] / cell).astype(np.intp), np.rint(v.x[kind, slot] / cell).astype(np.intp)
    inside = (cy >= 0) & (cy < mh - 2) & (cx >= 0) & (cx < mw - 2)  # votes off the input are dropped
    keys = (kind[inside] * mh + cy[inside] + 1) * mw + cx[inside] + 1
    cells, inverse = np.unique(keys, return_inverse=True)
    mass = np.bincount(inverse, v.weight[kind[inside], slot[inside]], minlength=len(cells))
    shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    neighbour = np.zeros((len(shifts), len(cells)), np.intp)
    for i, (dy, dx) in enumerate(shifts):
        at = np.minimum(np.searchsorted(cells, cells + dy * mw + dx), len(cells) - 1)
        neighbour[i] = np.where(cells[at] == cells + dy * mw + dx, at, -1)
    kernel = np.array([(2 - abs(dy)) * (2 - abs(dx)) / 4 for dy, dx in shifts])
    padded = np.append(mass, 0.0)  # index -1: an empty cell
    density = kernel @ padded[neighbour]
    padded = np.append(density, -np.inf)
    peak = density >= 0.5 * cfg.peak_threshold  # the refined score below decides; this only trims
    for i, (dy, dx) in enumerate(shifts):
        if (dy, dx) != (0, 0):
            other = padded[neighbour[i]]
            peak &= density > other if (dy, dx) < (0, 0) else density >= other
    peak = np.flatnonzero(peak)
    # Bounded work: the centroid below is (peaks x votes of a type); only the densest max_candidates
    # peaks are refined (kept in raster order). A real frame has far fewer; a hostile one can have thousands.
    peak = np.sort(peak[np.argsort(-density[peak], kind="stable")[: cfg.max_candidates]])
    pk = cells[peak] // (mh * mw)
    py, px = (cells[peak] // mw) % mh - 1, cells[peak] % mw - 1
    # centroid of the same-type votes in the +-2 sigma box (re-centred), then the Gaussian vote mass there
    y, x = py * cell, px * cell
    for _ in range(cfg.centroid_steps):
        dy, dx = v.y[pk] - y[:, None], v.x[pk] - x[:, None]
        w = v.weight[pk] * ((np.abs(dy) <= 2 * sigma) & (np.abs(dx) <= 2 * sigma))
        total = np.maximum(w.sum(axis=1), 1e-12)
        y, x = y + (w * dy).sum(axis=1) / total, x + (w * dx).sum(axis=1) / total
    d2 = (v.y[pk] - y[:, None]) ** 2 + (v.x[pk] - x[:, None]) ** 2
    score = (v.weight[pk] * np.exp(-d2 / (2 * sigma * sigma))).sum(axis=1)
    good = np.flatnonzero(score >= cfg.peak_threshold)
    order = good[np.argsort(-score[good], kind="stable")][: cfg.max_candidates]
    return pk[order], np.clip(np.stack([y[order], x[order]], axis=-1), 0.0, np.array(input_hw) - 1.0)


@cache
def tree_table(edges: tuple[tuple[int, int], ...], k: int) -> np.ndarray:
    """(K, K-1, 3) breadth-first (directed edge, source, target) steps of the tree from each root."""
    table = np.zeros((k, k - 1, 3), np.intp)
    for root in range(k):
        steps, seen, queue = [], {root}, [root]
        for source in queue:
            for d, (a, b) in enumerate(edges):
                if a == source and b not in seen:
                    steps.append((d, a, b))
                    seen.add(b)
                    queue.append(b)
        table[root] = steps
    return table


def refine(heads: Heads, yx: np.ndarray, kinds: np.ndarray, steps: int) -> np.ndarray:
    """Move (..., 2) estimates of keypoints `kinds` by their short offsets, `steps` times."""
    for _ in range(steps):
        yx = clamp(heads, yx + offsets(heads, "short_offsets", yx, kinds))
    return yx


def walk_tree(heads: Heads, root: int, root_yx: np.ndarray, cfg: Settings) -> np.ndarray:
    """(K, 2) one person grown from a seed along the tree: mid offsets, then short-offset refinement.

    Scalar on purpose: each of the K-1 steps depends on the one before, so vectorising over the
    steps is impossible and over seeds wastes the walks of seeds that later turn out claimed.
    """
    mid, short = heads.scalar_offsets("mid_offsets"), heads.scalar_offsets("short_offsets")
    h, w = heads.input_hw[0] - 1.0, heads.input_hw[1] - 1.0
    k = heads.sigmas.shape[0]
    yx = [(0.0, 0.0)] * k
    yx[root] = (float(root_yx[0]), float(root_yx[1]))
    for edge, source, target in tree_table(heads.directed_edges, k)[root].tolist():
        sy, sx = yx[source]
        dy, dx = mid(sy, sx, edge)
        ty, tx = min(max(sy + dy, 0.0), h), min(max(sx + dx, 0.0), w)
        for _ in range(cfg.refine_steps):
            dy, dx = short(ty, tx, target)
            ty, tx = min(max(ty + dy, 0.0), h), min(max(tx + dx, 0.0), w)
        yx[target] = (ty, tx)
    return np.array(yx)


def person_scale(yx: np.ndarray, use: np.ndarray, min_scale: float) -> float:
    """sqrt of the area of the box around the used keypoints (all when fewer than 2), at least min_scale."""
    pts = yx[use] if use.sum() >= 2 else yx
    extent = pts.max(axis=0) - pts.min(axis=0)
    return max(math.sqrt(extent[0] * extent[1]), min_scale)


def keypoint_scores(heads: Heads, v: Votes, yx: np.ndarray, scale: float) -> np.ndarray:
    """Expected-OKS scores: each keypoint's vote mass within its OKS tolerance, in [0, 1]."""
    sigma = 2.0 * heads.sigmas * scale
    d2 = (v.y - yx[:, :1]) ** 2 + (v.x - yx[:, 1:]) ** 2
    return np.clip((v.weight * np.exp(-d2 / (2 * sigma[:, None] ** 2))).sum(axis=1), 0.0, 1.0)


def long_range_predictions(heads: Heads, yx: np.ndarray, refine_steps: int) -> np.ndarray:
    """(N, K, 2) keypoints predicted from (N, 2) points by the long-range offsets (segmentation-weighted
    bilinear of the absolute targets, plain bilinear away from people), refined by short offsets."""
    k = heads.sigmas.shape[0]
    corners = Corners.at(heads, yx)
    gw, stride = heads.grid_hw[1], heads.stride
    node_yx = np.stack([corners.nodes // gw, corners.nodes % gw], axis=-1) * float(stride)  # (N, 4, 2)
    long = heads["long_offsets"].read(corners.nodes[..., None], np.arange(2 * k))  # (N, 4, 2K)
    target = node_yx[:, :, None, :] + np.stack([long[..., :k], long[..., k:]], axis=-1)  # (N, 4, K, 2)
    seg = heads["segmentation"].read(corners.nodes, 0) * corners.weights  # (N, 4)
    den = seg.sum(axis=1)
    weights = np.where((den > 1e-3)[:, None], seg / np.maximum(den, 1e-3)[:, None], corners.weights)
    pred = np.einsum("nc,nckd->nkd", weights, target)
    return refine(heads, clamp(heads, pred), np.broadcast_to(np.arange(k), pred.shape[:-1]), refine_steps)


def recover_keypoints(heads: Heads, v: Votes, yx: np.ndarray, scores: np.ndarray, scale: float, cfg: Settings):
    """Weak keypoints move to the median of the long-range predictions from the confident ones,
    if they score better there."""
    anchors = scores > cfg.keypoint_floor
    if not anchors.any() or anchors.all():
        return yx
    guess = np.median(long_range_predictions(heads, yx[anchors], cfg.refine_steps), axis=0)
    better = ~anchors & (keypoint_scores(heads, v, guess, scale) > scores)
    return np.where(better[:, None], guess, yx)


def group_people(heads: Heads, v: Votes, kind: np.ndarray, yx: np.ndarray, cfg: Settings) -> list[Person]:
    """Greedy grouping: the strongest candidate not near a claimed keypoint of its type seeds the next person."""
    k = heads.sigmas.shape[0]
    suppressed = np.zeros(len(kind), bool)
    people: list[Person] = []
    claimed_yx, claimed = np.zeros((0, k, 2)), np.zeros((0, k), bool)
    r2 = cfg.nms_radius**2
    for i in range(len(kind)):
        if len(people) >= cfg.max_people:
            break
        if suppressed[i]:
            continue
        pos = walk_tree(heads, int(kind[i]), yx[i], cfg)
        scale = person_scale(pos, np.ones(k, bool), cfg.min_scale)
        scores = keypoint_scores(heads, v, pos, scale)
        if cfg.long_range_recovery and heads.has_masks:
            pos = recover_keypoints(heads, v, pos, scores, scale, cfg)
            scores = keypoint_scores(heads, v, pos, scale)
        scale = person_scale(pos, scores > cfg.keypoint_floor, cfg.min_scale)
        scores = keypoint_scores(heads, v, pos, scale)
        near = (((claimed_yx - pos) ** 2).sum(-1) <= r2) & claimed  # (P, K)
        scores[near.any(axis=0)] = 0.0
        person = Person(pos, scores, scale)
        if person.score < cfg.min_person_score:
            continue
        people.append(person)
        claimed_yx, claimed = np.concatenate([claimed_yx, pos[None]]), np.concatenate([claimed, scores[None] > 0])
        suppressed |= (((yx - pos[kind]) ** 2).sum(-1) <= r2) & (scores[kind] > 0)
    return people
