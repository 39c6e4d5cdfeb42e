"""QUANT_BC_PYTHON_3_8 means the same to every consumer (third_party/python/interpreters.py): a wrong one is refused
by the @python_3_8 repository rule, tools/lock and bisect alike, with the same line, and never replaced."""

import os
import subprocess
import sys

import pytest

from bc.bisection import bisection
from third_party.python import interpreters

VARIABLE = "QUANT_BC_PYTHON_3_8"


@pytest.fixture(params=["CPython 3.11", "missing", "directory", "not Python"])
def wrong(request, tmp_path):
    """(value, what the refusal says of it)"""
    return {
        "CPython 3.11": (sys.executable, "%s is CPython 3.11" % sys.executable),
        "missing": ("/nonexistent/python3.8", "/nonexistent/python3.8 does not exist"),
        "directory": (str(tmp_path), "%s is a directory, not a Python binary" % tmp_path),
        "not Python": ("/bin/true", "/bin/true did not answer as a Python interpreter"),
    }[request.param]


def refusal(value):
    with pytest.raises(interpreters.InterpreterError) as error:
        interpreters.find("3.8", dict(os.environ, **{VARIABLE: value}))
    return str(error.value)


def test_a_wrong_setting_is_refused_naming_it_and_the_remedy(wrong):
    value, why = wrong
    message = refusal(value)
    assert message.startswith("quant-bc needs CPython 3.8 and found none: %s is set, and %s." % (VARIABLE, why))
    assert "Remedy: point %s at a CPython 3.8 binary, or unset it" % VARIABLE in message and "\n" not in message


def test_a_setting_is_the_only_candidate(tmp_path):
    # A CPython 3.8 on PATH (here a stand-in that answers as one) is not used instead of a wrong setting.
    stand_in = tmp_path / "python3.8"
    stand_in.write_text('#!/bin/sh\nprintf "CPython\\n3.8\\n%s\\npython 3.8.0\\n" "$0"\n')
    stand_in.chmod(0o755)
    environ = {"PATH": str(tmp_path), "HOME": str(tmp_path)}
    assert interpreters.find("3.8", environ).executable == str(stand_in)
    with pytest.raises(interpreters.InterpreterError, match="%s is set, and /bin/true" % VARIABLE):
        interpreters.find("3.8", dict(environ, **{VARIABLE: "/bin/true"}))


def consumers(value, workspace):
    """What each consumer says with the setting: {consumer: its line}."""
    environ = dict(os.environ, **{VARIABLE: value})
    # What interpreter.bzl runs, and fail()s with.
    rule = subprocess.run([sys.executable, interpreters.__file__, "3.8"], env=environ, capture_output=True, text=True)
    lock = subprocess.run([sys.executable, "tools/lock", "--release", "1.6.0"], env=environ, capture_output=True,
                          text=True)
    os.environ[VARIABLE] = value
    os.environ["BUILD_WORKSPACE_DIRECTORY"] = workspace
    try:
        with pytest.raises(bisection.BisectError) as bisect:
            bisection.main(["test_per_channel_observer", "--corpus", "1.6.0"])
    finally:
        del os.environ[VARIABLE], os.environ["BUILD_WORKSPACE_DIRECTORY"]
    return {
        "@python_3_8": (rule.returncode != 0, rule.stderr.strip()),
        "tools/lock": (lock.returncode != 0, lock.stderr.strip().replace("tools/lock (no lock was changed): ", "")),
        "bisect": (True, str(bisect.value)),
    }


def test_every_consumer_refuses_a_wrong_setting_with_the_same_line(wrong, tmp_path):
    value, _ = wrong
    (tmp_path / "requirements_lock.txt").write_text("torch==2.13.0+cpu \\\n    --hash=sha256:%s\n" % ("0" * 64))
    expected = refusal(value)
    assert consumers(value, str(tmp_path)) == dict.fromkeys(["@python_3_8", "tools/lock", "bisect"], (True, expected))


@pytest.mark.parametrize("release, problem", [
    ("today", "no past release 'today' in bc/releases.bzl (they are: 1.6.0, 1.10.2, 1.13.1, torchao-0.7.0, "),
    ("0.1", "no past release '0.1' in bc/releases.bzl"),
])
def test_lock_names_an_unknown_release_in_one_line(release, problem):
    lock = subprocess.run([sys.executable, "tools/lock", "--release", release], capture_output=True, text=True)
    assert lock.returncode == 1 and lock.stderr.startswith("tools/lock (no lock was changed): " + problem)
    assert lock.stderr.count("\n") == 1 and "Traceback" not in lock.stderr
