"""The quantization report: Google anchors through our mobile decoder, and the writers on real numbers."""

import json

import numpy as np
import pytest

import mobile_decoder
from personlab import geometry, spec
from personlab.app import report
from personlab.app.anchors import FILES, GooglePredictor, mid_order
from personlab.data import WEIGHTS_DIR
from personlab.evaluate import coco_eval

pytestmark = pytest.mark.skipif(
    not all((WEIGHTS_DIR / f).is_file() for f in FILES.values()), reason="Google's int8 anchors are not in WEIGHTS_DIR"
)


@pytest.fixture(scope="module")
def posenet():
    return GooglePredictor.anchor("posenet_075_int8", num_threads=1)


def test_mid_order_moves_blocks_only():
    order = mid_order()
    assert sorted(order) == list(range(4 * spec.NUM_EDGES))
    e = spec.NUM_EDGES
    assert order[:e] == list(range(e)) and order[e : 2 * e] == list(range(2 * e, 3 * e))  # fwd y, bwd y
    assert order[2 * e : 3 * e] == list(range(e, 2 * e))  # fwd x


@pytest.mark.parametrize("name", list(FILES))
def test_anchor_metadata_is_accepted_by_the_mobile_decoder(name):
    predictor = GooglePredictor.anchor(name, num_threads=1)
    heads = mobile_decoder.Heads.from_outputs(
        predictor.raw(np.zeros((*predictor.input_hw, 3), np.uint8)), predictor.metadata
    )
    assert heads.has_masks == (name.startswith("bodypix"))
    assert heads["heatmaps"].kind == "logit" and heads["mid_offsets"].channels == 2 * len(spec.DIRECTED_EDGES)


def test_posenet_finds_a_labelled_person(posenet, val_sample):
    """Decoded by our decoder, PoseNet puts confident keypoints within a few pixels of a labelled person's."""
    affine, model_input = geometry.letterboxed(val_sample.image, posenet.input_hw)
    results = mobile_decoder.decode_image(
        posenet.raw(model_input), posenet.metadata, affine, val_sample.image_id, val_sample.image.shape[:2]
    )
    assert results
    best = np.inf
    for r in results:
        kp = np.asarray(r["keypoints"]).reshape(-1, 3)
        for person in val_sample.keypoints:
            both = (person[:, 2] > 0) & (kp[:, 2] > 0.5)
            if both.sum() >= 3:
                best = min(best, float(np.median(np.linalg.norm(kp[both, :2] - person[both, :2], axis=1))))
    assert best < 0.05 * max(val_sample.image.shape[:2])


def small_result(val_dataset, posenet) -> dict:
    """A report result with real metrics (3 val images through PoseNet) in every row, latency measured small."""
    ids = val_dataset.image_ids[:3]
    metrics = report.evaluate(posenet, val_dataset, ids)
    image = report.first_input(val_dataset, posenet.input_hw)
    timing = report.latency(lambda t: posenet, image, report.Settings(repeats=2, warmup=1, latency_budget_s=0.0))
    names = ["keras_float", "float32", "full_int8", "mixed", "full_int8_353x481", "posenet_075_int8"]
    rows = [
        report.Row(n, "anchor" if n.startswith("posenet") else "ours", "x", "mobile", posenet.input_hw, 1000 + i,
                   metrics, {} if n == "keras_float" else timing, {h: 20.0 for h in spec.HEAD_NAMES})
        for i, n in enumerate(names)
    ]  # fmt: skip
    result = {
        "protocol": report.protocol(report.Settings(), len(ids)),
        "rows": [report.asdict(r) for r in rows],
        "calibration_study": [
            {"strategy": s, "size": n, "metrics": metrics} for s in ("random", "stratified") for n in (8, 32)
        ],
        "mixed_precision": {"float_layers": ["conv_dw_1"]},
        "wall_s": 12.0,
    }
    result["goals"] = report.goals(result)
    return result


def test_report_writes_markdown_json_and_plots(val_dataset, posenet, tmp_path):
    result = small_result(val_dataset, posenet)
    assert result["rows"][1]["latency_ms"]["2"]["runs"] == 2
    paths = report.write(result, tmp_path)
    md = (tmp_path / "report.md").read_text()
    assert json.loads((tmp_path / "report.json").read_text())["rows"][0]["name"] == "keras_float"
    assert "| full_int8_353x481 | 353x481 | mobile |" in md and "conv_dw_1" in md and "0.2 min" in md
    goals = {g["goal"]: g["met"] for g in result["goals"]}
    assert goals["full_int8 file at most 30% of float32"] is False  # 1002 / 1001 bytes
    assert not any(goals[g] for g in goals if g.startswith("our full_int8 at 353x481"))  # equal AP is not higher
    pngs = [p for p in paths if p.suffix == ".png"]
    assert len(pngs) == 3 and all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)


def test_metrics_of_keeps_the_reported_stats(val_dataset):
    stats = coco_eval(val_dataset.coco, [], val_dataset.image_ids[:2])
    assert set(report.metrics_of(stats)) == {f"keypoints/{k}" for k in report.KEYPOINT_STATS} | {"segm/AP"}
