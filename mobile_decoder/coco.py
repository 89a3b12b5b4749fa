"""People in input coordinates -> COCO person results in image coordinates, NumPy only.

Shared by both decoders (the reference imports it), so their outputs differ only by what they
decoded. Masks are COCO's compressed RLE, written here without pycocotools (tested against it).
`affine` is anything with `forward` / `inverse` mapping (..., 2) (x, y) between image and input
pixels and a `flipped` flag (personlab.geometry.Affine; a port computes the letterbox itself).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class PersonLike(Protocol):
    yx: np.ndarray  # (K, 2) input pixels
    scores: np.ndarray  # (K,)

    @property
    def score(self) -> float: ...


def labels_to_image(labels: np.ndarray, cell: int, affine, image_hw: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour (h, w) image version of an input-space label grid (cell (i, j) at input pixel cell*(i, j))."""
    h, w = image_hw
    # The letterbox is axis-aligned, so rows depend on y only and columns on x only.
    cols = np.rint(affine.forward(np.stack([np.arange(w, dtype=np.float64), np.zeros(w)], axis=-1))[:, 0] / cell)
    rows = np.rint(affine.forward(np.stack([np.zeros(h), np.arange(h, dtype=np.float64)], axis=-1))[:, 1] / cell)
    rows, cols = rows.astype(np.intp), cols.astype(np.intp)
    out = np.full((h, w), -1, np.intp)
    r_ok = (rows >= 0) & (rows < labels.shape[0])
    c_ok = (cols >= 0) & (cols < labels.shape[1])
    out[np.ix_(r_ok, c_ok)] = labels[np.ix_(rows[r_ok], cols[c_ok])]
    return out


def rle_string(counts: np.ndarray) -> str:
    """COCO's compressed RLE string of run lengths: 5-bit groups, delta-coded after the second run."""
    out = []
    values = counts.astype(np.int64).tolist()
    for i, x in enumerate(values):
        if i > 2:
            x -= values[i - 2]
        more = True
        while more:
            c = x & 0x1F
            x >>= 5  # arithmetic shift, as in pycocotools' C code
            more = x != -1 if c & 0x10 else x != 0
            out.append(chr((c | 0x20 if more else c) + 48))
    return "".join(out)


def encode_masks(image_labels: np.ndarray, n: int) -> list[tuple[dict, int, list[float] | None]]:
    """(COCO RLE {"size", "counts": str}, area, box [x, y, w, h] or None when empty) of masks 0..n-1 of a label image.

    One pass over the column-major runs of the label image serves every person.
    """
    h, w = image_labels.shape
    flat = image_labels.T.reshape(-1)  # column-major, as COCO
    starts = np.concatenate([[0], np.flatnonzero(flat[1:] != flat[:-1]) + 1])
    ends = np.concatenate([starts[1:], [flat.size]])
    run_label = flat[starts]
    out = []
    for j in range(n):
        mine = run_label == j
        s, e = starts[mine], ends[mine]
        # zeros before each run of ones, the run, ..., then the trailing zeros
        counts = np.stack([s - np.concatenate([[0], e[:-1]]), e - s], axis=-1).reshape(-1)
        tail = flat.size - (e[-1] if e.size else 0)
        counts = np.concatenate([counts, [tail]]) if tail or not e.size else counts  # no final empty run
        box = None
        if s.size:
            first_col, last_col = s // h, (e - 1) // h
            one_col = first_col == last_col  # a run can wrap from the bottom of a column to the next top
            top, bottom = np.where(one_col, s % h, 0).min(), np.where(one_col, (e - 1) % h, h - 1).max()
            box = [
                float(first_col.min()),
                float(top),
                float(last_col.max() - first_col.min() + 1),
                float(bottom - top + 1),
            ]
        out.append(({"size": [h, w], "counts": rle_string(counts)}, int((e - s).sum()), box))
    return out


def results(
    people: list[PersonLike],
    labels: np.ndarray,
    cell: int,
    affine,
    image_id: int,
    image_hw: tuple[int, int],
    keypoint_floor: float,
    flip_index: tuple[int, ...],
) -> list[dict]:
    """COCO person results (keypoints, score, bbox, RLE segmentation, area) for one image.

    The box is the mask's; a person without mask pixels gets the box of its confident keypoints.
    flip_index (the spec's) maps keypoints back when the letterbox mirrored the image.
    """
    masks = encode_masks(labels_to_image(labels, cell, affine, image_hw), len(people))
    out = []
    for person, (rle, area, bbox) in zip(people, masks, strict=True):
        xy = affine.inverse(person.yx[:, ::-1])
        scores = person.scores
        if affine.flipped:  # the model's left is the image's right
            xy, scores = xy[list(flip_index)], scores[list(flip_index)]
        if bbox is None:
            use = scores > keypoint_floor
            pts = xy[use] if use.any() else xy
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            bbox = [float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])]
            area = bbox[2] * bbox[3]
        keypoints = np.concatenate([xy, scores[:, None]], axis=1).ravel()
        out.append({
            "image_id": int(image_id),
            "category_id": 1,
            "keypoints": [float(v) for v in keypoints],
            "score": person.score,
            "bbox": bbox,
            "segmentation": rle,
            "area": float(area),
        })  # fmt: skip
    return out
