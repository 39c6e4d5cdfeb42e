"""Installed files that no target may depend on, relative to @pypi's site-packages.

Each is left out of @pypi's targets (and so of every test's inputs) for a reason:
"""

PYPI_EXCLUDE = [
    # pip's record of what it installed: it hashes the console scripts it wrote
    # with this machine's interpreter path in their shebang.
    "*.dist-info/RECORD",
    # C++ headers, CMake files and C++ unit-test binaries, for building and
    # testing extensions against torch; 9,600 files that no Python code opens.
    "torch/include/*",
    "torch/share/*",
    "torch/test/*",
]
