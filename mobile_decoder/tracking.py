"""People across video frames: stable track ids and One Euro smoothed keypoints, NumPy only.

Each frame, the decoded people (strongest first) continue live tracks greedily: a person takes the
unclaimed track it resembles most, by OKS (the metadata's COCO sigmas) over the keypoints confident
in both, or by box IoU when they share fewer than `min_keypoints`; a similarity under
`min_similarity` starts a new track instead. A new track is tentative (no id, not returned) until it
has been matched in `min_hits` frames in a row, so that one-frame false detections never take an id;
a tentative track ends at its first miss, a confirmed one after `max_age_s` unseen. The state lives in
fixed arrays of `max_tracks` slots, one vectorised pass per frame, which the Java core
(android_demo/core Tracker.java) mirrors step by step (tests: golden parity).

    tracker = Tracker.from_metadata(metadata)        # the artifact's "tracker" settings
    tracks = tracker.update(people, time_seconds)   # one Track per tracked person, in people order
    labels = track_labels(labels, tracks)            # mask-grid labels -> positions in tracks
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
        self.value = np.zeros((rows, k, 2))
        self.speed = np.zeros((rows, k, 2))
        self.time = np.zeros(rows)

    def start(self, rows: np.ndarray, yx: np.ndarray, t: float) -> None:
        self.value[rows], self.speed[rows], self.time[rows] = yx, 0.0, t

    def step(self, rows: np.ndarray, yx: np.ndarray, scale: np.ndarray, t: float) -> np.ndarray:
        """Filter one new sample per row (yx (n, K, 2), scale (n,)) taken at time t; the filtered values."""
        dt = np.maximum(t - self.time[rows], 1e-6)[:, None, None]
        prev = self.value[rows]
        speed = self.speed[rows]
        speed += smoothing_factor(self.d_cutoff, dt) * ((yx - prev) / dt - speed)
        cutoff = self.min_cutoff + self.beta * np.abs(speed) / scale[:, None, None]
        value = prev + smoothing_factor(cutoff, dt) * (yx - prev)
        self.value[rows], self.speed[rows], self.time[rows] = value, speed, t
        return value


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
        self.ids = np.full(m, _FREE)  # the track id, _FREE or _TENTATIVE
        self.hits = np.zeros(m, np.int64)  # frames in a row a tentative track has been matched
        self.yx = np.zeros((m, k, 2))  # the raw keypoints of each track's last person
        self.confident = np.zeros((m, k), bool)
        self.last_seen = np.zeros(m)
        self.filter = OneEuroFilter(m, k, cfg.min_cutoff_hz, cfg.beta, cfg.d_cutoff_hz)
        self.next_id = 0
        self.time = -math.inf  # of the last update

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any], **overrides: Any) -> Tracker:
        """The artifact's tracker settings (its metadata's "tracker" object) and OKS sigmas."""
        return cls(
            Settings.from_metadata(metadata, section="tracker", **overrides), Layout.from_metadata(metadata).sigmas
        )

    def similarity(self, yx: np.ndarray, confident: np.ndarray, scale: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """(P, T) OKS of people against the tracks in slots, box IoU where they share few confident keypoints."""
        both = confident[:, None, :] & self.confident[slots][None, :, :]
        shared = both.sum(axis=-1)
        d2 = ((yx[:, None] - self.yx[slots][None]) ** 2).sum(axis=-1)
        area = np.maximum(scale, 1.0) ** 2
        oks = (np.exp(-d2 / (area[:, None, None] * self.tolerance)) * both).sum(axis=-1) / np.maximum(shared, 1)
        if (shared >= self.cfg.min_keypoints).all():
            return oks
        iou = box_iou(boxes(yx, confident), boxes(self.yx[slots], self.confident[slots]))
        return np.where(shared >= self.cfg.min_keypoints, oks, iou)

    def update(self, people: Sequence[Person], t: float) -> list[Track]:
        """Track the people of the frame at time t (seconds); the tracked ones, in the order of `people`.

        People scoring under min_person_score are not tracked (nor returned), nor are the people of
        tentative tracks; with more people than free slots, the weakest stay untracked.
        """
        cfg = self.cfg
        missed = (self.ids == _TENTATIVE) & (self.last_seen < self.time)
        self.ids[missed | ((self.ids != _FREE) & (t - self.last_seen > cfg.max_age_s))] = _FREE
        self.time = t
        if not people:
            return []
        all_scores = np.stack([p.scores for p in people])
        score = all_scores.mean(axis=1)  # Person.score of each, in one call
        strong = np.flatnonzero(score >= cfg.min_person_score)
        chosen = strong[np.argsort(-score[strong], kind="stable")].tolist()  # strongest first
        if not chosen:
            return []
        yx = np.stack([people[i].yx for i in chosen]).astype(np.float64)
        scores = all_scores[chosen]
        scale = np.array([people[i].scale for i in chosen], np.float64)
        confident = scores > cfg.keypoint_floor
        live = np.flatnonzero(self.ids != _FREE)
        sim = self.similarity(yx, confident, scale, live).tolist() if len(live) else [[] for _ in chosen]
        taken = [False] * len(live)
        slot_of = [_FREE] * len(chosen)
        for p, row in enumerate(sim):
            best, best_sim = _FREE, cfg.min_similarity
            for j, s in enumerate(row):
                if not taken[j] and s >= best_sim and (best == _FREE or s > best_sim):
                    best, best_sim = j, s
            if best != _FREE:
                taken[best] = True
                slot_of[p] = int(live[best])
        matched = [p for p in range(len(chosen)) if slot_of[p] != _FREE]
        self.last_seen[[slot_of[p] for p in matched]] = t  # not to be given away below
        new = [p for p in range(len(chosen)) if slot_of[p] == _FREE]
        for p in new:
            slot = self.free_slot(t)
            if slot == _FREE:
                break
            slot_of[p] = slot
            self.ids[slot], self.hits[slot], self.last_seen[slot] = _TENTATIVE, 0, t
        new = [p for p in new if slot_of[p] != _FREE]
        for p in range(len(chosen)):  # strongest first: the order ids are handed out in
            slot = slot_of[p]
            if slot != _FREE and self.ids[slot] == _TENTATIVE:
                self.hits[slot] += 1
                if self.hits[slot] >= cfg.min_hits:
                    self.ids[slot] = self.next_id
                    self.next_id += 1
        smoothed = yx.copy()
        if matched and cfg.smoothing:
            rows = np.array([slot_of[p] for p in matched])
            smoothed[matched] = self.filter.step(rows, yx[matched], scale[matched], t)
        if new:
            self.filter.start(np.array([slot_of[p] for p in new]), yx[new], t)
        tracked = [p for p in range(len(chosen)) if slot_of[p] != _FREE]
        rows = np.array([slot_of[p] for p in tracked])
        self.yx[rows], self.confident[rows] = yx[tracked], confident[tracked]
        out = [
            Track(int(self.ids[slot_of[p]]), chosen[p], smoothed[p], scores[p], float(scale[p]))
            for p in tracked
            if self.ids[slot_of[p]] >= 0
        ]
        out.sort(key=lambda track: track.index)
        return out

    def free_slot(self, t: float) -> int:
        """A free slot, else the one unseen longest (not seen at t); -1 when every track is in this frame."""
        free = np.flatnonzero(self.ids == _FREE)
        if len(free):
            return int(free[0])
        older = np.flatnonzero(self.last_seen < t)
        return int(older[np.argmin(self.last_seen[older])]) if len(older) else _FREE

    def reset(self) -> None:
        """Forget every track (a new video); ids start again from 0."""
        self.ids[:] = _FREE
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
