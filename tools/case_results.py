"""What a `bazel test //bc/...` run found, per case and engine, as a table.

Bazel's summary gives each case target's status (PASSED, FAILED, SKIPPED,
...); the case's test.xml (absltest's JUnit XML, under bazel-testlogs) gives
each corpus and engine's result, one test method each (bc/case_test.py), and
for a failure its message, whose first problem line is what the table shows.
Standard library and the torch-free case table only: tools run it on the host.
"""

import os
import re
import xml.etree.ElementTree as ElementTree

from bc.case_table import ENGINE_INDEPENDENT

SUMMARY = re.compile(
    r"^(?P<label>//\S+)\s+(?P<cached>\(cached\) )?"
    r"(?P<status>PASSED|FAILED|SKIPPED|NO STATUS|FLAKY|TIMEOUT|FAILED TO BUILD|INCOMPLETE)\b",
    re.MULTILINE,
)


def summary(output):
    """{label: Bazel's status} from the summary that `bazel test` prints."""
    return {m.group("label"): m.group("status") for m in SUMMARY.finditer(output)}


def first_problem(message):
    """The line of a case test's failure message that says what is wrong first.

    The message is "<case> under engine <e>: N problems (host: ...)", then per
    problem "case ..., engine ..., loader L, file F:" and indented details; a
    golden-file error is "<case>: <what>" and the files. The table shows the
    loader and the first detail, or the error's first line.
    """
    lines = [line.rstrip() for line in message.strip().splitlines() if line.strip()]
    for index, line in enumerate(lines):
        where = re.match(r"case \S+, engine \S+, loader (\S+), file (\S+):$", line)
        if where and index + 1 < len(lines):
            return "%s (%s): %s" % (where.group(1), os.path.basename(where.group(2)), lines[index + 1].strip())
    for line in lines:
        if not line.startswith(("Traceback", "  File ")):
            return line
    return message.strip()[:200]


ENGINES = ("fbgemm", "onednn", "qnnpack", "x86")


def _engine_of(method):
    """"1.6.0/fbgemm" for test_1_6_0_fbgemm, "today/-" for an engine-independent test_today (bc/case_test.py)."""
    name = method[len("test_") :] if method.startswith("test_") else method
    corpus, _, engine = name.rpartition("_")
    if engine not in ENGINES:
        corpus, engine = name, ENGINE_INDEPENDENT
    return "%s/%s" % (corpus.replace("_", "."), engine)


def engine_results(test_xml):
    """[(engine, result, first problem line)] from one case test's test.xml."""
    rows = []
    tree = ElementTree.parse(test_xml)
    for testcase in tree.iter("testcase"):
        problem = testcase.find("failure")
        if problem is None:
            problem = testcase.find("error")
        name = testcase.get("name", "")
        if problem is not None:
            text = problem.text or problem.get("message") or ""
            # A failure in setUpClass (none of the case's engines in this torch) fails every engine.
            engine = "*" if "setUpClass" in name else _engine_of(name)
            rows.append((engine, "fail", first_problem(text)))
        elif testcase.find("skipped") is not None or testcase.get("result") == "skipped":
            skipped = testcase.find("skipped")
            reason = (skipped.get("message") or skipped.text or "") if skipped is not None else ""
            rows.append((_engine_of(name), "skip", reason.strip()))
        else:
            rows.append((_engine_of(name), "pass", ""))
    return rows


def case_rows(statuses, testlogs, skip_reason):
    """[(case, engine, result, detail)] for every //bc case target in statuses.

    skip_reason(case) says why Bazel skipped a case target (it writes no test.xml).
    """
    rows = []
    for label in sorted(statuses):
        if not label.startswith("//bc:"):
            continue
        case, status = label[len("//bc:") :], statuses[label]
        test_xml = os.path.join(testlogs, "bc", case, "test.xml")
        if status == "SKIPPED":
            rows.append((case, "*", "skip", skip_reason(case)))
        elif status in ("PASSED", "FAILED", "FLAKY") and os.path.exists(test_xml):
            found = engine_results(test_xml)
            if not found:
                rows.append((case, "*", status.lower(), "test.xml lists no test method"))
            rows.extend((case,) + row for row in found)
        else:
            rows.append((case, "*", "fail", "Bazel: %s (see bazel-testlogs/bc/%s/test.log)" % (status, case)))
    return rows


def table(rows):
    width = max([len("case")] + [len(row[0]) for row in rows])
    lines = [("case", "corpus/engine", "result", "first problem")] + list(rows)
    return "\n".join(("%-*s  %-14s  %-6s  %s" % (width, *line)).rstrip() for line in lines)


def counts(rows):
    found = {}
    for row in rows:
        found[row[2]] = found.get(row[2], 0) + 1
    return found
