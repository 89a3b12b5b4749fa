"""Training smoke test on a few real images: the loss falls, checkpoints and the log are written,
a checkpoint reloads into the same network, and a run folder resumes, reruns and refuses safely."""

import csv
import json

import numpy as np
import pytest

from personlab import checkpoint, geometry
from personlab.app.cli import main
from personlab.data import CocoPersons
from personlab.losses import distillation
from personlab.model import ModelConfig
from personlab.train import HEAD_LAYERS, SaveCheckpoint, TrainConfig, build_network, train, training_ids


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


def tiny_run_config(**options) -> TrainConfig:
    small = dict(input_size=(129, 129), epochs=3, batch_size=2, steps_per_epoch=1, max_images=2)
    return TrainConfig(model=ModelConfig("mobilenet_v2", 0.35), init="imagenet", split="val", **{**small, **options})


def folder_state(folder) -> dict:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file()
    }


def loss_log_epochs(folder) -> list[int]:
    with open(folder / "losses.csv") as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


def test_a_run_folder_is_idempotent_and_refuses_another_config_untouched(tmp_path):
    final = train(tiny_run_config(), tmp_path)
    before = folder_state(tmp_path)
    assert loss_log_epochs(tmp_path) == [0, 1, 2] and not (tmp_path / "backup").exists()
    assert train(tiny_run_config(), tmp_path) == final
    assert folder_state(tmp_path) == before  # finished: nothing retrained, nothing rewritten
    with pytest.raises(ValueError, match=r"other settings \(epochs, learning_rate\)"):
        train(tiny_run_config(learning_rate=5e-4, epochs=4), tmp_path)
    assert folder_state(tmp_path) == before


def test_an_interrupted_run_resumes_after_its_last_epoch_with_one_log_row_per_epoch(tmp_path, monkeypatch):
    save = SaveCheckpoint.on_epoch_end

    def interrupted_after_the_second_epoch(self, epoch, logs=None):
        save(self, epoch, logs)
        if epoch == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(SaveCheckpoint, "on_epoch_end", interrupted_after_the_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_run_config(), tmp_path)
    assert loss_log_epochs(tmp_path) == [0, 1] and (tmp_path / "backup").is_dir()
    assert checkpoint.read_info(tmp_path / "checkpoint.json")["epoch"] == 2
    monkeypatch.setattr(SaveCheckpoint, "on_epoch_end", save)
    final = train(tiny_run_config(), tmp_path)
    assert loss_log_epochs(tmp_path) == [0, 1, 2]
    assert checkpoint.read_info(final)["epoch"] == 3 and not (tmp_path / "backup").exists()


def test_train_command_refuses_a_folder_of_another_run_in_one_line(tmp_path, capsys):
    recorded = tiny_run_config().to_dict()
    (tmp_path / "train_config.json").write_text(json.dumps(recorded))
    before = folder_state(tmp_path)
    assert main(["train", "--out", str(tmp_path), "--epochs", "2"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and str(tmp_path) in lines[0] and "other settings" in lines[0], lines
    assert folder_state(tmp_path) == before
