"""@pypi: the hash-locked Python distributions, one target per distribution.

Targets follow rules_python's hub naming (@pypi//torch, @pypi//absl_py, ...),
so BUILD files stay as they are if the project moves to rules_python.
The work is done by install.py under the pinned interpreter; this rule only
wires its inputs, so that editing the lock, the installer or the interpreter
re-runs it. install_lock() is that wiring, for every repository made from a
lock (@pypi_wheel's is written at fetch: third_party/builds/wheel.bzl).
"""

def pinned_python(rctx):
    """The pinned interpreter, which install.py runs pip with; fails, with the remedy, if it has no pip.

    Args:
      rctx: the repository context; its attributes are PYPI_ATTRS.

    Returns:
      the interpreter's absolute path.
    """
    interpreter = rctx.read(rctx.attr.interpreter).strip()
    has_pip = rctx.execute([interpreter, "-m", "pip", "--version"])
    if has_pip.return_code != 0:
        fail(("@{name} needs pip for the pinned interpreter {py}, which has none.\n" +
              "  remedy: {py} -m ensurepip (or, for Debian's python3.11, " +
              "apt-get install python3-pip), then run the command again.").format(name = rctx.name, py = interpreter))
    return interpreter

def workspace_pythonpath(rctx):
    """PYTHONPATH for a script of this workspace that imports third_party.pypi.lockfile.

    Naming lockfile.py through an attribute makes it an input of the repository, like the script.
    """
    return {"PYTHONPATH": str(rctx.path(rctx.attr._lockfile).dirname.dirname.dirname)}

def install_lock(rctx, interpreter, lock, environment = {}):
    """Installs the lock at path lock into the repository with install.py (its BUILD files included).

    Args:
      rctx: the repository context; its attributes are PYPI_ATTRS.
      interpreter: pinned_python(rctx).
      lock: path of the requirements file.
      environment: variables for pip besides the workspace's PYTHONPATH.
    """
    environ = rctx.os.environ
    wheels = environ.get("QUANT_BC_WHEELS") or "%s/quant-bc/wheels" % (
        environ.get("XDG_CACHE_HOME") or environ.get("HOME", "/tmp") + "/.cache"
    )
    args = [
        interpreter,
        rctx.path(rctx.attr._installer),
        "--lock",
        lock,
        "--repo",
        rctx.path("."),
        "--wheels",
        wheels,
    ]
    for pattern in rctx.attr.exclude:
        args.extend(["--exclude", pattern])
    rctx.report_progress("pip install --require-hashes -r %s" % lock.basename)
    result = rctx.execute(
        args,
        timeout = rctx.attr.timeout,
        quiet = False,
        environment = dict(workspace_pythonpath(rctx), **environment),
    )
    if result.return_code != 0:
        fail("@{name}: installing {lock} failed (exit {code}); pip's message is above.\n{err}".format(
            name = rctx.name,
            lock = lock,
            code = result.return_code,
            err = result.stderr,
        ))

def _pypi_repository_impl(rctx):
    install_lock(rctx, pinned_python(rctx), rctx.path(rctx.attr.lock))

# Where the shared wheel directory is; its wheels are checked against the lock's hashes.
PYPI_ENVIRON = [
    "QUANT_BC_WHEELS",
    "XDG_CACHE_HOME",
    "HOME",
]

# What install_lock() reads.
PYPI_ATTRS = {
    "interpreter": attr.label(mandatory = True, allow_single_file = True, doc = "file holding the pinned interpreter's absolute path"),
    "exclude": attr.string_list(doc = "globs (relative to a distribution's directory) of installed files that no target may use"),
    "timeout": attr.int(default = 1800),
    "_installer": attr.label(default = "//third_party/pypi:install.py", allow_single_file = True),
    "_lockfile": attr.label(default = "//third_party/pypi:lockfile.py", allow_single_file = True),
    # install.py imports it (the wheel directory's staged downloads): named, so an input.
    "_wheels": attr.label(default = "//third_party/pypi:wheels.py", allow_single_file = True),
}

pypi_repository = repository_rule(
    implementation = _pypi_repository_impl,
    environ = PYPI_ENVIRON,
    attrs = dict(
        PYPI_ATTRS,
        lock = attr.label(mandatory = True, allow_single_file = True, doc = "requirements file, every line pinned with --hash"),
    ),
)
