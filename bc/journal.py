"""All-or-nothing replacement of one case's golden files.

CaseWriter.write() stages the new files beside serialized/, backs up the files it
will replace, and only then moves the new files in. While it works, the
marker serialized/manifest/<case>.pending exists; it is part of the case's
test data, so the case's test fails with an explanation instead of passing on
a half-written case.

  * SIGINT or SIGTERM at any point: the case is rolled back before exit.
  * SIGKILL (or a crash): the marker and the staging area stay behind;
    recover() (run first by every regenerate) rolls the case back from the
    backup, restoring the committed files byte for byte.
"""

import contextlib
import json
import os
import shutil
import signal

from bc import manifest

STAGING = ".regenerate"


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived; the case being written was rolled back."""


def _fsync_copy(src, dst):
    shutil.copyfile(src, dst)
    with open(dst, "rb") as f:
        os.fsync(f.fileno())


def _write_marker(path, body):
    manifest.write_atomically(path, json.dumps(body, indent=2, sort_keys=True) + "\n")


@contextlib.contextmanager
def _signals_raise():
    """SIGINT and SIGTERM raise Interrupted inside the block."""

    def handler(signum, _frame):
        # A second signal must not interrupt the rollback the first one starts.
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, signal.SIG_IGN)
        raise Interrupted(signal.Signals(signum).name)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


class CaseWriter:
    def __init__(self, golden_dir, case_name):
        self.golden_dir = golden_dir
        self.case_name = case_name
        self.marker = manifest.pending_path(golden_dir, case_name)
        self.staging = os.path.join(golden_dir, STAGING, case_name)
        self.new_dir = os.path.join(self.staging, "new")
        self.old_dir = os.path.join(self.staging, "old")

    def target(self, name):
        return os.path.join(self.golden_dir, name)

    def write(self, sources, hook=None):
        """sources: relative name -> file to copy there. hook(step) is for tests."""
        hook = hook or (lambda step: None)
        names = list(sources)
        originals = [n for n in names if os.path.exists(self.target(n))]
        body = {"case": self.case_name, "state": "staging", "files": names, "originals": originals}
        with _signals_raise():
            try:
                os.makedirs(self.new_dir, exist_ok=True)
                os.makedirs(self.old_dir, exist_ok=True)
                os.makedirs(os.path.dirname(self.marker), exist_ok=True)
                _write_marker(self.marker, body)
                hook("marked")
                for name in names:
                    _fsync_copy(sources[name], os.path.join(self.new_dir, _flat(name)))
                    hook("staged " + name)
                for name in originals:
                    _fsync_copy(self.target(name), os.path.join(self.old_dir, _flat(name)))
                body["state"] = "committing"
                _write_marker(self.marker, body)
                hook("committing")
                for name in names:
                    os.replace(os.path.join(self.new_dir, _flat(name)), self.target(name))
                    hook("moved " + name)
                os.remove(self.marker)
            except BaseException:
                self.roll_back()
                raise
        self._remove_staging()

    def roll_back(self):
        """Puts the committed files back as they were before write() began."""
        try:
            with open(self.marker, encoding="utf-8") as f:
                body = json.load(f)
        except FileNotFoundError:
            body = None
        if body and body["state"] == "committing":
            for name in body["files"]:
                backup = os.path.join(self.old_dir, _flat(name))
                if name in body["originals"]:
                    if os.path.exists(backup):  # gone if an earlier rollback restored it
                        os.replace(backup, self.target(name))
                elif os.path.exists(self.target(name)):
                    os.remove(self.target(name))
        if os.path.exists(self.marker):
            os.remove(self.marker)
        self._remove_staging()

    def _remove_staging(self):
        shutil.rmtree(self.staging, ignore_errors=True)
        with contextlib.suppress(OSError):  # other cases may still be staged there
            os.rmdir(os.path.join(self.golden_dir, STAGING))


def _flat(name):
    return name.replace(os.sep, "__")


def unfinished(golden_dir):
    """Cases whose write was interrupted: a marker or staging area is left."""
    names = set()
    marker_dir = os.path.join(golden_dir, manifest.MANIFEST_DIR)
    if os.path.isdir(marker_dir):
        names |= {f[: -len(".pending")] for f in os.listdir(marker_dir) if f.endswith(".pending")}
    staging = os.path.join(golden_dir, STAGING)
    if os.path.isdir(staging):
        names |= set(os.listdir(staging))
    return sorted(names)


def recover(golden_dir, report=print):
    """Rolls back every interrupted write; returns the cases it rolled back."""
    cases = unfinished(golden_dir)
    for case_name in cases:
        CaseWriter(golden_dir, case_name).roll_back()
        report("%s: an earlier regenerate was interrupted while writing it; rolled back to the committed files"
               % case_name)
    return cases
