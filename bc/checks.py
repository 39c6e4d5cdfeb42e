"""What each kind of case checks (bc/kinds.py names the function), the
compatibility rule, and the recorded differences. bc/harness.py runs them.

Every check collects all differences of a case under one engine and fails
once, with each difference located by compare.Where.

Compatibility (docs/compatibility.md): a saved file still loads
and today's torch computes the same numbers from it. A key that today's torch
adds to a module's state is not a break (a file from an older release lacks it
by nature); a saved key that is refused, dropped, or changes value is.

A difference recorded in the case table (bc/cases.bzl, "differences") for a
corpus, engine and loader is expected exactly: the check passes while the
observation is the recorded one, and fails when it disappears or moves.
"""

import contextlib
import logging
import os
import pickle
import re
import tempfile
import warnings

import torch

from bc import case_table, compare, confine, engines, kinds, modules, pickles, torch_api


def _run_steps(case, golden, engine, steps, recorded, outcomes):
    """steps: (loader, golden part it reads, function returning differences).

    A step that raises (a loader that cannot read an old file is exactly what
    this suite looks for) is a problem of that loader, not a crash of the test.
    """
    problems = []
    for loader, part, step in steps:
        try:
            found = step()
        except Exception as error:  # noqa: BLE001 - reported with its place
            found = ["raised %s: %s%s" % (type(error).__name__, str(error).strip().replace("\n", "\n      "),
                                            confine.explain(error))]
        where = compare.Where(case.name, engine, loader, golden.path(part))
        record = recorded(loader)
        unexpected = found if record is None else _against_record(found, record, case.records_at)
        if unexpected:
            problems.append("%s:\n    %s" % (where, "\n    ".join(unexpected)))
        if outcomes is not None:
            outcomes.append(_outcome(loader, golden.path(part), found, record, unexpected))
    return problems


def _outcome(loader, path, found, record, unexpected):
    """What one loader's step did, as the report (bc/report/) shows it: result pass, recorded (the
    observation is the record's) or fail, the observation, the record that applied, the problem lines."""
    return {
        "loader": loader,
        "file": path,
        "result": "fail" if unexpected else "recorded" if record is not None else "pass",
        "observed": observation(found),
        "record": None if record is None else dict(record),
        "problems": unexpected,
    }


def observation(found):
    """The text a difference record holds: the problem lines as the failure shows them."""
    return "\n".join(found)


def _against_record(found, record, records_at):
    """[] while found is the recorded difference; else what changed, the record and the new observation."""
    if observation(found) == record["observed"]:
        return []
    now = observation(found) if found else "(nothing: the loader reads the file and computes the expected output)"
    return [
        "the difference recorded in %s (%s) %s:"
        % (records_at, record["reason"][:120], "disappeared" if not found else "moved"),
        "recorded: " + record["observed"].replace("\n", "\n      "),
        "observed: " + now.replace("\n", "\n      "),
        "Investigate what changed in torch; then update or remove the record, with its numbers and reason.",
    ]


def load_state(module, saved, assign=False):
    """module.load_state_dict(saved), refusing what breaks compatibility and nothing else.

    Keys missing from saved (state today's torch added) are not a break;
    saved keys the module refuses are. assign=True (a model built on the meta
    device takes the saved tensors themselves, as torchao's users load) has
    nothing to fall back on: a missing key is refused too.
    """
    result = torch_api.load_state_dict(module, saved, assign)
    if result.unexpected_keys:
        raise RuntimeError(
            "saved keys refused by today's %s: %s" % (type(module).__name__, ", ".join(sorted(result.unexpected_keys)))
        )
    if assign and result.missing_keys:
        raise RuntimeError(
            "keys today's %s needs that the file lacks: %s" % (type(module).__name__, ", ".join(sorted(result.missing_keys)))
        )
    return module


def call(model, given):
    """The model run on a saved input as its users call it: a tuple is its positional arguments, a dict its keyword
    arguments, anything else its one argument (docs/own-models.md)."""
    if isinstance(given, tuple):
        return model(*given)
    if isinstance(given, dict):
        return model(**given)
    return model(given)


def output(case, golden, model):
    """Differences between model's output on the input and the expected output.

    The label names the expected file: a difference may be in it, not in the loader's file.
    """
    return compare.differences(
        call(model, golden.load("input")),
        golden.load("expected"),
        case.atol,
        case.rtol,
        label="output vs %s" % golden.path("expected"),
    )


def check(case, golden, engine, recorded, loader=None, outcomes=None):
    """Problems found in one case's files of a corpus under one engine (already selected); [] if none.

    recorded(loader): the difference recorded for that loader, which the
    observation must then equal, or None (bc/harness.py decides which apply).
    loader: run that loader's step only (bisection asks when one record's loader started failing).
    outcomes: a list that gets each step's outcome (_outcome), for the report.
    """
    steps = globals()[case.spec.check](case, golden)
    if loader is not None:
        steps = [step for step in steps if step[0] == loader]
        if not steps:
            raise ValueError("%s has no loader %r" % (case.name, loader))
    return _run_steps(case, golden, engine, steps, recorded, outcomes)


# What each kind checks: (case, golden) -> [(loader, golden part it reads, function returning differences)].
# A user's artifact (bc/kinds.py, MODEL_KINDS) is checked by the same steps, its model built by its factory.


def _state_model(case, golden):
    return load_state(modules.build(case.module), golden.load("state_dict"))


def _eager(case, golden):
    """A state dict loaded into the float model its case builds, run on the input."""
    return "eager", "state_dict", lambda: output(case, golden, _state_model(case, golden))


def _archive(case, golden, part, loader):
    """A TorchScript archive loaded by torch.jit.load, run on the input."""
    return loader, part, lambda: output(case, golden, golden.load(part))


def check_op(case, golden):
    return [_eager(case, golden)] + check_archives(case, golden)


def check_archives(case, golden):
    return [_archive(case, golden, part, part) for part in ("scripted", "traced")]


def check_torchscript(case, golden):
    return [_archive(case, golden, "scripted", "torchscript")]


def check_state_dict(case, golden):
    return [_eager(case, golden)]


def check_observer(case, golden):
    def observer():
        saved = golden.load("state_dict")
        loaded = load_state(modules.build(case.module), saved)
        state = loaded.state_dict()
        dropped = sorted(key for key in saved if key not in state)
        found = ["saved keys dropped by the round trip: %s" % ", ".join(dropped)] if dropped else []
        found += compare.differences(
            {key: state[key] for key in saved if key in state},
            {key: saved[key] for key in saved if key in state},
            label="state_dict round trip (saved keys)",
        )
        if case.check_numerics:
            found += output(case, golden, loaded)
        return found

    return [("eager", "state_dict", observer)]


def check_package(case, golden):
    def package():
        quantized = modules.fx_quantize(golden.load("package"), golden.load("input"))
        found = compare.set_differences(
            modules.get_attr_targets(quantized), golden.load("get_attr_targets"), "get_attr targets"
        )
        return found + output(case, golden, quantized)

    return [("package", "package", package)]


def check_packaged_model(case, golden):
    """A user's model as its torch.package holds it, run on the input."""
    return [("package", "package", lambda: output(case, golden, golden.load("package")))]


def _checkpoint(case, golden):
    """A torchao checkpoint loaded weights-only into the float model built on the meta device (assign=True),
    as torchao's users load one; a refusal explained by the classes today's torchao lacks."""
    from bc import torchao_api  # here: only the torchao kinds' tests have torchao

    def checkpoint():
        try:
            model = _checkpoint_model(case, golden)
        except pickle.UnpicklingError as error:
            return _torchao_refusal(error, golden.path("state_dict"), torchao_api)
        return output(case, golden, model)

    return "checkpoint", "state_dict", checkpoint


def _checkpoint_model(case, golden):
    with torch.device("meta"):
        model = modules.build(case.module)  # a user's factory imports what its checkpoint's classes need
    if case.dtype:
        model = model.to(getattr(torch, case.dtype))
    return load_state(model, golden.load("state_dict"), assign=True)


def check_torchao_checkpoint(case, golden):
    return [_checkpoint(case, golden)]


def check_torchao(case, golden):
    from bc import torchao_api

    torchao_api.import_for_loading(case.config)

    def config():
        recorded = golden.load("config")
        named = recorded.get("_type") or recorded.get("function")  # config_to_dict's form, or 0.7's record of its call
        found = []
        if named not in torchao_api.config_names(case.config["name"]):
            found.append("the file records %s, not the case's %s" % (named, case.config["name"]))
        if "_type" in recorded:
            try:
                torchao_api.config_from_dict(recorded)
            except Exception as error:  # noqa: BLE001 - what a user reading the config would meet
                found.append("config_from_dict raised %s: %s" % (type(error).__name__, said_line(str(error))))
        return found

    return [_checkpoint(case, golden), ("config", "config", config)]


def check_pt2e(case, golden):
    from bc import pt2e_api  # here: only the pt2e kind's tests have torchao, PT2E's home

    pt2e_api.register_ops()

    def program():
        # torch.export.load says why a file did not load, or that its format is deprecated, in warnings only.
        loaded, raised = None, []
        with _warned("torch") as said:
            try:
                loaded = golden.load("program")
            except Exception as error:  # noqa: BLE001 - what a user loading the program would meet
                raised = ["torch.export.load raised %s: %s" % (type(error).__name__, said_line(str(error)))]
        if loaded is None:
            return said + raised
        module = loaded.module()
        found = said + compare.set_differences(
            set(pt2e_api.quantize_ops(module)), set(golden.load("quantize_ops")), "quantize/dequantize ops"
        )
        return found + output(case, golden, module)

    return [("program", "program", program)]


@contextlib.contextmanager
def _hf_folder(case, golden):
    """A folder of the case's files under the names save_pretrained gives them (links), as users hold one."""
    with tempfile.TemporaryDirectory(prefix="quant-bc-folder-") as folder:
        for part, name in kinds.HF_FILE_NAMES.items():
            if part in case.parts:
                os.symlink(os.path.abspath(golden.path(part)), os.path.join(folder, name))
        yield folder


def _hf_model(case, golden):
    """A user's folder loaded as the check loads it, as a function of input ids to logits."""
    from bc import hf_api

    with _hf_folder(case, golden) as folder:
        model, drawn = hf_api.load(folder)
    if drawn:
        raise RuntimeError("from_pretrained initialized %d weights at random (the file has none under their names): "
                           "there is no output to record" % len(drawn))
    return hf_api.logits(model)


def check_huggingface(case, golden):
    """The folder as save_pretrained wrote it, loaded by AutoModelForCausalLM.from_pretrained (offline, no remote
    code), its logits on the input ids. What transformers logged while loading explains a difference, and is
    part of the observation only then."""
    from bc import hf_api  # here: only the huggingface kind's tests have transformers

    weights = next(part for part in kinds.HF_WEIGHTS.values() if part in case.parts)

    def from_pretrained():
        with _hf_folder(case, golden) as folder:
            model = failure = None
            with _warned("transformers", lambda text: hf_api.load_report(text) or said_line(text)) as said:
                try:
                    model, drawn = hf_api.load(folder)
                except Exception as error:  # noqa: BLE001 - what a user loading the folder would meet
                    failure = "from_pretrained raised %s: %s" % (type(error).__name__, said_line(str(error)))
            if failure is not None:
                lines = said + [failure]  # what was said on the way (warnings included), then what stopped it
            elif drawn:
                # Numbers drawn at random differ at every load: what is observed is that they were drawn.
                lines = said + ["from_pretrained initialized %d weights at random (the file has none under their "
                                "names): the output is not compared" % len(drawn)]
            else:
                found = output(case, golden, hf_api.logits(model))
                lines = said + found if found else []
            # The folder's name is this run's: an observation names it as <folder>.
            return [line.replace(folder, "<folder>") for line in lines]

    return [("from_pretrained", weights, from_pretrained)]


def _program_run(data):
    """A program's bytes as its users run them: a function of forward's positional inputs to its output (or outputs),
    each call a new load."""
    from bc import executorch_api

    return lambda *inputs: executorch_api.run(data, inputs)


def check_executorch(case, golden):
    """The program as ExecuTorch's users run it (executorch.runtime: load_program, load_method("forward"), execute),
    its output on the input; first, what it holds as bc/pte_files.py reads it against what executorch's
    deserializer read when it was written, and the delegates and operators it names against what this runtime
    registers."""
    from bc import executorch_api, pte_files  # here: only the executorch kind's tests have executorch

    def runtime():
        data = golden.load("program")  # the bytes the runtime gets, checked as they were read (golden_io)
        held, recorded = pte_files.contents(data), golden.load("contents")
        found = []
        for field in ("delegates", "operators"):
            found += compare.set_differences(set(held[field]), set(recorded[field]), field + " in the program")
        registered = executorch_api.registered()
        found += pte_files.problems(data, operators=registered["operators"], backends=registered["delegates"])
        try:
            return found + output(case, golden, _program_run(data))
        except Exception as error:  # noqa: BLE001 - what a user running the program would meet
            return found + ["the runtime raised %s: %s" % (type(error).__name__, said_line(str(error)))]

    return [("runtime", "program", runtime)]


# What a user's artifact loads as (bc/kinds.py, MODEL_KINDS), as its check loads it; pt2e registers its ops first.
_MODELS = {
    "torchscript": lambda case, golden: golden.load("scripted"),
    "state_dict": _state_model,
    "package": lambda case, golden: golden.load("package"),
    "torchao": _checkpoint_model,
    "pt2e": lambda case, golden: golden.load("program").module(),
    "huggingface": _hf_model,
    "executorch": lambda case, golden: _program_run(golden.load("program")),
}


def prepare(case):
    """Imports what the kind's checks use. bc/confine.py forks a child for each check: what the caller
    imported first is imported once a process, not once a check (torchao takes two seconds)."""
    if case.kind == "torchao":
        from bc import torchao_api

        if getattr(case, "config", None):
            torchao_api.import_for_loading(case.config)
    elif case.kind == "pt2e":
        from bc import pt2e_api

        pt2e_api.register_ops()
    elif case.kind == "huggingface":
        from bc import hf_api  # noqa: F401 - transformers and torchao, imported once a process
    elif case.kind == "executorch":
        from bc import executorch_api

        executorch_api.runtime()


def holds_code(case, golden):
    """True if loading the case's files runs code they hold, by design (a torch.package)."""
    return any(golden.format(part) == kinds.PACKAGE for part in case.parts)


def observe(case, golden):
    """What today's torch observes of a user's artifact ({part: value} of the case's observed parts, which its
    check compares), and every warning given while loading it; raises what loading it raises.

    `<target>.update` records these (bc/own_models/update.py).
    """
    prepare(case)
    with _warned("torch") as said:
        model = _MODELS[case.kind](case, golden)
    observed = {"expected": call(model, golden.load("input"))}
    if case.kind == "pt2e":
        from bc import pt2e_api

        observed["quantize_ops"] = pt2e_api.quantize_ops(model)
    if case.kind == "executorch":
        from bc import executorch_api

        observed["contents"] = executorch_api.contents(golden.load("program"))
    return {part: value for part, value in observed.items() if part in case.observed}, ["loading it, " + line for line in said]


def first_line(text):
    return (text.strip().splitlines() or [""])[0].strip()


# torch's C++ errors name the source line that raised them ("[enforce fail at inline_container.cc:180]"). The
# line moves with any edit of that file (180 in torch 2.13.0, 179 in 2.15.0, the same error): an observation
# keeps the file and leaves out the line, so that a record holds under every torch that says the same.
_SOURCE_LINE = re.compile(r"\b([\w/.-]+\.(?:cc|cpp|h)):\d+\b")


def said_line(text):
    """The first line of what torch (or torchao) said, as an observation holds it: without C++ source line numbers,
    and without the modules torchao searched for a class, which it lists from a set, in an order that changes
    per process."""
    return _SOURCE_LINE.sub(r"\1", first_line(text)).split(" in any of the allowed modules")[0]


@contextlib.contextmanager
def _warned(name, say=said_line):
    """Each warning given within it, logged under logger name or by the warnings module, as a problem
    line: its first line, and the exception it was logged with, if any (torch logs one it recovered
    from so). The list is complete when the block ends.

    A record stops at the first logger on its way up that does not propagate
    (torch's own, and torch.export's), so each of those gets the handler. Within
    the block it is the only one: what a warning says is in the lines, once,
    not also printed with torch's traceback of the error it recovered from.
    """
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            said = [say(record.getMessage())]
            if record.exc_info and record.exc_info[1] is not None:
                said.append("%s: %s" % (type(record.exc_info[1]).__name__, said_line(str(record.exc_info[1]))))
            lines.append("%s logged: %s" % (record.name, ": ".join(said)))

    handler = Collect(logging.WARNING)
    loggers = [logging.getLogger(name)] + [
        logger
        for child, logger in sorted(logging.root.manager.loggerDict.items())
        if child.startswith(name + ".") and isinstance(logger, logging.Logger) and not logger.propagate
    ]
    kept = {logger: list(logger.handlers) for logger in loggers}
    for logger in loggers:
        logger.handlers = [handler]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield lines
        lines.extend("warned %s: %s" % (w.category.__name__, said_line(str(w.message))) for w in caught)
    finally:
        for logger, handlers in kept.items():
            logger.handlers = handlers


def _torchao_refusal(error, path, torchao_api):
    """What torch.load's weights-only refusal of a torchao checkpoint means: the classes today's torchao lacks.

    torch's message says a global is "not allowed"; whether its class is gone,
    renamed or only unregistered is read from the file's globals, none run.
    """
    text = str(error)
    refused = [line.strip() for line in text.splitlines() if "Unsupported global" in line]
    lines = ["torch.load(weights_only=True) refused it: %s" % (refused[0].split(" was not")[0] if refused else text.splitlines()[-1])]
    for name, why in torchao_api.absent(pickles.torch_save_globals(path)).items():
        lines.append("today's torchao cannot give %s: %s" % (name, why))
    return lines


def _heading(case, corpus, engine):
    return "%s, under engine %s" % (case.heading(corpus), engine or case_table.ENGINE_INDEPENDENT)


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
