"""All-or-nothing replacement of one case's golden files, one regenerate at a time.

CaseWriter.write() stages the new files beside serialized/, backs up the files it
will replace, and only then moves the new files in. While it works, the
marker serialized/manifest/<case>.pending exists; it is part of the case's
test data, so the case's test fails with an explanation instead of passing on
a half-written case.

  * SIGINT or SIGTERM at any point: the case is rolled back before exit.
  * SIGKILL (or a crash): the marker and the staging area stay behind;
    recover() (run first by every regenerate) rolls the case back from the
    backup, restoring the committed files byte for byte.
  * Two regenerates in one checkout: exclusive() makes the second wait for
    the first (Bazel serializes its builds, not the binaries `bazel run` starts).

The marker and the staging area are untrusted input: they are git-ignored,
but a checkout can still hold a crafted one. Every path acted on is one of the
case's own files, named by the case table (manifest.case_files), never read
from the marker; the marker only says which of them were being written. Each
lies directly in serialized/ or serialized/manifest/, and nothing is followed
through a symlink. Anything else is refused by name, with nothing touched.
"""

import contextlib
import errno
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys

from bc import manifest

STAGING = ".regenerate"
LOCK = ".regenerate.lock"  # beside serialized/, git-ignored
STATES = ("staging", "committing")


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived; the case being written was rolled back."""


class CaseWriterError(Exception):
    """A marker, staging area or target that regenerate will not act on; names it and the remedy."""


def _fsync_copy(src, dst):
    shutil.copyfile(src, dst)
    with open(dst, "rb") as f:
        os.fsync(f.fileno())


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


def tracked_by_git(path):
    """True if git tracks path (a committed marker); False outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "-C", os.path.dirname(path) or ".", "ls-files", "--error-unmatch", "--", os.path.basename(path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    except OSError:
        return False
    return result.returncode == 0


class CaseWriter:
    def __init__(self, golden_dir, case):
        self.golden_dir = golden_dir
        self.case = case
        self.files = manifest.case_files(case)
        self.marker = manifest.pending_path(golden_dir, case.name)
        self.staging_root = os.path.join(golden_dir, STAGING)
        self.staging = os.path.join(self.staging_root, case.name)
        self.new_dir = os.path.join(self.staging, "new")
        self.old_dir = os.path.join(self.staging, "old")

    def _restore_hint(self):
        folder = os.path.normpath(self.golden_dir)
        return (
            "Nothing was touched. If no %s is running, restore the case from version control "
            "(`git checkout -- %s/`), delete the marker and %s, then run `%s` again."
            % (self.case.writer, folder, os.path.join(folder, STAGING, self.case.name), self.case.writer)
        )

    def target(self, name):
        return os.path.join(self.golden_dir, name)

    def _check_places(self):
        """Refuses a staging area, marker or target that is not what this module makes."""
        for path, wanted in (
            (self.staging_root, "directory"),
            (self.staging, "directory"),
            (self.new_dir, "directory"),
            (self.old_dir, "directory"),
            (os.path.join(self.golden_dir, manifest.MANIFEST_DIR), "directory"),
            (self.marker, "file"),
        ):
            found = manifest.file_type(path)
            if found not in (None, wanted):
                raise CaseWriterError(
                    "%s: %s is a %s, not a %s that %s made; refusing to act through it. Remove it "
                    "(`rm %s`), restore %s/ from version control, then run `%s` again."
                    % (self.case.name, path, found, wanted, self.case.writer, path, os.path.normpath(self.golden_dir),
                       self.case.writer)
                )
        for name in self.files:
            found = manifest.file_type(self.target(name))
            if found not in (None, "file"):
                raise CaseWriterError(
                    "%s: %s is a %s, not a regular file; refusing to replace it. Remove it (`rm -r %s`) or "
                    "restore it from version control, then run `%s` again."
                    % (self.case.name, self.target(name), found, self.target(name), self.case.writer)
                )

    def _write_marker(self, body):
        manifest.write_atomically(self.marker, json.dumps(body, indent=2, sort_keys=True) + "\n")

    def read_marker(self):
        """The marker's state and file lists, validated against the case table; None if absent."""
        if manifest.file_type(self.marker) is None:
            return None
        try:
            with open(self.marker, encoding="utf-8") as f:
                body = json.load(f)
        except (OSError, ValueError) as error:
            raise CaseWriterError(
                "%s: cannot read the regenerate marker %s (%s). %s"
                % (self.case.name, self.marker, error, self._restore_hint())
            ) from None
        if not isinstance(body, dict) or body.get("state") not in STATES or body.get("case") != self.case.name:
            raise CaseWriterError(
                "%s: %s is not a regenerate marker of this case (case, state). %s"
                % (self.case.name, self.marker, self._restore_hint())
            )
        listed = {}
        for key in ("files", "originals"):
            value = body.get(key)
            if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
                raise CaseWriterError(
                    "%s: %s: %r must be a list of file names. %s"
                    % (self.case.name, self.marker, key, self._restore_hint())
                )
            strangers = sorted(set(value) - set(self.files))
            if strangers:
                raise CaseWriterError(
                    "%s: %s names files that are not the case's own: %s (the case's files are %s). %s"
                    % (self.case.name, self.marker, strangers, self.files, self._restore_hint())
                )
            listed[key] = [n for n in self.files if n in value]
        return body["state"], listed["files"], listed["originals"]

    def write(self, sources, hook=None):
        """sources: the case's file name -> file to copy there. hook(step) is for tests."""
        hook = hook or (lambda step: None)
        strangers = sorted(set(sources) - set(self.files))
        if strangers:
            raise ValueError("%s: not files of the case: %s" % (self.case.name, strangers))
        self._check_places()
        names = [n for n in self.files if n in sources]
        originals = [n for n in names if manifest.file_type(self.target(n)) == "file"]
        body = {"case": self.case.name, "state": "staging", "files": names, "originals": originals}
        with _signals_raise():
            try:
                os.makedirs(self.new_dir, exist_ok=True)
                os.makedirs(self.old_dir, exist_ok=True)
                os.makedirs(os.path.dirname(self.marker), exist_ok=True)
                self._write_marker(body)
                hook("marked")
                for name in names:
                    _fsync_copy(sources[name], os.path.join(self.new_dir, _flat(name)))
                    hook("staged " + name)
                for name in originals:
                    _fsync_copy(self.target(name), os.path.join(self.old_dir, _flat(name)))
                body["state"] = "committing"
                self._write_marker(body)
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
        self._check_places()
        marked = self.read_marker()
        if marked and marked[0] == "committing":
            _, names, originals = marked
            for name in names:
                backup = os.path.join(self.old_dir, _flat(name))
                if name in originals:
                    kind = manifest.file_type(backup)
                    if kind == "file":
                        os.replace(backup, self.target(name))
                    elif kind is not None:  # absent: an earlier rollback restored it
                        raise CaseWriterError(
                            "%s: the backup %s is a %s, not a file regenerate wrote. %s"
                            % (self.case.name, backup, kind, self._restore_hint())
                        )
                elif manifest.file_type(self.target(name)) == "file":
                    os.remove(self.target(name))
        for leftover in (self.marker, self.marker + manifest.SCRATCH_SUFFIX):
            if manifest.file_type(leftover) == "file":
                os.remove(leftover)
        self._remove_staging()

    def _remove_staging(self):
        if manifest.file_type(self.staging) == "directory":
            shutil.rmtree(self.staging)
        with contextlib.suppress(OSError):  # other cases may still be staged there
            os.rmdir(self.staging_root)


def _flat(name):
    return name.replace(os.sep, "__")


def unfinished(golden_dir):
    """Names of cases with a marker, staging area or half-written scratch file, from what is on disk."""
    names = set()
    marker_dir = os.path.join(golden_dir, manifest.MANIFEST_DIR)
    if manifest.file_type(marker_dir) == "directory":
        for entry in os.listdir(marker_dir):
            for suffix in (".pending", ".pending" + manifest.SCRATCH_SUFFIX, ".json" + manifest.SCRATCH_SUFFIX):
                if entry.endswith(suffix):
                    names.add(entry[: -len(suffix)])
    staging = os.path.join(golden_dir, STAGING)
    if manifest.file_type(staging) == "directory":
        names |= set(os.listdir(staging))
    elif manifest.file_type(staging) is not None:
        names.add(STAGING)  # a symlink or file in its place: reported by recover()
    return sorted(names)


def recover(golden_dir, table, report=print):
    """Rolls back every interrupted write of a case in table; returns the cases it rolled back.

    Raises CaseWriterError, touching nothing, for a leftover that is not a known
    case's, a staging area that is a symlink, or a marker that git tracks.
    """
    cases = {case.name: case for case in table}
    staging = os.path.join(golden_dir, STAGING)
    if manifest.file_type(staging) not in (None, "directory"):
        raise CaseWriterError(
            "%s is a %s, not the staging directory regenerate makes; refusing to act through it. "
            "Remove it (`rm %s`), then run `%s` again." % (staging, manifest.file_type(staging), staging, manifest.REGENERATE)
        )
    names = unfinished(golden_dir)
    strangers = [n for n in names if n not in cases]
    if strangers:
        raise CaseWriterError(
            "%s holds regenerate leftovers for %s, which are not cases of bc/cases.bzl; nothing was touched. "
            "Remove them (serialized/manifest/<name>.pending*, serialized/%s/<name>), then run `%s` again."
            % (golden_dir, strangers, STAGING, manifest.REGENERATE)
        )
    for name in names:
        marker = manifest.pending_path(golden_dir, name)
        if manifest.file_type(marker) == "file" and tracked_by_git(marker):
            raise CaseWriterError(
                "%s is committed to version control: a regenerate marker never is (it is git-ignored); "
                "nothing was touched. Remove it with `git rm %s`." % (marker, marker)
            )
    for name in names:
        CaseWriter(golden_dir, cases[name]).roll_back()
        report("%s: an earlier regenerate was interrupted while writing it; rolled back to the committed files" % name)
    return names


def _holder(lock_path):
    with contextlib.suppress(OSError):
        with open(lock_path, encoding="utf-8", errors="replace") as f:
            return f.read().strip() or "unknown"
    return "unknown"


def _say(line):
    print(line, flush=True)  # now, not when the wait is over


@contextlib.contextmanager
def exclusive(golden_dir, report=_say):
    """Holds the checkout's regenerate lock; waits, saying for whom, while another run holds it.

    The lock is an flock, so the kernel releases it when its holder dies, even by SIGKILL.
    """
    lock_path = os.path.join(os.path.dirname(os.path.abspath(golden_dir)), LOCK)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as error:
        raise CaseWriterError(
            "cannot open the regenerate lock %s (%s); it must be a regular file in a writable checkout. %s"
            % (lock_path, error.strerror, "Remove it if it is a symlink." if error.errno == errno.ELOOP else "")
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            report("waiting: another regenerate or .update holds %s (%s)" % (lock_path, _holder(lock_path)))
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.write(fd, ("pid %d: %s\n" % (os.getpid(), " ".join(sys.argv))).encode("utf-8"))
        yield
    finally:
        os.close(fd)
