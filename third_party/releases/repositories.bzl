"""The repositories of the past releases (bc/releases.bzl): for each, the
interpreter it runs under (@python_<major>_<minor>) and its locked environment
(@torch_<release>). Bazel fetches one only when a generator of that release is
built: tests need none of them, and a host without CPython 3.8 can still test
everything and generate the releases that run under 3.11.
"""

load("//bc:releases.bzl", "RELEASES")
load("//third_party/pypi:exclude.bzl", "PYPI_EXCLUDE")
load("//third_party/pypi:pypi.bzl", "pypi_repository")
load("//third_party/python:interpreter.bzl", "python_interpreter")

# The project's own interpreter, made in WORKSPACE.
PROJECT_PYTHON = "3.11"

def python_repository(version):
    return "python_" + version.replace(".", "_")

def release_repository(release):
    return "torch_" + release.replace(".", "_").replace("-", "_")

def release_repositories():
    """@torch_<release> per past release, and @python_<v> per interpreter they need but the project's."""
    pythons = {}
    for entry in RELEASES:
        pythons[entry["python"]] = True
        pypi_repository(
            name = release_repository(entry["release"]),
            exclude = PYPI_EXCLUDE,
            interpreter = "@%s//:interpreter.txt" % python_repository(entry["python"]),
            lock = Label("//third_party/releases:%s/requirements_lock.txt" % entry["release"]),
        )
    for version in pythons:
        if version != PROJECT_PYTHON:
            python_interpreter(
                name = python_repository(version),
                version = version,
            )
