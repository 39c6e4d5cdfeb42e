"""The repositories of the torch builds besides today's (bc/releases.bzl, TORCH_BUILDS): @<repository> each,
from its lock, or for the wheel build from the wheel a variable names (wheel.bzl). Bazel fetches one only when
--//bc:torch chooses it (the aliases of //third_party/builds), or a command follows every branch (`bazel query
'deps(...)'`); it installs only when --config=<build> chose it (chosen.bzl)."""

load("//bc:releases.bzl", "TORCH_BUILDS")
load("//third_party/pypi:exclude.bzl", "PYPI_EXCLUDE")
load("//third_party/pypi:pypi.bzl", "PYPI_ATTRS", "PYPI_ENVIRON", "install_lock", "pinned_python")
load(":chosen.bzl", "BUILD_VARIABLE", "chosen", "stand_in")
load(":defs.bzl", "DISTRIBUTIONS")
load(":wheel.bzl", "torch_wheel_repository")

def _locked_build_repository_impl(rctx):
    if not chosen(rctx, rctx.attr.build):
        stand_in(rctx, rctx.attr.build, DISTRIBUTIONS)
        return
    install_lock(rctx, pinned_python(rctx), rctx.path(rctx.attr.lock))

# A torch build's lock, installed as @pypi's is when --config=<build> chose it.
locked_build_repository = repository_rule(
    implementation = _locked_build_repository_impl,
    environ = PYPI_ENVIRON + [BUILD_VARIABLE],
    attrs = dict(
        PYPI_ATTRS,
        build = attr.string(mandatory = True, doc = "the build's name in bc/releases.bzl's TORCH_BUILDS"),
        lock = attr.label(mandatory = True, allow_single_file = True, doc = "requirements file, every line pinned with --hash"),
    ),
)

def _lock(build):
    return "//third_party/builds:%s/requirements_lock.txt" % build["build"]

def torch_build_repositories():
    """@<repository> of each torch build; WORKSPACE and the module extension call it."""
    for build in TORCH_BUILDS:
        if build.get("wheel"):
            torch_wheel_repository(
                name = build["repository"],
                build = build["build"],
                exclude = PYPI_EXCLUDE,
                interpreter = "@python_3_11//:interpreter.txt",
                # Today's lock first: a wheel of today's torch (a rebuild, a patch) takes today's pins.
                locks = ["//:requirements_lock.txt"] + [_lock(other) for other in TORCH_BUILDS if not other.get("wheel")],
            )
        else:
            locked_build_repository(
                name = build["repository"],
                build = build["build"],
                exclude = PYPI_EXCLUDE,
                interpreter = "@python_3_11//:interpreter.txt",
                lock = _lock(build),
            )
