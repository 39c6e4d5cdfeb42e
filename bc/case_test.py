"""Main of every //bc case test, and of every user's model target (bc/own_models/defs.bzl): one case's
files in each corpus, under each of its engines.

A case test's case is its own entry of bc/cases.bzl, which bc/defs.bzl writes
beside it (bc/case_entries/<case>.json), and sets, per target:
  BC_CASE     the case's name
  BC_ENGINES  engines to run under, comma-separated; empty for an
              engine-independent case, which runs once
  BC_CORPORA  the corpora to check (bc/releases.bzl): today, 1.6.0, ...
Each corpus and engine is its own test method (test_today_fbgemm,
test_1_6_0_x86, ...; test_1_6_0 for an engine-independent case), so a failure
names its release and engine, and --test_filter=CaseTest.test_1_6_0_x86 runs one.

A model target sets BC_MODEL instead: its spec (bc/model_case.py), whose
files are in its package; a method per engine of the spec (test_x86, ...;
test_model for an engine-independent one).
"""

import os
import platform
import sys
import traceback
from importlib import metadata

from bc import case_table, kinds, model_case, warning_filters


def _enter_kind_environment():
    """Re-executes this process under the variables its case's kind is checked under (bc/kinds.py), before
    torch loads and reads them. A case this cannot read is left to the checks below, which say what is wrong."""
    try:
        kind = (model_case.load(os.environ["BC_MODEL"]).kind if "BC_MODEL" in os.environ
                else case_table.load_entry(os.environ["BC_CASE"]).kind)
    except Exception:  # noqa: BLE001 - reported, with its remedy, where the case is read again
        return
    kinds.enter_environment(kind)


_enter_kind_environment()
warning_filters.silence()

from absl.testing import absltest  # noqa: E402

import torch  # noqa: E402

from bc import checks, confine, corpora, engines, golden_io, harness, results_file  # noqa: E402

# unittest leaves the frames of a module that defines __unittest out of the
# tracebacks it prints (its own and absltest's do the same): a failure reads as
# its message alone, the block docs/failures.md shows. An exception raised further in
# (checks, loaders) still shows its frames from there on.
__unittest = True


def _model():
    """A model target's case, engines and its one set of files: in its package, really where its artifact is."""
    try:
        case = model_case.load(os.environ["BC_MODEL"])
    except model_case.SpecError as error:
        sys.exit("%s\nFix the target's attributes in its BUILD file." % error)
    directory = case.package  # the test runs in the runfiles of its workspace, where its package is this folder
    artifact = case.golden_name(model_case.artifact_part(case.kind))
    real = os.path.realpath(os.path.join(directory, artifact))
    root = real[: -len(artifact)] if real.endswith("/" + artifact) else directory
    run = harness.CaseInCorpus(case, case.label, root=root, directory=directory)
    return case, list(case.engines), {None: run}


def _suite_case():
    """A case's entry, the engines --//bc:qengine leaves it, and its files in each corpus --//bc:corpus picks."""
    case = case_table.load_entry(os.environ["BC_CASE"])
    # Where the golden files in this test's runfiles lead: the source tree, beside the bc/ this file resolves into.
    source_tree = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    names = [name for name in os.environ.get("BC_CORPORA", corpora.TODAY).split(",") if name]
    runs = {name: harness.CaseInCorpus(case, name, root=os.path.join(source_tree, corpora.directory(name))) for name in names}
    return case, [e for e in os.environ.get("BC_ENGINES", "").split(",") if e], runs


CASE, ENGINES, RUNS = _model() if "BC_MODEL" in os.environ else _suite_case()


def _methods():
    """(method suffix, corpus, engine) of every check; corpus None for a model target, engine None for an
    engine-independent case."""
    return [
        ("_".join(([corpora.identifier(corpus)] if corpus else []) + ([engine] if engine else [])) or "model", corpus, engine)
        for corpus in RUNS
        for engine in (ENGINES or [None])
    ]


def _version(distribution):
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


RESULTS = results_file.ResultsFile(
    os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR"),
    CASE.name,
    torch=metadata.version("torch"),
    torch_git=torch.version.git_version,
    torchao=_version("torchao"),
    python=platform.python_version(),
    host=engines.host_description(),
    # Which torch build it ran under, whatever directory --platform_suffix gave its results: the report's column.
    repository=results_file.repository_of(torch.__file__),
    wheel=results_file.torch_wheel(sys.path),
)


def _record(corpus, engine, result, message, outcomes=()):
    RESULTS.add(CASE.label if corpus is None else corpus, engine or case_table.ENGINE_INDEPENDENT, result, message, outcomes)


class CaseTest(absltest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if ENGINES and not set(ENGINES) & set(engines.supported_engines()):
            raise RuntimeError(
                "%s: nothing to check: this torch build supports engines %s, the case runs under %s. "
                "Pick a supported one: --//bc:qengine=ENGINE, or a model target's `engines`."
                % (CASE.name, engines.supported_engines(), ENGINES)
            )
        # unittest's runner resets warning filters before it runs the tests.
        warning_filters.silence()

    def check(self, corpus, engine):
        run = RUNS[corpus]
        if engine and engine not in engines.supported_engines():
            reason = "engine %s is not supported by this torch build (supported: %s)" % (
                engine,
                engines.supported_engines(),
            )
            print("SKIP %s, engine %s: %s" % (CASE.heading(run.corpus), engine, reason), file=sys.stderr)
            _record(corpus, engine, "skip", reason)
            self.skipTest(reason)
        outcomes, refusal = [], None
        try:
            problems = run.check(engine, harness.RECORDED, outcomes=outcomes)
        except (golden_io.GoldenError, confine.Stopped) as refused:
            refusal = checks.refusal(CASE, run.corpus, engine, refused)
        except Exception:
            # Not a loader's problem (those are caught per step): the harness itself broke. The report shows it.
            _record(corpus, engine, "fail", traceback.format_exc(), outcomes)
            raise
        if refusal is not None:
            # Failed outside the handler, so that the refusal prints as its message alone, not chained to the
            # GoldenError's traceback (docs/failures.md).
            _record(corpus, engine, "fail", refusal)
            self.fail(refusal)
        message = checks.failure(CASE, run.corpus, engine, problems) if problems else ""
        recorded = any(outcome["result"] == "recorded" for outcome in outcomes)
        _record(corpus, engine, "fail" if problems else "recorded" if recorded else "pass", message, outcomes)
        if problems:
            self.fail(message)


def _test_method(corpus, engine):
    # Made here rather than by absl's parameterized, whose wrapper's frame unittest would print as a traceback.
    return lambda self: self.check(corpus, engine)


for _suffix, _corpus, _engine in _methods():
    setattr(CaseTest, "test_" + _suffix, _test_method(_corpus, _engine))


def exit_without_teardown(code):
    """Ends the process without finalizing the interpreter.

    Tearing torch down costs 0.4 s, per test process; by now the results, and
    Bazel's test.xml, are written and closed.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    try:
        absltest.main()
    except SystemExit as exit:
        exit_without_teardown(1 if exit.code not in (0, False, None) else 0)
