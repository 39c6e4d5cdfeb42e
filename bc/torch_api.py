"""Where torch's API moved between the releases the corpora come from: one place each.

Generators run under every release of bc/releases.bzl (1.6.0 on), tests under
today's torch, and `bazel run //bc:bisect` runs the checks under every release
in between, with the same code. Each name is found by looking for it,
newest home first; the comment names the release where it moved (seen in the
wheels of 1.6.0, 1.10.2, 1.13.1 and today's).
"""

import importlib
import inspect
import re

import torch


def first_having(attribute, *modules):
    """The first importable module of modules that defines attribute."""
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, attribute):
            return module
    raise ImportError("torch %s has none of %s with %s" % (torch.__version__, modules, attribute))


# Eager quantization moved from torch.quantization to torch.ao.quantization in
# 1.10, in part: 1.10.2's torch.ao.quantization has no default_qconfig; 1.13 has all.
quantization = first_having("default_qconfig", "torch.ao.quantization", "torch.quantization")
# The quantized modules moved to torch.ao.nn in 1.13; their fused (intrinsic)
# variants after it: 1.13.1 has no torch.ao.nn.intrinsic.quantized.
nnq = first_having("Conv3d", "torch.ao.nn.quantized", "torch.nn.quantized")
nnqd = first_having("LSTM", "torch.ao.nn.quantized.dynamic", "torch.nn.quantized.dynamic")
nniq = first_having("ConvReLU3d", "torch.ao.nn.intrinsic.quantized", "torch.nn.intrinsic.quantized")


def _quantize_fx():
    # FX quantization came with 1.8, in torch.quantization.quantize_fx; it is
    # in torch.ao.quantization.quantize_fx from 1.13.
    return importlib.import_module(quantization.__name__ + ".quantize_fx")


def prepare_fx(model, qconfig, example):
    """FX prepare under one global qconfig.

    Until 1.13 prepare_fx took a dict {"": qconfig} and no example inputs;
    from 1.13 it requires example_inputs and takes a QConfigMapping (today's
    torch deprecates the dict).
    """
    if not hasattr(quantization, "QConfigMapping"):
        return _quantize_fx().prepare_fx(model, {"": qconfig})
    mapping = quantization.QConfigMapping().set_global(qconfig)
    return _quantize_fx().prepare_fx(model, mapping, example_inputs=(example,))


def convert_fx(prepared):
    return _quantize_fx().convert_fx(prepared)


def cpu_capability():
    """The instruction set ATen's kernels run ("AVX2", "AVX512", "DEFAULT", ...).

    torch.backends.cpu.get_cpu_capability came with 2.0; before, the same
    runtime value is the "CPU capability usage" line of torch.__config__.show()
    ("NO AVX" for DEFAULT).
    """
    backend = getattr(torch.backends, "cpu", None)
    if backend is not None and hasattr(backend, "get_cpu_capability"):
        return backend.get_cpu_capability()
    match = re.search(r"CPU capability usage: (.+)", torch.__config__.show())
    if not match:
        return "unknown"
    return {"NO AVX": "DEFAULT"}.get(match.group(1).strip(), match.group(1).strip())


def default_tolerances(actual, expected):
    """(rtol, atol) that torch.testing.assert_close uses for the pair's dtypes.

    torch.testing._comparison came with 1.12 (before, torch.testing._asserts);
    for the releases before it, the same table for the dtypes compared here.
    """
    try:
        from torch.testing._comparison import default_tolerances as torch_defaults
    except ImportError:
        table = {torch.float16: (1e-3, 1e-5), torch.bfloat16: (1.6e-2, 1e-5), torch.float64: (1e-7, 1e-7)}
        pairs = [table.get(t.dtype, (1.3e-6, 1e-5)) for t in (actual, expected)]
        return max(p[0] for p in pairs), max(p[1] for p in pairs)
    return torch_defaults(actual, expected)


def load_state_dict(module, saved, assign):
    """module.load_state_dict(saved, strict=False); assign=True takes the saved tensors themselves.

    load_state_dict's assign came with 2.1: the checks that bisect runs under
    1.6.0 to 2.0 do not pass it (torchao's checks, which assign, need torch 2.5).
    """
    if assign:
        return module.load_state_dict(saved, strict=False, assign=True)
    return module.load_state_dict(saved, strict=False)


def extensible_weights_only():
    """torch.serialization.safe_globals (2.5 on): the weights-only loader with globals added; None before."""
    return getattr(torch.serialization, "safe_globals", None)


def load_unchecked(path):
    """torch.load without its weights-only check (weights_only came with 1.13, its default with 2.6)."""
    if "weights_only" in inspect.signature(torch.load).parameters:
        return torch.load(path, weights_only=False)
    return torch.load(path)
