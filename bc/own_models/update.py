"""Main of every `<target>.update` (bc/own_models/defs.bzl): records one artifact of yours under the current lock.

    bazel run //pkg:name.update [-- --force]
    bazel run //pkg:name.update -- --record VERDICT --reason TEXT [--first-failing RELEASE]

Verifies the files the target names (the same checks, and errors, as a test
of the suite's files); where it has something to observe, loads the artifact
as its test does (never a torch.package: a package target gives `expected`);
and writes into the target's package, all or nothing
(bc/corpus/case_writer.py): what the current torch observes of it
(<name>.expected.pt unless the target gives `expected`; <name>.quantize_ops.pt
for a pt2e program) and manifest/<name>.json (every file's sha256 and
format, and what recorded them). A target already recorded is left alone
without --force. Where the current torch cannot load the artifact, the
manifest records the observed parts as unobserved, with why, and the test
shows what loading it does.

--record runs the target's test's checks and writes each observation no
record explains into differences/<name>.json, with the verdict, reason and
first failing release given: the record the test then holds the observation
to (docs/own-models.md).
"""

import argparse
import base64
import contextlib
import io
import json
import os
import platform
import sys
import tempfile

from bc import kinds, warning_filters


def _enter_kind_environment():
    """What .update observes is what the test will compare: under the variables its kind is checked under, set
    before torch loads (bc/kinds.py). A spec this cannot read is left to main(), which says what is wrong."""
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            kinds.enter_environment(json.load(f).get("kind"))
    except (IndexError, OSError, ValueError, AttributeError):
        return


if __name__ == "__main__":
    _enter_kind_environment()
warning_filters.silence()

import torch  # noqa: E402

from bc import case_table, checks, confine, engines, golden_io, harness, manifest, model_case, torch_api  # noqa: E402
from bc.corpus import case_writer, cpu_record  # noqa: E402


@confine.passes_back
class UpdateError(Exception):
    """What stops an update: names the target, the file and the remedy."""


def _environment():
    """sha256 of the locked pins the running environment was installed from (its repository's environment.txt)."""
    pins = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(torch.__file__))), "environment.txt")
    return manifest.sha256(pins) if os.path.isfile(pins) else None


def _producer(case, engine):
    producer = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "engine": engine or torch.backends.quantized.engine,
        "instruction_set": torch_api.cpu_capability(),
        "cpu": cpu_record.host_cpu(),
        "environment_sha256": _environment(),
        "given": [case.golden_name(part) for part in case.given],
    }
    torchao = sys.modules.get("torchao")
    if torchao is not None:
        producer["torchao"] = torchao.__version__
    return producer


def _refuse_overwrite(case, golden, force):
    recorded = [
        path
        for path in [manifest.manifest_path(golden.directory, case.name)] + [golden.path(part) for part in case.observed]
        if os.path.lexists(path)
    ]
    if recorded and not force:
        raise UpdateError(
            "%s is recorded already (%s). Its test says whether the current torch still reads it as recorded; "
            "to record it again under this lock, replacing those files: %s"
            % (case.label, ", ".join(recorded), case.rewrite_command(golden.directory, "--force"))
        )


def _refuse_outside(workspace, paths):
    """A write whose real folder leaves the workspace (a linked folder in the package) is refused, naming it."""
    root = os.path.realpath(workspace)
    for path in paths:
        folder = os.path.realpath(os.path.dirname(path))
        if os.path.commonpath([root, folder]) != root:
            raise UpdateError(
                "%s would be written in %s, outside the workspace %s (a linked folder on the way): .update writes only "
                "into the workspace. Replace the link with a folder, or declare the target where its files are."
                % (path, folder, root))


def _observe(case, golden):
    """In a confined child (bc/confine.py), which may write nothing: the files verified, the artifact loaded as
    its test loads it; returns the notes of loading it, each observed value as torch.save's bytes (base64), which
    the caller writes itself (nothing the child leaves on disk is trusted), and why the artifact could not be
    loaded (None if it was)."""
    golden.verify_unrecorded(
        case.given, "These are the files %s names: fix them, or the target's attributes." % case.label
    )
    if not case.observed:  # nothing given is loaded otherwise: the test loads it, under the loading policy, confined
        return [], {}, None
    engine = case.engines[0] if case.engines else None
    with engines.engine(engine) if engine else contextlib.nullcontext():
        try:
            observed, notes = checks.observe(case, golden)
        except Exception as error:  # noqa: BLE001 - what loading the artifact raised: the verdict the test shows
            if confine.explain(error):  # a file that asks for more than the cap is refused, not recorded
                raise UpdateError("%s: %s asks for more memory than a load may take (%s: %s%s)" % (
                    case.label, golden.path(model_case.artifact_part(case.kind)), type(error).__name__,
                    checks.first_line(str(error)), confine.explain(error))) from None
            return [], {}, "%s: %s" % (type(error).__name__, checks.first_line(str(error)))
    saved = {}
    for part, value in observed.items():
        buffer = io.BytesIO()
        torch.save(value, buffer)
        saved[part] = base64.b64encode(buffer.getvalue()).decode("ascii")
    return notes, saved, None


def update(case, directory, force, workspace=None):
    """Writes the case's observed files and manifest into directory (within workspace, where given); returns the
    lines to print."""
    golden = golden_io.GoldenSet(case, directory)
    writer = case_writer.CaseWriter(directory, case)
    if workspace is not None:
        _refuse_outside(workspace, [os.path.join(directory, name) for name in case.golden_names()]
                        + [manifest.manifest_path(directory, case.name), writer.marker])
    if writer.read_marker() is not None:
        writer.roll_back()  # an earlier .update was interrupted: the files are put back as they were before it
    _refuse_overwrite(case, golden, force)
    engine = case.engines[0] if case.engines else None
    if engine and engine not in engines.supported_engines():
        raise UpdateError("%s runs under %s first, which this torch build does not support (it supports %s): record "
                          "it where it does, or list a supported engine first" % (case.label, engine,
                                                                                  engines.supported_engines()))
    checks.prepare(case)
    with tempfile.TemporaryDirectory() as scratch:
        given = [golden.path(part) for part in case.given]
        notes, saved, unloadable = confine.call(lambda: _observe(case, golden), reads=[directory] + given,
                                                what="%s (%s)" % (case.label, ", ".join(given)),
                                                holds_code=checks.holds_code(case, golden))
        sources = {}
        for part in saved:
            sources[case.golden_name(part)] = os.path.join(scratch, part + ".pt")
            with open(sources[case.golden_name(part)], "wb") as f:
                f.write(base64.b64decode(saved[part]))
        paths = {name: sources.get(name, os.path.join(directory, name)) for name in case.golden_names()
                 if not (unloadable and name in map(case.golden_name, case.observed))}
        record = manifest.for_paths(case, paths, origin="%s.update" % case.label, producer=_producer(case, engine))
        if unloadable:
            stale = [golden.path(part) for part in case.observed if os.path.lexists(golden.path(part))]
            if stale:
                raise UpdateError(
                    "%s: torch %s cannot load %s (%s), and the observations an earlier torch recorded remain (%s). "
                    "Delete them to record the target as this torch sees it, or record it under the earlier lock."
                    % (case.label, torch.__version__, golden.path(model_case.artifact_part(case.kind)), unloadable,
                       ", ".join(stale)))
            record.unobserved = {case.golden_name(part): unloadable for part in case.observed}
        sources[manifest.manifest_path("", case.name)] = os.path.join(scratch, "manifest.json")
        manifest.write(sources[manifest.manifest_path("", case.name)], record)
        writer.write(sources)
    lines = ["wrote %s" % os.path.join(directory, name) for name in sorted(sources)]
    if unloadable:
        lines.append(
            "note: torch %s cannot load %s (%s), so %s records no %s. Its test shows that verdict; record it with "
            "`%s -- --record VERDICT --reason TEXT` (docs/own-models.md)."
            % (torch.__version__, golden.path(model_case.artifact_part(case.kind)), unloadable,
               manifest.manifest_path(directory, case.name), ", ".join(sorted(record.unobserved)), case.writer))
    lines += ["note: under torch %s, %s" % (torch.__version__, line) for line in dict.fromkeys(notes)]
    return lines


def _overlap(one, other):
    return not one["engines"] or not other["engines"] or bool(set(one["engines"]) & set(other["engines"]))


def record(case, directory, verdict, reason, first_failing):
    """Writes what the target's test observes under each of its engines, and no record explains, into its
    differences/<name>.json, with verdict, reason and first_failing; a record whose observation disappeared goes.
    directory: the package, named as the test names it (observations name files). Returns the lines to print."""
    if verdict not in case_table.VERDICTS:
        raise UpdateError("--record %s: a verdict is one of %s (docs/compatibility.md)"
                          % (verdict, ", ".join(case_table.VERDICTS)))
    if not reason or not reason.strip():
        raise UpdateError("--record needs --reason TEXT: why the current torch does this with the artifact, with "
                          "the release or pull request behind it where you know it")
    path = model_case.records_path(directory, case.name)
    kept = model_case.read_records(path)
    run = harness.CaseInCorpus(case, case.label, directory=directory)
    observed = {}  # loader -> {engine: observation}
    gone = []
    for engine in case.engines or (None,):
        if engine and engine not in engines.supported_engines():
            continue  # as the test skips it
        outcomes = []
        try:
            run.check(engine, harness.RECORDED, outcomes=outcomes)
        except (golden_io.GoldenError, confine.Stopped) as refused:
            raise UpdateError("%s: refused before any check ran, which is not a difference to record:\n%s"
                              % (case.label, refused)) from None
        for outcome in (o for o in outcomes if o["result"] == "fail"):
            applied = outcome["record"]
            if applied is not None and _stripped(applied) not in kept:
                raise UpdateError("%s: the observation of loader %s moved from the record in the target's "
                                  "`differences` attribute; edit that record in the BUILD file (or remove it and "
                                  "run --record again)" % (case.label, outcome["loader"]))
            if outcome["observed"]:
                observed.setdefault(outcome["loader"], {})[engine] = outcome["observed"]
            else:
                gone.append(_stripped(applied))
    new = []
    for loader, by_engine in sorted(observed.items()):
        if len(set(by_engine.values())) == 1 and len(by_engine) == len(case.engines or (None,)):
            by_engine = {None: next(iter(by_engine.values()))}
        for engine, text in sorted(by_engine.items(), key=lambda item: item[0] or ""):
            new.append({"engines": [engine] if engine else [], "loader": loader, "observed": text,
                        "reason": reason.strip(), "verdict": verdict, "first_failing": first_failing})
    if not new and not gone:
        raise UpdateError("%s: its test observes nothing that its records do not explain under torch %s: nothing "
                          "to record" % (case.label, torch.__version__))
    kept = [r for r in kept if r not in gone and not any(r["loader"] == n["loader"] and _overlap(r, n) for n in new)]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    manifest.write_atomically(path, json.dumps(kept + new, indent=2, sort_keys=True) + "\n")
    lines = ["recorded in %s, loader %s%s: %s" % (path, r["loader"], " (%s)" % r["engines"][0] if r["engines"] else "",
                                                  checks.first_line(r["observed"])) for r in new]
    return lines + ["removed from %s, loader %s: its observation disappeared" % (path, r["loader"]) for r in gone]


def _stripped(applied):
    """A record as the test applied it, as its file holds it: without the corpora model_case adds."""
    return {key: value for key, value in applied.items() if key != "corpora"}


def main(argv):
    parser = argparse.ArgumentParser(prog="bazel run <target>.update --", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spec", help="the target's spec (<name>.model.json), given by the target")
    parser.add_argument("--force", action="store_true", help="record again a target already recorded")
    parser.add_argument("--record", metavar="VERDICT", choices=case_table.VERDICTS,
                        help="write what the test observes into differences/<name>.json with this verdict (%s)"
                        % ", ".join(case_table.VERDICTS))
    parser.add_argument("--reason", help="--record's reason: why, with the release or pull request behind it")
    parser.add_argument("--first-failing", default="not bisected",
                        help="--record's first failing release, as `bazel run @quant_bc//bc:bisect` names it")
    args = parser.parse_args(argv)
    if args.reason is not None and not args.record:
        parser.error("--reason goes with --record VERDICT")
    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY")
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    if not workspace:
        raise UpdateError("%s.update writes into the source tree: run it with `bazel run`." % spec.get("label"))
    directory = os.path.join(workspace, spec.get("package", ""))
    try:
        case = model_case.load(args.spec, directory)
    except model_case.SpecError as error:
        raise UpdateError(str(error)) from None
    with case_writer.exclusive(os.path.join(workspace, manifest.GOLDEN_DIR)):
        if args.record:
            _refuse_outside(workspace, [model_case.records_path(directory, case.name)])
            if not os.path.lexists(manifest.manifest_path(directory, case.name)):
                for line in update(case, directory, False, workspace):
                    print(line)
            # From the workspace's root, the files named as the test names them (its package, from the root of
            # its runfiles): an observation that names a file is then the test's, word for word.
            os.chdir(workspace)
            lines = record(case, case.package, args.record, args.reason, args.first_failing)
        else:
            lines = update(case, directory, args.force, workspace)
        for line in lines:
            print(line)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (UpdateError, golden_io.GoldenError, case_writer.CaseWriterError, confine.Stopped) as error:
        sys.exit("update: %s" % error)
