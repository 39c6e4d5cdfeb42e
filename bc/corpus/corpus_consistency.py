"""Corpus-wide consistency of serialized/: every file belongs to a case, every
case has its files, every manifest names files that exist.

Per-case tests check their own files; this catches what no per-case test can
see: files no case uses (a typo in a copied name), manifests of unknown cases,
cases with nothing at all, leftovers of an interrupted regenerate, files that
are not regular files of the corpus (a symlink out of it, a pipe), and files
whose format (bc/formats.py) is not what their manifest records or not what
their case promises (conv_version in bc/cases.bzl).
"""

import os

from bc import formats, manifest


from bc.corpus import case_writer


def _files(golden_dir, other_corpora):
    found = set()
    for root, dirs, files in os.walk(golden_dir):
        dirs[:] = [d for d in dirs if d != case_writer.STAGING and not (root == golden_dir and d in other_corpora)]
        for name in files:
            found.add(os.path.relpath(os.path.join(root, name), golden_dir))
    return found


def _format_problems(golden_dir, case, recorded, readable, promises):
    """Files whose format is not what their manifest records, or not what the case promises."""
    found = []
    for name in case.golden_names():
        if name not in readable:
            continue
        try:
            file_format = formats.read_format(os.path.join(golden_dir, name))
        except formats.FormatError as error:
            found.append("%s: %s: %s" % (case.name, name, error))
            continue
        recorded_format = recorded.formats.get(name)
        if recorded_format is None:
            found.append(
                "%s: its manifest records no format for %s (it holds %s); record it with `%s`"
                % (case.name, name, formats.summary(file_format), manifest.regenerate_command("--adopt", case.name))
            )
        elif recorded_format != file_format:
            found.append(
                "%s: %s holds %s, but its manifest records %s"
                % (case.name, name, formats.summary(file_format), formats.summary(recorded_format))
            )
        if promises and case.conv_version and file_format.get("container") == "TorchScript":
            broken = formats.conv_promise_problem(file_format, case.conv_version)
            if broken:
                found.append("%s: %s breaks the case's promise: %s" % (case.name, name, broken))
    return found


def _manifest_problems(golden_dir, case, manifest_file, present, readable, promises):
    try:
        recorded = manifest.read(os.path.join(golden_dir, manifest_file))
    except manifest.ManifestError as error:
        return ["%s: %s" % (case.name, error)]
    found = _format_problems(golden_dir, case, recorded, readable, promises)
    for name in recorded.files:
        if name not in case.golden_names():
            found.append("%s: manifest names %s, which is not one of the case's files" % (case.name, name))
        elif name not in present:
            found.append("%s: manifest names %s, which does not exist" % (case.name, name))
    return found


def _placement_problems(golden_dir, present, source_root):
    """{file: why} for files that are not regular files of the corpus (bc/manifest.py's placement rule)."""
    found = {}
    for name in sorted(present):
        problem = manifest.placement_problem(os.path.join(golden_dir, name), os.path.join(source_root, name))
        if problem:
            found[name] = (
                "%s: %s; a golden file must be the file itself: replace it with the file, or remove it."
                % (name, problem)
            )
    return found


def problems(golden_dir, table, ignored=(), source_root=None, other_corpora=(), promises=True):
    """Every inconsistency of the corpus in golden_dir, one line each.

    table: the cases the corpus holds. source_root: the directory the
    corpus's files really are in (in a test's runfiles, where its symlinks
    lead); golden_dir itself by default. other_corpora: folders of golden_dir
    that are corpora of their own (past releases'). promises: hold files to
    what their case's name promises (today's corpus; a past release's holds
    what its torch wrote).
    """
    present = _files(golden_dir, other_corpora) - set(ignored)
    misplaced = _placement_problems(golden_dir, present, os.path.realpath(source_root or golden_dir))
    found = list(misplaced.values())
    readable = present - set(misplaced)
    for case in table:
        names = case.golden_names()
        manifest_file = manifest.manifest_path("", case.name)
        present_golden = [n for n in names if n in present]
        if not present_golden and manifest_file not in present:
            found.append(
                "%s: the case has no golden files; generate them with `%s`"
                % (case.name, manifest.regenerate_command(case.name))
            )
        elif manifest_file not in present:
            found.append(
                "%s: golden files but no manifest; record them with `%s`"
                % (case.name, manifest.regenerate_command("--adopt", case.name))
            )
        else:
            found.extend(_manifest_problems(golden_dir, case, manifest_file, present, readable, promises))
        present -= set(names) | {manifest_file}
    for leftover in case_writer.unfinished(golden_dir):
        found.append(
            "%s: an interrupted `%s` left it half-written; run `%s` to roll it back"
            % (leftover, manifest.REGENERATE, manifest.REGENERATE)
        )
        marker = manifest.pending_path("", leftover)
        present -= {marker, marker + manifest.SCRATCH_SUFFIX, manifest.manifest_path("", leftover) + manifest.SCRATCH_SUFFIX}
    for orphan in sorted(present):
        found.append("%s: no case uses this file (names are TestSerialization.<case>.<part>.pt)" % orphan)
    return found
