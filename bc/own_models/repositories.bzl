"""The repositories your workspace makes to use quant-bc's model tests (docs/own-models.md).

    local_repository(                        # or http_archive of this repository
        name = "quant_bc",
        path = "...",
        repo_mapping = {"@pypi": "@my_pypi"},  # quant-bc's targets name @pypi//torch: give them yours
    )
    load("@quant_bc//bc/own_models:repositories.bzl", "quant_bc_dependencies", "quant_bc_pypi")
    quant_bc_dependencies()
    quant_bc_pypi(name = "my_pypi", lock = "//:requirements_lock.txt")

Those quant-bc's own WORKSPACE makes, but the past releases' (@torch_<release>,
@python_3_8), which only its generators use.
"""

load("//third_party/host_cpu:host_cpu.bzl", "host_cpu")
load("//third_party/pypi:exclude.bzl", "PYPI_EXCLUDE")
load("//third_party/pypi:pypi.bzl", "pypi_repository")
load("//third_party/python:interpreter.bzl", "python_interpreter")

_PYTHON = "python_3_11"

# A WORKSPACE's dependency function, named by what it makes (as rules_go's go_rules_dependencies() is).
# buildifier: disable=unnamed-macro
def quant_bc_dependencies(register_toolchain = True):
    """@python_3_11 (the pinned interpreter, and its toolchain) and @host_cpu, which //bc's package loads.

    Args:
      register_toolchain: False if your workspace registers a Python toolchain of its own.
    """
    existing = native.existing_rules()
    if _PYTHON not in existing:
        python_interpreter(name = _PYTHON, version = "3.11")
    if register_toolchain:
        native.register_toolchains("@%s//:toolchain" % _PYTHON)
    if "host_cpu" not in existing:
        host_cpu(name = "host_cpu", interpreter = "@%s//:interpreter.txt" % _PYTHON)

def quant_bc_pypi(name, lock, **kwargs):
    """Your hash-locked environment, made by the rule that makes quant-bc's @pypi; the lock is its input.

    Args:
      name: the repository; map quant-bc's @pypi to it (local_repository's repo_mapping).
      lock: your requirements file, every line pinned with --hash: torch and absl-py, and torchao for
        the torchao and pt2e kinds, transformers too for huggingface (tools/lock writes one).
      **kwargs: pypi_repository's other attributes (timeout).
    """
    pypi_repository(
        name = name,
        exclude = PYPI_EXCLUDE,
        interpreter = "@%s//:interpreter.txt" % _PYTHON,
        lock = lock,
        **kwargs
    )
