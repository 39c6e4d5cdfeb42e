"""What each kind of case checks; README "What each kind checks" says it in prose.

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


def _compare_outputs(case, golden, engine, runs):
    """runs: (loader name, golden part the loader read, callable on the input)."""
    example = golden.load("input")
    expected = golden.load("expected")
    problems = []
    for loader, part, run in runs:
        found = compare.differences(run(example), expected, case.atol, case.rtol)
        if found:
            where = compare.Where(case.name, engine, loader, golden.path(part))
            problems.append("%s:\n    %s" % (where, "\n    ".join(found)))
    return problems


def check_op(case, golden, engine):
    module = modules.build(case.module)
    module.load_state_dict(golden.load("state_dict"))
    return _compare_outputs(case, golden, engine, [
        ("eager", "state_dict", module),
        ("scripted", "scripted", golden.load("scripted")),
        ("traced", "traced", golden.load("traced")),
    ])


def check_op_graph(case, golden, engine):
    return _compare_outputs(case, golden, engine, [
        ("scripted", "scripted", golden.load("scripted")),
        ("traced", "traced", golden.load("traced")),
    ])


def check_observer(case, golden, engine):
    observer = modules.build(case.module)
    saved = golden.load("state_dict")
    observer.load_state_dict(saved)
    where = compare.Where(case.name, engine, "eager", golden.path("state_dict"))
    problems = []
    round_trip = compare.differences(dict(observer.state_dict()), dict(saved), label="state_dict")
    if round_trip:
        problems.append("%s: state dict round trip:\n    %s" % (where, "\n    ".join(round_trip)))
    if case.check_numerics:
        problems += _compare_outputs(case, golden, engine, [("eager", "state_dict", observer)])
    return problems


def check_package(case, golden, engine):
    example = golden.load("input")
    quantized = modules.fx_quantize(golden.load("package"), example)
    where = compare.Where(case.name, engine, "package", golden.path("get_attr_targets"))
    found = compare.set_differences(
        modules.get_attr_targets(quantized), golden.load("get_attr_targets"), "get_attr targets"
    )
    problems = ["%s:\n    %s" % (where, "\n    ".join(found))] if found else []
    return problems + _compare_outputs(case, golden, engine, [("package", "package", quantized)])


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
