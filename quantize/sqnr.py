"""Signal-to-quantization-noise ratio per head: how far an artifact's outputs are from the float model's.

SQNR = 10 log10(sum ref^2 / sum (q - ref)^2) in dB, sums over every value of a head on every image,
so one number per head: each head has its own output scale, and the offsets (input pixels) and
the probabilities would drown each other out in a joint figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from personlab import spec


def head_sqnr(pairs: Iterable[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]) -> dict[str, float]:
    """{head: dB} over (reference outputs, quantized outputs) pairs, one pair per image."""
    signal = dict.fromkeys(spec.HEAD_NAMES, 0.0)
    noise = dict.fromkeys(spec.HEAD_NAMES, 0.0)
    for reference, quantized in pairs:
        for name in spec.HEAD_NAMES:
            ref = reference[name].astype(np.float64)
            signal[name] += float(np.sum(ref**2))
            noise[name] += float(np.sum((quantized[name].astype(np.float64) - ref) ** 2))
    return {name: 10 * math.log10(signal[name] / noise[name]) if noise[name] else math.inf for name in spec.HEAD_NAMES}


def measure(reference, quantized, images: np.ndarray) -> dict[str, float]:
    """SQNR of predictor `quantized` against predictor `reference` (inference.Predictor) on letterboxed images."""
    return head_sqnr((reference(image), quantized(image)) for image in images)
