"""Our checkpoint: `<stem>.weights.h5` (Keras weights) + `<stem>.json` (config and provenance).

The architecture is rebuilt from the json by model.build_model, the one source of truth,
so a checkpoint never carries a second copy of the network definition. Keras is imported only
to load or save weights: reading a checkpoint's json (provenance, sha256) stays light.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from personlab.files import atomic_write

if TYPE_CHECKING:
    import keras

    from personlab.model import ModelConfig

#: The committed checkpoint (`make train` reproduces it).
SHIPPED = Path(__file__).resolve().parents[1] / "checkpoints/personlab_mobilenet_v1_075.json"


def stem_of(path: Path | str) -> Path:
    path = Path(path)
    for suffix in (".weights.h5", ".json"):
        if path.name.endswith(suffix):
            return path.with_name(path.name[: -len(suffix)])
    return path


def save(model: keras.Model, config: ModelConfig, path: Path | str, info: dict | None = None) -> Path:
    """Write both files atomically (temporary name, then rename); returns the json path."""
    stem = stem_of(path)
    stem.parent.mkdir(parents=True, exist_ok=True)
    weights, meta = Path(f"{stem}.weights.h5"), Path(f"{stem}.json")
    tmp = Path(f"{stem}.tmp.weights.h5")
    model.save_weights(tmp)
    os.replace(tmp, weights)
    doc = {"model": config.to_dict(), "weights_sha256": sha256(weights), **(info or {})}
    atomic_write(meta, (json.dumps(doc, indent=2) + "\n").encode())
    return meta


class CheckpointError(ValueError):
    """A checkpoint that cannot be read as one; the message names the file."""


def read_info(path: Path | str) -> dict:
    """The checkpoint's json: {"model": {backbone, alpha, stride}, "weights_sha256", provenance...}."""
    meta = Path(f"{stem_of(path)}.json")
    if not meta.is_file():
        raise FileNotFoundError(f"checkpoint not found: {meta}")
    try:
        info = json.loads(meta.read_text())
    except (OSError, ValueError) as err:
        raise CheckpointError(f"checkpoint {meta} is not readable JSON: {err}") from err
    model = info.get("model") if isinstance(info, dict) else None
    if not isinstance(model, dict) or not {"backbone", "alpha", "stride"} <= set(model):
        raise CheckpointError(f"checkpoint {meta} has no 'model' object with backbone, alpha and stride")
    return info


def load(
    path: Path | str, input_hw: tuple[int, int] | None = None, stride: int | None = None
) -> tuple[keras.Model, ModelConfig]:
    """Rebuild the model from `<stem>.json` and load `<stem>.weights.h5`, checked against the json's sha256.

    stride: another output stride than the checkpoint's (MobileNetV1: the same weights, the last
    stride-2 removed and later layers dilated, as BodyPix's stride-8 graphs use them).
    """
    from personlab.model import ModelConfig, build_model

    info = read_info(path)
    try:
        config = ModelConfig(**(info["model"] | ({"stride": stride} if stride else {})))
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"checkpoint {stem_of(path)}.json: {err}") from err
    weights = Path(f"{stem_of(path)}.weights.h5")
    if not weights.is_file():
        raise FileNotFoundError(f"checkpoint weights not found: {weights}")
    if info.get("weights_sha256") not in (None, sha256(weights)):
        raise CheckpointError(f"checkpoint weights {weights} do not match the sha256 in its json (changed or corrupt)")
    model = build_model(config, input_hw)
    try:
        model.load_weights(weights)
    except (OSError, ValueError, KeyError) as err:  # h5py / Keras: corrupt file or another architecture
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        first = first.split(". Example error message")[0]  # Keras goes on with one layer's whole traceback
        raise CheckpointError(f"checkpoint weights {weights} do not fit {config.tag}: {first}") from err
    return model, config


def sha256(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
