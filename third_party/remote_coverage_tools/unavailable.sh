#!/bin/sh
echo "coverage needs Bazel's own coverage tools, which Debian's offline Bazel cannot download" >&2
exit 1
