"""Shared fixtures: the real COCO val split from COCO_DIR (default ../shared/coco_person)."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from personlab.data import CocoPersons  # noqa: E402


@pytest.fixture(scope="session")
def val_dataset() -> CocoPersons:
    return CocoPersons(split="val")


@pytest.fixture(scope="session")
def val_sample(val_dataset):
    """A val image with several labelled people."""
    for image_id in val_dataset.image_ids:
        sample = val_dataset.sample(image_id)
        if sample.has_keypoints.sum() >= 3:
            return sample
    raise AssertionError("no val image with three labelled people")
