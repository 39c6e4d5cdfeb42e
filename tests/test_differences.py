"""tools/differences: docs/torchao.md and docs/pt2e.md hold their kind's matrix and records as the case table gives them."""

import subprocess
import sys

import pytest


TABLES = [(kind, option) for kind in ("torchao", "pt2e") for option in ("--matrix", "--kind")]


@pytest.mark.parametrize("kind, option", TABLES, ids=["%s %s" % t for t in TABLES])
def test_docs_hold_the_tables_of_the_case_table(kind, option):
    args = [option, kind]
    table = subprocess.run([sys.executable, "tools/differences"] + args, capture_output=True, text=True, check=True).stdout
    with open("docs/%s.md" % kind, encoding="utf-8") as f:
        doc = f.read()
    assert table.strip() in doc, "docs/%s.md is stale; paste in `tools/differences %s`:\n%s" % (kind, " ".join(args), table)


def test_every_record_is_a_row():
    rows = subprocess.run([sys.executable, "tools/differences"], capture_output=True, text=True, check=True).stdout
    from bc import case_table

    count = sum(len(case.differences) for case in case_table.load_table())
    assert len(rows.strip().splitlines()) == count + 2
