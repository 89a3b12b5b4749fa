"""Representative calibration sets: train split only, letterboxed as at inference, seeded, stratified."""

import logging

import numpy as np
import pytest

from calibration import representative
from personlab import geometry
from personlab.app.cli import main
from personlab.data import COCO_DIR, CocoPersons

HW = (129, 161)


@pytest.fixture(scope="module")
def train_dataset():
    return CocoPersons(COCO_DIR, "train")


@pytest.mark.parametrize("strategy", representative.STRATEGIES)
def test_selection_is_deterministic_for_a_seed(train_dataset, strategy):
    a = representative.select(train_dataset, 50, strategy, seed=1)
    assert a == representative.select(train_dataset, 50, strategy, seed=1)
    assert a != representative.select(train_dataset, 50, strategy, seed=2)
    assert len(set(a)) == 50 and set(a) <= set(train_dataset.image_ids)


def test_default_size_takes_all_that_exist_up_to_300(train_dataset):
    assert len(representative.select(train_dataset, 300, "random", 0)) == 300
    assert len(representative.select(train_dataset, 10_000, "random", 0)) == len(train_dataset) == 410


def test_stratified_keeps_the_split_proportions(train_dataset):
    strata = {i: representative.stratum(train_dataset, i) for i in train_dataset.image_ids}
    chosen = representative.select(train_dataset, 100, "stratified", 0)
    for key in set(strata.values()):
        share = sum(s == key for s in strata.values()) / len(strata)
        got = sum(strata[i] == key for i in chosen) / len(chosen)
        assert abs(got - share) <= 0.01 + 1e-9, key  # largest-remainder rounding: within one image in 100


def test_images_are_letterboxed_exactly_as_at_inference(train_dataset, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        images, manifest = representative.build(COCO_DIR, size=5, seed=3, input_hw=HW)
    assert "only 5 calibration images" in caplog.text
    assert images.shape == (5, *HW, 3) and images.dtype == np.uint8
    for image, image_id in zip(images, manifest.image_ids, strict=True):
        original = train_dataset.read_image(image_id)
        expected = geometry.warp_image(original, geometry.letterbox(original.shape[:2], HW), HW)
        np.testing.assert_array_equal(image, expected)
    representative.write(tmp_path, images, manifest)
    loaded, doc = representative.load(tmp_path)
    np.testing.assert_array_equal(loaded, images)
    assert doc["image_ids"] == list(manifest.image_ids) and doc["split"] == "train" and doc["seed"] == 3
    assert not list(tmp_path.glob("*.tmp*"))


def test_val_is_refused_unless_forced(tmp_path, capsys):
    assert main(["calibrate", "--split", "val", "--out", str(tmp_path)]) == 2
    assert "'val' is for reporting" in capsys.readouterr().err
    assert (
        main(["calibrate", "--split", "val", "--force", "--size", "2", "--input-size", "129", "--out", str(tmp_path)])
        == 0
    )
    assert representative.load(tmp_path)[0].shape == (2, 129, 129, 3)


def test_missing_or_empty_calibration_sets_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="run personlab calibrate"):
        representative.load(tmp_path / "nowhere")
    manifest = representative.Manifest("train", "random", 0, HW, (), {}, "")
    representative.write(tmp_path, np.zeros((0, *HW, 3), np.uint8), manifest)
    with pytest.raises(ValueError, match="is empty"):
        representative.load(tmp_path)
