"""zoo_tests(): one quant_bc_model_test per file a writer wrote (its package's index.bzl).

What today's lock does differently with a file is recorded in the package's differences/<name>.json, which
`bazel run //<package>:<name>.update -- --record VERDICT --reason TEXT` writes and the test reads.
"""

load("@quant_bc//bc/own_models:defs.bzl", "quant_bc_model_test")

def zoo_tests(name, files):
    """A test, and its .update, for each of files; and the filegroup of the programs and their inputs.

    Args:
      name: the filegroup, which the fuzzer of the .pt2 check (//:fuzz_test) reads.
      files: index.bzl's FILES, as writer/write_zoo.py wrote them: {stem: {family, flow, kind, artifact, input,
        expected}}.
    """
    programs = [f for f in files.values() if f["kind"] == "pt2e"]
    native.filegroup(
        name = name,
        srcs = sorted({f[key]: None for f in programs for key in ("artifact", "input")}.keys()),
        visibility = ["//:__pkg__"],
    )
    for stem, file in files.items():
        torchao = file["kind"] == "torchao"
        quant_bc_model_test(
            name = stem,
            artifact = file["artifact"],
            input = file["input"],
            expected = file["expected"],
            kind = file["kind"],
            # A checkpoint loads into the float model of its family.
            factory = "families.models:%s" % file["family"] if torchao else None,
            deps = ["//:families"] if torchao else [],
        )
