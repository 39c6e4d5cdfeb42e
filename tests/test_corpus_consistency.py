"""//serialized:consistency_test's checks, on temporary corpora built from the committed one."""

import os
import shutil

import pytest

from bc import case_table, manifest
from bc.corpus import corpus_consistency

TABLE = case_table.load_table()
CASES = ["test_linear", "test_conv3d"]


@pytest.fixture
def golden_dir(tmp_path):
    directory = tmp_path / "serialized"
    (directory / "manifest").mkdir(parents=True)
    for name in CASES:
        case = TABLE[name]
        for golden in case.golden_names():
            shutil.copyfile(os.path.join("serialized", golden), directory / golden)
        shutil.copyfile(manifest.manifest_path("serialized", name), manifest.manifest_path(str(directory), name))
    return str(directory)


def subset_table():
    return [TABLE[name] for name in CASES]


def test_a_consistent_corpus_has_no_problems(golden_dir):
    assert corpus_consistency.problems(golden_dir, subset_table()) == []


def test_each_orphan_is_listed(golden_dir):
    for orphan in ("TestSerialization.test_linaer.input.pt", "notes.txt"):
        with open(os.path.join(golden_dir, orphan), "w") as f:
            f.write("x")
    found = corpus_consistency.problems(golden_dir, subset_table())
    assert found == [
        "TestSerialization.test_linaer.input.pt: no case uses this file (names are TestSerialization.<case>.<part>.pt)",
        "notes.txt: no case uses this file (names are TestSerialization.<case>.<part>.pt)",
    ]


def test_manifest_naming_a_missing_file_is_listed(golden_dir):
    os.remove(os.path.join(golden_dir, TABLE["test_conv3d"].golden_name("traced")))
    assert corpus_consistency.problems(golden_dir, subset_table()) == [
        "test_conv3d: manifest names TestSerialization.test_conv3d.traced.pt, which does not exist"
    ]


def test_case_without_files_is_listed(golden_dir):
    found = corpus_consistency.problems(golden_dir, subset_table() + [TABLE["test_lstm"]])
    assert found == ["test_lstm: the case has no golden files; generate them with `bazel run //bc:regenerate -- test_lstm`"]


def test_manifest_of_an_unknown_case_is_an_orphan(golden_dir):
    shutil.copyfile(manifest.manifest_path(golden_dir, "test_linear"), manifest.manifest_path(golden_dir, "test_gone"))
    assert corpus_consistency.problems(golden_dir, subset_table()) == [
        "manifest/test_gone.json: no case uses this file (names are TestSerialization.<case>.<part>.pt)"
    ]


def test_leftovers_of_an_interrupted_regenerate_are_listed(golden_dir):
    with open(manifest.pending_path(golden_dir, "test_linear"), "w") as f:
        f.write("{}")
    assert corpus_consistency.problems(golden_dir, subset_table()) == [
        "test_linear: an interrupted `bazel run //bc:regenerate` left it half-written; "
        "run `bazel run //bc:regenerate` to roll it back"
    ]
