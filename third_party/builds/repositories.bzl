"""The repositories of the torch builds besides today's (bc/releases.bzl, TORCH_BUILDS): @<repository> each,
from its lock, or for the wheel build from the wheel a variable names (wheel.bzl). Bazel fetches one only when
--//bc:torch chooses it (the aliases of //third_party/builds)."""

load("//bc:releases.bzl", "TORCH_BUILDS")
load("//third_party/pypi:exclude.bzl", "PYPI_EXCLUDE")
load("//third_party/pypi:pypi.bzl", "pypi_repository")
load(":wheel.bzl", "torch_wheel_repository")

def _lock(build):
    return "//third_party/builds:%s/requirements_lock.txt" % build["build"]

def torch_build_repositories():
    """@<repository> of each torch build; WORKSPACE and the module extension call it."""
    for build in TORCH_BUILDS:
        if build.get("wheel"):
            torch_wheel_repository(
                name = build["repository"],
                exclude = PYPI_EXCLUDE,
                interpreter = "@python_3_11//:interpreter.txt",
                # Today's lock first: a wheel of today's torch (a rebuild, a patch) takes today's pins.
                locks = ["//:requirements_lock.txt"] + [_lock(other) for other in TORCH_BUILDS if not other.get("wheel")],
            )
        else:
            pypi_repository(
                name = build["repository"],
                exclude = PYPI_EXCLUDE,
                interpreter = "@python_3_11//:interpreter.txt",
                lock = _lock(build),
            )
