"""Where PT2E's API moved between the releases the pt2e corpora come from: one place each.

PT2E lived in torch.ao.quantization (quantize_pt2e, quantizer.*) until
torchao took it over (torchao.quantization.pt2e from 0.11; torch 2.13 has no
torch.ao.quantization.quantize_pt2e, removed by pytorch/pytorch pull request
169151). XNNPACKQuantizer moved to torchao's testing package
(torchao.testing.pt2e._xnnpack_quantizer). Each name is looked for newest home
first, so a release with both uses torchao's, as its users were told to.

Capture is torch.export.export_for_training where the release has it (2.5 to
2.10; PT2E needs its pre-dispatch graph before 2.8), torch._export's
capture_pre_autograd_graph before (2.4), else torch.export.export;
always strict (dynamo): torch.ao's X86InductorQuantizer finds conv and linear
through the source_fn_stack only strict capture records, and under the
non-strict default of torch 2.8 to 2.10 quantizes nothing, without an error
(docs/pt2e-measurements.md).

Generators run under every release of bc/releases.bzl that writes pt2e
cases, tests under today's, `bazel run //bc:bisect` under those between.
"""

import torch

from bc import torch_api

# Where each quantizer and its config function live, newest home first.
_QUANTIZERS = {
    "XNNPACKQuantizer": (
        ("torchao.testing.pt2e._xnnpack_quantizer", "get_symmetric_quantization_config"),
        ("torch.ao.quantization.quantizer.xnnpack_quantizer", "get_symmetric_quantization_config"),
    ),
    "X86InductorQuantizer": (
        ("torchao.quantization.pt2e.quantizer.x86_inductor_quantizer", "get_default_x86_inductor_quantization_config"),
        ("torch.ao.quantization.quantizer.x86_inductor_quantizer", "get_default_x86_inductor_quantization_config"),
    ),
}
# prepare_pt2e, prepare_qat_pt2e, convert_pt2e; importing either registers the quantized_decomposed operators.
_HOMES = ("torchao.quantization.pt2e.quantize_pt2e", "torch.ao.quantization.quantize_pt2e")
# move_exported_model_to_eval, for a QAT model after convert_pt2e.
_EVAL_HOMES = ("torchao.quantization.pt2e", "torch.ao.quantization")
OPERATOR_NAMESPACE = "quantized_decomposed"


class Unwritable(Exception):
    """This release cannot write the case: the message says why (bc/releases.bzl's left_out then says so too)."""


def _first(homes, attribute):
    """The first importable module of homes that defines attribute, or None."""
    try:
        return torch_api.first_having(attribute, *homes)
    except ImportError:
        return None


def _home():
    home = _first(_HOMES, "convert_pt2e")
    if home is None:
        raise ImportError("no PT2E: neither %s is importable" % " nor ".join(_HOMES))
    return home


def register_ops():
    """Imports PT2E as its users do; that registers the quantized_decomposed operators a saved program calls.

    Without it, torch.export.load of a quantized program fails, saying why only in a logged warning.
    """
    _home()


def _quantizer(spec):
    homes = _QUANTIZERS[spec["name"]]
    if "homes" in spec:  # where the case's users import it from, newest first (ExecuTorch's XNNPACKQuantizer)
        homes = tuple((home, homes[0][1]) for home in spec["homes"])
    module = _first([home for home, _ in homes], spec["name"])
    if module is None:
        raise Unwritable("no %s in %s" % (spec["name"], " or ".join(home for home, _ in homes)))
    config = getattr(module, dict(homes)[module.__name__])(**spec.get("args", {}))
    return getattr(module, spec["name"])().set_global(config)


def _capture(model, example):
    """The model captured as the GraphModule prepare_pt2e takes."""
    torch._dynamo.reset()
    # torch 2.9's dynamo compiles the guards of a capture's symbolic shapes to C++ (a compiler and torch's headers,
    # which no environment has): guards of dynamo's own cache, not part of the program. Off, they stay Python.
    if hasattr(torch._dynamo.config, "enable_cpp_symbolic_shape_guards"):
        torch._dynamo.config.enable_cpp_symbolic_shape_guards = False
    capture = getattr(torch.export, "export_for_training", None)
    if capture is None and hasattr(torch._export, "capture_pre_autograd_graph"):
        # torch 2.4 (executorch 0.3.0's): the pre-dispatch graph PT2E needs came from here, always through dynamo.
        return torch._export.capture_pre_autograd_graph(model, (example,))
    return (capture or torch.export.export)(model, (example,), strict=True).module()


def quantize(model, example, spec):
    """The ExportedProgram of model quantized by PT2E as spec says (bc/cases.bzl's quantizer), calibrated on example."""
    try:
        home = _home()
    except ImportError as error:
        raise Unwritable(str(error)) from None
    if spec.get("qat") and not hasattr(home, "prepare_qat_pt2e"):
        raise Unwritable("%s has no prepare_qat_pt2e" % home.__name__)
    quantizer = _quantizer(spec)
    captured = _capture(model, example)
    prepare = home.prepare_qat_pt2e if spec.get("qat") else home.prepare_pt2e
    prepared = prepare(captured, quantizer)
    prepared(example)
    converted = home.convert_pt2e(prepared)
    if spec.get("qat"):
        _first(_EVAL_HOMES, "move_exported_model_to_eval").move_exported_model_to_eval(converted)
    program = torch.export.export(converted, (example,), strict=True)
    if not quantize_ops(program.module()):
        raise Unwritable("%s quantized nothing: the program has no %s operator" % (spec["name"], OPERATOR_NAMESPACE))
    return program


def _describe(module, argument):
    if isinstance(argument, torch.fx.Node):
        if argument.op != "get_attr":
            return "computed"
        value = module
        for name in argument.target.split("."):
            value = getattr(value, name)
        return "%s%s" % (str(value.dtype).replace("torch.", ""), value.tolist())
    return repr(argument)


def quantize_ops(module):
    """The quantize/dequantize calls of a GraphModule (an ExportedProgram's module()), as sorted text:
    each operator with its arguments after the tensor it converts: qparams from the program's
    tensors as dtype and values, plain values by repr, values computed in the graph as "computed"."""
    found = set()
    for node in module.graph.nodes:
        if node.op == "call_function" and str(node.target).startswith(OPERATOR_NAMESPACE + "."):
            arguments = [_describe(module, a) for a in node.args[1:]]
            arguments += ["%s=%s" % (k, _describe(module, v)) for k, v in sorted(node.kwargs.items())]
            found.add("%s(%s)" % (node.target, ", ".join(arguments)))
    return sorted(found)
