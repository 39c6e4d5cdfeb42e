"""Fuzzes the .pt2 check against the suite's programs (issue 33; tests/pt2_fuzzer.py): no mutant the check admits
may run the marker's payload or stop at a cap. examples/zoo/fuzz_test.py does the same with the zoo's programs.

Bounded and reproducible: QUANT_BC_FUZZ_SEED (default 0) and QUANT_BC_FUZZ_CASES (default 60) mutations of
today's programs; the count of each outcome is printed (CI shows it in the test's log).
"""

import json
import os
import random

import pytest
import torch

from bc import case_table, corpora, golden_io
from tests import pt2_fuzzer

TABLE = case_table.load_table()
SEED = int(os.environ.get("QUANT_BC_FUZZ_SEED", 0))
CASES = int(os.environ.get("QUANT_BC_FUZZ_CASES", 60))
PROGRAMS = [case for case in TABLE if case.kind == "pt2e"]


def _source(case):
    return os.path.join(corpora.directory(corpora.TODAY), case.golden_name("program"))


def test_the_fuzzer_sees_a_payload_that_runs(tmp_path):
    """The control: issue 33's in_spec program, loaded as the fuzzer loads what the check admits, makes its
    marker, so the fuzzer's finds would show."""
    case = PROGRAMS[0]
    members, program = pt2_fuzzer.members(_source(case))
    document = json.loads(members[program])
    leaf = {"type": None, "context": None, "children_spec": []}
    marker = str(tmp_path / "marks" / "ran")
    os.makedirs(os.path.dirname(marker))
    names = ["a=':0}), self._in_spec)#", "R'+str(__import__(\"os\").makedirs(%s,exist_ok=True))" % json.dumps(marker)]
    signature = document["graph_module"]["module_call_graph"][0]["signature"]
    signature.update(forward_arg_names=[], in_spec=json.dumps([1, {"type": "builtins.tuple", "context": "null", "children_spec": [
        {"type": "builtins.tuple", "context": "null", "children_spec": [leaf]},
        {"type": "builtins.dict", "context": json.dumps(names), "children_spec": [leaf, leaf]}]}]))
    path = str(tmp_path / "hostile.pt2")
    pt2_fuzzer.write(path, members, program, document)
    assert golden_io.program_problem(path) is not None
    assert pt2_fuzzer.loads_and_runs(path, torch.randn(*case.input_size), marker)


@pytest.mark.parametrize("case", PROGRAMS, ids=[case.name for case in PROGRAMS])
def test_no_program_the_check_admits_runs_a_payload(tmp_path, case, capsys):
    generator = random.Random("%d-%s" % (SEED, case.name))
    count = CASES // len(PROGRAMS)
    outcomes = pt2_fuzzer.fuzz(_source(case), torch.randn(*case.input_size), generator, count, str(tmp_path))
    with capsys.disabled():  # into the test's log, which CI prints (.ci/run)
        print("\nfuzz %s, seed %d, %d mutations: %s" % (case.name, SEED, count, outcomes))
    assert outcomes["refused"] and outcomes["admitted"]  # both sides were exercised
