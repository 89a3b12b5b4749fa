"""Keypoint imputation (PersonLab, appendix): keypoints for the people COCO gives a mask but no keypoints.

Such people (644 of the train split's 1711 non-crowd people, 617 of them smaller than 32x32 pixels)
teach the keypoint heads nothing: the heatmap loss is switched off over them, so the network learns
neither to find nor to ignore them, and the decoder seldom finds a pose to hang their mask on. The
paper fills them in with a single-person pose estimator; ours is a network (the imported BodyPix,
which never saw our labels, so held-back experiments stay clean) run on an up-scaled crop of each
person: of the poses decoded in the crop, the one whose keypoints fall most inside the person's mask
is taken, and its keypoints scoring at least `min_score` inside the person's box become labels.

`check` runs the same imputation on people who do have labels and scores it against them (OKS,
keypoint precision and recall by size), so the settings are chosen on train images, never on val.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

import numpy as np
from tqdm import tqdm

from personlab import geometry, spec
from personlab.data import CocoPersons
from personlab.decoder import decode_people

#: (B, H, W, 3) float32 crops -> {head: (B, gh, gw, C)}: a Keras model called on a batch.
Network = Callable[[np.ndarray], dict]


@dataclass(frozen=True)
class ImputeConfig:
    """Chosen with `check` on the 888 labelled people of train images 60-409 (the held-back 60 left out):
    min_score 0.1 / 0.2 / 0.3 / 0.5 give keypoint precision 0.81 / 0.85 / 0.87 / 0.91 and recall
    0.82 / 0.76 / 0.71 / 0.61 on medium people, 3 keypoints at least (large: 0.82-0.90 precision); 0.3
    poses 78% of medium and 82% of large people. No labelled person here is small (under 32x32), so the
    small ones, most of those imputed, cannot be checked this way.
    """

    input_hw: tuple[int, int] = (385, 257)  # portrait crops: people stand
    context: float = 1.25  # the crop spans the person's box enlarged this much
    min_score: float = 0.3  # a decoded keypoint scoring less is not a label
    box_margin: float = 0.1  # keypoints may lie this fraction of the box size outside the box
    min_keypoints: int = 3  # a person with fewer kept keypoints stays unlabelled
    stride: int = spec.DEFAULT_STRIDE

    def to_dict(self) -> dict:
        return asdict(self)


def crop_affine(bbox: Iterable[float], cfg: ImputeConfig) -> geometry.Affine:
    """Image -> crop input: the box (x, y, w, h) enlarged by `context`, fitted and centred in the input."""
    x, y, w, h = bbox
    ih, iw = cfg.input_hw
    scale = min(ih / max(h * cfg.context, 1.0), iw / max(w * cfg.context, 1.0))
    return geometry.Affine(scale, iw / 2.0 - scale * (x + w / 2.0), ih / 2.0 - scale * (y + h / 2.0))


def inside_box(xy: np.ndarray, bbox: Iterable[float], margin: float) -> np.ndarray:
    """Whether image points (..., 2) lie in the box (x, y, w, h) grown by `margin` of its sides."""
    x, y, w, h = bbox
    mx, my = margin * w, margin * h
    return (xy[..., 0] >= x - mx) & (xy[..., 0] <= x + w + mx) & (xy[..., 1] >= y - my) & (xy[..., 1] <= y + h + my)


def in_mask(xy: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Whether image points (..., 2) fall on the mask (nearest pixel; outside the image: no)."""
    col, row = np.rint(xy[..., 0]).astype(np.int64), np.rint(xy[..., 1]).astype(np.int64)
    ok = (row >= 0) & (row < mask.shape[0]) & (col >= 0) & (col < mask.shape[1])
    out = np.zeros(xy.shape[:-1], bool)
    out[ok] = mask[row[ok], col[ok]]
    return out


def pick_pose(
    people_xy: np.ndarray, people_scores: np.ndarray, mask: np.ndarray, bbox: Iterable[float], cfg: ImputeConfig
) -> np.ndarray | None:
    """(K, 3) x, y, v of the decoded pose that is this person, or None.

    people_xy (N, K, 2) image pixels and people_scores (N, K) are a crop's decoded poses; the person's
    pose is the one with the most keypoint score on its mask; its keypoints scoring at least min_score
    inside the (grown) box are kept (v = 2), the rest unlabelled (v = 0).
    """
    if not len(people_xy):
        return None
    on_mask = (people_scores * in_mask(people_xy, mask)).sum(axis=1)
    best = int(np.argmax(on_mask))
    if on_mask[best] <= 0.0:
        return None
    keep = (people_scores[best] >= cfg.min_score) & inside_box(people_xy[best], bbox, cfg.box_margin)
    if keep.sum() < cfg.min_keypoints:
        return None
    return np.concatenate([np.where(keep[:, None], people_xy[best], 0.0), 2.0 * keep[:, None]], axis=1)


def crop_poses(
    network: Network, image: np.ndarray, bboxes: list, cfg: ImputeConfig
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per box, the poses decoded in its crop: (N, K, 2) x, y image pixels and (N, K) scores."""
    if not bboxes:
        return []
    affines = [crop_affine(b, cfg) for b in bboxes]
    crops = np.stack([geometry.warp_image(image, a, cfg.input_hw) for a in affines]).astype(np.float32)
    outputs = {k: np.asarray(v) for k, v in network(crops).items()}
    poses = []
    for i, affine in enumerate(affines):
        people, _ = decode_people({k: v[i] for k, v in outputs.items()}, cfg.stride, cfg.input_hw)
        xy = np.zeros((len(people), spec.NUM_KEYPOINTS, 2))
        scores = np.zeros((len(people), spec.NUM_KEYPOINTS))
        for j, person in enumerate(people):
            xy[j], scores[j] = affine.inverse(person.yx[:, ::-1]), person.scores
        poses.append((xy, scores))
    return poses


def estimate(
    network: Network, image: np.ndarray, masks: list[np.ndarray], bboxes: list, cfg: ImputeConfig
) -> list[np.ndarray | None]:
    """One pose estimate (pick_pose) per person of one image, from one batch of crops."""
    found = crop_poses(network, image, bboxes, cfg)
    return [pick_pose(xy, s, m, b, cfg) for (xy, s), m, b in zip(found, masks, bboxes, strict=True)]


def unlabelled_people(dataset: CocoPersons, image_id: int) -> list[dict]:
    """The image's non-crowd person annotations with a mask and no labelled keypoint."""
    anns = dataset.coco.loadAnns(dataset.coco.getAnnIds(imgIds=[image_id], catIds=[1], iscrowd=False))
    return [a for a in anns if a.get("segmentation") and not any(v > 0 for v in a.get("keypoints", [])[2::3])]


def estimate_people(dataset: CocoPersons, network: Network, image_id: int, anns: list[dict], cfg: ImputeConfig):
    """estimate() for these annotations of one image of the dataset."""
    if not anns:
        return []
    info = dataset.coco.imgs[image_id]
    masks = [dataset.ann_mask(a, info["height"], info["width"]) for a in anns]
    return estimate(network, dataset.read_image(image_id), masks, [a["bbox"] for a in anns], cfg)


def impute(
    dataset: CocoPersons, network: Network, image_ids: Iterable[int], cfg: ImputeConfig = ImputeConfig()
) -> tuple[dict, dict]:
    """(COCO document with imputed keypoints, summary): a copy of the dataset's annotations in which
    the unlabelled people of `image_ids` carry the estimated keypoints ("imputed": true)."""
    doc = copy.deepcopy(dataset.coco.dataset)
    by_id = {a["id"]: a for a in doc["annotations"]}
    summary = {"unlabelled_people": 0, "imputed_people": 0, "imputed_keypoints": 0, "config": cfg.to_dict()}
    for image_id in tqdm(list(image_ids), desc="impute keypoints", unit="img", disable=None):
        anns = unlabelled_people(dataset, image_id)
        summary["unlabelled_people"] += len(anns)
        for ann, pose in zip(anns, estimate_people(dataset, network, image_id, anns, cfg), strict=True):
            if pose is None:
                continue
            target = by_id[ann["id"]]
            target["keypoints"] = [round(float(v), 2) for v in pose.reshape(-1)]
            target["num_keypoints"] = int((pose[:, 2] > 0).sum())
            target["imputed"] = True
            summary["imputed_people"] += 1
            summary["imputed_keypoints"] += target["num_keypoints"]
    return doc, summary


def keypoint_similarity(xy: np.ndarray, truth_xy: np.ndarray, area: float) -> np.ndarray:
    """(K,) COCO's per-keypoint similarity of two poses of a person of this area (OKS before averaging)."""
    d2 = ((xy - truth_xy) ** 2).sum(axis=1)
    return np.exp(-d2 / (2.0 * max(area, 1.0) * (2.0 * spec.OKS_SIGMAS) ** 2))


#: COCO's area ranges (pixels of the mask), as its evaluation splits people.
AREAS = {"small": (0, 32**2), "medium": (32**2, 96**2), "large": (96**2, float("inf"))}


def check(dataset: CocoPersons, network: Network, image_ids: Iterable[int], cfg: ImputeConfig = ImputeConfig()) -> dict:
    """The imputation of labelled people, scored against their labels, by COCO area range.

    Per range: people, the fraction given a pose, their mean OKS over the keypoints both have,
    keypoint precision (imputed keypoints within OKS 0.5 of the label, of those with a label) and
    recall (labelled keypoints imputed).
    """
    tally = {name: {"people": 0, "posed": 0, "oks": [], "kept": 0, "hits": 0, "labelled": 0} for name in AREAS}
    for image_id in tqdm(list(image_ids), desc="check imputation", unit="img", disable=None):
        anns = dataset.coco.loadAnns(dataset.coco.getAnnIds(imgIds=[image_id], catIds=[1], iscrowd=False))
        anns = [a for a in anns if a.get("segmentation") and a.get("num_keypoints", 0) > 0]
        for ann, pose in zip(anns, estimate_people(dataset, network, image_id, anns, cfg), strict=True):
            t = tally[next(n for n, (lo, hi) in AREAS.items() if lo <= ann["area"] < hi)]
            truth = np.asarray(ann["keypoints"], np.float64).reshape(-1, 3)
            labelled = truth[:, 2] > 0
            t["people"] += 1
            t["labelled"] += int(labelled.sum())
            if pose is None:
                continue
            t["posed"] += 1
            both = (pose[:, 2] > 0) & labelled
            ks = keypoint_similarity(pose[:, :2], truth[:, :2], ann["area"])
            t["kept"] += int(both.sum())
            t["hits"] += int((ks[both] >= 0.5).sum())
            if both.any():
                t["oks"].append(float(ks[both].mean()))
    out = {}
    for name, t in tally.items():
        out[name] = {
            "people": t["people"],
            "posed": t["posed"] / max(t["people"], 1),
            "mean_oks": float(np.mean(t["oks"])) if t["oks"] else 0.0,
            "precision": t["hits"] / max(t["kept"], 1),
            "recall": t["kept"] / max(t["labelled"], 1),
        }
    return out
