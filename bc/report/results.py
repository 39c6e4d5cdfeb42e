"""What `bazel test //bc/...` found under each torch build, read from Bazel's test logs.

Each build's results are in a testlogs directory of their own (.bazelrc's
--platform_suffix): bazel-out/k8-fastbuild/testlogs for today's lock,
bazel-out/k8-fastbuild-<build>/testlogs for --config=<build>. A case test
writes results.json among its undeclared outputs (bc/case_test.py, Results),
which Bazel zips into test.outputs/outputs.zip: per corpus and engine the
result (pass, recorded, fail, skip), the failure message, and each loader's
outcome with the record that applied. The test's test.xml stands in only where
a test wrote no results.json (it died before its first method ended).

Standard library and the torch-free tables only: `bazel run //bc:report` reads
results it did not run.
"""

import dataclasses
import json
import os
import re
import xml.etree.ElementTree as ElementTree
import zipfile

from bc import case_table, corpora

RESULTS = "results.json"
TODAY = corpora.TODAY
# What a cell can be, in the order the summary counts them.
STATES = ("pass", "recorded", "fail", "skip", "none")
_CONFIGURATION = re.compile(r"^k8-fastbuild(?:-(?P<build>[A-Za-z0-9_]+))?$")


@dataclasses.dataclass
class Build:
    name: str  # today, next, wheel, ...
    cases: dict  # case -> its results.json, or a stand-in built from test.xml
    versions: dict  # torch, torch_git, torchao, python, host, wheel: from the first case that says

    @property
    def title(self):
        torch = self.versions.get("torch")
        return "%s: torch %s" % (self.name, torch) if torch else self.name


def testlogs_by_build(output_path):
    """{build: its testlogs directory} under bazel-out (output_path), by the directory's name."""
    found = {}
    for entry in sorted(os.listdir(output_path)) if os.path.isdir(output_path) else []:
        match = _CONFIGURATION.match(entry)
        testlogs = os.path.join(output_path, entry, "testlogs")
        if match and os.path.isdir(os.path.join(testlogs, "bc")):
            found[match.group("build") or TODAY] = testlogs
    return found


def repositories():
    """{repository: build}: which torch build a test ran under, by the repository its torch came from."""
    builds = {"pypi": TODAY}
    builds.update((entry["repository"], build) for build, entry in corpora.torch_builds().items())
    return builds


def read_builds(testlogs, builds_of=None):
    """([Build], notes): every //bc case test's latest result, by the build it ran under.

    testlogs: {build: directory}, the build whose outputs the directory holds by its name. A test
    records the repository its torch came from (results.json's "repository"), which builds_of names:
    a run with --//bc:torch=next but not --config=next leaves next's results in today's directory, and
    they are next's. A result in its own build's directory wins over one elsewhere; notes say where a
    build's results were found in another's directory.
    """
    builds_of = repositories() if builds_of is None else builds_of
    found, source = {}, {}
    for directory_build, directory in testlogs.items():
        cases = os.path.join(directory, "bc")
        for case in sorted(os.listdir(cases)):
            results = _case_results(os.path.join(cases, case), case)
            if results is None:
                continue
            build = builds_of.get(results.get("repository"), directory_build)
            if source.get((build, case)) != build:
                found.setdefault(build, {})[case] = results
                source[(build, case)] = directory_build
    strays = {}
    for (build, case), directory_build in sorted(source.items()):
        if directory_build != build:
            strays.setdefault((build, testlogs[directory_build]), []).append(case)
    order = [TODAY] + list(corpora.torch_builds())
    builds = [
        Build(name=name, cases=cases, versions=_versions(cases.values()))
        for name, cases in sorted(found.items(), key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0]))
    ]
    notes = [
        "%d of %s's results are in %s, another build's directory (%s, ...): give each build its --config "
        "(.bazelrc), which keeps its results apart" % (len(cases), build, directory, cases[0])
        for (build, directory), cases in sorted(strays.items())
    ]
    return builds, notes


def _versions(results):
    versions = {}
    for found in results:
        for key in ("torch", "torch_git", "torchao", "python", "host", "wheel"):
            if found.get(key) and key not in versions:
                versions[key] = found[key]
    return versions


def _case_results(directory, case):
    outputs = os.path.join(directory, "test.outputs")
    try:
        with zipfile.ZipFile(os.path.join(outputs, "outputs.zip")) as archive:
            return json.loads(archive.read(RESULTS))
    except (OSError, KeyError):
        pass  # not zipped (--nozip_undeclared_test_outputs), or no results.json in it
    except (zipfile.BadZipFile, ValueError) as error:
        return _stand_in(case, "%s: unreadable results (%s): run the test again" % (outputs, error))
    try:
        with open(os.path.join(outputs, RESULTS), encoding="utf-8") as f:
            return json.load(f)
    except OSError:
        pass
    return _from_test_xml(directory, case)


def _from_test_xml(directory, case):
    """A case test that wrote no results.json: failed if its test.xml says so, else nothing to show."""
    test_xml = os.path.join(directory, "test.xml")
    try:
        tree = ElementTree.parse(test_xml)
    except (OSError, ElementTree.ParseError):
        return None
    problems = [element for element in tree.iter() if element.tag in ("failure", "error")]
    if not problems:
        return None
    text = problems[0].get("message") or problems[0].text or ""
    return _stand_in(case, "%s\n(the test wrote no %s; its log: %s)" % (text.strip(), RESULTS, os.path.join(directory, "test.log")))


def _stand_in(case, message):
    return {"case": case, "methods": [{"corpus": "*", "engine": "*", "result": "fail", "message": message, "outcomes": []}]}


@dataclasses.dataclass(frozen=True)
class Row:
    case: str
    corpus: str


def grid(builds, table, all_corpora):
    """(rows, engines, cells): every case and corpus that holds it, in the table's order; the engines
    any case runs under; cells {(row, engine, build): method result}, a missing cell not run."""
    cells = {}
    for build in builds:
        for case, found in build.cases.items():
            for method in found.get("methods", []):
                if method["corpus"] == "*":  # a test that died: every cell of the case
                    for corpus in all_corpora.values():
                        if case in table.cases and corpus.holds(table[case]):
                            for engine in table[case].engines or (case_table.ENGINE_INDEPENDENT,):
                                cells.setdefault((Row(case, corpus.name), engine, build.name), method)
                    continue
                cells[(Row(case, method["corpus"]), method["engine"], build.name)] = method
    rows = [Row(case.name, corpus.name) for case in table for corpus in all_corpora.values() if corpus.holds(case)]
    known = set(rows)
    rows += sorted({key[0] for key in cells} - known, key=lambda row: (row.case, row.corpus))
    used = {engine for case in table for engine in (case.engines or (case_table.ENGINE_INDEPENDENT,))}
    used |= {key[1] for key in cells}
    engines = [engine for engine in table.qengines if engine in used]
    engines += sorted(used - set(engines))
    return rows, engines, cells
