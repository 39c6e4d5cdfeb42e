"""What a generator produces for each kind of case (bc/kinds.py names the function):
case -> {part: value}, run under the pinned configuration (bc/corpus/pinned.py).

The values are written by bc/corpus/generate.py, each part in its kind's format.
"""

import io
import os
import tempfile

import torch

from bc import modules, pt2e_api
from bc.corpus import reproducible
from bc.torch_api import quantization


class CannotWrite(Exception):
    """The release cannot write the case; the message says why, for bc/releases.bzl's left_out."""


def example_input(case):
    """The input a generator feeds the case: random, quantized as the seed does for op kinds."""
    example = torch.rand(*case.input_size).float()
    if case.input_quantized:
        example = torch.quantize_per_tensor(example, 0.5, 2, torch.quint8)
    return example


def produce_op(case):
    module = modules.build(case.module)
    modules.seed_weights(module)
    example = example_input(case)
    return {
        "input": example,
        "state_dict": module.state_dict(),
        "scripted": torch.jit.script(module),
        "traced": torch.jit.trace(module, example),
        "expected": module(example),
    }


def produce_op_graph(case):
    module = modules.build(case.module)
    example = example_input(case)
    qconfig = {"": quantization.default_qconfig}

    def calibrate(model, data):
        model(data)

    scripted = quantization.quantize_jit(torch.jit.script(module), qconfig, calibrate, [example])
    traced = quantization.quantize_jit(torch.jit.trace(module, example), qconfig, calibrate, [example])
    return {"input": example, "scripted": scripted, "traced": traced, "expected": scripted(example)}


def produce_observer(case):
    observer = modules.build(case.module)
    example = example_input(case)
    expected = observer(example)
    return {"input": example, "expected": expected, "state_dict": observer.state_dict()}


def produce_package(case):
    model = modules.build(case.module)
    example = torch.randn(*case.input_size)
    quantized = modules.fx_quantize(model, example)
    return {
        "input": example,
        "package": model,
        "get_attr_targets": modules.get_attr_targets(quantized),
        "expected": quantized(example),
    }


def produce_torchao(case):
    # Imported here: only the torchao kind's generators have torchao.
    import torchao.quantization

    from bc import torchao_api

    dtype = getattr(torch, case.dtype)
    model = modules.build(case.module).to(dtype)
    example = torch.randn(*case.input_size).to(dtype)
    try:
        config, recorded = torchao_api.build(case.config)
    except torchao_api.Unwritable as error:
        raise CannotWrite(str(error)) from None
    torchao.quantization.quantize_(model, config)
    return {"input": example, "state_dict": model.state_dict(), "config": recorded, "expected": model(example)}


def produce_pt2e(case):
    model = modules.build(case.module).eval()
    example = torch.randn(*case.input_size)
    try:
        program = pt2e_api.quantize(model, example, case.quantizer)
    except pt2e_api.Unwritable as error:
        raise CannotWrite(str(error)) from None
    data = reproducible.program_bytes(program)
    saved = torch.export.load(io.BytesIO(data)).module()  # the file as the check reads it
    return {"input": example, "program": data, "quantize_ops": pt2e_api.quantize_ops(saved), "expected": saved(example)}


def produce_huggingface(case):
    # Imported here: only the huggingface kind's generators have transformers.
    import sys

    from bc import hf_api, hf_files, torchao_api

    with tempfile.TemporaryDirectory() as directory:
        try:
            model = hf_api.quantized(case, directory)
            ids = torch.randint(0, hf_api.vocabulary(case), case.input_size)
            # What the user's model computed before it was saved: what any later release must compute from the folder.
            expected = hf_api.logits(model)(ids)
            written = hf_api.save(model, os.path.join(directory, "saved"), case.serialization)
        except torchao_api.Unwritable as error:
            raise CannotWrite(str(error)) from None
        try:
            reread = hf_api.logits(hf_api.load(os.path.join(directory, "saved"))[0])(ids)
        except Exception as error:  # noqa: BLE001 - a release that cannot read its own folder (transformers 4.57)
            print("generate %s: the writer's own from_pretrained cannot read the folder it wrote: %s: %s"
                  % (case.name, type(error).__name__, (str(error).strip().splitlines() or [""])[0]), file=sys.stderr)
        else:
            if not torch.equal(reread, expected):
                raise RuntimeError(
                    "%s: the saved folder computes other logits than the model saved (max difference %g); refusing "
                    "to write it" % (case.name, (reread - expected).abs().max().item())
                )
        files = {}
        for part, path in written.items():
            with open(path, "rb") as f:
                files[part] = f.read()
    if "model" in files:
        files["model"] = hf_files.canonical_safetensors(files["model"])
    return {"input": ids, **files, "expected": expected}


def produce_executorch(case):
    # Imported here: only the executorch kind's generators have executorch.
    from bc import executorch_api

    model = modules.build(case.module).eval()
    example = torch.randn(*case.input_size)
    try:
        data = executorch_api.lower(pt2e_api.quantize(model, example, case.quantizer), case.partitioner)
    except (pt2e_api.Unwritable, executorch_api.Unwritable) as error:
        raise CannotWrite(str(error)) from None
    # What the writer's own runtime computes from the file: what any later runtime must compute from it.
    return {"input": example, "program": data, "contents": executorch_api.contents(data),
            "expected": executorch_api.run(data, [example])}
