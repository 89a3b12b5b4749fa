"""Google's BodyPix 2.0 MobileNetV1 (TF.js graph model) -> our Keras PersonLab model.

BodyPix is a PersonLab network: its heatmap, short, mid (displacement fwd/bwd), segmentation
and long ("embedding") heads map one to one onto ours, in the same keypoint order, edge order
and y-planar offset layout (see spec). Its batch norm is folded into conv biases; we put the
bias into BN beta with gamma 1, mean 0, variance 1 - eps, which is exact at inference.
`run_graph` executes BodyPix's own graph with TensorFlow, the reference for the exactness test.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from personlab import model as model_lib
from personlab import spec

_DTYPES = {"float32": np.float32, "int32": np.int32, "uint8": np.uint8, "uint16": np.uint16}
#: Our head -> BodyPix conv(s); mid concatenates forward then backward displacements.
HEAD_SOURCES = {
    "heatmaps": ("heatmap_2",),
    "short_offsets": ("offset_2",),
    "mid_offsets": ("displacement_fwd_2", "displacement_bwd_2"),
    "segmentation": ("segment_2",),
    "long_offsets": ("embedding_2",),
}
#: BodyPix graph output node for each head (heatmap and segment nodes are logits).
GRAPH_OUTPUTS = {
    "heatmaps": ("float_heatmaps",),
    "short_offsets": ("float_short_offsets",),
    "mid_offsets": ("MobilenetV1/displacement_fwd_2/BiasAdd", "MobilenetV1/displacement_bwd_2/BiasAdd"),
    "segmentation": ("float_segments",),
    "long_offsets": ("float_long_offsets",),
}


def read_tfjs(model_json: Path | str) -> tuple[dict, dict[str, np.ndarray]]:
    """(graph topology, {weight name: float32 array}) from a TF.js model.json and its shards."""
    model_json = Path(model_json)
    if not model_json.is_file():
        raise FileNotFoundError(f"BodyPix model not found: {model_json}")
    doc = json.loads(model_json.read_text())
    weights: dict[str, np.ndarray] = {}
    for group in doc["weightsManifest"]:
        buffer = b"".join((model_json.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for entry in group["weights"]:
            quant = entry.get("quantization")
            dtype = np.dtype(_DTYPES[quant["dtype"] if quant else entry["dtype"]])
            count = int(np.prod(entry["shape"], dtype=np.int64))
            raw = np.frombuffer(buffer, dtype.newbyteorder("<"), count, offset)
            offset += count * dtype.itemsize
            value = raw * np.float32(quant["scale"]) + np.float32(quant["min"]) if quant else raw
            weights[entry["name"]] = np.asarray(value, np.float32).reshape(entry["shape"])
        if offset != len(buffer):
            raise ValueError(f"{model_json}: manifest covers {offset} bytes of {len(buffer)}")
    return doc["modelTopology"], weights


def y_planar_concat(parts: list[np.ndarray]) -> np.ndarray:
    """Join y-planar offset blocks along the last axis keeping y-planar order: all y, then all x.

    BodyPix's forward and backward displacements are each [16 y, 16 x]; our mid head is
    [fwd y, bwd y, fwd x, bwd x] (spec.DIRECTED_EDGES order).
    """
    ys = [p[..., : p.shape[-1] // 2] for p in parts]
    xs = [p[..., p.shape[-1] // 2 :] for p in parts]
    return np.concatenate(ys + xs, axis=-1)


def infer_alpha(weights: dict[str, np.ndarray]) -> float:
    """MobileNetV1 width multiplier from the first conv's width (32 * alpha)."""
    return weights["MobilenetV1/Conv2d_0/weights"].shape[-1] / 32


def _set_conv_bn(keras_model, conv: str, bn: str, kernel: np.ndarray, bias: np.ndarray) -> None:
    keras_model.get_layer(conv).set_weights([kernel])
    ones = np.ones_like(bias)
    keras_model.get_layer(bn).set_weights([ones, bias, np.zeros_like(bias), ones - model_lib.BN_EPSILON])


def load_into(keras_model, weights: dict[str, np.ndarray]) -> None:
    """Copy BodyPix weights into a model built by model.build_model(mobilenet_v1, same alpha)."""
    w = lambda name: weights[f"MobilenetV1/{name}"]  # noqa: E731
    _set_conv_bn(keras_model, "conv1", "conv1_bn", w("Conv2d_0/weights"), w("Conv2d_0/Conv2D_bias"))
    for i in range(1, 14):
        dw, pw = f"Conv2d_{i}_depthwise", f"Conv2d_{i}_pointwise"
        _set_conv_bn(
            keras_model, f"conv_dw_{i}", f"conv_dw_{i}_bn", w(f"{dw}/depthwise_weights"), w(f"{dw}/depthwise_bias")
        )
        _set_conv_bn(keras_model, f"conv_pw_{i}", f"conv_pw_{i}_bn", w(f"{pw}/weights"), w(f"{pw}/Conv2D_bias"))
    for head in spec.HEADS:
        sources = HEAD_SOURCES[head.name]
        kernel = y_planar_concat([w(f"{s}/weights") for s in sources])
        bias = y_planar_concat([w(f"{s}/Conv2D_bias") for s in sources])
        if head.kind == "offset":  # our graph multiplies offset convs by OFFSET_SCALE
            kernel, bias = kernel / model_lib.OFFSET_SCALE, bias / model_lib.OFFSET_SCALE
        keras_model.get_layer(f"{head.name}_conv").set_weights([kernel, bias])


def build_from_bodypix(model_json: Path | str, stride: int = spec.DEFAULT_STRIDE, input_hw=None):
    """Our Keras model carrying BodyPix's weights (the MobileNetV1 alpha is read from them)."""
    _, weights = read_tfjs(model_json)
    keras_model = model_lib.build_model(model_lib.ModelConfig("mobilenet_v1", infer_alpha(weights), stride), input_hw)
    load_into(keras_model, weights)
    return keras_model


def run_graph(model_json: Path | str, images: np.ndarray) -> dict[str, np.ndarray]:
    """Execute BodyPix's own graph with TensorFlow; returns our heads (sigmoid on logit heads).

    images: (N, H, W, 3) RGB 0..255; BodyPix wants x / 127.5 - 1 at its input `sub_2`. Stride-8 graphs
    need TensorFlow's oneDNN kernels (dilated depthwise convolutions): TF_ENABLE_ONEDNN_OPTS=1 before
    TensorFlow is imported, unless the CPU has AVX-512 VNNI/BF16 or AMX (then it is on by default).
    """
    import tensorflow as tf
    from google.protobuf import json_format

    topology, weights = read_tfjs(model_json)
    graph_def = json_format.ParseDict(
        {"node": topology["node"], "versions": topology.get("versions", {})}, tf.compat.v1.GraphDef()
    )
    for node in graph_def.node:
        if node.op == "Const" and node.name in weights:
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(weights[node.name]))
        dilations = node.attr["dilations"].list.i if "dilations" in node.attr else []
        if len(dilations) == 4 and dilations[0] != 1:  # stride-8 graphs store [dh, dw, 1, 1]
            node.attr["dilations"].list.i[:] = [1, dilations[0], dilations[1], 1]
    names = [n for head in spec.HEAD_NAMES for n in GRAPH_OUTPUTS[head]]

    def graph(x):
        return tf.graph_util.import_graph_def(
            graph_def, input_map={"sub_2": x}, return_elements=[n + ":0" for n in names]
        )

    fn = tf.compat.v1.wrap_function(graph, [tf.TensorSpec([1, None, None, 3], tf.float32)])
    results = {head: [] for head in spec.HEAD_NAMES}
    for image in images:
        values = dict(zip(names, fn(tf.constant(image[None] / 127.5 - 1.0, tf.float32)), strict=True))
        for head in spec.HEADS:
            out = y_planar_concat([values[n].numpy() for n in GRAPH_OUTPUTS[head.name]])
            results[head.name].append(1 / (1 + np.exp(-out)) if head.kind == "probability" else out)
    return {k: np.concatenate(v) for k, v in results.items()}
