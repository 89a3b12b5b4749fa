"""COCO evaluation of person results: keypoint OKS AP and instance-mask AP (pycocotools)."""

from __future__ import annotations

import contextlib
import copy
import io

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from personlab import spec

PERSON = 1

#: Names of COCOeval.stats, in its order, per iouType.
STAT_NAMES = {
    "keypoints": ("AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl"),
    "segm": ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"),
}


def coco_eval(coco_gt: COCO, results: list[dict], image_ids, verbose: bool = False) -> dict[str, float]:
    """Keypoint and segm stats as {"keypoints/AP": ..., "segm/AP": ...}; no results scores 0 everywhere."""
    image_ids = sorted(int(i) for i in image_ids)
    stats: dict[str, float] = {}
    for iou_type, names in STAT_NAMES.items():
        if not results:  # pycocotools' loadRes cannot take an empty list
            stats.update({f"{iou_type}/{n}": 0.0 for n in names})
            continue
        quiet = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO())
        with quiet:
            coco_dt = coco_gt.loadRes(copy.deepcopy(results))  # loadRes writes ids and areas into the dicts
            ev = COCOeval(coco_gt, coco_dt, iou_type)
            ev.params.imgIds = image_ids
            ev.params.catIds = [PERSON]
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        # COCOeval reports -1 where nothing qualifies (e.g. no small people): count as 0.
        stats.update({f"{iou_type}/{n}": max(float(v), 0.0) for n, v in zip(names, ev.stats)})
    return stats


def ground_truth_results(coco: COCO, image_ids) -> list[dict]:
    """The non-crowd person annotations as detections (RLE masks), for testing the evaluation itself.

    People without labelled keypoints score lower than the rest: the keypoint evaluation ignores
    them as ground truth, so as detections they are false positives, harmless only when ranked last.
    """
    results = []
    for ann in coco.loadAnns(coco.getAnnIds(imgIds=list(image_ids), catIds=[PERSON], iscrowd=False)):
        rle = coco.annToRLE(ann)
        counts = rle["counts"]
        results.append({
            "image_id": ann["image_id"],
            "category_id": PERSON,
            "keypoints": [float(v) for v in ann.get("keypoints", [0.0] * (3 * spec.NUM_KEYPOINTS))],
            "score": 1.0 if ann.get("num_keypoints", 0) > 0 else 0.5,
            "bbox": [float(v) for v in ann["bbox"]],
            "segmentation": {"size": list(rle["size"]), "counts": counts.decode() if isinstance(counts, bytes) else counts},
            "area": float(ann["area"]),
        })  # fmt: skip
    return results
