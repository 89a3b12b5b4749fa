"""`personlab report`: inventory -> measure (cached) -> goals -> report.md, report.json, plots (+ README block)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from personlab.app.report import goals, markdown, plots
from personlab.app.report.cache import Cache
from personlab.app.report.inventory import Row, inventory
from personlab.app.report.measure import Protocol, all_metrics, latency, latency_input
from personlab.data import CocoPersons, DataError
from personlab.files import atomic_write

log = logging.getLogger(__name__)


def measure(rows: list[Row], protocol: Protocol, cache: Cache, jobs: int) -> tuple[list[dict], int]:
    """Each row as plain data (its fields, file size, COCO metrics, latency) and the number of images."""
    dataset = CocoPersons(protocol.coco_dir, "val")
    ids = dataset.image_ids[: protocol.images] if protocol.images else dataset.image_ids
    if not ids:
        raise DataError(f"no val images in {dataset.files.annotations}")
    metrics = {}
    for row, m in tqdm(all_metrics(rows, protocol, ids, cache, jobs), total=len(rows), desc="report: COCO AP",
                       unit="row", disable=None):  # fmt: skip
        metrics[row.name] = m
    image_of = latency_input(dataset)
    out = []
    for row in tqdm(rows, desc="report: latency", unit="row", disable=None):
        size = Path(row.path if row.kind != "keras" else row.path.replace(".json", ".weights.h5")).stat().st_size
        out.append(
            asdict(row)
            | {
                "size_bytes": size,
                "metrics": metrics[row.name]["mobile"],
                "latency_ms": latency(row, protocol, image_of(row.input_hw), cache),
            }
            | ({"reference_metrics": metrics[row.name]["reference"]} if "reference" in metrics[row.name] else {})
        )
    return out, len(ids)


def run(args) -> dict:
    start = time.perf_counter()
    rows = inventory(args.model, args.artifacts, args.weights_dir, args.imported)
    protocol = Protocol(str(args.coco_dir), args.limit, args.repeats)
    cache = Cache(args.cache)
    measured, images = measure(rows, protocol, cache, args.jobs)
    mixed = next(r for r in measured if r["name"] == "mixed")
    result = {
        "protocol": protocol.describe(list(range(images))),
        "rows": measured,
        "keras_reference": next(r for r in measured if r["name"] == "keras_float")["reference_metrics"],
        "mixed_precision": json.loads(Path(mixed["path"]).with_suffix(".json").read_text()).get("mixed_precision", {}),
    }
    result["goals"] = goals.goals(result)
    result["frontier"] = goals.frontier(result)
    result["wall_s"] = time.perf_counter() - start
    result["cache"] = {"hits": cache.hits, "misses": cache.misses}
    written = write(result, args.out)
    if args.readme:
        markdown.update_readme(args.readme, result)
        written.append(args.readme)
    print(markdown.main_table(result) + "\n" + markdown.frontier_table(result))
    for goal in result["goals"]:
        print(f"{'met' if goal['met'] else 'MISSED'}: {goal['goal']}: {goal['measured']}")
    print(f"{markdown.run_line(result)} Wrote {', '.join(map(str, written))}")
    return result


def write(result: dict, out: Path) -> list[Path]:
    """report.md, report.json and the plots in out; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = plots.plot(result, out)
    atomic_write(out / "report.json", (json.dumps(result, indent=2) + "\n").encode())
    atomic_write(out / "report.md", markdown.report_md(result, paths).encode())
    return [out / "report.md", out / "report.json", *paths]
