"""`personlab <subcommand>`: the one front door (the Makefile targets are thin calls of it).

Bad input exits 2 with a one-line message; everything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out of the way

from calibration.representative import DEFAULT_SIZE, STRATEGIES  # noqa: E402
from export.exporter import FORMATS  # noqa: E402
from personlab import spec  # noqa: E402
from personlab.checkpoint import SHIPPED  # noqa: E402
from personlab.data import COCO_DIR, WEIGHTS_DIR, DataError  # noqa: E402
from personlab.evaluate import DECODERS  # noqa: E402
from personlab.model import BACKBONES  # noqa: E402
from personlab.pretrained import INITS  # noqa: E402
from personlab.train import TRAINABLE, TrainConfig  # noqa: E402
from quantize.mixed import METRICS  # noqa: E402
from quantize.variants import VARIANTS  # noqa: E402


def _hw(text: str) -> tuple[int, int]:
    """'513' or '353x481' (height x width)."""
    parts = text.lower().split("x")
    if len(parts) not in (1, 2) or not all(p.isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"expected SIZE or HxW, got {text!r}")
    h, w = int(parts[0]), int(parts[-1])
    return h, w


def _loss_weights(text: str) -> dict[str, float]:
    """'heatmaps=4,segmentation=2' -> dict (heads not named keep their defaults)."""
    try:
        return {k.strip(): float(v) for k, v in (item.split("=") for item in text.split(",") if item)}
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected head=weight,...; got {text!r}") from err


def cmd_train(args) -> None:
    from personlab.losses import DEFAULT_LOSS_WEIGHTS
    from personlab.model import ModelConfig
    from personlab.train import train

    config = TrainConfig(
        model=ModelConfig(args.backbone, args.alpha, args.stride),
        init=args.init,
        coco_dir=str(args.coco_dir),
        input_size=args.input_size,
        epochs=args.epochs,
        batch_size=args.batch_size,
        steps_per_epoch=args.steps_per_epoch,
        learning_rate=args.lr,
        loss_weights={**DEFAULT_LOSS_WEIGHTS, **args.loss_weights},
        freeze_batchnorm=not args.train_batchnorm,
        trainable=args.trainable,
        max_images=args.max_images,
        seed=args.seed,
        distribute=args.distribute,
    )
    spec.check_input_size(args.input_size, args.input_size, args.stride)
    final = train(config, args.out)
    if args.export_checkpoint:
        from personlab import checkpoint

        model, model_config = checkpoint.load(final)
        info = checkpoint.read_info(final)
        info.pop("weights_sha256", None)
        print(f"wrote {checkpoint.save(model, model_config, args.export_checkpoint, info)}")
    print(f"checkpoint: {final}")


def cmd_import_bodypix(args) -> None:
    from personlab import bodypix, checkpoint
    from personlab.model import ModelConfig

    model = bodypix.build_from_bodypix(args.model_json, stride=args.stride)
    _, weights = bodypix.read_tfjs(args.model_json)
    config = ModelConfig("mobilenet_v1", bodypix.infer_alpha(weights), args.stride)
    info = {"init": f"BodyPix 2.0 weights from {args.model_json}, no training"}
    print(f"wrote {checkpoint.save(model, config, args.out, info)}")


def cmd_predict(args) -> None:
    from tqdm import tqdm

    from personlab.inference import load_predictor
    from personlab.predict import image_files, predict, write_results

    files = image_files(args.images)
    predictor = load_predictor(args.model, args.input_size)
    results = []
    for found in tqdm(
        predict(predictor, files, args.render), total=len(files), desc="predict", unit="img", disable=None
    ):
        results += found
    write_results(args.out, results)
    print(
        f"{len(results)} people in {len(files)} images; wrote {args.out}"
        + (f" and overlays in {args.render}" if args.render else "")
    )


def cmd_bench(args) -> None:
    import json

    from personlab.bench import bench_decoder, markdown

    if not args.model.is_file():
        raise FileNotFoundError(f"no artifact {args.model} (make quantize builds it)")
    result = bench_decoder(args.model, args.coco_dir, args.repeats, args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "mobile_decoder.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "mobile_decoder.md").write_text(markdown(result))
    print(markdown(result) + f"wrote {args.out / 'mobile_decoder.json'} and .md")


def cmd_evaluate(args) -> None:
    import json

    from personlab.data import CocoPersons
    from personlab.evaluate import evaluate_model
    from personlab.inference import load_predictor

    predictor = load_predictor(args.model, args.input_size)
    dataset = CocoPersons(args.coco_dir, args.split)
    ids = dataset.image_ids[: args.limit] if args.limit else dataset.image_ids
    results, metrics = evaluate_model(predictor, dataset, ids, decoder=args.decoder)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results))
    summary = {
        "model": str(args.model),
        "split": args.split,
        "images": len(ids),
        "input_size": list(predictor.input_hw),
        "stride": predictor.stride,
        "decoder": args.decoder,
        "metrics": metrics,
    }
    (args.out / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
    kp = {k: metrics[f"keypoints/{k}"] for k in ("AP", "AP50", "AP75", "APm", "APl", "AR")}
    print(
        "keypoint "
        + ", ".join(f"{k} {v:.3f}" for k, v in kp.items())
        + f"; mask AP {metrics['segm/AP']:.3f} on {len(ids)} {args.split} images"
    )
    print(f"wrote {args.out / 'results.json'} and {args.out / 'metrics.json'}")


def cmd_calibrate(args) -> None:
    from calibration import representative

    images, manifest = representative.build(
        args.coco_dir, args.split, args.size, args.strategy, args.seed, args.input_size, args.force
    )
    out = representative.write(args.out, images, manifest)
    print(f"wrote {len(images)} {manifest.strategy} {args.split} images ({images.shape[1]}x{images.shape[2]}) to {out}")


def cmd_export(args) -> None:
    from export.exporter import export, parse_formats

    if args.model.suffix == ".onnx":  # ONNX in: one float32 TFLite through onnx2tf
        from export.onnx import onnx_to_tflite
        from personlab.model import ModelConfig

        config = ModelConfig(args.backbone, args.alpha, args.stride) if args.backbone else None
        paths = [onnx_to_tflite(args.model, args.out, config)]
    else:
        paths = export(args.model, parse_formats(args.formats), args.input_size, args.out)
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) and its metadata {path.with_suffix('.json').name}")


def cmd_quantize(args) -> None:
    from quantize.build import quantize

    for path in quantize(
        args.model, args.calibration, args.variants, args.input_size, args.out, coco_dir=args.coco_dir,
        sqnr_images=args.sqnr_images, budget=args.budget, metric=args.metric, held_back_images=args.held_back_images,
    ):  # fmt: skip
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) and its metadata {path.with_suffix('.json').name}")


def cmd_report(args) -> None:
    import time

    from personlab.report import Settings, main_table, measure, write

    start = time.perf_counter()
    settings = Settings(
        checkpoint=args.model, artifacts=args.artifacts, calibration=args.calibration, coco_dir=args.coco_dir,
        weights_dir=args.weights_dir, images=args.limit, repeats=args.repeats,
    )  # fmt: skip
    result = measure(settings, start)
    paths = write(result, args.out)
    print(main_table(result))
    for goal in result["goals"]:
        print(f"{'met' if goal['met'] else 'MISSED'}: {goal['goal']}: {goal['measured']}")
    print(f"wrote {', '.join(str(p) for p in paths)} in {result['wall_s'] / 60:.1f} min")


def cmd_render_targets(args) -> None:
    from personlab.render import render_targets

    for path in render_targets(
        args.coco_dir, args.split, args.image_ids, args.input_size, args.stride, args.out, args.augment
    ):
        print(path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="personlab", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    defaults = TrainConfig()
    p = sub.add_parser("train", help="train on COCO (resumes an interrupted run in --out)")
    p.add_argument("--backbone", default=defaults.model.backbone, choices=sorted(BACKBONES))
    p.add_argument("--alpha", type=float, default=defaults.model.alpha)
    p.add_argument("--stride", type=int, default=spec.DEFAULT_STRIDE, choices=spec.STRIDES)
    p.add_argument("--init", default=defaults.init, choices=INITS)
    p.add_argument("--coco-dir", type=Path, default=COCO_DIR)
    p.add_argument("--input-size", type=int, default=defaults.input_size, help="square training crop, stride*k+1")
    p.add_argument("--epochs", type=int, default=defaults.epochs)
    p.add_argument("--batch-size", type=int, default=defaults.batch_size, help="per replica")
    p.add_argument("--steps-per-epoch", type=int, default=None, help="default: one pass over the images")
    p.add_argument("--lr", type=float, default=defaults.learning_rate, help="peak learning rate (cosine decay)")
    p.add_argument("--loss-weights", type=_loss_weights, default={}, help="e.g. heatmaps=4,mid_offsets=0.4")
    p.add_argument(
        "--trainable", default=defaults.trainable, choices=TRAINABLE, help="train every layer or the heads only"
    )
    p.add_argument("--train-batchnorm", action="store_true", help="update batch norm (default: frozen)")
    p.add_argument("--max-images", type=int, default=None, help="use only the first N images (smoke tests)")
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--distribute", action="store_true", help="tf.distribute.MirroredStrategy over all GPUs")
    p.add_argument("--out", type=Path, default=Path("runs/train"))
    p.add_argument("--export-checkpoint", type=Path, default=None, help="also copy the final checkpoint here")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("import-bodypix", help="BodyPix 2.0 TF.js weights -> our checkpoint (no training)")
    p.add_argument(
        "--model-json", type=Path, default=WEIGHTS_DIR / "bodypix_tfjs/mobilenet_float_050/model-stride16.json"
    )
    p.add_argument("--stride", type=int, default=spec.DEFAULT_STRIDE, choices=spec.STRIDES)
    p.add_argument("--out", type=Path, default=Path("runs/bodypix_050/checkpoint"))
    p.set_defaults(func=cmd_import_bodypix)

    p = sub.add_parser("evaluate", help="COCO keypoint and mask AP of a checkpoint or .tflite on a split")
    p.add_argument("--model", type=Path, required=True, help="checkpoint (.json / .weights.h5) or .tflite")
    p.add_argument("--coco-dir", type=Path, default=COCO_DIR)
    p.add_argument("--split", default="val")
    p.add_argument("--input-size", type=_hw, default=spec.DEFAULT_INPUT_SIZE, help="checkpoints only (H or HxW)")
    p.add_argument("--limit", type=int, default=None, help="first N images only")
    p.add_argument(
        "--decoder",
        choices=DECODERS,
        default="reference",
        help="reference: float decoder on dequantized outputs; mobile: on-device decoder on raw outputs",
    )
    p.add_argument("--out", type=Path, default=Path("runs/eval"))
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("bench", help="mobile decoder and model + decoder time per frame at 0/1/5/15 people")
    p.add_argument("--model", type=Path, required=True, help="a .tflite artifact (metadata JSON beside it)")
    p.add_argument("--coco-dir", type=Path, default=COCO_DIR)
    p.add_argument("--repeats", type=int, default=50)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, default=Path("reports/bench"))
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("predict", help="images -> COCO results JSON (+ PNG overlays) through the on-device path")
    p.add_argument("images", type=Path, nargs="+", help="image files and/or folders of images")
    p.add_argument("--model", type=Path, required=True, help=".tflite (metadata JSON beside it) or checkpoint")
    p.add_argument("--input-size", type=_hw, default=spec.DEFAULT_INPUT_SIZE, help="checkpoints only (H or HxW)")
    p.add_argument("--out", type=Path, default=Path("runs/predict/results.json"), help="COCO results JSON")
    p.add_argument("--render", type=Path, default=None, metavar="DIR", help="write <DIR>/<image>.png overlays")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("export", help="checkpoint -> TFLite float32/float16 and ONNX, each with its metadata")
    p.add_argument("--model", type=Path, default=SHIPPED, help="checkpoint (.json), or an .onnx to convert")
    p.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: " + ", ".join(FORMATS))
    p.add_argument("--input-size", type=_hw, default=spec.DEFAULT_INPUT_SIZE, help="fixed H or HxW, stride*k+1")
    p.add_argument("--backbone", choices=sorted(BACKBONES), help="ONNX in without personlab metadata: its backbone")
    p.add_argument("--alpha", type=float, default=0.5, help="ONNX in without personlab metadata: its width")
    p.add_argument("--stride", type=int, default=spec.DEFAULT_STRIDE, choices=spec.STRIDES)
    p.add_argument("--out", type=Path, default=Path("artifacts"))
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("quantize", help="int8 / int16x8 / mixed-precision TFLite variants, calibrated on train images")
    p.add_argument("--model", type=Path, default=SHIPPED, help="checkpoint (.json)")
    p.add_argument("--calibration", type=Path, default=Path("artifacts/calibration"), help="a personlab calibrate set")
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS), metavar="VARIANT",
                   help="default: all of " + ", ".join(VARIANTS))  # fmt: skip
    p.add_argument("--input-size", type=_hw, default=spec.DEFAULT_INPUT_SIZE, help="fixed H or HxW, stride*k+1")
    p.add_argument("--coco-dir", type=Path, default=COCO_DIR)
    p.add_argument("--sqnr-images", type=int, default=16, help="val images for per-head SQNR (0: skip)")
    p.add_argument("--budget", type=float, default=0.01, help="mixed: largest accepted drop of --metric")
    p.add_argument(
        "--metric", default="keypoints/AP", choices=list(METRICS), help="mixed: measured on held-back train images"
    )
    p.add_argument("--held-back-images", type=int, default=None, help="mixed: train images outside the calibration set")
    p.add_argument("--out", type=Path, default=Path("artifacts"))
    p.set_defaults(func=cmd_quantize)

    p = sub.add_parser("calibrate", help="representative set for int8 calibration (train split, letterboxed)")
    p.add_argument("--coco-dir", type=Path, default=COCO_DIR)
    p.add_argument("--split", default="train")
    p.add_argument("--force", action="store_true", help="allow a split other than train")
    p.add_argument(
        "--size", type=int, default=DEFAULT_SIZE, help="number of images (default: all that exist, up to 300)"
    )
    p.add_argument("--strategy", default="random", choices=STRATEGIES)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--input-size", type=_hw, default=spec.DEFAULT_INPUT_SIZE)
    p.add_argument("--out", type=Path, default=Path("artifacts/calibration"))
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("report", help="quantization report: size, latency, COCO AP of every artifact and anchor")
    p.add_argument("--model", type=Path, default=SHIPPED, help="checkpoint (.json) the artifacts come from")
    p.add_argument("--artifacts", type=Path, default=Path("artifacts"), help="built there when missing or stale")
    p.add_argument("--calibration", type=Path, default=Path("artifacts/calibration"))
    p.add_argument("--coco-dir", type=Path, default=COCO_DIR)
    p.add_argument("--weights-dir", type=Path, default=WEIGHTS_DIR, help="Google's anchors")
    p.add_argument("--limit", type=int, default=None, help="first N val images only (default: all)")
    p.add_argument("--repeats", type=int, default=50, help="timed invokes per latency (after 5 warm-up)")
    p.add_argument("--out", type=Path, default=Path("reports/quantization"))
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("render-targets", help="draw the targets of COCO images to PNG for a visual check")
    p.add_argument("image_ids", type=int, nargs="*", help="default: the first 3 images of the split")
    p.add_argument("--coco-dir", type=Path, default=COCO_DIR)
    p.add_argument("--split", default="val")
    p.add_argument("--input-size", type=_hw, default=spec.DEFAULT_INPUT_SIZE)
    p.add_argument("--stride", type=int, default=spec.DEFAULT_STRIDE, choices=spec.STRIDES)
    p.add_argument("--augment", action="store_true", help="apply a random training augmentation first")
    p.add_argument("--out", type=Path, default=Path("runs/targets"))
    p.set_defaults(func=cmd_render_targets)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        args.func(args)
    except (DataError, ValueError, FileNotFoundError) as err:
        print(f"personlab {args.command}: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
