"""Training: Keras fit over the tf.data pipeline, with checkpoints, resume and a loss log.

Everything the run needs is in TrainConfig; the same code runs on 2 CPU cores (the default
`make train`) or on several GPUs with `distribute=True` (tf.distribute.MirroredStrategy).
Batch norm is frozen by default (inference mode): batches that fit a CPU are too small for
good batch statistics, and the initial weights' statistics are the better estimate.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import tensorflow as tf

from personlab import checkpoint, pretrained, spec
from personlab.data import COCO_DIR, CocoPersons
from personlab.losses import DEFAULT_LOSS_WEIGHTS, LOSSES
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
    input_size: int = 385
    epochs: int = 40
    batch_size: int = 8
    steps_per_epoch: int | None = None  # default: one pass over the split
    learning_rate: float = 1e-3
    loss_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LOSS_WEIGHTS))
    freeze_batchnorm: bool = True
    trainable: str = "heads"  # only the 1x1 "heads" (the trunk keeps its initial weights), or "all" layers
    max_images: int | None = None
    seed: int = 0
    distribute: bool = False

    def to_dict(self) -> dict:
        d = asdict(self)
        d["model"] = self.model.to_dict()
        return d


class SaveCheckpoint(keras.callbacks.Callback):
    """Writes <out>/checkpoint.{weights.h5,json} after every epoch, with the epoch's losses."""

    def __init__(self, out: Path, config: TrainConfig, init_note: str):
        super().__init__()
        self.out, self.config, self.init_note = out, config, init_note

    def on_epoch_end(self, epoch, logs=None):
        info = {
            "epoch": epoch + 1,
            "losses": {k: float(v) for k, v in (logs or {}).items()},
            "train": self.config.to_dict(),
            "init": self.init_note,
        }
        checkpoint.save(self.model, self.config.model, self.out / "checkpoint", info)


def compile_model(config: TrainConfig, total_steps: int) -> tuple[keras.Model, str]:
    model = build_model(config.model)
    note = pretrained.initialize(model, config.model, config.init)
    if config.trainable not in TRAINABLE:
        raise ValueError(f"trainable must be one of {TRAINABLE}, got {config.trainable!r}")
    head_layers = {f"{h}_conv" for h in spec.HEAD_NAMES}
    for layer in model.layers:
        if config.trainable == "heads" and layer.name not in head_layers:
            layer.trainable = False
        if config.freeze_batchnorm and isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, max(total_steps, 1), alpha=0.05)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=dict(LOSSES),
        loss_weights={h: config.loss_weights.get(h, 0.0) for h in spec.HEAD_NAMES},
    )
    return model, note


def train(config: TrainConfig, out: Path | str) -> Path:
    """Train (or resume an interrupted run in `out`); returns the final checkpoint's json."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    unknown = set(config.loss_weights) - set(spec.HEAD_NAMES)
    if unknown:
        raise ValueError(f"unknown heads in loss weights: {sorted(unknown)}; heads are {spec.HEAD_NAMES}")
    dataset = CocoPersons(config.coco_dir, config.split)
    ids = dataset.image_ids[: config.max_images] if config.max_images else dataset.image_ids
    size = (config.input_size, config.input_size)
    examples = TrainingExamples(dataset, size, config.model.stride, seed=config.seed, image_ids=ids)
    steps = config.steps_per_epoch or max(1, len(ids) // config.batch_size)
    keras.utils.set_random_seed(config.seed)
    strategy = tf.distribute.MirroredStrategy() if config.distribute else None
    with strategy.scope() if strategy else contextlib.nullcontext():
        model, note = compile_model(config, steps * config.epochs)
    replicas = strategy.num_replicas_in_sync if strategy else 1
    (out / "train_config.json").write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    log.info(
        "%s; %d images, %d steps/epoch, batch %d x %d replica(s)", note, len(ids), steps, config.batch_size, replicas
    )
    started = time.time()
    model.fit(
        examples.tf_dataset(config.batch_size * replicas),
        epochs=config.epochs,
        steps_per_epoch=steps,
        verbose=1 if sys.stdout.isatty() else 2,
        callbacks=[
            keras.callbacks.BackupAndRestore(str(out / "backup")),  # resume after interruption
            keras.callbacks.CSVLogger(str(out / "losses.csv"), append=True),
            SaveCheckpoint(out, config, note),
        ],
    )
    log.info(
        "training took %.1f min; %d unreadable images skipped", (time.time() - started) / 60, len(examples.skipped)
    )
    return out / "checkpoint.json"
