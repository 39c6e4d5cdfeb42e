"""What each kind of case checks; README ("The cases") says it in prose.

  op        the eager module after load_state_dict, and torch.jit.load of the
            scripted and of the traced archive, each run on the input and
            compared with expected;
  op_graph  the saved quantize_jit results (scripted and traced) loaded and
            run; nothing is re-quantized at test time;
  observer  load_state_dict, the state dict round trip, and (check_numerics)
            the output on the input;
  package   torch.package import, FX prepare/convert, the get_attr target set
            and the output.

Every check collects all differences of a case under one engine and fails
once, with each difference located by compare.Where.
"""

import contextlib

from bc import compare, engines, modules

ENGINE_INDEPENDENT = "engine-independent"


def _run_steps(case, golden, engine, steps):
    """steps: (loader, golden part it reads, function returning differences).

    A step that raises (a loader that cannot read an old file is exactly what
    this suite looks for) is a problem of that loader, not a crash of the test.
    """
    problems = []
    for loader, part, step in steps:
        try:
            found = step()
        except Exception as error:  # noqa: BLE001 - reported with its place
            found = ["raised %s: %s" % (type(error).__name__, str(error).strip().replace("\n", "\n      "))]
        if found:
            where = compare.Where(case.name, engine, loader, golden.path(part))
            problems.append("%s:\n    %s" % (where, "\n    ".join(found)))
    return problems


def _output(case, golden, model):
    """Differences between model's output on the input and the expected output.

    The label names the expected file: a difference may be in it, not in the loader's file.
    """
    return compare.differences(
        model(golden.load("input")),
        golden.load("expected"),
        case.atol,
        case.rtol,
        label="output vs %s" % golden.path("expected"),
    )


def _eager_op(case, golden):
    module = modules.build(case.module)
    module.load_state_dict(golden.load("state_dict"))
    return module


def _loaded_archives(case, golden):
    return [(part, part, lambda part=part: _output(case, golden, golden.load(part))) for part in ("scripted", "traced")]


def check_op(case, golden, engine):
    eager = ("eager", "state_dict", lambda: _output(case, golden, _eager_op(case, golden)))
    return _run_steps(case, golden, engine, [eager] + _loaded_archives(case, golden))


def check_op_graph(case, golden, engine):
    return _run_steps(case, golden, engine, _loaded_archives(case, golden))


def _observer(case, golden):
    observer = modules.build(case.module)
    saved = golden.load("state_dict")
    observer.load_state_dict(saved)
    found = compare.differences(dict(observer.state_dict()), dict(saved), label="state_dict round trip")
    if case.check_numerics:
        found += _output(case, golden, observer)
    return found


def check_observer(case, golden, engine):
    return _run_steps(case, golden, engine, [("eager", "state_dict", lambda: _observer(case, golden))])


def _package(case, golden):
    quantized = modules.fx_quantize(golden.load("package"), golden.load("input"))
    found = compare.set_differences(
        modules.get_attr_targets(quantized), golden.load("get_attr_targets"), "get_attr targets"
    )
    return found + _output(case, golden, quantized)


def check_package(case, golden, engine):
    return _run_steps(case, golden, engine, [("package", "package", lambda: _package(case, golden))])


CHECKS = {
    "op": check_op,
    "op_graph": check_op_graph,
    "observer": check_observer,
    "package": check_package,
}


def check(case, golden, engine):
    """Problems found in one case under one engine (already selected); [] if none."""
    return CHECKS[case.kind](case, golden, engine)


def check_under(case, golden, engine=None):
    """check() with the engine selected; engine None for an engine-independent case."""
    with engines.engine(engine) if engine else contextlib.nullcontext():
        return check(case, golden, engine or ENGINE_INDEPENDENT)
