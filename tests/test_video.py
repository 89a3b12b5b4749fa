"""`personlab predict` on a real clip (../shared/videos), and video files in and out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from personlab.app.cli import main
from personlab.app.video import VideoWriter, read_frames, video_info
from personlab.data import DataError
from personlab.decoder_config import TrackerConfig

VIDEOS = Path(__file__).resolve().parents[2] / "shared" / "videos"
WALKING = VIDEOS / "face-demographics-walking.gif"  # two people in every frame


def test_predict_tracks_the_people_of_a_real_clip(int8_artifact, tmp_path):
    out, render = tmp_path / "walking.jsonl", tmp_path / "walking.mp4"
    argv = ["predict", str(WALKING), "--model", str(int8_artifact), "--out", str(out), "--render", str(render)]
    assert main(argv) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    info = video_info(WALKING)
    assert [r["frame"] for r in records] == list(range(info.frames))
    assert all(b["time"] > a["time"] for a, b in zip(records, records[1:], strict=False))
    assert {p["track_id"] for r in records for p in r["people"]} == {0, 1}
    hits = TrackerConfig().min_hits
    assert all(not r["people"] for r in records[: hits - 1])  # tracks are tentative (unreported) till then
    person = records[-1]["people"][0]
    assert len(person["keypoints"]) == 17 * 3 and len(person["bbox"]) == 4
    assert set(person["segmentation"]) == {"size", "counts"} and person["area"] > 0
    frames = list(read_frames(render))
    assert len(frames) == info.frames
    first = next(read_frames(WALKING)).rgb
    assert frames[0].rgb.shape[:2] == first.shape[:2]
    assert np.abs(frames[0].rgb.astype(int) - first).mean() > 1  # overlays drawn


def test_video_writer_round_trip(tmp_path):
    path = tmp_path / "out.mp4"
    with VideoWriter(path, 12.5) as writer:
        for i in range(5):
            writer.write(np.full((33, 47, 3), 40 * i, np.uint8))  # odd sides are cropped to even
    frames = list(read_frames(path))
    assert len(frames) == 5 and frames[0].rgb.shape == (32, 46, 3)
    assert frames[1].time == pytest.approx(0.08)
    assert abs(int(frames[4].rgb.mean()) - 160) <= 3
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left


def test_bad_videos_exit_2_naming_them(int8_artifact, tmp_path, capsys):
    missing = tmp_path / "missing.mp4"
    assert main(["predict", str(missing), "--model", str(int8_artifact), "--out", str(tmp_path / "a.jsonl")]) == 2
    assert str(missing) in capsys.readouterr().err
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    assert main(["predict", str(broken), "--model", str(int8_artifact), "--out", str(tmp_path / "b.jsonl")]) == 2
    assert str(broken) in capsys.readouterr().err
    with pytest.raises(DataError, match="broken.mp4"):
        list(read_frames(broken))
    render = ["--render", str(tmp_path / "overlays")]
    assert main(["predict", str(WALKING), "--model", str(int8_artifact), *render]) == 2
    assert not (tmp_path / "a.jsonl").exists() and not (tmp_path / "b.jsonl").exists()
