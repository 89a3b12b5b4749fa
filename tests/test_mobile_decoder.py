"""mobile_decoder against the float reference decoder on real val outputs, through the real int8
artifact, and under hostile tensors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_utils

import mobile_decoder
from mobile_decoder import coco
from personlab import checkpoint, decoder, evaluate, geometry, spec
from personlab.decoder_config import DEFAULT_CONFIG
from personlab.inference import KerasPredictor
from personlab.runtime import LiteRTPredictor
from personlab.spec import float_metadata

HW = spec.DEFAULT_INPUT_SIZE  # (513, 513): the shipped artifacts' size


@pytest.fixture(scope="module")
def keras_outputs(val_dataset):
    """(image_id, affine, image hw, float outputs) of the shipped checkpoint on every val image."""
    predictor = KerasPredictor(checkpoint.SHIPPED, HW)
    out = []
    for image_id in val_dataset.image_ids:
        image = val_dataset.read_image(image_id)
        affine, model_input = geometry.letterboxed(image, HW)
        out.append((image_id, affine, image.shape[:2], predictor(model_input)))
    return out


@pytest.fixture(scope="module")
def reference_results(keras_outputs) -> list[dict]:
    """The float reference decoder's COCO results on those outputs (shared: it is the slow part)."""
    results = []
    for image_id, affine, hw, outputs in keras_outputs:
        results += decoder.decode(outputs, 16, HW, affine, image_id, hw)
    return results


def oks(a: np.ndarray, b: np.ndarray, use: np.ndarray, area: float) -> float:
    """COCO's object keypoint similarity of (K, 2) b to a over the keypoints `use`, at object area `area`."""
    d2 = ((a - b) ** 2).sum(axis=-1)
    k2 = (2 * spec.OKS_SIGMAS.astype(np.float64)) ** 2
    return float(np.exp(-d2[use] / (2 * max(area, 1.0) * k2[use])).mean())


def matched_oks(reference: list[dict], mobile: list[dict], floor: float) -> list[float]:
    """For each reference person (strongest first) with confident keypoints, the OKS of the best unmatched
    mobile person of its image, over the reference's confident keypoints; pairs under 0.5 are unmatched."""
    found = []
    by_image: dict[int, list[dict]] = {}
    for r in mobile:
        by_image.setdefault(r["image_id"], []).append(r)
    for r in sorted(reference, key=lambda r: -r["score"]):
        kp = np.reshape(r["keypoints"], (-1, 3))
        use = kp[:, 2] > floor
        candidates = by_image.get(r["image_id"], [])
        if use.sum() < 2 or not candidates:
            continue
        area = np.prod(kp[use, :2].max(axis=0) - kp[use, :2].min(axis=0))
        scores = [oks(kp[:, :2], np.reshape(m["keypoints"], (-1, 3))[:, :2], use, area) for m in candidates]
        best = int(np.argmax(scores))
        if scores[best] >= 0.5:
            found.append(scores[best])
            candidates.pop(best)
    return found


def test_decoder_parity_on_float_outputs(val_dataset, keras_outputs, reference_results):
    """Both decoders on the same Keras float outputs of all 200 val images (the shipped BodyPix 0.75 checkpoint).

    Measured: keypoint AP reference 0.2863, mobile 0.2852; mask AP 0.1273 / 0.1247. People are the
    detections scoring at least mask_min_score (0.1; below it the decoders' own rule treats them as
    fragments and gives them no mask): 498 of 500 matched, 97.4% at OKS >= 0.95. Counting the
    fragments too it is 92.1% of 864: their seeds are weak peaks whose order the two candidate
    searches (dense 2-px maps vs sparse 4-px cells) can swap.
    """
    metadata = float_metadata(16, HW)
    reference, mobile = reference_results, []
    for image_id, affine, hw, outputs in keras_outputs:
        mobile += mobile_decoder.decode_image(outputs, metadata, affine, image_id, hw)
    ids = val_dataset.image_ids
    ref, mob = evaluate.coco_eval(val_dataset.coco, reference, ids), evaluate.coco_eval(val_dataset.coco, mobile, ids)
    print(f"keypoint / mask AP: reference {ref['keypoints/AP']:.4f} / {ref['segm/AP']:.4f}", end=", ")
    print(f"mobile {mob['keypoints/AP']:.4f} / {mob['segm/AP']:.4f}")
    assert mob["keypoints/AP"] == pytest.approx(ref["keypoints/AP"], abs=0.005)
    assert mob["segm/AP"] == pytest.approx(ref["segm/AP"], abs=0.005)
    people = [r for r in reference if r["score"] >= DEFAULT_CONFIG.mask_min_score]
    pairs = np.array(matched_oks(people, mobile, DEFAULT_CONFIG.keypoint_floor))
    print(f"{len(pairs)} of {len(people)} people matched, {np.mean(pairs >= 0.95):.3f} at OKS >= 0.95")
    assert len(pairs) >= 0.95 * len(people)
    assert np.mean(pairs >= 0.95) >= 0.95


#: Pipeline budget: the int8 artifact + mobile decoder may lose at most this much AP against Keras
#: float + reference decoder. Measured on val (200): keypoint AP 0.2863 -> 0.2808, mask AP 0.1273 ->
#: 0.1263 at 64 calibration images; full integer must stay within 1 point (the report's goal), so the test holds that.
PIPELINE_BUDGET = {"keypoints/AP": 0.01, "segm/AP": 0.01}


def test_pipeline_parity_int8_mobile_vs_keras_reference(val_dataset, reference_results, int8_artifact):
    predictor = LiteRTPredictor.from_file(int8_artifact)
    assert predictor.metadata["heads"]["heatmaps"]["dtype"] == "int8"
    ids = val_dataset.image_ids
    float_stats = evaluate.coco_eval(val_dataset.coco, reference_results, ids)
    _, int8_stats = evaluate.evaluate_model(predictor, val_dataset, ids, decoder="mobile")
    for metric, budget in PIPELINE_BUDGET.items():
        print(f"{metric}: keras+reference {float_stats[metric]:.4f}, int8+mobile {int8_stats[metric]:.4f}")
        assert int8_stats[metric] >= float_stats[metric] - budget


# ---------------------------------------------------------------------------------------------- output format


def test_rle_matches_pycocotools_on_real_and_random_masks(val_sample):
    rng = np.random.default_rng(0)
    real = np.full(val_sample.image.shape[:2], -1, np.intp)
    for j, m in enumerate(val_sample.masks):
        real[m] = j
    noise = rng.integers(-1, 4, (37, 23))
    edge = np.full((9, 7), -1)
    edge[:, 3], edge[0, :], edge[-1, 5] = 0, 1, 2  # runs that wrap from a column's bottom to the next top
    for labels, n in ((real, len(val_sample.masks)), (noise, 5), (edge, 4)):
        ours = coco.encode_masks(labels, n)
        for j, (rle, area, box) in enumerate(ours):
            want = mask_utils.encode(np.asfortranarray((labels == j).astype(np.uint8)))
            assert rle["counts"] == want["counts"].decode() and rle["size"] == list(want["size"])
            assert area == int(mask_utils.area(want))
            if area:
                np.testing.assert_allclose(box, mask_utils.toBbox(want))
            else:
                assert box is None


# ---------------------------------------------------------------------------------------------- robustness

SMALL_HW = (129, 161)
SMALL_GRID = spec.grid_shape(*SMALL_HW, 16)


def small_metadata(dtype: str) -> dict:
    metadata = float_metadata(16, SMALL_HW)
    if dtype != "float32":
        for head in metadata["heads"].values():
            head.update(dtype=dtype, scale=0.05 if head["kind"] == "offset" else 1 / 256, zero_point=-3)
    return metadata


def check_valid(people, labels) -> None:
    assert len(people) <= DEFAULT_CONFIG.max_people
    for p in people:
        assert np.isfinite(p.yx).all() and (p.yx >= 0).all() and (p.yx <= np.array(SMALL_HW) - 1).all()
        assert np.isfinite(p.scores).all() and ((p.scores >= 0) & (p.scores <= 1)).all() and p.scale > 0
    assert labels.shape == ((SMALL_HW[0] - 1) // 2 + 1, (SMALL_HW[1] - 1) // 2 + 1)
    assert labels.min() >= -1 and labels.max() < max(len(people), 1)


FLOATS = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1.0, -1e30, 1e30, 0.5, 64.0, -700.0])


@settings(max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), dtype=st.sampled_from(["float32", "int8"]), seed=st.integers(0, 2**32 - 1))
def test_hostile_tensors_never_raise(data, dtype, seed):
    """Random tensors, salted with NaN / inf / huge values (float) or saturated integers."""
    rng = np.random.default_rng(seed)
    metadata = small_metadata(dtype)
    outputs = {}
    for h in spec.HEADS:
        shape = (1, *SMALL_GRID, h.channels)
        if dtype == "int8":
            fill = data.draw(st.sampled_from(["random", "min", "max"]))
            value = {"random": rng.integers(-128, 128, shape), "min": np.full(shape, -128), "max": np.full(shape, 127)}
            outputs[h.name] = value[fill].astype(np.int8)
        else:
            t = rng.uniform(0, 1, shape) if h.kind == "probability" else rng.normal(0, 40, shape)
            t[rng.random(shape) < data.draw(st.floats(0, 1))] = data.draw(FLOATS)
            outputs[h.name] = t.astype(np.float32)
    heads = mobile_decoder.Heads.from_outputs(outputs, metadata)
    check_valid(*mobile_decoder.decode(heads))


def test_zero_people_and_a_crowd_of_fifty():
    metadata = small_metadata("float32")
    zero = {h.name: np.zeros((*SMALL_GRID, h.channels), np.float32) for h in spec.HEADS}
    people, labels = mobile_decoder.decode(mobile_decoder.Heads.from_outputs(zero, metadata))
    assert people == [] and (labels == -1).all()
    # 50 people: every grid point is a confident keypoint of every type pointing at itself.
    crowd = {h.name: np.zeros((*SMALL_GRID, h.channels), np.float32) for h in spec.HEADS}
    crowd["heatmaps"][:] = crowd["segmentation"][:] = 1.0
    heads = mobile_decoder.Heads.from_outputs(crowd, metadata)
    people, labels = mobile_decoder.decode(heads)
    assert len(people) == DEFAULT_CONFIG.max_people  # capped, however many seeds there are
    check_valid(people, labels)


def test_wrong_shapes_and_metadata_give_one_clear_error():
    metadata = small_metadata("int8")
    good = {h.name: np.zeros((1, *SMALL_GRID, h.channels), np.int8) for h in spec.HEADS}
    mobile_decoder.Heads.from_outputs(good, metadata)
    cases = [
        ({**good, "mid_offsets": good["mid_offsets"][..., :32]}, metadata, "mid_offsets"),
        ({**good, "heatmaps": good["heatmaps"].astype(np.float32)}, metadata, "float32"),
        ({k: v for k, v in good.items() if k != "short_offsets"}, metadata, "short_offsets"),
        (good, {**metadata, "metadata_version": 99}, "version 99"),
        (good, {k: v for k, v in metadata.items() if k != "spec"}, "spec"),
    ]
    for outputs, meta, message in cases:
        with pytest.raises(mobile_decoder.MetadataError, match=message):
            mobile_decoder.Heads.from_outputs(outputs, meta)


def test_importing_needs_numpy_only():
    code = (
        "import sys, mobile_decoder; heavy = {'tensorflow', 'scipy', 'pycocotools', 'keras', 'PIL', 'ai_edge_litert'};"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------- predict


def test_predict_writes_results_and_overlays(tmp_path, val_dataset, val_sample, int8_artifact):
    from personlab.app.cli import main

    image = val_dataset.image_path(val_sample.image_id)
    out, render = tmp_path / "results.json", tmp_path / "render"
    assert main(["predict", str(image), "--model", str(int8_artifact), "--out", str(out), "--render", str(render)]) == 0
    results = json.loads(out.read_text())
    assert results and {r["image_id"] for r in results} == {val_sample.image_id}
    people = sum(r["score"] >= DEFAULT_CONFIG.mask_min_score for r in results)
    assert people >= 2  # a val image with several labelled people
    from PIL import Image

    overlay = np.asarray(Image.open(render / f"{image.stem}.png"))
    assert overlay.shape == val_sample.image.shape and np.abs(overlay.astype(int) - val_sample.image).mean() > 1
    assert main(["predict", str(tmp_path / "missing.jpg"), "--model", str(int8_artifact)]) == 2


# ---------------------------------------------------------------------------------------------- Java golden fixtures

GOLDEN = Path(__file__).parents[1] / "android_demo/core/src/test/resources/golden"


def test_java_golden_fixtures_are_this_decoders_output():
    """The Java port is checked against committed fixtures (raw int8 outputs + decoded people): they must still be
    what this decoder makes of those tensors, or `make android-fixtures` is due."""
    metadata = json.loads((GOLDEN / "metadata.json").read_text())
    golden = json.loads((GOLDEN / "golden.json").read_text())
    assert len(golden["frames"]) >= 5
    for frame in golden["frames"]:
        raw = {
            name: np.fromfile(GOLDEN / f"{frame['image_id']}_{name}.bin", np.dtype(head["dtype"])).reshape(
                head["shape"]
            )
            for name, head in metadata["heads"].items()
        }
        people, labels = mobile_decoder.decode(mobile_decoder.Heads.from_outputs(raw, metadata))
        assert len(people) == len(frame["people"])
        for person, want in zip(people, frame["people"], strict=True):
            np.testing.assert_allclose(person.yx, want["yx"], atol=1e-6)
            np.testing.assert_allclose(person.scores, want["scores"], atol=1e-9)
        want_labels = np.fromfile(GOLDEN / f"{frame['image_id']}_labels.bin", np.int8).reshape(frame["labels_hw"])
        np.testing.assert_array_equal(labels, want_labels)
