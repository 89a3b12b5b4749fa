"""The decoder and tracker parameters, shared by the float reference (personlab.decoder) and mobile_decoder.

One set of numbers for both, so the parity tests compare algorithms, not settings. The defaults
travel in every artifact's metadata ("decoder", `to_dict`); the on-device decoders (mobile_decoder
and the Java core) read them from there, so this module is their only source.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class DecoderConfig:
    """Decoder parameters; lengths are in input pixels unless stated otherwise.

    nms_radius and refine_steps follow the paper; the rest were set on the oracle (ground-truth
    targets decoded as model outputs, tests/test_decoder.py), where most barely matter.
    """

    heatmap_floor: float = 0.01  # grid points with a lower keypoint probability cast no vote (speed only)
    vote_stride: int = 2  # cell of the Hough score maps: 1 is 4x slower, the centroid keeps sub-pixel accuracy
    vote_sigma: float = 2.0  # Gaussian smoothing of the score maps (peak-1 kernel: score = nearby vote mass)
    peak_threshold: float = 0.05  # minimum smoothed score (~ fraction of a full disk of votes) of a candidate
    centroid_steps: int = 3  # mobile decoders: box-centroid steps from a sparse 4-px peak cell towards the vote mode
    max_candidates: int = 500
    nms_radius: float = 10.0  # a keypoint this close to a claimed one of the same type is a duplicate
    refine_steps: int = 2  # short-offset refinements after each mid-offset step of the tree
    min_scale: float = 16.0  # floor of a person's scale sqrt(area), for people with few keypoints
    keypoint_floor: float = 0.1  # keypoints scoring above this are "confident": scale, box, mask association
    min_person_score: float = 0.02  # people scoring less are dropped (a person with one sure keypoint scores 0.06)
    max_people: int = 30
    long_range_recovery: bool = True  # re-predict keypoints the tree missed from the long-range offsets
    mask_stride: int = 2  # cell of the instance-mask assignment (4: ~25% faster, 0.02 lower oracle mask AP)
    seg_threshold: float = 0.5
    mask_refine_steps: int = 1  # short-offset refinements of each pixel's long-range predictions
    mask_distance: float = 0.5  # max mean keypoint distance, relative to the person's scale, to join a person
    mask_min_score: float = 0.1  # people scoring less get no mask pixels (duplicates would steal them)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


DEFAULT_CONFIG = DecoderConfig()


@dataclass(frozen=True)
class TrackerConfig:
    """Video tracking and keypoint smoothing (mobile_decoder.tracking and the Java core's Tracker).

    Travels in every artifact's metadata ("tracker"). Chosen on the clips of ../shared/videos (never
    on COCO val) with the shipped full-int8 artifact, `make track-bench` (reports/bench/tracking.md):
    the walking pair, the four seated people and the lone walker of the GIFs get exactly 2, 4 and 1
    ids at min_similarity 0.05, 0.2 and 0.3 (0.5 splits the walker entering the frame: 3 ids).
    Smoothing, classroom jitter raw / smoothed and lag on the walking pair (frames), over a grid of
    min_cutoff_hz x beta: 1.0 x 1.0 2.78x / 0.75; 0.5 x 3 3.06x / 0.60; 0.3 x 3 3.40x / 0.60 (chosen);
    0.3 x 10 2.55x / 0.35; 0.3 x 0 (a plain low-pass) 6.0x / >= 4 frames (the lag search's limit).
    False detections (1-3 frames, person score 0.10-0.19) took 13 of the mp4's 24 ids and split 5 visits;
    ids on the mp4 over min_person_score x min_hits (the GIFs keep 2, 4 and 1 ids, jitter 3.3-3.4x,
    lag 0.60, ~0.09 ms throughout): 0.1 x 1 24, x 2 12, x 3 11, x 4 8; 0.15 x 1 7, x 2 7, x 3 6 (chosen:
    its 6 visits, one id each), x 4 6; 0.2 the same as 0.15.
    """

    min_person_score: float = 0.15  # weaker people (duplicates, false detections) are not tracked
    keypoint_floor: float = 0.1  # keypoints scoring above this take part in the similarity
    min_keypoints: int = 3  # fewer confident keypoints shared with a track: box IoU instead of OKS
    min_similarity: float = 0.2  # OKS (or IoU) below this never continues a track
    min_hits: int = 3  # frames in a row a new track is matched before it gets an id (tentative till then)
    max_age_s: float = 1.0  # a track unseen this long ends; its person comes back with a new id
    max_tracks: int = 18  # live tracks at most; the longest unseen gives way to a new person
    smoothing: bool = True  # One Euro filter per keypoint coordinate (video only; still images are raw)
    min_cutoff_hz: float = 0.3  # cutoff of a still keypoint: lower is smoother
    beta: float = 3.0  # cutoff rise per (person scales per second) of keypoint speed: higher lags less
    d_cutoff_hz: float = 1.0  # cutoff of the speed estimate

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
