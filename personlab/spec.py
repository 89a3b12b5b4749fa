"""The head spec: the one place every consumer reads the PersonLab contract from.

`SPEC` owns keypoints, flip pairs, the tree edges, each head's channels, kind and group, the
output stride, the disk radius and the OKS sigmas. Target encoding, losses and the reference
decoder read it here; the exporter serialises it (`metadata`) into every artifact, and the
on-device readers (mobile_decoder, the Java core) take it from that metadata, never from a copy.

Offset heads are stored "y-planar": for a head of 2N channels, channels 0..N-1 hold the
y components and N..2N-1 the x components (the layout of Google's PoseNet/BodyPix, so
their weights map onto our heads without reordering). Offsets are in input pixels.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from personlab.decoder_config import DEFAULT_CONFIG, DecoderConfig, TrackerConfig

#: Version of the artifact metadata JSON (`metadata` writes it, the decoders check it).
METADATA_VERSION = 2
STRIDES = (8, 16)
DEFAULT_STRIDE = 16
#: Default model input (height, width). Sizes are stride * k + 1, as BodyPix and PoseNet
#: use: the output cell (i, j) then sits exactly on input pixel (stride*i, stride*j).
DEFAULT_INPUT_SIZE = (513, 513)
#: Letterbox: keep aspect, centre the image, fill the rest with this RGB value.
LETTERBOX_FILL = 0
#: The largest input side of a model we build or run (CLI sizes, model inputs): a phone camera frame fits.
#: mobile_decoder, which imports nothing of ours, bounds the metadata it reads on its own.
MAX_INPUT_SIDE = 2049
GROUPS = ("pose", "mask")  # pose heads are required; mask heads come all together or not at all
KINDS = ("probability", "offset")  # sigmoid in the graph / input pixels, y-planar


@dataclass(frozen=True)
class Head:
    """One output of the network."""

    name: str
    channels: int
    kind: str  # one of KINDS
    group: str  # one of GROUPS

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Spec:
    """Keypoints, skeleton and heads of a PersonLab network, and their JSON form (to_dict / from_dict)."""

    keypoints: tuple[str, ...]
    flip_index: tuple[int, ...]  # index of each keypoint's mirror image under a horizontal flip
    edges: tuple[tuple[int, int], ...]  # the tree, (parent, child)
    oks_sigmas: tuple[float, ...]
    disk_radius: float  # input pixels: heatmap disks, offset support, loss scale (PersonLab's R)
    stride: int
    heads: tuple[Head, ...]

    @property
    def num_keypoints(self) -> int:
        return len(self.keypoints)

    @property
    def directed_edges(self) -> tuple[tuple[int, int], ...]:
        """Mid-range head edges: every edge forward (parent -> child), then every edge backward.

        Mid channel d (y) and d + 2E (x) hold the offset from a pixel in the disk of
        directed_edges[d][0] to keypoint directed_edges[d][1].
        """
        return self.edges + tuple((c, p) for p, c in self.edges)

    @cached_property
    def head_names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.heads)

    def head(self, name: str) -> Head:
        return {h.name: h for h in self.heads}[name]

    def with_stride(self, stride: int) -> Spec:
        if stride not in STRIDES:
            raise ValueError(f"output stride must be one of {STRIDES}, got {stride}")
        return dataclasses.replace(self, stride=stride)

    def to_dict(self) -> dict:
        """Plain JSON-able data: what every artifact's metadata carries under "spec"."""
        return {
            "keypoints": list(self.keypoints),
            "flip_index": list(self.flip_index),
            "edges": [list(e) for e in self.edges],
            "directed_edges": [list(e) for e in self.directed_edges],
            "oks_sigmas": list(self.oks_sigmas),
            "disk_radius": self.disk_radius,
            "stride": self.stride,
            "heads": [h.to_dict() for h in self.heads],
            "offset_layout": "y-planar: channels [0, N) are y, [N, 2N) are x, in input pixels",
            "letterbox": {"rule": "keep aspect, centre, fill", "fill": LETTERBOX_FILL},
        }

    @classmethod
    def from_dict(cls, d: dict) -> Spec:
        """The inverse of to_dict (the derived entries, directed edges and layout notes, are not read)."""
        return cls(
            keypoints=tuple(d["keypoints"]),
            flip_index=tuple(int(i) for i in d["flip_index"]),
            edges=tuple((int(a), int(b)) for a, b in d["edges"]),
            oks_sigmas=tuple(float(s) for s in d["oks_sigmas"]),
            disk_radius=float(d["disk_radius"]),
            stride=int(d["stride"]),
            heads=tuple(Head(h["name"], int(h["channels"]), h["kind"], h["group"]) for h in d["heads"]),
        )


def _spec() -> Spec:
    keypoints = (
        "nose", "left_eye", "right_eye", "left_ear", "right_ear",
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
        "left_wrist", "right_wrist", "left_hip", "right_hip",
        "left_knee", "right_knee", "left_ankle", "right_ankle",
    )  # fmt: skip
    kp = {name: i for i, name in enumerate(keypoints)}
    mirror = {"left_": "right_", "right_": "left_"}
    flip = tuple(next((kp[n.replace(a, b, 1)] for a, b in mirror.items() if n.startswith(a)), kp[n]) for n in keypoints)
    # PoseNet's 16-edge tree, in PoseNet's order so BodyPix's displacement channels map one to one.
    tree = (
        ("nose", "left_eye"), ("left_eye", "left_ear"), ("nose", "right_eye"),
        ("right_eye", "right_ear"), ("nose", "left_shoulder"),
        ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
        ("left_shoulder", "left_hip"), ("left_hip", "left_knee"),
        ("left_knee", "left_ankle"), ("nose", "right_shoulder"),
        ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
        ("right_shoulder", "right_hip"), ("right_hip", "right_knee"),
        ("right_knee", "right_ankle"),
    )  # fmt: skip
    k, e = len(keypoints), len(tree)
    return Spec(
        keypoints=keypoints,
        flip_index=flip,
        edges=tuple((kp[a], kp[b]) for a, b in tree),
        # COCO keypoint OKS sigmas (pycocotools' values), in keypoint order.
        oks_sigmas=(
            0.026,
            0.025,
            0.025,
            0.035,
            0.035,
            0.079,
            0.079,
            0.072,
            0.072,
            0.062,
            0.062,
            0.107,
            0.107,
            0.087,
            0.087,
            0.089,
            0.089,
        ),  # fmt: skip
        disk_radius=32.0,
        stride=DEFAULT_STRIDE,
        heads=(
            Head("heatmaps", k, "probability", "pose"),
            Head("short_offsets", 2 * k, "offset", "pose"),
            Head("mid_offsets", 2 * 2 * e, "offset", "pose"),
            Head("segmentation", 1, "probability", "mask"),
            Head("long_offsets", 2 * k, "offset", "mask"),
        ),
    )


SPEC = _spec()

# Short names for the core's code (all read from SPEC).
KEYPOINTS = SPEC.keypoints
NUM_KEYPOINTS = SPEC.num_keypoints
KP = {name: i for i, name in enumerate(KEYPOINTS)}
FLIP_INDEX = SPEC.flip_index
EDGES = SPEC.edges
NUM_EDGES = len(EDGES)
DIRECTED_EDGES = SPEC.directed_edges
OKS_SIGMAS = np.array(SPEC.oks_sigmas, dtype=np.float32)
DISK_RADIUS = SPEC.disk_radius
HEADS = SPEC.heads
HEAD_NAMES = SPEC.head_names


def check_input_size(height: int, width: int, stride: int) -> None:
    """Raise ValueError unless (height, width) is a valid input size for this stride."""
    if stride not in STRIDES:
        raise ValueError(f"output stride must be one of {STRIDES}, got {stride}")
    for side in (height, width):
        if side < stride + 1 or (side - 1) % stride:
            raise ValueError(f"input sides must be stride*k+1 (e.g. {16 * 32 + 1} for stride 16), got {height}x{width}")
        if side > MAX_INPUT_SIDE:
            raise ValueError(f"input sides are at most {MAX_INPUT_SIDE}, got {height}x{width}")


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


def metadata(
    variant: str,
    stride: int,
    input_hw: tuple[int, int],
    heads: dict[str, dict],
    decoder: DecoderConfig = DEFAULT_CONFIG,
) -> dict:
    """What every artifact's metadata holds and the decoders read: version, input size, the spec (with
    the model's stride), the decoder and tracker defaults, and per head its tensor (name, shape, dtype, scale, zero
    point) plus channels, kind and group from the spec (a head's own "kind" / "order" entries, as the
    Google anchors set, take precedence)."""
    model_spec = SPEC.with_stride(stride)
    return {
        "metadata_version": METADATA_VERSION,
        "variant": variant,
        "input_size": list(input_hw),
        "heads": {name: model_spec.head(name).to_dict() | head for name, head in heads.items()},
        "spec": model_spec.to_dict(),
        "decoder": decoder.to_dict(),
        "tracker": TrackerConfig().to_dict(),
    }


def float_metadata(stride: int, input_hw: tuple[int, int], variant: str = "keras") -> dict:
    """Metadata for float32 head outputs that no artifact describes (the Keras model): what the mobile decoder reads."""
    grid = grid_shape(*input_hw, stride)
    heads = {
        h.name: {"shape": [1, *grid, h.channels], "dtype": "float32", "scale": 0.0, "zero_point": 0} for h in HEADS
    }
    return metadata(variant, stride, input_hw, heads)
