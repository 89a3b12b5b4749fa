"""report.md and the README block, from a report result (plain data: report.json)."""

from __future__ import annotations

from pathlib import Path

from personlab import spec
from personlab.app.report.goals import by_name, drops, frontier
from personlab.app.report.measure import KEYPOINT_STATS

#: README.md's copy of the tables and goals sits between these lines; `personlab report --readme` refreshes it.
README_MARKERS = ("<!-- report:start (personlab report --readme rewrites this block) -->", "<!-- report:end -->")


def _ms(row: dict, threads: int, key: str = "median_ms") -> str:
    t = row["latency_ms"].get(str(threads))
    return f"{t[key]:.2f}" if t else "—"


def main_table(result: dict) -> str:
    """Every row but the calibration study's."""
    lines = [
        "| row | input | size (KiB) | ms 1 thr (p90) | ms 2 thr (p90) | kp AP | AP50 | AP75 | APm | APl | AR "
        "| mask AP | kp AP drop | mask AP drop |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        if r["group"] == "calibration":
            continue
        m, d = r["metrics"], drops(result, r)
        lines.append(
            f"| {r['name']} | {r['input_hw'][0]}x{r['input_hw'][1]} | {r['size_bytes'] / 1024:.0f} "
            f"| {_ms(r, 1)} ({_ms(r, 1, 'p90_ms')}) | {_ms(r, 2)} ({_ms(r, 2, 'p90_ms')}) | "
            + " | ".join(f"{m[f'keypoints/{k}']:.3f}" for k in KEYPOINT_STATS)
            + f" | {m['segm/AP']:.3f} | "
            + (f"{d[0]:+.3f} | {d[1]:+.3f} |" if d is not None else "— | — |")
        )
    return "\n".join(lines) + "\n"


def frontier_table(result: dict) -> str:
    rows = by_name(result)

    def cell(name: str | None, threads: tuple[int, ...]) -> str:
        """A row's APs and its latency at the thread counts its column compares."""
        if not name:
            return "none"
        r = rows[name]
        ms = " / ".join(_ms(r, t) for t in threads)
        return f"{name} ({r['metrics']['keypoints/AP']:.3f} / {r['metrics']['segm/AP']:.3f}, {ms} ms)"

    lines = [
        "| Google model (kp / mask AP, ms 1 / 2 thr) | ours at its input size (ms 1 / 2 thr) "
        "| ours at no more latency, 1 thread (ms 1 thr) | ours at no more latency, 2 threads (ms 2 thr) |",
        "|---|---|---|---|",
    ]
    for f in frontier(result):
        lines.append(
            f"| {cell(f['google'], (1, 2))} | {cell(f['same_input'], (1, 2))} "
            f"| {cell(f.get('within_latency_1'), (1,))} | {cell(f.get('within_latency_2'), (2,))} |"
        )
    return "\n".join(lines) + "\n"


def goals_table(result: dict) -> str:
    lines = ["| goal | measured | met |", "|---|---|---|"]
    lines += [f"| {g['goal']} | {g['measured']} | {'yes' if g['met'] else '**no**'} |" for g in result["goals"]]
    return "\n".join(lines) + "\n"


def run_line(result: dict) -> str:
    c = result["cache"]
    return (
        f"This run took {result['wall_s']:.0f} s: {c['misses']} measurements made, {c['hits']} reused from the "
        "cache (same artifact bytes, same protocol)."
    )


def report_md(result: dict, plots: list[Path]) -> str:
    p = result["protocol"]
    sqnr_rows = [r for r in result["rows"] if r.get("sqnr_db")]
    heads = list(spec.HEAD_NAMES)
    study = [r for r in result["rows"] if r["group"] == "calibration"]
    out = [
        "# Accuracy, size and latency of every artifact",
        "",
        "Regenerate: `make pipeline` (builds what is missing, then `personlab report`). " + run_line(result),
        "",
        f"Protocol: COCO {p['split']} ({p['images']} images), pycocotools keypoint OKS AP and mask AP. Latency: one "
        f"invoke through {p['runtime']}, {p['threads']} threads, median and p90 of up to {p['repeats']} runs after "
        f"{p['warmup']} warm-up (slow artifacts: as many as fit in {p['latency_budget_s']:.0f} s, at least 10), on "
        f"{p['latency_input']}; decoding not included; {p['machine']}. Decoder: {p['decoder']}. "
        "Drop = the Keras float model's AP at the same input size through the same mobile decoder minus the row's "
        "(positive: worse than float). Timings on a shared 2-core machine are noisy.",
        "",
        "## Main table",
        "",
        main_table(result),
        *[f"- {r['name']}: {r['note']}" for r in result["rows"] if r["note"] and r["group"] != "calibration"],
        f"- keras_float with the float reference decoder: kp AP {result['keras_reference']['keypoints/AP']:.3f}, "
        f"mask AP {result['keras_reference']['segm/AP']:.3f}",
        "",
        "## Against Google's models: the accuracy-latency frontier",
        "",
        "Our best integer artifact (full_int8 or mixed) at each Google model's input size, and at no more than its "
        "latency (kp AP / mask AP, ms at 2 threads).",
        "",
        frontier_table(result),
        "## Goals",
        "",
        goals_table(result),
        "Goals missed are reported as measured; nothing was tuned on val to meet them.",
        "",
        "## Per-head SQNR (dB, quantized vs Keras float outputs, first 16 val images)",
        "",
        "| artifact | " + " | ".join(heads) + " |",
        "|---|" + "---|" * len(heads),
        *[f"| {r['name']} | " + " | ".join(f"{r['sqnr_db'][h]:.1f}" for h in heads) + " |" for r in sqnr_rows],
        "",
        "## Calibration study (full_int8, train images, seed 0)",
        "",
    ]
    if study:
        out += ["| strategy | images | input | kp AP | mask AP | kp AP drop | mask AP drop |", "|---" * 7 + "|"]
        for r in [by_name(result)["full_int8"], *study]:
            c, d, m = r["calibration"], drops(result, r), r["metrics"]
            out.append(
                f"| {c.get('strategy')} | {c.get('images')} | {r['input_hw'][0]}x{r['input_hw'][1]} "
                f"| {m['keypoints/AP']:.3f} | {m['segm/AP']:.3f} | {d[0]:+.3f} | {d[1]:+.3f} |"
            )
    else:
        out.append("Not built: `make calibration-study` builds its artifacts, and the next report measures them.")
    out += ["", "## Plots", "", *[f"![{path.stem}]({path.name})" for path in plots], ""]
    return "\n".join(out)


def readme_block(result: dict) -> str:
    goals = [f"- {'met' if g['met'] else '**missed**'}: {g['goal']} ({g['measured']})" for g in result["goals"]]
    tables = [main_table(result), frontier_table(result)]
    return "\n".join([run_line(result), "", *tables, "Goals, as measured:", "", *goals])


def update_readme(readme: Path, result: dict) -> None:
    """Replace the README's report block (between README_MARKERS); ValueError when it has none."""
    text = readme.read_text()
    start, end = README_MARKERS
    if start not in text or end not in text:
        raise ValueError(f"{readme} has no report block ({start} ... {end})")
    head, rest = text.split(start, 1)
    readme.write_text(f"{head}{start}\n{readme_block(result)}\n{end}{rest.split(end, 1)[1]}")
