"""What `bazel test //bc/...` found under each torch build, read from Bazel's test logs.

Each build's results are in a testlogs directory of their own (.bazelrc's
--platform_suffix): bazel-out/k8-fastbuild/testlogs for today's lock,
bazel-out/k8-fastbuild-<build>/testlogs for --config=<build>. A case test
writes results.json among its undeclared outputs (bc/case_test.py),
which Bazel zips into test.outputs/outputs.zip: per corpus and engine the
result (pass, recorded, fail, skip), the failure message, and each loader's
outcome with the record that applied (bc/results_file.py). The test's
test.xml stands in where a test died before results.json said all.

Standard library and the torch-free tables only: `bazel run //bc:report` reads
results it did not run.
"""

import dataclasses
import json
import os
import re
import xml.etree.ElementTree as ElementTree
import zipfile

from bc import case_table, corpora, results_file

TODAY = corpora.TODAY
# What a cell can be, in the order the summary counts them.
STATES = ("pass", "recorded", "fail", "skip", "none")
# <cpu>-<compilation mode>[-<build>]: bazel-out/k8-fastbuild, k8-fastbuild-next, aarch64-opt-wheel, ...
_CONFIGURATION = re.compile(r"^[a-z0-9_]+-(?:fastbuild|opt|dbg)(?:-(?P<build>[A-Za-z0-9_]+))?$")


@dataclasses.dataclass
class Build:
    name: str  # today, next, wheel, ...
    cases: dict  # case -> its results.json, or a stand-in built from test.xml
    versions: dict  # results_file.ABOUT: from the first case that says each

    @property
    def title(self):
        torch = self.versions.get("torch")
        return "%s: torch %s" % (self.name, torch) if torch else self.name


def testlogs_by_build(output_path):
    """[(build, testlogs directory)] under bazel-out (output_path), the build by the directory's name."""
    found = []
    for entry in sorted(os.listdir(output_path)) if os.path.isdir(output_path) else []:
        match = _CONFIGURATION.match(entry)
        testlogs = os.path.join(output_path, entry, "testlogs")
        if match and os.path.isdir(os.path.join(testlogs, "bc")):
            found.append((match.group("build") or TODAY, testlogs))
    return found


def repositories():
    """{repository: build}: which torch build a test ran under, by the repository its torch came from."""
    builds = {"pypi": TODAY}
    builds.update((entry["repository"], build) for build, entry in corpora.torch_builds().items())
    return builds


def read_builds(testlogs, builds_of=None):
    """([Build], notes): every //bc case test's latest result, by the build it ran under.

    testlogs: [(build, directory)], the build whose outputs the directory holds by its name. A test
    records the repository its torch came from (results.json's "repository"), which builds_of names:
    a run with --//bc:torch=next but not --config=next leaves next's results in today's directory, and
    they are next's. A result in its own build's directory wins over one elsewhere; notes say where a
    build's results were found in another's directory.
    """
    builds_of = repositories() if builds_of is None else builds_of
    found, source = {}, {}  # source: (build, case) -> (the build of the directory it was read from, that directory)
    for directory_build, directory in testlogs:
        cases = os.path.join(directory, "bc")
        for case in sorted(os.listdir(cases)):
            results = _case_results(os.path.join(cases, case), case)
            if results is None:
                continue
            build = builds_of.get(results.get("repository"), directory_build)
            if source.get((build, case), (None,))[0] != build:
                found.setdefault(build, {})[case] = results
                source[(build, case)] = (directory_build, directory)
    strays = {}
    for (build, case), (directory_build, directory) in sorted(source.items()):
        if directory_build != build:
            strays.setdefault((build, directory), []).append(case)
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
        for key in results_file.ABOUT:
            if found.get(key) and key not in versions:
                versions[key] = found[key]
    return versions


def _case_results(directory, case):
    """A case test's results.json, or None if the test left nothing to show. Where its test.xml says it
    failed beyond what the file holds (it died: a crash, a timeout, setUpClass), that failure fills the cells
    the file leaves empty."""
    outputs = os.path.join(directory, "test.outputs")
    try:
        found = _read_results(outputs)
    except ValueError as error:
        return _stand_in(case, "unreadable results in %s (%s): run the test again" % (outputs, error))
    failure = _test_xml_failure(directory)
    if failure is None:
        return found
    if found is None:
        return _stand_in(case, failure + "\n(the test wrote no %s)" % results_file.NAME)
    if not any(method["result"] == "fail" for method in found["methods"]):
        found["methods"] += _stand_in(case, failure + "\n(the test failed beyond the corpora and engines it recorded)")["methods"]
    return found


def _read_results(outputs):
    """results.json from outputs.zip, or unzipped beside it; None if neither holds one; ValueError if unreadable."""
    text = None
    zipped = os.path.join(outputs, "outputs.zip")
    if os.path.isfile(zipped):
        try:
            with zipfile.ZipFile(zipped) as archive:
                if results_file.NAME in archive.namelist():
                    text = archive.read(results_file.NAME)
        except zipfile.BadZipFile as error:
            raise ValueError("outputs.zip: %s" % error) from None
    plain = os.path.join(outputs, results_file.NAME)
    if text is None and os.path.isfile(plain):
        with open(plain, "rb") as f:
            text = f.read()
    if text is None:
        return None
    found = json.loads(text)
    problem = results_file.problem(found)
    if problem:
        raise ValueError(problem)
    return found


def _test_xml_failure(directory):
    """The first failure or error test.xml holds, with where the log is; None if it holds none."""
    try:
        tree = ElementTree.parse(os.path.join(directory, "test.xml"))
    except (OSError, ElementTree.ParseError):
        return None
    for element in tree.iter():
        if element.tag in ("failure", "error"):
            text = (element.get("message") or element.text or "").strip()
            return "%s\n(its log: %s)" % (text, os.path.join(directory, "test.log"))
    return None


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
    # Results for a corpus that no longer holds a case, or for a case no longer in the table, are shown
    # too: after the case's own rows, and after every case of the table.
    found = {key[0] for key in cells}
    rows = []
    for case in table:
        own = [Row(case.name, corpus.name) for corpus in all_corpora.values() if corpus.holds(case)]
        rows += own + sorted((row for row in found if row.case == case.name and row not in own), key=lambda r: r.corpus)
    rows += sorted((row for row in found if row.case not in table.cases), key=lambda r: (r.case, r.corpus))
    used = {engine for case in table for engine in (case.engines or (case_table.ENGINE_INDEPENDENT,))}
    used |= {key[1] for key in cells}
    engines = [engine for engine in table.qengines if engine in used]
    engines += sorted(used - set(engines))
    return rows, engines, cells
