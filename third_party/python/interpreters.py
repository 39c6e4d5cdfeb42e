"""Which CPython of a major.minor quant-bc runs: the one decision behind the
@python_<v> repositories (interpreter.bzl runs this file), tools/lock and
`bazel run //bc:bisect`, so a setting means the same to all of them.

    python3 third_party/python/interpreters.py 3.8

prints the chosen binary's real path, then its identity lines; or, exit 1,
one line naming what is wrong and the remedy.

The override variable (QUANT_BC_PYTHON_3_8; for 3.11 also QUANT_BC_PYTHON),
when set, is the only candidate: a wrong one is refused, never replaced by
another interpreter. Otherwise: python<v> and python3 on PATH, then pyenv's
versions/<v>.* (PYENV_ROOT, else ~/.pyenv). Standard library only, and it
runs under any Python 3: the repository rule starts it with the host's python3.
"""

import glob
import os
import shutil
import subprocess
import sys

# Run by each candidate with -sS: what it is, and the digests that make action
# keys change when the interpreter does (interpreter.bzl writes them as identity.txt).
PROBE = """
import hashlib, os, platform, sys, sysconfig
def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
exe = os.path.realpath(sys.executable)
lib = os.path.join(sysconfig.get_config_var("LIBDIR") or "", sysconfig.get_config_var("INSTSONAME") or "")
print(platform.python_implementation())
print("%d.%d" % sys.version_info[:2])
print(exe)
print("python %s\\nexecutable %s sha256:%s" % (platform.python_version(), exe, digest(exe)))
if sysconfig.get_config_var("Py_ENABLE_SHARED") and os.path.isfile(lib):
    print("libpython %s sha256:%s" % (os.path.realpath(lib), digest(lib)))
"""


class InterpreterError(Exception):
    """No acceptable CPython; str() is the one line to show."""


class Interpreter:
    def __init__(self, executable, identity):
        self.executable = executable  # the real path of the binary
        self.identity = identity  # "python 3.8.18\nexecutable ... sha256:...\n[libpython ...]\n"


def override_variables(version):
    """The variables that choose the CPython <version> (the first set one wins)."""
    own = "QUANT_BC_PYTHON_" + version.replace(".", "_")
    return [own, "QUANT_BC_PYTHON"] if version == "3.11" else [own]


def override(version, environ=None):
    """(variable, value) of the setting that chooses the CPython <version>, or None."""
    environ = os.environ if environ is None else environ
    for variable in override_variables(version):
        if environ.get(variable):
            return variable, environ[variable]
    return None


def _searched(version, environ):
    path = environ.get("PATH", os.defpath)
    found = [shutil.which(name, path=path) for name in ("python" + version, "python3")]
    pyenv = environ.get("PYENV_ROOT") or os.path.join(environ.get("HOME", "/nonexistent"), ".pyenv")
    found += sorted(glob.glob(os.path.join(pyenv, "versions", version + ".*", "bin", "python" + version)))
    return [candidate for candidate in found if candidate]


def probe(candidate, version):
    """The Interpreter candidate is, if it is CPython <version>; else the reason it is not."""
    if not os.path.exists(candidate):
        return "%s does not exist" % candidate
    if os.path.isdir(candidate):
        return "%s is a directory, not a Python binary" % candidate
    try:
        answer = subprocess.run([candidate, "-sS", "-c", PROBE], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                universal_newlines=True)
    except OSError as error:
        return "%s cannot be run (%s)" % (candidate, error.strerror)
    lines = answer.stdout.strip().splitlines()
    if answer.returncode != 0 or len(lines) < 4:
        return "%s did not answer as a Python interpreter" % candidate
    implementation, found, executable = lines[:3]
    if (implementation, found) != ("CPython", version):
        return "%s is %s %s" % (candidate, implementation, found)
    return Interpreter(executable, "\n".join(lines[3:]) + "\n")


def find(version, environ=None):
    """The CPython <version> to run; InterpreterError (one line, with the remedy) if there is none."""
    environ = os.environ if environ is None else environ
    chosen = override(version, environ)
    own = override_variables(version)[0]
    if chosen:
        variable, value = chosen
        answer = probe(value, version)
        if isinstance(answer, Interpreter):
            return answer
        raise InterpreterError(
            "quant-bc needs CPython %s and found none: %s is set, and %s. Remedy: point %s at a CPython %s binary, "
            "or unset it to use python%s on PATH or pyenv's %s.*." % (version, variable, answer, variable, version, version,
                                                                      version)
        )
    rejected = []
    for candidate in _searched(version, environ):
        answer = probe(candidate, version)
        if isinstance(answer, Interpreter):
            return answer
        rejected.append(answer)
    raise InterpreterError(
        "quant-bc needs CPython %s and found none: looked for python%s and python3 on PATH and pyenv's versions/%s.* "
        "(%s). Remedy: install it (`pyenv install %s`, or Debian's python%s where it has one) or point %s at a "
        "CPython %s binary." % (version, version, version, "; ".join(rejected) or "nothing found", version, version, own,
                                version)
    )


if __name__ == "__main__":
    try:
        interpreter = find(sys.argv[1])
    except InterpreterError as error:
        sys.exit(str(error))
    sys.stdout.write(interpreter.executable + "\n" + interpreter.identity)
