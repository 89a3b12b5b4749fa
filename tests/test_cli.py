"""The `personlab` command: bad input exits 2 with one line; the subcommands do their job end to end."""

import json

import numpy as np
import pytest
from PIL import Image

from personlab.app.cli import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--input-size", "100", "--epochs", "1"], "stride*k+1"),
        (["train", "--backbone", "mobilenet_v2", "--alpha", "0.5"], "supports alpha"),
        (["train", "--init", "bodypix", "--backbone", "mobilenet_v2", "--alpha", "0.35"], "BodyPix weights exist"),
        (["evaluate", "--model", "no/such/checkpoint.json"], "checkpoint not found"),
        (["evaluate", "--model", "no/such/model.tflite"], "model not found"),
        (["render-targets", "1", "--out", "unused"], "not in the val split"),
        (["render-targets", "--coco-dir", "/nonexistent"], "no COCO 'val' split"),
        (["quantize", "--calibration", "/nonexistent", "--out", "unused"], "run personlab calibrate"),
        (["calibrate", "--coco-dir", "/nonexistent", "--out", "unused"], "no COCO 'train' split"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv, message, capsys, tmp_path):
    argv = [a.replace("unused", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err


def test_quantize_with_an_empty_calibration_set_exits_2(tmp_path, capsys):
    from calibration import representative

    manifest = representative.Manifest("train", "random", 0, (513, 513), (), {}, "")
    representative.write(tmp_path / "cal", np.zeros((0, 513, 513, 3), np.uint8), manifest)
    assert main(["quantize", "--calibration", str(tmp_path / "cal"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "is empty" in err and len(err.splitlines()) == 1, err


def test_import_then_evaluate_writes_results_and_metrics(tmp_path, capsys, val_dataset):
    assert main(["import-bodypix", "--out", str(tmp_path / "bodypix")]) == 0
    out = tmp_path / "eval"
    assert main(["evaluate", "--model", str(tmp_path / "bodypix.json"), "--limit", "4", "--out", str(out)]) == 0
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["images"] == 4 and summary["input_size"] == [513, 513]
    assert 0.0 < summary["metrics"]["keypoints/AP"] <= 1.0
    results = json.loads((out / "results.json").read_text())
    assert results and {r["image_id"] for r in results} <= set(val_dataset.image_ids[:4])
    assert "keypoint AP" in capsys.readouterr().out


def test_render_targets_writes_a_png_per_image(tmp_path, val_dataset):
    ids = [str(i) for i in val_dataset.image_ids[:2]]
    assert main(["render-targets", *ids, "--input-size", "353x481", "--out", str(tmp_path)]) == 0
    for image_id in ids:
        with Image.open(tmp_path / f"targets_{image_id}.png") as png:
            assert png.size == (3 * 481, 353)


def test_plain_coco_files_work_as_everywhere_else(tmp_path, capsys, int8_artifact):
    from personlab.data import COCO_DIR, split_files

    val = split_files(COCO_DIR, "val")
    plain = ["--annotations", str(val.annotations), "--images", str(val.images)]
    out = tmp_path / "eval"
    argv = ["evaluate", "--model", str(int8_artifact), "--decoder", "mobile", "--limit", "3", *plain, "--out", str(out)]
    assert main(argv) == 0
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["images"] == 3 and summary["annotations"] == str(val.annotations)
    argv = ["calibrate", *plain, "--split", "val", "--force", "--size", "2", "--input-size", "65"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert len(manifest["image_ids"]) == 2 and manifest["coco_annotations"] == str(val.annotations)
