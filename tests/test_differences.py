"""tools/differences: docs/torchao.md holds the torchao matrix and records the case table gives."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("args", [["--matrix", "torchao"], ["--kind", "torchao"]])
def test_docs_hold_the_torchao_tables_of_the_case_table(args):
    table = subprocess.run([sys.executable, "tools/differences"] + args, capture_output=True, text=True, check=True).stdout
    with open("docs/torchao.md", encoding="utf-8") as f:
        doc = f.read()
    assert table.strip() in doc, "docs/torchao.md is stale; paste in `tools/differences %s`:\n%s" % (" ".join(args), table)


def test_every_record_is_a_row():
    rows = subprocess.run([sys.executable, "tools/differences"], capture_output=True, text=True, check=True).stdout
    from bc import case_table

    count = sum(len(case.differences) for case in case_table.load_table())
    assert len(rows.strip().splitlines()) == count + 2
