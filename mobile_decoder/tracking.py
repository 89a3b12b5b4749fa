"""People across video frames: stable track ids and One Euro smoothed keypoints, NumPy only.

Each frame, the decoded people (strongest first) continue live tracks greedily: a person takes the
unclaimed track it resembles most, by OKS (the metadata's COCO sigmas) over the keypoints confident
in both, or by box IoU when they share fewer than `min_keypoints`; a similarity under
`min_similarity` starts a new track instead. A new track is tentative (no id, not returned) until it
has been matched in `min_hits` frames in a row, so that one-frame false detections never take an id;
a tentative track ends at its first miss, a confirmed one after `max_age_s` unseen. The state lives in
`max_tracks` slots (ids, hits and times in lists, read one at a time; keypoints in fixed arrays), the
similarity and the filter one vectorised pass each per frame, which the Java core
(android_demo/core Tracker.java) mirrors step by step (tests: golden parity).

    tracker = Tracker.from_metadata(metadata)        # the artifact's "tracker" settings
    tracks = tracker.update(people, time_seconds)   # one Track per tracked person, in people order
    labels = track_labels(labels, tracks, len(people))  # mask-grid labels -> positions in tracks
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np

from mobile_decoder.heads import Layout
from mobile_decoder.poses import Person
from mobile_decoder.settings import Settings

_FREE = -1
_TENTATIVE = -2  # a live track without an id yet


@dataclass(frozen=True)
class Track:
    """A tracked person of one frame."""

    id: int  # stable across frames, from 0 in order of confirmation
    index: int  # position of its person in the list given to update()
    yx: np.ndarray  # (K, 2) smoothed keypoints, input pixels (the raw ones when smoothing is off)
    scores: np.ndarray  # (K,) the person's keypoint scores this frame
    scale: float


def smoothing_factor(cutoff_hz: np.ndarray | float, dt: np.ndarray | float) -> np.ndarray | float:
    """Weight of the new sample in an exponential low-pass of this cutoff at sampling interval dt."""
    return 1.0 / (1.0 + 1.0 / (2.0 * math.pi * cutoff_hz * dt))


class OneEuroFilter:
    """One Euro filter (Casiez et al. 2012) over rows of (N, K, 2) keypoints.

    An exponential low-pass whose cutoff rises with the (low-passed) speed: still keypoints are
    smoothed hard, moving ones follow with little lag. Speed is measured in person scales per
    second, so the setting fits people near and far alike.
    """

    def __init__(self, rows: int, k: int, min_cutoff_hz: float, beta: float, d_cutoff_hz: float):
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff_hz, beta, d_cutoff_hz
        self.state = np.zeros((rows, 2, k, 2))  # value and speed of each row: one gather and one scatter a step
        self.value, self.speed = self.state[:, 0], self.state[:, 1]
        self.time = np.zeros(rows)

    def start(self, rows: np.ndarray, yx: np.ndarray, t: float) -> None:
        self.value[rows], self.speed[rows], self.time[rows] = yx, 0.0, t

    def step(self, rows: np.ndarray, yx: np.ndarray, scale: np.ndarray, t: float) -> np.ndarray:
        """Filter one new sample per row (yx (n, K, 2), scale (n,)) taken at time t; the filtered values."""
        dt = np.maximum(t - self.time.take(rows), 1e-6)
        speed_weight = smoothing_factor(self.d_cutoff, dt)[:, None, None]
        dt = dt[:, None, None]
        state = self.state.take(rows, axis=0)
        prev, speed = state[:, 0], state[:, 1]  # both updated in place: prev becomes the filtered value
        change = yx - prev
        speed += speed_weight * (change / dt - speed)
        cutoff = self.min_cutoff + self.beta * np.abs(speed) / scale[:, None, None]
        prev += smoothing_factor(cutoff, dt) * change
        self.state[rows] = state
        self.time.put(rows, t)
        return prev


def boxes(yx: np.ndarray, confident: np.ndarray) -> np.ndarray:
    """(N, 4) y0, x0, y1, x1 around each person's confident keypoints (all of them when fewer than 2)."""
    use = np.where((confident.sum(axis=1) >= 2)[:, None], confident, True)[..., None]
    return np.concatenate([np.where(use, yx, np.inf).min(axis=1), np.where(use, yx, -np.inf).max(axis=1)], axis=1)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M) IoU of (N, 4) and (M, 4) boxes (y0, x0, y1, x1)."""
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.maximum(hi - lo, 0.0), axis=-1)
    area_a, area_b = np.prod(a[:, 2:] - a[:, :2], axis=1), np.prod(b[:, 2:] - b[:, :2], axis=1)
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


class Tracker:
    """Stable ids and smoothed keypoints for the people of consecutive frames (one video stream)."""

    def __init__(self, cfg: Settings, sigmas: np.ndarray):
        self.cfg = cfg
        k = len(sigmas)
        self.tolerance = 2.0 * (2.0 * np.asarray(sigmas, np.float64)) ** 2  # OKS: exp(-d2 / (area * this))
        m = cfg.max_tracks
        # per-slot scalars in lists: update() reads and writes them one at a time
        self.ids = [_FREE] * m  # the track id, _FREE or _TENTATIVE
        self.hits = [0] * m  # frames in a row a tentative track has been matched
        self.last_seen = [0.0] * m
        self.yx = np.zeros((m, k, 2))  # the raw keypoints of each track's last person
        self.confident = np.zeros((m, k), bool)
        self.filter = OneEuroFilter(m, k, cfg.min_cutoff_hz, cfg.beta, cfg.d_cutoff_hz)
        self.next_id = 0
        self.time = -math.inf  # of the last update

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any], **overrides: Any) -> Tracker:
        """The artifact's tracker settings (its metadata's "tracker" object) and OKS sigmas."""
        return cls(
            Settings.from_metadata(metadata, section="tracker", **overrides), Layout.from_metadata(metadata).sigmas
        )

    def similarity(
        self, yx: np.ndarray, confident: np.ndarray, scale: np.ndarray, slots: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        """(P, T) OKS of people against the tracks in slots, box IoU where they share few confident keypoints."""
        track_yx, track_confident = self.yx.take(slots, axis=0), self.confident.take(slots, axis=0)
        both = (confident[:, None, :] & track_confident).astype(np.float64)  # float: cheaper to sum and multiply
        shared = np.add.reduce(both, axis=-1)
        d2 = yx[:, None] - track_yx
        d2 *= d2
        d2 = d2[..., 0] + d2[..., 1]
        neg_area = np.maximum(scale, 1.0)
        neg_area *= -neg_area
        d2 /= neg_area[:, None, None] * self.tolerance  # = -d2 / (area * tolerance), one negation fewer
        oks = np.exp(d2, out=d2)
        oks *= both
        oks = np.add.reduce(oks, axis=-1) / np.maximum(shared, 1.0)
        few = shared < self.cfg.min_keypoints
        if not np.count_nonzero(few):
            return oks
        iou = box_iou(boxes(yx, confident), boxes(track_yx, track_confident))
        return np.where(few, iou, oks)

    def update(self, people: Sequence[Person], t: float) -> list[Track]:
        """Track the people of the frame at time t (seconds); the tracked ones, in the order of `people`.

        People scoring under min_person_score are not tracked (nor returned), nor are the people of
        tentative tracks; with more people than free slots, the weakest stay untracked.
        """
        cfg = self.cfg.to_dict()  # a dict: reading a Settings attribute costs a failed lookup and a call
        ids, hits, last_seen = self.ids, self.hits, self.last_seen
        t, before, max_age = float(t), self.time, cfg["max_age_s"]  # float: as a float64 array would store it
        live = []  # the slots of the tracks that go on
        for slot, track_id in enumerate(ids):
            if track_id == _FREE:
                continue
            if (track_id == _TENTATIVE and last_seen[slot] < before) or t - last_seen[slot] > max_age:
                ids[slot] = _FREE
            else:
                live.append(slot)
        self.time = t
        if not people:
            return []
        all_scores = np.array([p.scores for p in people])
        score = np.add.reduce(all_scores, axis=1) / all_scores.shape[1]  # Person.score (the mean) of each
        strong, by_score = (score >= cfg["min_person_score"]).tolist(), score.tolist()
        chosen = sorted([i for i, ok in enumerate(strong) if ok], key=by_score.__getitem__, reverse=True)  # stable
        if not chosen:
            return []
        yx = np.array([people[i].yx for i in chosen], np.float64)
        scales = [float(people[i].scale) for i in chosen]
        scale = np.array(scales)
        confident = all_scores.take(chosen, axis=0) > cfg["keypoint_floor"]
        slot_of = [_FREE] * len(chosen)
        if live:
            taken, min_similarity = [False] * len(live), cfg["min_similarity"]
            for p, row in enumerate(self.similarity(yx, confident, scale, live).tolist()):
                best, best_sim = _FREE, min_similarity
                for j, s in enumerate(row):
                    if not taken[j] and s >= best_sim and (best == _FREE or s > best_sim):
                        best, best_sim = j, s
                if best != _FREE:
                    taken[best] = True
                    slot_of[p] = live[best]
                    last_seen[live[best]] = t  # not to be given away below
        new = []
        for p, slot in enumerate(slot_of):
            if slot == _FREE:
                slot = self.free_slot(t)
                if slot == _FREE:
                    break
                slot_of[p] = slot
                ids[slot], hits[slot], last_seen[slot] = _TENTATIVE, 0, t
                new.append(p)
        min_hits = cfg["min_hits"]
        for slot in slot_of:  # strongest first: the order ids are handed out in
            if slot != _FREE and ids[slot] == _TENTATIVE:
                hits[slot] += 1
                if hits[slot] >= min_hits:
                    ids[slot] = self.next_id
                    self.next_id += 1
        tracked = [p for p, slot in enumerate(slot_of) if slot != _FREE]
        if len(tracked) < len(chosen):  # the weakest found no slot
            yx, scale, confident = yx[tracked], scale[tracked], confident[tracked]
            new = [tracked.index(p) for p in new]
            chosen, slot_of, scales = [chosen[p] for p in tracked], [slot_of[p] for p in tracked], scale.tolist()
        rows = np.array(slot_of, np.intp)
        smoothed = yx
        if cfg["smoothing"] and len(new) < len(chosen):
            if new:
                matched = [p for p in range(len(chosen)) if p not in new]
                smoothed = yx.copy()
                smoothed[matched] = self.filter.step(rows[matched], yx[matched], scale[matched], t)
            else:
                smoothed = self.filter.step(rows, yx, scale, t)
        if new:
            self.filter.start(rows[new], yx[new], t)
        self.yx[rows], self.confident[rows] = yx, confident
        out = [
            Track(ids[slot], index, smoothed[p], all_scores[index], scale_p)
            for p, (slot, index, scale_p) in enumerate(zip(slot_of, chosen, scales, strict=True))
            if ids[slot] >= 0
        ]
        out.sort(key=attrgetter("index"))
        return out

    def free_slot(self, t: float) -> int:
        """A free slot, else the one unseen longest (not seen at t); -1 when every track is in this frame."""
        if _FREE in self.ids:
            return self.ids.index(_FREE)
        older = [slot for slot, seen in enumerate(self.last_seen) if seen < t]
        return min(older, key=self.last_seen.__getitem__) if older else _FREE

    def reset(self) -> None:
        """Forget every track (a new video); ids start again from 0."""
        self.ids[:] = [_FREE] * len(self.ids)
        self.next_id = 0
        self.time = -math.inf


def track_labels(labels: np.ndarray, tracks: Sequence[Track], people: int) -> np.ndarray:
    """Mask-grid labels of decode() (person indices) -> positions in `tracks` (-1: nobody or untracked).

    `people` is the length of the list decode() returned; with the tracks' ids these positions give
    each mask the colour of its track.
    """
    lut = np.full(people + 1, -1, np.intp)  # the last entry serves label -1
    for position, track in enumerate(tracks):
        lut[track.index] = position
    return lut[labels]
