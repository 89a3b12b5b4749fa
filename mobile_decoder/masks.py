"""Instance masks: PersonLab's long-range association, evaluated on the output grid and interpolated.

The reference predicts every keypoint from every person pixel of a 2-pixel mask grid (tens of
thousands of points x 17 keypoints). Here the predictions are made at the output grid nodes only
(a few hundred); each node's distance to each person (mean |prediction - keypoint| over the
person's confident keypoints, relative to its scale, as in the reference) is interpolated to the
mask grid with segmentation weights, the same normalised convolution the reference applies to
the predictions themselves. A pixel joins the nearest person within cfg.mask_distance.
"""

from __future__ import annotations

import numpy as np

from mobile_decoder.heads import Corners, Heads
from mobile_decoder.poses import Person, long_range_predictions
from mobile_decoder.settings import Settings


def upsample_axis(values: np.ndarray, axis: int, n_out: int, cell: int, stride: int) -> np.ndarray:
    """Bilinear resampling of one axis of a 2-D grid from nodes every `stride` pixels to points every `cell` pixels.

    Two gathers and a blend: no matrix product, so no BLAS threads for a few thousand values.
    """
    n_grid = values.shape[axis]
    g = np.clip(np.arange(n_out) * cell / stride, 0.0, n_grid - 1)
    lo = np.minimum(g.astype(np.intp), n_grid - 2)
    w = np.expand_dims(g - lo, 1 - axis)
    return (1 - w) * np.take(values, lo, axis=axis) + w * np.take(values, lo + 1, axis=axis)


def instance_labels(heads: Heads, people: list[Person], cfg: Settings) -> np.ndarray:
    """(mh, mw) person index (or -1) on the mask grid, cell (i, j) at input pixel mask_stride * (i, j)."""
    (ih, iw), (gh, gw), cell = heads.input_hw, heads.grid_hw, cfg.mask_stride
    mh, mw = (ih - 1) // cell + 1, (iw - 1) // cell + 1
    labels = np.full((mh, mw), -1, np.intp)
    takers = [
        j for j, p in enumerate(people) if p.score >= cfg.mask_min_score and (p.scores > cfg.keypoint_floor).any()
    ]
    if not takers or not heads.has_masks:
        return labels
    seg = heads["segmentation"].dense()[:, 0]
    on_mask = upsample_axis(upsample_axis(seg.reshape(gh, gw), 0, mh, cell, heads.stride), 1, mw, cell, heads.stride)
    rows, cols = np.nonzero(on_mask > cfg.seg_threshold)
    if not rows.size:
        return labels
    corners = Corners.at(heads, np.stack([rows, cols], axis=-1) * float(cell))
    nodes, inverse = np.unique(corners.nodes, return_inverse=True)
    node_yx = np.stack([nodes // gw, nodes % gw], axis=-1) * float(heads.stride)
    pred = long_range_predictions(heads, node_yx, cfg.mask_refine_steps)  # (U, K, 2)
    dist = np.empty((len(nodes), len(takers)))
    for col, j in enumerate(takers):
        use = people[j].scores > cfg.keypoint_floor
        dist[:, col] = np.hypot(*np.moveaxis(pred[:, use] - people[j].yx[use], -1, 0)).mean(axis=1) / people[j].scale
    weight = seg[corners.nodes] * corners.weights  # (n, 4)
    den = weight.sum(axis=1, keepdims=True)
    weight = np.where(den > 1e-3, weight / np.maximum(den, 1e-3), corners.weights)
    corner = inverse.reshape(corners.nodes.shape)  # (n, 4) rows of dist
    # Where the 4 corners agree on the nearest person, so does every convex combination of them:
    # only that person's distance is needed. Elsewhere (between people) all of them are compared.
    node_best = dist.argmin(axis=1)[corner]
    best = node_best[:, 0].copy()
    split = np.flatnonzero((node_best != best[:, None]).any(axis=1))
    if split.size:
        pixel_dist = np.einsum("nc,ncp->np", weight[split], dist[corner[split]])
        best[split] = pixel_dist.argmin(axis=1)
    ok = (weight * dist[corner, best[:, None]]).sum(axis=1) <= cfg.mask_distance
    labels[rows[ok], cols[ok]] = np.asarray(takers)[best[ok]]
    return labels
