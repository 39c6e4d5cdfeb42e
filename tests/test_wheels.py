"""The shared wheel directory (third_party/pypi/wheels.py): where it is, and what tools/prune_wheels removes."""

import hashlib
import os
import subprocess

from third_party.pypi import wheels


def test_the_directory_is_quant_bc_wheels_in_the_cache_unless_set():
    assert wheels.directory({"HOME": "/home/u"}) == "/home/u/.cache/quant-bc/wheels"
    assert wheels.directory({"HOME": "/home/u", "XDG_CACHE_HOME": "/c"}) == "/c/quant-bc/wheels"
    assert wheels.directory({"HOME": "/home/u", "QUANT_BC_WHEELS": "/w"}) == "/w"


def test_only_files_no_lock_names_by_digest_are_left_to_remove(tmp_path):
    contents = {"torch-1.6.0-cp38-cp38-manylinux1_x86_64.whl": b"locked", "torch-2.0.0-cp311.whl": b"bisected",
                "torch-2.13.0-cp311.whl": b"same name and version as a pin, other bytes", "partial.whl.tmp": b"cut"}
    for name, data in contents.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "a-folder").mkdir()
    lock = "torch==1.6.0 \\\n    --hash=sha256:%s\ntorch==2.13.0 \\\n    --hash=sha256:%s\n" % (
        hashlib.sha256(b"locked").hexdigest(), hashlib.sha256(b"the real 2.13.0").hexdigest())
    stale = wheels.unnamed(str(tmp_path), wheels.named_digests([lock]))
    assert sorted(os.path.basename(path) for path, _ in stale) == [
        "partial.whl.tmp", "torch-2.0.0-cp311.whl", "torch-2.13.0-cp311.whl"]
    assert dict((os.path.basename(path), size) for path, size in stale)["torch-2.0.0-cp311.whl"] == len(b"bisected")
    assert sorted(os.listdir(tmp_path)) == sorted(list(contents) + ["a-folder"])  # nothing removed by asking


def test_sizes_read_in_the_unit_that_fits():
    assert [wheels.human(size) for size in (3_400_000_000, 17_316_263, 14_757)] == ["3.4 GB", "17.3 MB", "14.8 kB"]


def test_a_download_enters_the_directory_only_when_it_ends_well(tmp_path):
    wheels_dir = tmp_path / "wheels"
    wheels_dir.mkdir()
    (wheels_dir / "a-1.0-py3-none-any.whl").write_bytes(b"there before")
    before = os.stat(wheels_dir / "a-1.0-py3-none-any.whl")
    with wheels.staged(str(wheels_dir)) as staging:
        # pip finds what the directory holds, so it downloads only what is missing.
        assert sorted(os.listdir(staging)) == ["a-1.0-py3-none-any.whl"]
        assert os.path.dirname(staging) == str(wheels_dir)
        assert [path for path, _ in wheels.files(str(wheels_dir))] == [str(wheels_dir / "a-1.0-py3-none-any.whl")]
        with open(os.path.join(staging, "b-2.0-py3-none-any.whl"), "wb") as f:
            f.write(b"whole and checked")
    assert sorted(os.listdir(wheels_dir)) == ["a-1.0-py3-none-any.whl", "b-2.0-py3-none-any.whl"]
    assert (wheels_dir / "b-2.0-py3-none-any.whl").read_bytes() == b"whole and checked"
    assert os.stat(wheels_dir / "a-1.0-py3-none-any.whl").st_ino == before.st_ino


def test_an_interrupted_download_leaves_nothing_in_the_directory(tmp_path):
    wheels_dir = tmp_path / "wheels"
    try:
        with wheels.staged(str(wheels_dir)) as staging:
            with open(os.path.join(staging, "torch-1.6.0-cp38-cp38-manylinux1_x86_64.whl"), "wb") as f:
                f.write(b"the first 100 MB of 750")
            raise KeyboardInterrupt  # bisect turns SIGINT, SIGTERM and SIGHUP into this
    except KeyboardInterrupt:
        pass
    assert os.listdir(wheels_dir) == []


def test_a_process_killed_outright_leaves_a_folder_the_next_download_removes(tmp_path):
    wheels_dir = tmp_path / "wheels"
    ended = subprocess.Popen(["true"])
    ended.wait()  # its pid names no process now
    abandoned = wheels_dir / (wheels.STAGING % ended.pid + "x1")
    abandoned.mkdir(parents=True)
    (abandoned / "torch-1.6.0-cp38-cp38-manylinux1_x86_64.whl").write_bytes(b"cut short")
    running = wheels.STAGING % os.getpid() + "x2"  # a download of a process that still runs
    (wheels_dir / running).mkdir()
    with wheels.staged(str(wheels_dir)):
        pass
    assert os.listdir(wheels_dir) == [running]
