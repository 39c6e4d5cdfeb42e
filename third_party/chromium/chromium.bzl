"""@chromium: the host's Chromium, a recorded input of the tests that render pages in it.

The repository holds:
  chromium     a link to the browser's binary (Debian: /usr/lib/chromium/chromium, not the
               /usr/bin/chromium script, which adds the flags of the host's /etc/chromium.d). As
               a test's data its content is in the test's key: a new chromium re-runs the test.
  version.txt  what `chromium --version` printed when the repository was made.

A repository rule does not re-run when the host's binary changes; bc/report/chromium.py compares
the running browser's version with version.txt and names the remedy, `bazel sync --only=chromium`.
"""

_DEBIAN = "/usr/lib/chromium/chromium"

_REMEDY = "Remedy: tools/setup installs it, or `apt-get install chromium`; then run the command again."

def _host_chromium_impl(rctx):
    binary = rctx.path(_DEBIAN)
    if not binary.exists:
        on_path = rctx.which("chromium")
        if not on_path:
            fail("@chromium: no chromium here: neither %s nor `chromium` on PATH. %s" % (_DEBIAN, _REMEDY))

        # A link (say, chromium-browser) is followed to its binary: that is what a test runs and digests.
        binary = rctx.path(rctx.execute(["readlink", "-f", str(on_path)]).stdout.strip())
    result = rctx.execute([binary, "--version"], timeout = 60)
    version = result.stdout.strip()
    if result.return_code != 0 or not version:
        fail("@chromium: `%s --version` failed (exit status %d): %s %s" % (
            binary,
            result.return_code,
            result.stderr.strip(),
            _REMEDY,
        ))
    rctx.symlink(binary, "chromium")
    rctx.file("version.txt", version + "\n")
    rctx.file("BUILD.bazel", """\
# Made by //third_party/chromium:chromium.bzl from {binary}.
package(default_visibility = ["//visibility:public"])

exports_files([
    "chromium",
    "version.txt",
])
""".format(binary = binary))

host_chromium = repository_rule(
    implementation = _host_chromium_impl,
    environ = ["PATH"],
    # Local: made again by every Bazel server. Configure: also by `bazel sync --configure`.
    local = True,
    configure = True,
    doc = "Finds the host's Chromium and records its version.",
)
