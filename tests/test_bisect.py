"""The release bisection's logic (bc/bisection.py), without installing any torch."""

from bc import bisection as bisect
from bc.bisection import FAIL, PASS, SKIP

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
