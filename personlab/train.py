"""Training: Keras fit over the tf.data pipeline, with checkpoints, resume and a loss log.

Everything the run needs is in TrainConfig; the same code runs on 2 CPU cores (the default
`make train`) or on several GPUs with `distribute=True` (tf.distribute.MirroredStrategy).
Batch norm is frozen by default (inference mode): batches that fit a CPU are too small for
good batch statistics, and the initial weights' statistics are the better estimate.

A run folder belongs to one config: rerunning a finished run does nothing, an interrupted one
resumes where its last epoch ended, and a different config is refused before any file is touched.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import tensorflow as tf

from personlab import checkpoint, geometry, impute, pretrained, spec
from personlab.data import COCO_DIR, CocoPersons
from personlab.files import atomic_write
from personlab.losses import DEFAULT_LOSS_WEIGHTS, LOSSES, distillation
from personlab.model import ModelConfig, build_model
from personlab.pipeline import TrainingExamples

log = logging.getLogger(__name__)
TRAINABLE = ("all", "heads")


@dataclass
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    init: str = "bodypix"
    coco_dir: str = str(COCO_DIR)
    split: str = "train"
    input_size: tuple[int, int] = (385, 385)  # training crop (height, width), each side stride*k+1
    epochs: int = 40
    batch_size: int = 8
    steps_per_epoch: int | None = None  # default: one pass over the split
    learning_rate: float = 1e-3
    loss_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LOSS_WEIGHTS))
    freeze_batchnorm: bool = True
    trainable: str = "heads"  # only the 1x1 "heads" (the trunk keeps its initial weights), or "all" layers
    holdout: int = 0  # the split's first N images stay out of training (held-back evaluation)
    max_images: int | None = None
    trunk_lr_scale: float = 1.0  # the trunk's learning rate relative to the heads' (trainable="all")
    ema_momentum: float | None = None  # save the exponential moving average of the weights (Polyak)
    distill: dict[str, float] = field(default_factory=dict)  # head -> weight of the pull towards BodyPix
    scale_range: tuple[float, float] = geometry.Augmentation.scale_range
    color_jitter: float = 0.0  # brightness and contrast factors drawn from 1 +- this
    impute_keypoints: bool = False  # label mask-only people with BodyPix's poses first (personlab.impute)
    seed: int = 0
    distribute: bool = False

    def to_dict(self) -> dict:
        d = asdict(self)
        d["model"] = self.model.to_dict()
        return d


class SaveCheckpoint(keras.callbacks.Callback):
    """Writes <out>/checkpoint.{weights.h5,json} of `network` after every epoch, with the epoch's losses."""

    def __init__(self, out: Path, config: TrainConfig, init_note: str, network: keras.Model):
        super().__init__()
        self.out, self.config, self.init_note, self.network = out, config, init_note, network

    def on_epoch_end(self, epoch, logs=None):
        info = {
            "epoch": epoch + 1,
            "losses": {k: float(v) for k, v in (logs or {}).items()},
            "train": self.config.to_dict(),
            "init": self.init_note,
        }
        checkpoint.save(self.network, self.config.model, self.out / "checkpoint", info)


class LossLog(keras.callbacks.Callback):
    """<out>/losses.csv, one row per finished epoch (CSVLogger's columns), rewritten atomically.

    A resumed run starts at the epoch after its last backup: rows of that epoch and later (written
    before an interrupt reached the backup) are dropped, so every epoch has exactly one row.
    """

    def __init__(self, path: Path):
        super().__init__()
        self.path, self.rows = path, None

    def on_epoch_begin(self, epoch, logs=None):
        if self.rows is None:
            old = list(csv.DictReader(io.StringIO(self.path.read_text()))) if self.path.is_file() else []
            self.rows = [row for row in old if int(row["epoch"]) < epoch]

    def on_epoch_end(self, epoch, logs=None):
        self.rows.append({"epoch": epoch, **{k: float(v) for k, v in sorted((logs or {}).items())}})
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(self.rows[-1]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_write(self.path, text.getvalue().encode())


def check_run_folder(out: Path, config: TrainConfig) -> bool:
    """True when `out` holds this config's finished run; raises ValueError when it holds another config's."""
    recorded_path = out / "train_config.json"
    if not recorded_path.is_file():
        return False
    try:
        recorded = json.loads(recorded_path.read_text())
    except ValueError as err:
        raise ValueError(f"{recorded_path} is not readable JSON ({err}): use another --out") from err
    wanted = json.loads(json.dumps(config.to_dict()))
    if not isinstance(recorded, dict):
        raise ValueError(f"{recorded_path} is not a training config: use another --out")
    differ = sorted(k for k in wanted.keys() | recorded.keys() if wanted.get(k) != recorded.get(k))
    if differ:
        raise ValueError(
            f"{out} holds a run with other settings ({', '.join(differ)}): rerun it with the same options "
            "to resume, or pass another --out"
        )
    final = out / "checkpoint.json"
    return final.is_file() and checkpoint.read_info(final).get("epoch") == config.epochs


HEAD_LAYERS = frozenset(f"{h}_conv" for h in spec.HEAD_NAMES)


class TrunkScaledAdam(keras.optimizers.Adam):
    """Adam whose steps on trunk variables are scaled: the trunk moves slower than the 1x1 heads."""

    def __init__(self, trunk_scale: float, **kwargs):
        super().__init__(**kwargs)
        self.trunk_scale = trunk_scale

    def build(self, variables):
        super().build(variables)
        self._scales = [1.0 if v.path.split("/")[-2] in HEAD_LAYERS else self.trunk_scale for v in variables]

    def update_step(self, gradient, variable, learning_rate):
        scale = self._scales[self._get_variable_index(variable)]
        super().update_step(gradient, variable, learning_rate * scale)


class Distilled(keras.Model):
    """The student, trained with an extra loss towards a frozen teacher where labels are absent."""

    def __init__(self, student: keras.Model, teacher: keras.Model, weights: dict[str, float]):
        super().__init__(name="distilled")
        teacher.trainable = False
        self.student, self.teacher, self.distill_weights = student, teacher, dict(weights)
        self.built = True  # both networks are built already

    def call(self, images, training=False):
        return self.student(images, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        loss = super().compute_loss(x, y, y_pred, sample_weight, training)
        teacher = self.teacher(x, training=False)
        pulls = [w * distillation(h, y[h], y_pred[h], teacher[h]) for h, w in self.distill_weights.items()]
        return loss + tf.add_n(pulls)


def make_optimizer(config: TrainConfig, total_steps: int) -> keras.optimizers.Optimizer:
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, max(total_steps, 1), alpha=0.05)
    ema = {"use_ema": True, "ema_momentum": config.ema_momentum} if config.ema_momentum else {}
    if config.trunk_lr_scale != 1.0:
        return TrunkScaledAdam(config.trunk_lr_scale, learning_rate=schedule, **ema)
    return keras.optimizers.Adam(schedule, **ema)


def build_network(config: TrainConfig) -> tuple[keras.Model, str]:
    """The network to train: initial weights loaded, frozen layers marked."""
    model = build_model(config.model)
    note = pretrained.initialize(model, config.model, config.init)
    if config.trainable not in TRAINABLE:
        raise ValueError(f"trainable must be one of {TRAINABLE}, got {config.trainable!r}")
    for layer in model.layers:
        if config.trainable == "heads" and layer.name not in HEAD_LAYERS:
            layer.trainable = False
        if config.freeze_batchnorm and isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    return model, note


def build_teacher(config: TrainConfig) -> keras.Model:
    """The imported BodyPix network of the same width, untrained by us."""
    teacher = build_model(config.model)
    pretrained.initialize(teacher, config.model, "bodypix")
    return teacher


def compile_model(config: TrainConfig, total_steps: int) -> tuple[keras.Model, keras.Model, str]:
    """(model to fit, network to save, init note); they differ when distilling."""
    network, note = build_network(config)
    unknown = set(config.distill) - set(spec.HEAD_NAMES)
    if unknown:
        raise ValueError(f"unknown heads to distill: {sorted(unknown)}; heads are {spec.HEAD_NAMES}")
    model = Distilled(network, build_teacher(config), config.distill) if config.distill else network
    model.compile(
        optimizer=make_optimizer(config, total_steps),
        loss=dict(LOSSES),
        loss_weights={h: config.loss_weights.get(h, 0.0) for h in spec.HEAD_NAMES},
    )
    return model, network, note


def training_ids(dataset: CocoPersons, config: TrainConfig) -> list[int]:
    """The split's images after the held-back ones (`evaluate --split train --limit N` scores those)."""
    ids = dataset.image_ids[config.holdout :]
    return ids[: config.max_images] if config.max_images else ids


def imputed_dataset(dataset: CocoPersons, config: TrainConfig, ids: list[int], out: Path) -> CocoPersons:
    """The dataset with its training images' mask-only people labelled by BodyPix's poses, written once
    to <out>/imputed_keypoints.json (a resume reads it back)."""
    path = out / "imputed_keypoints.json"
    if not path.is_file():
        estimator = build_teacher(TrainConfig(ModelConfig(config.model.backbone, config.model.alpha)))  # stride 16
        doc, summary = impute.impute(dataset, lambda crops: estimator(crops, training=False), ids)
        log.info("imputed keypoints: %s", {k: v for k, v in summary.items() if k != "config"})
        atomic_write(path, json.dumps(doc).encode())
    return CocoPersons(annotations=path, images=dataset.files.images)


def train(config: TrainConfig, out: Path | str) -> Path:
    """Train (or resume an interrupted run in `out`); returns the final checkpoint's json."""
    out = Path(out)
    unknown = set(config.loss_weights) - set(spec.HEAD_NAMES)
    if unknown:
        raise ValueError(f"unknown heads in loss weights: {sorted(unknown)}; heads are {spec.HEAD_NAMES}")
    if check_run_folder(out, config):
        shutil.rmtree(out / "backup", ignore_errors=True)  # left only if an interrupt hit the very end
        log.info("%s already holds this run, finished: nothing to do", out)
        return out / "checkpoint.json"
    out.mkdir(parents=True, exist_ok=True)
    dataset = CocoPersons(config.coco_dir, config.split)
    ids = training_ids(dataset, config)
    if config.impute_keypoints:
        dataset = imputed_dataset(dataset, config, ids, out)
    augmentation = geometry.Augmentation(tuple(config.scale_range), color_jitter=config.color_jitter)
    examples = TrainingExamples(
        dataset, tuple(config.input_size), config.model.stride, augmentation, seed=config.seed, image_ids=ids
    )
    steps = config.steps_per_epoch or max(1, len(ids) // config.batch_size)
    keras.utils.set_random_seed(config.seed)
    strategy = tf.distribute.MirroredStrategy() if config.distribute else None
    with strategy.scope() if strategy else contextlib.nullcontext():
        model, network, note = compile_model(config, steps * config.epochs)
    replicas = strategy.num_replicas_in_sync if strategy else 1
    atomic_write(out / "train_config.json", (json.dumps(config.to_dict(), indent=2) + "\n").encode())
    log.info(
        "%s; %d images, %d steps/epoch, batch %d x %d replica(s)", note, len(ids), steps, config.batch_size, replicas
    )
    started = time.time()
    model.fit(
        examples.tf_dataset(config.batch_size * replicas),
        epochs=config.epochs,
        steps_per_epoch=steps,
        verbose=1 if sys.stdout.isatty() else 2,
        callbacks=[  # the log first: an interrupt before the backup makes the epoch rerun, and its row rewritten
            LossLog(out / "losses.csv"),
            keras.callbacks.BackupAndRestore(str(out / "backup")),  # resume after interruption
            *([keras.callbacks.SwapEMAWeights(swap_on_epoch=True)] if config.ema_momentum else []),
            SaveCheckpoint(out, config, note, network),
        ],
    )
    log.info(
        "training took %.1f min; %d unreadable images skipped", (time.time() - started) / 60, len(examples.skipped)
    )
    return out / "checkpoint.json"
