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

Compatibility (README, "What compatibility means"): a saved file still loads
and today's torch computes the same numbers from it. A key that today's torch
adds to a module's state is not a break (a file from an older release lacks it
by nature); a saved key that is refused, dropped, or changes value is.

A difference recorded in the case table (bc/cases.bzl, "differences") for a
corpus, engine and loader is expected exactly: the check passes while the
observation is the recorded one, and fails when it disappears or moves.
"""

import contextlib

from bc import compare, engines, modules

ENGINE_INDEPENDENT = "engine-independent"


def _run_steps(case, golden, engine, steps, corpus=None):
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
        where = compare.Where(case.name, engine, loader, golden.path(part))
        record = case.recorded_difference(corpus.name if corpus else None, engine, loader)
        if record is not None:
            found = _against_record(found, record)
        if found:
            problems.append("%s:\n    %s" % (where, "\n    ".join(found)))
    return problems


def observation(found):
    """The text a difference record holds: the problem lines as the failure shows them."""
    return "\n".join(found)


def _against_record(found, record):
    """[] while found is the recorded difference; else what changed, the record and the new observation."""
    if observation(found) == record["observed"]:
        return []
    now = observation(found) if found else "(nothing: the loader reads the file and computes the expected output)"
    return [
        "the difference recorded in bc/cases.bzl (%s) %s:"
        % (record["reason"][:120], "disappeared" if not found else "moved"),
        "recorded: " + record["observed"].replace("\n", "\n      "),
        "observed: " + now.replace("\n", "\n      "),
        "Investigate what changed in torch; then update or remove the record, with its numbers and reason.",
    ]


def load_state(module, saved):
    """module.load_state_dict(saved), refusing what breaks compatibility and nothing else.

    Keys missing from saved (state today's torch added) are not a break;
    saved keys the module refuses are.
    """
    result = module.load_state_dict(saved, strict=False)
    if result.unexpected_keys:
        raise RuntimeError(
            "saved keys refused by today's %s: %s" % (type(module).__name__, ", ".join(sorted(result.unexpected_keys)))
        )
    return module


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
    return load_state(modules.build(case.module), golden.load("state_dict"))


def _loaded_archives(case, golden):
    return [(part, part, lambda part=part: _output(case, golden, golden.load(part))) for part in ("scripted", "traced")]


def check_op(case, golden, engine, corpus=None):
    eager = ("eager", "state_dict", lambda: _output(case, golden, _eager_op(case, golden)))
    return _run_steps(case, golden, engine, [eager] + _loaded_archives(case, golden), corpus)


def check_op_graph(case, golden, engine, corpus=None):
    return _run_steps(case, golden, engine, _loaded_archives(case, golden), corpus)


def _observer(case, golden):
    saved = golden.load("state_dict")
    observer = load_state(modules.build(case.module), saved)
    state = observer.state_dict()
    dropped = sorted(key for key in saved if key not in state)
    found = ["saved keys dropped by the round trip: %s" % ", ".join(dropped)] if dropped else []
    found += compare.differences(
        {key: state[key] for key in saved if key in state},
        {key: saved[key] for key in saved if key in state},
        label="state_dict round trip (saved keys)",
    )
    if case.check_numerics:
        found += _output(case, golden, observer)
    return found


def check_observer(case, golden, engine, corpus=None):
    return _run_steps(case, golden, engine, [("eager", "state_dict", lambda: _observer(case, golden))], corpus)


def _package(case, golden):
    quantized = modules.fx_quantize(golden.load("package"), golden.load("input"))
    found = compare.set_differences(
        modules.get_attr_targets(quantized), golden.load("get_attr_targets"), "get_attr targets"
    )
    return found + _output(case, golden, quantized)


def check_package(case, golden, engine, corpus=None):
    return _run_steps(case, golden, engine, [("package", "package", lambda: _package(case, golden))], corpus)


CHECKS = {
    "op": check_op,
    "op_graph": check_op_graph,
    "observer": check_observer,
    "package": check_package,
}


def check(case, golden, engine, corpus=None):
    """Problems found in one case's files of a corpus under one engine (already selected); [] if none.

    corpus None: no recorded difference applies (bisection judges the files themselves).
    """
    return CHECKS[case.kind](case, golden, engine, corpus)


def check_under(case, golden, engine=None, corpus=None):
    """check() with the engine selected; engine None for an engine-independent case."""
    with engines.engine(engine) if engine else contextlib.nullcontext():
        return check(case, golden, engine or ENGINE_INDEPENDENT, corpus)
