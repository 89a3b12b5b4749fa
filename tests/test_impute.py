"""Keypoint imputation: the crop geometry and the pose choice on hand-made poses, then BodyPix on real
COCO images (labelled people scored against their labels; mask-only people labelled in a copy)."""

import copy
import json

import numpy as np
import pytest

from personlab import impute, pretrained
from personlab.data import CocoPersons
from personlab.model import ModelConfig, build_model
from personlab.train import TrainConfig, train, training_ids

CFG = impute.ImputeConfig()


def test_the_crop_centres_the_enlarged_box_and_fits_it():
    box = (100.0, 50.0, 40.0, 120.0)  # x, y, w, h: a standing person
    affine = impute.crop_affine(box, CFG)
    ih, iw = CFG.input_hw
    centre = affine.forward(np.array([120.0, 110.0]))
    assert np.allclose(centre, [iw / 2, ih / 2])
    top, bottom = affine.forward(np.array([[120.0, 110.0 - 75.0], [120.0, 110.0 + 75.0]]))  # 120 * 1.25 tall
    assert np.allclose([top[1], bottom[1]], [0.0, ih])  # the height binds: a standing person fills it


def pose_at(x: float, y: float) -> np.ndarray:
    """(K, 2) keypoints spread 1 pixel apart around (x, y)."""
    return np.stack([x + np.arange(17) % 4, y + np.arange(17) // 4], axis=1).astype(float)


def test_the_pose_with_most_score_on_the_mask_is_taken_and_weak_or_outside_keypoints_dropped():
    mask = np.zeros((40, 40), bool)
    mask[5:15, 5:15] = True
    box = (5.0, 5.0, 10.0, 10.0)
    xy = np.stack([pose_at(30, 30), pose_at(8, 8)])  # a stronger neighbour off the mask, then the person
    scores = np.stack([np.full(17, 0.9), np.full(17, 0.6)])
    scores[1, 0] = 0.1  # too weak to be a label
    xy[1, 1] = (39.0, 39.0)  # far outside the box
    pose = impute.pick_pose(xy, scores, mask, box, CFG)
    assert pose is not None and pose.shape == (17, 3)
    kept = pose[:, 2] > 0
    assert not kept[0] and not kept[1] and kept[2:].all()
    assert np.array_equal(pose[kept, :2], xy[1, kept]) and set(pose[:, 2]) == {0.0, 2.0}
    assert not pose[~kept, :2].any()


def test_no_pose_when_nothing_lies_on_the_mask_or_too_few_keypoints_survive():
    mask = np.zeros((40, 40), bool)
    mask[5:15, 5:15] = True
    box = (5.0, 5.0, 10.0, 10.0)
    assert impute.pick_pose(np.zeros((0, 17, 2)), np.zeros((0, 17)), mask, box, CFG) is None
    assert impute.pick_pose(pose_at(30, 30)[None], np.full((1, 17), 0.9), mask, box, CFG) is None
    scores = np.zeros((1, 17))
    scores[0, :2] = 0.9  # two sure keypoints: fewer than min_keypoints
    assert impute.pick_pose(pose_at(8, 8)[None], scores, mask, box, CFG) is None


@pytest.fixture(scope="module")
def bodypix_050():
    config = ModelConfig("mobilenet_v1", 0.5)
    model = build_model(config)
    pretrained.initialize(model, config, "bodypix")
    return lambda crops: model(crops, training=False)


def images_with_unlabelled_people(dataset, n: int) -> list[int]:
    return [i for i in dataset.image_ids if impute.unlabelled_people(dataset, i)][:n]


def test_bodypix_on_crops_finds_labelled_people_where_their_labels_are(val_dataset, bodypix_050):
    stats = impute.check(val_dataset, bodypix_050, val_dataset.image_ids[:6])
    large = stats["large"]
    assert large["people"] >= 3
    assert large["posed"] >= 0.5 and large["mean_oks"] >= 0.5 and large["precision"] >= 0.6, stats


def test_imputation_labels_only_mask_only_people_in_a_copy(val_dataset, bodypix_050):
    ids = images_with_unlabelled_people(val_dataset, 4)
    before = copy.deepcopy(val_dataset.coco.dataset)  # may hold RLE bytes once COCOeval has run on it
    doc, summary = impute.impute(val_dataset, bodypix_050, ids)
    assert val_dataset.coco.dataset == before
    assert summary["unlabelled_people"] >= len(ids) and 0 <= summary["imputed_people"] <= summary["unlabelled_people"]
    original = {a["id"]: a for a in val_dataset.coco.dataset["annotations"]}
    assert [a["id"] for a in doc["annotations"]] == list(original)
    for ann in doc["annotations"]:
        if not ann.get("imputed"):
            assert ann == original[ann["id"]]
            continue
        assert ann["image_id"] in ids and original[ann["id"]]["num_keypoints"] == 0
        kp = np.asarray(ann["keypoints"]).reshape(-1, 3)
        assert set(kp[:, 2]) <= {0, 2} and ann["num_keypoints"] == (kp[:, 2] > 0).sum() >= CFG.min_keypoints
        assert impute.inside_box(kp[kp[:, 2] > 0, :2], ann["bbox"], CFG.box_margin).all()


def test_a_run_with_imputation_writes_the_imputed_labels_once_and_trains_on_them(tmp_path):
    config = TrainConfig(
        model=ModelConfig("mobilenet_v1", 0.5), split="val", input_size=(129, 129), epochs=1, batch_size=2,
        steps_per_epoch=1, max_images=3, impute_keypoints=True,
    )  # fmt: skip
    train(config, tmp_path)
    labels = tmp_path / "imputed_keypoints.json"
    doc = json.loads(labels.read_text())
    dataset = CocoPersons(split="val")
    assert [a["id"] for a in doc["annotations"]] == [a["id"] for a in dataset.coco.dataset["annotations"]]
    trained_on = set(training_ids(dataset, config))
    assert all(a["image_id"] in trained_on for a in doc["annotations"] if a.get("imputed"))
    written = labels.stat().st_mtime_ns
    train(config, tmp_path)  # finished: nothing redone
    assert labels.stat().st_mtime_ns == written
