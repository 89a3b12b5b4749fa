"""The artifact metadata of DESIGN.md: written beside every .tflite and embedded in it.

Embedding uses the TFLite flatbuffer's own `metadata` table (name METADATA_NAME -> a buffer of
UTF-8 JSON), read and written with the schema that ships with ai-edge-litert, so neither side
needs TensorFlow. The Java port and the mobile decoder read head layouts from here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter

from personlab import spec
from personlab.files import atomic_write_all

if TYPE_CHECKING:
    from personlab.model import ModelConfig

METADATA_NAME = "personlab_metadata"


def artifact_name(config: ModelConfig, input_hw: tuple[int, int], variant: str) -> str:
    """personlab_<backbone>_<HxW>_<variant>.tflite, e.g. personlab_mobilenet_v1_050_513x513_float32.tflite;
    other strides than 16 say so: personlab_mobilenet_v1_075_s8_353x481_full_int8.tflite."""
    stride = "" if config.stride == spec.DEFAULT_STRIDE else f"_s{config.stride}"
    return f"personlab_{config.tag}{stride}_{input_hw[0]}x{input_hw[1]}_{variant}.tflite"


def tensor_info(detail: dict) -> dict:
    """Name, shape, dtype, scale and zero point of an interpreter tensor detail."""
    scale, zero_point = detail["quantization"]
    return {
        "name": detail["name"],
        "shape": [int(v) for v in detail["shape"]],
        "dtype": np.dtype(detail["dtype"]).name,
        "scale": float(scale),
        "zero_point": int(zero_point),
    }


def describe(
    tflite_bytes: bytes, config: ModelConfig, variant: str, source: Path | str, extra: dict | None = None
) -> dict:
    """The metadata of a converted model: its real tensors (with quantization) plus the head spec."""
    from personlab import checkpoint  # Keras: only describing needs it, reading metadata does not

    runner = Interpreter(model_content=tflite_bytes).get_signature_runner()
    (input_detail,) = runner.get_input_details().values()
    outputs = runner.get_output_details()
    missing = set(spec.HEAD_NAMES) - set(outputs)
    if missing:
        raise ValueError(f"converted model lacks head outputs {sorted(missing)} (has {sorted(outputs)})")
    heads = {h.name: tensor_info(outputs[h.name]) for h in spec.HEADS}
    info = checkpoint.read_info(source) if Path(f"{checkpoint.stem_of(source)}.json").is_file() else {}
    train = info.get("train", {})
    input_hw = (int(input_detail["shape"][1]), int(input_detail["shape"][2]))
    return spec.metadata(variant, config.stride, input_hw, heads) | {
        "model": config.to_dict(),
        "input": tensor_info(input_detail),
        "training_data": {k: train.get(k) for k in ("coco_dir", "split", "init", "trainable", "epochs")},
        "source": {"path": str(source), "weights_sha256": info.get("weights_sha256")},
        **(extra or {}),
    }


def embed(tflite_bytes: bytes, metadata: dict) -> bytes:
    """The model with `metadata` as JSON under METADATA_NAME (replacing an earlier one)."""
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(tflite_bytes, 0))
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(json.dumps(metadata, sort_keys=True).encode(), np.uint8)
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name, entry.buffer = METADATA_NAME, len(model.buffers) - 1
    model.metadata = [m for m in (model.metadata or []) if m.name.decode() != METADATA_NAME] + [entry]
    builder = flatbuffers.Builder(len(tflite_bytes) + 4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def read_embedded(tflite_bytes: bytes) -> dict:
    """The embedded metadata; ValueError when there is none."""
    model = schema.Model.GetRootAsModel(tflite_bytes, 0)
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if entry.Name().decode() == METADATA_NAME:
            return json.loads(model.Buffers(entry.Buffer()).DataAsNumpy().tobytes())
    raise ValueError(f"no {METADATA_NAME} in this model")


def write_artifact(out_dir: Path | str, name: str, tflite_bytes: bytes, metadata: dict) -> Path:
    """<out>/<name> (metadata embedded) and <out>/<name without .tflite>.json, each written atomically."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    # The model last: a reader that finds it finds its metadata (a new model never pairs with old metadata).
    atomic_write_all(
        {
            path: embed(tflite_bytes, metadata),
            path.with_suffix(".json"): (json.dumps(metadata, indent=2) + "\n").encode(),
        }
    )
    return path
