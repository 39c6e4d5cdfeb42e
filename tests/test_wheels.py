"""The shared wheel directory (third_party/pypi/wheels.py): where it is, and what tools/prune_wheels removes."""

import hashlib
import os

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
