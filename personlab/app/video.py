"""Video files in and out: frames with their times (PyAV for mp4/mov/mkv/..., Pillow for GIFs), and an
H.264 writer for overlays. Errors name the file (DataError)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from personlab.data import DataError

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v")
GIF_SUFFIXES = (".gif",)


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES + GIF_SUFFIXES


@dataclass(frozen=True)
class Frame:
    index: int
    time: float  # seconds from the start
    rgb: np.ndarray  # (h, w, 3) uint8


@dataclass(frozen=True)
class VideoInfo:
    frames: int | None  # None when the container does not say
    fps: float


def _gif_frames(path: Path) -> Iterator[Frame]:
    from PIL import Image, ImageSequence

    with Image.open(path) as im:
        t = 0.0
        for index, frame in enumerate(ImageSequence.Iterator(im)):
            yield Frame(index, t, np.asarray(frame.convert("RGB")))
            t += frame.info.get("duration", 100) / 1000.0


def _av_frames(path: Path) -> Iterator[Frame]:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for index, frame in enumerate(container.decode(stream)):
            t = float(frame.time) if frame.time is not None else index / float(stream.average_rate or 10)
            yield Frame(index, t, frame.to_ndarray(format="rgb24"))


def read_frames(path: Path) -> Iterator[Frame]:
    """The frames of a video or GIF, in order; DataError naming the file if it is missing or unreadable."""
    if not path.is_file():
        raise DataError(f"no such video: {path}")
    frames = _gif_frames(path) if path.suffix.lower() in GIF_SUFFIXES else _av_frames(path)
    try:
        yield from frames
    except (OSError, ValueError) as err:  # av.error.FFmpegError is an OSError or a ValueError
        raise DataError(f"cannot read video {path}: {err}") from err


def video_info(path: Path) -> VideoInfo:
    """Frame count (for progress bars) and frame rate; DataError naming the file if it cannot be opened."""
    try:
        if path.suffix.lower() in GIF_SUFFIXES:
            from PIL import Image

            with Image.open(path) as im:
                return VideoInfo(getattr(im, "n_frames", 1), 1000.0 / max(im.info.get("duration", 100), 1))
        import av

        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            return VideoInfo(stream.frames or None, float(stream.average_rate or 10))
    except (OSError, ValueError, IndexError) as err:
        raise DataError(f"cannot read video {path}: {err}") from err


class VideoWriter:
    """H.264 (yuv420p) video of RGB frames at a fixed frame rate, written under a temporary name and
    renamed when closed, so an interrupted run leaves no half-written file."""

    def __init__(self, path: Path, fps: float):
        import av

        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.tmp = path, path.with_name(f".{path.stem}.tmp{path.suffix}")
        self.container = av.open(str(self.tmp), mode="w")
        rate = Fraction(fps).limit_denominator(1001)
        self.stream = self.container.add_stream("libx264", rate=rate, options={"preset": "ultrafast"})
        self.stream.pix_fmt = "yuv420p"
        self.stream.thread_type = "AUTO"
        self.av = av
        self.frames = 0

    def write(self, rgb: np.ndarray) -> None:
        h, w = rgb.shape[:2]
        if not self.frames:
            self.stream.width, self.stream.height = w - w % 2, h - h % 2  # yuv420p needs even sides
        frame = self.av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[: self.stream.height, : self.stream.width]))
        self.container.mux(self.stream.encode(frame))
        self.frames += 1

    def close(self) -> None:
        self.container.mux(self.stream.encode())
        self.container.close()
        self.tmp.replace(self.path)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.close()
        else:
            self.container.close()
            self.tmp.unlink(missing_ok=True)
