"""Resolving requirements to a hash-locked pip lock, for a given CPython.

Used by tools/lock (the project's and each past release's lock) and by
`bazel run //bc:bisect` (the releases on the index, and a throwaway
environment per torch release, environment.py): pip
resolves the requirements as if nothing were installed (`pip install --dry-run
--report`), and the lock pins every distribution to the one file it chose,
by sha256. One hash per distribution, the wheel pip installs here, and not the
hashes of every file of a release (pip-compile's way): for torch that means
hashing, and so downloading, the wheels of every other platform and Python.
"""

import json
import os
import re
import subprocess
import tempfile
import urllib.parse

from third_party.pypi import wheels

_RELEASE = re.compile(r"\d+(\.\d+)*")


class PipError(Exception):
    """pip refused; str() is what it said was wrong, on one line."""


def release_key(version):
    """(1, 13, 1) for the final release "1.13.1"; None for anything else (a pre-release, a local build 2.13.0+cpu)."""
    if not _RELEASE.fullmatch(version):
        return None
    return tuple(int(part) for part in version.split("."))


def pip_said(stderr):
    """pip's ERROR lines on one line, after the network failure that caused them when it names one."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    network = [line for line in lines if "connection" in line.lower() or "could not fetch url" in line.lower()]
    return " / ".join(network[-1:] + errors) or (lines[-1] if lines else "pip said nothing")


def pip(python, *args):
    """stdout of `python -m pip ARGS`; PipError with what pip said if it fails."""
    command = [python, "-m", "pip", *args, "--disable-pip-version-check"]
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if result.returncode != 0:
        raise PipError(pip_said(result.stderr))
    return result.stdout


def releases(python, distribution):
    """The releases the index has a wheel of for this interpreter (`pip index versions`), newest first."""
    listed = re.search(r"Available versions: (.*)", pip(python, "index", "versions", distribution))
    return [version.strip() for version in listed.group(1).split(",")] if listed else []


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


# Distributions locked without the dependencies their metadata declares: name -> why. A requirements list that
# names one names what it needs beside it (requirements.in, bc/releases.bzl); the lock pins both, as for any other.
WITHOUT_DEPENDENCIES = {
    "executorch": "its metadata declares its development and other backends' tools too (hydra-core, whose "
    "antlr4-python3-runtime 4.9 has no wheel; coremltools, scikit-learn, pandas: about 700 MB); exporting, lowering "
    "to XNNPACK and running a program need numpy, flatbuffers, ruamel.yaml and tabulate beside torch and torchao "
    "(measured with executorch 1.5.1 in an environment of nothing else)",
}


def _report(python, requirements, *pip_args):
    with tempfile.TemporaryDirectory() as scratch:
        requirements_in, report = os.path.join(scratch, "requirements.in"), os.path.join(scratch, "report.json")
        with open(requirements_in, "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in requirements))
        pip(
            python, "install",
            "--dry-run", "--ignore-installed", "--only-binary=:all:",
            "--quiet", "--quiet",
            "--report", report,
            "--requirement", requirements_in,
            *pip_args,
        )
        with open(report, encoding="utf-8") as f:
            return json.load(f)


def _requirement_name(line):
    return canonical(re.split(r"[\s<>=!~;\[@]", line, maxsplit=1)[0])


def resolve(python, requirements_in, *pip_args):
    """pip's installation report for requirements_in, resolved as if nothing were installed; a distribution of
    WITHOUT_DEPENDENCIES is resolved alone, without its declared dependencies, and added to the rest's report.

    pip_args: more pip options (where to look: --no-index --find-links DIR).
    """
    with open(requirements_in, encoding="utf-8") as f:
        # A comment starts a line or follows whitespace, as pip reads one: a URL's #sha256= fragment is not one.
        lines = [re.sub(r"(^|\s)#.*", "", line).strip() for line in f]
    together, alone = split_alone([line for line in lines if line])
    report = _report(python, together, *pip_args)
    if alone:
        report["install"] += _report(python, alone, "--no-deps", *pip_args)["install"]
    return report


def split_alone(requirements):
    """(the requirements pip resolves with their dependencies, those of WITHOUT_DEPENDENCIES), each in order."""
    alone = [line for line in requirements if _requirement_name(line) in WITHOUT_DEPENDENCIES]
    return [line for line in requirements if line not in alone], alone


def lock_text(report, header):
    entries = []
    for item in report["install"]:
        name, version = canonical(item["metadata"]["name"]), item["metadata"]["version"]
        digest = item["download_info"].get("archive_info", {}).get("hashes", {}).get("sha256")
        url = item["download_info"].get("url", "")
        if digest is None and url.startswith("file://"):
            # A local file (--find-links): older pips (23.0) report no hash for it.
            digest = wheels.sha256(urllib.parse.unquote(url[len("file://") :]))
        if digest is None:
            raise ValueError("pip reported no sha256 for %s %s" % (name, version))
        via = "    # via requirements.in\n" if item.get("requested") else ""
        entries.append("%s==%s \\\n    --hash=sha256:%s\n%s" % (name, version, digest, via))
    return header + "".join(sorted(entries))
