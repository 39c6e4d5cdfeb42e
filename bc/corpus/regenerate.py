"""Writes generated golden files into the source tree: `bazel run //bc:regenerate`.

    bazel run //bc:regenerate -- [CASE...] [--force] [--check]
    bazel run //bc:regenerate -- --adopt [--origin TEXT] [CASE...]
    bazel run //bc:regenerate -- --release 1.6.0 [CASE...] [--force | --check]

Golden files are the frozen record of the past. Without --force it writes only
files that do not exist yet; for a case that is only partly present it
restores the missing files only if the present ones are exactly what the
pinned configuration produces now, and refuses otherwise. No CASE means every
case.

  --force   overwrite the named cases (every case without CASE)
  --check   write nothing; list each committed file that differs from what the
            pinned configuration produces now; exit 1 if any does
  --adopt   write nothing but manifests: record the digests of the files
            present in serialized/ (e.g. copied from PyTorch's
            test/quantization/serialized), with --origin saying where from;
            a case with a file its test would refuse before any check
            (empty, truncated, not a torch file, over the size cap, a pickle
            naming code outside the loading policy) is refused, nothing
            recorded
  --release the corpus of a past release (bc/releases.bzl), serialized/<release>/

The generators of the named cases (generate_<case>, generate_<case>_<release>)
are built first, by a `bazel build` of those targets only; --adopt builds none.
Each case is written all-or-nothing (bc/corpus/case_writer.py); an interrupted earlier
run is rolled back first.
"""

import argparse
import errno
import filecmp
import os
import subprocess
import sys

from bc import case_table, confine, corpora, formats, kinds, manifest, warning_filters
from bc.corpus import case_writer, cpu_record, ulps

GENERATED_DIR = os.path.join("bc", "generated")  # the generators' outputs, under bazel-bin: <corpus>/<case>/


class Refusal(Exception):
    pass


def generated_case(generated_root, case):
    """Where the case's generator wrote its files, laid out like serialized/."""
    return os.path.join(generated_root, case.name)


def differing(case, generated_root, golden_dir):
    """Files of the case in golden_dir that are missing, not regular files, or differ from the generated ones."""
    generated_dir = generated_case(generated_root, case)
    found = []
    for name in manifest.case_files(case):
        committed = os.path.join(golden_dir, name)
        kind = manifest.file_type(committed)
        if kind is None:
            found.append((name, "missing"))
        elif kind != "file":
            found.append((name, "is a " + kind))
        elif not _same(name, committed, os.path.join(generated_dir, name)):
            found.append((name, "differs"))
    return found


def _same(name, committed, generated):
    if name.endswith(".json"):
        return manifest.same_record(committed, generated)
    return filecmp.cmp(committed, generated, shallow=False)


def _not_regular(case, golden_dir):
    """Refusal if a file of the case is a directory, symlink or special file: never read or replaced."""
    kinds = {os.path.join(golden_dir, n): manifest.file_type(os.path.join(golden_dir, n)) for n in manifest.case_files(case)}
    odd = ["%s is a %s" % (path, kind) for path, kind in kinds.items() if kind not in (None, "file")]
    if odd:
        raise Refusal(
            "%s: not regular files:\n  %s\nA golden file must be the file itself, in serialized/. Remove them "
            "(`rm -r PATH`) or restore them from version control, then run `%s` again."
            % (case.name, "\n  ".join(odd), manifest.regenerate_command(case.name))
        )


def _part_of(case, name):
    """'input' for TestSerialization.<case>.input.pt, 'config' for its config.json, 'manifest' for the manifest."""
    return {case.golden_name(part): part for part in case.parts}.get(name, "manifest")


def plan(case, generated_root, golden_dir, force):
    """The files to write for one case ([] = nothing to do), or Refusal."""
    _not_regular(case, golden_dir)
    if force:
        return manifest.case_files(case)
    golden = case.golden_names()
    present = [n for n in golden if manifest.file_type(os.path.join(golden_dir, n)) == "file"]
    if not present:
        return manifest.case_files(case)
    if len(present) == len(golden):
        return []  # complete: the frozen record stays as it is
    drifted = [n for n, why in differing(case, generated_root, golden_dir) if why == "differs" and n in golden]
    if drifted:
        raise Refusal(
            "%s is partly present and its present files are not what the pinned configuration "
            "produces now:\n  %s\nRestoring the missing ones would mix two generations; refusing. "
            "Overwrite the whole case with:  %s"
            % (case.name, "\n  ".join(drifted), manifest.regenerate_command("--force", case.name))
        )
    # The present files are the generated ones: the generated manifest covers them all. It replaces the
    # committed one only if that records something else than which CPU wrote the files.
    restored = [n for n in golden if n not in present]
    name = manifest.manifest_path("", case.name)
    if manifest.same_record(os.path.join(generated_case(generated_root, case), name), os.path.join(golden_dir, name)):
        return restored
    return restored + [name]


def regenerate(cases, generated_root, golden_dir, force, report=print, table=None):
    """Writes each case's planned files; returns the number of refused cases.

    table: every case, whose interrupted writes are rolled back first.
    """
    case_writer.recover(golden_dir, table or case_table.load_table(), report)
    refused = 0
    for case in cases:
        try:
            names = plan(case, generated_root, golden_dir, force)
        except Refusal as refusal:
            report("REFUSED " + str(refusal))
            refused += 1
            continue
        if not names:
            report("%s: present, left as it is" % case.name)
            continue
        case_writer.CaseWriter(golden_dir, case).write(
            {name: os.path.join(generated_case(generated_root, case), name) for name in names}
        )
        report("%s: wrote %s" % (case.name, ", ".join(_part_of(case, n) for n in names)))
    return refused


def check(cases, generated_root, golden_dir, report=print):
    """Reports every committed file that differs from the generated one; returns their count.

    A golden file that differs is measured (bc/corpus/ulps.py); when the files were
    written on another CPU than this one, the first line says so.
    """
    found = [(case, name, why) for case in cases for name, why in differing(case, generated_root, golden_dir)]
    drifted = [case for case in cases if any(c is case and n.endswith(".pt") and w == "differs" for c, n, w in found)]
    cpus = _writing_cpus(drifted, generated_root, golden_dir) if drifted else None
    if cpus:
        report(cpus)
    for case, name, why in found:
        line = "%s %s" % (why.upper(), os.path.join(golden_dir, name))
        if why == "differs" and name.endswith(".pt"):
            generated = os.path.join(generated_case(generated_root, case), name)
            line += ": " + ulps.summary(ulps.distance(os.path.join(golden_dir, name), generated))
        report(line)
    report("%d file(s) differ from what the pinned configuration produces now" % len(found))
    return len(found)


def _writing_cpus(cases, generated_root, golden_dir):
    """A line naming this CPU and the ones that wrote the cases' committed files, where they differ; else None.

    This CPU is the one the generators' manifests name (one build writes them all).
    """
    here = manifest.written_on(manifest.manifest_path(generated_case(generated_root, cases[0]), cases[0].name))
    committed = [manifest.written_on(manifest.manifest_path(golden_dir, case.name)) for case in cases]
    others = sorted({cpu_record.one_line(cpu) for cpu in committed if cpu != here})
    if not others:
        return None
    return (
        "this CPU, %s, is not the CPU that wrote these files (%s): the pins of bc/corpus/pinned.py should make the "
        "bytes independent of the CPU, and here they are not. How far apart each file is follows; "
        "docs/reproducibility.md says how to find the kernel." % (cpu_record.one_line(here), "; ".join(others))
    )


def adopt(cases, golden_dir, origin, report=print, table=None):
    """Records the digests of the files present; returns the number of refused cases.

    A case with a file that its test would refuse before checking anything
    is refused whole. A sound file that today's torch no longer loads, or
    computes differently from, is recorded: that is how an old file enters,
    and the test then reports the difference.
    """
    case_writer.recover(golden_dir, table or case_table.load_table(), report)
    refused = 0
    for case in cases:
        try:
            record = manifest.for_files(golden_dir, case, origin, producer={})
        except manifest.ManifestError as error:
            report("REFUSED %s: %s" % (case.name, error))
            refused += 1
            continue
        if not record.files:
            report("%s: no files in %s, no manifest written" % (case.name, golden_dir))
            continue
        present = [part for part in case.parts if case.golden_name(part) in record.files]
        paths = [os.path.join(golden_dir, case.golden_name(part)) for part in present]
        try:
            # Files from elsewhere, read under the caps of a load (bc/confine.py): the CPU time is adoption's deadline.
            unsound = confine.call(
                lambda: [problem for problem in (_adoption_problem(case, golden_dir, part) for part in present) if problem],
                reads=paths, what=", ".join(paths))
        except confine.Stopped as stopped:
            unsound = [str(stopped)]
        if unsound:
            report(
                "REFUSED %s: not adopted, nothing recorded; its test would refuse these files before any check:\n  %s\n"
                "Replace them with sound files from a source you trust (or restore them from version control), "
                "then run the command again." % (case.name, "\n  ".join(unsound))
            )
            refused += 1
            continue
        path = manifest.manifest_path(golden_dir, case.name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        manifest.write(path, record)
        report("%s: adopted %d file(s) (%s)" % (case.name, len(record.files), origin))
    return refused


def _adoption_problem(case, golden_dir, part):
    """Why a golden file would be refused before any check ran, found without running any of it; or None.

    What GoldenSet.verify refuses besides a digest (the container, zip members
    over the size cap, for a part that loads weights-only a global outside
    the allowlist: named here from the pickles, where the test leaves the
    refusal to torch's loader; for a program, anything torch.export.load could
    run), and a format bc/formats.py cannot read, which
    //serialized:consistency_test refuses.
    """
    # Imported here: golden_io imports torch, a second or more of every regenerate (and of each of
    # tests/test_hostile_inputs.py's concurrent writers) that only adoption needs.
    warning_filters.silence()
    from bc import golden_io

    path = os.path.join(golden_dir, case.golden_name(part))
    format = kinds.KINDS[case.kind].format_of(part)
    if format in golden_io.READER_FORMATS:
        problem = golden_io.reader_problem(path, format)
        return "%s: %s" % (path, problem) if problem else None
    problem = golden_io.format_problem(path)
    if problem is None:
        try:
            formats.read_format(path)
            if format == kinds.PT2:
                problem = golden_io.program_problem(path)
            elif format not in (kinds.SCRIPT, kinds.PACKAGE):
                outside = golden_io.outside_policy(path, format)
                if outside:
                    problem = (
                        "unsafe: loading it would call code outside the weights-only allowlist (%s); refused "
                        "without running it" % ", ".join(outside)
                    )
        except formats.FormatError as error:
            problem = str(error)
        except Exception as error:  # noqa: BLE001 - a damaged pickle fails in many ways, as in golden_io's loader
            problem = "truncated or corrupt (%s: %s)" % (type(error).__name__, error)
    return "%s: %s" % (path, problem) if problem else None


def main(argv):
    parser = argparse.ArgumentParser(
        prog=manifest.REGENERATE + " --",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("cases", nargs="*", metavar="CASE")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--force", action="store_true")
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--adopt", action="store_true")
    parser.add_argument("--origin", default="adopted")
    parser.add_argument("--release", help="a past release of bc/releases.bzl: its corpus, serialized/<release>/")
    args = parser.parse_args(argv)

    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY")
    if not workspace:
        parser.error("run it with `%s`: it writes into the source tree" % manifest.regenerate_command("..."))
    table = case_table.load_table()
    try:
        corpus = corpora.get(args.release or corpora.TODAY)
        cases = [table[name] for name in args.cases] or [case for case in table if corpus.holds(case)]
    except case_table.TableError as error:
        parser.error(str(error))
    not_held = ["%s (%s)" % (case.name, corpus.why_not(case)) for case in cases if not corpus.holds(case)]
    if not_held:
        parser.error("the %s corpus does not hold %s" % (corpus.name, "; ".join(not_held)))
    if not corpus.is_today:
        table = case_table.Table(
            cases={case.name: case for case in table if corpus.holds(case)}, qengines=table.qengines
        )
    golden_dir = os.path.join(workspace, corpus.directory)

    try:
        # One lock per checkout, whichever corpus is written.
        with case_writer.exclusive(os.path.join(workspace, manifest.GOLDEN_DIR)):
            generated_root = None if args.adopt else build_generators(workspace, corpus, cases)
            return _run(args, table, cases, golden_dir, generated_root)
    except case_writer.Interrupted as interrupted:
        print("interrupted by %s; the case being written was rolled back" % interrupted, file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        # Outside a case's write (building the generators, waiting for the lock, between cases).
        print(
            "interrupted by SIGINT between writes: the cases reported above as written are whole, the others "
            "untouched. Run the command again to finish.",
            file=sys.stderr,
        )
        return 130
    except (case_writer.CaseWriterError, BuildFailed) as error:
        print("REFUSED %s" % error, file=sys.stderr)
        return 2
    except OSError as error:
        print("REFUSED " + _write_failure(error, golden_dir), file=sys.stderr)
        return 2


_REMEDIES = {
    errno.EROFS: "serialized/ is on a read-only file system: regenerate in a writable checkout",
    errno.EACCES: "make serialized/ writable for this user",
    errno.EPERM: "make serialized/ writable for this user",
    errno.ENOSPC: "free disk space",
    errno.EDQUOT: "free disk space (the quota is used up)",
}


def _write_failure(error, golden_dir):
    return (
        "regenerate could not write %s: %s. The case being written was rolled back and nothing is left "
        "half-written. Remedy: %s, then run the command again."
        % (
            error.filename or golden_dir,
            error.strerror or error,
            _REMEDIES.get(error.errno, "see the error above"),
        )
    )


def _run(args, table, cases, golden_dir, generated_root):
    if args.adopt:
        return 1 if adopt(cases, golden_dir, args.origin, table=table) else 0
    if args.check:
        return 1 if check(cases, generated_root, golden_dir) else 0
    return 1 if regenerate(cases, generated_root, golden_dir, args.force, table=table) else 0


class BuildFailed(Exception):
    pass


def _output_base():
    """The output base this binary was built in, read off its runfiles path (a `bazel run` may name one)."""
    here = os.path.abspath(__file__)
    return here.split("/execroot/")[0] if "/execroot/" in here else None


def build_generators(workspace, corpus, cases):
    """Builds the generators of the cases in one corpus (those targets only); returns the folder of their outputs.

    Only what is asked for is built, and so fetched: a past release's
    environment for --release only, one generator for one case.
    `bazel run` has released the server by the time this runs, so a second
    Bazel command in the same output base does not wait for it.
    """
    bazel = [os.path.join(workspace, "tools", "bazel")]
    if _output_base():
        bazel.append("--output_base=" + _output_base())
    targets = [corpus.generator(case) for case in cases]
    print("building %d generator(s) of the %s corpus: bazel build %s" % (len(targets), corpus.name, " ".join(targets)),
          file=sys.stderr)
    built = subprocess.run(bazel + ["build"] + targets, cwd=workspace)
    if built.returncode != 0:
        raise BuildFailed(
            "building the generators of torch %s failed (exit %d); Bazel's message is above. Nothing was written."
            % (corpus.name, built.returncode)
        )
    bin_dir = subprocess.run(bazel + ["info", "bazel-bin"], cwd=workspace, capture_output=True, text=True, check=True)
    return os.path.join(bin_dir.stdout.strip(), GENERATED_DIR, corpus.name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
