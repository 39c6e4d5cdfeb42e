"""Copies of this checkout, each driven by its own Bazel server, for the
tools/ci/ scripts that check what only Bazel itself can show (invalidation,
caching, reproducibility across paths). Standard library and the project's
torch-free modules only: it runs on the host.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The project's modules (bc.*), and tools/ for case_results, whichever script imports this.
sys.path[:0] = [ROOT, os.path.join(ROOT, "tools")]
from case_results import SUMMARY  # noqa: E402


SCRATCH = "/var/tmp"
_START = time.monotonic()


def log(message):
    print("[%s %5.0fs] %s" % (os.path.basename(sys.argv[0]), time.monotonic() - _START, message), flush=True)


class BazelError(RuntimeError):
    pass


def run_bazel(cwd, output_base, *args, env=None):
    """(exit status, combined output) of bazel in the workspace at cwd, with a server of its own."""
    result = subprocess.run(
        ["bazel", "--output_base=" + output_base, "--max_idle_secs=300", *args],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ, **(env or {})),
    )
    return result.returncode, result.stdout


def end_bazel(cwd, output_base, *trees):
    """Shuts down the server of output_base and removes it, with trees (Bazel leaves its outputs read-only)."""
    subprocess.run(["bazel", "--output_base=" + output_base, "shutdown"], cwd=cwd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for tree in (output_base,) + trees:
        subprocess.run(["chmod", "-R", "u+w", tree], stderr=subprocess.DEVNULL)
        shutil.rmtree(tree, ignore_errors=True)


class Checkout:
    """A copy of the working tree (tracked and new files) at a path of its own."""

    def __init__(self, parent, name):
        self.path = os.path.join(parent, name)
        self.output_base = os.path.join(parent, name + "-output-base")
        files = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, check=True, capture_output=True,
        ).stdout.decode().split("\0")
        for relative in filter(None, files):
            source = os.path.join(ROOT, relative)
            if not os.path.lexists(source):
                continue  # deleted in the working tree
            target = os.path.join(self.path, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)

    def bazel(self, *args, check=True, env=None):
        """Runs bazel in this checkout; returns its combined output."""
        code, output = run_bazel(self.path, self.output_base, *args, env=env)
        if check and code != 0:
            raise BazelError("`%s` failed (exit %d):\n%s" % (" ".join(args), code, output[-6000:]))
        return output

    def test(self, *args, check=True):
        """bazel test; returns {label: status} where status is cached, executed or skipped."""
        output = self.bazel("test", *args, check=check)
        return test_results(output), output

    def edit(self, relative, transform):
        path = os.path.join(self.path, relative)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(transform(text))

    def replace_golden_file(self, case_name, part, corpus="serialized"):
        """Gives one golden file of a corpus (serialized/ or serialized/<release>) different bytes with the
        same content, and updates its manifest.

        The file is a torch zip archive, rewritten under another top-level
        folder name; torch.load reads records relative to whatever folder the
        archive uses, so the case's test still passes.
        """
        sys.path.insert(0, self.path)
        try:
            from bc import case_table, manifest
        finally:
            sys.path.pop(0)
        case = case_table.load_table(os.path.join(self.path, "bc", "cases.bzl"))[case_name]
        golden_dir = os.path.join(self.path, corpus)
        path = os.path.join(golden_dir, case.golden_name(part))
        with zipfile.ZipFile(path) as archive:
            records = [(info.filename.split("/", 1)[1], archive.read(info)) for info in archive.infolist()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
            for name, data in records:
                archive.writestr("renamed/" + name, data)
        manifest_path = manifest.manifest_path(golden_dir, case.name)
        producer = manifest.read(manifest_path).producer
        manifest.write(manifest_path, manifest.for_files(golden_dir, case, "replaced by " + sys.argv[0], producer))

    def close(self):
        end_bazel(self.path, self.output_base, self.path)


def test_results(output):
    results = {}
    for match in SUMMARY.finditer(output):
        status = match.group("status")
        if status == "SKIPPED":
            results[match.group("label")] = "skipped"
        elif match.group("cached"):
            results[match.group("label")] = "cached"
        elif status == "PASSED":
            results[match.group("label")] = "executed"
        else:
            results[match.group("label")] = status.lower()
    return results


def executed(results):
    return sorted(label for label, status in results.items() if status == "executed")


@contextlib.contextmanager
def checkouts(*names):
    # Not under /tmp, which actions get as a private tmpfs (tools/bazel).
    parent = tempfile.mkdtemp(prefix="quant-bc-", dir=SCRATCH)
    made = []
    try:
        for name in names:
            made.append(Checkout(parent, name))
        yield made
    finally:
        for checkout in made:
            checkout.close()
        shutil.rmtree(parent, ignore_errors=True)


class Failures:
    """Collects failed expectations; exits non-zero with all of them at the end."""

    def __init__(self):
        self.messages = []

    def expect(self, condition, message):
        log(("ok: " if condition else "FAILED: ") + message.splitlines()[0])
        if not condition:
            self.messages.append(message)

    def exit(self):
        if self.messages:
            print("\n".join(["", "FAILED:"] + self.messages), file=sys.stderr)
            sys.exit(1)
        log("all checks passed")
