"""ONNX out (tf2onnx, NCHW as PyTorch exports) and ONNX in (onnx2tf -> float32 TFLite), on the real
checkpoint at a small input size and a real COCO val image."""

import json
import os
import socket
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from ai_edge_litert.interpreter import Interpreter

from export import onnx as xonnx
from export.metadata import artifact_name, read_embedded
from personlab import checkpoint, spec
from personlab.model import ModelConfig

CHECKPOINT = checkpoint.SHIPPED
INPUT_HW = (129, 161)  # stride 16: 9 x 11 output cells
GRID_HW = spec.grid_shape(*INPUT_HW, spec.DEFAULT_STRIDE)
#: Max abs difference allowed per head, as a fraction of the head's value range on the test image.
#: Measured (float32 all the way): onnxruntime ~1e-6, the onnx2tf TFLite ~3e-6 of the range.
RELATIVE_TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def model_and_config():
    return checkpoint.load(CHECKPOINT, INPUT_HW)


@pytest.fixture(scope="module")
def image(val_sample) -> np.ndarray:
    """A real val image with several people, letterboxed: (1, H, W, 3) float32 0..255."""
    return xonnx.letterboxed([val_sample.image], INPUT_HW).astype(np.float32)


@pytest.fixture(scope="module")
def keras_heads(model_and_config, image) -> dict:
    model, _ = model_and_config
    return {name: np.asarray(value) for name, value in model(image, training=False).items()}


@pytest.fixture(scope="module")
def onnx_file(tmp_path_factory, model_and_config) -> Path:
    model, config = model_and_config
    out = tmp_path_factory.mktemp("onnx")
    return xonnx.to_onnx(model, INPUT_HW, out / xonnx.onnx_name(config, INPUT_HW), config=config, source=CHECKPOINT)


@pytest.fixture(scope="module")
def offline():
    """socket connects and DNS look-ups raise (and are recorded) while active."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args[1:] or args)
        raise OSError("network access during the ONNX conversion")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        yield attempts


@pytest.fixture(scope="module")
def converted(tmp_path_factory, onnx_file, offline):
    """onnx_to_tflite run offline from an empty cwd, given paths relative to it (as `make export` does):
    (artifact path, cwd after, its entries, cwd, env changes)."""
    cwd = tmp_path_factory.mktemp("cwd")
    out = tmp_path_factory.mktemp("tflite")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        env = dict(os.environ)
        path = xonnx.onnx_to_tflite(Path(os.path.relpath(onnx_file, cwd)), Path(os.path.relpath(out, cwd)))
        changed = {k for k in set(env) | set(os.environ) if env.get(k) != os.environ.get(k)}
        return (cwd / path).resolve(), Path.cwd(), sorted(os.listdir(cwd)), cwd, changed


def _max_relative(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.abs(got.astype(np.float64) - want).max() / max(float(want.max() - want.min()), 1e-6))


def test_onnx_is_nchw_with_outputs_named_by_head(onnx_file):
    proto = onnx.load(str(onnx_file))
    onnx.checker.check_model(proto)
    (graph_input,) = [i for i in proto.graph.input if i.name not in {t.name for t in proto.graph.initializer}]
    dims = lambda v: [d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    assert graph_input.name == "image" and dims(graph_input) == [1, 3, *INPUT_HW]
    assert [o.name for o in proto.graph.output] == list(spec.HEAD_NAMES)
    for head, output in zip(spec.HEADS, proto.graph.output, strict=True):
        assert dims(output) == [1, head.channels, *GRID_HW], head.name
    props = {p.key: json.loads(p.value) for p in proto.metadata_props}
    assert props["personlab_model"] == checkpoint.read_info(checkpoint.SHIPPED)["model"]
    assert props["personlab_source"]["weights_sha256"] == checkpoint.read_info(CHECKPOINT)["weights_sha256"]


def test_onnxruntime_matches_keras(onnx_file, image, keras_heads):
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    values = session.run(list(spec.HEAD_NAMES), {"image": image.transpose(0, 3, 1, 2)})
    for name, value in zip(spec.HEAD_NAMES, values, strict=True):
        assert _max_relative(value.transpose(0, 2, 3, 1), keras_heads[name]) <= RELATIVE_TOLERANCE, name


def test_round_trip_tflite_matches_keras(converted, image, keras_heads, model_and_config):
    path, *_ = converted
    _, config = model_and_config
    assert path.name == artifact_name(config, INPUT_HW, "onnx_float32")
    runner = Interpreter(model_path=str(path)).get_signature_runner()
    inputs = runner.get_input_details()
    assert list(inputs) == ["image"]
    assert list(inputs["image"]["shape"]) == [1, *INPUT_HW, 3] and inputs["image"]["dtype"] == np.float32
    outputs = runner.get_output_details()
    assert sorted(outputs) == sorted(spec.HEAD_NAMES)
    got = runner(image=image)
    for head in spec.HEADS:
        assert list(outputs[head.name]["shape"]) == [1, *GRID_HW, head.channels], head.name
        assert _max_relative(got[head.name], keras_heads[head.name]) <= RELATIVE_TOLERANCE, head.name


def test_conversion_is_offline_and_leaves_no_files(converted, offline):
    _, cwd_after, entries, cwd, env_changed = converted
    assert offline == []
    assert cwd_after == cwd and entries == []
    assert not env_changed  # onnx2tf sets TF_USE_LEGACY_KERAS=1 etc. at import: undone
    repo = Path(__file__).resolve().parents[1]
    assert not (repo / xonnx.ONNX2TF_SAMPLE_NAME).exists()


def test_metadata_embedded_equals_beside(converted, onnx_file):
    path, _, _, cwd, _ = converted
    embedded = read_embedded(path.read_bytes())
    assert embedded == json.loads(path.with_suffix(".json").read_text())
    assert embedded["variant"] == "onnx_float32" and embedded["spec"]["stride"] == 16
    assert embedded["input_size"] == list(INPUT_HW)
    assert (cwd / embedded["onnx"]["path"]).resolve() == onnx_file.resolve() and embedded["onnx"]["heads"] == {
        h: h for h in spec.HEAD_NAMES
    }
    assert embedded["source"]["weights_sha256"] == checkpoint.read_info(CHECKPOINT)["weights_sha256"]
    assert set(embedded["onnx"]["check"]["max_abs_diff_vs_onnxruntime"]) == set(spec.HEAD_NAMES)


def test_outputs_mapped_by_order_when_not_named(tmp_path, onnx_file, image, keras_heads, offline):
    """A PyTorch-style export (outputs output0..4, no personlab metadata): heads by order, config given."""
    proto = onnx.load(str(onnx_file))
    rename = {h: f"output{i}" for i, h in enumerate(spec.HEAD_NAMES)}
    for node in proto.graph.node:
        node.output[:] = [rename.get(o, o) for o in node.output]
    for output in proto.graph.output:
        output.name = rename[output.name]
    del proto.metadata_props[:]
    foreign = tmp_path / "foreign.onnx"
    onnx.save(proto, str(foreign))
    with pytest.raises(ValueError, match="give the model config"):
        xonnx.onnx_to_tflite(foreign, tmp_path / "out")
    with pytest.raises(ValueError, match="stride 16, the config says 8"):
        xonnx.onnx_to_tflite(foreign, tmp_path / "out", config=ModelConfig(stride=8))
    path = xonnx.onnx_to_tflite(foreign, tmp_path / "out", config=ModelConfig())
    assert read_embedded(path.read_bytes())["onnx"]["heads"] == rename
    got = Interpreter(model_path=str(path)).get_signature_runner()(image=image)
    for name in spec.HEAD_NAMES:  # short and long offsets (both 34 channels) must not be swapped
        assert _max_relative(got[name], keras_heads[name]) <= RELATIVE_TOLERANCE, name
    assert offline == []


def _one_line_naming(err: pytest.ExceptionInfo, path: Path) -> None:
    message = str(err.value)
    assert str(path) in message and "\n" not in message


def test_corrupt_onnx_raises_clear_value_error(tmp_path):
    corrupt = tmp_path / "corrupt.onnx"
    corrupt.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(ValueError, match="not a valid ONNX model") as err:
        xonnx.onnx_to_tflite(corrupt, tmp_path / "out")
    _one_line_naming(err, corrupt)
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="not a valid ONNX model") as err:
        xonnx.onnx_to_tflite(empty, tmp_path / "out")
    _one_line_naming(err, empty)
    with pytest.raises(ValueError, match="not found") as err:
        xonnx.onnx_to_tflite(tmp_path / "missing.onnx", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_onnx_without_heads_raises_clear_value_error(tmp_path):
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 129, 161])
    y = helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, 3, 129, 161])
    graph = helper.make_graph([helper.make_node("Relu", ["image"], ["features"])], "not_personlab", [x], [y])
    path = tmp_path / "relu.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with pytest.raises(ValueError, match="not PersonLab heads") as err:
        xonnx.onnx_to_tflite(path, tmp_path / "out", config=ModelConfig())
    _one_line_naming(err, path)
