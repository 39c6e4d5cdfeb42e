"""bazel run //bc:regenerate: frozen record, partial restore, refusal, --force, --check, --adopt.

Runs regenerate's functions on temporary trees laid out like bc/generated/<corpus>
(the generators' outputs, a folder per case) and serialized/ (the committed corpus).
"""

import json
import os
import zipfile

import pytest
import torch

from bc import case_table, corpora, manifest
from bc.corpus import regenerate

TABLE = case_table.load_table()
CASE = TABLE["test_per_tensor_observer"]  # three parts: input, state_dict, expected


@pytest.fixture
def generated(tmp_path):
    """The generated folder (of one corpus); the case's files are in its folder <case>/."""
    directory = tmp_path / "generated" / CASE.name
    (directory / "manifest").mkdir(parents=True)
    for name in CASE.golden_names():
        (directory / name).write_bytes(b"generated " + name.encode())
    manifest.write(manifest.manifest_path(str(directory), CASE.name),
                   manifest.for_files(str(directory), CASE, "generated", {}))
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


def test_restoring_one_file_keeps_a_manifest_that_differs_only_in_the_writing_cpu(generated, golden):
    # The restore command a failure suggests, on another machine than the corpus's writer: only the file comes back.
    name = manifest.manifest_path("", CASE.name)
    committed = json.loads(read_generated(generated, name))
    committed.setdefault("producer", {})[manifest.WRITER_CPU] = {"vendor": "GenuineIntel", "family": "6", "model": "167"}
    for part in CASE.golden_names():
        os.makedirs(os.path.dirname(os.path.join(golden, name)), exist_ok=True)
        with open(os.path.join(golden, part), "wb") as f:
            f.write(read_generated(generated, part))
    with open(os.path.join(golden, name), "w") as f:
        json.dump(committed, f)
    os.remove(os.path.join(golden, CASE.golden_names()[1]))
    refused, report = run(generated, golden)
    assert refused == 0 and "wrote state_dict" in report and "manifest" not in report
    assert json.loads(read(golden, name)) == committed
    assert read(golden, CASE.golden_names()[1]) == read_generated(generated, CASE.golden_names()[1])


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


def write_sound_files(golden, case=CASE):
    for name in case.golden_names():
        torch.save({"min_val": torch.tensor(0.25), "max_val": torch.tensor(0.75)}, os.path.join(golden, name))


def adopt(golden, case=CASE):
    lines = []
    refused = regenerate.adopt([case], golden, origin="PyTorch v1.13 corpus", report=lines.append, table=TABLE)
    return refused, "\n".join(lines)


def test_adopt_records_present_files_with_their_origin(golden):
    write_sound_files(golden)
    assert adopt(golden) == (0, "%s: adopted 3 file(s) (PyTorch v1.13 corpus)" % CASE.name)
    with open(manifest.manifest_path(golden, CASE.name)) as f:
        body = json.load(f)
    assert body["origin"] == "PyTorch v1.13 corpus"
    assert body["files"] == {n: manifest.sha256(os.path.join(golden, n)) for n in CASE.golden_names()}


def _with_a_deleted_class(path):
    """The TorchScript archive at path, its packed parameters renamed to a class no torch has."""
    with zipfile.ZipFile(path) as archive:
        records = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in records:
            if info.filename.endswith("/data.pkl"):
                assert b"\nLinearPackedParamsBase\n" in data
                data = data.replace(b"\nLinearPackedParamsBase\n", b"\nLinearPackedParamsBaseOf1_6\n")
            archive.writestr(info, data)


def test_adopt_accepts_a_sound_file_that_today_s_torch_no_longer_loads(golden):
    """How an old file enters: adoption records it, and the case test then reports what today's torch makes of it."""
    case = TABLE["test_linear"]
    write_sound_files(golden, case)
    scripted = os.path.join(golden, case.golden_name("scripted"))
    torch.jit.save(torch.jit.script(torch.ao.nn.quantized.Linear(2, 2)), scripted)
    _with_a_deleted_class(scripted)
    with pytest.raises(RuntimeError):
        torch.jit.load(scripted)
    assert adopt(golden, case) == (0, "test_linear: adopted 5 file(s) (PyTorch v1.13 corpus)")
    recorded = manifest.read(manifest.manifest_path(golden, case.name))
    assert recorded.formats[case.golden_name("scripted")]["packed_params"] == ["LinearPackedParamsBaseOf1_6 (Tensor, Tensor)"]


def test_adopt_would_accept_every_committed_golden_file_of_every_corpus():
    """What older releases wrote, the files today's torch computes differently from included, is sound."""
    unsound = [
        problem
        for corpus in corpora.load().values()
        for case in TABLE
        if corpus.holds(case)
        for problem in (regenerate._adoption_problem(case, corpus.directory, part) for part in case.parts)
        if problem
    ]
    assert unsound == []


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


def test_ctrl_c_while_building_the_generators_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "serialized").mkdir()
    monkeypatch.setenv("BUILD_WORKSPACE_DIRECTORY", str(tmp_path))

    def interrupted(*_):
        raise KeyboardInterrupt

    monkeypatch.setattr(regenerate, "build_generators", interrupted)
    assert regenerate.main([CASE.name]) == 130
    err = capsys.readouterr().err
    assert err.startswith("interrupted by SIGINT between writes") and "Traceback" not in err
    assert sorted(os.listdir(tmp_path / "serialized")) == []
