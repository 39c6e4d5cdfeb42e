"""ExecuTorch as the executorch kind uses it, in every release its corpora come from (0.3.0 on): lowering a
PT2E-quantized program to a .pte, and running one as its users do. Only that kind's tests and generators import
this module, and so executorch.

Lowering is the flow of ExecuTorch's XNNPACK tutorial: to_edge_transform_and_lower with XnnpackPartitioner, or,
for a program of portable kernels, to_edge; then to_executorch(). The portable quantize/dequantize kernels need
executorch.kernels.quantized imported first, or to_executorch fails: "Missing out variants:
{'quantized_decomposed::quantize_per_tensor', ...}" (measured, 1.0.0 and 1.5.1); running such a program needs
the same import.

Running is executorch.runtime's: Runtime.get().load_program(data), load_method("forward"), execute([input]),
with the runtime's default verification, InternalConsistency, which PyPI's wheels do not build: they log
"InternalConsistency verification requested but not available" and verify as Minimal does (the root offset
only), so bc/pte_files.py's checks come first. Before 0.4.0, the pybindings' _load_for_executorch_from_buffer.
"""

import importlib
import os

from bc import kinds


class Unwritable(Exception):
    """This release cannot lower the case: the message says why (bc/releases.bzl's left_out then says so too)."""


def lower(program, partitioner):
    """The .pte bytes of an ExportedProgram, lowered by partitioner (kinds.PARTITIONERS) or to portable kernels
    (None)."""
    from executorch import exir

    # The serializers of 0.3.0 to 1.0.x (at least) run flatc, found on PATH unless FLATC_EXECUTABLE names it. pip
    # puts it on a virtualenv's PATH as a console script (executorch.data.bin:flatc), which no hermetic environment
    # has: it is named here, the binary that script runs (1.5.1 builds the flatbuffer in Python).
    flatc = os.path.join(os.path.dirname(importlib.import_module("executorch.data.bin").__file__), "flatc")
    if os.path.exists(flatc):
        os.environ.setdefault("FLATC_EXECUTABLE", flatc)
    if partitioner is None:
        if not _load_quantized_kernels():  # their out variants, which to_executorch() puts in the program
            raise Unwritable("this executorch has no executorch.kernels.quantized: no portable quantize/dequantize "
                             "kernels to lower to")
        edge = exir.to_edge(program)
    else:
        home, backend = kinds.PARTITIONERS[partitioner]
        chosen = getattr(importlib.import_module(home), partitioner)()
        if hasattr(exir, "to_edge_transform_and_lower"):
            edge = exir.to_edge_transform_and_lower(program, partitioner=[chosen])
        else:  # before 0.4.0, as its XNNPACK tutorial lowered
            edge = exir.to_edge(program).to_backend(chosen)
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
    the wheel spells extension/), or it is not loaded, saying so only in an INFO log line. False where the release
    has no such library (before 0.4.0)."""
    importlib.import_module("executorch.extension.pybindings.portable_lib")
    try:
        importlib.import_module("executorch.kernels.quantized")
    except ImportError:
        return False  # before 0.4.0: no such library
    return True


def runtime():
    """executorch.runtime's Runtime (0.4.0 on), the quantized kernels registered; None before it."""
    _load_quantized_kernels()
    try:
        from executorch.runtime import Runtime
    except ImportError:
        return None
    return Runtime.get()


def registered():
    """{"delegates", "operators"}: the backends and operators the runtime registers, what a program may name and
    still run; None for what a runtime cannot list (its backends: 0.6.0 on can, 0.3.0 to 0.5.0 cannot)."""
    found = runtime()
    if found is None:
        from executorch.extension.pybindings import portable_lib

        return {"delegates": None, "operators": set(portable_lib._get_operator_names())}
    backends = getattr(found, "backend_registry", None)
    return {"delegates": set(backends.registered_backend_names) if backends is not None else None,
            "operators": set(found.operator_registry.operator_names)}


def run(data, inputs):
    """The program's forward on its positional inputs, as its users run it: its one output, or a tuple of them."""
    found = runtime()
    if found is None:  # before 0.4.0, the pybindings were how users ran a program
        from executorch.extension.pybindings.portable_lib import _load_for_executorch_from_buffer

        outputs = _load_for_executorch_from_buffer(data).forward(tuple(inputs))
    else:
        # The program must outlive its method: executorch.runtime's Method keeps no reference to its Program, whose
        # memory it runs from (runtime().load_program(data).load_method(...) in one expression crashed the process
        # with a segmentation fault, measured with executorch 1.5.1).
        program = found.load_program(data)
        method = program.load_method("forward")
        if method is None:  # 0.4.0 says so this way
            raise RuntimeError("the program has no method forward")
        outputs = method.execute(list(inputs))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)
