"""How the artifacts in ../models were made: as a team using torch 2.8.0 and torchao 0.13.0 saved them,
with nothing of quant-bc.

    <python with torch 2.8.0 and torchao 0.13.0> writer/write_models.py models

One artifact of each kind quant-bc checks, each with the input it was run on
and the output it computed then (<artifact stem>.input.pt, .expected.pt):
  classifier.scripted.pt   torch.jit.script of the eager-quantized Classifier (x86 engine)
  classifier.state_dict.pt its state_dict()
  scorer.package.pt        a torch.package of the eager-quantized Scorer (package "model", resource "model.pkl")
  ranker.torchao.pt        the state_dict() of an MLP quantized by torchao's
                           IntxWeightOnlyConfig (int4, groups of 32, version 2)
  detector.pt2             a convnet quantized by PT2E (XNNPACK, static per-channel), torch.export.save
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from mymodels import zoo  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(7)
torch.backends.quantized.engine = "x86"


def save(value, name):
    torch.save(value, os.path.join(out, name))




def eager_quantized(model, example):
    model.eval().qconfig = torch.ao.quantization.get_default_qconfig("x86")
    torch.ao.quantization.prepare(model, inplace=True)
    model(example)
    return torch.ao.quantization.convert(model, inplace=True)


# Eager mode: calibrate and convert; then script the Classifier and save its state, and package the Scorer.
images = torch.randn(4, 3, 12, 12)
model = eager_quantized(zoo.Classifier(), images)
save(images, "classifier.input.pt")
save(model(images), "classifier.expected.pt")
torch.jit.save(torch.jit.script(model), os.path.join(out, "classifier.scripted.pt"))
save(model.state_dict(), "classifier.state_dict.pt")
scores = torch.randn(8, 24)
scorer = eager_quantized(zoo.Scorer(), scores)
save(scores, "scorer.input.pt")
save(scorer(scores), "scorer.expected.pt")
with torch.package.PackageExporter(os.path.join(out, "scorer.package.pt")) as exporter:
    exporter.intern("mymodels.**")
    exporter.extern(["torch.**"])
    exporter.save_pickle("model", "model.pkl", scorer)

# torchao: quantize_ with a version-2 config, save the state dict as torchao's documentation shows.
from torchao.quantization import IntxWeightOnlyConfig, quantize_  # noqa: E402
from torchao.quantization.granularity import PerGroup  # noqa: E402

ranker = zoo.ranker()
features = torch.randn(4, 64)
quantize_(ranker, IntxWeightOnlyConfig(weight_dtype=torch.int4, granularity=PerGroup(32), version=2))
save(features, "ranker.input.pt")
save(ranker(features), "ranker.expected.pt")
save(ranker.state_dict(), "ranker.torchao.pt")

# PT2E: capture, prepare with XNNPACK per-channel, calibrate, convert, export, save.
from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e  # noqa: E402
from torchao.testing.pt2e._xnnpack_quantizer import XNNPACKQuantizer, get_symmetric_quantization_config  # noqa: E402

detector = torch.nn.Sequential(
    torch.nn.Conv2d(3, 6, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(216, 5), torch.nn.ReLU()
).eval()
frames = torch.randn(2, 3, 8, 8)
quantizer = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
prepared = prepare_pt2e(torch.export.export_for_training(detector, (frames,)).module(), quantizer)
prepared(frames)
program = torch.export.export(convert_pt2e(prepared), (frames,))
torch.export.save(program, os.path.join(out, "detector.pt2"))
save(frames, "detector.input.pt")
save(torch.export.load(os.path.join(out, "detector.pt2")).module()(frames), "detector.expected.pt")
