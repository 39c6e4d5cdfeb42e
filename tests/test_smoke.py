"""The locked torch imports and runs a quantized op under the pinned interpreter."""

import torch


def test_quantized_linear_matches_float_reference():
    torch.manual_seed(0)
    x = torch.rand(2, 4)
    w = torch.rand(3, 4) - 0.5
    qx = torch.quantize_per_tensor(x, scale=1 / 255, zero_point=0, dtype=torch.quint8)
    qw = torch.quantize_per_tensor(w, scale=1 / 127, zero_point=0, dtype=torch.qint8)
    packed = torch.ops.quantized.linear_prepack(qw, None)

    out = torch.ops.quantized.linear(qx, packed, 0.01, 128)

    reference = qx.dequantize() @ qw.dequantize().t()
    assert out.dtype == torch.quint8
    assert torch.allclose(out.dequantize(), reference, atol=0.01)
