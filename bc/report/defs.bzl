"""browser_test: a test that renders pages in the host's Chromium (@chromium)."""

load("//tools/pytest:defs.bzl", "pytest_test")

def browser_test(name, srcs, deps = [], data = [], env = {}, tags = [], **kwargs):
    """A pytest_test in which chromium.host_browser() starts @chromium's browser.

    Args:
      name: target name.
      srcs: test files (test_*.py).
      deps: libraries under test; bc/report/chromium.py comes with the macro.
      data: runtime files, such as the pages to show.
      env: more environment; $CHROMIUM and $CHROMIUM_VERSION are the macro's.
      tags: more tags; block-network is the macro's.
      **kwargs: passed to py_test (size, timeout, ...).
    """
    pytest_test(
        name = name,
        srcs = srcs,
        deps = deps + ["//bc/report:chromium"],
        data = data + [
            "@chromium//:chromium",
            "@chromium//:version.txt",
        ],
        env = dict(
            env,
            CHROMIUM = "$(rootpath @chromium//:chromium)",
            CHROMIUM_VERSION = "$(rootpath @chromium//:version.txt)",
        ),
        # A page must look the same on every machine: nothing it names may come from a network.
        tags = tags + ["block-network"],
        **kwargs
    )
