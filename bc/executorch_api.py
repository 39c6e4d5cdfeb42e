"""ExecuTorch as the executorch kind uses it, in every release its corpora come from (1.0.0 on): lowering a
PT2E-quantized program to a .pte, and running one as its users do. Only that kind's tests and generators import
this module (and executorch, about two seconds).

Lowering is the flow of ExecuTorch's XNNPACK tutorial: to_edge_transform_and_lower with XnnpackPartitioner, or,
for a program of portable kernels, to_edge; then to_executorch(). The portable quantize/dequantize kernels need
executorch.kernels.quantized imported first, or to_executorch fails: "Missing out variants:
{'quantized_decomposed::quantize_per_tensor', ...}" (measured, 1.0.0 and 1.5.1); running such a program needs
the same import.

Running is executorch.runtime's: Runtime.get().load_program(data), load_method("forward"), execute([input]),
with the runtime's default verification (InternalConsistency).
"""

import importlib
import os

import torch

from bc import kinds


class Unwritable(Exception):
    """This release cannot lower the case: the message says why (bc/releases.bzl's left_out then says so too)."""


def lower(program, partitioner):
    """The .pte bytes of an ExportedProgram, lowered by partitioner (kinds.PARTITIONERS) or to portable kernels
    (None)."""
    from executorch import exir

    # executorch 1.0's serializer runs flatc, found on PATH unless FLATC_EXECUTABLE names it. pip puts it on a
    # virtualenv's PATH as a console script (executorch.data.bin:flatc), which no hermetic environment has: it is
    # named here, the binary that script runs (1.1 on find it themselves).
    flatc = os.path.join(os.path.dirname(importlib.import_module("executorch.data.bin").__file__), "flatc")
    if os.path.exists(flatc):
        os.environ.setdefault("FLATC_EXECUTABLE", flatc)
    if partitioner is None:
        _load_quantized_kernels()  # their out variants, which to_executorch() puts in the program
        edge = exir.to_edge(program)
    else:
        home, backend = kinds.PARTITIONERS[partitioner]
        chosen = getattr(importlib.import_module(home), partitioner)()
        edge = exir.to_edge_transform_and_lower(program, partitioner=[chosen])
    data = bytes(edge.to_executorch().buffer)
    if partitioner is not None and backend not in contents(data)["delegates"]:
        raise Unwritable("%s delegated nothing: the program has no %s delegate" % (partitioner, backend))
    return data


def contents(data):
    """What a program holds, read by executorch's own deserializer: its delegates' backend ids and its operators
    (name.overload), sorted. bc/pte_files.py reads the same without executorch; the check holds the two equal."""
    from executorch.exir._serialize._program import deserialize_pte_binary

    program = deserialize_pte_binary(data)
    program = getattr(program, "program", program)  # 1.1 on: a PTEFile holding the program
    delegates, operators = set(), set()
    for plan in program.execution_plan:
        delegates.update(delegate.id for delegate in plan.delegates)
        operators.update(op.name + ("." + op.overload if op.overload else "") for op in plan.operators)
    return {"delegates": sorted(delegates), "operators": sorted(operators)}


def _load_quantized_kernels():
    """Registers the quantize/dequantize kernels (executorch.kernels.quantized's library) with torch, for lowering,
    and with the runtime, which has none of its own: a program of portable kernels names them, and its users import
    that module before they run it ("Failed to load method forward, error: 0x:14" otherwise, measured). executorch
    1.0.0's library needs the runtime's _portable_lib loaded first (its RUNPATH names extensions/pybindings, a folder
    the wheel spells extension/), or it is not loaded, saying so only in an INFO log line."""
    importlib.import_module("executorch.extension.pybindings.portable_lib")
    importlib.import_module("executorch.kernels.quantized")


def runtime():
    from executorch.runtime import Runtime

    _load_quantized_kernels()
    return Runtime.get()


def registered():
    """The backends and operators today's runtime registers: what a program may name and still run."""
    found = runtime()
    return {"delegates": set(found.backend_registry.registered_backend_names),
            "operators": set(found.operator_registry.operator_names)}


def run(data, example):
    """The program's forward on example, as its users run it: its one output."""
    # The program must outlive its method: executorch.runtime's Method keeps no reference to its Program, whose
    # memory it runs from (runtime().load_program(data).load_method(...) in one expression crashed the process with
    # a segmentation fault, measured with executorch 1.5.1).
    program = runtime().load_program(data)
    outputs = program.load_method("forward").execute([example])
    if len(outputs) != 1 or not isinstance(outputs[0], torch.Tensor):
        raise RuntimeError("forward returned %d outputs, not the one tensor the model returns" % len(outputs))
    return outputs[0]
