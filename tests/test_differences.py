"""tools/differences: the torchao matrix in README.md is the one the case table gives."""

import subprocess
import sys


def test_the_readme_holds_the_torchao_matrix_of_the_case_table():
    matrix = subprocess.run(
        [sys.executable, "tools/differences", "--matrix", "torchao"], capture_output=True, text=True, check=True
    ).stdout
    with open("README.md", encoding="utf-8") as f:
        readme = f.read()
    assert matrix.strip() in readme, "README.md's torchao table is stale; paste in `tools/differences --matrix torchao`:\n" + matrix


def test_every_record_is_a_row():
    rows = subprocess.run([sys.executable, "tools/differences"], capture_output=True, text=True, check=True).stdout
    from bc import case_table

    count = sum(len(case.differences) for case in case_table.load_table())
    assert len(rows.strip().splitlines()) == count + 2
