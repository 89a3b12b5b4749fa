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
    """Person keypoint and mask stats as {"keypoints/AP": ..., "segm/AP": ...} (names: STAT_NAMES).

    No results scores 0 everywhere (pycocotools cannot load an empty list); otherwise values are
    COCOeval's, including its -1 for an area range without ground truth. pycocotools' printing is
    silenced unless verbose.
    """
    image_ids = sorted(int(i) for i in image_ids)
    stats: dict[str, float] = {}
    for iou_type, names in STAT_NAMES.items():
        if not results:
            stats.update({f"{iou_type}/{n}": 0.0 for n in names})
            continue
        # loadRes writes ids and areas into the dicts: give it copies. It takes a result's area from
        # its bbox when there is one; for masks the area must be the mask's, as in COCO's own evaluation.
        dts = copy.deepcopy(results)
        if iou_type == "segm":
            for d in dts:
                d.pop("bbox", None)
        with contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO()):
            ev = COCOeval(coco_gt, coco_gt.loadRes(dts), iou_type)
            ev.params.imgIds = image_ids
            ev.params.catIds = [PERSON]
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        stats.update({f"{iou_type}/{n}": float(v) for n, v in zip(names, ev.stats, strict=True)})
    return stats


def ground_truth_results(coco: COCO, image_ids) -> list[dict]:
    """The non-crowd person annotations as detections (RLE masks), for testing the evaluation itself.

    People without labelled keypoints score lower than the rest: the keypoint evaluation ignores
    them as ground truth, so as detections they are false positives, harmless only when ranked last.
    """
    results = []
    for ann in coco.loadAnns(coco.getAnnIds(imgIds=list(image_ids), catIds=[PERSON], iscrowd=False)):
        rle = coco.annToRLE(ann)
        counts = rle["counts"].decode() if isinstance(rle["counts"], bytes) else rle["counts"]
        results.append({
            "image_id": ann["image_id"],
            "category_id": PERSON,
            "keypoints": [float(v) for v in ann.get("keypoints", [0.0] * (3 * spec.NUM_KEYPOINTS))],
            "score": 1.0 if ann.get("num_keypoints", 0) > 0 else 0.5,
            "bbox": [float(v) for v in ann["bbox"]],
            "segmentation": {"size": list(rle["size"]), "counts": counts},
            "area": float(ann["area"]),
        })  # fmt: skip
    return results


DECODERS = ("reference", "mobile")


def model_outputs(predictor, dataset, image_ids, raw: bool = False):
    """(image_id, affine, image_hw, outputs) per image: its letterboxed input through the predictor.

    raw: the tensors as the model wrote them (mobile_decoder's input); else dequantized floats.
    """
    from personlab import geometry

    run = predictor.raw if raw else predictor
    for image_id in image_ids:
        image = dataset.read_image(image_id)
        affine, model_input = geometry.letterboxed(image, predictor.input_hw)
        yield image_id, affine, image.shape[:2], run(model_input)


def evaluate_model(
    predictor, dataset, image_ids=None, cfg=None, decoder: str = "reference"
) -> tuple[list[dict], dict[str, float]]:
    """Run a predictor (inference.Predictor) over a COCO split, decode, and score with pycocotools.

    decoder "reference": the float reference decoder on dequantized outputs; "mobile": the
    on-device decoder on the raw outputs and the artifact metadata, as a phone runs it (with the
    metadata's decoder settings unless cfg is given).
    """
    from tqdm import tqdm

    import mobile_decoder
    from personlab import decoder as reference
    from personlab.decoder_config import DEFAULT_CONFIG

    if decoder not in DECODERS:
        raise ValueError(f"unknown decoder {decoder!r}; choose from {DECODERS}")
    settings = mobile_decoder.Settings(cfg.to_dict()) if cfg else None
    cfg = cfg or DEFAULT_CONFIG
    image_ids = list(dataset.image_ids if image_ids is None else image_ids)
    results: list[dict] = []
    outputs = model_outputs(predictor, dataset, image_ids, raw=decoder == "mobile")
    for image_id, affine, hw, out in tqdm(outputs, total=len(image_ids), desc=f"evaluate ({decoder} decoder)",
                                          unit="img", disable=None):  # fmt: skip
        if decoder == "mobile":
            results += mobile_decoder.decode_image(out, predictor.metadata, affine, image_id, hw, settings)
        else:
            results += reference.decode(out, predictor.stride, predictor.input_hw, affine, image_id, hw, cfg)
    return results, coco_eval(dataset.coco, results, image_ids)
