"""Names the first torch release that fails a case on a past corpus: `bazel run //bc:bisect`.

    bazel run //bc:bisect -- CASE --corpus RELEASE [--engine ENGINE] [--range A..B] [--linear]

The releases are torch's on PyPI from the corpus's release to today's locked
one (--range narrows them), each under the CPython it has wheels for here
(3.11 where it has, else 3.8). The end points are tried first, then the
releases between are bisected: each is installed into a throwaway
environment (hash-locked like every environment here: third_party/pypi/
resolve.py, then install.py's pip install --require-hashes, from the shared
wheel directory), the case's checks run on the corpus's files exactly as its
test runs them but without the recorded differences (bc/bisect_probe.py), and
the environment is removed. One line per release tried: release, pass, fail
or skip (could not be installed or imported here), and the first problem;
then `first failing: X (last passing: Y)`, or that the end points do not
differ. Bisection assumes one change; --linear tries every release in order
and reports a non-monotonic history (fail, pass, fail) when it sees one.
Ctrl-C (or SIGTERM) removes the environment being built.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

from bc import case_table, corpora, pinned

PASS, FAIL, SKIP = "pass", "fail", "skip"
# What some releases import without declaring it: torch 1.10's torch_version.py
# imports pkg_resources (the 1.10.2 corpus's lock pins the same).
UNDECLARED = "setuptools<60"
# The interpreters PyPI has torch wheels for here, preferred first.
PYTHONS = ("3.11", "3.8")


def version_key(version):
    """(1, 13, 1) for "1.13.1"; None for a pre-release or a local build (2.13.0+cpu)."""
    if not re.fullmatch(r"\d+(\.\d+)*", version):
        return None
    return tuple(int(part) for part in version.split("."))


def plan(available, low, high):
    """[(release, python)] from low to high inclusive, in version order.

    available: {python: [releases with a wheel for it]}. A release takes the
    first interpreter of PYTHONS that has it; pre-releases are left out.
    """
    chosen = {}
    for python in reversed(PYTHONS):  # the preferred interpreter is written last and wins
        for release in available.get(python, ()):
            key = version_key(release)
            if key is not None and version_key(low) <= key <= version_key(high):
                chosen[release] = python
    return sorted(chosen.items(), key=lambda item: version_key(item[0]))


class Outcome:
    def __init__(self, tried, first_failing=None, last_passing=None, undecided=(), same_ends=False, non_monotonic=False):
        self.tried = tried  # [(release, result, first problem)] in the order tried
        self.first_failing, self.last_passing = first_failing, last_passing
        self.undecided = list(undecided)  # skipped releases between the two
        self.same_ends, self.non_monotonic = same_ends, non_monotonic

    def history(self):
        """The results seen, in version order: "1.13.1 pass, 2.0.0 fail, ...\""""
        ordered = sorted(self.tried, key=lambda row: version_key(row[0]))
        return ", ".join("%s %s" % (release, result) for release, result, _ in ordered)

    def conclusion(self):
        if self.non_monotonic:
            return "non-monotonic history: %s. No single first failing release." % self.history()
        if self.same_ends:
            ends = [row for row in self.tried[:2]]
            return "the end points do not differ: %s. Nothing to bisect." % ", ".join(
                "%s %s" % (release, result) for release, result, _ in ends
            )
        if self.first_failing is None:
            return "undecided: an end point could not be tried (%s)" % self.history()
        text = "first failing: %s (last passing: %s)" % (self.first_failing, self.last_passing)
        if self.undecided:
            text += "; skipped, could not be installed or run here: %s, so the first failing is one of them or %s" % (
                ", ".join(self.undecided),
                self.first_failing,
            )
        return text


def _monotonic(results):
    """True if results (in version order, skips left out) are some passes then some fails."""
    seen = [r for r in results if r != SKIP]
    return seen == sorted(seen, key=lambda r: r == FAIL)


def bisect(releases, judge, linear=False, announce=lambda release, left: None):
    """The first release that fails, by judge(release) -> (PASS | FAIL | SKIP, first problem line).

    releases: in version order; the first should pass (the corpus's own
    release) and the last fail. Judges each release at most once.
    announce(release, left) is told before each: at most `left` more to try, it included.
    """
    tried, results = [], {}
    bounds = [0, len(releases) - 1]

    def at_most_left():
        if linear:
            return len(releases) - len(tried)
        ends = sum(1 for i in (0, len(releases) - 1) if i not in results)
        between = len([i for i in range(bounds[0] + 1, bounds[1]) if i not in results])
        return ends + (between.bit_length() if between else 0)

    def try_release(index):
        announce(releases[index], at_most_left())
        result, problem = judge(releases[index])
        tried.append((releases[index], result, problem))
        results[index] = result
        return result

    last = len(releases) - 1
    if linear:
        for index in range(len(releases)):
            try_release(index)
        ordered = [results[i] for i in range(len(releases))]
        if not _monotonic(ordered):
            return Outcome(tried, non_monotonic=True)
        decided = [i for i in range(len(releases)) if results[i] != SKIP]
        fails = [i for i in decided if results[i] == FAIL]
        passes = [i for i in decided if results[i] == PASS]
        if not fails or not passes:
            return Outcome(tried, same_ends=True)
        low, high = passes[-1], fails[0]
    else:
        low_result, high_result = try_release(0), try_release(last)
        if SKIP in (low_result, high_result):
            return Outcome(tried)
        if low_result == high_result or (low_result, high_result) == (FAIL, PASS):
            # FAIL then PASS is history too: the files' own release fails them.
            return Outcome(tried, same_ends=low_result == high_result, non_monotonic=low_result == FAIL and high_result == PASS)
        low, high = 0, last
        skipped = set()
        while True:
            between = [i for i in range(low + 1, high) if i not in skipped]
            if not between:
                break
            middle = between[len(between) // 2]
            result = try_release(middle)
            if result == SKIP:
                skipped.add(middle)
            elif result == PASS:
                low = middle
            else:
                high = middle
            bounds[:] = [low, high]
    undecided = [releases[i] for i in range(low + 1, high) if results.get(i) == SKIP]
    return Outcome(tried, first_failing=releases[high], last_passing=releases[low], undecided=undecided)


# Everything below touches the machine: pip, environments, processes.


def available_releases(python):
    """torch releases PyPI has a wheel of for this interpreter (`pip index versions`)."""
    listed = subprocess.run(
        [python, "-m", "pip", "index", "versions", "torch", "--disable-pip-version-check"],
        capture_output=True, text=True,
    )
    match = re.search(r"Available versions: (.*)", listed.stdout)
    return [v.strip() for v in match.group(1).split(",")] if match else []


class Environments:
    """Throwaway environments, one at a time, each removed after use (and on Ctrl-C)."""

    def __init__(self, workspace, wheels, report, today):
        self.workspace, self.wheels, self.report, self.today = workspace, wheels, report, today
        self.interpreters = {}

    def interpreter(self, version):
        from third_party.pypi import resolve

        if version not in self.interpreters:
            self.interpreters[version] = resolve.interpreter(version)
        return self.interpreters[version]

    def judge(self, release, python, case, corpus, engine):
        from third_party.pypi import resolve

        if release == self.today and python == "%d.%d" % sys.version_info[:2]:
            # Today's locked torch is the one this binary runs under (@pypi): no install.
            self.report("  torch %s is today's lock, which this binary runs under" % release)
            return probe(sys.executable, [self.workspace] + sys.path, self.workspace, case, corpus, engine)
        scratch = tempfile.mkdtemp(prefix="quant-bc-bisect-torch-%s-" % release)
        try:
            interpreter = self.interpreter(python)
            self.report("  downloading torch %s and what it needs for CPython %s into %s" % (release, python, self.wheels))
            # Downloaded once, each file checked against the digest PyPI publishes for it; then
            # resolved again from those files alone, to pin each to its sha256.
            subprocess.run(
                [interpreter, "-m", "pip", "download", "--quiet", "--quiet", "--disable-pip-version-check",
                 "--only-binary=:all:", "--dest", self.wheels, "torch==%s" % release, UNDECLARED],
                check=True,
            )
            requirements = os.path.join(scratch, "requirements.in")
            with open(requirements, "w", encoding="utf-8") as f:
                f.write("torch==%s\n%s\n" % (release, UNDECLARED))
            report = resolve.resolve(interpreter, requirements, "--no-index", "--find-links", self.wheels)
            lock = os.path.join(scratch, "requirements_lock.txt")
            with open(lock, "w", encoding="utf-8") as f:
                f.write(resolve.lock_text(report, ""))
            site_packages = os.path.join(scratch, "site-packages")
            self.report("  installing torch %s for CPython %s into %s" % (release, python, site_packages))
            subprocess.run(
                [interpreter, "-c", "import sys; sys.path.insert(0, sys.argv[1]); from third_party.pypi import install; "
                 "install.pip_install(*sys.argv[2:])", self.workspace, lock, site_packages, self.wheels],
                check=True, cwd=self.workspace,
            )
            return probe(interpreter, [self.workspace, site_packages], self.workspace, case, corpus, engine)
        except (subprocess.CalledProcessError, LookupError, ValueError) as error:
            return SKIP, "could not install torch %s here: %s" % (release, error)
        finally:
            _remove(scratch, self.report)


def _remove(directory, report):
    failures = []
    shutil.rmtree(directory, onerror=lambda function, path, info: failures.append("%s: %s" % (path, info[1])))
    if failures or os.path.exists(directory):
        report("  could not remove %s (%d errors, first: %s); remove it by hand" % (directory, len(failures), failures[:1]))


def probe(interpreter, path, workspace, case, corpus, engine):
    """(PASS | FAIL | SKIP, first problem line) of bc/bisect_probe.py under that interpreter and path."""
    command = [interpreter, "-sSB", "-m", "bc.bisect_probe", case.name, corpus.name]
    result = subprocess.run(
        command + ([engine] if engine else []),
        cwd=workspace, capture_output=True, text=True,
        # The test's environment: no pins, the host's CPU as it is.
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(path)),
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        last = (result.stderr.strip().splitlines() or ["exit %d" % result.returncode])[-1]
        return SKIP, "could not run the checks under it: %s" % last
    problems = json.loads(lines[-1])["problems"]
    if not problems:
        return PASS, ""
    detail = [line.strip() for line in problems[0].splitlines()[1:] if line.strip()]
    return FAIL, (detail[0] if detail else problems[0].splitlines()[0])[:160]


def main(argv):
    parser = argparse.ArgumentParser(prog="bazel run //bc:bisect --", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case")
    parser.add_argument("--corpus", required=True, help="a past release of bc/releases.bzl")
    parser.add_argument("--engine", help="a quantized engine of the case; default: its first")
    parser.add_argument("--range", help="A..B: only the releases from A to B")
    parser.add_argument("--linear", action="store_true", help="try every release in order instead of bisecting")
    args = parser.parse_args(argv)

    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY")
    if not workspace:
        parser.error("run it with `bazel run //bc:bisect -- ...`: it reads the corpus in the source tree")
    try:
        case = case_table.load_table()[args.case]
        corpus = corpora.get(args.corpus)
    except case_table.TableError as error:
        parser.error(str(error))
    if corpus.is_today or not corpus.holds(case):
        parser.error("--corpus must be a past release that holds %s" % case.name)
    engine = args.engine or (case.engines[0] if case.engines else None)
    if engine and engine not in case.engines:
        parser.error("%s runs under %s, not %s" % (case.name, ", ".join(case.engines), engine))
    today = pinned.locked_version("torch", os.path.join(workspace, pinned.LOCK_PATH)).split("+")[0]
    low, high = args.range.split("..") if args.range else (corpus.name, today)

    environments = Environments(workspace, _wheels(), lambda line: print(line, flush=True), today)
    available = {}
    for python in PYTHONS:
        try:
            available[python] = available_releases(environments.interpreter(python))
        except LookupError as error:
            print("note: %s; releases only it has wheels for are left out" % error)
    releases = plan(available, low, high)
    if len(releases) < 2:
        parser.error("fewer than two torch releases from %s to %s on PyPI for %s" % (low, high, ", ".join(available)))
    pythons = dict(releases)
    print("bisecting %s on the %s corpus under engine %s: %d releases from %s to %s"
          % (case.name, corpus.name, engine or "-", len(releases), releases[0][0], releases[-1][0]), flush=True)
    count = [0]

    def announce(release, left):
        count[0] += 1
        print("[%d] torch %s (CPython %s); at most %d more to try, it included" % (count[0], release, pythons[release], left),
              flush=True)

    def judge(release):
        result, problem = environments.judge(release, pythons[release], case, corpus, engine)
        print("%-8s %-4s %s" % (release, result, problem), flush=True)
        return result, problem

    outcome = bisect([release for release, _ in releases], judge, linear=args.linear, announce=announce)
    print(outcome.conclusion())
    return 0 if outcome.first_failing or outcome.same_ends else 1


def _wheels():
    environ = os.environ
    return environ.get("QUANT_BC_WHEELS") or os.path.join(
        environ.get("XDG_CACHE_HOME") or os.path.join(environ.get("HOME", "/tmp"), ".cache"), "quant-bc", "wheels"
    )


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    # SIGTERM too unwinds, removing the environment being built.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("interrupted; the environment being built was removed", file=sys.stderr)
        sys.exit(130)
