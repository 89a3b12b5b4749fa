"""Careless and hostile input, command by command: exit 2, one line naming the bad thing, nothing written.

Each case builds its bad input under tmp_path and names the output folder `out`; afterwards that folder
must be absent or empty and no temporary file may be left anywhere under tmp_path.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mobile_decoder
from personlab import checkpoint, spec
from personlab.app.cli import main
from personlab.data import COCO_DIR, read_rgb, split_files

SHIPPED = checkpoint.stem_of(checkpoint.SHIPPED)


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def val_json() -> dict:
    return json.loads(split_files(COCO_DIR, "val").annotations.read_text())


def annotations(tmp: Path, change: Callable[[dict], None]) -> list[str]:
    doc = val_json()
    change(doc)
    return ["--annotations", str(write(tmp / "bad.json", json.dumps(doc))), "--images", str(tmp)]


def checkpoint_copy(tmp: Path, info: dict | str | None = None, weights: bytes | None = None) -> str:
    """The shipped checkpoint under tmp, with its json and/or weights replaced."""
    stem = tmp / "ck"
    shutil.copy(f"{SHIPPED}.weights.h5", f"{stem}.weights.h5")
    if weights is not None:
        Path(f"{stem}.weights.h5").write_bytes(weights)
    original = json.loads(Path(f"{SHIPPED}.json").read_text())
    write(Path(f"{stem}.json"), original if info is None else info)
    return f"{stem}.json"


def artifact_copy(tmp: Path, artifact: Path, tflite: bytes | None = None, meta=None) -> str:
    """The int8 artifact under tmp, with its bytes and/or metadata replaced (meta: a function of the metadata)."""
    path = write(tmp / "model.tflite", tflite if tflite is not None else artifact.read_bytes())
    doc = json.loads(artifact.with_suffix(".json").read_text())
    write(path.with_suffix(".json"), meta(doc) if callable(meta) else doc if meta is None else meta)
    return str(path)


def image(tmp: Path) -> str:
    dataset_images = split_files(COCO_DIR, "val").images
    return str(shutil.copy(sorted(dataset_images.iterdir())[0], tmp / "image.jpg"))


def head_field(field: str, value) -> Callable[[dict], dict]:
    def change(doc: dict) -> dict:
        doc["heads"]["heatmaps"][field] = value
        return doc

    return change


def spec_field(field: str, value) -> Callable[[dict], dict]:
    def change(doc: dict) -> dict:
        doc["spec"][field] = value
        return doc

    return change


def drop(key: str, where: str = "images") -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        for entry in doc[where]:
            entry.pop(key, None)

    return change


def nan_area(doc: dict) -> None:
    doc["annotations"][0]["area"] = float("nan")


# (command, what is wrong, argv builder (tmp, artifact) -> argv after the command, message)
CASES = [
    ("evaluate", "checkpoint json is not JSON", lambda t, a: ["--model", str(write(t / "c.json", "{"))],
     "not readable JSON"),
    ("evaluate", "checkpoint json without model", lambda t, a: ["--model", checkpoint_copy(t, {"x": 1})],
     "no 'model' object"),
    ("evaluate", "corrupt weights", lambda t, a: ["--model", checkpoint_copy(t, weights=b"garbage")],
     "do not match the sha256"),
    ("evaluate", "weights of another width", lambda t, a: ["--model", checkpoint_copy(
        t, {"model": {"backbone": "mobilenet_v1", "alpha": 0.5, "stride": 16}})], "do not fit"),
    ("evaluate", "COCO json without categories",
     lambda t, a: ["--model", a, *annotations(t, lambda d: d.pop("categories"))], "no 'categories' list"),
    ("evaluate", "COCO json without heights", lambda t, a: ["--model", a, *annotations(t, drop("height"))],
     "lacks one of id, file_name, height, width"),
    ("evaluate", "COCO annotation with a NaN area", lambda t, a: ["--model", a, *annotations(t, nan_area)],
     "area nan must be a finite number"),
    ("evaluate", "COCO json with no images",
     lambda t, a: ["--model", a, *annotations(t, lambda d: d.update(images=[], annotations=[]))], "no images in"),
    ("evaluate", "--limit 0", lambda t, a: ["--model", a, "--limit", "0"], "expected a whole number >= 1"),
    ("evaluate", "--out under a file", lambda t, a: ["--model", a, "--out", str(write(t / "f", "x") / "out")],
     "is a file, not a folder"),
    ("predict", "missing image", lambda t, a: [str(t / "nope.jpg"), "--model", a], "no such image"),
    ("predict", "text as an image", lambda t, a: [str(write(t / "x.jpg", "not an image")), "--model", a],
     "cannot read image"),
    ("predict", "decompression-bomb sized image", lambda t, a: [
        str(_bomb(t / "bomb.png")), "--model", a], "more than 40,000,000 pixels"),
    ("predict", "truncated .tflite", lambda t, a: [image(t), "--model", artifact_copy(
        t, Path(a), tflite=Path(a).read_bytes()[:5000])], "is not a TFLite model"),
    ("predict", "metadata not JSON", lambda t, a: [image(t), "--model", artifact_copy(t, Path(a), meta="{")],
     "not readable JSON"),
    ("predict", "metadata that is a list", lambda t, a: [image(t), "--model", artifact_copy(t, Path(a), meta=[1])],
     "metadata is a list"),
    ("predict", "metadata without heads", lambda t, a: [image(t), "--model", artifact_copy(
        t, Path(a), meta=lambda d: {k: v for k, v in d.items() if k != "heads"})], "heads"),
    ("predict", "metadata with a NaN scale", lambda t, a: [image(t), "--model", artifact_copy(
        t, Path(a), meta=head_field("scale", float("nan")))], "the metadata says"),
    ("predict", "metadata with stride 0", lambda t, a: [image(t), "--model", artifact_copy(
        t, Path(a), meta=spec_field("stride", 0))], "stride 0"),
    ("predict", "metadata with a huge input size", lambda t, a: [image(t), "--model", artifact_copy(
        t, Path(a), meta=lambda d: d | {"input_size": [100000, 100000]})], "input size"),
    ("predict", "--out is a folder", lambda t, a: [image(t), "--model", a, "--out", str(t)], "is a folder"),
    ("export", "--input-size 100001", lambda t, a: ["--input-size", "100001"], "sides must be 1..2049"),
    ("export", "unknown format", lambda t, a: ["--formats", "float32,bogus"], "unknown export format"),
    ("quantize", "4-channel calibration images", lambda t, a: ["--calibration", str(_calibration(
        t, np.zeros((2, 513, 513, 4), np.uint8)))], "need uint8 (N, H, W, 3)"),
    ("quantize", "calibration images not .npy", lambda t, a: ["--calibration", str(_calibration(t, b"junk"))],
     "not a .npy file (no NumPy header)"),
    ("quantize", "calibration manifest {}", lambda t, a: ["--calibration", str(_calibration(
        t, np.zeros((2, 513, 513, 3), np.uint8), {}))], "lacks fields"),
    ("calibrate", "--size 0", lambda t, a: ["--size", "0"], "expected a whole number >= 1"),
    ("calibrate", "val without --force", lambda t, a: ["--split", "val"], "calibration uses the train split"),
    ("report", "no artifacts", lambda t, a: ["--artifacts", str(t / "empty")], "missing float32"),
    ("bench", "missing artifact", lambda t, a: ["--model", str(t / "none.tflite")], "no artifact"),
    ("tune-decoder", "val images", lambda t, a: ["--model", a, "--split", "val", "--limit", "2"],
     "chosen on held-back train images"),
    ("tune-decoder", "a checkpoint trained on the images", lambda t, a: ["--model", str(checkpoint.SHIPPED),
     "--limit", "2"], "held back 0 train images, fewer than --limit 2"),
    ("tune-decoder", "unknown setting", lambda t, a: ["--model", a, "--limit", "2", "--grid", "bogus=1"],
     "unknown decoder setting 'bogus'"),
    ("tune-decoder", "a value of the wrong type", lambda t, a: ["--model", a, "--limit", "2", "--grid",
     "max_people=many"], "max_people takes int values"),
    ("tune-decoder", "--out not markdown", lambda t, a: ["--model", a, "--limit", "2", "--out", str(t / "out.json")],
     "expected a markdown file"),
]  # fmt: skip

#: Commands whose --out is one file (the rest write into a folder).
FILE_OUTPUTS = {"predict": "results.json", "tune-decoder": "settings.md"}


def _bomb(path: Path) -> Path:
    Image.new("L", (8000, 8000)).save(path)  # a few KB on disk, 64 megapixels decoded
    return path


def _calibration(tmp: Path, images, manifest=None) -> Path:
    directory = tmp / "cal"
    if isinstance(images, bytes):
        write(directory / "images.npy", images)
    else:
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "images.npy", images)
    write(directory / "manifest.json", manifest if manifest is not None else {"split": "train"})
    return directory


@pytest.mark.parametrize(("command", "what", "build", "message"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(command, what, build, message, int8_artifact, tmp_path,
                                                            capsys):  # fmt: skip
    out = tmp_path / "out"
    argv = [command, *build(tmp_path, str(int8_artifact))]
    if "--out" not in argv:
        argv += ["--out", str(out / FILE_OUTPUTS[command] if command in FILE_OUTPUTS else out)]
    assert main(argv) == 2, what
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert err.startswith(f"personlab {command}: error: ")
    assert not out.exists() or not any(out.iterdir()), sorted(out.iterdir())
    assert not list(tmp_path.rglob("*.tmp")), "a temporary file stayed behind"


def test_verbose_shows_the_traceback(int8_artifact, tmp_path, capsys):
    assert main(["-v", "predict", str(tmp_path / "nope.jpg"), "--model", str(int8_artifact)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("personlab predict: error: no such image")


def test_a_16_bit_png_reads_as_its_8_bit_picture(tmp_path):
    picture = np.asarray(Image.open(sorted(split_files(COCO_DIR, "val").images.iterdir())[0]).convert("L"))
    Image.fromarray(picture.astype(np.uint16) * 257).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    rgb = read_rgb(tmp_path / "deep.png")
    assert rgb.dtype == np.uint8 and np.array_equal(rgb[..., 0], picture) and np.array_equal(rgb[..., 2], picture)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (head_field("scale", float("inf")), "scale inf"),
        (head_field("zero_point", 300), "zero point 300"),
        (head_field("scale", 0.0), "scale 0.0"),
        (spec_field("disk_radius", float("nan")), "disk radius nan"),
        (spec_field("flip_index", [0] * spec.NUM_KEYPOINTS), "flip_index"),
        (lambda d: d | {"decoder": {**d["decoder"], "max_people": float("nan")}}, "max_people"),
        (lambda d: d | {"decoder": {**d["decoder"], "max_people": -1}}, "max_people"),
    ],
)
def test_mobile_decoder_refuses_metadata_it_cannot_trust(change, message, int8_artifact):
    metadata = json.loads(int8_artifact.with_suffix(".json").read_text())
    grid = metadata["heads"]["heatmaps"]["shape"]
    outputs = {n: np.zeros(h["shape"], np.dtype(h["dtype"])) for n, h in metadata["heads"].items()}
    assert grid[1:3] == list(spec.grid_shape(*spec.DEFAULT_INPUT_SIZE, 16))
    mobile_decoder.Heads.from_outputs(outputs, metadata)  # the real metadata is fine
    with pytest.raises(mobile_decoder.MetadataError, match=message):
        mobile_decoder.Heads.from_outputs(outputs, change(json.loads(json.dumps(metadata))))


def test_hostile_outputs_decode_within_the_caps():
    from personlab.app.bench import hostile_outputs

    outputs, metadata = hostile_outputs((257, 321))
    heads = mobile_decoder.Heads.from_outputs(outputs, metadata)
    people, labels = mobile_decoder.decode(heads)
    cfg = heads.defaults
    assert 0 < len(people) <= cfg.max_people
    assert all(np.isfinite(p.yx).all() and (p.yx >= 0).all() and (p.yx <= 320).all() for p in people)
    assert labels.min() >= -1 and labels.max() < len(people)


def test_a_folder_goes_on_past_a_bad_image_and_overlay_names_never_collide(int8_artifact, tmp_path, capsys):
    folder, other = tmp_path / "images", tmp_path / "more"
    folder.mkdir()
    good = image(folder)  # image.jpg
    shutil.copy(good, folder / "image.png")  # the same stem, another file
    other.mkdir()
    shutil.copy(good, other / "image.jpg")  # the same name in another folder
    write(folder / "broken.jpg", b"\xff\xd8 not really a jpeg")
    out, render = tmp_path / "out/results.json", tmp_path / "render"
    code = main(["predict", str(folder), str(other), "--model", str(int8_artifact), "--out", str(out),
                 "--render", str(render)])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "1 of 4 images could not be read" in err and "broken.jpg" in err
    assert {r["image_id"] for r in json.loads(out.read_text())} == {1, 2, 3}  # positions of the readable ones
    assert sorted(p.name for p in render.iterdir()) == ["image_1.png", "image_2.png", "image_3.png"]
