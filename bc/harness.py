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

from bc import case_table, checks, confine, corpora, engines, golden_io, torch_api

RECORDED = "recorded"
UNRECORDED = "unrecorded"


class CaseInCorpus:
    """One case's files in one corpus, checked under each engine: each check (the files verified, then loaded
    and run) in a confined child (bc/confine.py), since they are files this process did not write."""

    def __init__(self, case, corpus, root=None, directory=None):
        """corpus: its name (today, 1.6.0, ...; a user's target: its label); root: where its files really are,
        if not where they are read; directory: where they are read, if not the corpus's directory."""
        self.case, self.corpus = case, corpus
        self._golden = golden_io.GoldenSet(case, corpora.directory(corpus) if directory is None else directory, root=root)

    def check(self, engine, differences, loader=None, outcomes=None):
        """Problems of the files under engine (None: engine-independent), [] if none.

        loader: that loader's checks only (bisection's --loader).
        outcomes: a list that gets each loader's outcome (checks._outcome), for the report.
        Raises golden_io.GoldenError if the files were refused before any check could run, and
        confine.Stopped if the check was stopped at a cap.
        """
        if differences not in (RECORDED, UNRECORDED):
            raise ValueError("differences must be harness.RECORDED or harness.UNRECORDED, not %r" % (differences,))
        golden = self._golden
        engine_name = engine or case_table.ENGINE_INDEPENDENT

        def recorded(loader):
            if differences == UNRECORDED:
                return None
            return self.case.recorded_difference(self.corpus, engine_name, loader, torch_api.cpu_capability())

        def confined():
            golden.verify()
            found = []
            with engines.engine(engine) if engine else contextlib.nullcontext():
                problems = checks.check(self.case, golden, engine_name, recorded, loader, found)
            return problems, found

        checks.prepare(self.case)
        files = [golden.path(part) for part in self.case.parts]
        problems, found = confine.call(
            confined, reads=[golden.root] + files, holds_code=checks.holds_code(self.case, golden),
            what="%s in %s (%s)" % (self.case.name, self.corpus, ", ".join(files)))
        if outcomes is not None:
            outcomes.extend(found)
        return problems
