"""third_party/pypi/install.py: what an installed environment shares with the others on disk."""

import os

from third_party.pypi import install


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def test_identical_files_of_two_environments_are_one_inode(tmp_path):
    store = str(tmp_path / "store")
    first, second = str(tmp_path / "a" / "site-packages"), str(tmp_path / "b" / "site-packages")
    write(os.path.join(first, "nvidia", "cublas", "lib", "libcublas.so.12"), b"the same library")
    write(os.path.join(first, "torch", "lib", "libtorch_cuda.so"), b"torch 2.5.1's")
    install.share_identical_files(first, store)
    write(os.path.join(second, "nvidia", "cublas", "lib", "libcublas.so.12"), b"the same library")
    write(os.path.join(second, "torch", "lib", "libtorch_cuda.so"), b"torch 2.6.0's")
    install.share_identical_files(second, store)

    def inode(root, *parts):
        return os.stat(os.path.join(root, *parts)).st_ino

    assert inode(first, "nvidia", "cublas", "lib", "libcublas.so.12") == inode(second, "nvidia", "cublas", "lib",
                                                                             "libcublas.so.12")
    assert inode(first, "torch", "lib", "libtorch_cuda.so") != inode(second, "torch", "lib", "libtorch_cuda.so")
    with open(os.path.join(second, "torch", "lib", "libtorch_cuda.so"), "rb") as f:
        assert f.read() == b"torch 2.6.0's"
    assert sorted(os.listdir(second)) == ["nvidia", "torch"]  # nothing left beside the files it replaced


def test_the_same_bytes_with_another_mode_are_not_shared(tmp_path):
    # A link shares the mode too: an executable and a plain file of the same bytes stay two.
    store = str(tmp_path / "store")
    write(str(tmp_path / "a" / "tool"), b"#!/bin/sh\n", 0o755)
    write(str(tmp_path / "b" / "tool"), b"#!/bin/sh\n", 0o644)
    install.share_identical_files(str(tmp_path / "a"), store)
    install.share_identical_files(str(tmp_path / "b"), store)
    assert os.stat(tmp_path / "a" / "tool").st_ino != os.stat(tmp_path / "b" / "tool").st_ino
    assert os.stat(tmp_path / "b" / "tool").st_mode & 0o777 == 0o644
