"""third_party/pypi/install.py: each locked distribution installed once, and environments made of links to them."""

import base64
import csv
import hashlib
import io
import os
import subprocess
import zipfile

import pytest

from third_party.pypi import install


def make_wheel(directory, name, version, files):
    """A pure wheel of name with files {path in the wheel: text}; returns its sha256."""
    dist_info = "%s-%s.dist-info" % (name, version)
    entries = dict(files)
    entries[dist_info + "/METADATA"] = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)
    entries[dist_info + "/WHEEL"] = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    path = os.path.join(directory, "%s-%s-py3-none-any.whl" % (name, version))
    record = io.StringIO()
    rows = csv.writer(record, lineterminator="\n")  # as a wheel's builder writes RECORD: a path with a comma quoted
    with zipfile.ZipFile(path, "w") as archive:
        for arcname, text in entries.items():
            data = text.encode()
            archive.writestr(arcname, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.writerow([arcname, "sha256=" + digest, len(data)])
        rows.writerow([dist_info + "/RECORD", "", ""])
        archive.writestr(dist_info + "/RECORD", record.getvalue())
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache with a wheel directory holding two wheels, which pip finds there and nowhere else."""
    wheels = tmp_path / "quant-bc" / "wheels"
    wheels.mkdir(parents=True)
    pins = {
        "alpha": make_wheel(str(wheels), "alpha", "1.0", {
            "alpha/__init__.py": "A = 1\n",
            "alpha/a,b.py": "",  # RECORD quotes a path with a comma
            "shared/alpha.py": "",  # a namespace folder two distributions fill
            "shared/__init__.py": "",  # a file both list, as each nvidia-*-cu11 wheel lists nvidia/__init__.py
            "alpha-1.0.data/scripts/alpha-tool": "#!python\nprint('a console script')\n",
        }),
        "beta": make_wheel(str(wheels), "beta", "2.0", {"beta/__init__.py": "B = 2\n", "shared/beta.py": "",
                                                         "shared/__init__.py": ""}),
    }
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    return str(wheels), {name: "%s==%s --hash=sha256:%s" % (name, version, digest)
                         for (name, digest), version in zip(pins.items(), ["1.0", "2.0"])}


def test_an_environment_is_links_to_distributions_installed_once(cache):
    wheels, lines = cache
    alone, _ = install.installed(wheels, [], [lines["alpha"]])
    both, dists = install.installed(wheels, [], sorted(lines.values()))
    assert sorted(dists) == [("alpha", "1.0"), ("beta", "2.0")]
    inode = lambda root, *parts: os.stat(os.path.join(root, *parts)).st_ino  # noqa: E731
    assert inode(alone, "alpha", "__init__.py") == inode(both, "alpha", "__init__.py")  # installed once
    assert sorted(os.listdir(os.path.join(both, "shared"))) == ["__init__.py", "__pycache__", "alpha.py", "beta.py"]
    assert os.path.isfile(os.path.join(both, "alpha", "a,b.py"))
    assert os.path.isdir(os.path.join(both, "alpha", "__pycache__"))  # compiled where installed
    # The console script embeds this machine's interpreter: no environment has it.
    assert not any("alpha-tool" in names for _, _, names in os.walk(os.path.dirname(wheels)))
    distributions = os.path.join(os.path.dirname(wheels), install.DISTRIBUTIONS)
    assert sorted(os.listdir(distributions)) == sorted(install.distribution_key(line) for line in lines.values())


def test_distributions_installed_together_each_get_the_files_both_list(cache):
    wheels, lines = cache
    install.installed(wheels, [], sorted(lines.values()))
    for name in ("alpha", "beta"):
        alone = os.path.join(os.path.dirname(wheels), install.DISTRIBUTIONS, install.distribution_key(lines[name]))
        assert os.path.isfile(os.path.join(alone, "shared", "__init__.py"))
        assert os.path.isfile(os.path.join(alone, name, "__init__.py"))


def test_a_fetch_killed_midway_leaves_folders_the_next_removes(cache):
    wheels, lines = cache
    cache_dir = os.path.dirname(wheels)
    ended = subprocess.Popen(["true"])
    ended.wait()  # its pid names no process now
    for folder in (install.DISTRIBUTIONS, "environments"):
        os.makedirs(os.path.join(cache_dir, folder, install.PARTIAL % ended.pid + "x"))
    install.installed(wheels, [], [lines["alpha"]])
    for folder in (install.DISTRIBUTIONS, "environments"):
        assert not [name for name in os.listdir(os.path.join(cache_dir, folder)) if name.startswith(".partial-")]


def test_excluded_files_leave_the_environment_not_the_distribution(cache):
    wheels, lines = cache
    environment, _ = install.installed(wheels, ["beta/*"], sorted(lines.values()))
    assert not os.path.exists(os.path.join(environment, "beta"))
    beta = os.path.join(os.path.dirname(wheels), install.DISTRIBUTIONS, install.distribution_key(lines["beta"]))
    assert os.path.isfile(os.path.join(beta, "beta", "__init__.py"))


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def test_identical_files_of_two_distributions_are_one_inode(tmp_path):
    store = str(tmp_path / "store")
    first, second = str(tmp_path / "a"), str(tmp_path / "b")
    write(os.path.join(first, "nvidia", "cublas", "lib", "libcublas.so.12"), b"the same library")
    write(os.path.join(first, "torch", "lib", "libtorch_cuda.so"), b"torch 2.5.1's")
    install.share_identical_files(first, store)
    write(os.path.join(second, "nvidia", "cublas", "lib", "libcublas.so.12"), b"the same library")
    write(os.path.join(second, "torch", "lib", "libtorch_cuda.so"), b"torch 2.6.0's")
    install.share_identical_files(second, store)
    inode = lambda root, *parts: os.stat(os.path.join(root, *parts)).st_ino  # noqa: E731
    library = ("nvidia", "cublas", "lib", "libcublas.so.12")
    assert inode(first, *library) == inode(second, *library)
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
