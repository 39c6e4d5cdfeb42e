"""Every kind of case (bc/kinds.py) has its produce side (bc/corpus/produce.py)
and its check side (bc/checks.py), and every case's kind is one of them; every
kind of a user's artifact has its check, and bc/own_models/defs.bzl knows the
same kinds and observed parts."""

import ast
import os
import re

import pytest

from bc import case_table, checks, kinds, model_case
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


@pytest.mark.parametrize("kind", sorted(kinds.MODEL_KINDS.values(), key=lambda k: k.name), ids=lambda k: k.name)
def test_each_kind_of_a_users_artifact_has_its_check_and_what_it_observes(kind):
    assert callable(getattr(checks, kind.check, None)), "bc/checks.py has no %s" % kind.check
    assert kind.name in checks._MODELS, "bc/checks.py's observe() cannot load a %s artifact" % kind.name
    assert kind.part_names[0] == "input" and "expected" in kind.part_names


def test_the_macro_knows_the_kinds_and_observed_parts_python_does():
    with open(os.path.join(os.path.dirname(kinds.__file__), "own_models", "defs.bzl"), encoding="utf-8") as f:
        source = f.read()
    observed = ast.literal_eval(re.search(r"^_OBSERVED = (\{.*?\n\})$", source, re.M | re.S).group(1))
    assert {name: sorted(parts) for name, parts in observed.items()} == {
        name: sorted(set(kind.part_names) & set(kinds.OBSERVED_PARTS)) for name, kind in kinds.MODEL_KINDS.items()
    }
    start = source.index("_KIND_DEPS = {")
    named = set(re.findall(r'^    "(\w+)": \[', source[start : source.index("\n}", start)], re.M))
    assert named == set(kinds.MODEL_KINDS)
    assert '_SPEC_SUFFIX = "%s"' % model_case.SPEC_SUFFIX in source


@pytest.mark.parametrize("kind", sorted(kinds.MODEL_KINDS.values(), key=lambda k: k.name), ids=lambda k: k.name)
def test_a_model_kinds_loaders_are_those_its_check_names(kind):
    """A user's record names one of Kind.loaders (bc/model_case.py refuses others): they are the check's."""

    class Golden:
        def path(self, part):
            return part

    case = model_case.from_spec(
        {"name": "x", "label": "//:x", "kind": kind.name, "artifact": "a.pt", "input": "i.pt", "expected": "e.pt",
         "factory": "m:f" if kind.name in model_case.FACTORY_KINDS else None,
         "folder_files": ["config.json", "model.safetensors"]}, ("fbgemm",))
    assert tuple(loader for loader, _, _ in getattr(checks, kind.check)(case, Golden())) == kind.loaders


def test_a_kinds_pins_are_the_generators_own():
    """The huggingface kind is checked under the pins its files were generated under (bc/corpus/pinned.py): the
    same values, so that a CPU's own kernels are not mistaken for a change of format."""
    from bc.corpus import pinned

    for kind in list(kinds.KINDS.values()) + list(kinds.MODEL_KINDS.values()):
        assert {key: pinned.ENVIRONMENT.get(key) for key in kind.environment} == kind.environment, kind.name
    assert kinds.environment_of("huggingface")
