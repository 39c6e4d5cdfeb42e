"""Every kind of case (bc/kinds.py) has its produce side (bc/corpus/produce.py)
and its check side (bc/checks.py), and every case's kind is one of them."""

import pytest

from bc import case_table, checks, kinds
from bc.corpus import produce


@pytest.mark.parametrize("kind", sorted(kinds.KINDS.values(), key=lambda k: k.name), ids=lambda k: k.name)
def test_each_kind_names_functions_that_exist(kind):
    assert callable(getattr(produce, kind.produce, None)), "bc/corpus/produce.py has no %s" % kind.produce
    assert callable(getattr(checks, kind.check, None)), "bc/checks.py has no %s" % kind.check


def test_every_case_is_of_a_known_kind():
    assert {case.kind for case in case_table.load_table()} <= set(kinds.KINDS)


def test_kinds_imports_nothing_of_the_project():
    # Both sides import it: an import back would be a cycle (tools/ci/check_imports checks the whole graph).
    with open(kinds.__file__, encoding="utf-8") as f:
        source = f.read()
    assert "from bc" not in source and "import bc" not in source
