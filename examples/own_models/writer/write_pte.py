"""How the ExecuTorch program in ../models was made: as a team using executorch 1.0.0 (with the torch 2.9.0 and
torchao 0.14.0 it requires) shipped it to devices, with nothing of quant-bc.

    <python with executorch 1.0.0, torch 2.9.0, torchao 0.14.0> writer/write_pte.py models

A small keyword spotter (conv, pooling, linear), quantized as ExecuTorch's XNNPACK tutorial shows
(XNNPACKQuantizer, prepare_pt2e, calibration, convert_pt2e), lowered to XNNPACK's delegate and written by
to_executorch(); with the input it was run on and the output executorch's runtime computed then:
  spotter.pte, spotter.input.pt, spotter.expected.pt
"""

import os
import sys

import torch
from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
    XNNPACKQuantizer,
    get_symmetric_quantization_config,
)
from executorch.exir import to_edge_transform_and_lower
from executorch.runtime import Runtime
from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

out = sys.argv[1]
torch.manual_seed(5)
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
    torch.nn.Flatten(), torch.nn.Linear(16, 12),
).eval()
example = torch.randn(1, 1, 20, 16)  # 20 frames of 16 mel bands

quantizer = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
prepared = prepare_pt2e(torch.export.export(model, (example,)).module(), quantizer)
for _ in range(8):
    prepared(torch.randn(1, 1, 20, 16))
program = torch.export.export(convert_pt2e(prepared), (example,))
data = to_edge_transform_and_lower(program, partitioner=[XnnpackPartitioner()]).to_executorch().buffer

with open(os.path.join(out, "spotter.pte"), "wb") as f:
    f.write(data)
loaded = Runtime.get().load_program(data)  # kept: its method runs from the program's memory
output = loaded.load_method("forward").execute([example])[0]
torch.save(example, os.path.join(out, "spotter.input.pt"))
torch.save(output, os.path.join(out, "spotter.expected.pt"))
