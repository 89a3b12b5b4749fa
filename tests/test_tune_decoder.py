"""The decoder-settings study: its defaults row is `evaluate --decoder mobile`, and a setting's row is that
setting's effect alone, on the same raw outputs."""

import json

import pytest

import mobile_decoder
from personlab.app.cli import main
from personlab.app.tune_decoder import markdown, parse_grid, study
from personlab.data import CocoPersons
from personlab.evaluate import evaluate_model
from personlab.inference import load_predictor

IMAGES = 4


@pytest.fixture(scope="module")
def rows(int8_artifact):
    predictor = load_predictor(int8_artifact)
    dataset = CocoPersons(split="train")
    ids = dataset.image_ids[:IMAGES]
    grid = {"mask_distance": (0.0,), "nms_radius": (5.0, 20.0)}
    _, metrics = evaluate_model(predictor, dataset, ids, decoder="mobile")
    return study(predictor, dataset, ids, grid), metrics


def test_the_defaults_row_is_evaluate_with_the_mobile_decoder(rows):
    rows, metrics = rows
    assert [(r.setting, r.value) for r in rows] == [("", None), ("mask_distance", 0.0), ("nms_radius", 5.0),
                                                    ("nms_radius", 20.0)]  # fmt: skip
    assert rows[0].keypoint_ap == metrics["keypoints/AP"] > 0 and rows[0].mask_ap == metrics["segm/AP"] > 0


def test_a_mask_setting_moves_mask_ap_alone(rows):
    base, no_mask_pixels = rows[0][:2]
    assert no_mask_pixels.keypoint_ap == base.keypoint_ap  # masks never change the people
    assert no_mask_pixels.mask_ap < base.mask_ap


def test_grid_values_take_each_settings_type(int8_artifact):
    defaults = mobile_decoder.Settings.from_metadata(json.loads(int8_artifact.with_suffix(".json").read_text()))
    grid = parse_grid(["max_people=10,20", "long_range_recovery=false", "nms_radius=5"], defaults)
    assert grid == {"max_people": (10, 20), "long_range_recovery": (False,), "nms_radius": (5.0,)}
    assert type(grid["max_people"][0]) is int and type(grid["nms_radius"][0]) is float


def test_the_table_states_each_change_from_the_defaults(rows):
    text = markdown(rows[0], "title", "personlab tune-decoder ...")
    assert text.count("\n| ") == 1 + len(rows[0])  # header + one line per row
    assert "| defaults |  | " in text and "+0.0000 | +0.0000 |" in text


def test_the_command_writes_the_table_and_its_json(int8_artifact, tmp_path, capsys):
    out = tmp_path / "study/settings.md"
    argv = ["tune-decoder", "--model", str(int8_artifact), "--limit", "2", "--grid", "nms_radius=20", "--out", str(out)]
    assert main(argv) == 0
    summary = json.loads(out.with_suffix(".json").read_text())
    assert summary["images"] == 2 and [r["setting"] for r in summary["rows"]] == ["", "nms_radius"]
    assert "--grid nms_radius=20" in out.read_text() and "defaults: keypoint AP" in capsys.readouterr().out
