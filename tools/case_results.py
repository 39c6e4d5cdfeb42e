"""What a `bazel test //bc/...` run found, per case, corpus and engine, as a table (tools/upgrade_torch).

Bazel's summary gives each case target's status (PASSED, FAILED, SKIPPED,
...); the results each case test left (bc/report/results.py reads them, as the
report does) give each corpus and engine's result and first problem line.
Standard library and the torch-free tables only: tools run it on the host.
"""

import re

from bc.report import page, results

SUMMARY = re.compile(
    r"^(?P<label>//\S+)\s+(?P<cached>\(cached\) )?"
    r"(?P<status>PASSED|FAILED|SKIPPED|NO STATUS|FLAKY|TIMEOUT|FAILED TO BUILD|INCOMPLETE)\b",
    re.MULTILINE,
)


def summary(output):
    """{label: Bazel's status} from the summary that `bazel test` prints."""
    return {m.group("label"): m.group("status") for m in SUMMARY.finditer(output)}


def case_rows(statuses, testlogs, skip_reason):
    """[(case, corpus/engine, result, detail)] for every //bc case target in statuses.

    skip_reason(case) says why Bazel skipped a case target (it leaves no results).
    """
    builds, _ = results.read_builds([(results.TODAY, testlogs)], builds_of={})
    found = builds[0].cases if builds else {}
    rows = []
    for label in sorted(statuses):
        if not label.startswith("//bc:"):
            continue
        case, status = label[len("//bc:") :], statuses[label]
        if status == "SKIPPED":
            rows.append((case, "*", "skip", skip_reason(case)))
        elif case in found:
            rows.extend(
                (
                    case,
                    "*" if method["corpus"] == "*" else "%s/%s" % (method["corpus"], method["engine"]),
                    method["result"],
                    "" if method["result"] == "pass" else page.first_line(method),
                )
                for method in found[case]["methods"]
            )
        else:
            rows.append((case, "*", "fail", "Bazel: %s (see bazel-testlogs/bc/%s/test.log)" % (status, case)))
    return rows


def table(rows):
    width = max([len("case")] + [len(row[0]) for row in rows])
    lines = [("case", "corpus/engine", "result", "first problem")] + list(rows)
    return "\n".join(("%-*s  %-14s  %-8s  %s" % (width, *line)).rstrip() for line in lines)


def counts(rows):
    found = {}
    for row in rows:
        found[row[2]] = found.get(row[2], 0) + 1
    return found
