"""tools/case_results.py: a bazel test run read back per case, corpus and engine, from Bazel's summary and
the results each case test left (bc/results_file.py)."""

import case_results

from bc import results_file

OUTPUT = """\
//bc:test_lstm                                                          SKIPPED
//bc:test_conv2d                                                         PASSED in 2.8s
//bc:test_linear                                                (cached) FAILED in 2.7s
//bc:test_conv3d                                                         FAILED in 2.1s
//bc:test_conv3d_relu                                                    NO STATUS
//tests:smoke_test                                                       PASSED in 1.6s
"""

FAILURE = """test_linear, corpus today, under engine qnnpack: 1 problem (host: ATen CPU capability AVX512, avx512_vnni True)
case test_linear, engine qnnpack, loader traced, file serialized/TestSerialization.test_linear.traced.pt:
    output: values differ: 1 of 192 elements differ beyond atol=1e-05 rtol=1.3e-06; max abs diff 1
      actual:   torch.quint8 (1, 1)
"""


def write(testlogs, case, *methods):
    outputs = testlogs / "bc" / case / "test.outputs"
    outputs.mkdir(parents=True)
    written = results_file.ResultsFile(str(outputs), case, repository="pypi")
    for method in methods:
        written.add(*method)


def test_summary_reads_every_status():
    statuses = case_results.summary(OUTPUT)
    assert statuses["//bc:test_lstm"] == "SKIPPED"
    assert statuses["//bc:test_linear"] == "FAILED"
    assert statuses["//bc:test_conv3d_relu"] == "NO STATUS"
    assert len(statuses) == 6


def test_rows_per_case_corpus_and_engine(tmp_path):
    write(tmp_path, "test_conv2d", ("today", "fbgemm", "pass", ""), ("1.6.0", "x86", "recorded", ""))
    write(tmp_path, "test_linear", ("today", "fbgemm", "pass", ""), ("today", "qnnpack", "fail", FAILURE),
          ("today", "onednn", "skip", "engine onednn is not supported"))
    died = tmp_path / "bc" / "test_conv3d"
    died.mkdir(parents=True)
    (died / "test.xml").write_text('<testsuites><testsuite><testcase name="setUpClass (__main__.CaseTest)">'
                                   '<error message="bc.golden_io.GoldenError: test_conv3d: golden file missing"/>'
                                   "</testcase></testsuite></testsuites>")
    rows = case_results.case_rows(case_results.summary(OUTPUT), str(tmp_path), lambda case: "skipped: " + case)
    assert rows == [
        ("test_conv2d", "today/fbgemm", "pass", ""),
        ("test_conv2d", "1.6.0/x86", "recorded", "recorded difference"),
        ("test_conv3d", "*", "fail", "failure: bc.golden_io.GoldenError: test_conv3d: golden file missing"),
        ("test_conv3d_relu", "*", "fail", "Bazel: NO STATUS (see bazel-testlogs/bc/test_conv3d_relu/test.log)"),
        ("test_linear", "today/fbgemm", "pass", ""),
        ("test_linear", "today/qnnpack", "fail", "failure: traced (TestSerialization.test_linear.traced.pt): output: "
         "values differ: 1 of 192 elements differ beyond atol=1e-05 rtol=1.3e-06; max abs diff 1"),
        ("test_linear", "today/onednn", "skip", "skip: engine onednn is not supported"),
        ("test_lstm", "*", "skip", "skipped: test_lstm"),
    ]
    assert case_results.counts(rows) == {"pass": 2, "recorded": 1, "fail": 3, "skip": 2}
    assert "test_linear" in case_results.table(rows).splitlines()[6]
