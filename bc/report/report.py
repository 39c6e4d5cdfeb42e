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

from bc import case_table, corpora, manifest
from bc.report import page, results


def main(argv=None):
    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY", os.getcwd())
    # `bazel run` starts this in its runfiles: paths given relative mean the caller's directory.
    here = os.environ.get("BUILD_WORKING_DIRECTORY", os.getcwd())
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(workspace, "report.html"), help="the page to write")
    parser.add_argument(
        "--testlogs",
        action="append",
        default=[],
        metavar="BUILD=DIR",
        help="a build's testlogs directory (repeatable); default: every bazel-out/<cpu>-<mode>[-BUILD]/testlogs",
    )
    parser.add_argument(
        "--expect-unchanged",
        action="append",
        default=[],
        metavar="BUILD",
        help="exit 1 if a cell of BUILD differs from the first build's (CI: a wheel of today's torch)",
    )
    args = parser.parse_args(argv)
    output_path = os.path.join(workspace, "bazel-out")
    found = results.testlogs_by_build(output_path)
    if args.testlogs:
        if not all("=" in entry for entry in args.testlogs):
            parser.error("--testlogs takes BUILD=DIR, e.g. next=bazel-out/k8-fastbuild-next/testlogs")
        found = [(build, os.path.join(here, directory)) for build, directory in (e.split("=", 1) for e in args.testlogs)]
        for build, directory in found:
            if not os.path.isdir(os.path.join(directory, "bc")):
                parser.error("--testlogs %s=%s: no bc/ in it; give a testlogs directory (bazel-out/k8-fastbuild[-BUILD]/testlogs)" % (build, directory))
    if not found:
        sys.exit(
            "no test results under %s: run `bazel test //bc/...` (and --config=next, ...) first, then the report."
            % output_path
        )
    builds, notes = results.read_builds(found)
    if not builds:
        sys.exit("no case test left results.json under %s: run `bazel test //bc/...` first." % ", ".join(d for _, d in found))
    table = case_table.load_table()
    rows, engines, cells = results.grid(builds, table, corpora.load())
    out = os.path.join(here, args.out)
    summary = page.summarize(builds, rows, engines, cells, table)
    counts, changes = summary
    manifest.write_atomically(out, page.render(builds, rows, engines, cells, table, summary, notes))
    for build in builds:
        print("%-28s %s" % (build.title, ", ".join("%d %s" % (n, page.WORDS[s]) for s, n in counts[build.name].items())))
    print("%d cells differ from %s's" % (len(changes), builds[0].name) if len(builds) > 1 else "one build only")
    for note in notes:
        print("note: " + note)
    print("wrote file://%s" % os.path.abspath(out))
    problems = ["no results of %s" % build for build in sorted(set(args.expect_unchanged) - {b.name for b in builds})]
    problems += [
        "%s \u00b7 %s \u00b7 %s under %s: %s (%s: %s)"
        % (c.row.case, c.row.corpus, c.engine, c.build, page.first_line(c.method), builds[0].name, page.first_line(c.base))
        for c in changes
        if c.build in args.expect_unchanged
    ]
    # A cell the first build ran and an expected build did not is no change (summarize), but no equality either.
    problems += [
        "%s \u00b7 %s \u00b7 %s: ran under %s, not under %s" % (row.case, row.corpus, engine, builds[0].name, build)
        for build in sorted(set(args.expect_unchanged) & {b.name for b in builds})
        for row in rows
        for engine in engines
        if (row, engine, builds[0].name) in cells and (row, engine, build) not in cells
    ]
    if problems:
        sys.exit("expected %s's cells to equal %s's:\n  %s" % (", ".join(args.expect_unchanged), builds[0].name, "\n  ".join(problems)))


if __name__ == "__main__":
    main()
