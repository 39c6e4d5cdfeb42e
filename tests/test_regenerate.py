"""bazel run //bc:regenerate: frozen record, partial restore, refusal, --force, --check, --adopt.

Runs regenerate's functions on temporary trees laid out like bc/generated/<corpus>
(the generators' outputs, a folder per case) and serialized/ (the committed corpus).
"""

import json
import os

import pytest

from bc import case_table, manifest, regenerate

CASE = case_table.load_table()["test_per_tensor_observer"]  # three parts: input, state_dict, expected


@pytest.fixture
def generated(tmp_path):
    """The generated folder (of one corpus); the case's files are in its folder <case>/."""
    directory = tmp_path / "generated" / CASE.name
    (directory / "manifest").mkdir(parents=True)
    for name in CASE.golden_names():
        (directory / name).write_bytes(b"generated " + name.encode())
    manifest.write(manifest.manifest_path(str(directory), CASE.name),
                   manifest.describe(str(directory), CASE, "generated", {}))
    return str(tmp_path / "generated")


@pytest.fixture
def golden(tmp_path):
    directory = tmp_path / "serialized"
    directory.mkdir()
    return str(directory)


def read(directory, name):
    with open(os.path.join(directory, name), "rb") as f:
        return f.read()


def read_generated(generated, name):
    return read(regenerate.generated_case(generated, CASE), name)


def run(generated, golden, force=False):
    lines = []
    refused = regenerate.regenerate([CASE], generated, golden, force, report=lines.append)
    return refused, "\n".join(lines)


def test_empty_case_is_written_whole(generated, golden):
    refused, _ = run(generated, golden)
    assert refused == 0
    for name in manifest.case_files(CASE):
        assert read(golden, name) == read_generated(generated, name)


def test_complete_case_is_left_alone_even_if_it_differs(generated, golden):
    for name in manifest.case_files(CASE):
        os.makedirs(os.path.dirname(os.path.join(golden, name)), exist_ok=True)
        with open(os.path.join(golden, name), "wb") as f:
            f.write(b"from an older release")
    refused, report = run(generated, golden)
    assert refused == 0 and "left as it is" in report
    assert read(golden, CASE.golden_names()[0]) == b"from an older release"


def test_partial_case_restores_missing_files_when_the_rest_is_current(generated, golden):
    present = CASE.golden_names()[0]
    with open(os.path.join(golden, present), "wb") as f:
        f.write(read_generated(generated, present))
    refused, report = run(generated, golden)
    assert refused == 0
    assert "wrote state_dict, expected, manifest" in report
    for name in manifest.case_files(CASE):
        assert read(golden, name) == read_generated(generated, name)


def test_partial_case_with_drifted_files_is_refused_and_untouched(generated, golden):
    present = CASE.golden_names()[0]
    with open(os.path.join(golden, present), "wb") as f:
        f.write(b"from an older release")
    refused, report = run(generated, golden)
    assert refused == 1
    assert "REFUSED" in report and present in report
    assert "bazel run //bc:regenerate -- --force %s" % CASE.name in report
    assert sorted(os.listdir(golden)) == [present]
    assert read(golden, present) == b"from an older release"


def test_force_overwrites_the_case(generated, golden):
    present = CASE.golden_names()[0]
    with open(os.path.join(golden, present), "wb") as f:
        f.write(b"from an older release")
    refused, _ = run(generated, golden, force=True)
    assert refused == 0
    for name in manifest.case_files(CASE):
        assert read(golden, name) == read_generated(generated, name)


def test_check_lists_drift_and_writes_nothing(generated, golden):
    run(generated, golden)
    drifted = CASE.golden_names()[1]
    with open(os.path.join(golden, drifted), "wb") as f:
        f.write(b"edited by hand")
    os.remove(os.path.join(golden, CASE.golden_names()[2]))
    before = sorted(os.listdir(golden))
    lines = []
    count = regenerate.check([CASE], generated, golden, report=lines.append)
    assert count == 2
    differs = "DIFFERS %s: " % os.path.join(golden, drifted)
    assert [line for line in lines if line.startswith(differs)] == [
        differs + "not only tensor data differ: (whole file, not a zip archive): differs (not tensor data of the same size)"
    ]
    assert "MISSING %s" % os.path.join(golden, CASE.golden_names()[2]) in lines
    assert sorted(os.listdir(golden)) == before
    assert read(golden, drifted) == b"edited by hand"


def test_check_is_clean_after_a_write(generated, golden):
    run(generated, golden)
    assert regenerate.check([CASE], generated, golden, report=lambda line: None) == 0


def test_adopt_records_present_files_with_their_origin(golden):
    for name in CASE.golden_names():
        with open(os.path.join(golden, name), "wb") as f:
            f.write(b"from pytorch/test/quantization/serialized " + name.encode())
    regenerate.adopt([CASE], golden, origin="PyTorch v1.13 corpus", report=lambda line: None)
    with open(manifest.manifest_path(golden, CASE.name)) as f:
        body = json.load(f)
    assert body["origin"] == "PyTorch v1.13 corpus"
    assert body["files"] == {n: manifest.sha256(os.path.join(golden, n)) for n in CASE.golden_names()}


def test_main_refuses_outside_bazel_run(monkeypatch, capsys):
    monkeypatch.delenv("BUILD_WORKSPACE_DIRECTORY", raising=False)
    with pytest.raises(SystemExit):
        regenerate.main(["--check"])
    assert "bazel run //bc:regenerate" in capsys.readouterr().err


def test_main_rejects_an_unknown_case(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("BUILD_WORKSPACE_DIRECTORY", str(tmp_path))
    with pytest.raises(SystemExit):
        regenerate.main(["test_nope"])
    assert "no case named 'test_nope'" in capsys.readouterr().err


def _record_cpu(directory, vendor):
    path = manifest.manifest_path(directory, CASE.name)
    with open(path, encoding="utf-8") as f:
        body = json.load(f)
    body["producer"]["cpu"] = {"vendor": vendor, "family": "6", "model": "106", "model_name": vendor, "flags": ["avx2"]}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(body, f)


def test_check_names_the_other_cpu_first_and_ignores_it_in_manifests(generated, golden):
    run(generated, golden)
    _record_cpu(regenerate.generated_case(generated, CASE), "AuthenticAMD")
    _record_cpu(golden, "GenuineIntel")
    lines = []
    assert regenerate.check([CASE], generated, golden, report=lines.append) == 0  # the CPU alone is no difference
    with open(os.path.join(golden, CASE.golden_names()[0]), "wb") as f:
        f.write(b"written on the other CPU")
    lines = []
    assert regenerate.check([CASE], generated, golden, report=lines.append) == 1
    assert lines[0].startswith("this CPU, AuthenticAMD (AuthenticAMD, family 6, model 106; avx2), is not the CPU that wrote")
    assert "GenuineIntel" in lines[0]
    assert lines[1].startswith("DIFFERS ")
