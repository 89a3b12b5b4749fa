"""`personlab evaluate --model x.tflite` runs the same network as the checkpoint: the float32 artifact,
run by the lightweight runtime, gives the Keras outputs head by head on a real image."""

import numpy as np

from export import exporter
from personlab import geometry, inference
from personlab.checkpoint import SHIPPED as SHIPPED_CHECKPOINT
from personlab.runtime import LiteRTPredictor

HW = (129, 161)


def test_tflite_and_checkpoint_predictors_agree(tmp_path, val_sample):
    (path,) = exporter.export(SHIPPED_CHECKPOINT, exporter.parse_formats("float32"), HW, tmp_path)
    keras_predictor = inference.load_predictor(SHIPPED_CHECKPOINT, HW)
    tflite_predictor = inference.load_predictor(path)
    assert isinstance(tflite_predictor, LiteRTPredictor)
    assert tflite_predictor.input_hw == HW and tflite_predictor.stride == keras_predictor.stride
    _, image = geometry.letterboxed(val_sample.image, HW)
    want, got = keras_predictor(image), tflite_predictor(image)
    assert set(got) == set(want)
    for head, value in want.items():
        value_range = float(value.max() - value.min())
        assert value_range > 0.1, head
        np.testing.assert_allclose(got[head], value, atol=1e-4 * max(value_range, 1.0), err_msg=head)
