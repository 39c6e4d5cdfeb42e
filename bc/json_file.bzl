"""json_file(): a file of the given text, written at analysis, as a target's data.

A case's own entry of the table (bc/defs.bzl) and a model target's spec
(bc/own_models/defs.bzl) are test inputs of their own: editing another case or
target leaves the file, and so the test, alone.
"""

def _json_file_impl(ctx):
    ctx.actions.write(ctx.outputs.out, ctx.attr.content + "\n")
    return [DefaultInfo(
        files = depset([ctx.outputs.out]),
        runfiles = ctx.runfiles([ctx.outputs.out]),
    )]

json_file = rule(
    implementation = _json_file_impl,
    attrs = {
        "content": attr.string(mandatory = True),
        "out": attr.output(mandatory = True),
    },
)
