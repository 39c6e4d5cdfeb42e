"""`bazel run //bc:report`: one HTML page of what `bazel test //bc/...` found under each torch build.

    bazel test //bc/...                  # today's lock
    bazel test //bc/... --config=next    # and any other build (--config=wheel: a wheel of yours)
    bazel run //bc:report                # writes report.html in the workspace; --out elsewhere

It reads the results each build's tests left in bazel-out (bc/report/results.py),
runs nothing, and writes a page that needs neither a server nor the network
(bc/report/page.py). A build's column holds its latest results, cached or run.
"""

import argparse
import os
import sys

from bc import case_table, corpora
from bc.report import page, results


def main(argv=None):
    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd())
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(workspace, "report.html"), help="the page to write")
    parser.add_argument(
        "--testlogs",
        action="append",
        default=[],
        metavar="BUILD=DIR",
        help="a build's testlogs directory (repeatable); default: every bazel-out/k8-fastbuild[-BUILD]/testlogs",
    )
    args = parser.parse_args(argv)
    output_path = os.path.join(workspace, "bazel-out")
    found = results.testlogs_by_build(output_path)
    if args.testlogs:
        found = dict(entry.split("=", 1) for entry in args.testlogs if "=" in entry)
        for build, directory in found.items():
            if not os.path.isdir(os.path.join(directory, "bc")):
                parser.error("--testlogs %s=%s: no bc/ in it; give a testlogs directory (bazel-out/k8-fastbuild[-BUILD]/testlogs)" % (build, directory))
        if len(found) != len(args.testlogs):
            parser.error("--testlogs takes BUILD=DIR, e.g. next=bazel-out/k8-fastbuild-next/testlogs")
    if not found:
        sys.exit(
            "no test results under %s: run `bazel test //bc/...` (and --config=next, ...) first, then the report."
            % output_path
        )
    builds, notes = results.read_builds(found)
    if not builds:
        sys.exit("no case test left results.json under %s: run `bazel test //bc/...` first." % ", ".join(found.values()))
    table = case_table.load_table()
    rows, engines, cells = results.grid(builds, table, corpora.load())
    text = page.render(builds, rows, engines, cells, table, notes)
    partial = args.out + ".partial"
    with open(partial, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(partial, args.out)
    counts, changes = page.summarize(builds, rows, engines, cells, table)
    for build in builds:
        print("%-28s %s" % (build.title, ", ".join("%d %s" % (n, page.WORDS[s]) for s, n in counts[build.name].items())))
    print("%d cells differ between builds" % len(changes) if len(builds) > 1 else "one build only")
    for note in notes:
        print("note: " + note)
    print("wrote file://%s" % os.path.abspath(args.out))


if __name__ == "__main__":
    main()
