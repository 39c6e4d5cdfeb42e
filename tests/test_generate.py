"""Generation under the pinned configuration: refusals, and byte-stable writers."""

import filecmp
import os
import subprocess
import sys

import pytest
import torch

from bc import case_table
from bc.corpus import generate, pinned

TABLE = case_table.load_table()
LOCKED = dict(
    torch_version="2.13.0+cpu",
    locked_torch="2.13.0+cpu",
    supported_engines=["qnnpack", "onednn", "x86", "fbgemm"],
    cpu_capability="AVX2",
    fbgemm_saturates=True,
    environ=dict(pinned.ENVIRONMENT),
)


def refusals(**changes):
    return pinned.refusals(**dict(LOCKED, **changes))


def test_the_pinned_configuration_is_accepted():
    assert refusals() == []


def test_another_torch_is_refused():
    assert refusals(torch_version="2.14.1") == [
        "torch 2.14.1 is not the locked torch 2.13.0+cpu"
    ]


def test_a_torch_without_fbgemm_is_refused():
    (reason,) = refusals(supported_engines=["qnnpack"])
    assert "no fbgemm engine" in reason


def test_instruction_sets_that_did_not_take_effect_are_refused():
    reasons = refusals(cpu_capability="AVX512", fbgemm_saturates=False)
    assert any("ATEN_CPU_CAPABILITY had no effect" in r for r in reasons)
    assert any("FBGEMM_ENABLE_INSTRUCTIONS had no effect" in r for r in reasons)


def test_a_public_pin_accepts_the_wheels_build_suffix():
    assert refusals(torch_version="1.10.2+cu102", locked_torch="1.10.2") == []
    assert refusals(torch_version="1.10.2+cu102", locked_torch="1.10.2+cpu") != []


def test_a_pin_recorded_as_unhonoured_is_not_required():
    # torch 1.6.0's fbgemm runs exact kernels whatever FBGEMM_ENABLE_INSTRUCTIONS says (bc/releases.bzl).
    assert refusals(fbgemm_saturates=False, unhonoured={"FBGEMM_ENABLE_INSTRUCTIONS": "measured"}) == []
    assert refusals(cpu_capability="AVX512", unhonoured={"FBGEMM_ENABLE_INSTRUCTIONS": "measured"}) != []


def test_a_renamed_pin_is_set_under_both_names():
    pins = pinned.environment({"ONEDNN_MAX_CPU_ISA": "DNNL_MAX_CPU_ISA"})
    assert pins["DNNL_MAX_CPU_ISA"] == pins["ONEDNN_MAX_CPU_ISA"] == "AVX2"


def test_the_lock_gives_the_torch_wheels_digest(tmp_path):
    lock = tmp_path / "requirements_lock.txt"
    lock.write_text("torch==1.6.0 \\\n    --hash=sha256:%s\n    # via bc/releases.bzl\n" % ("5a" * 32))
    assert pinned.locked("torch", str(lock)) == ("1.6.0", "5a" * 32)


def test_an_unpinned_environment_is_refused():
    (reason,) = refusals(environ={})
    assert "ATEN_CPU_CAPABILITY" in reason and "PYTHONHASHSEED" in reason


def test_generate_refuses_under_another_locked_torch_and_writes_nothing(tmp_path, capsys):
    lock = tmp_path / "requirements_lock.txt"
    lock.write_text("torch==9.9.9 \\\n    --hash=sha256:00\n")
    out = tmp_path / "out"
    out.mkdir()
    status = generate.main(["--case", "test_linear", "--out", str(out), "--lock", str(lock)])
    assert status == 2
    err = capsys.readouterr().err
    assert "refusing" in err and "is not the locked torch 9.9.9" in err
    assert os.listdir(out) == []


def generate_in_a_new_process(name, out):
    # One process per case, as in the genrules: TorchScript numbers the classes
    # it compiles (___torch_mangle_N) per process.
    code = "import sys; from bc import case_table; from bc.corpus import generate; " \
           "generate.generate(case_table.load_table()[sys.argv[1]], sys.argv[2], producer={})"
    subprocess.run([sys.executable, "-sSB", "-c", code, name, str(out)], check=True)


@pytest.mark.parametrize("name", ["test_linear", "test_conv2d_graph", "test_lstm"])
def test_two_generations_give_the_same_bytes(tmp_path, name):
    case = TABLE[name]
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        out.mkdir()
        generate_in_a_new_process(name, out)
    names = case.golden_names() + [os.path.join("manifest", name + ".json")]
    match, mismatch, errors = filecmp.cmpfiles(str(first), str(second), names, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_generated_state_dict_is_legacy_where_the_seed_says_so(tmp_path):
    case = TABLE["test_linear"]
    generate.generate(case, str(tmp_path), producer={})
    with open(tmp_path / case.golden_name("state_dict"), "rb") as f:
        assert f.read(2) == b"\x80\x02"  # a pickle, not a zip archive
    torch.load(tmp_path / case.golden_name("state_dict"), weights_only=True)
