"""Inputs of the on-device golden test (app/src/androidTest, `./gradlew connectedAndroidTest`).

The golden frames (core/src/test/resources/golden/golden.json) are COCO val images, which stay out of
the repository; this writes them as PNG (lossless, so Android decodes the same pixels) with the
SHA-256 of their letterboxed model input (personlab.geometry.letterboxed), into a gitignored folder
the app's androidTest assets include:

    .venv/bin/python android_demo/tools/make_device_fixtures.py   (make android-device-fixtures)
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image

from personlab import geometry
from personlab.data import CocoPersons

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "android_demo" / "core" / "src" / "test" / "resources" / "golden" / "golden.json"
OUT = ROOT / "android_demo" / "app" / "build" / "device-fixtures" / "device"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--golden", type=Path, default=GOLDEN)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    golden = json.loads(args.golden.read_text())
    input_hw = tuple(golden["input_size"])
    data = CocoPersons(split="val")
    args.out.mkdir(parents=True, exist_ok=True)
    frames = []
    for frame in golden["frames"]:
        image_id = frame["image_id"]
        image = data.read_image(image_id)
        Image.fromarray(image).save(args.out / f"{image_id}.png")
        _, model_input = geometry.letterboxed(image, input_hw)
        digest = hashlib.sha256(np.ascontiguousarray(model_input).tobytes()).hexdigest()
        frames.append({"image_id": image_id, "input_sha256": digest})
    (args.out / "frames.json").write_text(json.dumps({"input_size": list(input_hw), "frames": frames}, indent=1) + "\n")
    print(f"wrote {len(frames)} frames to {args.out}")


if __name__ == "__main__":
    main()
