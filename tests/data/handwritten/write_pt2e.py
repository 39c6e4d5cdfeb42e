"""How the hand-written PT2E programs beside this script were made: as a user of that release saves one, with nothing of quant-bc.

    <python of a release's environment> write_pt2e.py OUT

torch 2.6.0 (torch.ao's PT2E) or 2.8.0 and later (torchao's, 0.13 on): its
own float model (another seed than the suite's), its own input, XNNPACK
static per-channel, captured as the release's documentation shows, saved with
torch.export.save to a path. The files take the names of the quant-bc case
they are adopted as (TestSerialization.test_pt2e_xnnpack_static_per_channel.<part>.pt);
the quantize_ops part is the program's quantize/dequantize calls written
in the form docs/cases.md gives. tests/test_handwritten.py adopts them into a
copy of the corpus of the release that wrote them.
"""

import os
import sys

import torch

try:
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e
    from torchao.testing.pt2e._xnnpack_quantizer import XNNPACKQuantizer, get_symmetric_quantization_config
except ImportError:
    from torch.ao.quantization.quantize_pt2e import convert_pt2e, prepare_pt2e
    from torch.ao.quantization.quantizer.xnnpack_quantizer import XNNPACKQuantizer, get_symmetric_quantization_config

out = sys.argv[1]
torch.manual_seed(20261130)
model = torch.nn.Sequential(
    torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(144, 8), torch.nn.ReLU()
).eval()
x = torch.randn(2, 3, 8, 8)
capture = getattr(torch.export, "export_for_training", torch.export.export)
prepared = prepare_pt2e(capture(model, (x,)).module(), XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True)))
prepared(x)
program = torch.export.export(convert_pt2e(prepared), (x,))
os.makedirs(out, exist_ok=True)
prefix = os.path.join(out, "TestSerialization.test_pt2e_xnnpack_static_per_channel.")
saved = prefix + "program.pt2"
torch.export.save(program, saved)
module = torch.export.load(saved).module()
os.rename(saved, prefix + "program.pt")


def describe(argument):
    if isinstance(argument, torch.fx.Node):
        return "%s%s" % (str(getattr(module, argument.target).dtype).replace("torch.", ""), getattr(module, argument.target).tolist()) if argument.op == "get_attr" else "computed"
    return repr(argument)


ops = sorted(
    {
        "%s(%s)" % (node.target, ", ".join([describe(a) for a in node.args[1:]] + ["%s=%s" % (k, describe(v)) for k, v in sorted(node.kwargs.items())]))
        for node in module.graph.nodes
        if node.op == "call_function" and str(node.target).startswith("quantized_decomposed.")
    }
)
assert ops, "nothing was quantized"
torch.save(x, prefix + "input.pt")
torch.save(ops, prefix + "quantize_ops.pt")
torch.save(module(x), prefix + "expected.pt")
