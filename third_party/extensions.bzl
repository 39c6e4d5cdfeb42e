"""The module extension behind MODULE.bazel: the repositories WORKSPACE makes.

Bazel 4.2.3, the tested Bazel, cannot load this file (module_extension came
with bzlmod); only MODULE.bazel loads it.
"""

load("//third_party/host_cpu:host_cpu.bzl", "host_cpu")
load("//third_party/pypi:exclude.bzl", "PYPI_EXCLUDE")
load("//third_party/pypi:pypi.bzl", "pypi_repository")
load("//third_party/python:interpreter.bzl", "python_interpreter")
load("//third_party/releases:repositories.bzl", "release_repositories")

def _quant_bc_impl(_module_ctx):
    python_interpreter(
        name = "python_3_11",
        version = "3.11",
    )
    pypi_repository(
        name = "pypi",
        exclude = PYPI_EXCLUDE,
        interpreter = "@python_3_11//:interpreter.txt",
        lock = Label("//:requirements_lock.txt"),
    )
    release_repositories()
    host_cpu(
        name = "host_cpu",
        interpreter = "@python_3_11//:interpreter.txt",
    )

quant_bc = module_extension(implementation = _quant_bc_impl)
