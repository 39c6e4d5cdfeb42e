"""Pins a host CPython: 3.11 for the project, and the interpreters past releases generate under.

The repository it creates holds:
  python3         the interpreter every py_binary/py_test runs under. It is a
                  two-line wrapper that execs the pinned binary with -sSB: no
                  site-packages of the host (isolation), no user site, and no
                  __pycache__ written into runfiles.
  identity.txt    version, path and sha256 of the binary and its libpython,
                  so that action keys change when the interpreter does.
  interpreter.txt absolute path of the pinned binary (read by @pypi's pip run).
  BUILD.bazel     py_runtime, py_runtime_pair and the toolchain to register.
"""

_PROBE = """
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

def _probe(rctx, candidate):
    result = rctx.execute([candidate, "-sS", "-c", _PROBE])
    if result.return_code != 0:
        return None, "%s failed to start: %s" % (candidate, result.stderr.strip())
    lines = result.stdout.strip().split("\n")
    if len(lines) < 4:
        return None, "%s did not answer as a Python interpreter" % candidate
    implementation, version, executable = lines[0], lines[1], lines[2]
    if implementation != "CPython" or version != rctx.attr.version:
        return None, "%s is %s %s" % (candidate, implementation, version)
    return struct(executable = executable, identity = "\n".join(lines[3:]) + "\n"), None

def _override_variable(version):
    return "QUANT_BC_PYTHON_" + version.replace(".", "_")

def _pyenv_versions(rctx):
    """pyenv's installs of this major.minor, newest last (a pyenv shim on PATH answers for one only)."""
    environ = rctx.os.environ
    root = rctx.path(environ.get("PYENV_ROOT") or environ.get("HOME", "/nonexistent") + "/.pyenv").get_child("versions")
    if not root.exists:
        return []
    found = []
    for version in sorted([str(d.basename) for d in root.readdir()]):
        binary = root.get_child(version).get_child("bin").get_child("python" + rctx.attr.version)
        if version.startswith(rctx.attr.version + ".") and binary.exists:
            found.append(str(binary))
    return found

def _candidates(rctx):
    for variable in [_override_variable(rctx.attr.version)] + (["QUANT_BC_PYTHON"] if rctx.attr.version == "3.11" else []):
        if rctx.os.environ.get(variable):
            return [rctx.os.environ[variable]]
    found = []
    for name in ["python" + rctx.attr.version, "python3"]:
        path = rctx.which(name)
        if path:
            found.append(str(path))
    return found + _pyenv_versions(rctx)

def _python_interpreter_impl(rctx):
    rejected = []
    pinned = None
    for candidate in _candidates(rctx):
        pinned, why_not = _probe(rctx, candidate)
        if pinned:
            break
        rejected.append(why_not)
    if not pinned:
        fail(("quant-bc needs CPython {v} and found none.\n" +
              "  looked for: ${var}, python{v} and python3 on PATH, pyenv's versions/{v}.*\n" +
              "  rejected: {r}\n" +
              "  remedy: install it (`pyenv install {v}`, or Debian's python{v} where it has one) or point " +
              "{var} at a CPython {v} binary, then run the command again.").format(
            v = rctx.attr.version,
            var = _override_variable(rctx.attr.version),
            r = "; ".join(rejected) or "nothing found",
        ))

    rctx.file("interpreter.txt", pinned.executable + "\n")
    rctx.file("identity.txt", pinned.identity)
    rctx.file(
        "python3",
        "#!/bin/sh\n# {identity}\nexec '{exe}' -sSB \"$@\"\n".format(
            exe = pinned.executable,
            identity = pinned.identity.split("\n")[0],
        ),
        executable = True,
    )
    rctx.file("BUILD.bazel", """\
load("@bazel_tools//tools/python:toolchain.bzl", "py_runtime_pair")

package(default_visibility = ["//visibility:public"])

exports_files(["interpreter.txt", "identity.txt", "python3"])

py_runtime(
    name = "runtime",
    files = ["identity.txt"],
    interpreter = "python3",
    python_version = "PY3",
    # The launcher stub only locates runfiles and execs :python3; pointing its
    # shebang at the pinned binary keeps it off the host PATH, which is
    # /bin:/usr/bin:/usr/local/bin under --incompatible_strict_action_env.
    stub_shebang = "#!{exe} -sS",
)

py_runtime_pair(
    name = "runtime_pair",
    py3_runtime = ":runtime",
)

toolchain(
    name = "toolchain",
    toolchain = ":runtime_pair",
    toolchain_type = "@bazel_tools//tools/python:toolchain_type",
)
""".format(exe = pinned.executable))

python_interpreter = repository_rule(
    implementation = _python_interpreter_impl,
    attrs = {
        "version": attr.string(mandatory = True, doc = "major.minor, e.g. 3.11"),
    },
    # The override variables of every version the project uses (bc/releases.bzl).
    environ = ["QUANT_BC_PYTHON", "QUANT_BC_PYTHON_3_8", "QUANT_BC_PYTHON_3_11", "PATH", "PYENV_ROOT", "HOME"],
    local = True,
    doc = "Finds the host's CPython of the given version and registers it as the Python toolchain.",
)
