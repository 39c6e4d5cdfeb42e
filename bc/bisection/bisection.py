"""Names the first torch release that fails a case on a past corpus: `bazel run //bc:bisect`.

    bazel run //bc:bisect -- CASE --corpus RELEASE [--engine ENGINE] [--loader LOADER] [--range A..B] [--linear | --ends]
    bazel run @quant_bc//bc:bisect -- --model //pkg:name --since RELEASE [...]   (in your workspace)

A target of yours (bc/own_models/defs.bzl) is judged as a case on a corpus is:
its files where they are, its factory imported from your workspace, each
release from --since (the one that wrote the artifact: torch's, or
torchao-<version> for torchao's) to the one your requirements_lock.txt pins.

The releases are torch's on PyPI from the corpus's release to today's locked
one (--range narrows them), each under the CPython it has wheels for here
(3.11 where it has, else 3.8). For a corpus a torchao release wrote (the
torchao, pt2e and huggingface cases) they are torchao's, each with the torch it was built
against (TORCHAO_PAIRS in bc/releases.bzl; a huggingface case's with its transformers too,
TRANSFORMERS_PAIRS), from the corpus's torchao to
today's locked one; --range then takes torchao versions. For an executorch case they
are executorch's, each with the torch and torchao it requires (EXECUTORCH_PAIRS): the
runtimes that run the corpus's programs. The end points are tried first, then the
releases between are bisected: each is installed into a throwaway
environment (hash-locked like every environment here: third_party/pypi/
environment.py, from the shared wheel directory), the case's checks run on
the corpus's files exactly as its test runs them but without the recorded
differences (probe_checks, in a process of that release), and the
environment is removed. One line
per release tried: release, pass, fail or skip (could not be installed or
imported here), and the first problem; then `first failing: X (last passing:
Y)`, or that the end points do not differ. Bisection assumes one change;
--linear tries every release in order and reports a non-monotonic history
(fail, pass, fail) when it sees one.

The checks load the files as a test does, in a confined child (bc/confine.py:
no network, a private /tmp, nothing writable, memory and CPU capped); where
that is impossible, a case whose files hold code (a torch.package) is
refused. Ctrl-C, SIGTERM or SIGHUP stops every
process bisect started (pip under its wrapper too) and removes everything
they wrote; a wheel enters the shared wheel directory only whole and checked.
"""

import argparse
import collections
import contextlib
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

from bc import case_table, confine, corpora, kinds, model_case
from bc.corpus import pinned
from third_party.pypi import environment, resolve, wheels
from third_party.python import interpreters

PASS, FAIL, SKIP = "pass", "fail", "skip"
# What some releases import without declaring it: torch 1.10's torch_version.py
# imports pkg_resources (the 1.10.2 corpus's lock pins the same).
UNDECLARED = "setuptools<60"
# The interpreters PyPI has torch wheels for here, preferred first.
PYTHONS = ("3.11", "3.8")


def plan(available, low, high):
    """[(release, python)] from low to high inclusive, in version order.

    available: {python: [releases with a wheel for it]}. A release takes the
    first interpreter of PYTHONS that has it; pre-releases are left out.
    """
    chosen = {}
    for python in reversed(PYTHONS):  # the preferred interpreter is written last and wins
        for release in available.get(python, ()):
            key = resolve.release_key(release)
            if key is not None and resolve.release_key(low) <= key <= resolve.release_key(high):
                chosen[release] = python
    return sorted(chosen.items(), key=lambda item: resolve.release_key(item[0]))


class Outcome:
    def __init__(self, tried, first_failing=None, last_passing=None, undecided=(), same_ends=False, non_monotonic=False):
        self.tried = tried  # [(release, result, first problem)] in the order tried
        self.first_failing, self.last_passing = first_failing, last_passing
        self.undecided = list(undecided)  # skipped releases between the two
        self.same_ends, self.non_monotonic = same_ends, non_monotonic

    def history(self):
        """The results seen, in version order: "1.13.1 pass, 2.0.0 fail, ...\""""
        ordered = sorted(self.tried, key=lambda row: resolve.release_key(_version(row[0])))
        return ", ".join("%s %s" % (release, result) for release, result, _ in ordered)

    def conclusion(self, ends_only=False):
        if ends_only and self.first_failing is not None:
            return "the end points differ: %s pass, %s fail. Without --ends, bisect names the first failing release." % (
                self.last_passing, self.first_failing)
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


class _Trials:
    """The releases judged so far, each at most once, and how many more a search may need."""

    def __init__(self, releases, judge, linear, announce):
        self.releases, self.judge, self.linear, self.announce = releases, judge, linear, announce
        self.tried, self.results = [], {}
        self.bounds = [0, len(releases) - 1]

    def at_most_left(self):
        if self.linear:
            return len(self.releases) - len(self.tried)
        last = len(self.releases) - 1
        ends = sum(1 for i in (0, last) if i not in self.results)
        between = len([i for i in range(self.bounds[0] + 1, self.bounds[1]) if i not in self.results])
        return ends + (between.bit_length() if between else 0)

    def judge_release(self, index):
        self.announce(self.releases[index], self.at_most_left())
        result, problem = self.judge(self.releases[index])
        self.tried.append((self.releases[index], result, problem))
        self.results[index] = result
        return result


def _linear_bounds(trials):
    """(last passing, first failing) indices after judging every release, or the Outcome that ends the search."""
    count = len(trials.releases)
    for index in range(count):
        trials.judge_release(index)
    if not _monotonic([trials.results[i] for i in range(count)]):
        return Outcome(trials.tried, non_monotonic=True)
    decided = [i for i in range(count) if trials.results[i] != SKIP]
    fails = [i for i in decided if trials.results[i] == FAIL]
    passes = [i for i in decided if trials.results[i] == PASS]
    if not fails or not passes:
        return Outcome(trials.tried, same_ends=True)
    return passes[-1], fails[0]


def _binary_bounds(trials):
    """(last passing, first failing) indices by halving between the ends, or the Outcome that ends the search."""
    last = len(trials.releases) - 1
    low_result, high_result = trials.judge_release(0), trials.judge_release(last)
    if SKIP in (low_result, high_result):
        return Outcome(trials.tried)
    if low_result == high_result or (low_result, high_result) == (FAIL, PASS):
        # FAIL then PASS is history too: the files' own release fails them.
        return Outcome(
            trials.tried, same_ends=low_result == high_result, non_monotonic=low_result == FAIL and high_result == PASS
        )
    low, high, skipped = 0, last, set()
    while True:
        between = [i for i in range(low + 1, high) if i not in skipped]
        if not between:
            return low, high
        middle = between[len(between) // 2]
        result = trials.judge_release(middle)
        if result == SKIP:
            skipped.add(middle)
        elif result == PASS:
            low = middle
        else:
            high = middle
        trials.bounds[:] = [low, high]


def bisect(releases, judge, linear=False, announce=lambda release, left: None):
    """The first release that fails, by judge(release) -> (PASS | FAIL | SKIP, first problem line).

    releases: in version order; the first should pass (the corpus's own
    release) and the last fail. Judges each release at most once.
    announce(release, left) is told before each: at most `left` more to try, it included.
    """
    trials = _Trials(releases, judge, linear, announce)
    found = _linear_bounds(trials) if linear else _binary_bounds(trials)
    if isinstance(found, Outcome):
        return found
    low, high = found
    undecided = [releases[i] for i in range(low + 1, high) if trials.results.get(i) == SKIP]
    return Outcome(trials.tried, first_failing=releases[high], last_passing=releases[low], undecided=undecided)


class BisectError(Exception):
    """A request bisect refuses; str() is one line naming the problem and the remedy."""


EXAMPLE_RANGE = "--range 1.9.1..1.11.0"


def parse_range(text):
    """(A, B) of --range A..B, two releases, the older first."""
    ends = text.split("..")
    if len(ends) != 2:
        raise BisectError("--range %s is not A..B; give two torch releases, e.g. %s" % (text, EXAMPLE_RANGE))
    for end in ends:
        if resolve.release_key(end) is None:
            raise BisectError("--range %s: %r is not a torch release; give two, e.g. %s" % (text, end, EXAMPLE_RANGE))
    low, high = ends
    if resolve.release_key(low) > resolve.release_key(high):
        raise BisectError(
            "--range %s: the range is backwards; give the older release first: --range %s..%s" % (text, high, low))
    return low, high


def engine_for(case, engine):
    """The engine to judge under: the one asked for, which the case must run under, or the case's first."""
    if engine is None:
        return case.engines[0] if case.engines else None
    if case.engine_independent:
        raise BisectError(
            "%s is engine-independent (it runs once, under no engine of its own); leave out --engine" % case.name)
    if engine not in case.engines:
        raise BisectError(
            "%s runs under %s, not %s; give one of those to --engine" % (case.name, ", ".join(case.engines), engine))
    return engine


# Everything below touches the machine: pip, environments, processes.

# The signals that end a run: a terminal's Ctrl-C, a scheduler's or `timeout`'s SIGTERM, a closed terminal.
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PR_SET_CHILD_SUBREAPER = 36


def _interrupt(signum, frame):
    # The first signal unwinds; a second one must not cut the cleanup short.
    for each in SIGNALS:
        signal.signal(each, signal.SIG_IGN)
    raise KeyboardInterrupt


def interruptible():
    """Turns SIGINT, SIGTERM and SIGHUP into one KeyboardInterrupt, and makes this process the parent of what its
    children leave behind, so that run() can stop and wait for everything bisect started."""
    for each in SIGNALS:
        signal.signal(each, _interrupt)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def run(command, **kwargs):
    """subprocess.run for a child that must not outlive an interrupt.

    The child, and whatever it starts (pip under a wrapper), make a process
    group of their own: a terminal's Ctrl-C reaches this process only, and an
    interrupt kills the whole group, then every process still descending from
    this one, and waits until each has ended, so that nothing writes into an
    environment after it is removed.
    """
    child = None
    try:
        child = subprocess.Popen(command, start_new_session=True, **kwargs)
        stdout, stderr = child.communicate()
    except BaseException:
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            _end_descendants()
        raise
    return subprocess.CompletedProcess(command, child.returncode, stdout, stderr)


def _end_descendants():
    # Whatever left the group (a setsid) becomes a child of this process when
    # its parent dies (interruptible), and is killed and waited for in turn.
    while True:
        for pid in _children():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def _children():
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % entry) as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])  # the fields after the command's name
        except (OSError, IndexError, ValueError):
            continue  # not a process, or one that just ended
        if parent == os.getpid():
            yield int(entry)


class Environments:
    """Throwaway environments, one at a time, each removed after use (and on an interrupt), in scratch."""

    def __init__(self, workspace, wheels, scratch, interpreters_found, report, today, also=()):
        """workspace: quant-bc's source, where the probes run; also: what else they import and read (a user's
        workspace)."""
        self.workspace, self.wheels, self.scratch, self.report, self.today = workspace, wheels, scratch, report, today
        self.interpreters, self.also = interpreters_found, list(also)
        # pip's own temporary files (a 750 MB unpacked wheel) go where the environments go.
        self.tmp = os.path.join(scratch, "tmp")
        os.makedirs(self.tmp, exist_ok=True)

    def judge(self, release, python, requirements, targets):
        """[(PASS | FAIL | SKIP, first problem line)] of each target's checks under the release, installed once."""
        if release == self.today and python == "%d.%d" % sys.version_info[:2]:
            # Today's locked torch is the one this binary runs under (@pypi): no install.
            self.report("  %s is today's lock, which this binary runs under" % release)
            return self.probe(sys.executable, [self.workspace] + self.also + sys.path, targets)
        target = tempfile.mkdtemp(prefix="torch-%s-" % release, dir=self.scratch)
        try:
            interpreter = self.interpreters[python]
            built = run(
                [interpreter, "-m", "third_party.pypi.environment", "--wheels", self.wheels, "--target", target,
                 *requirements],
                cwd=self.workspace, stderr=subprocess.PIPE, text=True,
                env=dict(os.environ, PYTHONPATH=self.workspace, TMPDIR=self.tmp),
            )
            if built.returncode != 0:
                why = "could not install %s here: %s" % (" ".join(requirements), resolve.pip_said(built.stderr))
                return [(SKIP, why)] * len(targets)
            site_packages = os.path.join(target, environment.SITE_PACKAGES)
            return self.probe(interpreter, [self.workspace] + self.also + [site_packages], targets)
        finally:
            _remove(target, self.report)
            wheels.remove_abandoned(self.wheels)  # an interrupted download's folder (wheels.staged)

    def probe(self, interpreter, path, targets):
        """[(PASS | FAIL | SKIP, first problem line)] of probe_checks, in one process of that interpreter and path."""
        named = [list(_named(t)) + [t.engine or "", t.loader or ""] for t in targets]
        command = [interpreter, "-sSB", "-m", "bc.bisection.bisection", PROBE, json.dumps(named)]
        result = run(
            command, cwd=self.workspace, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            # The test's environment: no pins but its kind's (bc/kinds.py), the host's CPU as it is. Each check
            # loads the files in a confined child of the probe (bc/confine.py), as a test does.
            env=dict(os.environ, PYTHONPATH=os.pathsep.join(path),
                     **{k: v for t in targets for k, v in kinds.environment_of(t.case.kind).items()}),
        )
        lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
        if result.returncode != 0 or not lines:
            last = (result.stderr.strip().splitlines() or ["exit %d" % result.returncode])[-1]
            return [(SKIP, "could not run the checks under it: %s" % last)] * len(targets)
        return [_verdict(problems) for problems in json.loads(lines[-1])["problems"]]


def _named(target):
    """How a probe names the case and its files: a case of the table and a corpus by their names; a user's
    target by its spec and its package's directory."""
    if isinstance(target.corpus, ModelFiles):
        return MODEL + json.dumps(target.corpus.spec), os.path.join(target.corpus.workspace, target.case.package)
    return target.case.name, target.corpus.name


def _verdict(problems):
    if not problems:
        return PASS, ""
    detail = [line.strip() for line in problems[0].splitlines()[1:] if line.strip()]
    return FAIL, (detail[0] if detail else problems[0].splitlines()[0])[:160]


class Target(collections.namedtuple("Target", "case corpus engine loader")):
    """What a probe judges: one case's files of one corpus, under an engine (None: independent), by a loader (None: all)."""


def _key(target):
    return target.case.name, target.corpus.name, target.engine, target.loader


@contextlib.contextmanager
def _environments(workspace, found, today, also=()):
    """Environments in a scratch directory of their own, removed with whatever is left in it."""
    scratch = tempfile.mkdtemp(prefix="quant-bc-bisect-")
    try:
        yield Environments(workspace, wheels.directory(), scratch, found, lambda line: print(line, flush=True), today,
                           also)
    finally:
        _remove(scratch, lambda line: print(line, file=sys.stderr, flush=True))


def _remove(directory, report):
    failures = []
    shutil.rmtree(directory, onerror=lambda function, path, info: failures.append("%s: %s" % (path, info[1])))
    if failures or os.path.exists(directory):
        report("  could not remove %s (%d errors, first: %s); remove it by hand" % (directory, len(failures), failures[:1]))


# How a torchao or executorch release is named among the releases tried: as its corpus is.
TORCHAO_LABEL = "torchao-%s"
EXECUTORCH_LABEL = "executorch-%s"
# What executorch needs beside its torch and torchao to export, lower and run a program, installed without the
# dependencies it declares (third_party/pypi/resolve.py), as the corpora's locks have it; setuptools for the
# pkg_resources that executorch 0.3.0 to 0.7.0 import.
EXECUTORCH_NEEDS = ["flatbuffers", "numpy", "ruamel.yaml", "tabulate", "setuptools<82"]


def _version(release):
    """The version of a release as bisect names it: torch's 2.5.1, torchao-0.7.0 or executorch-1.0.0 (SERIES)."""
    for label, _, _ in SERIES.values():
        if release.startswith(label % ""):
            return release[len(label % ""):]
    return release


def _paired(tables, low, high):
    """The releases from low to high that every table pairs (pair tables of bc/releases.bzl, each (table, its name,
    the distribution it pairs, what a pair is)), in order; BisectError naming the table that lacks an end."""
    for table, name, distribution, what in tables:
        unpaired = [end for end in (low, high) if end not in table]
        if unpaired:
            raise BisectError("bc/releases.bzl's %s has no %s %s: add it with %s"
                              % (name, distribution, " or ".join(unpaired), what))
    return sorted((release for release in tables[0][0]
                   if resolve.release_key(low) <= resolve.release_key(release) <= resolve.release_key(high)
                   and all(release in table for table, _, _, _ in tables)),
                  key=resolve.release_key)


def torchao_plan(pairs, low, high, transformers=None):
    """([(label, python)], {label: requirements}) of the torchao releases from low to high, each with its torch,
    and, given transformers (TRANSFORMERS_PAIRS, for a huggingface case), with its transformers too."""
    tables = [(pairs, "TORCHAO_PAIRS", "torchao", "the torch it was built against")]
    if transformers is not None:
        tables.append((transformers, "TRANSFORMERS_PAIRS", "torchao", "the transformers current when it was tagged"))
    chosen = _paired(tables, low, high)
    releases = [(TORCHAO_LABEL % release, PYTHONS[0]) for release in chosen]
    requirements = {}
    for release in chosen:
        requirements[TORCHAO_LABEL % release] = ["torch==%s" % pairs[release], "torchao==%s" % release]
        if transformers is not None:
            # transformers 4's TorchAoConfig needs accelerate, which it does not declare.
            major = int(transformers[release].split(".")[0])
            requirements[TORCHAO_LABEL % release] += ["transformers==%s" % transformers[release]] + (["accelerate"] if major < 5 else [])
    return releases, requirements


def executorch_plan(pairs, low, high):
    """([(label, python)], {label: requirements}) of the executorch releases from low to high, each with the torch and
    torchao it requires (EXECUTORCH_PAIRS)."""
    chosen = _paired([(pairs, "EXECUTORCH_PAIRS", "executorch", "the torch and torchao it requires")], low, high)
    requirements = {
        EXECUTORCH_LABEL % release: ["torch==%s" % pairs[release][0]]
        + (["torchao==%s" % pairs[release][1]] if pairs[release][1] else [])
        + ["executorch==%s" % release] + EXECUTORCH_NEEDS
        for release in chosen
    }
    return [(EXECUTORCH_LABEL % release, PYTHONS[0]) for release in chosen], requirements


# The series of releases bisect walks besides torch's: what its releases are named, the version a corpus pins, the
# plan from low to high for a kind, and the distribution a lock pins today's of.
SERIES = {
    "torchao": (TORCHAO_LABEL, lambda corpus: corpus.torchao,
                lambda low, high, kind: torchao_plan(corpora.torchao_pairs(), low, high, _transformers_for(kind))),
    "executorch": (EXECUTORCH_LABEL, lambda corpus: corpus.executorch,
                   lambda low, high, kind: executorch_plan(corpora.executorch_pairs(), low, high)),
}


def series_of(kind, corpus):
    """The series bisect walks for a case of that kind on the corpus: executorch's for an executorch program,
    torchao's for a corpus a torchao release wrote, else None (torch's)."""
    if kind == "executorch":
        return "executorch"
    return "torchao" if corpus.torchao else None


def _transformers_for(kind):
    """TRANSFORMERS_PAIRS for the huggingface kind, whose files transformers loads; None for the others."""
    return corpora.transformers_pairs() if kind == "huggingface" else None


def _interpreters():
    """{python: interpreter} of PYTHONS found here; a wrong setting is refused, a missing one noted."""
    found = {}
    for python in PYTHONS:
        try:
            found[python] = interpreters.find(python).executable
        except interpreters.InterpreterError as error:
            if interpreters.override(python):
                raise BisectError(str(error))  # a wrong setting is refused, as everywhere
            print("note: %s; releases only it has wheels for are left out" % error, flush=True)
    return found


def torch_plan(found, low, high):
    """[(release, python)] of torch's releases on the index from low to high, each under its interpreter (found)."""
    available = {}
    for python, interpreter in found.items():
        try:
            available[python] = resolve.releases(interpreter, "torch")
        except resolve.PipError as error:
            raise BisectError(
                "pip cannot list torch's releases for CPython %s: %s. Remedy: make the index reachable, or fix "
                "pip's configuration (`pip config list`, PIP_INDEX_URL)" % (python, error))
    releases = plan(available, low, high)
    if len(releases) < 2:
        raise BisectError("fewer than two torch releases from %s to %s on the index for CPython %s; widen --range"
                          % (low, high, ", ".join(available) or "none"))
    return releases


def main(argv):
    parser = argparse.ArgumentParser(prog="bazel run //bc:bisect --", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("case", nargs="?")
    parser.add_argument("--corpus", help="a past release of bc/releases.bzl")
    parser.add_argument("--records", metavar="KIND", choices=["torchao", "pt2e", "huggingface", "executorch"],
                        help="instead of one case: every recorded difference of the kind's cases on a past corpus, "
                             "each judged in every release (installed once) from the oldest corpus's to today's")
    parser.add_argument("--engine", help="a quantized engine of the case; default: its first")
    parser.add_argument("--loader", help="judge by that loader's checks only: the loader of one record of the case")
    parser.add_argument("--range", help="A..B: only the releases from A to B")
    parser.add_argument("--linear", action="store_true", help="try every release in order instead of bisecting")
    parser.add_argument("--ends", action="store_true",
                        help="try the two end points only (two installs): whether anything changed between them")
    parser.add_argument("--model", metavar="LABEL",
                        help="instead of a case: a quant_bc_model_test() target of the workspace bisect runs in "
                             "(its spec is read from bazel-bin: build it first)")
    parser.add_argument("--since", help="with --model: the release that wrote the artifact, torch's (2.8.0), "
                                        "torchao's (torchao-0.13.0) or executorch's (executorch-1.0.0)")
    parser.add_argument("--lock", help="with --model: the workspace's lock, if not requirements_lock.txt at its root")
    args = parser.parse_args(argv)

    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY")
    if not workspace:
        raise BisectError("it reads the corpus in the source tree: run it with `bazel run //bc:bisect -- ...`")
    if args.records:
        if args.case or args.corpus or args.loader or args.engine or args.range or args.linear or args.ends or args.model:
            raise BisectError("--records %s judges every record itself: give no case, --corpus, --engine, --loader, "
                              "--range, --linear, --ends or --model with it" % args.records)
        return every_record(args.records, workspace)
    if args.model:
        if args.case or args.corpus:
            raise BisectError("--model judges a target of yours: give no case or --corpus with it")
        case, files, series, low = model_target(args.model, args.since, workspace)
    else:
        if not args.case or not args.corpus or args.since or args.lock:
            raise BisectError("give a case and --corpus RELEASE, --records KIND, or --model LABEL --since RELEASE")
        case, files = suite_case(args.case, args.corpus)
        series = series_of(case.kind, files)
        low = SERIES[series][1](files) if series else files.name
    lock = os.path.join(workspace, args.lock or pinned.LOCK_PATH)
    recorded_loaders = sorted({record["loader"] for record in case.differences})
    if args.loader is not None and args.loader not in recorded_loaders:
        raise BisectError("--loader %s: give the loader of one of %s's records: %s"
                          % (args.loader, case.name, ", ".join(recorded_loaders) or "it has none"))
    if not os.path.isfile(lock):
        raise BisectError("no lock %s: bisect walks from the artifact's release to the torch this workspace locks there"
                          % lock)
    today = pinned.locked_version(series or "torch", lock).split("+")[0]
    low, high = parse_range(args.range) if args.range else (low, today)
    target = Target(case, files, engine_for(case, args.engine), args.loader)
    if args.ends and args.linear:
        raise BisectError("--ends tries the end points only, --linear every release: give one of them")
    return bisect_target(target, series, low, high, today, args.linear, args.ends)


def suite_case(name, corpus_name):
    """A case of the table and its files of a past corpus."""
    try:
        case = case_table.load_table()[name]
    except case_table.TableError as error:
        raise BisectError(str(error))
    holding = {n: corpus for n, corpus in corpora.load().items() if not corpus.is_today and corpus.holds(case)}
    if corpus_name not in holding:
        raise BisectError("--corpus %s: give a past release whose corpus holds %s: %s"
                          % (corpus_name, case.name, ", ".join(holding) or "none does"))
    return case, holding[corpus_name]


class ModelFiles(collections.namedtuple("ModelFiles", "name workspace spec")):
    """A user's target's files, as bisect judges them: its label, its workspace (where its package is, and its
    factory imports from), its spec."""


def model_target(label, since, workspace):
    """(case, ModelFiles, series (SERIES, or None for torch's), lowest release) of a quant_bc_model_test() target of
    the workspace."""
    if not since:
        raise BisectError("--model %s: give --since, the release that wrote the artifact (torch's 2.8.0, "
                          "torchao-0.13.0 for a torchao or pt2e artifact whose torchao wrote it, executorch-1.0.0 for "
                          "an executorch program)" % label)
    package, _, name = label.lstrip("/").partition(":")
    if not label.startswith("//") or not name:
        raise BisectError("--model %s: give the target's label, //package:name" % label)
    spec_path = os.path.join(workspace, "bazel-bin", package, name + model_case.SPEC_SUFFIX)
    try:
        with open(spec_path, encoding="utf-8") as f:
            spec = json.load(f)
        recorded = model_case.read_records(model_case.records_path(os.path.join(workspace, package), name))
        case = model_case.from_spec(spec, spec.get("qengines", ()), recorded)
    except FileNotFoundError:
        raise BisectError("--model %s: no spec at %s; build the target first (`bazel build %s`), then run bisect "
                          "again" % (label, spec_path, label)) from None
    except (ValueError, model_case.SpecError) as error:
        raise BisectError("--model %s: %s: %s" % (label, spec_path, error)) from None
    series = next((name for name, (label, _, _) in SERIES.items() if since.startswith(label % "")), None)
    if case.kind == "executorch" and series != "executorch":
        raise BisectError("--since %s: an executorch program is judged by executorch's runtimes; give the executorch "
                          "release that wrote it, executorch-<version>" % since)
    if case.kind in ("torchao", "pt2e", "huggingface") and series != "torchao":
        raise BisectError("--since %s: a %s artifact needs torchao in every release tried; give the torchao "
                          "release that wrote it, torchao-<version>" % (since, case.kind))
    low = _version(since)
    if resolve.release_key(low) is None:
        raise BisectError("--since %s is not a release: give torch's (2.8.0), torchao's (torchao-0.13.0) or "
                          "executorch's (executorch-1.0.0)" % since)
    return case, ModelFiles(label, workspace, spec), series, low


def refuse_unconfinable(case):
    """Before anything is installed: a case whose files hold code (a torch.package) where its loads cannot be
    confined (bc/confine.py) is refused, naming the remedy; each probe would refuse it anyway."""
    unconfinable = confine.problem()
    if unconfinable and case.kind == kinds.PACKAGE:
        raise BisectError(
            "%s runs the code its torch.package holds, and loads cannot be confined here (%s), so bisect will not "
            "run it. Remedy: allow user namespaces (sysctl user.max_user_namespaces=10000; on Debian also "
            "kernel.unprivileged_userns_clone=1)" % (case.name, unconfinable))


def bisect_target(target, series, low, high, today, linear, ends=False):
    """Walks the releases from low to high (torch's, or those of a SERIES, each with its torch) judging one target;
    only the two end points if ends."""
    refuse_unconfinable(target.case)
    found = _interpreters()
    if series:
        label, _, plan_of = SERIES[series]
        releases, requirements = plan_of(low, high, target.case.kind)
        today = label % today
    else:
        releases = torch_plan(found, low, high)
        requirements = {release: ["torch==%s" % release, UNDECLARED] for release, _ in releases}
    releases = [(release, python) for release, python in releases if python in found]
    if len(releases) < 2:
        raise BisectError("fewer than two releases from %s to %s to try here; widen --range" % (low, high))
    if ends:
        releases = [releases[0], releases[-1]]
    pythons = dict(releases)
    files = target.corpus.name if isinstance(target.corpus, ModelFiles) else "the %s corpus" % target.corpus.name
    print("bisecting %s on %s under engine %s: %d releases from %s to %s"
          % (target.case.name, files, target.engine or "-", len(releases), releases[0][0], releases[-1][0]),
          flush=True)
    count = [0]

    def announce(release, left):
        count[0] += 1
        print("[%d] %s (CPython %s); at most %d more to try, it included" % (count[0], release, pythons[release], left),
              flush=True)

    also = [target.corpus.workspace] if isinstance(target.corpus, ModelFiles) else []
    with _environments(CODE_ROOT, found, today, also) as environments:

        def judge(release):
            (result, problem), = environments.judge(release, pythons[release], requirements[release], [target])
            print("%-8s %-4s %s" % (release, result, problem), flush=True)
            return result, problem

        outcome = bisect([release for release, _ in releases], judge, linear=linear, announce=announce)
    print(outcome.conclusion(ends_only=ends))
    return 0 if outcome.first_failing or outcome.same_ends else 1


def every_record(kind, workspace):
    """First failing release of each record of a past corpus, for every case of the kind: one install per release.

    Each (case, corpus, loader) of a record is judged by that loader alone,
    in every release from its corpus's to today's (linearly, so a history
    that is not one change shows as such); the conclusion per record is
    bisect's, from those results.
    """
    corpora_found = corpora.load()
    table = case_table.load_table()
    named = {
        (case.name, corpus, record["loader"])
        for case in table
        if case.kind == kind
        for record in case.differences
        for corpus in record["corpora"]
        if corpus != corpora.TODAY
    }
    if not named:
        raise BisectError("no %s case records a difference on a past corpus" % kind)
    # Every past corpus of a kind's records is of one series (a torchao release's, or executorch's).
    series = series_of(kind, corpora_found[next(iter(named))[1]])
    label, version_of, plan_of = SERIES[series]
    targets = [Target(table[case], corpora_found[corpus], None, loader) for case, corpus, loader in
               sorted(named, key=lambda n: (n[0], resolve.release_key(version_of(corpora_found[n[1]])), n[2]))]
    today = pinned.locked_version(series, os.path.join(workspace, pinned.LOCK_PATH))
    oldest = min((version_of(t.corpus) for t in targets), key=resolve.release_key)
    releases, requirements = plan_of(oldest, today, kind)
    found = _interpreters()
    print("judging %d records of %s cases in %d releases, %s to %s" % (len(targets), kind, len(releases), oldest, today),
          flush=True)
    history = {}
    with _environments(workspace, found, label % today) as environments:
        for count, (release, python) in enumerate(releases, 1):
            judged = [t for t in targets if resolve.release_key(version_of(t.corpus)) <= resolve.release_key(_version(release))]
            print("[%d/%d] %s: %d records" % (count, len(releases), release, len(judged)), flush=True)
            for target, outcome in zip(judged, environments.judge(release, python, requirements[release], judged)):
                history[_key(target), release] = outcome
                print("  %-8s %s %s %s: %s" % (outcome[0], target.case.name, target.corpus.name, target.loader, outcome[1]),
                      flush=True)
    for target in targets:
        mine = [release for release, _ in releases if (_key(target), release) in history]
        outcome = bisect(mine, lambda release, key=_key(target): history[key, release], linear=True)
        print("%s %s %s: %s" % (target.case.name, target.corpus.name, target.loader, outcome.conclusion()), flush=True)
    return 0


# The first argument that makes this module the probe, in a process of the release being judged.
PROBE = "--probe-checks"
# What starts a probe's case name that is a user's target's spec (JSON) instead.
MODEL = "model:"
# quant-bc's source: where bisect's probes run, whichever workspace `bazel run` started it in.
CODE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))


def probe_checks(named):
    """Prints {"torch": version, "problems": [[...] per target]} for targets named as JSON [[case, corpus, engine,
    loader], ...] ("" for none; a user's target as [MODEL + its spec, its package's directory, ...]) under the
    torch this process runs.

    The case test's harness (bc/harness.py), judged without the recorded
    differences: bisection asks what each release does with the files
    themselves. A problem of the files (a digest, a refused pickle) is one
    problem like any other.
    """
    from bc import warning_filters

    warning_filters.silence()
    import torch

    from bc import confine, golden_io, harness

    table = case_table.load_table()
    found = []
    for case_name, corpus_name, engine, loader in json.loads(named):
        if case_name.startswith(MODEL):
            case = model_case.from_spec(json.loads(case_name[len(MODEL):]), table.qengines)
            files = harness.CaseInCorpus(case, case.label, directory=corpus_name)
        else:
            files = harness.CaseInCorpus(table[case_name], corpus_name)
        try:
            problems = files.check(engine or None, harness.UNRECORDED, loader or None)
        except (golden_io.GoldenError, confine.Stopped) as error:
            problems = [str(error)]
        found.append(problems)
    print(json.dumps({"torch": torch.__version__, "problems": found}))


if __name__ == "__main__" and sys.argv[1:2] == [PROBE]:
    probe_checks(*sys.argv[2:])
elif __name__ == "__main__":
    interruptible()
    try:
        sys.exit(main(sys.argv[1:]))
    except BisectError as error:
        sys.exit("bisect: %s" % error)
    except KeyboardInterrupt:
        print("bisect: interrupted; every process it started has ended, and what they wrote was removed", file=sys.stderr)
        sys.exit(130)
