"""Runs a case's checks (bc/kinds.py says what each kind checks) and applies
the compatibility rule and the recorded differences.

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

from bc import compare, engines, kinds

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
        record = case.recorded_difference(corpus, engine, loader)
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


def output(case, golden, model):
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


def check(case, golden, engine, corpus=None):
    """Problems found in one case's files of a corpus under one engine (already selected); [] if none.

    corpus: the corpus's name, whose recorded differences apply; None: none
    applies (bisection judges the files themselves).
    """
    return _run_steps(case, golden, engine, kinds.KINDS[case.kind].steps(case, golden), corpus)


def _heading(case, corpus, engine):
    return "%s, corpus %s, under engine %s" % (case.name, corpus, engine or ENGINE_INDEPENDENT)


def failure(case, corpus, engine, problems):
    """What a case test fails with: one block, a first line naming case, corpus and engine, then each problem."""
    return "%s: %d problem%s (host: %s)\n%s" % (
        _heading(case, corpus, engine),
        len(problems),
        "" if len(problems) == 1 else "s",
        engines.host_description(),
        "\n".join(problems),
    )


def refusal(case, corpus, engine, error):
    """failure() for a corpus whose files were refused before any check ran (golden_io.GoldenError).

    The error names the files, the problem and the remedy; its leading
    "<case>: " gives way to the heading, which adds corpus and engine.
    """
    message = str(error)
    own = case.name + ": "
    return "%s: %s" % (_heading(case, corpus, engine), message[len(own) :] if message.startswith(own) else message)


def check_under(case, golden, engine=None, corpus=None):
    """check() with the engine selected; engine None for an engine-independent case."""
    with engines.engine(engine) if engine else contextlib.nullcontext():
        return check(case, golden, engine or ENGINE_INDEPENDENT, corpus)
