"""The BodyPix importer is exact: our Keras model with imported weights reproduces BodyPix's own
graph (run by TensorFlow from its model.json) on a real image, at both strides."""

import numpy as np
import pytest

from personlab import bodypix, geometry, spec, targets
from personlab.data import WEIGHTS_DIR

FLOAT_050 = WEIGHTS_DIR / "bodypix_tfjs/mobilenet_float_050"
QUANT_075 = WEIGHTS_DIR / "bodypix_tfjs/mobilenet_quant2_075"


def _letterboxed(sample, hw):
    return geometry.letterboxed(sample.image, hw)[1].astype(np.float32)


@pytest.mark.parametrize(
    ("model_dir", "stride"), [(FLOAT_050, 16), (FLOAT_050, 8), (QUANT_075, 16)], ids=["050-s16", "050-s8", "075-s16"]
)
def test_imported_model_reproduces_bodypix_graph(val_sample, model_dir, stride):
    hw = (257, 353)
    image = _letterboxed(val_sample, hw)
    model_json = model_dir / f"model-stride{stride}.json"
    ours = bodypix.build_from_bodypix(model_json, stride=stride)(image[None], training=False)
    reference = bodypix.run_graph(model_json, image[None])
    for head in spec.HEADS:
        got, want = np.asarray(ours[head.name]), reference[head.name]
        assert got.shape == want.shape == (1, *spec.grid_shape(*hw, stride), head.channels)
        value_range = float(want.max() - want.min())
        assert value_range > 0.5, head.name  # a real signal, not a constant map
        # float32 accumulation-order differences only: 1e-5 of the head's range
        assert np.abs(got - want).max() <= 1e-5 * max(value_range, 1.0) + 1e-5, head.name


def _swap_yx(a):
    n = a.shape[-1] // 2
    return np.concatenate([a[..., n:], a[..., :n]], axis=-1)


def _interleave_fwd_bwd(a):
    """[fwd y, bwd y, fwd x, bwd x] read as if it were [fwd y, fwd x, bwd y, bwd x]."""
    e = spec.NUM_EDGES
    return np.concatenate([a[..., :e], a[..., 2 * e : 3 * e], a[..., e : 2 * e], a[..., 3 * e :]], axis=-1)


def test_imported_offsets_mean_what_our_spec_says(val_dataset):
    """Layouts, not just numbers: the imported heads agree with our ground-truth targets clearly
    better than they would in any other channel order."""
    hw = (513, 513)
    model = bodypix.build_from_bodypix(FLOAT_050 / "model-stride16.json")
    layouts = {"spec": lambda a: a, "swapped y/x": _swap_yx, "fwd/bwd interleaved": _interleave_fwd_bwd}
    errors = {(h, name): [] for h in ("short_offsets", "mid_offsets", "long_offsets") for name in layouts}
    for image_id in val_dataset.image_ids[:12]:
        sample = val_dataset.sample(image_id)
        image, t = targets.encode_sample(sample, geometry.letterbox(sample.image.shape[:2], hw), hw, 16)
        out = model(image[None].astype(np.float32), training=False)
        for head, name in errors:
            w = np.concatenate([t[head + "_weight"]] * 2, axis=-1)
            pred = layouts[name](np.asarray(out[head])[0])
            errors[head, name].append(float((np.abs(pred - t[head]) * w).sum() / max(w.sum(), 1)))
    mean = {k: float(np.mean(v)) for k, v in errors.items()}
    # Measured: short 6.5 px (y/x swapped 16.5), mid 18.5 (swapped 38.5, fwd/bwd interleaved 26.3),
    # long 32.3 (swapped 58.5).
    assert mean["short_offsets", "spec"] < 10.0, mean
    for head in ("short_offsets", "mid_offsets", "long_offsets"):
        assert mean[head, "spec"] < 0.8 * mean[head, "swapped y/x"], mean
    assert mean["mid_offsets", "spec"] < 0.85 * mean["mid_offsets", "fwd/bwd interleaved"], mean
