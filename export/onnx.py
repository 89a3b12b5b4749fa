"""ONNX out (our Keras model -> ONNX laid out as PyTorch exports) and ONNX in (ONNX -> float32 TFLite).

ONNX out, `to_onnx`: tf2onnx converts the fixed-size Keras model with `inputs_as_nchw` and
`outputs_as_nchw`, so the file looks like a PyTorch export: input "image" [1, 3, H, W] (RGB 0..255
float32, normalisation inside the graph) and one output per head, named by head, [1, C, gh, gw], in
spec.HEADS order. Our config, stride and provenance go into the model's `metadata_props`
(`personlab_*` keys), so `onnx_to_tflite` needs no other input for our own files.

ONNX in, `onnx_to_tflite`: an NCHW PersonLab graph (ours, or a PyTorch export of the same heads) ->
float32 TFLite with the contract of every artifact: input "image" NHWC [1, H, W, 3] RGB 0..255
float32, one NHWC output [1, gh, gw, C] per head, the signature outputs named by head. The route:

1. The ONNX file is validated first (readable protobuf, onnx.checker, one static [1, 3, H, W] input,
   the five heads found by output name, or else by output order when the channel counts are
   spec.HEADS' in order: shape alone cannot tell short from long offsets, both 2K channels). Any
   failure is a ValueError with a one-line message naming the file.
2. onnx2tf.convert builds a tf_keras model (`disable_model_save=True`: no saved_model, no .tflite of
   its own). onnx2tf reads `calibration_image_sample_data_20x128x128x3_float32.npy` from the current
   directory and downloads it when absent; we write it from letterboxed real COCO train images into a
   temporary directory and run the conversion from there (cwd restored afterwards), so nothing is
   fetched and nothing is left in the caller's directory.
3. onnx2tf names its Keras outputs after the ONNX outputs, but their layouts vary: heads that end in a
   convolution come out NHWC, while a head whose last op is a Reshape (tf2onnx writes the 1-channel
   segmentation's NHWC->NCHW transpose as one) keeps the ONNX NCHW shape. Each head is therefore
   taken from the Keras output of its ONNX name, brought to NHWC where its shape (or, when C == gh ==
   gw, the numbers) says it is NCHW, and checked against onnxruntime on a real image.
4. The final model is re-exported through tf.lite from a tf.function whose input is named "image"
   and whose outputs dict is keyed by head name, which gives signature outputs named by head
   (onnx2tf's own .tflite names its tensors Identity, Identity_1, ...).
5. The TFLite is compared with onnxruntime once more (max abs difference per head, recorded in the
   metadata) and written with export.metadata.write_artifact (metadata embedded and beside, atomic).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
import onnx

from export.metadata import artifact_name, describe, write_artifact
from personlab import geometry, spec
from personlab.files import atomic_write
from personlab.model import ModelConfig

log = logging.getLogger(__name__)

VARIANT = "onnx_float32"
OPSET = 17
INPUT_NAME = "image"
#: The file onnx2tf reads from the current directory instead of downloading it (20 x 128 x 128 x 3, [0, 1]).
ONNX2TF_SAMPLE_NAME = "calibration_image_sample_data_20x128x128x3_float32.npy"
ONNX2TF_SAMPLE_SHAPE = (20, 128, 128, 3)
#: A converted head may differ from onnxruntime by at most this fraction of its value range.
MAX_RELATIVE_ERROR = 1e-3
META_PREFIX = "personlab_"


def onnx_name(config: ModelConfig, input_hw: tuple[int, int]) -> str:
    """personlab_<backbone>_<HxW>.onnx, the ONNX sibling of export.metadata.artifact_name."""
    return f"personlab_{config.tag}_{input_hw[0]}x{input_hw[1]}.onnx"


def to_onnx(
    model,
    input_hw: tuple[int, int],
    path: Path | str,
    config: ModelConfig | None = None,
    source: Path | str | None = None,
    opset: int = OPSET,
) -> Path:
    """Keras model (RGB 0..255 NHWC in, dict of heads out) -> ONNX at `path`, NCHW in and out.

    Input "image" [1, 3, H, W]; outputs named by head, [1, C, gh, gw], in spec.HEADS order.
    `config` and `source` (the checkpoint) are recorded in metadata_props. Written atomically.
    """
    import tensorflow as tf
    import tf2onnx

    path = Path(path)
    h, w = input_hw
    missing = set(spec.HEAD_NAMES) - set(model.output_names)
    if missing:
        raise ValueError(f"model lacks head outputs {sorted(missing)} (has {sorted(model.output_names)})")
    signature = (tf.TensorSpec((1, h, w, 3), tf.float32, name=INPUT_NAME),)
    proto, _ = tf2onnx.convert.from_keras(
        model,
        input_signature=signature,
        opset=opset,
        inputs_as_nchw=[INPUT_NAME],
        outputs_as_nchw=list(spec.HEAD_NAMES),
    )
    outputs = {o.name: o for o in proto.graph.output}
    ordered = [onnx.ValueInfoProto() for _ in spec.HEAD_NAMES]  # copies, made before clearing
    for copy, name in zip(ordered, spec.HEAD_NAMES, strict=True):
        copy.CopyFrom(outputs[name])
    del proto.graph.output[:]
    proto.graph.output.extend(ordered)
    props = {
        "layout": "NCHW",
        "input": {"name": INPUT_NAME, "shape": [1, 3, h, w], "range": "RGB 0..255 float32, letterboxed"},
        "heads": [{"name": hd.name, "channels": hd.channels, "kind": hd.kind} for hd in spec.HEADS],
    }
    if config is not None:
        props["model"] = config.to_dict()
        props["stride"] = config.stride
    if source is not None:
        props["source"] = _source_info(source)
    for key, value in props.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = f"{META_PREFIX}{key}", json.dumps(value, sort_keys=True)
    proto.doc_string = "PersonLab (pose + person segmentation), NCHW; see metadata_props personlab_*"
    onnx.checker.check_model(proto)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, proto.SerializeToString())
    atomic_write(path.with_suffix(".json"), (json.dumps(props, indent=2) + "\n").encode())
    return path


def _source_info(source: Path | str) -> dict:
    from personlab import checkpoint

    try:
        sha = checkpoint.read_info(source).get("weights_sha256")
    except FileNotFoundError:
        sha = None
    return {"path": str(source), "weights_sha256": sha}


class OnnxPersonLab:
    """A validated ONNX PersonLab graph: where its image input and its five heads are."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.proto = _load(self.path)
        graph = self.proto.graph
        initializers = {t.name for t in graph.initializer}
        inputs = [i for i in graph.input if i.name not in initializers]
        if len(inputs) != 1:
            raise ValueError(f"{self.path}: expected one image input, found {[i.name for i in inputs]}")
        self.input_name = inputs[0].name
        shape = _dims(inputs[0])
        if len(shape) != 4 or shape[:2] != [1, 3] or not all(isinstance(d, int) and d > 0 for d in shape):
            raise ValueError(f"{self.path}: input {self.input_name!r} must be static NCHW [1, 3, H, W], is {shape}")
        self.input_hw = (shape[2], shape[3])
        self.props = {
            p.key[len(META_PREFIX) :]: _json_or_str(p.value)
            for p in self.proto.metadata_props
            if p.key.startswith(META_PREFIX)
        }
        self.heads = self._map_heads()  # head name -> ONNX output name
        self.grid_hw = self._grid()
        self.stride = self._stride()

    def _map_heads(self) -> dict[str, str]:
        outputs = list(self.proto.graph.output)
        names = [o.name for o in outputs]
        if set(spec.HEAD_NAMES) <= set(names):
            mapping = {name: name for name in spec.HEAD_NAMES}
        else:
            channels = [_dims(o)[1] if len(_dims(o)) == 4 else None for o in outputs]
            if channels != [hd.channels for hd in spec.HEADS]:
                found = ", ".join(f"{n}{_dims(o)}" for n, o in zip(names, outputs, strict=True))
                raise ValueError(
                    f"{self.path}: outputs are not PersonLab heads: need outputs named {list(spec.HEAD_NAMES)}, "
                    f"or five NCHW outputs of {[hd.channels for hd in spec.HEADS]} channels in this order; "
                    f"found {found}"
                )
            mapping = dict(zip(spec.HEAD_NAMES, names, strict=True))
        by_name = {o.name: o for o in outputs}
        for head in spec.HEADS:
            dims = _dims(by_name[mapping[head.name]])
            if len(dims) != 4 or dims[:2] != [1, head.channels] or not all(isinstance(d, int) for d in dims):
                raise ValueError(
                    f"{self.path}: output {mapping[head.name]!r} ({head.name}) must be static NCHW "
                    f"[1, {head.channels}, gh, gw], is {dims}"
                )
        return mapping

    def _grid(self) -> tuple[int, int]:
        grids = {tuple(_dims(o)[2:]) for o in self.proto.graph.output if o.name in self.heads.values()}
        if len(grids) != 1:
            raise ValueError(f"{self.path}: heads disagree on the output grid: {sorted(grids)}")
        return grids.pop()

    def _stride(self) -> int:
        (h, w), (gh, gw) = self.input_hw, self.grid_hw
        for stride in spec.STRIDES:
            if spec.grid_shape(h, w, stride) == (gh, gw) and (h - 1) % stride == 0 and (w - 1) % stride == 0:
                return stride
        raise ValueError(
            f"{self.path}: input {h}x{w} and output grid {gh}x{gw} match no output stride in {spec.STRIDES} "
            f"(sides must be stride*k+1)"
        )

    def config(self, config: ModelConfig | None) -> ModelConfig:
        """The given config, else the one recorded by to_onnx; its stride must be the graph's."""
        if config is None:
            recorded = self.props.get("model")
            if not isinstance(recorded, dict):
                raise ValueError(f"{self.path}: no {META_PREFIX}model in its metadata: give the model config")
            try:
                config = ModelConfig(**recorded)
            except (TypeError, ValueError) as err:
                raise ValueError(f"{self.path}: bad {META_PREFIX}model metadata {recorded}: {err}") from err
        if config.stride != self.stride:
            raise ValueError(f"{self.path}: the graph has output stride {self.stride}, the config says {config.stride}")
        return config


def _json_or_str(value: str):
    try:
        return json.loads(value)
    except ValueError:
        return value


def _load(path: Path) -> onnx.ModelProto:
    if not path.is_file():
        raise ValueError(f"ONNX file not found: {path}")
    try:
        proto = onnx.load(str(path))
        onnx.checker.check_model(proto)
        if proto.graph.output:
            proto = onnx.shape_inference.infer_shapes(proto)
    except Exception as err:  # protobuf DecodeError, onnx ValidationError / InferenceError, external data, ...
        detail = " ".join(str(err).split()) or type(err).__name__
        raise ValueError(f"{path}: not a valid ONNX model ({detail})") from err
    if not proto.graph.node or not proto.graph.output:
        raise ValueError(f"{path}: not a valid ONNX model (empty graph)")
    return proto


def _dims(value_info) -> list:
    """Static dims as ints, symbolic or unknown ones as their name or None."""
    if not value_info.type.HasField("tensor_type") or not value_info.type.tensor_type.HasField("shape"):
        return []
    return [
        d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in value_info.type.tensor_type.shape.dim
    ]


def sample_images(count: int, coco_dir: Path | str | None = None, split: str = "train"):
    """`count` real COCO images (RGB uint8, full size) chosen deterministically, and where they came from.

    Falls back to smooth synthetic 480x640 images (with a warning) when no COCO split can be read, so
    an export never depends on the data being present; returns (images, description).
    """
    from personlab.data import COCO_DIR, CocoPersons, DataError

    try:
        dataset = CocoPersons(coco_dir or COCO_DIR, split=split)
        ids = dataset.image_ids[:count]
        images = [dataset.read_image(image_id) for image_id in ids]
        if len(images) == count:
            return images, {"coco": str(dataset.files.annotations), "image_ids": [int(i) for i in ids]}
        reason = f"only {len(images)} images"
    except (DataError, OSError) as err:
        reason = str(err)
    log.warning("no COCO %s images for the ONNX conversion (%s): using synthetic images", split, reason)
    coarse = np.random.default_rng(0).uniform(0, 255, (count, 6, 8, 3)).astype(np.float32)
    images = [_resize(c, (480, 640)).round().clip(0, 255).astype(np.uint8) for c in coarse]
    return images, {"synthetic": "smooth random, seed 0", "reason": reason}


def letterboxed(images: list[np.ndarray], input_hw: tuple[int, int]) -> np.ndarray:
    """(N, H, W, 3) uint8: each image letterboxed to input_hw (the artifacts' rule)."""
    return np.stack([geometry.letterboxed(im, input_hw)[1] for im in images])


def _resize(image: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    planes = [Image.fromarray(image[..., c], mode="F").resize(hw[::-1], Image.Resampling.BILINEAR) for c in range(3)]
    return np.stack([np.asarray(p) for p in planes], -1)


@contextlib.contextmanager
def _onnx2tf_workdir(sample: np.ndarray):
    """A temporary cwd holding onnx2tf's sample file (so it reads it instead of downloading it)."""
    previous = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="personlab_onnx2tf_") as tmp:
        np.save(Path(tmp) / ONNX2TF_SAMPLE_NAME, sample.astype(np.float32))
        os.chdir(tmp)
        try:
            yield Path(tmp)
        finally:
            os.chdir(previous)


@contextlib.contextmanager
def _undo_onnx2tf_globals():
    """Undo what importing and running onnx2tf changes process-wide.

    onnx2tf 1.29 sets TF_USE_LEGACY_KERAS=1 and TF_CPP_MIN_LOG_LEVEL=3 at import, CUDA_VISIBLE_DEVICES=-1
    during convert, seeds Python's and NumPy's global generators, enables TF op determinism and adds a
    warnings filter. A process that goes on after an export (training, benchmarks) must not inherit that.
    """
    import random
    import warnings

    from tensorflow.python.framework import config as tf_config

    env = {k: os.environ.get(k) for k in ("TF_USE_LEGACY_KERAS", "TF_CPP_MIN_LOG_LEVEL", "CUDA_VISIBLE_DEVICES")}
    np_state, py_state = np.random.get_state(), random.getstate()
    determinism = tf_config.is_op_determinism_enabled()
    with warnings.catch_warnings():
        try:
            yield
        finally:
            for key, value in env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            np.random.set_state(np_state)
            random.setstate(py_state)
            if not determinism:
                tf_config.disable_op_determinism()


def onnx2tf_keras(onnx_path: Path | str, sample: np.ndarray):
    """onnx2tf's tf_keras model of an ONNX file, converted offline from a temporary directory.

    RuntimeError (one line, naming the file) when onnx2tf cannot convert it.
    """
    if sample.shape != ONNX2TF_SAMPLE_SHAPE or sample.dtype != np.float32:
        raise ValueError(f"onnx2tf sample must be float32 {ONNX2TF_SAMPLE_SHAPE}, got {sample.dtype} {sample.shape}")
    onnx_path = Path(onnx_path).absolute()  # before the conversion changes the working directory
    with _undo_onnx2tf_globals(), _onnx2tf_workdir(sample) as tmp:
        import onnx2tf

        try:
            return onnx2tf.convert(
                input_onnx_file_path=str(onnx_path),
                output_folder_path=str(tmp / "onnx2tf"),
                disable_model_save=True,
                check_onnx_tf_outputs_sample_data_normalization="denorm",  # our inputs are 0..255
                verbosity="error",
            )
        except (Exception, SystemExit) as err:  # onnx2tf calls sys.exit(1) on some unsupported graphs
            detail = " ".join(str(err).split())[:300] or type(err).__name__
            raise RuntimeError(f"{onnx_path}: onnx2tf could not convert it ({detail})") from err


def onnxruntime_heads(graph: OnnxPersonLab, image_nhwc: np.ndarray) -> dict[str, np.ndarray]:
    """The ONNX heads on one NHWC 0..255 image, as NHWC [1, gh, gw, C] arrays."""
    import onnxruntime as ort

    session = ort.InferenceSession(graph.proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [graph.heads[h] for h in spec.HEAD_NAMES]
    x = np.ascontiguousarray(image_nhwc.astype(np.float32).transpose(0, 3, 1, 2))
    values = session.run(names, {graph.input_name: x})
    return {h: v.transpose(0, 2, 3, 1) for h, v in zip(spec.HEAD_NAMES, values, strict=True)}


def _max_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max())


def _tolerance(reference: np.ndarray) -> float:
    return MAX_RELATIVE_ERROR * max(float(reference.max() - reference.min()), 1e-6)


def _layouts(graph: OnnxPersonLab, keras_model, reference: dict[str, np.ndarray], image: np.ndarray) -> dict:
    """Head -> (index of onnx2tf's Keras output, whether it is NCHW), checked against onnxruntime."""
    names = list(keras_model.output_names)
    values = keras_model(image.astype(np.float32), training=False)
    values = [np.asarray(v) for v in (values if isinstance(values, (list, tuple)) else [values])]
    gh, gw = graph.grid_hw
    layouts = {}
    for head in spec.HEADS:
        onnx_name_ = graph.heads[head.name]
        if onnx_name_ not in names:
            raise RuntimeError(f"{graph.path}: onnx2tf lost output {onnx_name_!r} (has {names})")
        index = names.index(onnx_name_)
        value, want = values[index], reference[head.name]
        candidates = []
        if list(value.shape) == [1, gh, gw, head.channels]:
            candidates.append((False, value))
        if list(value.shape) == [1, head.channels, gh, gw]:
            candidates.append((True, value.transpose(0, 2, 3, 1)))
        if not candidates:
            raise RuntimeError(f"{graph.path}: onnx2tf output {onnx_name_!r} has shape {list(value.shape)}")
        diff, nchw = min((_max_abs(v, want), nchw) for nchw, v in candidates)
        if diff > _tolerance(want):
            raise RuntimeError(
                f"{graph.path}: onnx2tf's {head.name} differs from onnxruntime by {diff:.3g} "
                f"(range {float(want.max() - want.min()):.3g})"
            )
        layouts[head.name] = (index, nchw)
    return layouts


def _rewrap(keras_model, layouts: dict, input_hw: tuple[int, int]) -> bytes:
    """Float32 TFLite: input "image" NHWC, signature outputs keyed by head name, each NHWC."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec((1, *input_hw, 3), tf.float32, name=INPUT_NAME)])
    def serve(image):
        values = keras_model(image, training=False)
        values = values if isinstance(values, (list, tuple)) else [values]
        out = {}
        for name in spec.HEAD_NAMES:
            index, nchw = layouts[name]
            out[name] = tf.transpose(values[index], (0, 2, 3, 1)) if nchw else tf.identity(values[index])
        return out

    converter = tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()], keras_model)
    return converter.convert()


def tflite_heads(tflite_bytes: bytes, image_nhwc: np.ndarray) -> dict[str, np.ndarray]:
    """Run a TFLite artifact's signature on one NHWC image: head name -> array."""
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_content=tflite_bytes).get_signature_runner()
    (input_name,) = runner.get_input_details()
    return runner(**{input_name: image_nhwc.astype(np.float32)})


def onnx_to_tflite(
    onnx_path: Path | str,
    out_dir: Path | str,
    config: ModelConfig | None = None,
    coco_dir: Path | str | None = None,
) -> Path:
    """ONNX PersonLab model (NCHW, as PyTorch exports) -> float32 TFLite artifact in out_dir; its path.

    `config` names the backbone (artifact name and metadata); by default it is read from the file's
    personlab_model metadata (written by to_onnx). The output stride comes from the graph and must
    agree. ValueError (one line, naming the file) on a file that is not a PersonLab ONNX model;
    RuntimeError when the converted model does not reproduce onnxruntime's numbers.
    See the module docstring for the route.
    """

    onnx_path = Path(onnx_path)
    graph = OnnxPersonLab(onnx_path)
    config = graph.config(config)
    images, images_info = sample_images(ONNX2TF_SAMPLE_SHAPE[0], coco_dir)
    sample = letterboxed(images, ONNX2TF_SAMPLE_SHAPE[1:3]).astype(np.float32) / 255.0
    check = letterboxed(images[:1], graph.input_hw)
    reference = onnxruntime_heads(graph, check)
    keras_model = onnx2tf_keras(onnx_path, sample)
    layouts = _layouts(graph, keras_model, reference, check)
    tflite_bytes = _rewrap(keras_model, layouts, graph.input_hw)

    got = tflite_heads(tflite_bytes, check)
    diffs = {name: _max_abs(got[name], reference[name]) for name in spec.HEAD_NAMES}
    for name, diff in diffs.items():
        if diff > _tolerance(reference[name]):
            raise RuntimeError(f"{onnx_path}: converted {name} differs from onnxruntime by {diff:.3g}")
    extra = {
        "onnx": {
            "path": str(onnx_path),
            "sha256": hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
            "opset": max((o.version for o in graph.proto.opset_import if o.domain in ("", "ai.onnx")), default=None),
            "producer": {"name": graph.proto.producer_name, "version": graph.proto.producer_version},
            "input": graph.input_name,
            "heads": graph.heads,
            "nchw_outputs_transposed": sorted(h for h, (_, nchw) in layouts.items() if nchw),
            "metadata_props": graph.props,
            "converter": _converter_versions(),
            "onnx2tf_sample": images_info,
            "check": {"image": "the first onnx2tf_sample image, letterboxed", "max_abs_diff_vs_onnxruntime": diffs},
        }
    }
    name = artifact_name(config, graph.input_hw, VARIANT)
    metadata = describe(tflite_bytes, config, VARIANT, source=onnx_path, extra=extra)
    recorded = graph.props.get("source")
    if isinstance(recorded, dict):  # our own ONNX: the checkpoint it came from
        metadata["source"]["checkpoint"] = recorded
        metadata["source"]["weights_sha256"] = metadata["source"]["weights_sha256"] or recorded.get("weights_sha256")
    return write_artifact(out_dir, name, tflite_bytes, metadata)


def _converter_versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for package in ("onnx2tf", "onnx", "onnxruntime", "tensorflow-cpu", "tensorflow"):
        with contextlib.suppress(PackageNotFoundError):
            versions[package] = version(package)
    return versions
