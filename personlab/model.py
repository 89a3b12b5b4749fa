"""The PersonLab network: a MobileNet trunk at output stride 16 (or 8) and five 1x1 heads.

The trunk is built here rather than taken from keras.applications so that every stride-2
layer uses TensorFlow "SAME" padding: with input sides of stride*k+1 the output cell (i, j)
sits exactly on input pixel (stride*i, stride*j), as in Google's PoseNet/BodyPix graphs.
Layer names follow keras.applications, so ImageNet .h5 files load by name.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import keras
from keras import layers

from personlab import spec

BACKBONES = {"mobilenet_v1": (0.5, 0.75, 1.0), "mobilenet_v2": (0.35,)}
#: Offset heads are conv outputs times this constant, so targets of O(100) pixels are reachable
#: with unit-scale weights; the TFLite converter folds it into the conv.
OFFSET_SCALE = spec.DISK_RADIUS
BN_EPSILON = 1e-3


@dataclass(frozen=True)
class ModelConfig:
    backbone: str = "mobilenet_v1"
    alpha: float = 0.75  # the shipped model's width
    stride: int = spec.DEFAULT_STRIDE

    def __post_init__(self):
        if self.backbone not in BACKBONES:
            raise ValueError(f"backbone must be one of {sorted(BACKBONES)}, got {self.backbone!r}")
        if self.alpha not in BACKBONES[self.backbone]:
            raise ValueError(f"{self.backbone} supports alpha {BACKBONES[self.backbone]}, got {self.alpha}")
        if self.stride not in spec.STRIDES:
            raise ValueError(f"stride must be one of {spec.STRIDES}, got {self.stride}")
        if self.backbone == "mobilenet_v2" and self.stride != 16:
            raise ValueError("mobilenet_v2 is built at output stride 16 only")

    @property
    def tag(self) -> str:
        """Short name used in artifact file names, e.g. mobilenet_v1_050."""
        return f"{self.backbone}_{round(self.alpha * 100):03d}"

    def to_dict(self) -> dict:
        return asdict(self)


def _conv_bn(x, filters: int, kernel: int, stride: int, name: str, bn: str, relu: str, dilation: int = 1):
    x = layers.Conv2D(filters, kernel, stride, "same", dilation_rate=dilation, use_bias=False, name=name)(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=bn)(x)
    return layers.ReLU(6.0, name=relu)(x)


def _depthwise_bn(x, stride: int, name: str, bn: str, relu: str, dilation: int = 1):
    x = layers.DepthwiseConv2D(3, stride, "same", dilation_rate=dilation, use_bias=False, name=name)(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=bn)(x)
    return layers.ReLU(6.0, name=relu)(x)


def mobilenet_v1_trunk(x, alpha: float, stride: int):
    """BodyPix's MobileNetV1: stride-2 at layers 0, 2, 4, 6; layers 12-13 keep stride and width."""
    widths = (64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512)
    strides = (1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1)
    x = _conv_bn(x, int(32 * alpha), 3, 2, "conv1", "conv1_bn", "conv1_relu")
    dilation = 1
    for i, (width, s) in enumerate(zip(widths, strides, strict=True), start=1):
        if stride == 8 and i == 6:  # stride 8: drop the last stride-2, dilate what follows
            s, dilation = 1, 2
        x = _depthwise_bn(x, s, f"conv_dw_{i}", f"conv_dw_{i}_bn", f"conv_dw_{i}_relu", dilation if i > 6 else 1)
        x = _conv_bn(x, int(width * alpha), 1, 1, f"conv_pw_{i}", f"conv_pw_{i}_bn", f"conv_pw_{i}_relu")
    return x


def _make_divisible(v: float, divisor: int = 8) -> int:
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def mobilenet_v2_trunk(x, alpha: float):
    """keras.applications' MobileNetV2 through block_13_expand_relu (stride 16), with SAME padding."""
    x = layers.Conv2D(_make_divisible(32 * alpha), 3, 2, "same", use_bias=False, name="Conv1")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.999, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    blocks = [(16, 1, 1)] + [(24, 2, 6), (24, 1, 6)] + [(32, 2, 6)] + [(32, 1, 6)] * 2
    blocks += [(64, 2, 6)] + [(64, 1, 6)] * 3 + [(96, 1, 6)] * 3
    for i, (filters, s, expansion) in enumerate(blocks):
        prefix = f"block_{i}_" if i else "expanded_conv_"
        inputs, in_ch = x, x.shape[-1]
        if expansion > 1:
            x = layers.Conv2D(expansion * in_ch, 1, use_bias=False, name=prefix + "expand")(x)
            x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.999, name=prefix + "expand_BN")(x)
            x = layers.ReLU(6.0, name=prefix + "expand_relu")(x)
        x = layers.DepthwiseConv2D(3, s, "same", use_bias=False, name=prefix + "depthwise")(x)
        x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.999, name=prefix + "depthwise_BN")(x)
        x = layers.ReLU(6.0, name=prefix + "depthwise_relu")(x)
        out_ch = _make_divisible(int(filters * alpha))
        x = layers.Conv2D(out_ch, 1, use_bias=False, name=prefix + "project")(x)
        x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.999, name=prefix + "project_BN")(x)
        if s == 1 and in_ch == out_ch:
            x = layers.Add(name=prefix + "add")([inputs, x])
    x = layers.Conv2D(6 * x.shape[-1], 1, use_bias=False, name="block_13_expand")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.999, name="block_13_expand_BN")(x)
    return layers.ReLU(6.0, name="block_13_expand_relu")(x)


def build_model(config: ModelConfig, input_hw: tuple[int, int] | None = None) -> keras.Model:
    """RGB 0..255 in (normalised inside), one output per head of spec.HEADS.

    input_hw=None builds a model for any valid size; export fixes it.
    """
    if input_hw is not None:
        spec.check_input_size(*input_hw, config.stride)
    shape = (*(input_hw or (None, None)), 3)
    image = keras.Input(shape, name="image")
    x = layers.Rescaling(1 / 127.5, offset=-1.0, name="normalize")(image)
    if config.backbone == "mobilenet_v1":
        features = mobilenet_v1_trunk(x, config.alpha, config.stride)
    else:
        features = mobilenet_v2_trunk(x, config.alpha)
    outputs = {}
    for head in spec.HEADS:
        y = layers.Conv2D(head.channels, 1, name=f"{head.name}_conv")(features)
        if head.kind == "probability":
            y = layers.Activation("sigmoid", name=head.name)(y)
        else:
            y = layers.Rescaling(OFFSET_SCALE, name=head.name)(y)
        outputs[head.name] = y
    return keras.Model(image, outputs, name=f"personlab_{config.tag}_s{config.stride}")
