"""The loading policy's allowlist (bc/golden_io.py), and its check under a torch without safe_globals."""

import glob

import pytest
import torch
from torch import _weights_only_unpickler

from bc import formats, golden_io, torch_api

WEIGHTS_ONLY_PARTS = ("input", "expected", "state_dict", "get_attr_targets")


def test_the_allowlist_is_todays_weights_only_allowlist_and_torch_script_object():
    today = set(_weights_only_unpickler._get_allowed_globals())
    named = {name.replace("__builtin__.", "builtins.") for name in golden_io.ALLOWED_GLOBALS}
    assert named - today == {"torch.ScriptObject", "torch._C.ScriptObject"}


def test_every_corpus_names_only_allowlisted_globals():
    paths = [p for p in glob.glob("serialized/**/*.pt", recursive=True) if p.split(".")[-2] in WEIGHTS_ONLY_PARTS]
    assert len(paths) > 100  # every corpus, past releases' included
    for path in paths:
        assert formats.torch_save_globals(path) <= golden_io.ALLOWED_GLOBALS, path


@pytest.fixture
def without_safe_globals(monkeypatch):
    monkeypatch.setattr(torch_api, "extensible_weights_only", lambda: None)


class Payload:
    def __reduce__(self):
        return (print, ("ran",))


def test_an_older_torch_loads_allowlisted_files(tmp_path, without_safe_globals):
    path = tmp_path / "x.pt"
    torch.save({"w": torch.ones(2), "targets": {"a", "b"}}, path)
    loaded = golden_io.weights_only_load(str(path))
    assert torch.equal(loaded["w"], torch.ones(2)) and loaded["targets"] == {"a", "b"}


def test_an_older_torch_refuses_other_globals_without_running_them(tmp_path, without_safe_globals, capsys):
    path = tmp_path / "x.pt"
    torch.save({"w": Payload()}, path)
    with pytest.raises(golden_io.GoldenError, match="unsafe: .*__builtin__.print"):
        golden_io.weights_only_load(str(path))
    assert "ran" not in capsys.readouterr().out
