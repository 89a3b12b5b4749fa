"""One row's measurements: COCO AP through the mobile decoder (in worker processes, one interpreter
each, so rows use both cores) and invoke latency (in the main process, one row at a time, so rows
never time each other)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import platform
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np

from personlab import geometry, spec
from personlab.app.bench import timings_ms
from personlab.app.report.cache import Cache, file_sha256, key
from personlab.app.report.inventory import Row
from personlab.data import CocoPersons

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[3]
THREADS = (1, 2)
KEYPOINT_STATS = ("AP", "AP50", "AP75", "APm", "APl", "AR")
#: The code a measurement depends on (a change invalidates cached measurements).
MEASURING_CODE = (
    "mobile_decoder/*.py", "personlab/decoder.py", "personlab/decoder_config.py", "personlab/evaluate.py",
    "personlab/geometry.py", "personlab/data.py", "personlab/runtime.py", "personlab/inference.py",
    "personlab/spec.py", "personlab/app/anchors.py",
)  # fmt: skip


@dataclass(frozen=True)
class Protocol:
    """How every row is measured; part of every cache key."""

    coco_dir: str
    images: int | None  # None: the whole val split
    repeats: int = 50
    warmup: int = 5
    latency_budget_s: float = 5.0  # per measurement: slow artifacts (int16x8) get fewer runs, at least 10

    def describe(self, ids: list[int]) -> dict:
        return {
            "split": "val",
            "images": len(ids),
            "runtime": f"ai_edge_litert {version('ai-edge-litert')} Interpreter, default XNNPACK CPU delegate",
            "threads": list(THREADS),
            "repeats": self.repeats,
            "warmup": self.warmup,
            "latency_budget_s": self.latency_budget_s,
            "latency_input": "the first val image, letterboxed to the row's input size",
            "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {cpu_name()}",
            "decoder": "mobile (mobile_decoder, on raw outputs) for every row; the 513x513 Keras float also reference",
        }


def cpu_name() -> str:
    """The CPU model and its int8 dot-product extension: full-integer latency through XNNPACK depends on it
    several-fold (a row's latency is comparable only with rows of the same CPU)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or platform.system()
    field = lambda name: next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith(name)), "")  # noqa: E731
    flags = (field("flags") or field("Features")).split()  # x86 names them flags, ARM Features
    dot = [f for f in ("avx512_vnni", "avx_vnni", "asimddp") if f in flags]
    return f"{field('model name') or 'unknown CPU'}, int8 dot product: {' '.join(dot) or 'none'}"


def code_sha256() -> str:
    files = sorted(p for pattern in MEASURING_CODE for p in ROOT.glob(pattern))
    return key(*[(str(p.relative_to(ROOT)), file_sha256(p)) for p in files])


def content_sha256(row: Row) -> str:
    """What the row runs: the artifact's bytes, or the checkpoint's weights."""
    if row.kind == "keras":
        from personlab import checkpoint

        return checkpoint.read_info(row.path)["weights_sha256"]
    return file_sha256(row.path)


def make_predictor(row: Row, threads: int):
    if row.kind == "tflite":
        from personlab.runtime import LiteRTPredictor

        return LiteRTPredictor.from_file(row.path, num_threads=threads)
    if row.kind == "google":
        from personlab.app.anchors import GooglePredictor

        return GooglePredictor(row.path, threads, row.variant)
    import tensorflow as tf

    from personlab.inference import KerasPredictor

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    return KerasPredictor(row.path, row.input_hw, row.stride)


def metrics_of(stats: dict[str, float]) -> dict[str, float]:
    return {f"keypoints/{k}": stats[f"keypoints/{k}"] for k in KEYPOINT_STATS} | {"segm/AP": stats["segm/AP"]}


def coco_metrics(row: Row, coco_dir: str, ids: list[int]) -> dict[str, dict]:
    """{"mobile": metrics} ({"reference": ...} too for the 513x513 Keras float): one worker process's job."""
    from personlab.evaluate import evaluate_model

    predictor = make_predictor(row, threads=1)
    dataset = CocoPersons(coco_dir, "val")
    out = {"mobile": metrics_of(evaluate_model(predictor, dataset, ids, decoder="mobile")[1])}
    if row.kind == "keras" and (tuple(row.input_hw), row.stride) == (spec.DEFAULT_INPUT_SIZE, spec.DEFAULT_STRIDE):
        out["reference"] = metrics_of(evaluate_model(predictor, dataset, ids, decoder="reference")[1])
    return out


def _quiet_worker() -> None:
    from personlab.app.quiet import quiet_libraries

    os.environ.update(TQDM_DISABLE="1", OMP_NUM_THREADS="1")
    quiet_libraries(verbose=False)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A report killed by SIGTERM or SIGKILL has no chance to shut its pool down: its workers, minutes
    into a row, notice the parent is gone (they are re-parented) and exit instead of finishing the row."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def all_metrics(rows: list[Row], p: Protocol, ids: list[int], cache: Cache, jobs: int) -> Iterator[tuple[Row, dict]]:
    """(row, metrics) for every row, cached ones first, the rest measured by `jobs` processes."""
    code = code_sha256()
    keys = {r.name: key("coco", content_sha256(r), r.input_hw, r.stride, p.coco_dir, ids, code) for r in rows}
    todo = []
    for r in rows:
        if (hit := cache.get(keys[r.name])) is not None:
            yield r, hit
        else:
            todo.append(r)
    if not todo:
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context, initializer=_quiet_worker) as pool:
        futures = {pool.submit(coco_metrics, r, p.coco_dir, ids): r for r in sorted(todo, key=_slow_first)}
        for future in as_completed(futures):
            r = futures[future]
            cache.put(keys[r.name], future.result())
            log.info("report: measured %s (kp AP %.3f)", r.name, future.result()["mobile"]["keypoints/AP"])
            yield r, future.result()


def _slow_first(row: Row) -> tuple:
    """The Keras rows (TensorFlow start-up, the reference decoder) and big inputs go first: less idle tail."""
    return (row.kind != "keras", -row.input_hw[0] * row.input_hw[1])


def latency(row: Row, p: Protocol, image: np.ndarray, cache: Cache) -> dict[str, dict]:
    """{threads: median / p90 / runs of one invoke}, after warm-up; fewer runs when an invoke is slow."""
    if row.kind == "keras":
        return {}
    k = key("latency", content_sha256(row), p.repeats, p.warmup, p.latency_budget_s, THREADS, p.describe([]))
    if (hit := cache.get(k)) is not None:
        return hit
    out = {}
    for threads in THREADS:
        predictor = make_predictor(row, threads)
        start = time.perf_counter()
        predictor.raw(image)
        first_s = time.perf_counter() - start
        repeats = int(min(p.repeats, max(10, p.latency_budget_s / max(first_s, 1e-6))))
        out[str(threads)] = timings_ms(lambda pr=predictor: pr.raw(image), repeats, p.warmup)
    cache.put(k, out)
    return out


def latency_input(dataset: CocoPersons) -> Callable[[tuple[int, int]], np.ndarray]:
    image = dataset.read_image(dataset.image_ids[0])
    return lambda input_hw: geometry.letterboxed(image, input_hw)[1]
