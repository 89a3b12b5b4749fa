"""PNG renderings of targets for a visual check: the input with the keypoint disks,
segmentation, and short / mid / long offsets drawn as arrows from grid points."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from personlab import geometry, spec, targets
from personlab.data import CocoPersons

_COLOURS = np.array(
    [
        (230, 25, 75),
        (60, 180, 75),
        (255, 225, 25),
        (0, 130, 200),
        (245, 130, 48),
        (145, 30, 180),
        (70, 240, 240),
        (240, 50, 230),
        (210, 245, 60),
        (250, 190, 212),
        (0, 128, 128),
        (220, 190, 255),
        (170, 110, 40),
        (255, 250, 200),
        (128, 0, 0),
        (170, 255, 195),
        (128, 128, 0),
    ],
    np.uint8,
)


def _panel(image: np.ndarray, title: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    canvas = Image.fromarray(image).convert("RGB")
    draw = ImageDraw.Draw(canvas)
    draw.text((4, 4), title, fill=(255, 255, 255))
    return canvas, draw


def _overlay(image: np.ndarray, grid: np.ndarray, stride: int) -> np.ndarray:
    """Blend a (gh, gw, 3) colour grid over the input, each cell centred on its grid point."""
    rows = np.minimum((np.arange(image.shape[0]) + stride // 2) // stride, grid.shape[0] - 1)
    cols = np.minimum((np.arange(image.shape[1]) + stride // 2) // stride, grid.shape[1] - 1)
    up = grid[rows][:, cols]
    out = image.astype(np.float32)
    shown = up.any(-1)
    out[shown] = 0.4 * out[shown] + 0.6 * up[shown]
    return out.astype(np.uint8)


def _arrows(draw, encoded: dict, head: str, pairs: list[tuple[int, int]], stride: int, ih: int, iw: int):
    ys, xs = spec.grid_points(ih, iw, stride)
    offsets, weight = encoded[head], encoded[head + "_weight"]
    n = offsets.shape[-1] // 2
    for channel, colour_index in pairs:
        for i, j in np.argwhere(weight[..., channel] > 0):
            y0, x0 = ys[i, j], xs[i, j]
            dy, dx = offsets[i, j, channel], offsets[i, j, channel + n]
            draw.line([(x0, y0), (x0 + dx, y0 + dy)], fill=tuple(int(c) for c in _COLOURS[colour_index]), width=1)


def render(image: np.ndarray, encoded: dict[str, np.ndarray], stride: int) -> Image.Image:
    """One PNG: [heatmaps + short | segmentation + long (nose) | mid (forward edges)]."""
    ih, iw = image.shape[:2]
    heat = encoded["heatmaps"]
    colour = (heat[..., :, None] * _COLOURS[None, None, : heat.shape[-1]]).max(axis=2).astype(np.uint8)
    heat_panel, d = _panel(_overlay(image, colour, stride), "heatmaps + short offsets")
    _arrows(d, encoded, "short_offsets", [(k, k) for k in range(spec.NUM_KEYPOINTS)], stride, ih, iw)
    seg = (encoded["segmentation"] * np.array([0, 200, 255], np.float32)).astype(np.uint8)
    seg[encoded["segmentation_weight"][..., 0] == 0] = (255, 0, 0)  # ignored (crowd) in red
    seg_panel, d = _panel(_overlay(image, seg, stride), "segmentation (red: ignored) + long offsets to nose")
    _arrows(d, encoded, "long_offsets", [(spec.KP["nose"], 0)], stride, ih, iw)
    mid_panel, d = _panel(image, "mid offsets (forward edges)")
    _arrows(d, encoded, "mid_offsets", [(e, e) for e in range(spec.NUM_EDGES)], stride, ih, iw)
    sheet = Image.new("RGB", (3 * iw, ih))
    for i, panel in enumerate((heat_panel, seg_panel, mid_panel)):
        sheet.paste(panel, (i * iw, 0))
    return sheet


def render_targets(coco_dir, split: str, image_ids: list[int], input_hw, stride: int, out: Path, augment: bool = False):
    """Write <out>/targets_<image id>.png for each image; yields the paths."""
    spec.check_input_size(*input_hw, stride)
    dataset = CocoPersons(coco_dir, split)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for image_id in image_ids or dataset.image_ids[:3]:
        if image_id not in dataset.coco.imgs:
            raise ValueError(f"image id {image_id} is not in the {split} split")
        sample = dataset.sample(image_id)
        hw = sample.image.shape[:2]
        affine = geometry.Augmentation().sample(hw, input_hw, rng) if augment else geometry.letterbox(hw, input_hw)
        image, encoded = targets.encode_sample(sample, affine, input_hw, stride)
        path = out / f"targets_{image_id}.png"
        render(image, encoded, stride).save(path)
        yield path


def draw_predictions(
    image: np.ndarray,
    results: list[dict],
    image_labels: np.ndarray,
    keypoint_floor: float,
    min_score: float,
    ids: list[int] | None = None,
):
    """The image with each person's mask (its own colour), skeleton, confident keypoints and score.

    People scoring under min_score (duplicates, mostly; they take no mask pixels) are left out. With
    ids (video track ids, one per result), colours follow the ids and each person is labelled "#id".
    """
    colour_of = list(range(len(results))) if ids is None else ids
    out = image.astype(np.float32)
    for j in range(len(results)):
        shown = image_labels == j
        out[shown] = 0.5 * out[shown] + 0.5 * _COLOURS[colour_of[j] % len(_COLOURS)]
    canvas = Image.fromarray(out.astype(np.uint8))
    draw = ImageDraw.Draw(canvas)
    for j, person in enumerate(results):
        if person["score"] < min_score:
            continue
        colour = tuple(int(c) for c in _COLOURS[colour_of[j] % len(_COLOURS)])
        kp = np.asarray(person["keypoints"]).reshape(-1, 3)
        sure = kp[:, 2] > keypoint_floor
        for a, b in spec.EDGES:
            if sure[a] and sure[b]:
                draw.line([tuple(kp[a, :2]), tuple(kp[b, :2])], fill=colour, width=3)
        for x, y, _ in kp[sure]:
            draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=(255, 255, 255), outline=colour)
        if sure.any():
            x, y = kp[sure, 0].min(), kp[sure, 1].min()
            label = f"{person['score']:.2f}" if ids is None else f"#{ids[j]} {person['score']:.2f}"
            draw.text((float(x), float(y) - 12), label, fill=(255, 255, 255))
    return canvas
