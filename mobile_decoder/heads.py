"""The model outputs as the decoder reads them: raw tensors plus the artifact metadata.

Integer tensors stay as the interpreter returned them; values are dequantized with the metadata's
scale and zero point only where the decoder reads them (the offsets at a few hundred points),
and sanitised on the way, so hostile values (NaN, inf, saturated integers, huge offsets) cannot
reach the arithmetic: probabilities are clipped to [0, 1], offsets to +-the input size, NaN is 0.

A head's metadata may carry `order`, the raw channel behind each of our channels, and kind
"logit" (sigmoid applied on read): that is how Google's PoseNet / BodyPix tensors are described
(report anchors) without copying them into our layout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mobile_decoder.errors import MetadataError
from mobile_decoder.settings import Settings

#: The metadata version this decoder reads (the exporter's personlab.spec.METADATA_VERSION).
READS_VERSION = 2
#: The largest input side read (a metadata size is never trusted as an allocation size beyond it).
MAX_INPUT_SIDE = 4097
KINDS = ("probability", "logit", "offset")


@dataclass(frozen=True)
class Head:
    """One (gh, gw, C) output tensor and how to read it."""

    name: str
    raw: np.ndarray  # (gh * gw * C_raw,) flat, as the model wrote it
    raw_channels: int
    order: np.ndarray  # (C,) raw channel of each of our channels
    scale: float  # 0: a float tensor
    zero_point: int
    kind: str
    limit: float  # offsets are clipped to +-limit input pixels

    @property
    def channels(self) -> int:
        return len(self.order)

    def read(self, nodes: np.ndarray, channels: np.ndarray) -> np.ndarray:
        """float32 values at flat grid nodes (gy * gw + gx) and our channel indices (broadcast together)."""
        values = self.raw[nodes * self.raw_channels + self.order[channels]]
        if self.scale:  # integers: finite by construction
            values = (values.astype(np.float32) - np.float32(self.zero_point)) * np.float32(self.scale)
        else:
            values = values.astype(np.float32)
            values[np.isnan(values)] = 0.0
        if self.kind == "offset":
            return np.clip(values, -self.limit, self.limit)
        if self.kind == "logit":
            values = 1.0 / (1.0 + np.exp(-np.clip(values, -30.0, 30.0)))
        return np.clip(values, 0.0, 1.0)

    def dense(self) -> np.ndarray:
        """All values as (gh * gw, C): for the small heads the decoder reads everywhere (heatmaps, segmentation)."""
        nodes = np.arange(self.raw.size // self.raw_channels)[:, None]
        return self.read(nodes, np.arange(self.channels)[None, :])


@dataclass(frozen=True)
class Layout:
    """What the metadata's spec says about the heads: channels, kind and group of each, and the skeleton."""

    channels: dict[str, int]
    kinds: dict[str, str]
    groups: dict[str, str]  # "pose" heads are required, "mask" heads come all together or not at all
    stride: int
    sigmas: np.ndarray  # (K,) OKS sigmas
    disk_radius: float
    directed_edges: tuple[tuple[int, int], ...]
    flip_index: tuple[int, ...]

    @classmethod
    def from_metadata(cls, metadata: dict) -> Layout:
        if not isinstance(metadata, dict):
            raise MetadataError(f"metadata is a {type(metadata).__name__}, not a JSON object")
        version = metadata.get("metadata_version")
        if version != READS_VERSION:
            raise MetadataError(f"metadata version {version!r}, this decoder reads version {READS_VERSION}")
        try:
            spec = metadata["spec"]
            heads = spec["heads"]
            layout = cls(
                channels={h["name"]: int(h["channels"]) for h in heads},
                kinds={h["name"]: str(h["kind"]) for h in heads},
                groups={h["name"]: str(h["group"]) for h in heads},
                stride=int(spec["stride"]),
                sigmas=np.asarray(spec["oks_sigmas"], np.float64),
                disk_radius=float(spec["disk_radius"]),
                directed_edges=tuple((int(a), int(b)) for a, b in spec["directed_edges"]),
                flip_index=tuple(int(i) for i in spec["flip_index"]),
            )
        except (KeyError, TypeError, ValueError, IndexError) as err:
            raise MetadataError(f"metadata spec lacks or mangles a field the decoder needs: {err!r}") from err
        k = len(layout.sigmas)
        if layout.stride < 1 or not np.isfinite(layout.disk_radius) or layout.disk_radius <= 0:
            raise MetadataError(
                f"metadata spec: stride {layout.stride} and disk radius {layout.disk_radius} must be > 0"
            )
        if k < 1 or not np.isfinite(layout.sigmas).all() or (layout.sigmas <= 0).any():
            raise MetadataError("metadata spec: OKS sigmas must be positive finite numbers")
        if sorted(layout.flip_index) != list(range(k)):
            raise MetadataError(f"metadata spec: flip_index is not a permutation of the {k} keypoints")
        if any(not (0 <= a < k and 0 <= b < k) for a, b in layout.directed_edges):
            raise MetadataError(f"metadata spec: an edge names a keypoint outside 0..{k - 1}")
        if not set(layout.groups.values()) <= {"pose", "mask"} or "pose" not in layout.groups.values():
            raise MetadataError(f"metadata spec: head groups {sorted(set(layout.groups.values()))}, need pose (+ mask)")
        return layout

    def names(self, group: str) -> tuple[str, ...]:
        return tuple(name for name, g in self.groups.items() if g == group)


@dataclass(frozen=True)
class Heads:
    """Validated outputs of one image: the grid, the input size, the heads present, the spec and the
    decoder defaults, all as the artifact's metadata states them.

    Pose heads are required; mask heads (segmentation and long offsets) come together or not at all
    (PoseNet has neither: no masks, no long-range keypoint recovery).
    """

    heads: dict[str, Head]
    grid_hw: tuple[int, int]
    input_hw: tuple[int, int]
    layout: Layout
    defaults: Settings  # the metadata's decoder settings

    @property
    def stride(self) -> int:
        return self.layout.stride

    @property
    def sigmas(self) -> np.ndarray:
        return self.layout.sigmas

    @property
    def disk_radius(self) -> float:
        return self.layout.disk_radius

    @property
    def directed_edges(self) -> tuple[tuple[int, int], ...]:
        return self.layout.directed_edges

    @property
    def grid_max(self) -> np.ndarray:
        """(2,) the last grid row and column."""
        return np.array([self.grid_hw[0] - 1, self.grid_hw[1] - 1])

    @property
    def input_max(self) -> np.ndarray:
        """(2,) the last input pixel row and column."""
        return np.array([self.input_hw[0] - 1.0, self.input_hw[1] - 1.0])

    @property
    def has_masks(self) -> bool:
        mask = self.layout.names("mask")
        return bool(mask) and all(name in self.heads for name in mask)

    def __getitem__(self, name: str) -> Head:
        return self.heads[name]

    @cached_property
    def _scalar_readers(self) -> dict[str, Callable[[float, float, int], tuple[float, float]]]:
        return {name: scalar_pair_reader(self, name) for name in ("short_offsets", "mid_offsets")}

    def scalar_offsets(self, name: str) -> Callable[[float, float, int], tuple[float, float]]:
        """(y, x, pair) -> (dy, dx) in plain Python floats: `offsets` for one point, for the tree walk."""
        return self._scalar_readers[name]

    @classmethod
    def from_outputs(cls, outputs: dict[str, np.ndarray], metadata: dict) -> Heads:
        """Check raw outputs ({name: (1, gh, gw, C) or (gh, gw, C)}) against the metadata (MetadataError)."""
        layout = Layout.from_metadata(metadata)
        defaults = Settings.from_metadata(metadata)
        try:
            described = dict(metadata["heads"])
            input_hw = (int(metadata["input_size"][0]), int(metadata["input_size"][1]))
        except (KeyError, TypeError, ValueError, IndexError) as err:
            raise MetadataError(f"metadata lacks a field the decoder needs: {err!r}") from err
        if min(input_hw) < 2 or max(input_hw) > MAX_INPUT_SIDE:
            raise MetadataError(f"metadata input size {input_hw[0]}x{input_hw[1]}: sides must be 2..{MAX_INPUT_SIDE}")
        pose, mask = layout.names("pose"), layout.names("mask")
        names = [n for n in (*pose, *mask) if n in described]
        if not set(pose) <= set(names) or 0 < len(set(mask) & set(names)) < len(mask):
            raise MetadataError(f"metadata heads {sorted(described)}: need {pose}, and {mask} both or neither")
        heads, grid = {}, None
        for name in names:
            meta = described[name]
            tensor = outputs.get(name)
            if tensor is None:
                raise MetadataError(f"no tensor for head {name!r} (got {sorted(outputs)})")
            tensor = np.asarray(tensor)
            try:
                shape = tuple(int(v) for v in meta["shape"])
                dtype = np.dtype(meta["dtype"])
                scale, zero_point = float(meta.get("scale", 0.0)), int(meta.get("zero_point", 0))
                order = np.asarray(meta.get("order", range(shape[-1])), np.intp)
            except (KeyError, TypeError, ValueError, IndexError) as err:
                raise MetadataError(f"head {name!r}: metadata lacks or mangles a field: {err!r}") from err
            if tensor.shape not in (shape, shape[1:]) or len(shape) != 4 or shape[0] != 1:
                raise MetadataError(f"head {name!r} is {tensor.shape}, the metadata says {shape}")
            if dtype != tensor.dtype:
                raise MetadataError(f"head {name!r} is {tensor.dtype}, the metadata says {dtype}")
            if grid is not None and shape[1:3] != grid:
                raise MetadataError(f"head {name!r} grid {shape[1:3]} differs from the others' {grid}")
            grid = shape[1:3]
            if min(grid) < 2:
                raise MetadataError(f"head {name!r} grid {grid} is smaller than 2 x 2")
            kind, wanted = meta.get("kind", layout.kinds.get(name)), layout.channels.get(name)
            if len(order) != wanted or order.min() < 0 or order.max() >= shape[3] or kind not in KINDS:
                raise MetadataError(f"head {name!r}: {len(order)} channels of kind {kind!r}, need {wanted}")
            if np.issubdtype(dtype, np.integer):
                info = np.iinfo(dtype)
                if not (np.isfinite(scale) and scale > 0 and info.min <= zero_point <= info.max):
                    raise MetadataError(f"head {name!r}: scale {scale} and zero point {zero_point} do not fit {dtype}")
            elif dtype != np.float32:
                raise MetadataError(
                    f"head {name!r}: dtype {dtype} is not one this decoder reads (int8, uint8, float32)"
                )
            else:
                scale, zero_point = 0.0, 0
            heads[name] = Head(
                name,
                np.ascontiguousarray(tensor).reshape(-1),
                shape[3],
                order,
                scale,
                zero_point,
                kind,
                float(max(input_hw)),
            )
        return cls(heads, grid, input_hw, layout, defaults)


@dataclass(frozen=True)
class Corners:
    """Bilinear interpolation on the output grid: 4 corner nodes and weights per point.

    Points are (..., 2) (y, x) input pixels clamped to the grid; node (i, j) sits at (stride*i, stride*j).
    """

    nodes: np.ndarray  # (..., 4) flat node indices: (y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)
    weights: np.ndarray  # (..., 4)

    @classmethod
    def at(cls, heads: Heads, yx: np.ndarray) -> Corners:
        gh, gw = heads.grid_hw
        g = np.clip(yx / heads.stride, 0.0, heads.grid_max)  # finite: values are sanitised on read
        top = np.minimum(g.astype(np.intp), heads.grid_max - 1)  # the grid is at least 2 x 2
        f = g - top
        fy, fx = f[..., :1], f[..., 1:]
        nodes = (top[..., :1] * gw + top[..., 1:]) + np.array([0, 1, gw, gw + 1])
        weights = np.concatenate([(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx], axis=-1)
        return cls(nodes, weights)

    def sample(self, head: Head, channels: np.ndarray) -> np.ndarray:
        """(..., M) interpolated values of `channels` ((..., M) per point, or (M,) for all)."""
        values = head.read(self.nodes[..., None, :], np.asarray(channels)[..., None])  # (..., M, 4)
        return (values * self.weights[..., None, :]).sum(axis=-1)


def offsets(heads: Heads, name: str, yx: np.ndarray, pair: np.ndarray | int) -> np.ndarray:
    """(..., 2) (dy, dx) of the y-planar offset pair `pair` (per point, or one for all) at (..., 2) points."""
    n = heads[name].channels // 2
    pair = np.broadcast_to(np.asarray(pair, np.intp), yx.shape[:-1])[..., None]
    return Corners.at(heads, yx).sample(heads[name], np.concatenate([pair, pair + n], axis=-1))


def clamp(heads: Heads, yx: np.ndarray) -> np.ndarray:
    """Points clamped into the input image."""
    return np.clip(yx, 0.0, heads.input_max)


def scalar_pair_reader(heads: Heads, name: str) -> Callable[[float, float, int], tuple[float, float]]:
    """`offsets` for a single point without NumPy calls: the same clamping, corners and dequantization.

    Raw values are interpolated first, then dequantized (the same number: the map is affine) and
    sanitised (a NaN or infinite corner makes the offset 0 here, its clipped value in `Head.read`).
    """
    head = heads[name]
    (gh, gw), stride, c = heads.grid_hw, heads.stride, head.raw_channels
    raw, order, half = memoryview(head.raw), head.order.tolist(), head.channels // 2
    scale, zero_point, limit = head.scale or 1.0, head.zero_point if head.scale else 0, head.limit
    row = gw * c

    def at(y: float, x: float, pair: int) -> tuple[float, float]:
        gy, gx = min(max(y / stride, 0.0), gh - 1.0), min(max(x / stride, 0.0), gw - 1.0)
        y0, x0 = min(int(gy), gh - 2), min(int(gx), gw - 2)
        fy, fx = gy - y0, gx - x0
        out = []
        for i in ((y0 * gw + x0) * c + order[pair], (y0 * gw + x0) * c + order[pair + half]):
            top = raw[i] + (raw[i + c] - raw[i]) * fx
            bottom = raw[i + row] + (raw[i + row + c] - raw[i + row]) * fx
            v = (top + (bottom - top) * fy - zero_point) * scale
            out.append(min(max(v, -limit), limit) if v - v == 0 else 0.0)  # v - v: NaN for NaN and inf
        return out[0], out[1]

    return at
