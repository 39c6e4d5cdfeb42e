"""The .pt2 check admits the programs users write, as today's torch writes them, nothing scrubbed (issue 33).

Each program is written here by the documented PT2E flow (torch.export, prepare_pt2e with torchao's
XNNPACKQuantizer, calibration, convert_pt2e, torch.export.export, torch.export.save), with the metadata torch
writes (stack traces, from_node, nn_module_stack), in strict and non-strict export, static and dynamic shapes.
`write` imports nothing of quant-bc; the test then holds bc/pt2_archive.py's check to it and loads the file
as a test does (confined), comparing with the model it was written from.
"""

import os

import pytest
import torch
from torch import nn
from torch.nn import functional

from bc import confine, golden_io, pt2_archive


class ConvNet(nn.Module):
    """Issue 33's convnet: conv+BatchNorm+ReLU, a residual add, max_pool2d, cat, adaptive_avg_pool2d, softmax."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.body = nn.Conv2d(8, 8, 3, padding=1)
        self.side = nn.Conv2d(8, 4, 1)
        self.head = nn.Linear(12, 5)

    def forward(self, x):
        x = self.stem(x)
        x = x + functional.relu(self.body(x))
        x = functional.max_pool2d(x, 2)
        x = torch.cat([x, self.side(x)], dim=1)
        x = functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return functional.softmax(self.head(x), dim=-1)


class Block(nn.Module):
    """A transformer block: LayerNorm, attention by scaled_dot_product_attention, GELU, residuals."""

    def __init__(self, width=16):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.out = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.up, self.down = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)

    def forward(self, x):
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        x = x + self.out(functional.scaled_dot_product_attention(q, k, v))
        return x + self.down(functional.gelu(self.up(self.norm2(x))))


def write(model, example, path, strict, dynamic):
    """The documented flow, as a user's script runs it: nothing of quant-bc imported."""
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e
    from torchao.testing.pt2e._xnnpack_quantizer import XNNPACKQuantizer, get_symmetric_quantization_config

    shapes = ({0: torch.export.Dim("batch", min=1, max=64)},) if dynamic else None
    captured = torch.export.export(model.eval(), (example,), strict=strict, dynamic_shapes=shapes).module()
    prepared = prepare_pt2e(captured, XNNPACKQuantizer().set_global(get_symmetric_quantization_config()))
    prepared(example)
    converted = convert_pt2e(prepared)
    program = torch.export.export(converted, (example,), strict=strict, dynamic_shapes=shapes)
    torch.export.save(program, path)
    return converted(example)


PROGRAMS = [
    ("convnet", ConvNet, (2, 3, 16, 16), True, False),
    ("convnet_non_strict_dynamic", ConvNet, (2, 3, 16, 16), False, True),
    ("block_dynamic", Block, (3, 8, 16), True, True),
]


def _run(path, example):
    return golden_io.program_load(path).module()(example).tolist()


@pytest.mark.parametrize("name, model, size, strict, dynamic", PROGRAMS, ids=[p[0] for p in PROGRAMS])
def test_a_program_users_write_is_admitted_and_loads_confined(tmp_path, name, model, size, strict, dynamic):
    torch.manual_seed(0)
    example = torch.randn(*size)
    path = str(tmp_path / (name + ".pt2"))
    expected = write(model(), example, path, strict, dynamic)
    assert golden_io.program_problem(path) is None, golden_io.program_problem(path)
    loaded = confine.call(lambda: _run(path, example), reads=[path])
    torch.testing.assert_close(torch.tensor(loaded), expected)


def test_what_users_programs_hold_is_what_the_check_admits_as_data(tmp_path):
    """The metadata quant-bc's generators scrub, present in a file written here: the check reads it as data."""
    path = str(tmp_path / "convnet.pt2")
    write(ConvNet(), torch.randn(2, 3, 16, 16), path, True, True)
    import zipfile

    with zipfile.ZipFile(path) as archive:
        (member,) = [n for n in archive.namelist() if n.endswith(pt2_archive.PROGRAM)]
        text = archive.read(member).decode()
    assert '"stack_trace"' in text and '"from_node"' in text and '"as_expr"' in text
    assert os.path.getsize(path) > 0
