"""COCO reading: both layouts, clear errors for missing or corrupt files, skips in training."""

import shutil

import numpy as np
import pytest

from personlab.data import COCO_DIR, CocoPersons, DataError, split_files
from personlab.pipeline import TrainingExamples


def test_official_layout_is_found(tmp_path):
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations/person_keypoints_val2017.json").symlink_to(COCO_DIR / "val/person_keypoints.json")
    (tmp_path / "val2017").symlink_to(COCO_DIR / "val/images")
    official = CocoPersons(tmp_path, "val")
    ours = CocoPersons(COCO_DIR, "val")
    assert official.image_ids == ours.image_ids
    image_id = ours.image_ids[0]
    np.testing.assert_array_equal(official.sample(image_id).keypoints, ours.sample(image_id).keypoints)


def test_missing_split_names_what_was_looked_for(tmp_path):
    with pytest.raises(DataError, match="person_keypoints_train2017.json"):
        split_files(tmp_path, "train")


def _copy_split(tmp_path, n_images=4):
    """A small copy of the val split: the json and the first images, as a user's own folder."""
    ours = CocoPersons(COCO_DIR, "val")
    (tmp_path / "val/images").mkdir(parents=True)
    shutil.copy(COCO_DIR / "val/person_keypoints.json", tmp_path / "val/person_keypoints.json")
    ids = ours.image_ids[:n_images]
    for image_id in ids:
        shutil.copy(ours.image_path(image_id), tmp_path / "val/images")
    return CocoPersons(tmp_path, "val"), ids


def test_missing_and_corrupt_images_raise_naming_the_file(tmp_path):
    dataset, ids = _copy_split(tmp_path)
    dataset.image_path(ids[0]).write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match=dataset.image_path(ids[0]).name):
        dataset.sample(ids[0])
    missing = dataset.image_ids[-1]  # not copied
    with pytest.raises(DataError, match=f"cannot read image .*{dataset.image_path(missing).name}"):
        dataset.read_image(missing)


def test_training_stream_skips_unreadable_images_with_a_count(tmp_path, caplog):
    dataset, ids = _copy_split(tmp_path, n_images=3)
    dataset.image_path(ids[1]).write_bytes(b"\xff\xd8 truncated")
    stream = TrainingExamples(dataset, (129, 129), 16, image_ids=ids)()
    batch = [next(stream) for _ in range(4)]  # more than one pass: the bad image is never yielded
    assert all(image.shape == (129, 129, 3) for image, _ in batch)
    assert "skipping image (1 skipped so far)" in caplog.text and str(ids[1]) in caplog.text
