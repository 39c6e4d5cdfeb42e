#!/bin/sh
echo "coverage reports need Bazel's own report generator, which Debian's offline Bazel lacks" >&2
exit 1
