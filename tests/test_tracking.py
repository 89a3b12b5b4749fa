"""The tracker and the One Euro filter on hand-made tracks (mobile_decoder.tracking)."""

from __future__ import annotations

import numpy as np
import pytest

import mobile_decoder
from mobile_decoder.poses import Person
from mobile_decoder.tracking import OneEuroFilter, Tracker, track_labels
from personlab import spec
from personlab.decoder_config import TrackerConfig

FPS = 10.0
# a standing person, 100 px tall, keypoints in COCO order (y, x) relative to its top centre
BODY = np.array([
    [10, 0], [7, -3], [7, 3], [8, -7], [8, 7], [25, -15], [25, 15], [45, -20], [45, 20],
    [62, -22], [62, 22], [55, -10], [55, 10], [78, -11], [78, 11], [100, -12], [100, 12],
], np.float64)  # fmt: skip


def person(y: float, x: float, score: float = 0.8, confident: int = 17) -> Person:
    scores = np.where(np.arange(17) < confident, score, 0.0)
    return Person(BODY + [y, x], scores, 60.0)


def tracker(**overrides) -> Tracker:
    """The default tracker, but with ids at once (min_hits 1) unless overridden: most tests are about matching."""
    return Tracker.from_metadata(spec.float_metadata(16, (257, 257)), **{"min_hits": 1, **overrides})


def run(frames: list[list[Person]], **overrides) -> list[list[int]]:
    """Track ids per frame, in people order."""
    t = tracker(**overrides)
    return [[track.id for track in t.update(people, i / FPS)] for i, people in enumerate(frames)]


def test_defaults_travel_in_the_metadata():
    meta = spec.float_metadata(16, (65, 97))
    assert mobile_decoder.Settings.from_metadata(meta, section="tracker").to_dict() == TrackerConfig().to_dict()
    with pytest.raises(mobile_decoder.SettingsError, match="tracker"):
        Tracker.from_metadata({k: v for k, v in meta.items() if k != "tracker"})


def test_a_one_frame_ghost_gets_no_id():
    assert TrackerConfig().min_hits == 3
    ghost = [[person(20, 40)], [], [person(20, 40)], [person(150, 200)], [], [person(150, 200)]]
    assert run(ghost, min_hits=3) == [[]] * 6  # never matched in 3 frames in a row
    t = tracker(min_hits=3)
    assert t.update([person(20, 40)], 0.0) == []
    assert [x.id for x in t.update([person(20, 41), person(150, 200)], 0.1)] == []
    assert [x.id for x in t.update([person(20, 42)], 0.2)] == [0]
    both = [person(20, 43), person(150, 200)]
    assert [x.id for x in t.update(both, 0.3)] == [0]  # the ghost's first track died unseen: a new one
    assert [x.id for x in t.update(both, 0.4)] == [0]
    assert [x.id for x in t.update(both, 0.5)] == [0, 1]


def test_a_real_person_gets_id_0_after_min_hits_frames():
    walk = [[person(20, 40 + 3 * i)] for i in range(6)]
    assert run(walk, min_hits=3) == [[], [], [0], [0], [0], [0]]
    second = [[person(20, 40 + 3 * i)] + ([person(150, 200)] if i >= 1 else []) for i in range(6)]
    assert run(second, min_hits=3) == [[], [], [0], [0, 1], [0, 1], [0, 1]]  # ids in order of confirmation


def test_people_keep_their_ids_while_they_move():
    frames = [[person(20, 40 + 4 * i), person(30, 200 - 3 * i)] for i in range(20)]
    assert run(frames) == [[0, 1]] * 20


def test_crossing_people_keep_their_ids():
    """A walks right, B walks left a little lower and weaker; they pass through each other."""
    frames = [[person(20, 30 + 10 * i), person(45, 230 - 10 * i, score=0.6)] for i in range(21)]
    ids = run(frames)
    assert all(sorted(f) == [0, 1] for f in ids)
    t = tracker()
    for i, people in enumerate(frames):
        by_index = {track.index: track.id for track in t.update(people, i / FPS)}
        assert by_index == {0: 0, 1: 1}, f"frame {i}"


def test_a_person_leaving_and_coming_back():
    here, gone = [person(20, 40)], []
    short = [here] * 3 + [gone] * 5 + [here] * 3  # away 0.6 s < max_age_s
    assert run(short, max_age_s=1.0) == [[0]] * 3 + [[]] * 5 + [[0]] * 3
    long = [here] * 3 + [gone] * 15 + [here] * 3  # away 1.6 s: a new track
    assert run(long, max_age_s=1.0) == [[0]] * 3 + [[]] * 15 + [[1]] * 3


def test_an_empty_frame_keeps_the_tracks():
    frames = [[person(20, 40), person(20, 200)], [], [person(20, 42), person(20, 198)]]
    assert run(frames) == [[0, 1], [], [0, 1]]


def test_a_jump_starts_a_new_track():
    frames = [[person(20, 40)], [person(20, 40)], [person(150, 200)]]
    assert run(frames) == [[0], [0], [1]]


def test_people_with_few_keypoints_match_by_box():
    frames = [[person(20, 40 + i, score=1.0, confident=2)] for i in range(5)]  # person score 2/17
    assert run(frames, min_person_score=0.1) == [[0]] * 5
    jump = [[person(20, 40, 1.0, confident=2)], [person(150, 200, 1.0, confident=2)]]
    assert run(jump, min_person_score=0.1) == [[0], [1]]


def test_weak_people_are_not_tracked_and_tracks_are_capped():
    frames = [[person(20, 40), person(20, 200, score=0.05)]]
    tracks = tracker().update(frames[0], 0.0)
    assert [(t.id, t.index) for t in tracks] == [(0, 0)]
    crowd = [person(10, 20 + 30 * j, score=0.9 - 0.01 * j) for j in range(5)]
    assert [t.id for t in tracker(max_tracks=3).update(crowd, 0.0)] == [0, 1, 2]  # the strongest three


def test_a_full_pool_gives_way_to_the_longest_unseen():
    t = tracker(max_tracks=2, max_age_s=10.0)
    assert [x.id for x in t.update([person(20, 40)], 0.0)] == [0]
    assert [x.id for x in t.update([person(20, 200)], 0.1)] == [1]
    assert [x.id for x in t.update([person(150, 120)], 0.2)] == [2]  # replaces track 0
    assert [x.id for x in t.update([person(20, 200), person(150, 120)], 0.3)] == [1, 2]


def test_mask_labels_follow_the_tracks():
    t = tracker()
    people = [person(20, 40), person(20, 200, score=0.05), person(120, 120)]
    tracks = t.update(people, 0.0)
    labels = np.array([[0, 1, 2, -1]])
    assert track_labels(labels, tracks, len(people)).tolist() == [[0, -1, 1, -1]]
    assert [(x.id, x.index) for x in tracks] == [(0, 0), (1, 2)]


def test_one_euro_smooths_a_still_keypoint_and_follows_a_moving_one():
    rng = np.random.default_rng(0)
    f = OneEuroFilter(1, 1, min_cutoff_hz=0.3, beta=3.0, d_cutoff_hz=1.0)
    rows, scale = np.array([0]), np.array([60.0])
    noisy = 100.0 + rng.normal(0, 1.0, (60, 1, 1, 2))
    f.start(rows, noisy[0], 0.0)
    out = np.array([f.step(rows, noisy[i], scale, i / FPS) for i in range(1, 60)])
    assert np.abs(np.diff(out, axis=0)).mean() < 0.3 * np.abs(np.diff(noisy[1:], axis=0)).mean()
    f.start(rows, np.zeros((1, 1, 2)), 0.0)
    walk = [f.step(rows, np.full((1, 1, 2), 30.0 * i), scale, i / FPS)[0, 0, 0] for i in range(1, 30)]
    assert 30.0 * 29 - walk[-1] < 30.0  # under one frame behind at 5 scales per second
    f.start(rows, np.full((1, 1, 2), 5.0), 0.0)
    assert f.step(rows, np.full((1, 1, 2), 5.0), scale, 0.1)[0, 0, 0] == 5.0


def test_smoothing_off_returns_the_raw_keypoints():
    t = tracker(smoothing=False)
    for i in range(5):
        p = person(20, 40 + 5 * i)
        (track,) = t.update([p], i / FPS)
        assert np.array_equal(track.yx, p.yx)
    t = tracker()
    t.update([person(20, 40)], 0.0)
    (track,) = t.update([person(20, 50)], 0.1)
    assert 40 < track.yx[0, 1] < 50
