"""A torchao checkpoint or a PT2E program written by hand, outside the project, adopted into its release's corpus,
gets the verdict the suite gives its own files of that release and case: the same recorded observation (missing
classes named, a deprecated format warned about), or the same pass.

The files in tests/data/handwritten/<corpus>/ were written by
tests/data/handwritten/write_<kind>.py under that release's environment,
with weights and an input of their own. Each is adopted (as `bazel run
//bc:regenerate -- --adopt` does) into a copy of the corpus in place of the
suite's files of that case, then checked as the case test checks, against
the case's records.
"""

import os
import shutil

import pytest

from bc import case_table, corpora, harness, manifest
from bc.corpus import regenerate

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "handwritten")
TABLE = case_table.load_table()
# The part of each kind that a user saves and ships: the hand-written file that must not be the suite's own.
SHIPPED = {"torchao": "state_dict", "pt2e": "program"}
WRITTEN = [
    (corpus, name.split(".")[1])  # TestSerialization.<case>.<part>.pt
    for corpus in sorted(os.listdir(HERE))
    if os.path.isdir(os.path.join(HERE, corpus))
    for name in sorted(os.listdir(os.path.join(HERE, corpus)))
    if name.endswith(tuple(".%s.pt" % part for part in SHIPPED.values()))
]


def test_hand_written_files_are_here():
    assert {TABLE[case].kind for _, case in WRITTEN} == set(SHIPPED) and len(WRITTEN) >= 5, WRITTEN


@pytest.mark.parametrize("corpus, case_name", WRITTEN, ids=["%s/%s" % w for w in WRITTEN])
def test_adopted_hand_written_files_get_the_suites_verdict(corpus, case_name, tmp_path, monkeypatch):
    case = TABLE[case_name]
    directory = corpora.directory(corpus)
    copy = tmp_path / directory
    (copy / manifest.MANIFEST_DIR).mkdir(parents=True)
    for part in case.parts:
        shutil.copyfile(os.path.join(HERE, corpus, case.golden_name(part)), copy / case.golden_name(part))
        suite = os.path.join(directory, case.golden_name(part))
        if part == SHIPPED[case.kind]:
            assert manifest.sha256(str(copy / case.golden_name(part))) != manifest.sha256(suite), "not the suite's own file"
    monkeypatch.chdir(tmp_path)  # the corpus is read where the suite reads it, so messages name the same paths
    refused = regenerate.adopt([case], directory, "written by hand: tests/data/handwritten/write_%s.py" % case.kind, report=print)
    assert refused == 0
    assert harness.CaseInCorpus(case, corpus).check(None, harness.RECORDED) == []
