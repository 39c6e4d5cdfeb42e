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

def _python_interpreter_impl(rctx):
    # interpreters.py decides, as it does for tools/lock and //bc:bisect; any python3 can run it.
    python3 = rctx.which("python3")
    if not python3:
        fail(("quant-bc needs a python3 on PATH to look for CPython {v}. Remedy: install one (Debian's python3), " +
              "then run the command again.").format(v = rctx.attr.version))
    found = rctx.execute([python3, "-sS", rctx.path(rctx.attr._finder), rctx.attr.version])
    if found.return_code != 0:
        fail(found.stderr.strip())
    executable, identity = found.stdout.split("\n", 1)

    rctx.file("interpreter.txt", executable + "\n")
    rctx.file("identity.txt", identity)
    rctx.file(
        "python3",
        "#!/bin/sh\n# {identity}\nexec '{exe}' -sSB \"$@\"\n".format(
            exe = executable,
            identity = identity.split("\n")[0],
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
""".format(exe = executable))

python_interpreter = repository_rule(
    implementation = _python_interpreter_impl,
    attrs = {
        "version": attr.string(mandatory = True, doc = "major.minor, e.g. 3.11"),
        "_finder": attr.label(default = "//third_party/python:interpreters.py", allow_single_file = True),
    },
    # The override variables of every version the project uses (bc/releases.bzl).
    environ = ["QUANT_BC_PYTHON", "QUANT_BC_PYTHON_3_8", "QUANT_BC_PYTHON_3_11", "PATH", "PYENV_ROOT", "HOME"],
    local = True,
    doc = "Finds the host's CPython of the given version and registers it as the Python toolchain.",
)
