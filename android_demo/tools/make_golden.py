"""Golden fixtures for the Java decoder port (android_demo/core): raw int8 outputs + the Python decoder's results.

Runs the shipped full-integer artifact on a few real COCO val images (decoded people counts from 0
to many), and writes under android_demo/core/src/test/resources/golden/:
  metadata.json            the artifact's metadata, as shipped beside the .tflite
  <image_id>_<head>.bin    each raw int8 output tensor (1, gh, gw, C), row-major bytes
  <image_id>_labels.bin    the mobile decoder's mask-grid labels (mh, mw) as signed bytes (-1: nobody)
  golden.json              per frame: image size, letterbox, people (yx, scores, scale, score);
                           the most crowded frame decoded again with few candidates (the peak cap);
                           plus letterbox cases from personlab.geometry.letterbox
  model_no_weights.tflite  the artifact with every buffer emptied but its embedded metadata: the real
                           flatbuffer layout (tensors, signatures, metadata table) at a few kB

    .venv/bin/python android_demo/tools/make_golden.py [--artifact ...] [--scan 80]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

import mobile_decoder
from personlab import geometry
from personlab.data import CocoPersons
from personlab.runtime import LiteRTPredictor

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ARTIFACT = ROOT / "artifacts" / "personlab_mobilenet_v1_075_513x513_full_int8.tflite"
OUT = ROOT / "android_demo" / "core" / "src" / "test" / "resources" / "golden"

# the peak cap's case: the most crowded frame with this max_candidates
CAPPED_CANDIDATES = 120

# decoded-people buckets to fill, in order: (low, high) inclusive
BUCKETS = [(0, 0), (1, 1), (2, 3), (4, 6), (7, 12), (13, 99)]

LETTERBOX_CASES = [(480, 640), (640, 480), (513, 513), (1080, 1920), (1920, 1080), (427, 640), (100, 1000), (7, 3)]


def without_weights(tflite_bytes: bytes) -> bytes:
    """The model with the data of every buffer that is not a metadata entry's removed."""
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(tflite_bytes, 0))
    keep = {m.buffer for m in model.metadata or []}
    for i, buffer in enumerate(model.buffers):
        if i not in keep:
            buffer.data = None
    builder = flatbuffers.Builder(4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def people_json(people) -> list[dict]:
    return [
        {"yx": [[float(v) for v in row] for row in p.yx], "scores": [float(s) for s in p.scores],
         "scale": float(p.scale), "score": p.score}
        for p in people
    ]  # fmt: skip


def decode(predictor: LiteRTPredictor, image: np.ndarray):
    affine, model_input = geometry.letterboxed(image, predictor.input_hw)
    raw = predictor.raw(model_input)
    heads = mobile_decoder.Heads.from_outputs(raw, predictor.metadata)
    people, labels = mobile_decoder.decode(heads)
    return affine, raw, people, labels


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--artifact", type=Path, default=DEFAULT_ARTIFACT)
    ap.add_argument("--scan", type=int, default=80, help="val images to scan for the people-count buckets")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    predictor = LiteRTPredictor.from_file(args.artifact, num_threads=1)
    data = CocoPersons(split="val")
    chosen: dict[int, tuple[int, int]] = {}  # bucket -> (image_id, people)
    for image_id in data.image_ids[: args.scan]:
        image = data.read_image(image_id)
        _, _, people, _ = decode(predictor, image)
        n = len(people)
        for b, (lo, hi) in enumerate(BUCKETS):
            if lo <= n <= hi and b not in chosen:
                chosen[b] = (image_id, n)
        if len(chosen) == len(BUCKETS):
            break
    print("chosen (bucket: image_id, people):", chosen)

    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.bin"):
        old.unlink()
    (args.out / "metadata.json").write_text(json.dumps(predictor.metadata, indent=1) + "\n")
    (args.out / "model_no_weights.tflite").write_bytes(without_weights(args.artifact.read_bytes()))
    frames = []
    for b in sorted(chosen):
        image_id, _ = chosen[b]
        image = data.read_image(image_id)
        affine, raw, people, labels = decode(predictor, image)
        for name, tensor in raw.items():
            assert tensor.dtype == np.int8, (name, tensor.dtype)
            (args.out / f"{image_id}_{name}.bin").write_bytes(np.ascontiguousarray(tensor).tobytes())
        assert labels.min() >= -1 and labels.max() < 127
        (args.out / f"{image_id}_labels.bin").write_bytes(labels.astype(np.int8).tobytes())
        frames.append({
            "image_id": int(image_id),
            "image_hw": [int(image.shape[0]), int(image.shape[1])],
            "letterbox": {"scale": affine.scale, "tx": affine.tx, "ty": affine.ty},
            "labels_hw": [int(labels.shape[0]), int(labels.shape[1])],
            "people": people_json(people),
        })  # fmt: skip
        print(f"image {image_id}: {image.shape[1]}x{image.shape[0]}, {len(people)} people, "
              f"{int((labels >= 0).sum())} mask cells")  # fmt: skip
    crowded = max(frames, key=lambda f: len(f["people"]))["image_id"]
    image = data.read_image(crowded)
    _, raw, _, _ = decode(predictor, image)
    heads = mobile_decoder.Heads.from_outputs(raw, predictor.metadata)
    capped, _ = mobile_decoder.decode(heads, heads.defaults.replace(max_candidates=CAPPED_CANDIDATES))
    cases = []
    for hw in LETTERBOX_CASES:
        a = geometry.letterbox(hw, predictor.input_hw)
        cases.append({"image_hw": list(hw), "scale": a.scale, "tx": a.tx, "ty": a.ty})
    golden = {
        "artifact": args.artifact.name,
        "input_size": list(predictor.input_hw),
        "frames": frames,
        "capped": {"image_id": crowded, "max_candidates": CAPPED_CANDIDATES, "people": people_json(capped)},
        "letterbox_cases": cases,
    }
    (args.out / "golden.json").write_text(json.dumps(golden) + "\n")
    total = sum(f.stat().st_size for f in args.out.iterdir())
    print(f"wrote {len(frames)} frames to {args.out} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
