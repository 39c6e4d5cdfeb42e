"""The release bisection (bc/bisection/bisection.py) without installing any torch: its logic, what it refuses,
and what an interrupt leaves."""

import importlib.metadata
import os
import signal
import subprocess
import sys
import time

import pytest

from bc.bisection import bisection as bisect
from bc import case_table
from bc.bisection.bisection import FAIL, PASS, SKIP
from third_party.python import interpreters

TABLE = case_table.load_table()

AVAILABLE = {
    "3.11": ["2.13.0+cpu", "2.13.0", "2.1.0", "2.0.1", "2.0.0", "1.13.1", "1.13.0"],
    "3.8": ["2.4.1", "2.1.0", "2.0.1", "2.0.0", "1.13.1", "1.13.0", "1.12.1", "1.10.2", "1.6.0", "2.0.0rc1"],
}


def test_each_release_takes_3_11_where_it_has_wheels_else_3_8():
    assert bisect.plan(AVAILABLE, "1.10.2", "2.13.0") == [
        ("1.10.2", "3.8"),
        ("1.12.1", "3.8"),
        ("1.13.0", "3.11"),
        ("1.13.1", "3.11"),
        ("2.0.0", "3.11"),
        ("2.0.1", "3.11"),
        ("2.1.0", "3.11"),
        ("2.4.1", "3.8"),
        ("2.13.0", "3.11"),
    ]


def test_pre_releases_and_local_builds_are_left_out_and_the_range_is_inclusive():
    releases = [release for release, _ in bisect.plan(AVAILABLE, "2.0.0", "2.0.1")]
    assert releases == ["2.0.0", "2.0.1"]


def test_torchao_releases_are_tried_each_with_its_own_torch_from_the_corpus_to_today():
    pairs = {"0.7.0": "2.5.1", "0.10.0": "2.6.0", "0.9.0": "2.6.0", "0.18.0": "2.13.0"}
    releases, requirements = bisect.torchao_plan(pairs, "0.9.0", "0.18.0")
    assert releases == [("torchao-0.9.0", "3.11"), ("torchao-0.10.0", "3.11"), ("torchao-0.18.0", "3.11")]
    assert requirements["torchao-0.10.0"] == ["torch==2.6.0", "torchao==0.10.0"]


def test_huggingface_releases_are_tried_each_with_its_torch_and_its_transformers():
    pairs = {"0.13.0": "2.8.0", "0.15.0": "2.9.1", "0.16.0": "2.10.0", "0.18.0": "2.13.0"}
    transformers = {"0.13.0": "4.56.2", "0.16.0": "5.1.0", "0.18.0": "5.25.0"}
    releases, requirements = bisect.torchao_plan(pairs, "0.13.0", "0.18.0", transformers)
    assert [label for label, _ in releases] == ["torchao-0.13.0", "torchao-0.16.0", "torchao-0.18.0"]
    assert requirements["torchao-0.13.0"] == ["torch==2.8.0", "torchao==0.13.0", "transformers==4.56.2", "accelerate"]
    assert requirements["torchao-0.16.0"] == ["torch==2.10.0", "torchao==0.16.0", "transformers==5.1.0"]
    with pytest.raises(bisect.BisectError, match="TRANSFORMERS_PAIRS has no torchao 0.15.0"):
        bisect.torchao_plan(pairs, "0.15.0", "0.18.0", transformers)


def test_every_huggingface_corpus_and_today_s_torchao_have_a_transformers():
    paired = bisect.corpora.transformers_pairs()
    held = [corpus.torchao for corpus in bisect.corpora.load().values() if corpus.kinds and "huggingface" in corpus.kinds]
    assert held and set(held) <= set(paired) <= set(bisect.corpora.torchao_pairs())
    # The environment this test runs in is today's lock's (read from it, not from the lock file, whose comments
    # re-run nothing).
    assert paired[max(paired, key=bisect.resolve.release_key)] == importlib.metadata.version("transformers")


def test_every_torchao_corpus_is_in_the_pairs_and_an_unpaired_release_is_refused():
    pairs = bisect.corpora.torchao_pairs()
    held = [corpus.torchao for corpus in bisect.corpora.load().values() if corpus.torchao]
    assert held and set(held) <= set(pairs)
    with pytest.raises(bisect.BisectError, match="TORCHAO_PAIRS has no torchao 0.99.0: add it"):
        bisect.torchao_plan(pairs, "0.16.0", "0.99.0")


def test_executorch_releases_are_tried_each_with_the_torch_and_torchao_it_requires():
    pairs = {"0.4.0": ("2.5.0", None), "0.7.0": ("2.8.0", "0.12.0"), "1.0.0": ("2.9.0", "0.14.0"),
             "1.5.1": ("2.13.0", "0.18.0")}
    releases, requirements = bisect.executorch_plan(pairs, "0.4.0", "1.0.0")
    assert releases == [("executorch-0.4.0", "3.11"), ("executorch-0.7.0", "3.11"), ("executorch-1.0.0", "3.11")]
    assert requirements["executorch-0.4.0"] == ["torch==2.5.0", "executorch==0.4.0"] + bisect.EXECUTORCH_NEEDS
    assert requirements["executorch-1.0.0"] == ["torch==2.9.0", "torchao==0.14.0", "executorch==1.0.0"] + \
        bisect.EXECUTORCH_NEEDS
    with pytest.raises(bisect.BisectError, match="EXECUTORCH_PAIRS has no executorch 9.9.9: add it"):
        bisect.executorch_plan(pairs, "1.0.0", "9.9.9")


def test_executorch_programs_are_judged_by_executorch_runtimes_and_every_corpus_and_today_s_are_paired():
    pairs = bisect.corpora.executorch_pairs()
    found = bisect.corpora.load()
    held = [corpus for corpus in found.values() if corpus.kinds and "executorch" in corpus.kinds]
    assert held and {corpus.executorch for corpus in held} <= set(pairs)
    assert all(bisect.series_of("executorch", corpus) == "executorch" for corpus in held)
    assert bisect.series_of("torchao", found["torchao-0.16.0"]) == "torchao"
    assert bisect.series_of("op", found["1.6.0"]) is None
    # Each release's torch and torchao are its corpus's pins, and today's executorch is this environment's.
    assert all(pairs[corpus.executorch] == (corpus.pinned("torch"), corpus.torchao) for corpus in held)
    assert importlib.metadata.version("executorch") in pairs


def test_a_non_monotonic_torchao_history_is_reported_in_version_order():
    releases = ["torchao-0.9.0", "torchao-0.10.0", "torchao-0.11.0"]
    history = {"torchao-0.9.0": FAIL, "torchao-0.10.0": PASS, "torchao-0.11.0": FAIL}
    outcome = bisect.bisect(releases, judge_by(history)[0], linear=True)
    assert outcome.conclusion() == (
        "non-monotonic history: torchao-0.9.0 fail, torchao-0.10.0 pass, torchao-0.11.0 fail. No single first failing release."
    )


def judge_by(history):
    calls = []

    def judge(release):
        calls.append(release)
        return history[release], "problem of %s" % release if history[release] == FAIL else ""

    return judge, calls


RELEASES = ["1.13.1", "2.0.0", "2.0.1", "2.1.0", "2.2.0", "2.3.0", "2.13.0"]


def test_bisection_names_the_first_failing_and_the_last_passing_release():
    history = dict.fromkeys(RELEASES, FAIL)
    history.update({"1.13.1": PASS, "2.0.0": PASS})
    judge, calls = judge_by(history)
    outcome = bisect.bisect(RELEASES, judge)
    assert (outcome.first_failing, outcome.last_passing) == ("2.0.1", "2.0.0")
    assert outcome.conclusion() == "first failing: 2.0.1 (last passing: 2.0.0)"
    assert len(calls) == len(set(calls)) < len(RELEASES)  # each release once, not all of them


def test_the_end_points_alone_say_whether_anything_changed_between_them():
    history = dict.fromkeys(RELEASES, FAIL)
    history.update({"1.13.1": PASS, "2.0.0": PASS})
    judge, calls = judge_by(history)
    outcome = bisect.bisect([RELEASES[0], RELEASES[-1]], judge)
    assert calls == ["1.13.1", "2.13.0"]
    assert outcome.conclusion(ends_only=True) == (
        "the end points differ: 1.13.1 pass, 2.13.0 fail. Without --ends, bisect names the first failing release.")


def test_a_release_that_cannot_be_installed_is_skipped_and_named():
    history = dict.fromkeys(RELEASES, FAIL)
    history.update({"1.13.1": PASS, "2.0.0": PASS, "2.0.1": SKIP})
    outcome = bisect.bisect(RELEASES, judge_by(history)[0])
    assert (outcome.first_failing, outcome.last_passing, outcome.undecided) == ("2.1.0", "2.0.0", ["2.0.1"])
    assert "2.0.1" in outcome.conclusion() and "could not be installed or run here" in outcome.conclusion()


def test_end_points_that_do_not_differ_are_said_so():
    outcome = bisect.bisect(RELEASES, judge_by(dict.fromkeys(RELEASES, PASS))[0])
    assert outcome.same_ends and outcome.first_failing is None
    assert outcome.conclusion().startswith("the end points do not differ: 1.13.1 pass, 2.13.0 pass")


def test_an_end_point_that_cannot_be_tried_leaves_it_undecided():
    history = dict.fromkeys(RELEASES, FAIL)
    history["1.13.1"] = SKIP
    outcome = bisect.bisect(RELEASES, judge_by(history)[0])
    assert outcome.first_failing is None and outcome.conclusion().startswith("undecided")


def test_linear_runs_see_a_non_monotonic_history_and_list_it():
    history = {"1.13.1": PASS, "2.0.0": FAIL, "2.0.1": PASS, "2.1.0": FAIL, "2.2.0": FAIL, "2.3.0": FAIL, "2.13.0": FAIL}
    judge, calls = judge_by(history)
    outcome = bisect.bisect(RELEASES, judge, linear=True)
    assert outcome.non_monotonic and calls == RELEASES
    assert outcome.conclusion() == (
        "non-monotonic history: 1.13.1 pass, 2.0.0 fail, 2.0.1 pass, 2.1.0 fail, 2.2.0 fail, 2.3.0 fail, "
        "2.13.0 fail. No single first failing release."
    )


def test_linear_runs_of_a_monotonic_history_name_the_first_failing_release():
    history = dict.fromkeys(RELEASES, FAIL)
    history.update({"1.13.1": PASS, "2.0.0": SKIP})
    outcome = bisect.bisect(RELEASES, judge_by(history)[0], linear=True)
    assert (outcome.first_failing, outcome.last_passing, outcome.undecided) == ("2.0.1", "1.13.1", ["2.0.0"])


def test_files_failing_under_their_own_release_are_not_bisected():
    history = dict.fromkeys(RELEASES, PASS)
    history["1.13.1"] = FAIL
    outcome = bisect.bisect(RELEASES, judge_by(history)[0])
    assert outcome.first_failing is None and "1.13.1 fail" in outcome.conclusion()


def test_progress_says_how_many_releases_are_left_at_most():
    history = dict.fromkeys(RELEASES, FAIL)
    history.update({"1.13.1": PASS, "2.0.0": PASS})
    announced = []
    bisect.bisect(RELEASES, judge_by(history)[0], announce=lambda release, left: announced.append((release, left)))
    # Two end points, then five releases between them: at most three more.
    assert announced[0] == ("1.13.1", 5) and announced[1] == ("2.13.0", 4)
    assert [left for _, left in announced[2:]] == sorted((left for _, left in announced[2:]), reverse=True)
    assert all(left >= 1 for _, left in announced)


# What a user types, refused in one line with the remedy, before any slow index query.


@pytest.mark.parametrize("text, problem", [
    ("abc", "--range abc is not A..B"),
    ("1.6.0..1.7.0..1.8.0", "--range 1.6.0..1.7.0..1.8.0 is not A..B"),
    ("abc..def", "'abc' is not a torch release"),
    ("1.6.0..2.0.0rc1", "'2.0.0rc1' is not a torch release"),
    ("2.0..1.0", "the range is backwards; give the older release first: --range 1.0..2.0"),
])
def test_a_malformed_range_is_refused_naming_the_problem(text, problem):
    with pytest.raises(bisect.BisectError) as error:
        bisect.parse_range(text)
    assert problem in str(error.value) and "\n" not in str(error.value)


def test_a_range_is_two_releases_the_older_first():
    assert bisect.parse_range("1.9.1..1.11.0") == ("1.9.1", "1.11.0")


def test_an_engine_for_an_engine_independent_case_is_refused_as_such():
    with pytest.raises(bisect.BisectError, match="test_per_channel_observer is engine-independent.*leave out --engine"):
        bisect.engine_for(TABLE["test_per_channel_observer"], "fbgemm")
    assert bisect.engine_for(TABLE["test_per_channel_observer"], None) is None


def test_an_engine_the_case_does_not_run_under_is_refused_listing_its_engines():
    with pytest.raises(bisect.BisectError, match="test_linear runs under fbgemm, onednn, qnnpack, x86, not fast"):
        bisect.engine_for(TABLE["test_linear"], "fast")


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A source tree as `bazel run` names it, with today's lock; the index and interpreters must not be asked."""
    (tmp_path / "requirements_lock.txt").write_text(
        "".join("%s \\\n    --hash=sha256:%s\n" % (pin, "0" * 64) for pin in ("torch==2.13.0+cpu", "torchao==0.18.0",
                                                                      "executorch==1.5.1"))
    )
    monkeypatch.setenv("BUILD_WORKSPACE_DIRECTORY", str(tmp_path))

    def slow(*args):
        raise AssertionError("asked the index or looked for interpreters before refusing the request")

    monkeypatch.setattr(bisect.resolve, "releases", slow)
    monkeypatch.setattr(bisect.interpreters, "find", slow)
    return tmp_path


@pytest.mark.parametrize("args, problem", [
    (["test_linear", "--corpus", "1.6.0", "--range", "abc..def"], "'abc' is not a torch release"),
    (["test_linear", "--corpus", "1.6.0", "--range", "2.0..1.0"], "the range is backwards"),
    (["test_per_channel_observer", "--corpus", "1.6.0", "--engine", "fbgemm"], "is engine-independent"),
    (["test_linear", "--corpus", "today"], "give a past release whose corpus holds test_linear: 1.6.0, 1.10.2"),
    (["test_linear_relu_package_quantization_transforms", "--corpus", "1.6.0"], "holds it: 1.13.1"),
    (["test_torchao_intx_weight_only_v2", "--corpus", "torchao-0.13.0", "--loader", "eager"],
     "give the loader of one of test_torchao_intx_weight_only_v2's records: checkpoint, config"),
    (["test_torchao_int8_weight_only_v2", "--corpus", "torchao-0.16.0", "--range", "0.18.0..0.16.0"], "the range is backwards"),
    (["--records", "torchao", "--corpus", "torchao-0.16.0"], "--records torchao judges every record itself"),
])
def test_requests_are_refused_before_anything_slow_runs(workspace, args, problem):
    with pytest.raises(bisect.BisectError) as error:
        bisect.main(args)
    assert problem in str(error.value).replace("holds test_linear_relu_package_quantization_transforms", "holds it")


def test_an_unreachable_index_is_named_with_what_pip_said(monkeypatch):
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # the machine's own indexes and wheel folders
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")  # the discard port: nothing listens
    monkeypatch.setenv("PIP_RETRIES", "1")
    with pytest.raises(bisect.resolve.PipError) as error:
        bisect.resolve.releases(interpreters.find("3.11").executable, "torch")
    assert "Connection refused" in str(error.value) and "No matching distribution found for torch" in str(error.value)


# An interrupt stops every process bisect started, not only its child.

# The child run() starts: it starts a grandchild in its own process group (pip under
# install.py's wrapper), which keeps (re)creating the folder until it is killed.
CHILD = """
import os, subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c", '''
import os, sys, time
folder = sys.argv[1]
while True:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "pid.tmp"), "w") as f:
        f.write(str(os.getpid()))
    os.replace(os.path.join(folder, "pid.tmp"), os.path.join(folder, "pid"))
    time.sleep(0.01)
''', sys.argv[1]])
grandchild.wait()
"""

# Bisect's entry point, cut down to what an interrupt meets: a child at work, a
# folder to remove on the way out.
BISECT = """
import shutil, sys
from bc.bisection import bisection
bisection.interruptible()
try:
    bisection.run([sys.executable, "-c", sys.argv[1], sys.argv[2]])
except KeyboardInterrupt:
    shutil.rmtree(sys.argv[2], ignore_errors=True)
    print("interrupted", file=sys.stderr)
    sys.exit(130)
"""


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("how", ["SIGTERM to the process", "SIGINT to its process group, as a terminal's Ctrl-C"])
def test_an_interrupt_kills_the_whole_process_group_and_leaves_nothing(tmp_path, how):
    folder, said = str(tmp_path / "environment"), tmp_path / "stderr"
    with open(said, "w") as stderr:  # a file, not a pipe: a surviving grandchild would hold a pipe open
        bisecting = subprocess.Popen(
            [sys.executable, "-c", BISECT, CHILD, folder], start_new_session=True, stderr=stderr,
            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
        )
    grandchild = None
    try:
        while grandchild is None:
            try:
                with open(os.path.join(folder, "pid")) as f:
                    grandchild = int(f.read())
            except FileNotFoundError:
                assert bisecting.poll() is None, said.read_text()
                time.sleep(0.05)
        if how.startswith("SIGTERM"):
            os.kill(bisecting.pid, signal.SIGTERM)
        else:
            os.killpg(bisecting.pid, signal.SIGINT)
        assert bisecting.wait() == 130 and said.read_text() == "interrupted\n", said.read_text()
        assert not alive(grandchild), "the grandchild outlived the interrupt"
        assert not os.path.exists(folder), "something wrote into the folder after it was removed"
    finally:
        if grandchild and alive(grandchild):
            os.kill(grandchild, signal.SIGKILL)
        if bisecting.poll() is None:
            bisecting.kill()


def test_every_record_is_judged_by_its_loader_in_each_release_from_its_corpus_and_concluded(workspace, monkeypatch, capsys):
    judged = {}

    def judge(self, release, python, requirements, targets):
        judged[release] = [(t.case.name, t.corpus.name, t.loader) for t in targets]
        # Every record fails from torchao 0.17.0 on, whatever its corpus.
        fails = bisect.resolve.release_key(release.split("-")[1]) >= bisect.resolve.release_key("0.17.0")
        return [(FAIL, "gone") if fails else (PASS, "")] * len(targets)

    monkeypatch.setattr(bisect.Environments, "judge", judge)
    monkeypatch.setattr(bisect, "_interpreters", lambda: {"3.11": sys.executable})
    assert bisect.main(["--records", "torchao"]) == 0
    records = {(case.name, corpus, r["loader"]) for case in TABLE for r in case.differences for corpus in r["corpora"]
               if case.kind == "torchao" and corpus != "today"}
    assert set(judged["torchao-0.18.0"]) == records  # today's judges every one
    assert all(corpus == "torchao-0.7.0" for _, corpus, _ in judged["torchao-0.7.0"])  # a release judges no newer corpus
    out = capsys.readouterr().out
    concluded = [line for line in out.splitlines() if line.startswith("test_torchao_") and ": " in line]
    assert len(concluded) == len(records)
    assert all("first failing: torchao-0.17.0 (last passing: torchao-0.16.0)" in line for line in concluded), out


def test_every_executorch_record_is_judged_in_executorch_releases_from_its_corpus(workspace, monkeypatch, capsys):
    judged = {}

    def judge(self, release, python, requirements, targets):
        judged[release] = requirements
        fails = bisect.resolve.release_key(release.split("-")[1]) >= bisect.resolve.release_key("1.3.1")
        return [(FAIL, "0x:23") if fails else (PASS, "")] * len(targets)

    monkeypatch.setattr(bisect.Environments, "judge", judge)
    monkeypatch.setattr(bisect, "_interpreters", lambda: {"3.11": sys.executable})
    assert bisect.main(["--records", "executorch"]) == 0
    assert judged["executorch-0.3.0"] == ["torch==2.4.0", "executorch==0.3.0"] + bisect.EXECUTORCH_NEEDS
    assert judged["executorch-1.0.0"][:3] == ["torch==2.9.0", "torchao==0.14.0", "executorch==1.0.0"]
    concluded = [line for line in capsys.readouterr().out.splitlines() if line.startswith("test_executorch_")]
    assert concluded and all("first failing: executorch-1.3.1 (last passing: executorch-1.2.0)" in line
                             for line in concluded)


def test_a_package_case_is_refused_before_any_install_where_loads_cannot_be_confined(monkeypatch):
    monkeypatch.setattr(bisect.confine, "_problem", "user and mount namespaces: Operation not permitted")
    with pytest.raises(bisect.BisectError) as error:
        bisect.refuse_unconfinable(TABLE["test_linear_relu_package_quantization_transforms"])
    assert "Operation not permitted" in str(error.value) and "will not run it" in str(error.value)
    bisect.refuse_unconfinable(TABLE["test_linear"])  # holds no code: its loads run capped, and say so
