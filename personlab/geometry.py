"""Image-to-input geometry: the letterbox and the random augmentation, as 2x3 affine maps.

One affine map carries an image, its keypoints and its masks into the model input together,
so they can never drift apart. Coordinates are (x, y) in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from personlab import spec


@dataclass(frozen=True)
class Affine:
    """x_input = scale * (flip ? (width - 1 - x) : x) + tx;  y_input = scale * y + ty."""

    scale: float
    tx: float
    ty: float
    flip_width: int = 0  # image width when horizontally flipped, else 0

    @property
    def flipped(self) -> bool:
        return self.flip_width > 0

    def forward(self, xy: np.ndarray) -> np.ndarray:
        """Image (x, y) -> input (x, y); xy has shape (..., 2)."""
        x = xy[..., 0]
        if self.flipped:
            x = self.flip_width - 1 - x
        return np.stack([self.scale * x + self.tx, self.scale * xy[..., 1] + self.ty], axis=-1)

    def inverse(self, xy: np.ndarray) -> np.ndarray:
        """Input (x, y) -> image (x, y)."""
        x = (xy[..., 0] - self.tx) / self.scale
        if self.flipped:
            x = self.flip_width - 1 - x
        return np.stack([x, (xy[..., 1] - self.ty) / self.scale], axis=-1)

    def pil_coefficients(self) -> tuple[float, ...]:
        """PIL's AFFINE data (a, b, c, d, e, f): the input->image map in PIL's pixel-centre convention.

        PIL samples the image at (a, c) . (x + 0.5, 1) - 0.5 for output column x, hence the half-pixel terms.
        """
        inv = 1.0 / self.scale
        half = 0.5 - 0.5 * inv
        y_row = (0.0, inv, -self.ty * inv + half)
        if self.flipped:
            return (-inv, 0.0, self.flip_width - 0.5 + 0.5 * inv + self.tx * inv, *y_row)
        return (inv, 0.0, -self.tx * inv + half, *y_row)


def letterbox(image_hw: tuple[int, int], input_hw: tuple[int, int]) -> Affine:
    """Keep the aspect ratio, fit inside the input, centre it (the artifacts' letterbox rule)."""
    (h, w), (ih, iw) = image_hw, input_hw
    scale = min(ih / h, iw / w)
    return Affine(scale, (iw - scale * w) / 2.0, (ih - scale * h) / 2.0)


def letterboxed(image: np.ndarray, input_hw: tuple[int, int]) -> tuple[Affine, np.ndarray]:
    """An RGB image as the model input (the artifacts' letterbox rule), with its affine map."""
    affine = letterbox(image.shape[:2], input_hw)
    return affine, warp_image(image, affine, input_hw)


@dataclass(frozen=True)
class Augmentation:
    """Random scale (relative to the letterbox fit), random placement/crop, horizontal flip, colour."""

    scale_range: tuple[float, float] = (0.9, 1.7)
    flip_probability: float = 0.5
    color_jitter: float = 0.0  # brightness and contrast factors drawn from 1 +- this; 0: off

    def sample(self, image_hw: tuple[int, int], input_hw: tuple[int, int], rng: np.random.Generator) -> Affine:
        (h, w), (ih, iw) = image_hw, input_hw
        scale = min(ih / h, iw / w) * rng.uniform(*self.scale_range)
        # The scaled image moves anywhere between "flush left/top" and "flush right/bottom":
        # a random crop when it is larger than the input, a random placement when smaller.
        tx = rng.uniform(min(0.0, iw - scale * w), max(0.0, iw - scale * w))
        ty = rng.uniform(min(0.0, ih - scale * h), max(0.0, ih - scale * h))
        flip = rng.random() < self.flip_probability
        return Affine(scale, tx, ty, w if flip else 0)

    def recolor(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Random brightness and contrast of a uint8 RGB image (unchanged, no draw, when off)."""
        if not self.color_jitter:
            return image
        brightness, contrast = rng.uniform(1 - self.color_jitter, 1 + self.color_jitter, 2)
        mean = image.mean()
        out = (image.astype(np.float32) - mean) * contrast + mean * brightness
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def warp_image(image: np.ndarray, affine: Affine, input_hw: tuple[int, int]) -> np.ndarray:
    """The uint8 RGB model input (input_hw) seen through `affine`."""
    ih, iw = input_hw
    warped = Image.fromarray(image).transform(
        (iw, ih),
        Image.Transform.AFFINE,
        affine.pil_coefficients(),
        resample=Image.Resampling.BILINEAR,
        fillcolor=(spec.LETTERBOX_FILL,) * 3,
    )
    return np.asarray(warped, dtype=np.uint8)


def warp_keypoints(keypoints: np.ndarray, affine: Affine) -> np.ndarray:
    """(P, K, 3) image keypoints (x, y, v) -> input keypoints; a flip swaps left and right."""
    out = keypoints.astype(np.float32).copy()
    out[..., :2] = affine.forward(out[..., :2])
    if affine.flipped:
        out = out[:, list(spec.FLIP_INDEX)]
    return out


def sample_masks_at(masks: np.ndarray, affine: Affine, points_yx: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Nearest-neighbour sample of (N, h, w) image masks at input points -> (N, *points.shape)."""
    ys, xs = points_yx
    img_xy = affine.inverse(np.stack([xs, ys], axis=-1))
    col = np.rint(img_xy[..., 0]).astype(np.int64)
    row = np.rint(img_xy[..., 1]).astype(np.int64)
    h, w = masks.shape[1:]
    inside = (row >= 0) & (row < h) & (col >= 0) & (col < w)
    out = np.zeros((masks.shape[0], *ys.shape), dtype=bool)
    out[:, inside] = masks[:, row[inside], col[inside]]
    return out
