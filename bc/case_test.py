"""Main of every //bc case test: one case's golden files, under each of its engines.

bc/defs.bzl sets, per target:
  BC_CASE     the case's name in bc/cases.bzl
  BC_ENGINES  engines to run under, comma-separated; empty for an
              engine-independent case, which runs once
Each engine is its own test method (test_fbgemm, test_x86, ...), so a failure
names its engine and --test_filter=CaseTest.test_x86 runs one.
"""

import os
import sys

from bc import noise

noise.silence()

from absl.testing import absltest, parameterized  # noqa: E402

from bc import case_table, checks, engines, golden_io, manifest  # noqa: E402

CASE = case_table.load_table()[os.environ["BC_CASE"]]
ENGINES = [e for e in os.environ.get("BC_ENGINES", "").split(",") if e]
# Where the golden files in this test's runfiles lead: the source tree's
# serialized/, beside the bc/ this file resolves into.
SOURCE_CORPUS = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), manifest.GOLDEN_DIR)


class CaseTest(parameterized.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if ENGINES and not set(ENGINES) & set(engines.supported_engines()):
            raise RuntimeError(
                "%s: nothing to check: this torch build supports engines %s, the case runs under %s. "
                "Pick a supported one with --//bc:qengine=ENGINE."
                % (CASE.name, engines.supported_engines(), ENGINES)
            )
        # unittest's runner resets warning filters before it runs the tests.
        noise.silence()
        cls.golden = golden_io.GoldenSet(CASE, root=SOURCE_CORPUS)
        cls.golden.verify()

    def check_under(self, engine=None):
        problems = checks.check_under(CASE, self.golden, engine)
        if problems:
            self.fail(
                "%s under engine %s: %d problem%s (host: %s)\n%s"
                % (
                    CASE.name,
                    engine or checks.ENGINE_INDEPENDENT,
                    len(problems),
                    "" if len(problems) == 1 else "s",
                    engines.host_description(),
                    "\n".join(problems),
                )
            )

    if ENGINES:

        @parameterized.named_parameters(("_" + engine, engine) for engine in ENGINES)
        def test(self, engine):
            if engine not in engines.supported_engines():
                reason = "engine %s is not supported by this torch build (supported: %s)" % (
                    engine,
                    engines.supported_engines(),
                )
                print("SKIP %s.test_%s: %s" % (CASE.name, engine, reason), file=sys.stderr)
                self.skipTest(reason)
            self.check_under(engine)

    else:

        def test_engine_independent(self):
            self.check_under()


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
