"""What a hostile contributor or a flaky machine can put in a checkout, and what the suite does.

One test per row of docs/hostile-inputs.md. Each works on temporary
copies of committed files (or trees made here), never on serialized/ itself,
and checks that what must not be touched is byte for byte as it was.
"""

import errno
import json
import os
import pickle
import resource
import shutil
import signal
import struct
import subprocess
import sys
import time
import zipfile

import pytest
import torch

from bc import case_table, golden_io, manifest
from bc.corpus import case_writer, corpus_consistency, regenerate
from tests.golden_copies import adopt, copy_case, snapshot, verify_error

TABLE = case_table.load_table()
LINEAR = TABLE["test_linear"]
PACKAGE = TABLE["test_linear_relu_package_quantization_transforms"]


@pytest.fixture
def tree(tmp_path):
    """A corpus with test_linear, a generated copy of it, and a folder outside both."""
    golden_dir, generated_dir, outside = tmp_path / "serialized", tmp_path / "generated", tmp_path / "outside"
    copy_case(LINEAR, str(golden_dir))
    copy_case(LINEAR, regenerate.generated_case(str(generated_dir), LINEAR))
    outside.mkdir()
    (outside / "precious.txt").write_text("not the suite's to touch")
    return str(golden_dir), str(generated_dir), str(outside)


def plant_marker(golden_dir, body):
    with open(manifest.pending_path(golden_dir, LINEAR.name), "w") as f:
        f.write(body if isinstance(body, str) else json.dumps(body))


def run_regenerate(golden_dir, generated_dir, case=LINEAR):
    reports = []
    with pytest.raises(case_writer.CaseWriterError) as error:
        regenerate.regenerate([case], generated_dir, golden_dir, force=False, report=reports.append, table=TABLE)
    return str(error.value), reports


# 1. The case writer obeys nothing it finds.


def test_marker_naming_paths_outside_the_corpus_is_refused(tree):
    golden_dir, generated_dir, outside = tree
    before = snapshot(os.path.dirname(golden_dir))
    victim = os.path.join(outside, "precious.txt")
    plant_marker(golden_dir, {
        "case": LINEAR.name, "state": "committing",
        "files": [victim, "../../outside/precious.txt"], "originals": [victim],
    })
    os.makedirs(os.path.join(golden_dir, case_writer.STAGING, LINEAR.name, "old"))
    with open(os.path.join(golden_dir, case_writer.STAGING, LINEAR.name, "old", victim.replace(os.sep, "__")), "w") as f:
        f.write("written outside")
    message, _ = run_regenerate(golden_dir, generated_dir)
    assert manifest.pending_path(golden_dir, LINEAR.name) in message
    assert "not the case's own" in message and "Nothing was touched" in message
    after = snapshot(os.path.dirname(golden_dir))
    assert {k: v for k, v in after.items() if not k.startswith("serialized/")} == {
        k: v for k, v in before.items() if not k.startswith("serialized/")
    }
    assert open(victim).read() == "not the suite's to touch"


def test_staging_area_that_is_a_symlink_is_refused_and_its_target_kept(tree):
    golden_dir, generated_dir, outside = tree
    os.symlink(outside, os.path.join(golden_dir, case_writer.STAGING))
    message, _ = run_regenerate(golden_dir, generated_dir)
    assert os.path.join(golden_dir, case_writer.STAGING) in message and "symlink" in message
    assert os.listdir(outside) == ["precious.txt"]


def test_truncated_marker_is_named_with_the_remedy(tree):
    golden_dir, generated_dir, _ = tree
    plant_marker(golden_dir, '{"case": "test_linear", "state": "comm')
    before = snapshot(golden_dir)
    message, _ = run_regenerate(golden_dir, generated_dir)
    assert manifest.pending_path(golden_dir, LINEAR.name) in message
    assert "cannot read the regenerate marker" in message and "git checkout -- %s/" % golden_dir in message
    assert snapshot(golden_dir) == before


def test_committed_marker_is_refused(tree, monkeypatch):
    golden_dir, generated_dir, _ = tree
    plant_marker(golden_dir, {"case": LINEAR.name, "state": "staging", "files": [], "originals": []})
    monkeypatch.setattr(case_writer, "tracked_by_git", lambda path: True)
    message, _ = run_regenerate(golden_dir, generated_dir)
    assert "is committed to version control" in message and "git rm" in message
    assert corpus_consistency.problems(golden_dir, [LINEAR]) == [
        "test_linear: an interrupted `bazel run //bc:regenerate` left it half-written; "
        "run `bazel run //bc:regenerate` to roll it back"
    ]


def test_leftovers_of_an_unknown_case_are_refused(tree):
    golden_dir, generated_dir, _ = tree
    with open(manifest.pending_path(golden_dir, "test_gone"), "w") as f:
        f.write("{}")
    message, _ = run_regenerate(golden_dir, generated_dir)
    assert "not cases of bc/cases.bzl" in message


def test_scratch_files_left_by_a_failed_write_are_cleaned_by_recovery(tree):
    golden_dir, generated_dir, _ = tree
    scratch = manifest.pending_path(golden_dir, LINEAR.name) + manifest.SCRATCH_SUFFIX
    with open(scratch, "w") as f:
        f.write('{"half')
    reports = []
    regenerate.regenerate([LINEAR], generated_dir, golden_dir, force=False, report=reports.append, table=TABLE)
    assert not os.path.exists(scratch)
    assert corpus_consistency.problems(golden_dir, [LINEAR]) == []


# 2. One regenerate at a time.

WRITER = """
import sys, time
from bc import case_table
from bc.corpus import case_writer, regenerate
golden_dir, generated_dir, force, case, pause = sys.argv[1:6]
with case_writer.exclusive(golden_dir, report=lambda line: print(line, flush=True)):
    time.sleep(float(pause))
    table = case_table.load_table()
    sys.exit(regenerate.regenerate([table[case]], generated_dir, golden_dir, force == "force", table=table))
"""


@pytest.mark.parametrize("where", ["scratch", "file"])
def test_no_write_follows_a_committed_link(tree, where):
    # A committed serialized/manifest/test_linear.json.tmp -> /outside/precious.txt made regenerate overwrite it.
    golden_dir, _, outside = tree
    path = manifest.manifest_path(golden_dir, LINEAR.name)
    link = path + manifest.SCRATCH_SUFFIX if where == "scratch" else path
    if where == "file":
        os.remove(path)
    precious = os.path.join(outside, "precious.txt")
    os.symlink(precious, link)
    with pytest.raises(OSError) as refused:
        manifest.write_atomically(path, "{}")
    assert refused.value.errno == errno.ELOOP
    assert "%s is a symbolic link where quant-bc writes a file" % link in str(refused.value)
    with open(precious) as f:
        assert f.read() == "not the suite's to touch"
    assert os.path.islink(link)  # named, left for the user to remove


def test_overlapping_regenerates_never_lose_a_write(tmp_path):
    """30 trials: a forced rewrite of test_linear against a plain regenerate of another case."""
    other = TABLE["test_conv2d"]
    for trial in range(30):
        root = tmp_path / str(trial)
        golden_dir, generated_dir = str(root / "serialized"), str(root / "generated")
        copy_case(LINEAR, golden_dir)
        copy_case(other, golden_dir)
        copy_case(LINEAR, regenerate.generated_case(generated_dir, LINEAR))
        copy_case(other, regenerate.generated_case(generated_dir, other))
        regenerated = os.path.join(regenerate.generated_case(generated_dir, LINEAR), LINEAR.golden_name("input"))
        with open(regenerated, "ab") as f:
            f.write(b"regenerated")  # what --force must leave in the corpus
        first = subprocess.Popen(
            [sys.executable, "-sSB", "-c", WRITER, golden_dir, generated_dir, "force", LINEAR.name, "0.05"],
            stdout=subprocess.PIPE, text=True,
        )
        second = subprocess.Popen(
            [sys.executable, "-sSB", "-c", WRITER, golden_dir, generated_dir, "plain", other.name, "0"],
            stdout=subprocess.PIPE, text=True,
        )
        outputs = [p.communicate()[0] for p in (first, second)]
        assert [first.returncode, second.returncode] == [0, 0], outputs
        assert "rolled back" not in "".join(outputs), outputs
        with open(os.path.join(golden_dir, LINEAR.golden_name("input")), "rb") as f, open(regenerated, "rb") as g:
            assert f.read() == g.read(), "trial %d lost the forced write: %s" % (trial, outputs)
        assert case_writer.unfinished(golden_dir) == []


def test_the_second_regenerate_waits_and_says_for_whom(tmp_path):
    golden_dir = str(tmp_path / "serialized")
    os.makedirs(golden_dir)
    lines = []
    with case_writer.exclusive(golden_dir):
        waiter = subprocess.Popen(
            [sys.executable, "-sSB", "-c", "import sys\nfrom bc.corpus import case_writer\n"
             "with case_writer.exclusive(sys.argv[1]): print('got it', flush=True)", golden_dir],
            stdout=subprocess.PIPE, text=True,
        )
        lines.append(waiter.stdout.readline())
        time.sleep(0.2)
        assert waiter.poll() is None  # still waiting
    lines.append(waiter.stdout.readline())
    waiter.wait()
    assert lines[0].startswith("waiting: another regenerate or .update holds %s (pid %d" % (
        os.path.join(str(tmp_path), case_writer.LOCK), os.getpid()))
    assert lines[1] == "got it\n"


# 3. Digests and regular files before parsers; zip members within a cap.


def declare_inflated_size(path, member, size):
    """Rewrites the size a zip's central directory declares for one member, inflating nothing."""
    with zipfile.ZipFile(path) as archive:
        start_dir = archive.start_dir
    with open(path, "r+b") as f:
        f.seek(start_dir)
        directory = f.read()
        entry = 0
        while directory[entry : entry + 4] == b"PK\x01\x02":
            name_length, extra_length, comment_length = struct.unpack("<HHH", directory[entry + 28 : entry + 34])
            if directory[entry + 46 : entry + 46 + name_length].decode() == member:
                f.seek(start_dir + entry + 24)
                f.write(struct.pack("<I", size))
                return
            entry += 46 + name_length + extra_length + comment_length
    raise AssertionError("no central directory record for %s" % member)


def test_zip_bomb_is_refused_from_its_declared_sizes_fast_and_small(tmp_path):
    golden = copy_case(LINEAR, str(tmp_path / "serialized"))
    path = golden.path("expected")
    with zipfile.ZipFile(path) as archive:
        member = next(i.filename for i in archive.infolist() if "/data/0" in i.filename)
    declare_inflated_size(path, member, 3 << 30)
    adopt(golden)  # even with a matching manifest
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    message = verify_error(golden)
    seconds = time.monotonic() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert "suspicious" in message and path in message and "3,221,225,472 bytes" in message
    assert seconds < 5 and grown_mb < 500, (seconds, grown_mb)


def test_named_pipe_ends_in_seconds_with_a_message(tmp_path):
    golden = copy_case(LINEAR, str(tmp_path / "serialized"))
    os.remove(golden.path("input"))
    os.mkfifo(golden.path("input"))
    signal.alarm(20)  # a read of the pipe would block forever: fail instead
    try:
        message = verify_error(golden)
        with pytest.raises(manifest.ManifestError, match="special file, not a regular file"):
            manifest.for_files(golden.directory, LINEAR, "adopted", {})  # what --adopt digests
    finally:
        signal.alarm(0)
    assert "%s is a named pipe, not a regular file" % golden.path("input") in message


def test_directory_in_place_of_a_golden_file(tree):
    golden_dir, generated_dir, _ = tree
    golden = golden_io.GoldenSet(LINEAR, golden_dir)
    os.remove(golden.path("input"))
    os.mkdir(golden.path("input"))
    assert "%s is a directory, not a regular file" % golden.path("input") in verify_error(golden)
    reports = []
    assert regenerate.regenerate([LINEAR], generated_dir, golden_dir, force=False, report=reports.append, table=TABLE) == 1
    assert reports[0].startswith("REFUSED test_linear: not regular files:") and golden.path("input") in reports[0]


def test_symlink_to_a_valid_file_outside_the_corpus_is_refused(tree):
    golden_dir, _, outside = tree
    golden = golden_io.GoldenSet(LINEAR, golden_dir)
    moved = os.path.join(outside, LINEAR.golden_name("input"))
    shutil.move(golden.path("input"), moved)
    os.symlink(moved, golden.path("input"))
    message = verify_error(golden)
    assert "resolves to %s, outside the corpus" % moved in message
    assert any("resolves to %s" % moved in line for line in corpus_consistency.problems(golden_dir, [LINEAR]))


class Payload:
    """Pickles as the call func(*args): loading it would make that call."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def _empty(path, marker):
    open(path, "wb").close()


def _truncated(path, marker):
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])


def _zip_bomb(path, marker):
    with zipfile.ZipFile(path) as archive:
        member = next(i.filename for i in archive.infolist() if i.filename.endswith("/data.pkl"))
    declare_inflated_size(path, member, 3 << 30)


def _zipfile_payload(path, marker):
    torch.save({"weight": Payload(os.system, "touch %s" % marker)}, path)


def _legacy_payload(path, marker):
    torch.save({"weight": Payload(os.system, "touch %s" % marker)}, path, _use_new_zipfile_serialization=False)


def _bare_pickle_payload(path, marker):
    with open(path, "wb") as f:
        # GLOBAL subprocess check_call (fix_imports would spell it as Python 2's commands module).
        pickle.dump(Payload(subprocess.check_call, ["touch", str(marker)]), f, protocol=2, fix_imports=False)


OUTSIDE_THE_ALLOWLIST = "unsafe: loading it would call code outside the weights-only allowlist"


@pytest.mark.parametrize(
    "part, damage, problem",
    [
        ("input", _empty, "empty file (0 bytes)"),
        ("scripted", _truncated, "truncated or corrupt zip archive"),
        ("traced", _zip_bomb, "suspicious: its zip members declare 3,2"),
        ("state_dict", _zipfile_payload, OUTSIDE_THE_ALLOWLIST + " (posix.system)"),
        ("state_dict", _legacy_payload, OUTSIDE_THE_ALLOWLIST + " (posix.system)"),
        ("state_dict", _bare_pickle_payload, "unsafe: a pickle that imports subprocess.check_call, which would run"),
    ],
    ids=["empty", "truncated-zip", "zip-bomb", "os.system-zipfile", "os.system-legacy", "subprocess-bare-pickle"],
)
@pytest.mark.parametrize("recorded", [False, True], ids=["first-adoption", "over-a-manifest"])
def test_adopt_refuses_an_unreadable_or_unsafe_file_naming_it_and_records_nothing(
    tmp_path, part, damage, problem, recorded
):
    golden = copy_case(LINEAR, str(tmp_path / "serialized"))
    if not recorded:
        os.remove(manifest.manifest_path(golden.directory, LINEAR.name))
    marker = tmp_path / "payload-ran"
    damage(golden.path(part), marker)
    before = snapshot(golden.directory)
    reports = []
    assert regenerate.adopt([LINEAR], golden.directory, "elsewhere", report=reports.append, table=TABLE) == 1
    (report,) = reports
    assert report.startswith("REFUSED test_linear: not adopted, nothing recorded")
    assert "\n  %s: %s" % (golden.path(part), problem) in report
    assert report.count("\n  ") == 1  # the sound files are not named
    assert "Replace them with sound files" in report
    assert snapshot(golden.directory) == before  # no manifest written, or the committed one as it was
    assert not marker.exists()


# 4. Package code gets neither the host's /tmp nor a network.

PAYLOAD = '''
import os, socket
with open("/tmp/quant-bc-package-payload", "w") as f:
    f.write("ran")
INTERFACES = [name for _, name in socket.if_nameindex()]
'''


def tmp_is_private():
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == "/tmp" and " - tmpfs " in line for line in f)


@pytest.mark.skipif(
    not tmp_is_private(),
    reason="/tmp is the host's here: tools/bazel makes it a private tmpfs only for checkouts and output "
    "bases outside /tmp (docs/corpora.md, Loading policy)",
)
def test_package_code_writes_to_a_private_tmp_and_sees_no_network(tmp_path):
    path = str(tmp_path / "hostile.pt")
    with torch.package.PackageExporter(path) as exporter:
        exporter.save_source_string("hostile", PAYLOAD)
        exporter.save_pickle("test", "test.pkl", {"answer": 42})
    importer = torch.package.PackageImporter(path)
    module = importer.import_module("hostile")
    assert os.path.exists("/tmp/quant-bc-package-payload")  # the code ran, inside the sandbox
    assert module.INTERFACES == ["lo"], module.INTERFACES  # nothing to connect to but itself


# 5. Messages, not tracebacks.


@pytest.mark.parametrize("files", [["TestSerialization.test_linear.input.pt"], None, {"x": "not a digest"}])
def test_malformed_manifest_is_named_with_the_remedy(tree, files):
    golden_dir, _, _ = tree
    path = manifest.manifest_path(golden_dir, LINEAR.name)
    with open(path) as f:
        body = json.load(f)
    body["files"] = files
    with open(path, "w") as f:
        json.dump(body, f)
    golden = golden_io.GoldenSet(LINEAR, golden_dir)
    for message in (verify_error(golden), "\n".join(corpus_consistency.problems(golden_dir, [LINEAR]))):
        assert "%s is not a valid manifest" % path in message
        assert '"files" must map each file name to its sha256' in message
        assert "--adopt" in message


@pytest.mark.parametrize("error", [errno.EROFS, errno.ENOSPC])
def test_read_only_or_full_disk_fails_with_a_message_and_leaves_nothing(tree, monkeypatch, error):
    golden_dir, generated_dir, _ = tree
    before = snapshot(golden_dir)
    real_copy = case_writer._fsync_copy
    calls = []

    def failing_copy(src, dst):
        calls.append(dst)
        if len(calls) == 3:  # mid-way through staging
            raise OSError(error, os.strerror(error), dst)
        real_copy(src, dst)

    monkeypatch.setattr(case_writer, "_fsync_copy", failing_copy)
    with pytest.raises(OSError) as raised:
        regenerate.regenerate([LINEAR], generated_dir, golden_dir, force=True, report=lambda line: None, table=TABLE)
    message = regenerate._write_failure(raised.value, golden_dir)
    assert calls[2] in message and os.strerror(error) in message
    assert ("read-only" in message) if error == errno.EROFS else ("free disk space" in message)
    assert snapshot(golden_dir) == before  # nothing half-written, no marker, no scratch, no staging
    assert not os.path.exists(os.path.join(golden_dir, case_writer.STAGING))
