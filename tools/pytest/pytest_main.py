"""Runs pytest as a Bazel py_test main: the test files come as arguments.

It writes Bazel's test.xml, maps --test_filter to pytest's -k, and keeps
pytest from writing a cache into the runfiles tree.
"""

import os
import sys

import pytest


def main():
    args = ["-p", "no:cacheprovider", "-q", "-ra"] + sys.argv[1:]
    if "XML_OUTPUT_FILE" in os.environ:
        args.append("--junitxml=" + os.environ["XML_OUTPUT_FILE"])
    if "TESTBRIDGE_TEST_ONLY" in os.environ:
        args.extend(["-k", os.environ["TESTBRIDGE_TEST_ONLY"]])
    code = pytest.main(args)
    # Skip interpreter finalization: tearing torch down costs 0.4 s per test
    # process, and pytest has written its report and test.xml by now.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(code))


if __name__ == "__main__":
    main()
