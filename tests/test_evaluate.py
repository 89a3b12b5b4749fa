"""COCO evaluation: ground truth scores perfectly, nothing scores zero, and each metric sees its own field."""

from __future__ import annotations

import copy

import pytest

from personlab import evaluate


def test_ground_truth_as_detections_scores_one(val_dataset):
    image_ids = val_dataset.image_ids
    results = evaluate.ground_truth_results(val_dataset.coco, image_ids)
    assert results and all(isinstance(r["segmentation"]["counts"], str) for r in results)
    before = copy.deepcopy(results)
    stats = evaluate.coco_eval(val_dataset.coco, results, image_ids)
    assert stats["keypoints/AP"] == pytest.approx(1.0)
    assert stats["segm/AP"] == pytest.approx(1.0)
    assert stats["keypoints/AR"] == pytest.approx(1.0) and stats["segm/AR100"] == pytest.approx(1.0)
    assert results == before  # pycocotools' loadRes writes into the dicts: we hand it copies


def test_no_results_score_zero_with_every_stat_named(val_dataset):
    stats = evaluate.coco_eval(val_dataset.coco, [], val_dataset.image_ids)
    expected = {f"{kind}/{name}" for kind, names in evaluate.STAT_NAMES.items() for name in names}
    assert set(stats) == expected and len(expected) == 22
    assert all(v == 0.0 for v in stats.values())


def test_keypoint_and_mask_metrics_are_independent(val_dataset):
    image_ids = val_dataset.image_ids[:50]
    results = evaluate.ground_truth_results(val_dataset.coco, image_ids)
    for r in results:  # move every keypoint 40 px: poses wrong, masks untouched
        r["keypoints"] = [v + 40.0 if i % 3 < 2 else v for i, v in enumerate(r["keypoints"])]
    stats = evaluate.coco_eval(val_dataset.coco, results, image_ids)
    assert stats["keypoints/AP"] < 0.3
    assert stats["segm/AP"] == pytest.approx(1.0)
