"""pytest_test: a py_test whose main is pytest, for the project's own tests."""

def pytest_test(name, srcs, deps = [], data = [], **kwargs):
    """One py_test running the pytest functions in srcs.

    Args:
      name: target name.
      srcs: test files (test_*.py); each is collected by pytest.
      deps: libraries under test.
      data: runtime files.
      **kwargs: passed to py_test (size, tags, env, ...).
    """
    native.py_test(
        name = name,
        srcs = srcs + ["//tools/pytest:pytest_main.py"],
        main = "//tools/pytest:pytest_main.py",
        args = ["$(location %s)" % src for src in srcs],
        deps = deps + ["@pypi//pytest"],
        data = data,
        **kwargs
    )
