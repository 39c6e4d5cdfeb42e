"""tools/upgrade_torch: requirements.in is never left other than it was when the upgrade stops."""

import importlib.machinery
import importlib.util
import os
import subprocess
import sys

import pytest

SCRIPT = "tools/upgrade_torch"  # relative to the runfiles root, the test's directory
SCRIPT_PATH = os.path.abspath(SCRIPT)  # in the runfiles, wherever a test later changes directory


def load_script():
    loader = importlib.machinery.SourceFileLoader("upgrade_torch", SCRIPT)
    spec = importlib.util.spec_from_loader("upgrade_torch", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


upgrade_torch = load_script()

REQUIREMENTS = "# what the project needs\nabsl-py==2.5.1\ntorch == 2.13.0  # an uncommitted local edit\npytest==9.2.0\n"
LOCK = "torch==2.13.0+cpu \\\n    --hash=sha256:%s\n" % ("0" * 64)


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    (tmp_path / "requirements.in").write_text(REQUIREMENTS)
    (tmp_path / "requirements_lock.txt").write_text(LOCK)
    monkeypatch.setattr(upgrade_torch, "ROOT", str(tmp_path))
    return tmp_path


def untouched(checkout):
    return (checkout / "requirements.in").read_text() == REQUIREMENTS and (
        checkout / "requirements_lock.txt").read_text() == LOCK


@pytest.mark.parametrize("version", [
    "\\1",  # a regular expression's group reference
    "\\g<0>",
    "2.13.0\n--index-url=file:///x",  # a pip option on a line of its own
    "2.14.1rc1",
    "latest",
    "",
])
def test_a_version_that_is_no_release_number_is_refused_before_anything_is_written(checkout, capsys, version):
    before = os.stat(checkout / "requirements.in")
    assert upgrade_torch.main([version]) == 2
    message = capsys.readouterr().err
    assert "is not a torch release number" in message and "as they were" in message and message.count("\n") == 1
    after = os.stat(checkout / "requirements.in")
    assert untouched(checkout) and (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_the_pin_is_replaced_alone_and_the_rest_kept():
    assert upgrade_torch.repin_torch(REQUIREMENTS, "2.14.1") == REQUIREMENTS.replace("2.13.0", "2.14.1")


@pytest.mark.parametrize("text, found", [("absl-py==2.5.1\n", 0), ("torch==2.13.0\ntorch==2.12.0\n", 2)])
def test_requirements_without_exactly_one_torch_pin_are_refused(text, found):
    with pytest.raises(upgrade_torch.UpgradeError, match="expected one line pinning torch .*found %d" % found):
        upgrade_torch.repin_torch(text, "2.14.1")


def failing_upgrade(error):
    """An upgrade that gets as far as a new lock, then stops."""
    def upgrade(args, bazel_args):
        assert "torch == 2.14.1  # an uncommitted local edit" in open("requirements.in").read()
        with open("requirements_lock.txt", "w") as f:
            f.write("torch==2.14.1 \\\n    --hash=sha256:%s\n" % ("1" * 64))
        raise error
    return upgrade


@pytest.mark.parametrize("error, said", [
    (upgrade_torch.UpgradeError("tools/lock (no lock was changed): pip cannot resolve requirements.in"), "pip cannot"),
    (KeyboardInterrupt(), "interrupted"),
    (OSError(28, "No space left on device"), "No space left on device"),
])
def test_a_failure_after_the_pin_moved_puts_both_files_back(checkout, capsys, monkeypatch, error, said):
    monkeypatch.setattr(upgrade_torch, "upgrade", failing_upgrade(error))
    assert upgrade_torch.main(["2.14.1"]) == 2
    message = capsys.readouterr().err
    assert said in message and "requirements.in and requirements_lock.txt are as they were" in message
    assert message.count("\n") == 1
    assert untouched(checkout)
    assert sorted(os.listdir(checkout)) == ["requirements.in", "requirements_lock.txt"]  # no scratch file left


def test_the_script_starts_without_any_python_path(tmp_path):
    # As a person runs it: nothing on PYTHONPATH, so it must find bc/ and tools/ itself.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    started = subprocess.run(
        [sys.executable, "-sS", SCRIPT_PATH, "--help"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert started.returncode == 0, started.stderr
    assert "usage" in started.stdout
