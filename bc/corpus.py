"""Corpus-wide consistency of serialized/: every file belongs to a case, every
case has its files, every manifest names files that exist.

Per-case tests check their own files; this catches what no per-case test can
see: files no case uses (a typo in a copied name), manifests of unknown cases,
cases with nothing at all, and leftovers of an interrupted regenerate.
"""

import os
import stat

from bc import journal, manifest


def _files(golden_dir):
    found = set()
    for root, dirs, files in os.walk(golden_dir):
        dirs[:] = [d for d in dirs if d != journal.STAGING]
        for name in files:
            found.add(os.path.relpath(os.path.join(root, name), golden_dir))
    return found


def _manifest_problems(golden_dir, case, manifest_file, present):
    try:
        recorded = manifest.read(os.path.join(golden_dir, manifest_file))
    except manifest.ManifestError as error:
        return ["%s: %s" % (case.name, error)]
    found = []
    for name in recorded.files:
        if name not in case.golden_names():
            found.append("%s: manifest names %s, which is not one of the case's files" % (case.name, name))
        elif name not in present:
            found.append("%s: manifest names %s, which does not exist" % (case.name, name))
    return found


def _placement_problems(golden_dir, present, source_root):
    """Files that are not regular files, or that resolve outside the corpus (through a symlink)."""
    found = []
    for name in sorted(present):
        path = os.path.join(golden_dir, name)
        real = os.path.realpath(path)
        if real != os.path.join(source_root, name):
            found.append(
                "%s: resolves to %s, not to the file in the corpus itself (a symlink); a golden file must be the "
                "file. Replace the link with the file, or remove it." % (name, real)
            )
        elif not stat.S_ISREG(os.stat(path).st_mode):
            found.append(
                "%s: not a regular file (a named pipe or device); remove it, or restore the file from version "
                "control." % name
            )
    return found


def problems(golden_dir, table, ignored=(), source_root=None):
    """Every inconsistency of the corpus in golden_dir, one line each.

    source_root: the directory the corpus's files really are in (in a test's
    runfiles, where its symlinks lead); golden_dir itself by default.
    """
    present = _files(golden_dir) - set(ignored)
    found = _placement_problems(golden_dir, present, os.path.realpath(source_root or golden_dir))
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
            found.extend(_manifest_problems(golden_dir, case, manifest_file, present))
        present -= set(names) | {manifest_file}
    for leftover in journal.unfinished(golden_dir):
        found.append(
            "%s: an interrupted `%s` left it half-written; run `%s` to roll it back"
            % (leftover, manifest.REGENERATE, manifest.REGENERATE)
        )
        marker = manifest.pending_path("", leftover)
        present -= {marker, marker + manifest.SCRATCH_SUFFIX, manifest.manifest_path("", leftover) + manifest.SCRATCH_SUFFIX}
    for orphan in sorted(present):
        found.append("%s: no case uses this file (names are TestSerialization.<case>.<part>.pt)" % orphan)
    return found
