"""The module extension behind MODULE.bazel: the repositories WORKSPACE makes.

Bazel 4.2.3, the tested Bazel, cannot load this file (module_extension came
with bzlmod); only MODULE.bazel loads it.
"""

load("//third_party/builds:repositories.bzl", "torch_build_repositories")
load("//third_party/chromium:chromium.bzl", "host_chromium")
load("//third_party/host_cpu:host_cpu.bzl", "host_cpu")
load("//third_party/pypi:exclude.bzl", "PYPI_EXCLUDE")
load("//third_party/pypi:pypi.bzl", "pypi_repository")
load("//third_party/python:interpreter.bzl", "python_interpreter")
load("//third_party/releases:repositories.bzl", "release_repositories")

def _lock(module_ctx):
    """The lock @pypi is made from: the root module's quant_bc.lock(lock = ...), or quant-bc's own.

    A workspace guarding its own models names its lock so (docs/own-models.md).
    """
    for module in module_ctx.modules:
        if module.is_root and module.tags.lock:
            return module.tags.lock[0].lock
    return Label("//:requirements_lock.txt")

def _quant_bc_impl(module_ctx):
    python_interpreter(
        name = "python_3_11",
        version = "3.11",
    )
    pypi_repository(
        name = "pypi",
        exclude = PYPI_EXCLUDE,
        interpreter = "@python_3_11//:interpreter.txt",
        lock = _lock(module_ctx),
    )
    release_repositories()
    torch_build_repositories()
    host_cpu(
        name = "host_cpu",
        interpreter = "@python_3_11//:interpreter.txt",
    )
    host_chromium(name = "chromium")

quant_bc = module_extension(
    implementation = _quant_bc_impl,
    # Under bzlmod a module cannot remap another's @pypi, as WORKSPACE's repo_mapping does: the root module
    # names its lock instead, and quant-bc's targets run under it.
    tag_classes = {"lock": tag_class(attrs = {"lock": attr.label(mandatory = True)})},
)
