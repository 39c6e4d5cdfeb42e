"""The repositories of the torch builds besides today's (bc/releases.bzl, TORCH_BUILDS): @<repository> each,
from its lock. Bazel fetches one only when --//bc:torch chooses it (the aliases of //third_party/builds)."""

load("//bc:releases.bzl", "TORCH_BUILDS")
load("//third_party/pypi:exclude.bzl", "PYPI_EXCLUDE")
load("//third_party/pypi:pypi.bzl", "pypi_repository")

def torch_build_repositories():
    for build in TORCH_BUILDS:
        pypi_repository(
            name = build["repository"],
            exclude = PYPI_EXCLUDE,
            interpreter = "@python_3_11//:interpreter.txt",
            lock = "//third_party/builds:%s/requirements_lock.txt" % build["build"],
        )
