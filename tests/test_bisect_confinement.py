"""Bisect's checks run a hostile torch.package with no network and a private /tmp (bc/confine.py, by the harness).

The package's code runs as the checks meet it (unpickling its model) and
reports what it saw into the source tree, the one place it shares with the
test. The test's own network and /tmp are what it must not see: under
`bazel test` they are already the sandbox's, so the package must see others.
"""

import json
import os
import shutil
import sys
import tempfile
import types

import pytest
import torch

from bc import case_table, confine, corpora, golden_io, kinds, manifest
from bc.bisection import bisection
from tests.golden_copies import adopt, copy_case

PACKAGE = case_table.load_table()["test_linear_relu_package_quantization_transforms"]
CORPUS = corpora.get("1.13.1")
PAYLOAD = "/tmp/quant-bc-package-payload"
REPORT = "hostile-report.json"

SOURCE = '''
import json, os, socket

class Model:
    def __setstate__(self, state):
        with open("%s", "w") as f:
            f.write("ran")
        with open("%s", "w") as f:
            json.dump({
                "network": os.readlink("/proc/self/ns/net"),
                "interfaces": [name for _, name in socket.if_nameindex()],
                "tmp": sorted(os.listdir("/tmp")),
            }, f)
        self.__dict__.update(state)
''' % (PAYLOAD, REPORT)


def hostile_package(path):
    module = types.ModuleType("hostile")
    exec(SOURCE, module.__dict__)
    sys.modules["hostile"] = module
    try:
        with torch.package.PackageExporter(path) as exporter:
            exporter.save_source_string("hostile", SOURCE)
            model = module.Model()
            model.weight = 1.0  # pickle restores (and so calls __setstate__) only a non-empty state
            exporter.save_pickle(kinds.PACKAGE_NAME, kinds.PACKAGE_RESOURCE, model)
    finally:
        del sys.modules["hostile"]


@pytest.fixture
def source_tree():
    """An empty source tree, not under /tmp (pytest's tmp_path is), which the checks see read-only."""
    root = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    if root.startswith("/tmp/"):
        pytest.skip("the test's own folder lies under /tmp (an output base there), which the checks see read-only")
    yield root
    shutil.rmtree(root)


@pytest.fixture
def workspace(source_tree):
    """A source tree whose 1.13.1 corpus holds the package case, its package hostile and recorded in the manifest."""
    golden = copy_case(PACKAGE, os.path.join(source_tree, corpora.directory(CORPUS.name)))
    hostile_package(golden.path("package"))
    adopt(golden)  # digests match: the code is reached, as through a reviewed manifest change
    return source_tree


def _probe(workspace, target):
    environments = bisection.Environments(workspace, workspace, os.path.join(workspace, "scratch"), {},
                                          report=print, today="2.13.0")
    return environments.probe(sys.executable, sys.path, [target])


def test_the_checks_run_a_hostile_package_with_no_network_and_a_private_tmp(workspace):
    if os.path.exists(PAYLOAD):
        os.remove(PAYLOAD)
    assert confine.problem() is None
    (result, problem), = _probe(workspace, bisection.Target(PACKAGE, CORPUS, PACKAGE.engines[0], None))
    assert result == bisection.FAIL, problem  # its model is no model
    assert "Read-only file system" in problem, problem  # it could not report into the source tree either
    assert not os.path.exists(PAYLOAD)  # what it wrote to its /tmp is not in the test's


def test_unconfined_the_same_package_reaches_the_callers_tmp(workspace):
    """The control: loaded in this process, the payload lands in the test's own /tmp and reports what it saw (so
    the test above can fail)."""
    if os.path.exists(PAYLOAD):
        os.remove(PAYLOAD)
    golden = golden_io.GoldenSet(PACKAGE, os.path.join(workspace, corpora.directory(CORPUS.name)))
    cwd = os.getcwd()
    os.chdir(workspace)
    try:
        golden.load("package")
        with open(REPORT) as f:
            seen = json.load(f)
        assert os.path.exists(PAYLOAD) and seen["network"] == os.readlink("/proc/self/ns/net")
    finally:
        os.chdir(cwd)
        if os.path.exists(PAYLOAD):
            os.remove(PAYLOAD)


def test_the_checks_judge_a_past_corpus_without_its_recorded_differences(source_tree):
    # The per-channel observer's 1.6.0 files: a recorded difference, which the case's test accepts
    # and bisection must not (docs/compatibility.md). Engine-independent: no engine given.
    observer, corpus = case_table.load_table()["test_per_channel_observer"], corpora.get("1.6.0")
    for name in manifest.case_files(observer):  # copies: the runfiles' links lead out of the corpus
        os.makedirs(os.path.dirname(os.path.join(source_tree, corpus.directory, name)), exist_ok=True)
        shutil.copyfile(os.path.join(corpus.directory, name), os.path.join(source_tree, corpus.directory, name))
    (result, problem), = _probe(source_tree, bisection.Target(observer, corpus, None, None))
    assert (result, problem) == (bisection.FAIL, "saved keys dropped by the round trip: max_vals, min_vals")
