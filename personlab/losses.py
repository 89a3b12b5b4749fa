"""PersonLab losses, one per head, each a weighted mean over where its target applies.

Keras hands a loss (y_true, y_pred); y_true packs the target and its weight map along the
channel axis (see pack_targets), so the masks of targets.encode reach the loss unchanged.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from personlab import spec

DEFAULT_LOSS_WEIGHTS = {
    "heatmaps": 4.0,
    "short_offsets": 1.0,
    "mid_offsets": 0.4,
    "segmentation": 2.0,
    "long_offsets": 1.0,
}
_EPS = 1e-6


def pack_targets(encoded: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """{head: target ++ weight} along channels, the y_true each head's loss expects."""
    return {h: np.concatenate([encoded[h], encoded[h + "_weight"]], axis=-1) for h in spec.HEAD_NAMES}


def _weighted_mean(values, weights):
    weights = tf.broadcast_to(weights, tf.shape(values))
    return tf.reduce_sum(values * weights) / tf.maximum(tf.reduce_sum(weights), 1.0)


def binary_crossentropy(y_true, y_pred):
    """Pixel-wise BCE on probabilities, averaged over non-ignored pixels."""
    channels = y_pred.shape[-1]
    target, weight = y_true[..., :channels], y_true[..., channels:]
    p = tf.clip_by_value(y_pred, _EPS, 1.0 - _EPS)
    bce = -(target * tf.math.log(p) + (1.0 - target) * tf.math.log(1.0 - p))
    return _weighted_mean(bce, weight)


def offset_l1(y_true, y_pred):
    """L1 in units of the disk radius, averaged over the pixels where the offset is defined."""
    channels = y_pred.shape[-1]
    target, weight = y_true[..., :channels], y_true[..., channels:]
    weight = tf.concat([weight, weight], axis=-1)  # y-planar: the same weight for y and x
    return _weighted_mean(tf.abs(y_pred - target) / spec.DISK_RADIUS, weight)


LOSSES = {h.name: binary_crossentropy if h.kind == "probability" else offset_l1 for h in spec.HEADS}


def distillation(head: str, y_true, y_pred, teacher):
    """The head's own loss towards the teacher's output, where the head's labels carry no weight.

    Heatmaps of people with a mask but no keypoint labels, offsets to unlabelled keypoints and
    crowd regions get the teacher's answer instead of no signal.
    """
    channels = y_pred.shape[-1]
    absent = 1.0 - y_true[..., channels:]
    return LOSSES[head](tf.concat([tf.stop_gradient(teacher), absent], axis=-1), y_pred)
