"""The sequence that is the product: a case's files in one corpus verified,
then its kind's checks run under an engine.

The case test (bc/case_test.py), the one-process run (tools/run_all.py) and
the bisection probe (bc/bisection/bisection.py) all run it; they differ only in
how they report.

Which recorded differences (bc/cases.bzl) apply is an explicit choice:
  RECORDED    each observation is held to the difference recorded for its
              corpus, engine and loader (the suite);
  UNRECORDED  none applies: the files are judged themselves (bisection asks
              what each release does with them).
"""

import contextlib

from bc import case_table, checks, corpora, engines, golden_io, torch_api

RECORDED = "recorded"
UNRECORDED = "unrecorded"


class CaseInCorpus:
    """One case's files in one corpus: verified once, then checked under each engine."""

    def __init__(self, case, corpus, root=None, directory=None):
        """corpus: its name (today, 1.6.0, ...; a user's target: its label); root: where its files really are,
        if not where they are read; directory: where they are read, if not the corpus's directory."""
        self.case, self.corpus = case, corpus
        self._golden = golden_io.GoldenSet(case, corpora.directory(corpus) if directory is None else directory, root=root)
        self._refusal = None
        self._verified = False

    def _verified_golden(self):
        if not self._verified:
            try:
                self._golden.verify()
            except golden_io.GoldenError as error:
                self._refusal = error
            self._verified = True
        if self._refusal is not None:
            # The same refusal for every engine, without the frames each earlier raise added to it.
            raise self._refusal.with_traceback(None)
        return self._golden

    def check(self, engine, differences, loader=None, outcomes=None):
        """Problems of the files under engine (None: engine-independent), [] if none.

        loader: that loader's checks only (bisection's --loader).
        outcomes: a list that gets each loader's outcome (checks._outcome), for the report.
        Raises golden_io.GoldenError, the same one each time, if the files
        were refused before any check could run.
        """
        if differences not in (RECORDED, UNRECORDED):
            raise ValueError("differences must be harness.RECORDED or harness.UNRECORDED, not %r" % (differences,))
        golden = self._verified_golden()
        engine_name = engine or case_table.ENGINE_INDEPENDENT

        def recorded(loader):
            if differences == UNRECORDED:
                return None
            return self.case.recorded_difference(self.corpus, engine_name, loader, torch_api.cpu_capability())

        with engines.engine(engine) if engine else contextlib.nullcontext():
            return checks.check(self.case, golden, engine_name, recorded, loader, outcomes)
