"""Whether a command chose a torch build, and what its repository holds when it did not.

`bazel query 'deps(...)'` and `bazel fetch` follow every branch of the
select() aliases (defs.bzl), so they fetch every build's repository, and a
build's install costs 5 to 7 GB (the next torch) or fails without its
variable (the wheel build). So a build's repository installs only when the
command chose that build: --config=<build> sets QUANT_BC_TORCH_BUILD
(.bazelrc) beside --//bc:torch. Otherwise it is a stand-in that costs
nothing: the same targets, which fail, naming the remedy, only if built.
Bazel fetches it again when the variable changes; an environment already
installed is shared (third_party/pypi/install.py), so choosing the build again
installs nothing.
"""

BUILD_VARIABLE = "QUANT_BC_TORCH_BUILD"

def chosen(rctx, build):
    return rctx.os.environ.get(BUILD_VARIABLE, "") == build

def stand_in(rctx, build, distributions):
    """Writes the repository of a build the command did not choose: its hub targets, failing only if built.

    Args:
      rctx: the repository context.
      build: the build's name in bc/releases.bzl's TORCH_BUILDS.
      distributions: the hub names the suite's aliases ask of it.
    """
    rctx.file("not_chosen.txt", (
        "@{name} holds the torch build '{build}', which this command did not choose, so it is not installed. " +
        "Remedy: give --config={build} (.bazelrc: it sets --//bc:torch={build} and {variable}={build} together), " +
        "not --//bc:torch={build} alone.\n"
    ).format(name = rctx.name, build = build, variable = BUILD_VARIABLE))
    rctx.file("BUILD.bazel", """# A stand-in: no --config={build} chose this build (third_party/builds/chosen.bzl).
package(default_visibility = ["//visibility:public"])

genrule(
    name = "not_chosen",
    srcs = ["not_chosen.txt"],
    outs = ["not_chosen.out"],
    cmd = "cat $(location not_chosen.txt) >&2; exit 1",
)

py_library(
    name = "site_packages",
    data = [":not_chosen"],
)
""".format(build = build))
    for distribution in distributions:
        rctx.file(distribution + "/BUILD.bazel", (
            'package(default_visibility = ["//visibility:public"])\n\n' +
            'alias(\n    name = "%s",\n    actual = "//:site_packages",\n)\n'
        ) % distribution)
