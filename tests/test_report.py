"""The report: Google anchors through our mobile decoder, the inventory, the cache, and the writers on real numbers."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import mobile_decoder
from personlab import checkpoint, geometry, spec
from personlab.app.anchors import FILES, GooglePredictor, mid_order
from personlab.app.report import goals, markdown
from personlab.app.report.cache import Cache
from personlab.app.report.inventory import Row, inventory
from personlab.app.report.measure import Protocol
from personlab.app.report.run import measure, write
from personlab.data import COCO_DIR, WEIGHTS_DIR, DataError

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


def small_rows(val_dataset, posenet, tmp_path) -> tuple[list[dict], Cache]:
    """PoseNet measured for real (2 val images, 2 timed runs) as the source of every row's numbers."""
    row = Row("posenet_075_int8", "anchor", "google", str(posenet.path), posenet.input_hw, "posenet_075_int8", "n")
    cache = Cache(tmp_path / "cache.json")
    measured, images = measure([row], Protocol(str(COCO_DIR), 2, repeats=2, warmup=1), cache, jobs=1)
    assert images == 2 and cache.misses == 2 and cache.hits == 0
    return measured, cache


def test_measurements_are_cached_by_content_and_protocol(val_dataset, posenet, tmp_path):
    first, _ = small_rows(val_dataset, posenet, tmp_path)
    row = Row(**{k: first[0][k] for k in Row.__dataclass_fields__})
    again = Cache(tmp_path / "cache.json")
    second, _ = measure([row], Protocol(str(COCO_DIR), 2, repeats=2, warmup=1), again, jobs=1)
    assert (again.hits, again.misses) == (2, 0) and second == first
    other = Cache(tmp_path / "cache.json")
    measure([row], Protocol(str(COCO_DIR), 1, repeats=2, warmup=1), other, jobs=1)  # fewer images: new AP
    assert (other.hits, other.misses) == (1, 1)


def test_missing_and_stale_artifacts_are_named(tmp_path):
    with pytest.raises(DataError, match="missing full_int8.*make pipeline"):
        inventory(checkpoint.SHIPPED, tmp_path, WEIGHTS_DIR, None)
    weights = checkpoint.read_info(checkpoint.SHIPPED)["weights_sha256"]
    (tmp_path / "old.tflite").write_bytes(b"x")
    (tmp_path / "old.json").write_text(json.dumps({"metadata_version": 1, "source": {"weights_sha256": weights}}))
    with pytest.raises(DataError, match=r"stale .*old.tflite \(metadata version 1"):
        inventory(checkpoint.SHIPPED, tmp_path, WEIGHTS_DIR, None)


def synthetic_result(measured: list[dict]) -> dict:
    """A result whose rows all carry PoseNet's real numbers, under the names the goals read."""
    base = measured[0]
    names = [("keras_float", "keras", "keras", (513, 513)), ("float32", "tflite", "float32", (513, 513)),
             ("full_int8", "tflite", "full_int8", (513, 513)), ("mixed", "tflite", "mixed", (513, 513)),
             ("keras_float_353x481", "keras", "keras", (353, 481)),
             ("full_int8_353x481", "tflite", "full_int8", (353, 481))]  # fmt: skip
    rows = [
        base | {"name": n, "group": "ours", "kind": k, "variant": v, "input_hw": hw, "size_bytes": 1000 + i,
                "latency_ms": {} if k == "keras" else base["latency_ms"], "sqnr_db": {h: 20.0 for h in spec.HEAD_NAMES}}
        for i, (n, k, v, hw) in enumerate(names)
    ]  # fmt: skip
    rows += [base, base | {"name": "bodypix_075_int8", "input_hw": (720, 1280)}]
    result = {
        "protocol": Protocol(str(COCO_DIR), 2).describe([1, 2]),
        "rows": rows,
        "keras_reference": base["metrics"],
        "mixed_precision": {"float_layers": ["conv_dw_1"]},
        "wall_s": 12.0,
        "cache": {"hits": 3, "misses": 4},
    }
    result["goals"] = goals.goals(result)
    return result


def test_report_writes_markdown_json_plots_and_the_readme_block(val_dataset, posenet, tmp_path):
    measured, _ = small_rows(val_dataset, posenet, tmp_path)
    result = synthetic_result(measured)
    met = {g["goal"].split(":")[0].split(" (")[0]: g["met"] for g in result["goals"]}
    assert met["full_int8 file at most 30% of float32"] is False  # 1002 / 1001 bytes
    assert met["at PoseNet's input"] is False  # equal AP is not PoseNet's + 0.02
    assert met["full_int8 keypoint AP and mask AP each within 0.010 of Keras float"] is True  # same numbers
    paths = write(result, tmp_path / "out")
    md = (tmp_path / "out/report.md").read_text()
    assert "| full_int8_353x481 | 353x481 |" in md and "conv_dw_1" in md and "4 measurements made, 3 reused" in md
    assert "| posenet_075_int8 (" in md and "ours at no more latency" in md
    assert json.loads((tmp_path / "out/report.json").read_text())["rows"][0]["name"] == "keras_float"
    pngs = [p for p in paths if p.suffix == ".png"]
    assert len(pngs) == 2 and all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    readme = tmp_path / "README.md"
    start, end = markdown.README_MARKERS
    readme.write_text(f"# title\n{start}\nold\n{end}\ntail\n")
    markdown.update_readme(readme, result)
    text = readme.read_text()
    assert "old" not in text and text.endswith(f"{end}\ntail\n") and "| full_int8 | 513x513 |" in text
    readme.write_text("no block")
    with pytest.raises(ValueError, match="no report block"):
        markdown.update_readme(readme, result)


def running(pid: int) -> bool:
    """The process exists and is not a zombie (it may vanish between the two reads)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_killed_report_leaves_no_worker_behind():
    """SIGKILL gives the pool no shutdown: its worker, busy with a long row, must still go."""
    parent = subprocess.Popen(
        [sys.executable, "-c", "\n".join([
            "import os, time",
            "from concurrent.futures import ProcessPoolExecutor",
            "import multiprocessing",
            "from personlab.app.report import measure",
            "spawn = multiprocessing.get_context('spawn')",
            "pool = ProcessPoolExecutor(1, mp_context=spawn, initializer=measure._quiet_worker)",
            "print(pool.submit(os.getpid).result(), flush=True)",
            "pool.submit(time.sleep, 600)",
            "time.sleep(600)",
        ])],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    worker = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    for _ in range(60):
        if not running(worker):
            break
        time.sleep(0.5)
    else:
        os.kill(worker, signal.SIGKILL)
        pytest.fail(f"worker {worker} still running 30 s after its report was killed")
