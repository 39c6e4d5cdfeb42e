"""Comparing outputs with golden values, and explaining a mismatch in numbers.

The pass/fail rule is torch.testing.assert_close's, which the seed's
assertEqual uses: same dtype, shape and quantization scheme, then
|actual - expected| <= atol + rtol * |expected| elementwise, NaN unequal, at the
case's tolerances (None = assert_close's dtype-based defaults); quantized
tensors are compared by their dequantized values. It is applied here directly:
assert_close's first call imports torch.distributed (0.8 s in every test
process). When outputs differ, the message says where (case, engine, loader,
file) and by how much.
"""

import dataclasses

import torch

from bc.torch_api import default_tolerances


@dataclasses.dataclass(frozen=True)
class Where:
    case: str
    engine: str
    loader: str
    file: str

    def __str__(self):
        return "case %s, engine %s, loader %s, file %s" % (self.case, self.engine, self.loader, self.file)


def summary(tensor):
    text = "%s %s" % (tensor.dtype, tuple(tensor.shape))
    if not tensor.is_quantized:
        return text
    scheme = tensor.qscheme()
    if scheme in (torch.per_tensor_affine, torch.per_tensor_symmetric):
        return "%s scale=%.8g zero_point=%d" % (text, tensor.q_scale(), tensor.q_zero_point())
    return "%s per-channel axis=%d scales=%s zero_points=%s" % (
        text,
        tensor.q_per_channel_axis(),
        tensor.q_per_channel_scales().tolist(),
        tensor.q_per_channel_zero_points().tolist(),
    )


def _dequantized(tensor):
    return tensor.dequantize() if tensor.is_quantized else tensor


def _tolerances(actual, expected, atol, rtol):
    default_rtol, default_atol = default_tolerances(actual, expected)
    return (default_atol if atol is None else atol), (default_rtol if rtol is None else rtol)


def _value_differences(actual, expected, atol, rtol):
    """None when all elements are close, else the numbers that say how far apart."""
    a, e = _dequantized(actual), _dequantized(expected)
    atol, rtol = _tolerances(a, e, atol, rtol)
    close = torch.isclose(a, e, rtol=rtol, atol=atol)
    if bool(close.all()):
        return None
    a, e = a.double(), e.double()
    diff = (a - e).abs()
    finite = diff[~torch.isnan(diff)]
    text = "%d of %d elements differ beyond atol=%g rtol=%g; " % (int((~close).sum()), a.numel(), atol, rtol)
    nans = int(torch.isnan(a).sum()), int(torch.isnan(e).sum())
    if not finite.numel():
        text += "max abs diff - (no element of both is a number)"
    else:
        text += "max abs diff %.8g" % finite.max().item() + (" among the numbers" if any(nans) else "")
    if any(nans):
        text += "; NaN in %d actual and %d expected elements" % nans
    return text


def tensor_differences(actual, expected, atol, rtol, label):
    sides = "\n      actual:   %s\n      expected: %s" % (summary(actual), summary(expected))
    if actual.is_quantized != expected.is_quantized:
        kinds = {True: "quantized", False: "non-quantized"}
        return [
            "%s: the module returns a %s tensor but the golden file holds a %s one%s"
            % (label, kinds[actual.is_quantized], kinds[expected.is_quantized], sides)
        ]
    if actual.dtype != expected.dtype or actual.shape != expected.shape:
        what = " and ".join(
            w for w, differs in (("dtype", actual.dtype != expected.dtype), ("shape", actual.shape != expected.shape)) if differs
        )
        return ["%s: %s %s%s" % (label, what, "differ" if " and " in what else "differs", sides)]
    if actual.is_quantized and actual.qscheme() != expected.qscheme():
        return ["%s: quantization scheme differs%s" % (label, sides)]
    numbers = _value_differences(actual, expected, atol, rtol)
    return ["%s: values differ: %s%s" % (label, numbers, sides)] if numbers else []


def differences(actual, expected, atol=None, rtol=None, label="output"):
    """Human-readable differences between two (nested) outputs; [] if they match."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(actual, torch.Tensor):
            return ["%s: expected a tensor, got %s" % (label, type(actual).__name__)]
        return tensor_differences(actual, expected, atol, rtol, label)
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return ["%s: expected a dict, got %s" % (label, type(actual).__name__)]
        if actual.keys() != expected.keys():
            return [
                "%s: keys differ: missing %s, unexpected %s"
                % (label, sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected)))
            ]
        found = []
        for key in expected:
            found.extend(differences(actual[key], expected[key], atol, rtol, "%s[%r]" % (label, key)))
        return found
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            return [
                "%s: expected a %s of %d, got %s"
                % (label, type(expected).__name__, len(expected), _shape_of(actual))
            ]
        found = []
        for index, (a, e) in enumerate(zip(actual, expected)):
            found.extend(differences(a, e, atol, rtol, "%s[%d]" % (label, index)))
        return found
    if actual != expected:
        return ["%s: expected %r, got %r" % (label, expected, actual)]
    return []


def _shape_of(value):
    if isinstance(value, (tuple, list)):
        return "a %s of %d" % (type(value).__name__, len(value))
    return type(value).__name__


def set_differences(actual, expected, label):
    """Differences between two sets of strings, listed element by element."""
    if actual == expected:
        return []
    return [
        "%s: %d missing %s, %d unexpected %s (expected %d, got %d)"
        % (
            label,
            len(expected - actual),
            sorted(expected - actual),
            len(actual - expected),
            sorted(actual - expected),
            len(expected),
            len(actual),
        )
    ]
