"""The distributions the suite imports, from the torch build --//bc:torch chooses (bc/releases.bzl, TORCH_BUILDS).

Each is an alias whose select() names one repository per build: analysis follows
the chosen branch only, so a build not chosen is never fetched. `bazel query
'deps(...)'` and `bazel fetch` follow every branch, and fetch them all: a build
that --config=<build> did not choose is then a stand-in that costs nothing
(chosen.bzl).
"""

load("//bc:releases.bzl", "TORCH_BUILDS")

# The distributions the suite imports (hub names, as @pypi//<name> spells them): an alias each, chosen by build.
DISTRIBUTIONS = [
    "absl_py",
    "executorch",
    "torch",
    "torchao",
    "transformers",
]

def torch_build_aliases(name, distributions):
    """One alias per distribution, and a filegroup <name> of them.

    Args:
      name: the filegroup.
      distributions: hub names (torch, torchao, transformers, absl_py), as @pypi//<name> spells them.
    """

    # In another workspace, which uses quant-bc as an external repository, the torch builds are not its: every
    # branch names @pypi (which that workspace maps to its own lock), so that `bazel query 'deps(...)'` there
    # meets no repository it lacks.
    own = native.repository_name() == "@"
    for distribution in distributions:
        choices = {"//bc:torch_today": "@pypi//" + distribution}
        for build in TORCH_BUILDS:
            choices["//bc:torch_" + build["build"]] = "@%s//%s" % (build["repository"] if own else "pypi", distribution)
        native.alias(
            name = distribution,
            actual = select(choices),
            visibility = ["//:__subpackages__"],
        )
    native.filegroup(
        name = name,
        srcs = [":" + distribution for distribution in distributions],
    )
