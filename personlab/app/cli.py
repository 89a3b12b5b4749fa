"""`personlab <subcommand>`: the one front door (the Makefile targets are thin calls of it).

Each subcommand's arguments are built only when that subcommand runs (or asks for --help), so
`personlab predict` on a .tflite never imports TensorFlow. Bad input exits 2 with one line naming
it; `-v` adds the traceback and the libraries' own start-up logs, which are silenced otherwise.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from personlab import spec
from personlab.app.quiet import quiet_libraries
from personlab.checkpoint import SHIPPED
from personlab.data import COCO_DIR, WEIGHTS_DIR, DataError


def hw(text: str) -> tuple[int, int]:
    """'513' or '353x481' (height x width), each side 1..spec.MAX_INPUT_SIDE."""
    parts = text.lower().split("x")
    if len(parts) not in (1, 2) or not all(p.isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"expected SIZE or HxW, got {text!r}")
    h, w = int(parts[0]), int(parts[-1])
    if not (1 <= h <= spec.MAX_INPUT_SIDE and 1 <= w <= spec.MAX_INPUT_SIDE):
        raise argparse.ArgumentTypeError(f"sides must be 1..{spec.MAX_INPUT_SIDE}, got {text!r}")
    return h, w


def positive(text: str) -> int:
    """An integer >= 1 (image counts, limits, repeats)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def loss_weights(text: str) -> dict[str, float]:
    """'heatmaps=4,segmentation=2' -> dict (heads not named keep their defaults)."""
    try:
        return {k.strip(): float(v) for k, v in (item.split("=") for item in text.split(",") if item)}
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected head=weight,...; got {text!r}") from err


def add_coco(p: argparse.ArgumentParser, split: str) -> None:
    """--coco-dir/--split, or plain COCO files: --annotations FILE.json --images DIR."""
    p.add_argument("--coco-dir", type=Path, default=COCO_DIR, help="a COCO root (our layout or the official one)")
    p.add_argument("--split", default=split)
    p.add_argument("--annotations", type=Path, help="a COCO person keypoints json (instead of --coco-dir/--split)")
    p.add_argument("--images", type=Path, help="the image folder of --annotations")


def coco_dataset(args):
    from personlab.data import CocoPersons

    return CocoPersons(args.coco_dir, args.split, args.annotations, args.images)


# ---------------------------------------------------------------------------------------------- train


def train_arguments(p: argparse.ArgumentParser) -> None:
    from personlab.model import BACKBONES
    from personlab.pretrained import INITS
    from personlab.train import TRAINABLE, TrainConfig

    defaults = TrainConfig()
    p.add_argument("--backbone", default=defaults.model.backbone, choices=sorted(BACKBONES))
    p.add_argument("--alpha", type=float, default=defaults.model.alpha)
    p.add_argument("--stride", type=int, default=spec.DEFAULT_STRIDE, choices=spec.STRIDES)
    p.add_argument("--init", default=defaults.init, choices=INITS)
    p.add_argument("--coco-dir", type=Path, default=COCO_DIR)
    p.add_argument("--input-size", type=hw, default=defaults.input_size, help="training crop H or HxW, stride*k+1")
    p.add_argument("--epochs", type=positive, default=defaults.epochs)
    p.add_argument("--batch-size", type=positive, default=defaults.batch_size, help="per replica")
    p.add_argument("--steps-per-epoch", type=positive, default=None, help="default: one pass over the images")
    p.add_argument("--lr", type=float, default=defaults.learning_rate, help="peak learning rate (cosine decay)")
    p.add_argument("--loss-weights", type=loss_weights, default={}, help="e.g. heatmaps=4,mid_offsets=0.4")
    p.add_argument(
        "--trainable", default=defaults.trainable, choices=TRAINABLE, help="train every layer or the heads only"
    )
    p.add_argument("--train-batchnorm", action="store_true", help="update batch norm (default: frozen)")
    p.add_argument("--holdout", type=int, default=0, help="keep the first N images out of training")
    p.add_argument("--max-images", type=positive, default=None, help="use only the first N images (smoke tests)")
    p.add_argument("--trunk-lr-scale", type=float, default=1.0, help="trunk learning rate relative to the heads'")
    p.add_argument("--ema", type=float, default=None, help="save the moving average of the weights, this momentum")
    p.add_argument("--distill", type=loss_weights, default={}, help="pull towards BodyPix where unlabelled: head=w,...")
    p.add_argument("--scale-range", type=float, nargs=2, default=defaults.scale_range, help="augmentation scales")
    p.add_argument("--color-jitter", type=float, default=0.0, help="brightness/contrast factors 1 +- this")
    p.add_argument(
        "--impute-keypoints", action="store_true", help="label people with a mask but no keypoints by BodyPix's poses"
    )
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--distribute", action="store_true", help="tf.distribute.MirroredStrategy over all GPUs")
    p.add_argument("--out", type=Path, default=Path("runs/train"))
    p.add_argument("--export-checkpoint", type=Path, default=None, help="also copy the final checkpoint here")


def run_train(args) -> None:
    from personlab import checkpoint
    from personlab.losses import DEFAULT_LOSS_WEIGHTS
    from personlab.model import ModelConfig
    from personlab.train import TrainConfig, train

    config = TrainConfig(
        model=ModelConfig(args.backbone, args.alpha, args.stride),
        init=args.init,
        coco_dir=str(args.coco_dir.resolve()),  # one spelling per folder: a resume compares it
        input_size=args.input_size,
        epochs=args.epochs,
        batch_size=args.batch_size,
        steps_per_epoch=args.steps_per_epoch,
        learning_rate=args.lr,
        loss_weights={**DEFAULT_LOSS_WEIGHTS, **args.loss_weights},
        freeze_batchnorm=not args.train_batchnorm,
        trainable=args.trainable,
        holdout=args.holdout,
        max_images=args.max_images,
        trunk_lr_scale=args.trunk_lr_scale,
        ema_momentum=args.ema,
        distill=args.distill,
        scale_range=tuple(args.scale_range),
        color_jitter=args.color_jitter,
        impute_keypoints=args.impute_keypoints,
        seed=args.seed,
        distribute=args.distribute,
    )
    spec.check_input_size(*args.input_size, args.stride)
    final = train(config, args.out)
    if args.export_checkpoint:
        model, model_config = checkpoint.load(final)
        info = checkpoint.read_info(final)
        info.pop("weights_sha256", None)
        print(f"wrote {checkpoint.save(model, model_config, args.export_checkpoint, info)}")
    print(f"checkpoint: {final}")


# ---------------------------------------------------------------------------------------------- import-bodypix


def import_bodypix_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model-json", type=Path, default=WEIGHTS_DIR / "bodypix_tfjs/mobilenet_float_050/model-stride16.json"
    )
    p.add_argument("--stride", type=int, default=spec.DEFAULT_STRIDE, choices=spec.STRIDES)
    p.add_argument("--out", type=Path, default=Path("runs/bodypix_050/checkpoint"))


def run_import_bodypix(args) -> None:
    from personlab import bodypix, checkpoint
    from personlab.model import ModelConfig

    model = bodypix.build_from_bodypix(args.model_json, stride=args.stride)
    _, weights = bodypix.read_tfjs(args.model_json)
    config = ModelConfig("mobilenet_v1", bodypix.infer_alpha(weights), args.stride)
    info = {"init": f"BodyPix 2.0 weights from {args.model_json}, no training"}
    print(f"wrote {checkpoint.save(model, config, args.out, info)}")


# ---------------------------------------------------------------------------------------------- evaluate


def evaluate_arguments(p: argparse.ArgumentParser) -> None:
    from personlab.evaluate import DECODERS

    p.add_argument("--model", type=Path, required=True, help="checkpoint (.json / .weights.h5) or .tflite")
    add_coco(p, "val")
    p.add_argument("--input-size", type=hw, default=spec.DEFAULT_INPUT_SIZE, help="checkpoints only (H or HxW)")
    p.add_argument("--limit", type=positive, default=None, help="first N images only")
    p.add_argument(
        "--decoder",
        choices=DECODERS,
        default="reference",
        help="reference: float decoder on dequantized outputs; mobile: on-device decoder on raw outputs",
    )
    p.add_argument("--out", type=Path, default=Path("runs/eval"))


def run_evaluate(args) -> None:
    import json

    from personlab.evaluate import evaluate_model
    from personlab.files import atomic_write
    from personlab.inference import load_predictor

    predictor = load_predictor(args.model, args.input_size)
    dataset = coco_dataset(args)
    ids = dataset.image_ids[: args.limit] if args.limit else dataset.image_ids
    if not ids:
        raise DataError(f"no images in {dataset.files.annotations}")
    results, metrics = evaluate_model(predictor, dataset, ids, decoder=args.decoder)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out / "results.json", json.dumps(results).encode())
    summary = {
        "model": str(args.model),
        "annotations": str(dataset.files.annotations),
        "images": len(ids),
        "input_size": list(predictor.input_hw),
        "stride": predictor.stride,
        "decoder": args.decoder,
        "metrics": metrics,
    }
    atomic_write(args.out / "metrics.json", (json.dumps(summary, indent=2) + "\n").encode())
    kp = {k: metrics[f"keypoints/{k}"] for k in ("AP", "AP50", "AP75", "APm", "APl", "AR")}
    print(
        "keypoint "
        + ", ".join(f"{k} {v:.3f}" for k, v in kp.items())
        + f"; mask AP {metrics['segm/AP']:.3f} on {len(ids)} images of {dataset.files.annotations}"
    )
    print(f"wrote {args.out / 'results.json'} and {args.out / 'metrics.json'}")


# ---------------------------------------------------------------------------------------------- bench


def bench_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, required=True, help="a .tflite artifact (metadata JSON beside it)")
    p.add_argument("--coco-dir", type=Path, default=COCO_DIR)
    p.add_argument("--repeats", type=positive, default=50)
    p.add_argument("--threads", type=positive, default=2)
    p.add_argument("--out", type=Path, default=Path("reports/bench"))


def run_bench(args) -> None:
    import json

    from personlab.app.bench import bench_decoder, markdown
    from personlab.files import atomic_write

    if not args.model.is_file():
        raise FileNotFoundError(f"no artifact {args.model} (make quantize builds it)")
    result = bench_decoder(args.model, args.coco_dir, args.repeats, args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out / "mobile_decoder.json", (json.dumps(result, indent=2) + "\n").encode())
    atomic_write(args.out / "mobile_decoder.md", markdown(result).encode())
    print(markdown(result) + f"wrote {args.out / 'mobile_decoder.json'} and .md")


# ---------------------------------------------------------------------------------------------- track-bench


def track_bench_arguments(p: argparse.ArgumentParser) -> None:
    from personlab.app.track_bench import VIDEOS

    p.add_argument("--model", type=Path, required=True, help="a .tflite artifact with tracker settings in its metadata")
    p.add_argument("--videos", type=Path, default=VIDEOS, help="the folder of the real clips (../shared/videos)")
    p.add_argument("--repeats", type=positive, default=50)
    p.add_argument("--threads", type=positive, default=2)
    p.add_argument("--java", type=Path, default=Path("reports/bench/java_tracker.json"), help="TrackerBench's JSON")
    p.add_argument("--out", type=Path, default=Path("reports/bench"))


def run_track_bench(args) -> None:
    import json

    from personlab.app.track_bench import bench_tracking, markdown
    from personlab.files import atomic_write

    if not args.model.is_file():
        raise FileNotFoundError(f"no artifact {args.model} (make quantize builds it)")
    result = bench_tracking(args.model, args.videos, args.threads, args.repeats)
    java = json.loads(args.java.read_text()) if args.java.is_file() else None
    result["java"] = java
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out / "tracking.json", (json.dumps(result, indent=2) + "\n").encode())
    atomic_write(args.out / "tracking.md", markdown(result, java).encode())
    print(markdown(result, java) + f"wrote {args.out / 'tracking.json'} and .md")


# ---------------------------------------------------------------------------------------------- predict


def predict_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("images", type=Path, nargs="+", help="images and/or folders of images, or one video (mp4, GIF...)")
    p.add_argument("--model", type=Path, required=True, help=".tflite (metadata JSON beside it) or checkpoint")
    p.add_argument("--input-size", type=hw, default=spec.DEFAULT_INPUT_SIZE, help="checkpoints only (H or HxW)")
    p.add_argument(
        "--out", type=Path, default=None,
        help="COCO results JSON (default runs/predict/results.json); a video: JSON Lines, one frame a line "
        "(default runs/predict/<video>.jsonl)",
    )  # fmt: skip
    p.add_argument(
        "--render", type=Path, default=None, metavar="DIR|OUT.mp4",
        help="write <DIR>/<image>.png overlays; a video: the overlay video OUT.mp4 (colours follow track ids)",
    )  # fmt: skip
    p.add_argument("--no-smoothing", action="store_true", help="video: raw keypoints (no One Euro filter)")


def run_predict(args) -> None:
    from tqdm import tqdm

    from personlab.app.predict import image_files, predict, write_results
    from personlab.app.video import is_video
    from personlab.inference import load_predictor

    if any(is_video(path) for path in args.images):
        return run_predict_video(args)
    files = image_files(args.images)
    predictor = load_predictor(args.model, args.input_size)
    results, failed = [], []
    for found in tqdm(
        predict(predictor, files, args.render), total=len(files), desc="predict", unit="img", disable=None
    ):
        if isinstance(found, DataError):
            failed.append(str(found))
        else:
            results += found
    if len(failed) == len(files):
        raise DataError(failed[0] if len(files) == 1 else f"none of the {len(files)} images could be read: {failed[0]}")
    out = args.out or Path("runs/predict/results.json")
    write_results(out, results)
    print(
        f"{len(results)} people in {len(files) - len(failed)} images; wrote {out}"
        + (f" and overlays in {args.render}" if args.render else "")
    )
    if failed:
        raise DataError(f"{len(failed)} of {len(files)} images could not be read (the rest are in {out}): "
                        + "; ".join(failed))  # fmt: skip


def run_predict_video(args) -> None:
    import time

    from tqdm import tqdm

    from personlab.app.predict import predict_video, write_lines
    from personlab.app.video import VIDEO_SUFFIXES, video_info
    from personlab.inference import load_predictor

    if len(args.images) != 1:
        raise ValueError(f"predict takes images or one video, got {len(args.images)} inputs")
    (video,) = args.images
    if args.render is not None and args.render.suffix.lower() not in VIDEO_SUFFIXES:
        raise ValueError(f"--render {args.render}: a video needs a video file to render into (OUT.mp4)")
    frames = video_info(video).frames
    predictor = load_predictor(args.model, args.input_size)
    start = time.perf_counter()
    records = list(
        tqdm(
            predict_video(predictor, video, args.render, smoothing=not args.no_smoothing),
            total=frames, desc="predict", unit="frame", disable=None,
        )
    )  # fmt: skip
    fps = len(records) / max(time.perf_counter() - start, 1e-9)
    out = args.out or Path("runs/predict") / f"{video.stem}.jsonl"
    write_lines(out, records)
    ids = len({p["track_id"] for r in records for p in r["people"]})
    print(
        f"{len(records)} frames, {ids} track ids, {fps:.1f} frames/s; wrote {out}"
        + (f" and {args.render}" if args.render else "")
    )


# ---------------------------------------------------------------------------------------------- export


def export_arguments(p: argparse.ArgumentParser) -> None:
    from export.exporter import FORMATS
    from personlab.model import BACKBONES, ModelConfig

    p.add_argument("--model", type=Path, default=SHIPPED, help="checkpoint (.json), or an .onnx to convert")
    p.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: " + ", ".join(FORMATS))
    p.add_argument("--input-size", type=hw, default=spec.DEFAULT_INPUT_SIZE, help="fixed H or HxW, stride*k+1")
    p.add_argument("--backbone", choices=sorted(BACKBONES), help="ONNX in without personlab metadata: its backbone")
    p.add_argument(
        "--alpha", type=float, default=ModelConfig().alpha, help="ONNX in without personlab metadata: its width"
    )
    p.add_argument(
        "--stride", type=int, choices=spec.STRIDES,
        help=f"a checkpoint: build at this output stride, not its own; ONNX without metadata: its stride "
        f"(default {spec.DEFAULT_STRIDE})",
    )  # fmt: skip
    p.add_argument("--out", type=Path, default=Path("artifacts"))


def run_export(args) -> None:
    from export.exporter import export, parse_formats

    if args.model.suffix == ".onnx":  # ONNX in: one float32 TFLite through onnx2tf
        from export.onnx import onnx_to_tflite
        from personlab.model import ModelConfig

        config = ModelConfig(args.backbone, args.alpha, args.stride or spec.DEFAULT_STRIDE) if args.backbone else None
        paths = [onnx_to_tflite(args.model, args.out, config)]
    else:
        paths = export(args.model, parse_formats(args.formats), args.input_size, args.out, args.stride)
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) and its metadata {path.with_suffix('.json').name}")


# ---------------------------------------------------------------------------------------------- quantize


def quantize_arguments(p: argparse.ArgumentParser) -> None:
    from quantize.mixed import METRICS
    from quantize.variants import VARIANTS

    p.add_argument("--model", type=Path, default=SHIPPED, help="checkpoint (.json)")
    p.add_argument("--calibration", type=Path, default=Path("artifacts/calibration"), help="a personlab calibrate set")
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS), metavar="VARIANT",
                   help="default: all of " + ", ".join(VARIANTS))  # fmt: skip
    p.add_argument("--input-size", type=hw, default=spec.DEFAULT_INPUT_SIZE, help="fixed H or HxW, stride*k+1")
    p.add_argument("--coco-dir", type=Path, default=COCO_DIR)
    p.add_argument("--sqnr-images", type=int, default=16, help="val images for per-head SQNR (0: skip)")
    p.add_argument("--budget", type=float, default=0.01, help="mixed: largest accepted drop of --metric")
    p.add_argument(
        "--metric", default="keypoints/AP", choices=list(METRICS), help="mixed: measured on held-back train images"
    )
    p.add_argument(
        "--held-back-images", type=positive, default=None, help="mixed: train images outside the calibration set"
    )
    p.add_argument("--stride", type=int, choices=spec.STRIDES, help="build at this output stride, not the checkpoint's")
    p.add_argument("--out", type=Path, default=Path("artifacts"))


def run_quantize(args) -> None:
    from quantize.build import quantize

    for path in quantize(
        args.model, args.calibration, args.variants, args.input_size, args.out, coco_dir=args.coco_dir,
        sqnr_images=args.sqnr_images, budget=args.budget, metric=args.metric, held_back_images=args.held_back_images,
        stride=args.stride,
    ):  # fmt: skip
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) and its metadata {path.with_suffix('.json').name}")


# ---------------------------------------------------------------------------------------------- calibrate


def calibrate_arguments(p: argparse.ArgumentParser) -> None:
    from calibration.representative import DEFAULT_SIZE, STRATEGIES

    add_coco(p, "train")
    p.add_argument("--force", action="store_true", help="allow a split other than train")
    p.add_argument(
        "--size", type=positive, default=DEFAULT_SIZE, help="number of images (default: all that exist, up to 300)"
    )
    p.add_argument("--strategy", default="random", choices=STRATEGIES)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--input-size", type=hw, default=spec.DEFAULT_INPUT_SIZE)
    p.add_argument("--out", type=Path, default=Path("artifacts/calibration"))


def run_calibrate(args) -> None:
    from calibration import representative

    images, manifest = representative.build(
        args.coco_dir, args.split, args.size, args.strategy, args.seed, args.input_size, args.force,
        dataset=coco_dataset(args) if args.annotations else None,
    )  # fmt: skip
    out = representative.write(args.out, images, manifest)
    print(f"wrote {len(images)} {manifest.strategy} {args.split} images ({images.shape[1]}x{images.shape[2]}) to {out}")


# ---------------------------------------------------------------------------------------------- report


def report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, default=SHIPPED, help="checkpoint (.json) the artifacts come from")
    p.add_argument("--artifacts", type=Path, default=Path("artifacts"), help="what `make pipeline` built (any depth)")
    p.add_argument("--imported", type=Path, default=None, help="imported Google weights, exported (anchors)")
    p.add_argument("--coco-dir", type=Path, default=COCO_DIR)
    p.add_argument("--weights-dir", type=Path, default=WEIGHTS_DIR, help="Google's anchors")
    p.add_argument("--limit", type=positive, default=None, help="first N val images only (default: all)")
    p.add_argument("--repeats", type=positive, default=50, help="timed invokes per latency (after 5 warm-up)")
    p.add_argument("--jobs", type=positive, default=os.cpu_count() or 1, help="rows measured in parallel processes")
    p.add_argument("--cache", type=Path, default=Path("artifacts/report_cache.json"), help="measurements by sha256")
    p.add_argument("--out", type=Path, default=Path("reports/quantization"))
    p.add_argument("--readme", type=Path, default=None, help="also rewrite this README's report block")


def run_report(args) -> None:
    from personlab.app.report.run import run

    run(args)


# ---------------------------------------------------------------------------------------------- tune-decoder


def tune_decoder_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, required=True, help="checkpoint (.json) trained with --holdout N, or .tflite")
    add_coco(p, "train")
    p.add_argument("--force", action="store_true", help="allow a split other than train")
    p.add_argument("--input-size", type=hw, default=spec.DEFAULT_INPUT_SIZE, help="checkpoints only (H or HxW)")
    p.add_argument("--limit", type=positive, required=True, help="the first N images: the held-back ones")
    p.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                   help="settings to try, one at a time (repeatable; default: a grid around each default)")  # fmt: skip
    p.add_argument("--out", type=Path, default=Path("runs/tune_decoder/settings.md"), help="markdown; .json beside")


def checkpoint_holdout(model: Path) -> int | None:
    """How many of the split's first images a checkpoint was trained without (None: not a checkpoint)."""
    from personlab import checkpoint

    if model.suffix == ".tflite":
        return None
    return int(checkpoint.read_info(model).get("train", {}).get("holdout", 0))


def run_tune_decoder(args) -> None:
    import json
    from dataclasses import asdict

    from tqdm import tqdm

    import mobile_decoder
    from personlab.app.tune_decoder import DEFAULT_GRID, markdown, parse_grid, study
    from personlab.files import atomic_write_all
    from personlab.inference import load_predictor

    if args.out.suffix != ".md":
        raise ValueError(f"--out {args.out}: expected a markdown file (.md); its .json is written beside it")
    if args.split != "train" and not args.force:
        raise ValueError(
            f"--split {args.split}: decoder settings are chosen on held-back train images (--force to override)"
        )
    held_back = checkpoint_holdout(args.model)
    if held_back is not None and held_back < args.limit and not args.force:
        raise ValueError(
            f"--model {args.model} held back {held_back} train images, fewer than --limit {args.limit}: it trained "
            "on the rest (train with --holdout N, or --force)"
        )
    predictor = load_predictor(args.model, args.input_size)
    defaults = mobile_decoder.Settings.from_metadata(predictor.metadata)
    grid = parse_grid(args.grid, defaults) if args.grid else DEFAULT_GRID
    dataset = coco_dataset(args)
    ids = dataset.image_ids[: args.limit]
    if not ids:
        raise DataError(f"no images in {dataset.files.annotations}")
    progress = lambda runs: tqdm(runs, desc="decoder settings", unit="setting", disable=None)  # noqa: E731
    rows = study(predictor, dataset, ids, grid, progress)
    size = "x".join(map(str, predictor.input_hw))
    title = f"Mobile-decoder settings on the first {len(ids)} {args.split} images: {args.model} at {size}"
    command = " ".join([
        f"personlab tune-decoder --model {args.model} --split {args.split} --limit {args.limit} --input-size {size}",
        *(f"--grid {g}" for g in args.grid),
    ])  # fmt: skip
    summary = {"model": str(args.model), "images": len(ids), "input_size": list(predictor.input_hw),
               "defaults": defaults.to_dict(), "rows": [asdict(r) for r in rows]}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_all({
        args.out.with_suffix(".json"): (json.dumps(summary, indent=2) + "\n").encode(),
        args.out: markdown(rows, title, command).encode(),
    })  # fmt: skip
    best = max(rows[1:], key=lambda r: r.keypoint_ap, default=rows[0])
    print(f"defaults: keypoint AP {rows[0].keypoint_ap:.4f}, mask AP {rows[0].mask_ap:.4f}; best keypoint AP "
          f"{best.keypoint_ap:.4f} ({best.setting}={best.value}); wrote {args.out}")  # fmt: skip


# ---------------------------------------------------------------------------------------------- render-targets


def render_targets_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("image_ids", type=int, nargs="*", help="default: the first 3 images of the split")
    p.add_argument("--coco-dir", type=Path, default=COCO_DIR)
    p.add_argument("--split", default="val")
    p.add_argument("--input-size", type=hw, default=spec.DEFAULT_INPUT_SIZE)
    p.add_argument("--stride", type=int, default=spec.DEFAULT_STRIDE, choices=spec.STRIDES)
    p.add_argument("--augment", action="store_true", help="apply a random training augmentation first")
    p.add_argument("--out", type=Path, default=Path("runs/targets"))


def run_render_targets(args) -> None:
    from personlab.app.render import render_targets

    for path in render_targets(
        args.coco_dir, args.split, args.image_ids, args.input_size, args.stride, args.out, args.augment
    ):
        print(path)


# ---------------------------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Command:
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], None]


COMMANDS: dict[str, Command] = {
    "train": Command("train on COCO (resumes an interrupted run in --out)", train_arguments, run_train),
    "import-bodypix": Command(
        "BodyPix 2.0 TF.js weights -> our checkpoint (no training)", import_bodypix_arguments, run_import_bodypix
    ),
    "evaluate": Command(
        "COCO keypoint and mask AP of a checkpoint or .tflite on a split", evaluate_arguments, run_evaluate
    ),
    "bench": Command(
        "mobile decoder and model + decoder time per frame at 0/1/5/15 people", bench_arguments, run_bench
    ),
    "track-bench": Command(
        "tracking on the real clips: ids, switches, jitter, lag, tracker time, video fps",
        track_bench_arguments,
        run_track_bench,
    ),
    "predict": Command(
        "images -> COCO results JSON (+ PNG overlays) through the on-device path", predict_arguments, run_predict
    ),
    "export": Command(
        "checkpoint -> TFLite float32/float16 and ONNX, each with its metadata", export_arguments, run_export
    ),
    "quantize": Command(
        "int8 / int16x8 / mixed-precision TFLite variants, calibrated on train images", quantize_arguments, run_quantize
    ),
    "calibrate": Command(
        "representative set for int8 calibration (train split, letterboxed)", calibrate_arguments, run_calibrate
    ),
    "report": Command(
        "the report: size, latency and COCO AP of every artifact and anchor (measures, never builds)",
        report_arguments,
        run_report,
    ),
    "tune-decoder": Command(
        "COCO AP under a grid of decoder settings, one changed at a time (held-back train images)",
        tune_decoder_arguments,
        run_tune_decoder,
    ),
    "render-targets": Command(
        "draw the targets of COCO images to PNG for a visual check", render_targets_arguments, run_render_targets
    ),
}


class Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (the usage stays in --help)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand listed and only `command`'s arguments built."""
    parser = Parser(prog="personlab", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logs, library logs and tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, cmd in COMMANDS.items():
        p = sub.add_parser(name, help=cmd.help, description=cmd.help)
        if name == command:
            cmd.arguments(p)
        p.set_defaults(run=cmd.run)
    return parser


#: Arguments that name something we write: checked before any long work starts.
OUTPUTS = ("out", "render", "export_checkpoint", "readme", "cache")


def check_outputs(args: argparse.Namespace) -> None:
    """Every output path must be creatable: no existing part of it may be a file where a folder is needed."""
    for name in OUTPUTS:
        path = getattr(args, name, None)
        if path is None:
            continue
        if name == "out" and args.command == "predict" and Path(path).is_dir():
            raise IsADirectoryError(f"--out {path} is a folder: predict writes one results file")
        for parent in Path(path).absolute().parents:
            if parent.exists():
                if not parent.is_dir():
                    raise NotADirectoryError(f"--{name.replace('_', '-')} {path}: {parent} is a file, not a folder")
                if not os.access(parent, os.W_OK):
                    raise PermissionError(f"--{name.replace('_', '-')} {path}: {parent} is not writable")
                break


#: What a user's bad input raises: the CLI turns these into exit 2 and one line.
USER_ERRORS = (DataError, ValueError, OSError)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if a in COMMANDS), None)
    quiet_libraries(verbose=bool({"-v", "--verbose"} & set(argv[: argv.index(command) if command else None])))
    try:
        args = build_parser(command).parse_args(argv)
    except SystemExit as done:  # --help (0) or a bad argument (2, its line already printed)
        return int(done.code or 0)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        check_outputs(args)
        args.run(args)
    except USER_ERRORS as err:
        if args.verbose:
            traceback.print_exc()
        print(f"personlab {args.command}: error: {err}".splitlines()[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"personlab {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
