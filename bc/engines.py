"""Quantized engine selection and what the host's torch and CPU offer."""

import contextlib

import torch


def supported_engines():
    """Engines the installed torch build can run ('none' is not an engine)."""
    return [e for e in torch.backends.quantized.supported_engines if e != "none"]


@contextlib.contextmanager
def engine(name):
    """Runs the block with torch.backends.quantized.engine set to name."""
    previous = torch.backends.quantized.engine
    torch.backends.quantized.engine = name
    try:
        yield
    finally:
        torch.backends.quantized.engine = previous


def fbgemm_saturates():
    """True when fbgemm runs its AVX2 int8 kernels.

    AVX2 kernels add u8*s8 products in pairs into int16 with saturation
    (vpmaddubsw); AVX512-VNNI kernels (vpdpbusd) add them exactly. That is the
    numerics difference behind PyTorch issues 43209 and 59098, and it shows
    here: 64 products 255*127 sum to 2,072,640 exactly, or about half of that
    when every pair saturates at 32,767.
    """
    depth = 64
    weight = torch.quantize_per_tensor(torch.full((1, depth), 127.0), 1.0, 0, torch.qint8)
    activation = torch.quantize_per_tensor(torch.full((1, depth), 255.0), 1.0, 0, torch.quint8)
    with engine("fbgemm"):
        packed = torch.ops.quantized.linear_prepack(weight, None)
        out = torch.ops.quantized.linear(activation, packed, 1e4, 0)
    exact = 255 * 127 * depth
    return out.dequantize().item() < 0.9 * exact


def host_description():
    """One line about the CPU numerics, for failure messages."""
    return "ATen CPU capability %s, avx512_vnni %s" % (
        torch.backends.cpu.get_cpu_capability(),
        bool(torch.cpu.get_capabilities().get("avx512_vnni", False)),
    )
