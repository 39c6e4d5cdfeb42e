"""Writes the zoo: the zoo's model families quantized and saved the way teams do it, with the torch and
torchao this script runs under, and nothing of quant-bc.

    <python with torch X and its torchao> writer/write_zoo.py <folder>   (from examples/zoo)

Each family (families/models.py) goes through every flow below that takes it;
a flow this release cannot do, or one that quantizes nothing, is not written
and its reason is kept. Into <folder>:
  <family>.input.pt                 the input (torch.save), the same numbers for every writer
  <family>.<flow>.<ext>             the artifact: .pt2 (torch.export.save), .scripted.pt (torch.jit.save),
                                    .torchao.pt (torch.save of the state_dict)
  <family>.<flow>.expected.pt       what the quantized model computed on the input, before saving
  index.bzl                         what was written and what was not, and why (literals: the BUILD reads it)

Flows (PT2E as the torchao and PyTorch tutorials of each release show it):
  pt2e_xnnpack_static        XNNPACKQuantizer, static per-channel, strict export, static shapes
  pt2e_xnnpack_dynamic_shape XNNPACKQuantizer, static per-tensor, non-strict export, a dynamic batch (Dim)
  pt2e_xnnpack_dynamic       XNNPACKQuantizer, dynamic quantization (is_dynamic), strict, dynamic batch
  pt2e_xnnpack_qat           XNNPACKQuantizer, per-channel QAT (prepare_qat_pt2e, a few training steps)
  pt2e_x86                   X86InductorQuantizer's default config, strict export, static shapes
  fx                         FX graph mode (prepare_fx, x86 qconfig mapping), traced TorchScript
  eager                      eager mode (QuantStub/DeQuantStub, x86 qconfig), traced TorchScript
  eager_dynamic              quantize_dynamic of Linear, LSTM and GRU, traced TorchScript
  torchao_<config>           quantize_ with the config as its release's documentation shows it (defaults)
"""

import importlib
import json
import os
import platform
import sys
import traceback

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from families import models  # noqa: E402

try:
    import torchao
    import torchao.quantization
except ImportError:
    torchao = None

OUT = sys.argv[1]
SEED = 20261205
# torchao's configs quantize nn.Linear; the families whose linears are wide enough for groups of 32.
TORCHAO_FAMILIES = ("mlp", "convnet", "transformer", "embedding")


def first(*candidates):
    """The first attribute that imports, of ("module", "name") candidates: PT2E moved from torch.ao to torchao."""
    for module, name in candidates:
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise LookupError("none of %s" % ", ".join("%s.%s" % c for c in candidates))


def pt2e():
    homes = ["torchao.quantization.pt2e.quantize_pt2e", "torch.ao.quantization.quantize_pt2e"]
    names = ("prepare_pt2e", "prepare_qat_pt2e", "convert_pt2e")
    return {name: first(*[(home, name) for home in homes]) for name in names}


def quantizer(name, **config):
    if name == "xnnpack":
        homes = ["torchao.testing.pt2e._xnnpack_quantizer", "torch.ao.quantization.quantizer.xnnpack_quantizer"]
        cls = first(*[(h, "XNNPACKQuantizer") for h in homes])
        make = first(*[(h, "get_symmetric_quantization_config") for h in homes])
    else:
        homes = ["torchao.quantization.pt2e.quantizer.x86_inductor_quantizer",
                 "torch.ao.quantization.quantizer.x86_inductor_quantizer"]
        cls = first(*[(h, "X86InductorQuantizer") for h in homes])
        make = first(*[(h, "get_default_x86_inductor_quantization_config") for h in homes])
    return cls().set_global(make(**config))


def export(model, args, strict, dynamic):
    torch._dynamo.reset()
    shapes = None
    if dynamic:
        batch = torch.export.Dim("batch", min=2, max=64)
        shapes = ({0: batch},)
    capture = getattr(torch.export, "export_for_training", None) or torch.export.export
    return capture, dict(args=args, strict=strict, dynamic_shapes=shapes)


def quantize_pt2e(family, model, x, quant, config, strict=True, dynamic=False, qat=False):
    api = pt2e()
    capture, kwargs = export(model, (x,), strict, dynamic)
    if qat:
        model.train()
    captured = capture(model, **kwargs).module()
    prepared = (api["prepare_qat_pt2e"] if qat else api["prepare_pt2e"])(captured, quantizer(quant, **config))
    for _ in range(3 if qat else 1):
        prepared(x)
    converted = api["convert_pt2e"](prepared)
    if qat:
        first(("torchao.quantization.pt2e", "move_exported_model_to_eval"),
              ("torch.ao.quantization", "move_exported_model_to_eval"))(converted)
    torch._dynamo.reset()
    program = torch.export.export(converted, **kwargs)
    if not any("quantize" in str(node.target) for node in program.graph.nodes):
        raise Unwritten("the quantizer quantized nothing (no quantize/dequantize in the program)")
    return program, program.module()(x)


class Unwritten(Exception):
    pass


def calibrated_eager(model, x):
    model = torch.nn.Sequential(torch.ao.quantization.QuantStub(), model, torch.ao.quantization.DeQuantStub()).eval()
    model.qconfig = torch.ao.quantization.get_default_qconfig("x86")
    torch.ao.quantization.prepare(model, inplace=True)
    model(x)
    return torch.ao.quantization.convert(model, inplace=True)


def fx(model, x):
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    prepared = prepare_fx(model, torch.ao.quantization.get_default_qconfig_mapping("x86"), (x,))
    prepared(x)
    return convert_fx(prepared)


def eager_dynamic(model, x):
    return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear, torch.nn.LSTM, torch.nn.GRU}, torch.qint8)


PT2E_FLOWS = {
    "pt2e_xnnpack_static": dict(quant="xnnpack", config=dict(is_per_channel=True)),
    "pt2e_xnnpack_dynamic_shape": dict(quant="xnnpack", config=dict(is_per_channel=False), strict=False, dynamic=True),
    "pt2e_xnnpack_dynamic": dict(quant="xnnpack", config=dict(is_per_channel=True, is_dynamic=True), dynamic=True),
    "pt2e_xnnpack_qat": dict(quant="xnnpack", config=dict(is_per_channel=True, is_qat=True), qat=True),
    "pt2e_x86": dict(quant="x86", config={}),
}
TORCHSCRIPT_FLOWS = {"fx": fx, "eager": calibrated_eager, "eager_dynamic": eager_dynamic}


def torchao_configs():
    """Each config as the release's README shows it, by name; None where the release has no such class."""
    if torchao is None:
        return {}
    q = torchao.quantization

    def per_group():
        return first(("torchao.quantization.granularity", "PerGroup"),
                     ("torchao.quantization.quant_primitives", "PerGroup"))(32)

    makers = {
        "int8_weight_only": lambda: q.Int8WeightOnlyConfig(),
        "int8_dynamic_activation_int8_weight": lambda: q.Int8DynamicActivationInt8WeightConfig(),
        "float8_weight_only": lambda: q.Float8WeightOnlyConfig(),
        "intx_weight_only": lambda: q.IntxWeightOnlyConfig(weight_dtype=torch.int4, granularity=per_group()),
        "int8_dynamic_activation_intx_weight": lambda: q.Int8DynamicActivationIntxWeightConfig(
            weight_dtype=torch.int4, weight_granularity=per_group()),
    }
    return makers


def save(value, name):
    torch.save(value, os.path.join(OUT, name))


def write_family(family, files, unwritten):
    generator = torch.Generator().manual_seed(SEED)
    x = models.EXAMPLES[family](generator)
    save(x, "%s.input.pt" % family)

    def attempt(flow, kind, ext, how):
        stem = "%s.%s" % (family, flow)
        torch.manual_seed(SEED)
        model = models.build(family)
        try:
            with torch.no_grad() if not flow.endswith("qat") else torch.enable_grad():
                artifact, expected = how(model, x)
            path = os.path.join(OUT, stem + ext)
            if kind == "pt2e":
                torch.export.save(artifact, path)
            elif kind == "torchscript":
                torch.jit.save(artifact, path)
            else:
                torch.save(artifact, path)
            save(expected.detach() if isinstance(expected, torch.Tensor) else expected, stem + ".expected.pt")
        except Exception as error:  # noqa: BLE001 - why this release does not write it, kept in the index
            said = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
            reason = said if isinstance(error, Unwritten) else "%s: %s" % (type(error).__name__, said)
            unwritten[stem] = reason
            print("not written: %s: %s" % (stem, reason), file=sys.stderr)
            if os.environ.get("ZOO_TRACEBACK"):
                traceback.print_exc()
            return
        files[stem] = {"family": family, "flow": flow, "kind": kind, "artifact": stem + ext,
                       "input": "%s.input.pt" % family, "expected": stem + ".expected.pt"}
        print("wrote %s%s" % (stem, ext))

    for flow, spec in PT2E_FLOWS.items():
        attempt(flow, "pt2e", ".pt2", lambda m, x, spec=spec: quantize_pt2e(family, m, x, **spec))
    for flow, make in TORCHSCRIPT_FLOWS.items():
        def scripted(m, x, make=make):
            torch.backends.quantized.engine = "x86"
            quantized = make(m, x)
            traced = torch.jit.trace(quantized, (x,))
            return traced, quantized(x)

        attempt(flow, "torchscript", ".scripted.pt", scripted)
    if family in TORCHAO_FAMILIES:
        for name, make in torchao_configs().items():
            def checkpoint(m, x, make=make):
                try:
                    config = make()
                except AttributeError as error:
                    raise Unwritten("this torchao has no such config (%s)" % error) from None
                torchao.quantization.quantize_(m, config)
                return m.state_dict(), m(x)

            attempt("torchao_" + name, "torchao", ".torchao.pt", checkpoint)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.backends.quantized.engine = "x86"
    files, unwritten = {}, {}
    for family in models.FAMILIES:
        write_family(family, files, unwritten)
    writer = {"torch": torch.__version__, "torchao": torchao.__version__ if torchao else "",
              "python": platform.python_version(), "script": "writer/write_zoo.py"}
    write_index(os.path.join(OUT, "index.bzl"), writer, files, unwritten)
    print("%d written, %d not" % (len(files), len(unwritten)))


def starlark(value, depth=0):
    """A dict of strings (or of such dicts) as buildifier formats a literal."""
    if not isinstance(value, dict):
        return json.dumps(value)
    if not value:
        return "{}"
    pad = "    " * (depth + 1)
    items = "".join("%s%s: %s,\n" % (pad, json.dumps(k), starlark(v, depth + 1)) for k, v in sorted(value.items()))
    return "{\n%s%s}" % (items, "    " * depth)


def write_index(path, writer, files, unwritten):
    with open(path, "w", encoding="utf-8") as f:
        f.write('"""The zoo files of one writer, as writer/write_zoo.py wrote them: literals, read by ../zoo.bzl."""\n')
        for name, value in (("WRITER", writer), ("FILES", files), ("UNWRITTEN", unwritten)):
            f.write("\n%s = %s\n" % (name, starlark(value)))


if __name__ == "__main__":
    main()
