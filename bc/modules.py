"""The modules under test: one factory per `module` name in bc/cases.bzl.

Factories build a module the way the seed's test does. Quantized modules come
out of their constructors with uninitialized weight memory; that is harmless
when a test loads a state dict over them, but a generator must call
seed_weights() or the golden files change on every run.
"""

import importlib

import torch
import torch.nn as nn

from bc import scripted_modules, torch_api
from bc.torch_api import nniq, nnq, nnqd, quantization


def _conv_kwargs(bias):
    return dict(
        kernel_size=3, stride=1, padding=0, dilation=1, groups=1, bias=bias, padding_mode="zeros"
    )


def _conv2d_graph(bias):
    return nn.Sequential(quantization.QuantStub(), nn.Conv2d(3, 3, **_conv_kwargs(bias)))


class LinearReLU(nn.Module):
    """The seed's float model for the default QAT qconfig case."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(5, 5)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.linear(x))


def _qat_linear_relu():
    model = LinearReLU()
    model.linear.weight = nn.Parameter(torch.randn(5, 5))
    model.qconfig = quantization.get_default_qat_qconfig("fbgemm")
    return quantization.prepare_qat(quantization.QuantWrapper(model))


# The module the package case's model comes from; the seed interns it.
PACKAGED_MODULE = "torch.testing._internal.quantization_torch_package_models"


def _linear_relu_functional():
    # Imported here: torch.testing._internal is only needed by the package case.
    return importlib.import_module(PACKAGED_MODULE).LinearReluFunctional(4).eval()


FACTORIES = {
    "quantized_linear": lambda: nnq.Linear(3, 1, bias_=True, dtype=torch.qint8),
    "quantized_linear_relu": lambda: nniq.LinearReLU(3, 1, bias=True, dtype=torch.qint8),
    "dynamic_linear_qint8": lambda: nnqd.Linear(3, 1, bias_=True, dtype=torch.qint8),
    "dynamic_linear_float16": lambda: nnqd.Linear(3, 1, bias_=True, dtype=torch.float16),
    "quantized_conv2d": lambda: nnq.Conv2d(3, 3, **_conv_kwargs(bias=True)),
    "quantized_conv2d_nobias": lambda: nnq.Conv2d(3, 3, **_conv_kwargs(bias=False)),
    "quantized_conv2d_relu": lambda: nniq.ConvReLU2d(3, 3, **_conv_kwargs(bias=True)),
    "quantized_conv3d": lambda: nnq.Conv3d(3, 3, **_conv_kwargs(bias=True)),
    "quantized_conv3d_relu": lambda: nniq.ConvReLU3d(3, 3, **_conv_kwargs(bias=True)),
    "float_conv2d_graph": lambda: _conv2d_graph(bias=True),
    "float_conv2d_nobias_graph": lambda: _conv2d_graph(bias=False),
    "dynamic_lstm": scripted_modules.LSTMModule,
    "per_channel_observer": quantization.PerChannelMinMaxObserver,
    "per_tensor_observer": quantization.MinMaxObserver,
    "qat_linear_relu": _qat_linear_relu,
    "linear_relu_functional": _linear_relu_functional,
    # torchao's cases: widths divisible by 32, the smallest group size every release's int4 kernels take.
    "torchao_mlp": lambda: nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16)),
    "pt2e_convnet": lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(144, 8), nn.ReLU()),
    # A transformer block's feed-forward half: the float LayerNorm stays outside every delegate's quantized part.
    "linear_block": lambda: nn.Sequential(nn.LayerNorm(16), nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 16)),
}


def build(name):
    """A module of FACTORIES, or what a user's factory "package.module:function" returns (bc/model_case.py)."""
    if ":" in name:
        module, function = name.split(":")
        return getattr(importlib.import_module(module), function)()
    return FACTORIES[name]()


def seed_weights(module):
    """Gives every packed weight and bias a value drawn from torch's global RNG.

    Covers the modules with set_weight_bias (quantized and dynamic Linear and
    Conv, and their fused ReLU variants); the others draw their parameters from
    the RNG in their constructors already.
    """
    for sub in module.modules():
        if not (hasattr(sub, "set_weight_bias") and callable(getattr(sub, "weight", None))):
            continue  # not a weighted module (LinearPackedParams is set by its Linear)
        shape = sub.weight().shape
        has_bias = sub.bias() is not None
        weight = torch.randn(shape)
        if sub.weight().dtype == torch.qint8:
            weight = torch.quantize_per_tensor(
                weight, scale=float(weight.abs().max()) / 127, zero_point=0, dtype=torch.qint8
            )
        bias = torch.randn(shape[0]) if has_bias else None
        sub.set_weight_bias(weight, bias)


def fx_quantize(model, example):
    """The package case's transform: FX prepare, calibrate on `example`, convert."""
    prepared = torch_api.prepare_fx(model, quantization.get_default_qconfig("fbgemm"), example)
    prepared(example)
    return torch_api.convert_fx(prepared)


def get_attr_targets(graph_module):
    """The targets of a GraphModule's get_attr nodes, as the seed saves them."""
    return {node.target for node in graph_module.graph.nodes if node.op == "get_attr"}
