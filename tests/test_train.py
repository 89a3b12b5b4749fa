"""Training smoke test on a few real images: the loss falls, checkpoints and the log are written,
and a checkpoint reloads into the same network."""

import csv

import numpy as np

from personlab import checkpoint, geometry
from personlab.data import CocoPersons
from personlab.losses import distillation
from personlab.model import ModelConfig
from personlab.train import HEAD_LAYERS, TrainConfig, build_network, train, training_ids


def test_loss_falls_on_a_few_real_images(tmp_path):
    config = TrainConfig(
        model=ModelConfig("mobilenet_v2", 0.35),
        init="imagenet",
        split="val",
        input_size=(193, 193),
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


def tiny_bodypix_run(tmp_path, **options) -> tuple[dict, dict]:
    """Two steps of BodyPix 0.50 on real val images: (initial weights, saved weights) by variable path."""
    config = TrainConfig(
        model=ModelConfig("mobilenet_v1", 0.5),
        split="val",
        input_size=(129, 193),
        epochs=1,
        batch_size=2,
        steps_per_epoch=2,
        max_images=4,
        **options,
    )
    initial, _ = build_network(config)
    saved, _ = checkpoint.load(train(config, tmp_path))
    as_dict = lambda m: {v.path: np.asarray(v) for v in m.weights}  # noqa: E731
    return as_dict(initial), as_dict(saved)


def moved(before: dict, after: dict, heads: bool) -> float:
    """Largest absolute weight change over the head (or trunk) variables."""
    is_head = lambda path: path.split("/")[-2] in HEAD_LAYERS  # noqa: E731
    return max(float(np.abs(after[p] - before[p]).max()) for p in before if is_head(p) == heads)


def test_non_square_crops_train_and_holdout_keeps_the_first_images_out(tmp_path):
    initial, saved = tiny_bodypix_run(tmp_path, holdout=3, trainable="all")
    assert moved(initial, saved, heads=True) > 0 and moved(initial, saved, heads=False) > 0
    dataset = CocoPersons(split="val")
    ids = training_ids(dataset, TrainConfig(holdout=3, max_images=4))
    assert ids == dataset.image_ids[3:7]


def test_trunk_lr_scale_zero_leaves_the_trunk_where_it_started(tmp_path):
    initial, saved = tiny_bodypix_run(tmp_path, trainable="all", trunk_lr_scale=0.0)
    assert moved(initial, saved, heads=False) == 0.0
    assert moved(initial, saved, heads=True) > 1e-4


def test_ema_saves_the_average_which_stays_nearer_the_start(tmp_path):
    initial, raw = tiny_bodypix_run(tmp_path / "raw", trainable="heads")
    _, averaged = tiny_bodypix_run(tmp_path / "ema", trainable="heads", ema_momentum=0.9)
    assert 0 < moved(initial, averaged, heads=True) < moved(initial, raw, heads=True)


def test_distillation_pulls_only_where_labels_are_absent():
    target = np.zeros((1, 2, 2, 1), np.float32)
    weight = np.array([1, 1, 0, 0], np.float32).reshape(1, 2, 2, 1)
    teacher = np.array([0.9, 0.9, 0.9, 0.9], np.float32).reshape(1, 2, 2, 1)
    packed = np.concatenate([target, weight], axis=-1)
    agreeing = np.array([0.1, 0.1, 0.9, 0.9], np.float32).reshape(1, 2, 2, 1)  # labels say 0 there; teacher elsewhere
    disagreeing = np.array([0.1, 0.1, 0.1, 0.1], np.float32).reshape(1, 2, 2, 1)
    pull = lambda pred: float(distillation("segmentation", packed, pred, teacher))  # noqa: E731
    assert pull(agreeing) < pull(disagreeing)
    assert pull(np.full((1, 2, 2, 1), 0.5, np.float32)) == pull(
        np.array([0.0, 1.0, 0.5, 0.5], np.float32).reshape(1, 2, 2, 1)
    )


def test_distilled_run_saves_the_student_alone(tmp_path):
    initial, saved = tiny_bodypix_run(tmp_path, trainable="heads", distill={"heatmaps": 1.0, "segmentation": 1.0})
    assert initial.keys() == saved.keys() and moved(initial, saved, heads=True) > 0


def test_recolor_is_a_no_op_without_jitter_and_bounded_with_it(val_sample):
    rng = np.random.default_rng(0)
    image = val_sample.image
    assert geometry.Augmentation().recolor(image, rng) is image
    assert rng.random() == np.random.default_rng(0).random()  # no draw when off
    out = geometry.Augmentation(color_jitter=0.3).recolor(image, np.random.default_rng(1))
    assert out.dtype == np.uint8 and out.shape == image.shape and not np.array_equal(out, image)
