"""`personlab bench`: how long the on-device path takes per frame, on this machine.

Frames are real val images run through a real artifact; the decoder is timed on the frames whose
decode yields the wanted number of people (the closest available), model + decoder end to end on
the same frames. Timings go to JSON; tests never assert them.
"""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

import mobile_decoder
from personlab import geometry, spec
from personlab.data import COCO_DIR, CocoPersons
from personlab.runtime import LiteRTPredictor

PEOPLE = (0, 1, 5, 15)


def timings_ms(fn: Callable[[], object], repeats: int, warmup: int = 3) -> dict[str, float]:
    """Median and p90 wall time of fn() in milliseconds, after warm-up calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return {"median_ms": float(np.median(times)), "p90_ms": float(np.percentile(times, 90)), "runs": repeats}


def import_seconds() -> float:
    """Wall time of `import mobile_decoder` in a fresh interpreter (its NumPy import included)."""
    code = "import time; t = time.perf_counter(); import mobile_decoder; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def bench_decoder(
    artifact: Path | str,
    coco_dir: Path | str = COCO_DIR,
    repeats: int = 50,
    threads: int = 2,
    people: tuple[int, ...] = PEOPLE,
) -> dict:
    """Decoder and end-to-end (invoke + decode) timings per frame at each people count."""
    from tqdm import tqdm

    predictor = LiteRTPredictor.from_file(artifact, num_threads=threads)
    dataset = CocoPersons(coco_dir, "val")
    frames = {}  # people decoded -> (image id, model input, raw outputs)
    for image_id in tqdm(dataset.image_ids, desc="bench: decode val", unit="img", disable=None):
        _, model_input = geometry.letterboxed(dataset.read_image(image_id), predictor.input_hw)
        raw = predictor.raw(model_input)
        found, _ = mobile_decoder.decode(mobile_decoder.Heads.from_outputs(raw, predictor.metadata))
        frames.setdefault(len(found), (image_id, model_input, raw))

    def decode(raw):
        return mobile_decoder.decode(mobile_decoder.Heads.from_outputs(raw, predictor.metadata))

    rows = []
    for wanted in people:
        count = min(frames, key=lambda n: (abs(n - wanted), n))
        image_id, model_input, raw = frames[count]
        rows.append({
            "people_wanted": wanted,
            "people": count,
            "image_id": image_id,
            "decoder": timings_ms(lambda raw=raw: decode(raw), repeats),
            "end_to_end": timings_ms(lambda x=model_input: decode(predictor.raw(x)), repeats),
        })  # fmt: skip
    model = timings_ms(lambda: predictor.raw(frames[min(frames)][1]), repeats)
    return {
        "artifact": str(artifact),
        "threads": threads,
        "input_size": list(predictor.input_hw),
        "model_only": model,
        "import_mobile_decoder_s": import_seconds(),
        "frames": rows,
        "worst_case": [worst_case(hw) for hw in WORST_CASE_SIZES],
    }


#: Hostile outputs are decoded at the shipped size and at a 720p camera frame (the largest we ship).
WORST_CASE_SIZES = ((513, 513), (721, 1281))


def hostile_outputs(input_hw: tuple[int, int], seed: int = 0) -> tuple[dict[str, np.ndarray], dict]:
    """Float outputs no trained model makes: every keypoint and person probability 1 everywhere, offsets
    uniform in +-the input size (every cell votes, candidates everywhere, every pixel on a mask)."""
    metadata = spec.float_metadata(spec.DEFAULT_STRIDE, input_hw, "hostile")
    rng = np.random.default_rng(seed)
    grid, limit = spec.grid_shape(*input_hw, spec.DEFAULT_STRIDE), float(max(input_hw))
    outputs = {
        h.name: np.ones((1, *grid, h.channels), np.float32)
        if h.kind == "probability"
        else rng.uniform(-limit, limit, (1, *grid, h.channels)).astype(np.float32)
        for h in spec.HEADS
    }
    return outputs, metadata


def worst_case(input_hw: tuple[int, int], repeats: int = 3) -> dict:
    """Time and peak Python memory (tracemalloc) of one decode of hostile outputs: what a frame can cost."""
    outputs, metadata = hostile_outputs(input_hw)
    heads = mobile_decoder.Heads.from_outputs(outputs, metadata)
    tracemalloc.start()
    people, _ = mobile_decoder.decode(heads)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    timing = timings_ms(lambda: mobile_decoder.decode(heads), repeats, warmup=0)
    return {"input_size": list(input_hw), "people": len(people), "peak_mb": peak / 1e6, "decoder": timing}


def markdown(result: dict) -> str:
    model = result["model_only"]["median_ms"]
    lines = [
        f"Mobile decoder, {Path(result['artifact']).name}, {result['threads']} threads: model alone {model:.2f} ms "
        f"median; `import mobile_decoder` {result['import_mobile_decoder_s']:.2f} s.",
        "",
        "| people | decoder median (ms) | decoder p90 (ms) | decoder / model | model + decoder (ms) | p90 (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for r in result["frames"]:
        d, e = r["decoder"], r["end_to_end"]
        lines.append(
            f"| {r['people']} | {d['median_ms']:.2f} | {d['p90_ms']:.2f} | {d['median_ms'] / model:.1f}x "
            f"| {e['median_ms']:.2f} | {e['p90_ms']:.2f} |"
        )
    lines += [
        "",
        "Worst case: hostile outputs (every probability 1, random offsets up to the input size), one decode:",
        "",
        "| input | people | decoder median (ms) | peak Python memory (MB) |",
        "|---|---|---|---|",
    ]
    for w in result["worst_case"]:
        lines.append(
            f"| {w['input_size'][0]}x{w['input_size'][1]} | {w['people']} | {w['decoder']['median_ms']:.0f} "
            f"| {w['peak_mb']:.0f} |"
        )
    return "\n".join(lines) + "\n"
