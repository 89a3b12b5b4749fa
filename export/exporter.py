"""One table of export formats, validated once, and the function that writes them.

Every artifact is named by export.metadata.artifact_name and carries the metadata of DESIGN.md,
beside it and embedded. Quantized variants live in quantize/; ONNX in and out in export/onnx.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from export import metadata, tflite
from personlab import checkpoint


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    write: Callable  # (keras model, config, input_hw, source, out_dir) -> Path


def _tflite_writer(float16: bool) -> Callable:
    def write(model, config, input_hw, source, out_dir) -> Path:
        variant = "float16" if float16 else "float32"
        data = tflite.convert(model, float16=float16)
        return metadata.write_artifact(
            out_dir, metadata.artifact_name(config, input_hw, variant), data,
            metadata.describe(data, config, variant, source),
        )  # fmt: skip

    return write


def _onnx_writer(model, config, input_hw, source, out_dir) -> Path:
    from export import onnx

    return onnx.to_onnx(model, input_hw, out_dir / onnx.onnx_name(config, input_hw), config, source)


def _onnx_round_trip_writer(model, config, input_hw, source, out_dir) -> Path:
    """Our model -> ONNX (NCHW) -> onnx2tf -> TFLite: the path a PyTorch-exported model takes."""
    from export import onnx

    onnx_path = out_dir / onnx.onnx_name(config, input_hw)
    if not onnx_path.is_file():
        onnx.to_onnx(model, input_hw, onnx_path, config, source)
    return onnx.onnx_to_tflite(onnx_path, out_dir, config)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("float32", "TFLite, float32 weights and activations", _tflite_writer(float16=False)),
        Format(
            "float16",
            "TFLite, float16 weights (dequantized to float32 on CPU; native on GPU delegates)",
            _tflite_writer(float16=True),
        ),
        Format("onnx", "ONNX, NCHW input and outputs as PyTorch exports them (tf2onnx)", _onnx_writer),
        Format(
            "onnx_float32",
            "TFLite from that ONNX through onnx2tf (the ONNX-in route, checked)",
            _onnx_round_trip_writer,
        ),
    )
}


def parse_formats(text: str) -> list[Format]:
    """'float32,float16' -> formats; a one-line ValueError names the unknown ones and the known ones."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise ValueError(f"unknown export format(s) {unknown or [text]}; known: {', '.join(FORMATS)}")
    return [FORMATS[n] for n in dict.fromkeys(names)]


def export(
    source: Path | str, formats: list[Format], input_hw: tuple[int, int], out_dir: Path | str, stride: int | None = None
) -> list[Path]:
    """Write each format of the checkpoint `source` at a fixed input size into out_dir (at another output
    stride than the checkpoint's when `stride` is given; the names say so)."""
    model, config = checkpoint.load(source, input_hw, stride)  # checks the input size for the model's stride
    return [f.write(model, config, input_hw, source, Path(out_dir)) for f in tqdm(formats, desc="export", disable=None)]
