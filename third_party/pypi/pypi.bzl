"""@pypi: the hash-locked Python distributions, one target per distribution.

Targets follow rules_python's hub naming (@pypi//torch, @pypi//absl_py, ...),
so BUILD files stay as they are if the project moves to rules_python.
The work is done by install.py under the pinned interpreter; this rule only
wires its inputs, so that editing the lock, the installer or the interpreter
re-runs it.
"""

def _pypi_repository_impl(rctx):
    interpreter = rctx.read(rctx.attr.interpreter).strip()
    has_pip = rctx.execute([interpreter, "-m", "pip", "--version"])
    if has_pip.return_code != 0:
        fail(("@pypi needs pip for the pinned interpreter {py}, which has none.\n" +
              "  remedy: {py} -m ensurepip (or, for Debian's python3.11, " +
              "apt-get install python3-pip), then run the command again.").format(py = interpreter))

    environ = rctx.os.environ
    wheels = environ.get("QUANT_BC_WHEELS") or "%s/quant-bc/wheels" % (
        environ.get("XDG_CACHE_HOME") or environ.get("HOME", "/tmp") + "/.cache"
    )
    args = [
        interpreter,
        rctx.path(rctx.attr._installer),
        "--lock",
        rctx.path(rctx.attr.lock),
        "--repo",
        rctx.path("."),
        "--wheels",
        wheels,
    ]
    for pattern in rctx.attr.exclude:
        args.extend(["--exclude", pattern])
    rctx.report_progress("pip install --require-hashes -r %s" % rctx.attr.lock.name)

    # install.py imports third_party.pypi.lockfile from this workspace; naming
    # the file makes it an input of the repository, like install.py.
    workspace = rctx.path(rctx.attr._lockfile).dirname.dirname.dirname
    result = rctx.execute(args, timeout = rctx.attr.timeout, quiet = False, environment = {"PYTHONPATH": str(workspace)})
    if result.return_code != 0:
        fail("@pypi: installing {lock} failed (exit {code}); pip's message is above.\n{err}".format(
            lock = rctx.attr.lock,
            code = result.return_code,
            err = result.stderr,
        ))

pypi_repository = repository_rule(
    implementation = _pypi_repository_impl,
    # Where the shared wheel directory is; its wheels are checked against the lock's hashes.
    environ = [
        "QUANT_BC_WHEELS",
        "XDG_CACHE_HOME",
        "HOME",
    ],
    attrs = {
        "lock": attr.label(mandatory = True, allow_single_file = True, doc = "requirements file, every line pinned with --hash"),
        "interpreter": attr.label(mandatory = True, allow_single_file = True, doc = "file holding the pinned interpreter's absolute path"),
        "exclude": attr.string_list(doc = "globs (relative to a distribution's directory) of installed files that no target may use"),
        "timeout": attr.int(default = 1800),
        "_installer": attr.label(default = "//third_party/pypi:install.py", allow_single_file = True),
        "_lockfile": attr.label(default = "//third_party/pypi:lockfile.py", allow_single_file = True),
    },
)
