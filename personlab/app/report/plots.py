"""The report's plots: the accuracy-latency frontier against Google's models, AP drops, the calibration study."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from personlab.app.report.goals import MAX_DROP, drops
from personlab.app.report.measure import THREADS


def plot(result: dict, out: Path) -> list[Path]:
    """PNG files in out."""
    import matplotlib

    matplotlib.use("Agg")
    out.mkdir(parents=True, exist_ok=True)
    paths = [frontier_plot(result, out / "frontier.png"), drop_plot(result, out / "ap_drop.png")]
    if any(r["group"] == "calibration" for r in result["rows"]):
        paths.append(calibration_plot(result, out / "calibration.png"))
    return paths


def frontier_plot(result: dict, path: Path) -> Path:
    """Keypoint and mask AP against latency at 1 and 2 threads: our integer artifacts, Google's as red squares."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(THREADS), figsize=(11, 8), sharey="row")
    timed = [r for r in result["rows"] if r["latency_ms"] and r["group"] != "calibration"]
    for col, threads in enumerate(map(str, THREADS)):
        for row_i, (key, label) in enumerate((("keypoints/AP", "keypoint AP"), ("segm/AP", "mask AP"))):
            ax = axes[row_i, col]
            ours = sorted(
                (r for r in timed if r["group"] == "ours" and r["variant"] in ("full_int8", "mixed")),
                key=lambda r: r["latency_ms"][threads]["median_ms"],
            )
            others = [r for r in timed if r not in ours]
            for group, marker, color in ((ours, "o", "C0"), (others, "s", "C3")):
                for i, r in enumerate(group):
                    x, y = r["latency_ms"][threads]["median_ms"], r["metrics"][key]
                    if key == "segm/AP" and r["name"].startswith("posenet"):
                        continue  # no masks
                    c = color if r["group"] == "anchor" or group is ours else "C7"
                    ax.scatter(x, y, marker=marker, color=c)
                    ax.annotate(r["name"], (x, y), fontsize=6, xytext=(3, 6 * (i % 3) - 6), textcoords="offset points")
            ax.set(xscale="log", xlabel=f"median invoke ms, {threads} thread(s) (log)", ylabel=label)
    fig.suptitle("Accuracy against latency: ours (blue: integer artifacts, grey: other variants), Google's (red)")
    return save(fig, path)


def drop_plot(result: dict, path: Path) -> Path:
    import matplotlib.pyplot as plt

    ours = [r for r in result["rows"] if r["group"] == "ours" and r["kind"] != "keras" and drops(result, r)]
    fig, ax = plt.subplots(figsize=(9, 4))
    x = np.arange(len(ours))
    for i, label in enumerate(("keypoint AP", "mask AP")):
        ax.bar(x + (i - 0.5) * 0.4, [drops(result, r)[i] for r in ours], 0.4, label=label)
    ax.axhline(MAX_DROP, color="k", linestyle="--", linewidth=0.8, label=f"goal ({MAX_DROP})")
    ax.set_xticks(x, [r["name"] for r in ours], rotation=35, ha="right", fontsize=7)
    ax.set(ylabel="AP drop vs Keras float, same size", title="AP drop per artifact (mobile decoder)")
    ax.legend(fontsize=8)
    return save(fig, path)


def calibration_plot(result: dict, path: Path) -> Path:
    import matplotlib.pyplot as plt

    main = next(r for r in result["rows"] if r["name"] == "full_int8")
    study = [r for r in result["rows"] if r["group"] == "calibration"] + [main]
    fig, ax = plt.subplots(figsize=(6, 4))
    for strategy in sorted({r["calibration"]["strategy"] for r in study}):
        cs = [r for r in study if r["calibration"]["strategy"] == strategy]
        cs.sort(key=lambda r: r["calibration"]["images"])
        for i, (label, style) in enumerate((("kp", "-o"), ("mask", "--s"))):
            ax.plot([r["calibration"]["images"] for r in cs], [drops(result, r)[i] for r in cs], style,
                    label=f"{strategy}, {label}")  # fmt: skip
    ax.axhline(MAX_DROP, color="k", linestyle=":", linewidth=0.8)
    ax.set(xscale="log", xlabel="calibration images (log)", ylabel="AP drop vs Keras float")
    ax.set_title("full_int8: calibration set size and selection")
    ax.legend(fontsize=8)
    return save(fig, path)


def save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
