"""`personlab evaluate --model x.tflite` runs the same network as the checkpoint: a float32 TFLite
conversion of the shipped checkpoint gives the Keras outputs head by head on a real image."""

from pathlib import Path

import numpy as np
import tensorflow as tf

from personlab import checkpoint, inference

CHECKPOINT = Path(__file__).parents[1] / "checkpoints/personlab_mobilenet_v1_050.json"
HW = (129, 161)


def test_tflite_and_checkpoint_predictors_agree(tmp_path, val_sample):
    model, _ = checkpoint.load(CHECKPOINT, input_hw=HW)
    path = tmp_path / "model.tflite"
    path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    keras_predictor = inference.load_predictor(CHECKPOINT, HW)
    tflite_predictor = inference.load_predictor(path)
    assert tflite_predictor.input_hw == HW and tflite_predictor.stride == keras_predictor.stride
    _, want = inference.letterboxed(keras_predictor, val_sample.image)
    _, got = inference.letterboxed(tflite_predictor, val_sample.image)
    assert set(got) == set(want)
    for head, value in want.items():
        value_range = float(value.max() - value.min())
        assert value_range > 0.1, head
        np.testing.assert_allclose(got[head], value, atol=1e-4 * max(value_range, 1.0), err_msg=head)
