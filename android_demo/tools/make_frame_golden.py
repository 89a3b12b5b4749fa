"""Golden fixtures for the Java frame preprocessing (android_demo/core FrameConverter).

Real COCO val images, cropped to small even-sized frames, go through personlab.geometry.letterboxed
(the artifacts' letterbox: PIL bilinear affine, keep aspect, centre, fill 0). Writes under
android_demo/core/src/test/resources/frames/:
  <name>.png                  the upright RGB frame
  <name>_yuv.bin              its I420 planes (Y, then U, then V at half resolution), BT.601 full range
  frames.json                 per frame and model input size: SHA-256 of the uint8 RGB input from the
                              RGB frame and from the YUV frame (decoded with the integer formula below)

    .venv/bin/python android_demo/tools/make_frame_golden.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image

from personlab import geometry

ROOT = Path(__file__).resolve().parents[2]
VAL_IMAGES = ROOT.parent / "shared" / "coco_person" / "val" / "images"
OUT = ROOT / "android_demo" / "core" / "src" / "test" / "resources" / "frames"
# (image file index, crop (top, left, height, width)): a landscape and a portrait frame
CROPS = [(0, (40, 60, 180, 240)), (1, (10, 30, 200, 150))]
INPUT_SIZES = [(513, 513), (353, 481), (97, 129)]  # the shipped sizes, and one that shrinks the frame


def rgb_to_i420(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BT.601 full-range (JFIF) Y, U, V; chroma averaged over 2x2 blocks."""
    f = rgb.astype(np.float64)
    y = 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]
    u = 128 - 0.168736 * f[..., 0] - 0.331264 * f[..., 1] + 0.5 * f[..., 2]
    v = 128 + 0.5 * f[..., 0] - 0.418688 * f[..., 1] - 0.081312 * f[..., 2]
    h, w = y.shape

    def sub(c: np.ndarray) -> np.ndarray:
        return c.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))

    def u8(c: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(c), 0, 255).astype(np.uint8)

    return u8(y), u8(sub(u)), u8(sub(v))


def i420_to_rgb(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The integer JFIF decode FrameConverter uses (16-bit fixed point, arithmetic shifts, clamped)."""
    yy = y.astype(np.int32)
    uu = np.repeat(np.repeat(u.astype(np.int32) - 128, 2, axis=0), 2, axis=1)
    vv = np.repeat(np.repeat(v.astype(np.int32) - 128, 2, axis=0), 2, axis=1)
    r = yy + ((91881 * vv + 32768) >> 16)
    g = yy - ((22554 * uu + 46802 * vv + 32768) >> 16)
    b = yy + ((116130 * uu + 32768) >> 16)
    return np.clip(np.stack([r, g, b], axis=-1), 0, 255).astype(np.uint8)


def sha(model_input: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(model_input, dtype=np.uint8).tobytes()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=Path, default=VAL_IMAGES)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    files = sorted(args.images.glob("*.jpg"))
    args.out.mkdir(parents=True, exist_ok=True)
    frames = []
    for index, (top, left, h, w) in CROPS:
        path = files[index]
        rgb = np.asarray(Image.open(path).convert("RGB"))[top : top + h, left : left + w]
        assert rgb.shape == (h, w, 3), (path, rgb.shape)
        name = f"{path.stem}_{w}x{h}"
        Image.fromarray(rgb).save(args.out / f"{name}.png")
        y, u, v = rgb_to_i420(rgb)
        (args.out / f"{name}_yuv.bin").write_bytes(y.tobytes() + u.tobytes() + v.tobytes())
        from_yuv = i420_to_rgb(y, u, v)
        inputs = []
        for input_hw in INPUT_SIZES:
            affine, model_input = geometry.letterboxed(rgb, input_hw)
            _, yuv_input = geometry.letterboxed(from_yuv, input_hw)
            inputs.append({
                "input_hw": list(input_hw),
                "letterbox": {"scale": affine.scale, "tx": affine.tx, "ty": affine.ty},
                "rgb_sha256": sha(model_input),
                "yuv_sha256": sha(yuv_input),
                "rgb_sum": int(model_input.astype(np.int64).sum()),
            })  # fmt: skip
        frames.append({"name": name, "source": path.name, "crop_tlhw": [top, left, h, w], "inputs": inputs})
        print(f"{name}: from {path.name}")
    (args.out / "frames.json").write_text(json.dumps({"frames": frames}, indent=1) + "\n")


if __name__ == "__main__":
    main()
