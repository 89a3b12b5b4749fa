"""Initial weights: ImageNet backbones (Keras .h5) or Google's BodyPix 2.0 (whole network)."""

from __future__ import annotations

from pathlib import Path

import h5py
import keras
import numpy as np

from personlab import bodypix
from personlab.data import WEIGHTS_DIR
from personlab.model import ModelConfig

INITS = ("bodypix", "imagenet", "random")
IMAGENET_FILES = {
    ("mobilenet_v1", 1.0): "keras/mobilenet_1_0_224_tf_no_top.h5",
    ("mobilenet_v2", 0.35): "keras/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top.h5",
}
BODYPIX_FILES = {
    0.5: "bodypix_tfjs/mobilenet_float_050/model-stride16.json",
    0.75: "bodypix_tfjs/mobilenet_quant2_075/model-stride16.json",
}


def load_h5_by_name(model: keras.Model, path: Path | str) -> tuple[list[str], list[str]]:
    """Copy weights from a Keras-applications .h5 into same-named layers of matching shapes.

    Returns (loaded, skipped-for-shape) layer names; shapes differ where our trunk departs from the
    classifier (MobileNetV1 layers 12-13 keep stride 16 and width, as in BodyPix).
    """
    loaded, skipped = [], []
    with h5py.File(path, "r") as f:
        for name in [n.decode() if isinstance(n, bytes) else n for n in f.attrs["layer_names"]]:
            group = f[name]
            names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
            if not names:
                continue
            try:
                layer = model.get_layer(name)
            except ValueError:  # the classifier's layers past our trunk
                continue
            values = [np.asarray(group[n]) for n in names]
            if [v.shape for v in values] != [tuple(w.shape) for w in layer.weights]:
                skipped.append(name)
                continue
            layer.set_weights(values)
            loaded.append(name)
    return loaded, skipped


def initialize(model: keras.Model, config: ModelConfig, init: str, weights_dir: Path = WEIGHTS_DIR) -> str:
    """Load the chosen initial weights into `model`; returns a one-line description."""
    if init == "random":
        return "random initialisation"
    if init == "bodypix":
        if config.backbone != "mobilenet_v1" or config.alpha not in BODYPIX_FILES:
            raise ValueError(f"BodyPix weights exist for mobilenet_v1 alpha {sorted(BODYPIX_FILES)}, not {config.tag}")
        path = weights_dir / BODYPIX_FILES[config.alpha]
        _, weights = bodypix.read_tfjs(path)
        bodypix.load_into(model, weights)
        return f"BodyPix 2.0 weights from {path}"
    if init == "imagenet":
        key = (config.backbone, config.alpha)
        if key not in IMAGENET_FILES:
            raise ValueError(f"ImageNet weights exist for {sorted(IMAGENET_FILES)}, not {config.tag}")
        path = weights_dir / IMAGENET_FILES[key]
        if not path.is_file():
            raise FileNotFoundError(f"ImageNet weights not found: {path} (set WEIGHTS_DIR)")
        loaded, skipped = load_h5_by_name(model, path)
        return (
            f"ImageNet weights from {path}: {len(loaded)} layers loaded, {len(skipped)} skipped ({', '.join(skipped)})"
        )
    raise ValueError(f"init must be one of {INITS}, got {init!r}")
