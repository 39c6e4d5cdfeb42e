"""Every way a golden file can be wrong gets a clear message, and no payload runs.

Each test copies one case's committed golden files into a temporary
serialized/ directory, breaks them there, and checks what the test harness
(GoldenSet.verify, the checks, and the failure a case test reports) says about it.
"""

import os
import pickle
import struct
import traceback
import zipfile

import pytest
import torch

from bc import case_table, checks, engines, golden_io, harness, kinds, manifest
from tests.golden_copies import adopt, copy_case, verify_error

TABLE = case_table.load_table()


@pytest.fixture
def corpus(tmp_path):
    """A function copying a case's committed files into tmp serialized/."""

    def copy(name):
        case = TABLE[name]
        return case, copy_case(case, str(tmp_path / "serialized"))

    return copy


def test_the_committed_files_pass(corpus):
    _, golden = corpus("test_linear")
    golden.verify()


def test_missing_file_names_it_and_the_command_that_restores_it(corpus):
    case, golden = corpus("test_linear")
    os.remove(golden.path("traced"))
    message = verify_error(golden)
    assert golden.path("traced") in message
    assert "bazel run //bc:regenerate -- test_linear" in message


@pytest.mark.parametrize(
    "part, damage, expected",
    [
        ("input", lambda data: b"", "empty file (0 bytes)"),
        ("scripted", lambda data: data[: len(data) // 2], "truncated or corrupt zip archive"),
        ("expected", lambda data: b"GIF89a" + data, "not a torch file"),
        ("state_dict", lambda data: pickle.dumps(12345, protocol=2) + data[20:], "wrong magic number 12345"),
        ("state_dict", lambda data: data[:300], "truncated or corrupt"),
    ],
    ids=["empty", "truncated-zip", "not-a-zip", "wrong-magic", "truncated-pickle"],
)
def test_damaged_file_is_named_with_what_is_wrong(corpus, part, damage, expected):
    _, golden = corpus("test_linear")  # legacy state dict, zip archives
    path = golden.path(part)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(damage(data))
    adopt(golden)  # recorded in the manifest, so the digests pass and the parsers speak
    message = verify_error(golden)
    assert path in message and expected in message


def test_a_file_that_does_not_match_its_digest_reaches_no_parser(corpus, monkeypatch):
    _, golden = corpus("test_linear")
    with open(golden.path("scripted"), "wb") as f:
        f.write(b"PK\x03\x04 not really a zip")

    def no_parser(path):
        raise AssertionError("a parser read %s before its digest was checked" % path)

    monkeypatch.setattr(golden_io, "format_problem", no_parser)
    assert "changed without a manifest update" in verify_error(golden)


def test_corrupt_zip_member_is_named(corpus):
    _, golden = corpus("test_linear")
    path = golden.path("traced")
    with zipfile.ZipFile(path) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith("data.pkl"))
    with open(path, "r+b") as f:
        # The local header's own name and extra lengths (torch pads the extra field).
        f.seek(info.header_offset + 26)
        name_length, extra_length = struct.unpack("<HH", f.read(4))
        f.seek(info.header_offset + 30 + name_length + extra_length + 3)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    adopt(golden)
    assert "corrupt zip member %s (CRC mismatch)" % info.filename in verify_error(golden)


class Payload:
    """Pickles as a call to os.system: loading it would create the marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch %s" % self.marker,))


def test_torch_file_with_a_code_payload_is_refused_as_unsafe(corpus, tmp_path):
    _, golden = corpus("test_linear")
    marker = tmp_path / "payload-ran"
    torch.save({"weight": Payload(marker)}, golden.path("state_dict"))
    adopt(golden)  # even a file whose digest was recorded is refused
    message = verify_error(golden)
    assert "unsafe" in message and golden.path("state_dict") in message
    assert "system" in message
    assert not marker.exists()


def test_bare_pickle_with_a_code_payload_is_refused_as_unsafe(corpus, tmp_path):
    _, golden = corpus("test_linear")
    marker = tmp_path / "payload-ran"
    with open(golden.path("state_dict"), "wb") as f:
        pickle.dump(Payload(marker), f, protocol=4)
    adopt(golden)
    message = verify_error(golden)
    assert "unsafe" in message and golden.path("state_dict") in message
    assert not marker.exists()


def test_package_with_a_payload_is_not_opened_unless_its_digest_matches(corpus, tmp_path):
    _, golden = corpus("test_linear_relu_package_quantization_transforms")
    marker = tmp_path / "payload-ran"
    with torch.package.PackageExporter(golden.path("package")) as exporter:
        exporter.save_pickle(kinds.PACKAGE_NAME, kinds.PACKAGE_RESOURCE, Payload(marker))
    message = verify_error(golden)
    assert "changed without a manifest update" in message
    assert not marker.exists()


def test_changed_file_shows_both_digests(corpus):
    case, golden = corpus("test_lstm")
    path = golden.path("input")
    torch.save(torch.zeros(4, 4, 3), path)
    recorded = manifest.read(manifest.manifest_path(golden.directory, case.name)).files[case.golden_name("input")]
    message = verify_error(golden)
    assert case.golden_name("input") in message
    assert "manifest sha256 %s" % recorded in message
    assert "file     sha256 %s" % manifest.sha256(path) in message


def test_missing_manifest_says_how_to_record_one(corpus):
    case, golden = corpus("test_linear")
    os.remove(manifest.manifest_path(golden.directory, case.name))
    assert "bazel run //bc:regenerate -- --adopt" in verify_error(golden)


def test_float_expected_where_a_quantized_output_was_saved_is_said_plainly(corpus):
    case, golden = corpus("test_linear")
    torch.save(torch.zeros(1, 1), golden.path("expected"))
    adopt(golden)
    golden.verify()
    with engines.engine("fbgemm"):
        problems = checks.check(case, golden, "fbgemm", recorded=lambda loader: None)
    assert len(problems) == 3  # eager, scripted, traced
    assert "loader eager" in problems[0] and golden.path("state_dict") in problems[0]
    assert "output vs %s: " % golden.path("expected") in problems[0]  # the file that changed
    assert "returns a quantized tensor but the golden file holds a non-quantized one" in problems[0]
    assert "actual:   torch.quint8 (1, 1)" in problems[0]
    assert "expected: torch.float32 (1, 1)" in problems[0]


class TwoInputs(torch.nn.Module):
    def forward(self, x, y):
        return x + y


def test_archive_that_cannot_run_on_the_input_is_a_problem_of_its_loader(corpus):
    case, golden = corpus("test_linear")
    torch.jit.save(torch.jit.script(TwoInputs()), golden.path("scripted"))
    adopt(golden)
    with engines.engine("fbgemm"):
        problems = checks.check(case, golden, "fbgemm", recorded=lambda loader: None)
    (problem,) = problems  # eager and traced still pass
    assert "case test_linear, engine fbgemm, loader scripted, file %s" % golden.path("scripted") in problem
    assert "raised RuntimeError" in problem and "y" in problem


def test_wrong_shape_in_expected_is_said_plainly(corpus):
    case, golden = corpus("test_lstm")
    expected = torch.load(golden.path("expected"), weights_only=True)
    torch.save((expected[0][:2], expected[1]), golden.path("expected"))
    adopt(golden)
    with engines.engine("fbgemm"):
        problems = checks.check(case, golden, "fbgemm", recorded=lambda loader: None)
    assert "output vs %s[0]: shape differs" % golden.path("expected") in problems[0]
    assert "torch.float32 (4, 4, 7)" in problems[0] and "torch.float32 (2, 4, 7)" in problems[0]


def test_a_refused_golden_file_reads_as_one_block_naming_case_corpus_engine_file_and_remedy(corpus):
    case, golden = corpus("test_linear")
    with open(golden.path("input"), "wb"):
        pass
    adopt(golden)
    with pytest.raises(golden_io.GoldenError) as error:
        golden.verify()
    assert checks.refusal(case, "1.6.0", "fbgemm", error.value) == (
        "test_linear, corpus 1.6.0, under engine fbgemm: unreadable golden files:\n"
        "  %s: empty file (0 bytes)\n"
        "Restore them with:  bazel run //bc:regenerate -- test_linear  (after deleting them), or from version control."
        % golden.path("input")
    )
    failed = checks.failure(case, "1.6.0", "fbgemm", ["case test_linear, engine fbgemm, loader eager, file F:"])
    assert failed.startswith("test_linear, corpus 1.6.0, under engine fbgemm: 1 problem (host: ")


def test_a_refusal_is_raised_the_same_for_every_engine_without_growing(corpus, tmp_path):
    # The case test checks one corpus under each engine; a refused file fails each the same way, and the refusal
    # must not carry the frames of every earlier raise (docs/failures.md: one block per method, no traceback).
    case, golden = corpus("test_linear")
    with open(golden.path("input"), "r+b") as f:
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0xFF]))
    run = harness.CaseInCorpus(case, "today", directory=golden.directory)
    raised = []
    for engine in ("fbgemm", "qnnpack", "x86"):
        with pytest.raises(golden_io.GoldenError) as error:
            run.check(engine, harness.RECORDED)
        raised.append(error.value)
    assert str(raised[0]) == str(raised[1]) == str(raised[2])  # each check verifies in its own child (bc/confine.py)
    assert "changed without a manifest update" in str(raised[0])
    frames = len(traceback.extract_tb(raised[2].__traceback__))
    with pytest.raises(golden_io.GoldenError) as again:
        run.check("onednn", harness.RECORDED)
    assert len(traceback.extract_tb(again.value.__traceback__)) == frames
