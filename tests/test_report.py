"""The report (bc/report/) from test logs laid out as Bazel writes them: which builds it finds, what each
cell says, what the summary counts and lists as changed, and that a hostile message stays text."""

import json
import os
import zipfile

import pytest

from bc import case_table, checks, corpora, golden_io, results_file
from bc.report import page, report, results

RECORD = {
    "corpora": ["1.6.0"],
    "engines": [],
    "loader": "eager",
    "observed": "saved keys dropped by the round trip: max_vals, min_vals",
    "reason": "PR 62345 renamed the buffers",
    "verdict": "break",
    "first_failing": "1.10.0",
}
FILE = "serialized/1.6.0/TestSerialization.test_per_channel_observer.state_dict.pt"


def outcome(result, observed="", record=None, problems=()):
    return {"loader": "eager", "file": FILE, "result": result, "observed": observed, "record": record, "problems": list(problems)}


def method(corpus, engine, result, message="", outcomes=()):
    return {"corpus": corpus, "engine": engine, "result": result, "message": message, "outcomes": list(outcomes)}


def write_case(testlogs, case, methods, torch="2.13.0+cpu", zipped=True, repository="pypi"):
    outputs = os.path.join(testlogs, "bc", case, "test.outputs")
    os.makedirs(outputs, exist_ok=True)
    found = json.dumps(
        {"case": case, "torch": torch, "torch_git": "abc", "python": "3.11.7", "repository": repository, "methods": methods}
    )
    if zipped:
        with zipfile.ZipFile(os.path.join(outputs, "outputs.zip"), "w") as archive:
            archive.writestr(results_file.NAME, found)
    else:
        with open(os.path.join(outputs, results_file.NAME), "w") as f:
            f.write(found)


INDEPENDENT = case_table.ENGINE_INDEPENDENT
MOVED = [
    "the difference recorded in bc/cases.bzl (PR 62345) moved:",
    "recorded: saved keys dropped by the round trip: max_vals, min_vals",
    "observed: saved keys dropped by the round trip: max_vals",
]


@pytest.fixture
def output_path(tmp_path):
    """bazel-out with today's and the next build's results, and directories that are not a build's."""
    out = tmp_path / "bazel-out"
    today, following = str(out / "k8-fastbuild" / "testlogs"), str(out / "k8-fastbuild-next" / "testlogs")
    write_case(today, "test_per_channel_observer", [
        method("1.6.0", INDEPENDENT, "recorded", outcomes=[outcome("recorded", RECORD["observed"], RECORD)]),
        method("today", INDEPENDENT, "pass", outcomes=[outcome("pass")]),
    ])
    write_case(following, "test_per_channel_observer", [
        method("1.6.0", INDEPENDENT, "fail", "test_per_channel_observer, corpus 1.6.0: 1 problem\ncase x, engine y, loader eager, file f:\n    "
               + MOVED[0], [outcome("fail", "saved keys dropped by the round trip: max_vals", RECORD, MOVED)]),
        method("today", INDEPENDENT, "pass", outcomes=[outcome("pass")]),
    ], torch="2.15.0", zipped=False, repository="pypi_next")
    write_case(today, "test_linear", [method("today", "fbgemm", "pass"), method("today", "qnnpack", "skip", "engine qnnpack is not supported")])
    (out / "k8-opt-exec-2B5CBBC6" / "testlogs").mkdir(parents=True)  # a tool's configuration, not a build
    (out / "k8-fastbuild-wheel").mkdir()  # a build that never ran a test
    return str(out)


def test_finds_each_builds_directory(output_path):
    found = results.testlogs_by_build(output_path)
    assert found == [
        ("today", os.path.join(output_path, "k8-fastbuild", "testlogs")),
        ("next", os.path.join(output_path, "k8-fastbuild-next", "testlogs")),
    ]


def load(output_path):
    builds, notes = results.read_builds(results.testlogs_by_build(output_path))
    assert notes == []
    table = case_table.load_table()
    return (builds, table) + results.grid(builds, table, corpora.load())


def test_results_go_to_the_build_they_ran_under(output_path):
    """--//bc:torch=next without --config=next: next's results in today's directory are next's, and said to be."""
    today = os.path.join(output_path, "k8-fastbuild", "testlogs")
    write_case(today, "test_conv2d", [method("today", "x86", "pass")], torch="2.15.0", repository="pypi_next")
    builds, notes = results.read_builds(results.testlogs_by_build(output_path))
    assert [b.name for b in builds] == ["today", "next"]
    assert "test_conv2d" in builds[1].cases and "test_conv2d" not in builds[0].cases
    assert notes == [
        "1 of next's results are in %s, another build's directory (test_conv2d, ...): give each build its "
        "--config (.bazelrc), which keeps its results apart" % today
    ]
    # A build's own directory wins over another's.
    write_case(today, "test_per_channel_observer", [method("today", INDEPENDENT, "fail", "stale")], repository="pypi_next")
    builds, _ = results.read_builds(results.testlogs_by_build(output_path))
    assert builds[1].cases["test_per_channel_observer"]["methods"][0]["result"] == "fail"  # from k8-fastbuild-next
    assert builds[1].cases["test_per_channel_observer"]["methods"][0]["message"] != "stale"


def test_cells_counts_and_changes(output_path):
    builds, table, rows, engines, cells = load(output_path)
    assert [b.title for b in builds] == ["today: torch 2.13.0+cpu", "next: torch 2.15.0"]
    observer_1_6_0 = results.Row("test_per_channel_observer", "1.6.0")
    assert cells[(observer_1_6_0, INDEPENDENT, "today")]["result"] == "recorded"
    assert cells[(observer_1_6_0, INDEPENDENT, "next")]["result"] == "fail"
    assert (results.Row("test_linear", "today"), "onednn", "today") not in cells  # not run: no result
    assert rows.index(results.Row("test_linear", "today")) < rows.index(observer_1_6_0)  # the table's order
    counts, changes = page.summarize(builds, rows, engines, cells, table)
    assert (counts["today"]["pass"], counts["today"]["recorded"], counts["today"]["skip"]) == (2, 1, 1)
    assert (counts["next"]["pass"], counts["next"]["fail"]) == (1, 1)
    # Every cell the table expects is counted once per build: the rest are "none".
    assert sum(counts["today"].values()) == sum(counts["next"].values())
    changed = {(change.row, change.engine, change.build) for change in changes}
    assert (observer_1_6_0, INDEPENDENT, "next") in changed
    assert (results.Row("test_per_channel_observer", "today"), INDEPENDENT, "next") not in changed
    assert all(change.build == "next" for change in changes)  # against today's, the first build
    # A cell next never ran (test_linear ran under today's build only) is no change: its grid cell says why.
    assert (results.Row("test_linear", "today"), "fbgemm", "next") not in changed
    detail = page.cell_detail(observer_1_6_0, INDEPENDENT, builds[1], cells[(observer_1_6_0, INDEPENDENT, "next")], table)
    assert "the record made under today's torch does not hold under next: torch 2.15.0 (loader eager)" in detail["result_text"]
    lstm = page.cell_detail(results.Row("test_lstm", "today"), "x86", builds[1], None, table)
    assert lstm["result"] == "none" and "bazel test //bc:test_lstm --config=next --//bc:avx512_vnni=false" in lstm["result_text"]


def test_page_keeps_hostile_text_as_text(output_path):
    write_case(os.path.join(output_path, "k8-fastbuild", "testlogs"), "test_linear", [
        method("today", "fbgemm", "fail", "</script><script>alert(1)</script> & <b>bold</b>"),
    ])
    builds, table, rows, engines, cells = load(output_path)
    text = page.render(builds, rows, engines, cells, table, page.summarize(builds, rows, engines, cells, table))
    assert text.count("<script") == 2  # the data block and the page's own script
    assert "<b>bold</b>" not in text
    data = text.split('<script type="application/json" id="data">', 1)[1].split("</script>", 1)[0]
    shown = [d["message"] for d in json.loads(data).values() if d["message"].startswith("</script>")]
    assert shown == ["</script><script>alert(1)</script> & <b>bold</b>"]


def test_unreadable_results_and_tests_that_died(tmp_path):
    testlogs = tmp_path / "k8-fastbuild" / "testlogs"
    broken = testlogs / "bc" / "test_linear" / "test.outputs"
    broken.mkdir(parents=True)
    (broken / "outputs.zip").write_bytes(b"not a zip")
    write_case(str(testlogs), "test_linear_relu", [{"corpus": "today", "engine": "x86"}], zipped=False)  # no result
    (testlogs / "bc" / "test_conv3d_relu" / "test.outputs").mkdir(parents=True)
    (testlogs / "bc" / "test_conv3d_relu" / "test.outputs" / "results.json").write_text("{not json")
    died = testlogs / "bc" / "test_conv2d"
    died.mkdir(parents=True)
    (died / "test.xml").write_text('<testsuites><testsuite><testcase name="setUpClass">'
                                   '<error message="RuntimeError: nothing to check"/></testcase></testsuite></testsuites>')
    # Killed after its first corpus and engine: results.json says pass, test.xml (Bazel's) says it failed.
    write_case(str(testlogs), "test_conv2d_relu", [method("today", "fbgemm", "pass")])
    (testlogs / "bc" / "test_conv2d_relu" / "test.xml").write_text(
        '<testsuites><testsuite><testcase name="test_conv2d_relu"><error message="exited with error code 139"/>'
        "</testcase></testsuite></testsuites>")
    passed = testlogs / "bc" / "test_conv3d"
    passed.mkdir(parents=True)
    (passed / "test.xml").write_text('<testsuites><testsuite><testcase name="test_today_x86"/></testsuite></testsuites>')
    [build], _ = results.read_builds([("today", str(testlogs))])
    for case, why in [("test_linear", "outputs.zip: File is not a zip file"), ("test_linear_relu", "a method lacks result"),
                      ("test_conv3d_relu", "Expecting property name")]:
        message = build.cases[case]["methods"][0]["message"]
        assert message.startswith("unreadable results in %s (%s" % (testlogs / "bc" / case / "test.outputs", why)), message
    assert "RuntimeError: nothing to check" in build.cases["test_conv2d"]["methods"][0]["message"]
    assert "test_conv3d" not in build.cases  # a pass without results.json: nothing to show, not a pass
    table = case_table.load_table()
    rows, engines, cells = results.grid([build], table, corpora.load())
    conv2d = [key for key in cells if key[0].case == "test_conv2d"]
    assert conv2d and all(cells[key]["result"] == "fail" for key in conv2d)
    died_midway = {key: cells[key] for key in cells if key[0].case == "test_conv2d_relu"}
    assert died_midway.pop((results.Row("test_conv2d_relu", "today"), "fbgemm", "today"))["result"] == "pass"
    assert died_midway and all(m["result"] == "fail" and "exited with error code 139" in m["message"] for m in died_midway.values())


def test_rows_of_a_case_stay_together(tmp_path):
    """A result for a corpus that no longer holds the case shows under the case, which spans it too."""
    testlogs = str(tmp_path / "testlogs")
    write_case(testlogs, "test_linear", [method("1.2.3", "x86", "pass")])
    [build], _ = results.read_builds([("today", testlogs)])
    table = case_table.load_table()
    rows, engines, cells = results.grid([build], table, corpora.load())
    cases = [row.case for row in rows]
    assert cases.index("test_linear_relu") == cases.index("test_linear") + cases.count("test_linear")
    assert rows[cases.index("test_linear_relu") - 1] == results.Row("test_linear", "1.2.3")
    text = page.render([build], rows, engines, cells, table, page.summarize([build], rows, engines, cells, table))
    assert text.count('rowspan="%d">test_linear<' % cases.count("test_linear")) == 1


def test_what_a_case_test_writes_is_what_the_report_shows(tmp_path):
    """checks' outcomes, through results_file as bc/case_test.py writes them, read back by the report."""
    case = case_table.load_table()["test_per_channel_observer"]
    golden = golden_io.GoldenSet(case, "serialized/1.6.0")
    record = case.recorded_difference("1.6.0", INDEPENDENT, "eager")
    testlogs = tmp_path / "testlogs"
    for build, observed, repository in [("today", record["observed"], "pypi"), ("next", "saved keys dropped", "pypi_next")]:
        outputs = testlogs / build / "bc" / case.name / "test.outputs"
        outputs.mkdir(parents=True)
        outcomes = []
        problems = checks._run_steps(case, golden, INDEPENDENT, [("eager", "state_dict", lambda o=observed: [o])],
                                     lambda loader: record, outcomes)
        written = results_file.ResultsFile(str(outputs), case.name, torch="x", repository=repository)
        written.add("1.6.0", INDEPENDENT, "fail" if problems else "recorded", "\n".join(problems), outcomes)
    builds, notes = results.read_builds([("today", str(testlogs / "today")), ("next", str(testlogs / "next"))])
    table = case_table.load_table()
    rows, engines, cells = results.grid(builds, table, corpora.load())
    row = results.Row(case.name, "1.6.0")
    today, following = cells[(row, INDEPENDENT, "today")], cells[(row, INDEPENDENT, "next")]
    assert (today["result"], today["outcomes"][0]["result"], today["outcomes"][0]["record"]) == ("recorded", "recorded", record)
    assert following["outcomes"][0]["result"] == "fail" and "moved" in following["outcomes"][0]["problems"][0]
    detail = page.cell_detail(row, INDEPENDENT, builds[1], following, table)
    assert detail["result_text"].startswith("failure: the record made under today's torch does not hold under next")
    assert notes == []


def test_where_a_test_takes_its_torch_from():
    runfiles = "/x/bc/test_linear.runfiles/%s/site-packages/torch/__init__.py"
    assert results_file.repository_of(runfiles % "pypi_next") == "pypi_next"
    assert results.repositories()["pypi_next"] == "next" and results.repositories()["pypi"] == "today"
    assert results_file.repository_of("/usr/lib/python3/torch/__init__.py") is None


def test_report_writes_the_page(output_path, tmp_path, capsys, monkeypatch):
    out = tmp_path / "report.html"
    report.main(["--out", str(out), "--testlogs", "today=" + os.path.join(output_path, "k8-fastbuild", "testlogs")])
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert "one build only" in capsys.readouterr().out
    empty = tmp_path / "workspace"
    empty.mkdir()
    monkeypatch.setenv("BUILD_WORKSPACE_DIRECTORY", str(empty))
    with pytest.raises(SystemExit, match="no test results under .*workspace/bazel-out: run `bazel test //bc/...`"):
        report.main(["--out", str(out)])
    # bazel run starts it in its runfiles: a relative --out or DIR is the caller's.
    monkeypatch.setenv("BUILD_WORKING_DIRECTORY", output_path)
    monkeypatch.setenv("BUILD_WORKSPACE_DIRECTORY", os.path.dirname(output_path))  # the bazel-out fixture's
    report.main(["--out", "here.html", "--testlogs", "today=k8-fastbuild/testlogs", "--testlogs", "next=k8-fastbuild-next/testlogs"])
    assert os.path.isfile(os.path.join(output_path, "here.html"))
    with pytest.raises(SystemExit, match="(?s)expected next's cells to equal today's:\n(.*\n)?  test_per_channel_observer \u00b7 1.6.0 \u00b7 engine-independent under next: failure"):
        report.main(["--out", "here.html", "--expect-unchanged", "next"])
    with pytest.raises(SystemExit, match="no results of wheel"):
        report.main(["--out", "here.html", "--expect-unchanged", "wheel"])
    # test_linear ran under today's build only: next is not found equal to today's where it never ran.
    with pytest.raises(SystemExit, match="test_linear \u00b7 today \u00b7 fbgemm: ran under today, not under next"):
        report.main(["--out", "here.html", "--expect-unchanged", "next"])
    for wrong in ["next", "next=" + str(empty)]:
        with pytest.raises(SystemExit):
            report.main(["--out", str(out), "--testlogs", wrong])
    assert "no bc/ in it" in capsys.readouterr().err
