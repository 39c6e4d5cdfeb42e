"""bc/executorch_api.py and the executorch kind's check (bc/checks.py) where a runtime differs from today's: one that
cannot list its backends, one that lacks an operator a program names."""

import types

from bc import case_table, checks, executorch_api
from tests.golden_copies import copy_case

CASE = case_table.load_table()["test_executorch_portable_static_per_tensor"]


def test_a_runtime_that_cannot_list_its_backends_names_none_and_its_operators_still(monkeypatch):
    # executorch 0.4.0 and 0.5.0's Runtime: an operator registry, no backend registry.
    runtime = types.SimpleNamespace(operator_registry=types.SimpleNamespace(operator_names={"aten::add.out"}))
    monkeypatch.setattr(executorch_api, "runtime", lambda: runtime)
    assert executorch_api.registered() == {"delegates": None, "operators": {"aten::add.out"}}


def test_an_operator_the_runtime_does_not_register_is_named_and_the_program_still_runs(monkeypatch, tmp_path):
    golden = copy_case(CASE, str(tmp_path))
    golden.verify()
    registered = executorch_api.registered()
    missing = "quantized_decomposed::quantize_per_tensor.out"
    monkeypatch.setattr(executorch_api, "registered",
                        lambda: dict(registered, operators=registered["operators"] - {missing}))
    (loader, part, step), = checks.check_executorch(CASE, golden)
    found = step()
    assert (loader, part) == ("runtime", "program")
    # The runtime here does register it: the output matches, and the one problem is the name.
    assert len(found) == 1 and found[0].startswith("execution_plan[0].operators["), found
    assert found[0].endswith("operator %s is not one the runtime registers" % missing), found
