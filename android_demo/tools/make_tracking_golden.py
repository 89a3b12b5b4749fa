"""Golden fixtures for the Java tracker (android_demo/core Tracker.java): the Python tracker on real clips.

Runs the shipped full-integer artifact and the mobile decoder on the frames of real clips from
../shared/videos, then mobile_decoder.tracking on the decoded people, and writes under
android_demo/core/src/test/resources/tracking/:
  metadata.json   the artifact's metadata (its "tracker" settings and OKS sigmas)
  tracking.json   per sequence: tracker overrides, and per frame the time, the decoded people
                  (yx, scores, scale) and the Python tracks (id, index, smoothed yx)

Sequences: the walking pair, five people (classroom.gif's four with the walker of
one-by-one-person-detection.gif laid over them; TrackerBench times it), that walker leaving for
longer than max_age_s (a new id on return), and a stretch of the mp4 where one- to three-frame false
detections start tentative tracks that die unconfirmed (min_person_score 0.1 lets them in).

    .venv/bin/python android_demo/tools/make_tracking_golden.py [--artifact ...]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import mobile_decoder
from mobile_decoder.tracking import Tracker
from personlab import geometry
from personlab.app.video import read_frames
from personlab.runtime import LiteRTPredictor

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ARTIFACT = ROOT / "artifacts" / "personlab_mobilenet_v1_075_513x513_full_int8.tflite"
OUT = ROOT / "android_demo" / "core" / "src" / "test" / "resources" / "tracking"
VIDEOS = ROOT.parent / "shared" / "videos"


def decoded(
    predictor: LiteRTPredictor, name: str, frames: range | None = None
) -> list[tuple[float, list[mobile_decoder.Person]]]:
    """Per frame (all, or those in `frames`): time and people, rounded as the fixture stores them (both trackers
    see the same numbers)."""
    out = []
    for frame in read_frames(VIDEOS / name):
        if frames is not None and frame.index not in frames:
            continue
        _, model_input = geometry.letterboxed(frame.rgb, predictor.input_hw)
        heads = mobile_decoder.Heads.from_outputs(predictor.raw(model_input), predictor.metadata)
        people = [
            mobile_decoder.Person(np.round(p.yx, 4), np.round(p.scores, 6), round(p.scale, 4))
            for p in mobile_decoder.decode(heads)[0]
        ]
        out.append((round(frame.time, 6), people))
    return out


def sequence(metadata: dict, frames, overrides: dict) -> dict:
    tracker = Tracker.from_metadata(metadata, **overrides)
    rows = []
    for t, people in frames:
        tracks = tracker.update(people, t)
        rows.append({
            "time": t,
            "people": [{"yx": p.yx.tolist(), "scores": p.scores.tolist(), "scale": p.scale} for p in people],
            "tracks": [{"id": tr.id, "index": tr.index, "yx": np.round(tr.yx, 8).tolist()} for tr in tracks],
        })  # fmt: skip
    return {"overrides": overrides, "frames": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--artifact", type=Path, default=DEFAULT_ARTIFACT)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    predictor = LiteRTPredictor.from_file(args.artifact, num_threads=2)
    meta = predictor.metadata
    if "tracker" not in meta:
        raise SystemExit(f"{args.artifact}: its metadata has no tracker settings; rebuild it (make quantize)")
    walking = decoded(predictor, "face-demographics-walking.gif")
    classroom = decoded(predictor, "classroom.gif")
    walker = decoded(predictor, "one-by-one-person-detection.gif")
    five = [(t, seated + walker[i % len(walker)][1]) for i, (t, seated) in enumerate(classroom)]
    away = walker[:12] + walker[30:]  # gone 1.8 s
    ghosts = decoded(predictor, "one-by-one-person-detection.mp4", range(1170, 1260))
    sequences = {
        "face-demographics-walking.gif": sequence(meta, walking, {}),
        "classroom.gif + one-by-one walker (5 people)": sequence(meta, five, {}),
        "one-by-one walker, away 1.8 s": sequence(meta, away, {"max_age_s": 1.0}),
        "face-demographics-walking.gif, raw": sequence(meta, walking, {"smoothing": False}),
        "one-by-one-person-detection.mp4 frames 1170-1259, ghosts": sequence(meta, ghosts, {"min_person_score": 0.1}),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "metadata.json").write_text(json.dumps(meta, indent=1) + "\n")
    (args.out / "tracking.json").write_text(json.dumps({"artifact": args.artifact.name, "sequences": sequences}) + "\n")
    for name, s in sequences.items():
        ids = sorted({tr["id"] for f in s["frames"] for tr in f["tracks"]})
        print(f"{name}: {len(s['frames'])} frames, track ids {ids}")


if __name__ == "__main__":
    main()
