"""`personlab predict`: images -> COCO person results (and PNG overlays), the way a phone runs it;
a video -> one JSON record per frame with tracked people (and an overlay video).

A .tflite runs in the lightweight runtime (ai_edge_litert) and its raw outputs go to the mobile
decoder with the artifact's metadata; a checkpoint runs in Keras with float metadata. Video frames
go on to the mobile decoder's tracker (ids, One Euro smoothing) with the metadata's settings.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import numpy as np

import mobile_decoder
from mobile_decoder.tracking import Tracker, track_labels
from personlab import geometry
from personlab.app.video import VideoWriter, read_frames, video_info
from personlab.data import DataError, read_rgb
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


def overlay_names(files: list[Path]) -> list[str]:
    """<stem>.png per image; images sharing a stem (a.jpg and a.png, or two folders) get <stem>_<position>.png."""
    stems = [path.stem for path in files]
    return [f"{stem}.png" if stems.count(stem) == 1 else f"{stem}_{i}.png" for i, stem in enumerate(stems)]


def predict(predictor, files: list[Path], render_dir: Path | None = None) -> Iterator[list[dict] | DataError]:
    """COCO results per image, in order, or the DataError of an image that could not be read (the rest go
    on); with render_dir, overlays there too (overlay_names), each written atomically."""
    from personlab.app.render import draw_predictions

    names = overlay_names(files)
    for index, path in enumerate(files):
        try:
            image = read_rgb(path)
        except DataError as err:
            yield err
            continue
        affine, model_input = geometry.letterboxed(image, predictor.input_hw)
        heads = mobile_decoder.Heads.from_outputs(predictor.raw(model_input), predictor.metadata)
        cfg = heads.defaults
        people, labels = mobile_decoder.decode(heads, cfg)
        hw = image.shape[:2]
        results = mobile_decoder.coco.results(
            people, labels, cfg.mask_stride, affine, image_id_of(path, index), hw, cfg.keypoint_floor,
            heads.layout.flip_index,
        )  # fmt: skip
        if render_dir is not None:
            image_labels = mobile_decoder.coco.labels_to_image(labels, cfg.mask_stride, affine, hw)
            overlay = draw_predictions(image, results, image_labels, cfg.keypoint_floor, cfg.mask_min_score)
            buffer = io.BytesIO()
            overlay.save(buffer, format="PNG")
            render_dir.mkdir(parents=True, exist_ok=True)
            atomic_write(render_dir / names[index], buffer.getvalue())
        yield results


def tracker_of(metadata: dict, smoothing: bool) -> Tracker:
    """The artifact's tracker; DataError when its metadata predates tracking."""
    if "tracker" not in metadata:
        raise DataError("the artifact's metadata has no tracker settings: rebuild it (make quantize)")
    return Tracker.from_metadata(metadata, smoothing=smoothing)


def predict_video(predictor, path: Path, render: Path | None = None, smoothing: bool = True) -> Iterator[dict]:
    """One record per frame: {"frame", "time", "people": [COCO-style person + "track_id"]}, keypoints
    smoothed; people the tracker skips (too weak) are left out. With render, an overlay video there."""
    from personlab.app.render import draw_predictions

    tracker = tracker_of(predictor.metadata, smoothing)
    with VideoWriter(render, video_info(path).fps) if render is not None else nullcontext() as writer:
        for frame in read_frames(path):
            affine, model_input = geometry.letterboxed(frame.rgb, predictor.input_hw)
            heads = mobile_decoder.Heads.from_outputs(predictor.raw(model_input), predictor.metadata)
            cfg = heads.defaults
            people, labels = mobile_decoder.decode(heads, cfg)
            tracks = tracker.update(people, frame.time)
            labels = track_labels(labels, tracks, len(people))
            hw = frame.rgb.shape[:2]
            results = mobile_decoder.coco.results(
                [mobile_decoder.Person(t.yx, t.scores, t.scale) for t in tracks], labels, cfg.mask_stride, affine,
                frame.index, hw, cfg.keypoint_floor, heads.layout.flip_index,
            )  # fmt: skip
            if writer is not None:
                image_labels = mobile_decoder.coco.labels_to_image(labels, cfg.mask_stride, affine, hw)
                ids = [t.id for t in tracks]
                writer.write(np.asarray(draw_predictions(frame.rgb, results, image_labels, cfg.keypoint_floor, 0, ids)))
            people_out = [
                {"track_id": t.id, **{k: v for k, v in r.items() if k not in ("image_id", "category_id")}}
                for t, r in zip(tracks, results, strict=True)
            ]
            yield {"frame": frame.index, "time": frame.time, "people": people_out}


def write_lines(path: Path, records: list[dict]) -> None:
    """JSON Lines: one record a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, "".join(json.dumps(r) + "\n" for r in records).encode())


def write_results(path: Path, results: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(results).encode())
