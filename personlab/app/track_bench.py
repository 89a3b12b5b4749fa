"""`personlab track-bench`: tracking and smoothing measured on the real clips of ../shared/videos.

Per clip: distinct track ids against the people its README counts, identity switches (a new id, or
an id jumping to another person, while the number of people stays the same), keypoint jitter (mean
frame-to-frame movement of confident keypoints, image pixels) raw and smoothed, and the lag of the
smoothed keypoints behind the raw ones (the shift, in frames, that best aligns them). Then the time
the tracker and filter add per frame at 5 people, and video prediction of the long mp4 end to end.
Last, the same counts over a small grid of the settings that keep false detections from taking ids
(GRID), on the same decoded frames. Timings go to JSON; tests never assert them.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import mobile_decoder
from mobile_decoder.tracking import Track, Tracker
from personlab import geometry
from personlab.app.video import read_frames
from personlab.runtime import LiteRTPredictor

VIDEOS = Path("../shared/videos")
#: clip -> people in it, counted by eye (../shared/videos/README.md); None: several visits, not counted
CLIPS = {
    "face-demographics-walking.gif": 2,
    "classroom.gif": 4,
    "one-by-one-person-detection.gif": 1,
    "one-by-one-person-detection.mp4": None,
}
STILL_CLIP, WALKING_CLIP = "classroom.gif", "face-demographics-walking.gif"
LONG_CLIP = "one-by-one-person-detection.mp4"
#: tracker settings measured besides the artifact's own (min_hits 1: ids at once, as without confirmation)
GRID = [{"min_person_score": s, "min_hits": h} for s in (0.1, 0.15, 0.2) for h in (1, 2, 3, 4)]


@dataclass(frozen=True)
class DecodedFrame:
    time: float
    people: list[mobile_decoder.Person]
    to_image: float  # image pixels per input pixel (the letterbox scale)


def decode_clip(predictor, path: Path) -> list[DecodedFrame]:
    """Every frame of a clip through the artifact and the mobile decoder."""
    out = []
    for frame in read_frames(path):
        affine, model_input = geometry.letterboxed(frame.rgb, predictor.input_hw)
        heads = mobile_decoder.Heads.from_outputs(predictor.raw(model_input), predictor.metadata)
        people, _ = mobile_decoder.decode(heads)
        out.append(DecodedFrame(frame.time, people, 1.0 / affine.scale))
    return out


def track_clip(tracker: Tracker, frames: list[DecodedFrame]) -> list[list[Track]]:
    tracker.reset()
    return [tracker.update(f.people, f.time) for f in frames]


def identity_switches(tracks: list[list[Track]], frames: list[DecodedFrame]) -> int:
    """New ids while the number of tracked people stays the same, plus ids whose keypoint centre jumps by
    more than half the person's scale between frames (an id moved to another person)."""
    switches = 0
    for prev, now in zip(tracks, tracks[1:], strict=False):
        if len(prev) == len(now):
            switches += len({t.id for t in now} - {t.id for t in prev})
        before = {t.id: t for t in prev}
        for t in now:
            if t.id in before:
                jump = np.linalg.norm(np.median(t.yx, axis=0) - np.median(before[t.id].yx, axis=0))
                switches += int(jump > 0.5 * t.scale)
    return switches


def trajectories(tracks: list[list[Track]], frames: list[DecodedFrame], floor: float, smoothed: bool) -> list:
    """Per track id, per frame: (K, 2) keypoints in image pixels and (K,) confident flags (None when absent)."""
    ids = sorted({t.id for frame in tracks for t in frame})
    out = {i: [None] * len(frames) for i in ids}
    for f, (frame, found) in enumerate(zip(frames, tracks, strict=True)):
        for t in found:
            raw = frame.people[t.index]
            yx = t.yx if smoothed else raw.yx
            out[t.id][f] = (yx * frame.to_image, raw.scores > floor)
    return list(out.values())


def jitter(tracks: list[list[Track]], frames: list[DecodedFrame], floor: float, smoothed: bool) -> float:
    """Mean frame-to-frame movement (image pixels) of keypoints confident in both frames, over all tracks."""
    moves = []
    for path in trajectories(tracks, frames, floor, smoothed):
        for a, b in zip(path, path[1:], strict=False):
            if a is not None and b is not None:
                both = a[1] & b[1]
                moves.append(np.linalg.norm(b[0][both] - a[0][both], axis=-1))
    return float(np.concatenate(moves).mean()) if moves else 0.0


def lag_frames(tracks: list[list[Track]], frames: list[DecodedFrame], floor: float, max_lag: float = 4.0) -> float:
    """The shift s (frames, 0.05 steps) minimising the mean distance of smoothed(t) to raw(t - s), over
    keypoints confident in every frame of their track (raw interpolated linearly between frames)."""
    pairs = []
    raws, smooths = trajectories(tracks, frames, floor, False), trajectories(tracks, frames, floor, True)
    for raw, smooth in zip(raws, smooths, strict=True):
        present = [i for i, r in enumerate(raw) if r is not None]
        if len(present) < 8 or present != list(range(present[0], present[-1] + 1)):
            continue
        r = np.stack([raw[i][0] for i in present])
        s = np.stack([smooth[i][0] for i in present])
        sure = np.stack([raw[i][1] for i in present]).all(axis=0)
        pairs.append((r[:, sure], s[:, sure]))
    shifts = np.arange(0.0, max_lag + 1e-9, 0.05)
    cost = np.zeros(len(shifts))
    for r, s in pairs:
        n = len(r)
        start = int(np.ceil(max_lag))
        t = np.arange(start, n)
        for j, shift in enumerate(shifts):
            at = t - shift
            lo = np.floor(at).astype(int)
            w = (at - lo)[:, None, None]
            shifted = (1 - w) * r[lo] + w * r[np.minimum(lo + 1, n - 1)]
            cost[j] += np.linalg.norm(s[t] - shifted, axis=-1).sum()
    return float(shifts[np.argmin(cost)])


def five_people(classroom: list[DecodedFrame], walker: list[DecodedFrame]) -> list[DecodedFrame]:
    """classroom.gif's four seated people with the walker of one-by-one-person-detection.gif laid over them."""
    return [
        DecodedFrame(f.time, f.people + walker[i % len(walker)].people, f.to_image) for i, f in enumerate(classroom)
    ]


def tracker_ms(tracker: Tracker, frames: list[DecodedFrame], people: int, repeats: int) -> dict[str, float]:
    """Median and p90 ms of one update() over the frames where it tracks `people` people."""
    times = []
    for _ in range(repeats):
        tracker.reset()
        for f in frames:
            start = time.perf_counter()
            n = len(tracker.update(f.people, f.time))
            if n == people:
                times.append((time.perf_counter() - start) * 1e3)
    return {"median_ms": float(np.median(times)), "p90_ms": float(np.percentile(times, 90)), "updates": len(times)}


def video_fps(predictor, path: Path, smoothing: bool = True) -> dict:
    """`personlab predict` on a video end to end (read, model, decoder, tracker, results, overlay video)."""
    from personlab.app.predict import predict_video

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        records = list(predict_video(predictor, path, Path(tmp) / "overlay.mp4", smoothing))
        seconds = time.perf_counter() - start
    ids = {p["track_id"] for r in records for p in r["people"]}
    return {
        "frames": len(records),
        "seconds": seconds,
        "fps": len(records) / seconds,
        "track_ids": len(ids),
        "frames_with_people": sum(bool(r["people"]) for r in records),
        "most_people_in_a_frame": max((len(r["people"]) for r in records), default=0),
    }


def clip_stats(tracker: Tracker, decoded: dict[str, list[DecodedFrame]]) -> dict[str, dict]:
    """Per clip: frames, people by eye, track ids, identity switches, jitter raw and smoothed; lag on the walkers."""
    floor = tracker.cfg.keypoint_floor
    clips = {}
    for name, frames in decoded.items():
        tracks = track_clip(tracker, frames)
        clips[name] = {
            "frames": len(frames),
            "true_people": CLIPS[name],
            "track_ids": len({t.id for f in tracks for t in f}),
            "identity_switches": identity_switches(tracks, frames),
            "jitter_raw_px": jitter(tracks, frames, floor, smoothed=False),
            "jitter_smoothed_px": jitter(tracks, frames, floor, smoothed=True),
        }
    walking = decoded[WALKING_CLIP]
    clips[WALKING_CLIP]["lag_frames"] = lag_frames(track_clip(tracker, walking), walking, floor)
    return clips


def grid(metadata: dict, decoded: dict[str, list[DecodedFrame]], five: list[DecodedFrame], repeats: int) -> list:
    """Per GRID entry: track ids per clip, classroom jitter raw / smoothed, lag on the walkers, ms at 5 people."""
    rows = []
    for overrides in GRID:
        tracker = Tracker.from_metadata(metadata, **overrides)
        clips = clip_stats(tracker, decoded)
        still = clips[STILL_CLIP]
        rows.append({
            "settings": overrides,
            "track_ids": {name: c["track_ids"] for name, c in clips.items()},
            "jitter_ratio": still["jitter_raw_px"] / max(still["jitter_smoothed_px"], 1e-9),
            "lag_frames": clips[WALKING_CLIP]["lag_frames"],
            "median_ms_5_people": tracker_ms(tracker, five, 5, repeats)["median_ms"],
        })  # fmt: skip
    return rows


def bench_tracking(artifact: Path, videos: Path = VIDEOS, threads: int = 2, repeats: int = 50) -> dict:
    """Every number of the module docstring, on the clips in `videos`."""
    from personlab.app.predict import tracker_of

    predictor = LiteRTPredictor.from_file(artifact, num_threads=threads)
    tracker = tracker_of(predictor.metadata, smoothing=True)
    decoded = {name: decode_clip(predictor, videos / name) for name in CLIPS}
    five = five_people(decoded[STILL_CLIP], decoded["one-by-one-person-detection.gif"])
    return {
        "artifact": str(artifact),
        "threads": threads,
        "tracker": tracker.cfg.to_dict(),
        "clips": clip_stats(tracker, decoded),
        "tracker_ms_5_people": tracker_ms(tracker, five, 5, repeats),
        "tracker_ms_5_people_no_smoothing": tracker_ms(tracker_of(predictor.metadata, False), five, 5, repeats),
        "video": {LONG_CLIP: video_fps(predictor, videos / LONG_CLIP)},
        "grid": grid(predictor.metadata, decoded, five, max(repeats // 10, 1)),
    }


def goals(result: dict, java: dict | None) -> list[str]:
    clips, video = result["clips"], result["video"][LONG_CLIP]
    still, walking = clips[STILL_CLIP], clips[WALKING_CLIP]
    py_ms, java_ms = result["tracker_ms_5_people"]["median_ms"], java["median_ms"] if java else None
    lone = clips["one-by-one-person-detection.gif"]
    checks = [
        (walking["track_ids"] == 2, f"{WALKING_CLIP}: exactly 2 track ids ({walking['track_ids']})"),
        (still["track_ids"] == 4, f"{STILL_CLIP}: exactly 4 track ids ({still['track_ids']})"),
        (lone["track_ids"] == 1, f"one-by-one-person-detection.gif: exactly 1 track id ({lone['track_ids']})"),
        (
            still["jitter_smoothed_px"] <= 0.5 * still["jitter_raw_px"] and walking["lag_frames"] <= 1.0,
            f"classroom jitter at least halved ({still['jitter_raw_px']:.3f} -> {still['jitter_smoothed_px']:.3f} px,"
            f" {still['jitter_raw_px'] / max(still['jitter_smoothed_px'], 1e-9):.2f}x) at <= 1 frame of lag on a"
            f" walking person ({walking['lag_frames']:.2f} frames)",
        ),
        (py_ms < 0.2, f"tracker + filter under 0.2 ms per frame at 5 people in Python ({py_ms:.3f} ms median)"),
        (
            java_ms is not None and java_ms < 0.2,
            "the same in Java (" + (f"{java_ms:.4f} ms median" if java_ms is not None else "not measured") + ")",
        ),
        (video["fps"] >= 10, f"{LONG_CLIP} at >= 10 fps end to end ({video['fps']:.1f} fps, {result['threads']} thr)"),
    ]
    return [("met: " if ok else "**missed**: ") + text for ok, text in checks]


def markdown(result: dict, java: dict | None) -> str:
    video = result["video"][LONG_CLIP]
    lines = [
        f"Tracking, {Path(result['artifact']).name}, {result['threads']} threads; tracker settings from its metadata.",
        "",
        "| clip | frames | people (by eye) | track ids | identity switches | jitter raw (px) | jitter smoothed (px) "
        "| lag (frames) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, c in result["clips"].items():
        lag = f"{c['lag_frames']:.2f}" if "lag_frames" in c else ""
        people = c["true_people"] if c["true_people"] is not None else "one at a time, several visits"
        lines.append(
            f"| {name} | {c['frames']} | {people} | {c['track_ids']} | {c['identity_switches']} "
            f"| {c['jitter_raw_px']:.3f} | {c['jitter_smoothed_px']:.3f} | {lag} |"
        )
    t, raw = result["tracker_ms_5_people"], result["tracker_ms_5_people_no_smoothing"]
    lines += [
        "",
        f"Tracker + One Euro filter at 5 people, Python: {t['median_ms']:.3f} ms median ({t['p90_ms']:.3f} p90; "
        f"{raw['median_ms']:.3f} ms without smoothing)"
        + (f"; Java: {java['median_ms']:.4f} ms median ({java['p90_ms']:.4f} p90, "
           f"{java['bytes_per_update_after_warmup']:.0f} bytes allocated per update)."
           if java else "; Java: not measured."),
        f"`personlab predict` on {LONG_CLIP} (read, model, decoder, tracker, JSON records, overlay video): "
        f"{video['fps']:.1f} frames/s ({video['frames']} frames in {video['seconds']:.1f} s; "
        f"{video['track_ids']} track ids, at most {video['most_people_in_a_frame']} people in a frame).",
        "",
        *[f"- {g}" for g in goals(result, java)],
        "",
        "Grid (the same decoded frames; other settings the artifact's): track ids per clip, classroom jitter"
        " raw / smoothed, lag on the walkers, Python ms per frame at 5 people.",
        "",
        "| settings | " + " | ".join(CLIPS) + " | jitter ratio | lag (frames) | ms |",
        "|---|" + "---|" * (len(CLIPS) + 3),
        *[
            f"| {', '.join(f'{k} {v}' for k, v in row['settings'].items())} | "
            + " | ".join(str(row["track_ids"][name]) for name in CLIPS)
            + f" | {row['jitter_ratio']:.2f}x | {row['lag_frames']:.2f} | {row['median_ms_5_people']:.3f} |"
            for row in result.get("grid", [])
        ],
    ]  # fmt: skip
    return "\n".join(lines) + "\n"
