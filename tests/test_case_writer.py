"""An interrupted regenerate never leaves a half-written case that a test passes on,
and never loses a committed file (bc/corpus/case_writer.py).

The writer runs in a child process that signals itself at a chosen step:
SIGINT and SIGTERM must roll the case back before the child exits; after
SIGKILL the case's test must fail with an explanation, and the next
regenerate must roll it back.
"""

import os
import signal
import subprocess
import sys

import pytest

from bc import case_table, golden_io, manifest
from bc.corpus import case_writer, regenerate
from tests.golden_copies import snapshot

CASE = case_table.load_table()["test_per_channel_observer"]
NAMES = manifest.case_files(CASE)

CHILD = """
import os, signal, sys
from bc import case_table
from bc.corpus import case_writer
golden_dir, new_dir, step, signame = sys.argv[1:5]
names = sys.argv[5:]
def hook(current):
    if current == step:
        os.kill(os.getpid(), getattr(signal, signame))
case_writer.CaseWriter(golden_dir, case_table.load_table()["%s"]).write({n: os.path.join(new_dir, n) for n in names}, hook=hook)
""" % CASE.name

# Steps of CaseWriter.write, in order: before staging, mid-staging, at the
# commit point, mid-commit (some files already moved), last move.
STEPS = ["marked", "staged " + NAMES[1], "committing", "moved " + NAMES[1], "moved " + NAMES[-1]]


@pytest.fixture
def trees(tmp_path):
    golden_dir, new_dir = tmp_path / "serialized", tmp_path / "new"
    for directory, content in ((golden_dir, b"committed "), (new_dir, b"regenerated ")):
        (directory / "manifest").mkdir(parents=True)
        for name in NAMES:
            (directory / name).write_bytes(content + name.encode())
    return str(golden_dir), str(new_dir)


def run_child(golden_dir, new_dir, step, signame):
    return subprocess.run(
        [sys.executable, "-sSB", "-c", CHILD, golden_dir, new_dir, step, signame] + NAMES,
        capture_output=True, text=True,
    )


def test_an_uninterrupted_write_replaces_the_case_and_cleans_up(trees):
    golden_dir, new_dir = trees
    case_writer.CaseWriter(golden_dir, CASE).write({n: os.path.join(new_dir, n) for n in NAMES})
    assert snapshot(golden_dir) == snapshot(new_dir)
    assert case_writer.unfinished(golden_dir) == []


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("step", STEPS)
def test_sigint_and_sigterm_roll_back_before_exiting(trees, step, signame):
    golden_dir, new_dir = trees
    before = snapshot(golden_dir)
    result = run_child(golden_dir, new_dir, step, signame)
    assert result.returncode != 0
    assert "Interrupted: %s" % signame in result.stderr
    assert snapshot(golden_dir) == before
    assert case_writer.unfinished(golden_dir) == []


@pytest.mark.parametrize("step", STEPS)
def test_after_sigkill_the_test_explains_and_the_next_run_rolls_back(trees, step):
    golden_dir, new_dir = trees
    before = snapshot(golden_dir)
    result = run_child(golden_dir, new_dir, step, "SIGKILL")
    assert result.returncode == -signal.SIGKILL
    assert case_writer.unfinished(golden_dir) == [CASE.name]

    with pytest.raises(golden_io.GoldenError) as error:
        golden_io.GoldenSet(CASE, golden_dir).verify()
    assert "interrupted" in str(error.value)
    assert "Run `bazel run //bc:regenerate` to complete or roll it back" in str(error.value)

    reports = []
    assert regenerate.regenerate([], new_dir, golden_dir, force=False, report=reports.append) == 0
    assert reports == [
        "%s: an earlier regenerate was interrupted while writing it; rolled back to the committed files" % CASE.name
    ]
    assert snapshot(golden_dir) == before


def test_a_new_case_interrupted_mid_commit_is_removed_again(tmp_path, trees):
    _, new_dir = trees
    golden_dir = str(tmp_path / "empty")
    os.makedirs(os.path.join(golden_dir, manifest.MANIFEST_DIR))
    run_child(golden_dir, new_dir, "moved " + NAMES[1], "SIGKILL")
    case_writer.recover(golden_dir, [CASE], report=lambda line: None)
    assert snapshot(golden_dir) == {}
