"""The goals the report is held to, each as measured: quantization cost, and the frontier against Google's models."""

from __future__ import annotations

MAX_DROP = 0.010  # AP, an integer artifact against its own Keras float
MAX_SIZE_RATIO = 0.30  # full_int8 bytes / float32 bytes
POSENET_SAME_INPUT_MARGIN = 0.02  # kp AP over PoseNet at PoseNet's input
POSENET_SAME_LATENCY_MARGIN = 0.05  # kp AP over PoseNet at no more than PoseNet's latency
BODYPIX_LATENCY_KP, BODYPIX_LATENCY_MASK = 0.312, 0.16  # at no more than BodyPix int8's latency
MASK_513 = 0.15  # mask AP of our best integer artifact at 513x513 (either output stride)
LATENCY_THREADS = "2"  # the frontier's latency budget is read at this thread count


def by_name(result: dict) -> dict[str, dict]:
    return {r["name"]: r for r in result["rows"]}


def kp(row: dict) -> float:
    return row["metrics"]["keypoints/AP"]


def mask(row: dict) -> float:
    return row["metrics"]["segm/AP"]


def ms(row: dict, threads: str = LATENCY_THREADS) -> float:
    return row["latency_ms"][threads]["median_ms"]


def float_of(result: dict, row: dict) -> dict | None:
    """The Keras float row at the row's input size and stride (what its drop is measured against)."""
    same = (list(row["input_hw"]), row.get("stride"))
    return next(
        (r for r in result["rows"] if r["kind"] == "keras" and (list(r["input_hw"]), r.get("stride")) == same), None
    )


def drops(result: dict, row: dict) -> tuple[float, float] | None:
    """(keypoint AP drop, mask AP drop) against Keras float at the same size, both through the mobile decoder."""
    ref = float_of(result, row)
    if ref is None or row is ref or row["group"] == "anchor":
        return None
    return kp(ref) - kp(row), mask(ref) - mask(row)


def integer_rows(result: dict) -> list[dict]:
    """Our shippable integer artifacts (full_int8 and mixed, every size)."""
    return [r for r in result["rows"] if r["group"] == "ours" and r["variant"] in ("full_int8", "mixed")]


def best_within(result: dict, budget_ms: float, threads: str, score=kp) -> dict | None:
    fits = [r for r in integer_rows(result) if ms(r, threads) <= budget_ms]
    return max(fits, key=score, default=None)


def near(hw_a, hw_b, slack: int = 16) -> bool:
    """The same input size up to one stride (ours are stride*k+1: 721x1281 stands for BodyPix's 720x1280)."""
    return all(abs(a - b) <= slack for a, b in zip(hw_a, hw_b, strict=True))


def frontier(result: dict) -> list[dict]:
    """For each Google model: our best integer artifact at its input size, and at no more than its latency."""
    table = []
    for google in (r for r in result["rows"] if r["kind"] == "google"):
        same = max((r for r in integer_rows(result) if near(r["input_hw"], google["input_hw"])), key=kp, default=None)
        entry = {"google": google["name"], "same_input": same and same["name"]}
        for threads in google["latency_ms"]:
            best = best_within(result, ms(google, threads), threads)
            entry[f"within_latency_{threads}"] = best and best["name"]
        table.append(entry)
    return table


def _describe(row: dict | None) -> str:
    if row is None:
        return "no artifact"
    return f"{row['name']}: kp AP {kp(row):.3f}, mask AP {mask(row):.3f}, {ms(row):.2f} ms"


def goals(result: dict) -> list[dict]:
    """Each goal: what it asks, what was measured, met or not."""
    rows = by_name(result)
    int8, f32, mixed = rows["full_int8"], rows["float32"], rows["mixed"]
    kd, md = drops(result, int8)
    mkd, mmd = drops(result, mixed)
    ratio = int8["size_bytes"] / f32["size_bytes"]
    posenet, bodypix = rows["posenet_075_int8"], rows["bodypix_075_int8"]
    at_posenet = max((r for r in integer_rows(result) if r["input_hw"] == posenet["input_hw"]), key=kp)
    fast = best_within(result, ms(posenet), LATENCY_THREADS)
    at_513 = max((r for r in integer_rows(result) if list(r["input_hw"]) == [513, 513]), key=mask)
    within_bodypix = [r for r in integer_rows(result) if ms(r) <= ms(bodypix)]
    both = max(
        (r for r in within_bodypix if kp(r) >= BODYPIX_LATENCY_KP and mask(r) >= BODYPIX_LATENCY_MASK),
        key=kp,
        default=max(within_bodypix, key=lambda r: kp(r) + mask(r), default=None),
    )
    worst = [(r["name"], drops(result, r)) for r in integer_rows(result) if drops(result, r) is not None]
    off = [f"{n} {d[0]:+.3f} / {d[1]:+.3f}" for n, d in worst if max(d) > MAX_DROP]
    layers = result.get("mixed_precision", {}).get("float_layers", [])
    t = LATENCY_THREADS
    return [
        {
            "goal": f"full_int8 keypoint AP and mask AP each within {MAX_DROP:.3f} of Keras float",
            "measured": f"drops {kd:+.4f} (keypoint), {md:+.4f} (mask)",
            "met": kd <= MAX_DROP and md <= MAX_DROP,
        },
        {
            "goal": "else mixed precision meets it (naming the layers kept float)",
            "measured": f"mixed drops {mkd:+.4f} / {mmd:+.4f}; float layers: {', '.join(layers) or 'none'}",
            "met": mkd <= MAX_DROP and mmd <= MAX_DROP,
        },
        {
            "goal": f"full_int8 file at most {MAX_SIZE_RATIO:.0%} of float32",
            "measured": f"{int8['size_bytes']:,} / {f32['size_bytes']:,} bytes = {ratio:.1%}",
            "met": ratio <= MAX_SIZE_RATIO,
        },
        {
            "goal": f"at PoseNet's input ({posenet['input_hw'][0]}x{posenet['input_hw'][1]}): kp AP at least "
            f"PoseNet's + {POSENET_SAME_INPUT_MARGIN} (>= {kp(posenet) + POSENET_SAME_INPUT_MARGIN:.3f})",
            "measured": f"{_describe(at_posenet)}; PoseNet {kp(posenet):.3f}",
            "met": kp(at_posenet) >= kp(posenet) + POSENET_SAME_INPUT_MARGIN,
        },
        {
            "goal": f"at no more than PoseNet's latency ({ms(posenet):.2f} ms, {t} threads): kp AP at least "
            f"PoseNet's + {POSENET_SAME_LATENCY_MARGIN} (>= {kp(posenet) + POSENET_SAME_LATENCY_MARGIN:.3f})",
            "measured": _describe(fast),
            "met": fast is not None and kp(fast) >= kp(posenet) + POSENET_SAME_LATENCY_MARGIN,
        },
        {
            "goal": f"at no more than BodyPix int8's latency ({ms(bodypix):.2f} ms, {t} threads): kp AP at least "
            f"{BODYPIX_LATENCY_KP} and mask AP at least {BODYPIX_LATENCY_MASK}",
            "measured": _describe(both),
            "met": both is not None and kp(both) >= BODYPIX_LATENCY_KP and mask(both) >= BODYPIX_LATENCY_MASK,
        },
        {
            "goal": f"at 513x513: mask AP at least {MASK_513} (our best integer artifact, either stride)",
            "measured": _describe(at_513),
            "met": mask(at_513) >= MASK_513,
        },
        {
            "goal": f"every integer artifact within {MAX_DROP} of its own Keras float on both APs",
            "measured": "; ".join(off) or f"all {len(worst)} within (largest {max(max(d) for _, d in worst):+.3f})",
            "met": not off,
        },
    ]
