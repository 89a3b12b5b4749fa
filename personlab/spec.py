"""The head spec: the one place every consumer reads the PersonLab contract from.

Target encoding, the reference decoder, the mobile decoder, the exporter's metadata and
(through that metadata) the Java port all read keypoints, edges, channel layouts, stride,
disk radius and OKS sigmas from here. Nothing else may restate them.

Offset heads are stored "y-planar": for a head of 2N channels, channels 0..N-1 hold the
y components and N..2N-1 the x components (the layout of Google's PoseNet/BodyPix, so
their weights map onto our heads without reordering). Offsets are in input pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KEYPOINTS: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip
NUM_KEYPOINTS = len(KEYPOINTS)
KP = {name: i for i, name in enumerate(KEYPOINTS)}

#: Index of each keypoint's mirror image under a horizontal flip.
FLIP_INDEX: tuple[int, ...] = tuple(
    KP[n.replace("left_", "right_")] if n.startswith("left_")
    else KP[n.replace("right_", "left_")] if n.startswith("right_")
    else KP[n]
    for n in KEYPOINTS
)  # fmt: skip

#: PoseNet's 16-edge tree, (parent, child), in PoseNet's order so BodyPix's
#: displacement channels map one to one.
EDGES: tuple[tuple[int, int], ...] = tuple(
    (KP[a], KP[b])
    for a, b in (
        ("nose", "left_eye"), ("left_eye", "left_ear"), ("nose", "right_eye"),
        ("right_eye", "right_ear"), ("nose", "left_shoulder"),
        ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
        ("left_shoulder", "left_hip"), ("left_hip", "left_knee"),
        ("left_knee", "left_ankle"), ("nose", "right_shoulder"),
        ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
        ("right_shoulder", "right_hip"), ("right_hip", "right_knee"),
        ("right_knee", "right_ankle"),
    )
)  # fmt: skip
NUM_EDGES = len(EDGES)

#: Directed edges of the mid-range head: first every edge forward (parent -> child),
#: then every edge backward (child -> parent). Mid channel d (y) and d + 2E (x) hold
#: the offset from a pixel in the disk of DIRECTED_EDGES[d][0] to keypoint [d][1].
DIRECTED_EDGES: tuple[tuple[int, int], ...] = EDGES + tuple((c, p) for p, c in EDGES)

#: COCO keypoint OKS sigmas (pycocotools' values), in KEYPOINTS order.
OKS_SIGMAS = np.array(
    [0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072,
     0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089],
    dtype=np.float32,
)  # fmt: skip

#: Disk radius in input pixels (PersonLab's R): heatmap disks, offset support, loss scale.
DISK_RADIUS = 32.0
DEFAULT_STRIDE = 16
STRIDES = (8, 16)

#: Version of the artifact metadata JSON (export.metadata writes it, the decoders check it).
METADATA_VERSION = 1

#: Letterbox: keep aspect, centre the image, fill the rest with this RGB value.
LETTERBOX_FILL = 0
#: Default model input (height, width). Sizes are stride * k + 1, as BodyPix and PoseNet
#: use: the output cell (i, j) then sits exactly on input pixel (stride*i, stride*j).
DEFAULT_INPUT_SIZE = (513, 513)


@dataclass(frozen=True)
class Head:
    """One output of the network."""

    name: str
    channels: int
    kind: str  # "probability" (sigmoid in the graph) or "offset" (input pixels, y-planar)


HEADS: tuple[Head, ...] = (
    Head("heatmaps", NUM_KEYPOINTS, "probability"),
    Head("short_offsets", 2 * NUM_KEYPOINTS, "offset"),
    Head("mid_offsets", 2 * len(DIRECTED_EDGES), "offset"),
    Head("segmentation", 1, "probability"),
    Head("long_offsets", 2 * NUM_KEYPOINTS, "offset"),
)
HEAD_NAMES: tuple[str, ...] = tuple(h.name for h in HEADS)


def check_input_size(height: int, width: int, stride: int) -> None:
    """Raise ValueError unless (height, width) is a valid input size for this stride."""
    if stride not in STRIDES:
        raise ValueError(f"output stride must be one of {STRIDES}, got {stride}")
    for side in (height, width):
        if side < stride + 1 or (side - 1) % stride:
            raise ValueError(f"input sides must be stride*k+1 (e.g. {16 * 32 + 1} for stride 16), got {height}x{width}")


def grid_shape(height: int, width: int, stride: int) -> tuple[int, int]:
    """Output grid (rows, cols) for an input of height x width."""
    return (height - 1) // stride + 1, (width - 1) // stride + 1


def grid_points(height: int, width: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Input-pixel (y, x) coordinates of every output cell, each of shape grid_shape."""
    gh, gw = grid_shape(height, width, stride)
    ys, xs = np.meshgrid(
        np.arange(gh, dtype=np.float32) * stride, np.arange(gw, dtype=np.float32) * stride, indexing="ij"
    )
    return ys, xs


def as_dict() -> dict:
    """The spec as plain JSON-able data (embedded in every artifact's metadata)."""
    return {
        "keypoints": list(KEYPOINTS),
        "flip_index": list(FLIP_INDEX),
        "edges": [list(e) for e in EDGES],
        "directed_edges": [list(e) for e in DIRECTED_EDGES],
        "oks_sigmas": [float(s) for s in OKS_SIGMAS],
        "disk_radius": DISK_RADIUS,
        "offset_layout": "y-planar: channels [0, N) are y, [N, 2N) are x, in input pixels",
        "heads": [{"name": h.name, "channels": h.channels, "kind": h.kind} for h in HEADS],
        "letterbox": {"rule": "keep aspect, centre, fill", "fill": LETTERBOX_FILL},
    }
