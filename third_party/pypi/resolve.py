"""Resolving requirements to a hash-locked pip lock, for a given CPython.

Used by tools/lock (the project's and each past release's lock) and by
`bazel run //bc:bisect` (a throwaway environment per torch release): pip
resolves the requirements as if nothing were installed (`pip install --dry-run
--report`), and the lock pins every distribution to the one file it chose,
by sha256. One hash per distribution, the wheel pip installs here, and not the
hashes of every file of a release (pip-compile's way): for torch that means
hashing, and so downloading, the wheels of every other platform and Python.
"""

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.parse


def interpreter(version):
    """A CPython of version major.minor: the same places @python_<v> looks (third_party/python/interpreter.bzl)."""
    candidates = [os.environ.get("QUANT_BC_PYTHON_" + version.replace(".", "_")), shutil.which("python" + version)]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/%s.*/bin/python%s" % (version, version))))
    probe = "import platform, sys; print(platform.python_implementation(), '%d.%d' % sys.version_info[:2])"
    for candidate in filter(None, candidates):
        answer = subprocess.run([candidate, "-c", probe], capture_output=True, text=True)
        if answer.returncode == 0 and answer.stdout.split() == ["CPython", version]:
            return candidate
    raise LookupError(
        "no CPython %s here. Install it (pyenv install %s) or set QUANT_BC_PYTHON_%s to one."
        % (version, version, version.replace(".", "_"))
    )


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def resolve(python, requirements_in, *pip_args):
    """pip's installation report for requirements_in, resolved as if nothing were installed.

    pip_args: more pip options (where to look: --no-index --find-links DIR).
    """
    with tempfile.TemporaryDirectory() as scratch:
        report = os.path.join(scratch, "report.json")
        subprocess.run(
            [
                python, "-m", "pip", "install",
                "--dry-run", "--ignore-installed", "--only-binary=:all:",
                "--quiet", "--quiet", "--disable-pip-version-check",
                "--report", report,
                "--requirement", requirements_in,
                *pip_args,
            ],
            check=True,
        )
        with open(report, encoding="utf-8") as f:
            return json.load(f)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def lock_text(report, header):
    entries = []
    for item in report["install"]:
        name, version = canonical(item["metadata"]["name"]), item["metadata"]["version"]
        digest = item["download_info"].get("archive_info", {}).get("hashes", {}).get("sha256")
        url = item["download_info"].get("url", "")
        if digest is None and url.startswith("file://"):
            # A local file (--find-links): older pips (23.0) report no hash for it.
            digest = _sha256(urllib.parse.unquote(url[len("file://") :]))
        if digest is None:
            raise ValueError("pip reported no sha256 for %s %s" % (name, version))
        via = "    # via requirements.in\n" if item.get("requested") else ""
        entries.append("%s==%s \\\n    --hash=sha256:%s\n%s" % (name, version, digest, via))
    return header + "".join(sorted(entries))
