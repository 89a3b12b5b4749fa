"""`personlab predict`: images -> COCO person results (and PNG overlays), the way a phone runs it.

A .tflite runs in the lightweight runtime (ai_edge_litert) and its raw outputs go to the mobile
decoder with the artifact's metadata; a checkpoint runs in Keras with float metadata.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import mobile_decoder
from personlab import geometry
from personlab.data import read_rgb
from personlab.files import atomic_write

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


def image_files(paths: list[Path]) -> list[Path]:
    """The image files named, and those directly inside named folders (sorted); FileNotFoundError if none."""
    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such image or folder: {path}")
    if not files:
        raise FileNotFoundError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {', '.join(map(str, paths))}")
    return files


def image_id_of(path: Path, index: int) -> int:
    """COCO's id for COCO file names (000000001234.jpg -> 1234), else the position in the list."""
    return int(path.stem) if path.stem.isdigit() else index


def predict(predictor, files: list[Path], render_dir: Path | None = None) -> Iterator[list[dict]]:
    """COCO results per image, in order; with render_dir, <render_dir>/<stem>.png overlays too."""
    from personlab.app.render import draw_predictions

    for index, path in enumerate(files):
        image = read_rgb(path)
        affine, model_input = geometry.letterboxed(image, predictor.input_hw)
        heads = mobile_decoder.Heads.from_outputs(predictor.raw(model_input), predictor.metadata)
        cfg = heads.defaults
        people, labels = mobile_decoder.decode(heads, cfg)
        hw = image.shape[:2]
        results = mobile_decoder.coco.results(
            people, labels, cfg.mask_stride, affine, image_id_of(path, index), hw, cfg.keypoint_floor,
            heads.layout.flip_index,
        )
        if render_dir is not None:
            image_labels = mobile_decoder.coco.labels_to_image(labels, cfg.mask_stride, affine, hw)
            render_dir.mkdir(parents=True, exist_ok=True)
            draw_predictions(image, results, image_labels, cfg.keypoint_floor, cfg.mask_min_score).save(
                render_dir / f"{path.stem}.png"
            )
        yield results


def write_results(path: Path, results: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(results).encode())
