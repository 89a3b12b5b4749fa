"""Training smoke test on a few real images: the loss falls, checkpoints and the log are written,
and a checkpoint reloads into the same network."""

import csv

import numpy as np

from personlab import checkpoint
from personlab.model import ModelConfig
from personlab.train import TrainConfig, train


def test_loss_falls_on_a_few_real_images(tmp_path):
    config = TrainConfig(
        model=ModelConfig("mobilenet_v2", 0.35),
        init="imagenet",
        split="val",
        input_size=193,
        epochs=6,
        batch_size=4,
        steps_per_epoch=4,
        learning_rate=2e-3,
        max_images=4,
    )
    final = train(config, tmp_path)
    with open(tmp_path / "losses.csv") as f:
        losses = [float(row["loss"]) for row in csv.DictReader(f)]
    assert len(losses) == 6
    assert losses[-1] < 0.8 * losses[0], losses
    model, loaded_config = checkpoint.load(final)
    assert loaded_config == config.model
    info = checkpoint.read_info(final)
    assert info["epoch"] == 6 and info["weights_sha256"] == checkpoint.sha256(tmp_path / "checkpoint.weights.h5")
    image = np.random.default_rng(0).integers(0, 255, (1, 193, 193, 3)).astype(np.float32)
    assert np.asarray(model(image)["heatmaps"]).shape == (1, 13, 13, 17)
