"""@host_cpu: what the host's CPU can do, for --//bc:avx512_vnni=auto.

The rule runs cpu_flags.py under the pinned interpreter and writes defs.bzl:
    HOST_HAS_AVX512_VNNI = True|False
It is local, so every Bazel server re-reads the CPU it runs on.
"""

def _host_cpu_impl(rctx):
    interpreter = rctx.read(rctx.attr.interpreter).strip()
    result = rctx.execute([interpreter, "-sS", rctx.path(rctx.attr._cpu_flags), rctx.attr.cpuinfo])
    if result.return_code != 0:
        fail("@host_cpu: could not read CPU flags from %s: %s" % (rctx.attr.cpuinfo, result.stderr))
    vnni = result.stdout.strip() == "true"
    rctx.file("defs.bzl", "# Read from %s when this repository was fetched.\nHOST_HAS_AVX512_VNNI = %s\n" % (
        rctx.attr.cpuinfo,
        "True" if vnni else "False",
    ))
    rctx.file("BUILD.bazel", 'exports_files(["defs.bzl"])\n')

host_cpu = repository_rule(
    implementation = _host_cpu_impl,
    attrs = {
        "cpuinfo": attr.string(default = "/proc/cpuinfo"),
        "interpreter": attr.label(mandatory = True, allow_single_file = True),
        "_cpu_flags": attr.label(default = "//third_party/host_cpu:cpu_flags.py", allow_single_file = True),
    },
    local = True,
)
