"""Corpus-wide consistency of serialized/: every file belongs to a case, every
case has its files, every manifest names files that exist.

Per-case tests check their own files; this catches what no per-case test can
see: files no case uses (a typo in a copied name), manifests of unknown cases,
cases with nothing at all, and leftovers of an interrupted regenerate.
"""

import os

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


def problems(golden_dir, table, ignored=()):
    """Every inconsistency of the corpus in golden_dir, one line each."""
    found = []
    present = _files(golden_dir) - set(ignored)
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
        present.discard(manifest.pending_path("", leftover))
    for orphan in sorted(present):
        found.append("%s: no case uses this file (names are TestSerialization.<case>.<part>.pt)" % orphan)
    return found
