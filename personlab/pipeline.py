"""tf.data input pipeline: COCO samples -> augmented images and packed targets.

Samples are made in NumPy (targets.encode_sample) by a generator; an unreadable image is
skipped with a warning and counted, never an error deep inside TensorFlow.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
import tensorflow as tf

from personlab import geometry, spec, targets
from personlab.data import CocoPersons, DataError
from personlab.losses import pack_targets

log = logging.getLogger(__name__)
DEFAULT_AUGMENTATION = geometry.Augmentation()


class TrainingExamples:
    """An endless, seeded stream of (image, packed targets) over a COCO split, reshuffled every pass."""

    def __init__(
        self,
        dataset: CocoPersons,
        input_hw: tuple[int, int],
        stride: int,
        augmentation: geometry.Augmentation | None = DEFAULT_AUGMENTATION,
        seed: int = 0,
        image_ids: list[int] | None = None,
    ):
        spec.check_input_size(*input_hw, stride)
        self.dataset, self.input_hw, self.stride, self.augmentation = dataset, input_hw, stride, augmentation
        self.image_ids = list(image_ids if image_ids is not None else dataset.image_ids)
        self.seed = seed
        self.skipped: set[int] = set()

    def example(self, image_id: int, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        sample = self.dataset.sample(image_id)
        hw = sample.image.shape[:2]
        affine = (
            self.augmentation.sample(hw, self.input_hw, rng)
            if self.augmentation
            else geometry.letterbox(hw, self.input_hw)
        )
        image, encoded = targets.encode_sample(sample, affine, self.input_hw, self.stride)
        if self.augmentation:
            image = self.augmentation.recolor(image, rng)
        return image, pack_targets(encoded)

    def __call__(self) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
        rng = np.random.default_rng(self.seed)
        while True:
            for image_id in rng.permutation(self.image_ids):
                if image_id in self.skipped:
                    continue
                try:
                    yield self.example(int(image_id), rng)
                except DataError as err:
                    self.skipped.add(int(image_id))
                    log.warning("skipping image (%d skipped so far): %s", len(self.skipped), err)
            if len(self.skipped) == len(self.image_ids):
                raise DataError("no readable images in the training set")

    def signature(self):
        gh, gw = spec.grid_shape(*self.input_hw, self.stride)
        image = tf.TensorSpec((*self.input_hw, 3), tf.uint8)
        packed = {
            h.name: tf.TensorSpec((gh, gw, h.channels + targets.WEIGHT_CHANNELS[h.name]), tf.float32)
            for h in spec.HEADS
        }
        return image, packed

    def tf_dataset(self, batch_size: int) -> tf.data.Dataset:
        ds = tf.data.Dataset.from_generator(self, output_signature=self.signature())
        ds = ds.map(lambda image, y: (tf.cast(image, tf.float32), y))
        return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
