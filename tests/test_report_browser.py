"""The report (bc/report/page.py) as headless Chromium shows it: each kind of cell in its class and colour,
the summary's counts, the changes between builds, and the detail a real click opens. Three builds over
every case and corpus of the tables, as `bazel run //bc:report` would find them after today's build, the
next torch and a wheel; the screenshot is kept (report_browser_test.png among the test's outputs)."""

import copy
import os

import pytest

from bc import case_table, corpora
from bc.report import chromium, page, results

INDEPENDENT = case_table.ENGINE_INDEPENDENT
RECORD = {
    "corpora": ["1.6.0"],
    "engines": [],
    "loader": "eager",
    "observed": "saved keys dropped by the round trip: max_vals, min_vals",
    "reason": "torch 1.6.0 saves PerChannelMinMaxObserver's buffers as min_vals/max_vals",
    "verdict": "break",
    "first_failing": "1.10.0",
}
WHEEL = {  # what @pypi_wheel's torch_wheel.json says (third_party/builds/wheel.py)
    "file": "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl",
    "version": "2.13.0+cpu",
    "sha256": "6746dbcbeb526eb61330b76b41ff1b4eb848951103a892eeb080dfa2b264667b",
    "lock": "//:requirements_lock.txt",
}
NUMBERS = "2 of 4 elements beyond tolerance (atol 1e-05, rtol 1.3e-06); largest difference 0.125 at [0, 3]"
COLOURS = {
    "pass": "rgb(191, 229, 200)",
    "recorded": "rgb(246, 214, 107)",
    "fail": "rgb(216, 69, 59)",
    "skip": "rgb(214, 214, 214)",
    "none": "rgb(255, 255, 255)",
}


def _passing(table):
    """Every case, corpus and engine passing, but test_lstm, which did not run (an AVX512-VNNI host)."""
    cases = {}
    for case in table:
        if case.avx512_vnni_sensitive:
            continue
        methods = [
            {"corpus": corpus.name, "engine": engine, "result": "pass", "message": "", "outcomes": []}
            for corpus in corpora.load().values()
            if corpus.holds(case)
            for engine in case.engines or (INDEPENDENT,)
        ]
        cases[case.name] = {"case": case.name, "methods": methods}
    return cases


def _set(cases, case, corpus, engine, **method):
    for found in cases[case]["methods"]:
        if (found["corpus"], found["engine"]) == (corpus, engine):
            found.update(method)
            return
    raise AssertionError("no %s %s %s in the fixture" % (case, corpus, engine))


def _outcome(result, observed, problems=()):
    return {"loader": "eager", "file": "serialized/1.6.0/x.pt", "result": result, "observed": observed,
            "record": RECORD, "problems": list(problems)}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    table = case_table.load_table()
    today = _passing(table)
    _set(today, "test_per_channel_observer", "1.6.0", INDEPENDENT, result="recorded",
         outcomes=[_outcome("recorded", RECORD["observed"])])
    following = copy.deepcopy(today)
    _set(following, "test_per_channel_observer", "1.6.0", INDEPENDENT, result="fail",
         message="test_per_channel_observer, corpus 1.6.0: 1 problem",
         outcomes=[_outcome("fail", "saved keys dropped by the round trip: max_vals", ["the difference recorded moved"])])
    _set(following, "test_linear", "today", "fbgemm", result="fail",
         message="test_linear, corpus today, under engine fbgemm: 1 problem\ncase test_linear, engine fbgemm, "
                 "loader scripted, file serialized/x.pt:\n    " + NUMBERS)
    _set(following, "test_linear", "today", "qnnpack", result="skip", message="engine qnnpack is not supported")
    wheel = copy.deepcopy(today)
    versions = {"python": "3.11.7", "host": "ATen CPU capability AVX512, avx512_vnni True"}
    builds = [
        results.Build("today", today, dict(versions, torch="2.13.0+cpu", torch_git="cf30153c4c")),
        results.Build("next", following, dict(versions, torch="2.15.0", torch_git="d0f2af8b66")),
        results.Build("wheel", wheel, dict(versions, torch="2.13.0+cpu", torch_git="cf30153c4c", wheel=WHEEL)),
    ]
    rows, engines, cells = results.grid(builds, table, corpora.load())
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(page.render(builds, rows, engines, cells, table, page.summarize(builds, rows, engines, cells, table)))
    with chromium.host_browser(width=1400, height=900) as browser:
        browser.open(path)
        yield browser


def cell(case, corpus, engine, build):
    return 'td.cell[data-case="%s"][data-corpus="%s"][data-engine="%s"][data-build="%s"]' % (case, corpus, engine, build)


def shown(browser, selector):
    return browser.evaluate(
        "(e => e ? [e.className, getComputedStyle(e).backgroundColor, e.textContent] : null)(document.querySelector(%r))"
        % selector
    )


def test_each_cell_in_its_class_and_colour(report):
    expected = [
        (cell("test_linear", "1.6.0", "x86", "today"), "pass"),
        (cell("test_per_channel_observer", "1.6.0", INDEPENDENT, "today"), "recorded"),
        (cell("test_per_channel_observer", "1.6.0", INDEPENDENT, "next"), "fail"),
        (cell("test_per_channel_observer", "1.6.0", INDEPENDENT, "wheel"), "recorded"),
        (cell("test_linear", "today", "fbgemm", "next"), "fail"),
        (cell("test_linear", "today", "qnnpack", "next"), "skip"),
        (cell("test_lstm", "today", "fbgemm", "wheel"), "none"),
    ]
    for selector, state in expected:
        assert shown(report, selector) == ["cell " + state, COLOURS[state], page.SYMBOLS[state]], selector
    # Every build has a column under every engine.
    heads = report.evaluate("[...document.querySelectorAll('table.grid thead tr:nth-child(2) th')].map(th => th.textContent)")
    assert heads[:3] == ["today", "next", "wheel"] and len(heads) % 3 == 0


def test_summary_counts_each_build(report):
    counts = report.evaluate(
        "Object.fromEntries([...document.querySelectorAll('table.summary tr[data-build]')].map(tr => [tr.dataset.build,"
        " Object.fromEntries([...tr.querySelectorAll('.chip')].map(c => [c.dataset.state, Number(c.textContent)]))]))"
    )
    assert counts["next"]["fail"] == 2 and counts["next"]["skip"] == 1
    assert counts["today"]["recorded"] == counts["wheel"]["recorded"] == 1
    assert counts["today"]["fail"] == counts["wheel"]["fail"] == 0
    assert counts["today"]["pass"] == counts["next"]["pass"] + 2  # test_linear today: fbgemm failed, qnnpack skipped
    assert counts["today"]["none"] > 0  # test_lstm's cells
    wheel = report.evaluate("document.querySelector('table.summary tr[data-build=wheel]').innerText")
    assert "2.13.0+cpu (git cf30153c4c) from %s, sha256 6746dbcbeb52" % WHEEL["file"] in wheel


def test_changes_list_what_the_next_build_does_otherwise(report):
    changes = report.evaluate("[...document.querySelectorAll('ul.changes li')].map(li => li.textContent)")
    assert len(changes) == 3, changes
    assert any(c.startswith("test_linear \u00b7 today \u00b7 fbgemm") and NUMBERS in c for c in changes), changes
    assert not any("wheel" in c for c in changes)  # the wheel's results are today's


def test_a_click_opens_the_detail_with_record_and_numbers(report):
    assert report.evaluate("document.getElementById('detail').hidden") is True
    report.click(cell("test_per_channel_observer", "1.6.0", INDEPENDENT, "next"))
    detail = report.evaluate("(d => [d.hidden, d.innerText])(document.getElementById('detail'))")
    assert detail[0] is False
    for text in [
        "test_per_channel_observer \u00b7 corpus 1.6.0 \u00b7 engine-independent \u00b7 next: torch 2.15.0",
        "the record made under today's torch does not hold under next: torch 2.15.0 (loader eager)",
        "verdict break, first failing 1.10.0",
        RECORD["observed"],
        "saved keys dropped by the round trip: max_vals\n",
    ]:
        assert text in detail[1], text
    assert shown(report, cell("test_per_channel_observer", "1.6.0", INDEPENDENT, "next"))[0] == "cell fail selected"
    # A change in the summary opens its cell too; hovering a cell shows its first problem line.
    report.click("ul.changes a[data-cell]")
    assert NUMBERS in report.evaluate("document.getElementById('detail').innerText")
    assert NUMBERS in report.evaluate("document.querySelector(%r).title" % cell("test_linear", "today", "fbgemm", "next"))
    report.screenshot(os.path.join(os.environ["TEST_UNDECLARED_OUTPUTS_DIR"], "report_browser_test.png"))


def test_escape_closes_the_detail(report):
    report.click(cell("test_linear", "1.6.0", "x86", "today"))
    assert report.evaluate("document.getElementById('detail').hidden") is False
    report.evaluate("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}))")
    assert report.evaluate("document.getElementById('detail').hidden") is True
