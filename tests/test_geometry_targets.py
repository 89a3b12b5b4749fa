"""Augmentation keeps image, keypoints, masks and targets consistent; flips swap left and right."""

import numpy as np
import pytest

from personlab import geometry, spec, targets
from personlab.data import Sample

HW = (129, 161)
STRIDE = 16


def _dot_sample(h=120, w=150, point=(40.0, 70.0)) -> Sample:
    """A black image with one white pixel at `point` (x, y), the left shoulder there, a box mask."""
    image = np.zeros((h, w, 3), np.uint8)
    image[int(point[1]), int(point[0])] = 255
    keypoints = np.zeros((1, spec.NUM_KEYPOINTS, 3), np.float32)
    keypoints[0, spec.KP["left_shoulder"]] = (*point, 2)
    masks = np.zeros((1, h, w), bool)
    masks[0, 20:100, 10:60] = True
    return Sample(1, image, keypoints, masks, np.zeros((h, w), bool))


@pytest.mark.parametrize("seed", range(6))
def test_augmented_keypoint_lands_on_its_pixel(seed):
    sample = _dot_sample()
    affine = geometry.Augmentation(scale_range=(1.0, 2.0)).sample(
        sample.image.shape[:2], HW, np.random.default_rng(seed)
    )
    warped = geometry.warp_image(sample.image, affine, HW)
    kp = geometry.warp_keypoints(sample.keypoints, affine)
    channel = spec.KP["right_shoulder"] if affine.flipped else spec.KP["left_shoulder"]
    x, y, v = kp[0, channel]
    assert v == 2 and kp[0, spec.FLIP_INDEX[channel], 2] == 0
    if 0 <= x < HW[1] - 1 and 0 <= y < HW[0] - 1:
        brightest = np.unravel_index(np.argmax(warped[..., 0]), HW)
        assert abs(brightest[0] - y) <= 1.5 and abs(brightest[1] - x) <= 1.5


def test_masks_follow_the_image():
    sample = _dot_sample()
    sample.image[sample.masks[0]] = 200
    affine = geometry.Augmentation().sample(sample.image.shape[:2], HW, np.random.default_rng(3))
    warped = geometry.warp_image(sample.image, affine, HW)
    ys, xs = spec.grid_points(*HW, STRIDE)
    mask = geometry.sample_masks_at(sample.masks, affine, (ys, xs))[0]
    pixels = warped[ys.astype(int), xs.astype(int), 0]
    # Away from the box edge (bilinear blur), the mask and the painted pixels agree.
    assert np.array_equal(mask[pixels > 150], np.ones((pixels > 150).sum(), bool))
    assert not mask[pixels < 50].any()


def test_affine_inverse_round_trip():
    affine = geometry.Affine(0.7, 12.0, -5.0, flip_width=150)
    pts = np.random.default_rng(0).uniform(0, 150, (10, 2))
    np.testing.assert_allclose(affine.inverse(affine.forward(pts)), pts, atol=1e-4)


def _mirror(people: targets.GridPeople, width: int) -> targets.GridPeople:
    kp = people.keypoints.copy()
    kp[..., 0] = (width - 1) - kp[..., 0]
    return targets.GridPeople(kp[:, list(spec.FLIP_INDEX)], people.masks[..., ::-1], people.crowd[..., ::-1])


def test_targets_of_a_mirrored_scene_are_mirrored_targets(val_sample):
    """Encoding a mirrored scene == mirroring the encoded targets (x offsets negate, channels swap)."""
    hw = (353, 481)
    people = targets.to_grid(val_sample, geometry.letterbox(val_sample.image.shape[:2], hw), hw, STRIDE)
    assert people.has_keypoints.sum() >= 2
    a = targets.encode(people, hw, STRIDE)
    b = targets.encode(_mirror(people, hw[1]), hw, STRIDE)
    flip = list(spec.FLIP_INDEX)
    np.testing.assert_array_equal(b["heatmaps"], a["heatmaps"][:, ::-1][..., flip])
    np.testing.assert_array_equal(b["segmentation"], a["segmentation"][:, ::-1])
    k = spec.NUM_KEYPOINTS
    for head in ("short_offsets", "long_offsets"):
        mirrored = a[head][:, ::-1]
        expected = np.concatenate([mirrored[..., :k][..., flip], -mirrored[..., k:][..., flip]], axis=-1)
        w = np.concatenate([b[head + "_weight"]] * 2, axis=-1) > 0
        np.testing.assert_allclose(b[head][w], expected[w], atol=1e-3)
    # Mid offsets: a mirrored directed edge (k -> l) is (flip k -> flip l).
    edge_of = {e: d for d, e in enumerate(spec.DIRECTED_EDGES)}
    perm = [edge_of[(spec.FLIP_INDEX[k_], spec.FLIP_INDEX[l_])] for k_, l_ in spec.DIRECTED_EDGES]
    n = len(spec.DIRECTED_EDGES)
    mirrored = a["mid_offsets"][:, ::-1]
    expected = np.concatenate([mirrored[..., :n][..., perm], -mirrored[..., n:][..., perm]], axis=-1)
    w = np.concatenate([b["mid_offsets_weight"]] * 2, axis=-1) > 0
    assert w.any()
    np.testing.assert_allclose(b["mid_offsets"][w], expected[w], atol=1e-3)


def test_offsets_point_at_the_keypoints(val_sample):
    hw = (353, 481)
    people = targets.to_grid(val_sample, geometry.letterbox(val_sample.image.shape[:2], hw), hw, STRIDE)
    t = targets.encode(people, hw, STRIDE)
    ys, xs = spec.grid_points(*hw, STRIDE)
    k = spec.NUM_KEYPOINTS
    labelled = people.keypoints[people.keypoints[..., 2] > 0][:, :2]
    for ch in range(k):
        inside = t["short_offsets_weight"][..., ch] > 0
        assert np.array_equal(inside, t["heatmaps"][..., ch] > 0)
        tips = np.stack([xs + t["short_offsets"][..., ch + k], ys + t["short_offsets"][..., ch]], -1)[inside]
        # every arrow ends on a labelled keypoint of that type, within the disk radius
        kps = people.keypoints[:, ch][people.keypoints[:, ch, 2] > 0][:, :2]
        if len(tips):
            d = np.linalg.norm(tips[:, None] - kps[None], axis=-1).min(axis=1)
            assert d.max() < 1e-3
    long_tips = np.stack([xs + t["long_offsets"][..., k], ys + t["long_offsets"][..., 0]], -1)
    on = t["long_offsets_weight"][..., 0] > 0
    d = np.linalg.norm(long_tips[on][:, None] - labelled[None], axis=-1).min(axis=1)
    assert on.any() and d.max() < 1e-3


def test_crowd_and_unlabelled_people_are_ignored(val_dataset):
    """Crowd regions carry no heatmap or segmentation loss; keypoint-less people still train segmentation."""
    coco = val_dataset.coco
    crowd_ids = sorted({a["image_id"] for a in coco.anns.values() if a["iscrowd"]})
    no_kp_ids = sorted({a["image_id"] for a in coco.anns.values() if not a["iscrowd"] and a["num_keypoints"] == 0})
    assert crowd_ids and no_kp_ids
    hw = (513, 513)
    s = val_dataset.sample(crowd_ids[0])
    people = targets.to_grid(s, geometry.letterbox(s.image.shape[:2], hw), hw, STRIDE)
    t = targets.encode(people, hw, STRIDE)
    only_crowd = people.crowd & ~people.masks.any(0)
    assert only_crowd.any()
    assert (t["segmentation_weight"][..., 0][only_crowd] == 0).all()
    assert (t["heatmaps_weight"][..., 0][only_crowd & (t["heatmaps"].max(-1) == 0)] == 0).all()
    s = val_dataset.sample(no_kp_ids[0])
    people = targets.to_grid(s, geometry.letterbox(s.image.shape[:2], hw), hw, STRIDE)
    t = targets.encode(people, hw, STRIDE)
    unlabelled = people.masks[~people.has_keypoints].any(0) & ~people.masks[people.has_keypoints].any(0)
    assert unlabelled.any()
    assert (t["segmentation"][..., 0][unlabelled] == 1).all()
    assert (t["segmentation_weight"][..., 0][unlabelled] == 1).all()
    assert (t["heatmaps_weight"][..., 0][unlabelled & (t["heatmaps"].max(-1) == 0)] == 0).all()
    assert (t["long_offsets_weight"][unlabelled] == 0).all()


def test_empty_image_has_all_negative_targets():
    people = targets.GridPeople(np.zeros((0, 17, 3), np.float32), np.zeros((0, 9, 11), bool), np.zeros((9, 11), bool))
    t = targets.encode(people, (129, 161), STRIDE)
    assert t["heatmaps"].shape == (9, 11, 17) and t["heatmaps"].sum() == 0 and t["heatmaps_weight"].all()
    assert t["mid_offsets"].shape == (9, 11, 64) and t["long_offsets_weight"].sum() == 0
