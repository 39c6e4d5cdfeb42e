"""tools/case_results.py: a bazel test run read back per case and engine."""

import case_results

OUTPUT = """\
//bc:test_lstm                                                          SKIPPED
//bc:test_conv2d                                                         PASSED in 2.8s
//bc:test_linear                                                (cached) FAILED in 2.7s
//bc:test_conv3d                                                         FAILED in 2.1s
//bc:test_conv3d_relu                                                    NO STATUS
//tests:smoke_test                                                       PASSED in 1.6s
"""

FAILURE = """Traceback (most recent call last):
  File "bc/case_test.py", line 40, in check_under
AssertionError: test_linear under engine qnnpack: 1 problem (host: ATen CPU capability AVX512, avx512_vnni True)
case test_linear, engine qnnpack, loader traced, file serialized/TestSerialization.test_linear.traced.pt:
    output: values differ: 1 of 192 elements differ beyond atol=1e-05 rtol=1.3e-06; max abs diff 1
      actual:   torch.quint8 (1, 1)
"""

SETUP_ERROR = """bc.golden_io.GoldenError: test_conv3d: golden file missing:
  serialized/TestSerialization.test_conv3d.traced.pt
"""


def write_xml(path, testcases):
    path.parent.mkdir(parents=True)
    path.write_text('<?xml version="1.0"?><testsuites><testsuite name="CaseTest">%s</testsuite></testsuites>' % testcases)


def test_summary_reads_every_status():
    statuses = case_results.summary(OUTPUT)
    assert statuses["//bc:test_lstm"] == "SKIPPED"
    assert statuses["//bc:test_linear"] == "FAILED"
    assert statuses["//bc:test_conv3d_relu"] == "NO STATUS"
    assert len(statuses) == 6


def test_first_problem_names_loader_file_and_numbers():
    assert case_results.first_problem(FAILURE) == (
        "traced (TestSerialization.test_linear.traced.pt): output: values differ: 1 of 192 elements "
        "differ beyond atol=1e-05 rtol=1.3e-06; max abs diff 1"
    )
    assert case_results.first_problem(SETUP_ERROR) == "bc.golden_io.GoldenError: test_conv3d: golden file missing:"


def test_rows_per_case_and_engine(tmp_path):
    write_xml(tmp_path / "bc/test_conv2d/test.xml", '<testcase name="test_today_fbgemm"/><testcase name="test_1_6_0_x86"/>')
    write_xml(
        tmp_path / "bc/test_linear/test.xml",
        '<testcase name="test_today_fbgemm"/><testcase name="test_today_qnnpack"><failure message="m"><![CDATA[%s]]>'
        '</failure></testcase><testcase name="test_today_onednn"><skipped message="engine onednn is not supported"/>'
        "</testcase>" % FAILURE,
    )
    write_xml(
        tmp_path / "bc/test_conv3d/test.xml",
        '<testcase name="setUpClass (__main__.CaseTest)"><error message="e"><![CDATA[%s]]></error></testcase>'
        % SETUP_ERROR,
    )
    rows = case_results.case_rows(case_results.summary(OUTPUT), str(tmp_path), lambda case: "skipped: " + case)
    assert rows == [
        ("test_conv2d", "today/fbgemm", "pass", ""),
        ("test_conv2d", "1.6.0/x86", "pass", ""),
        ("test_conv3d", "*", "fail", "bc.golden_io.GoldenError: test_conv3d: golden file missing:"),
        ("test_conv3d_relu", "*", "fail", "Bazel: NO STATUS (see bazel-testlogs/bc/test_conv3d_relu/test.log)"),
        ("test_linear", "today/fbgemm", "pass", ""),
        ("test_linear", "today/qnnpack", "fail", case_results.first_problem(FAILURE)),
        ("test_linear", "today/onednn", "skip", "engine onednn is not supported"),
        ("test_lstm", "*", "skip", "skipped: test_lstm"),
    ]
    assert case_results.counts(rows) == {"pass": 3, "fail": 3, "skip": 2}
    assert "test_linear" in case_results.table(rows).splitlines()[6]


def test_method_names_give_corpus_and_engine():
    assert case_results._engine_of("test_1_10_2_qnnpack") == "1.10.2/qnnpack"
    assert case_results._engine_of("test_today") == "today/engine-independent"
