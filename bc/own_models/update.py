"""Main of every `<target>.update` (bc/own_models/defs.bzl): records one artifact of yours under the current lock.

    bazel run //pkg:name.update [-- --force]

Verifies the files the target names (the same checks, and errors, as a test
of the suite's files); where it has something to observe, loads the artifact
as its test does (never a torch.package: a package target gives `expected`);
and writes into the target's package, all or nothing
(bc/corpus/case_writer.py): what the current torch observes of it
(<name>.expected.pt unless the target gives `expected`; <name>.quantize_ops.pt
for a pt2e program) and manifest/<name>.json (every file's sha256 and
format, and what recorded them). A target already recorded is left alone
without --force.
"""

import argparse
import base64
import contextlib
import io
import os
import platform
import sys
import tempfile

from bc import warning_filters

warning_filters.silence()

import torch  # noqa: E402

from bc import checks, confine, engines, golden_io, manifest, model_case, torch_api  # noqa: E402
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
    its test loads it; returns the notes of loading it and each observed value as torch.save's bytes (base64),
    which the caller writes itself: nothing the child leaves on disk is trusted."""
    golden.verify_unrecorded(
        case.given, "These are the files %s names: fix them, or the target's attributes." % case.label
    )
    if not case.observed:  # nothing given is loaded otherwise: the test loads it, under the loading policy, confined
        return [], {}
    engine = case.engines[0] if case.engines else None
    with engines.engine(engine) if engine else contextlib.nullcontext():
        try:
            observed, notes = checks.observe(case, golden)
        except Exception as error:  # noqa: BLE001 - what loading the artifact raised, for the user
            raise UpdateError(
                "%s: the current torch cannot load %s (%s: %s%s), so it cannot record %s. Record the target under "
                "a lock whose torch loads it (the one that wrote it), then test it under this one%s."
                % (case.label, golden.path(model_case.artifact_part(case.kind)), type(error).__name__,
                   checks.first_line(str(error)), confine.explain(error),
                   ", ".join(golden.path(part) for part in case.observed),
                   "; or give the output saved with the artifact as `expected`" if case.observed == ("expected",)
                   else "")
            ) from None
    saved = {}
    for part, value in observed.items():
        buffer = io.BytesIO()
        torch.save(value, buffer)
        saved[part] = base64.b64encode(buffer.getvalue()).decode("ascii")
    return notes, saved


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
        notes, saved = confine.call(lambda: _observe(case, golden), reads=[directory] + given,
                                    what="%s (%s)" % (case.label, ", ".join(given)),
                                    holds_code=checks.holds_code(case, golden))
        sources = {}
        for part in case.observed:
            sources[case.golden_name(part)] = os.path.join(scratch, part + ".pt")
            with open(sources[case.golden_name(part)], "wb") as f:
                f.write(base64.b64decode(saved[part]))
        paths = {name: sources.get(name, os.path.join(directory, name)) for name in case.golden_names()}
        record = manifest.for_paths(case, paths, origin="%s.update" % case.label, producer=_producer(case, engine))
        sources[manifest.manifest_path("", case.name)] = os.path.join(scratch, "manifest.json")
        manifest.write(sources[manifest.manifest_path("", case.name)], record)
        writer.write(sources)
    lines = ["wrote %s" % os.path.join(directory, name) for name in sorted(sources)]
    lines += ["note: under torch %s, %s" % (torch.__version__, line) for line in dict.fromkeys(notes)]
    return lines


def main(argv):
    parser = argparse.ArgumentParser(prog="bazel run <target>.update --", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spec", help="the target's spec (<name>.model.json), given by the target")
    parser.add_argument("--force", action="store_true", help="record again a target already recorded")
    args = parser.parse_args(argv)
    try:
        case = model_case.load(args.spec)
    except model_case.SpecError as error:
        raise UpdateError(str(error)) from None
    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY")
    if not workspace:
        raise UpdateError("%s.update writes into the source tree: run it with `bazel run`." % case.label)
    with case_writer.exclusive(os.path.join(workspace, manifest.GOLDEN_DIR)):
        for line in update(case, os.path.join(workspace, case.package), args.force, workspace):
            print(line)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (UpdateError, golden_io.GoldenError, case_writer.CaseWriterError, confine.Stopped) as error:
        sys.exit("update: %s" % error)
