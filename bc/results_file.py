"""results.json: what a case test found, for `bazel run //bc:report` (bc/report/results.py reads it).

    {"case", "torch", "torch_git", "torchao", "python", "host",
     "repository": the repository its torch came from (pypi, pypi_next, pypi_wheel),
     "wheel": the wheel build's torch_wheel.json, or null,
     "methods": [{"corpus", "engine", "result", "message", "outcomes"}]}

result is one of RESULTS; outcomes are checks._outcome's, one per loader. The
file is among the test's undeclared outputs, which Bazel zips into
test.outputs/outputs.zip and the remote cache keeps with the result. It is
rewritten after every method, so that a test killed midway leaves what it
found until then. Torch-free: the test gives the versions.
"""

import json
import os

from bc import manifest

NAME = "results.json"
# What a test says about itself beside its methods: what it ran under.
ABOUT = ("torch", "torch_git", "torchao", "python", "host", "repository", "wheel")
RESULTS = ("pass", "recorded", "fail", "skip")
METHOD_KEYS = ("corpus", "engine", "result", "message", "outcomes")


class ResultsFile:
    def __init__(self, directory, case, **about):
        """directory: where to write (None: nowhere, a run outside `bazel test`); about: the versions, host,
        repository and wheel."""
        self.path = os.path.join(directory, NAME) if directory else None
        self.found = dict(about, case=case, methods=[])

    def add(self, corpus, engine, result, message, outcomes=()):
        if result not in RESULTS:
            raise ValueError("result %r is none of %s" % (result, ", ".join(RESULTS)))
        self.found["methods"].append(dict(zip(METHOD_KEYS, (corpus, engine, result, message, list(outcomes)))))
        if self.path:
            manifest.write_atomically(self.path, json.dumps(self.found, indent=1, sort_keys=True))


def problem(found):
    """What is wrong with a results.json's content for the report, or None."""
    if not isinstance(found, dict) or not isinstance(found.get("methods"), list):
        return "no list of methods"
    for method in found["methods"]:
        missing = [key for key in METHOD_KEYS if key not in method] if isinstance(method, dict) else METHOD_KEYS
        if missing:
            return "a method lacks %s" % ", ".join(missing)
        if method["result"] not in RESULTS:
            return "result %r is none of %s" % (method["result"], ", ".join(RESULTS))
    return None


def repository_of(path):
    """The repository a runfiles path is in: the folder holding its site-packages (imports keep the runfiles
    path, its links unresolved)."""
    parts = path.split(os.sep)
    return parts[parts.index("site-packages") - 1] if "site-packages" in parts else None


def torch_wheel(path_entries):
    """What the wheel build installed (third_party/builds/wheel.bzl writes torch_wheel.json beside its
    site-packages): the wheel's file name, version, sha256 and the lock whose pins it took; else None."""
    for entry in path_entries:
        record = os.path.join(os.path.dirname(entry), "torch_wheel.json")
        if os.path.basename(entry) == "site-packages" and os.path.isfile(record):
            with open(record, encoding="utf-8") as f:
                return json.load(f)
    return None
