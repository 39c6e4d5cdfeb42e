"""The .pt2 check fuzzed against the zoo's programs (issue 33; @quant_bc//tests:pt2_fuzzer): programs users wrote
with four torch releases, their JSON's text and numbers mutated, each mutant the check admits loaded and run
confined; none may run its payload.

Bounded and reproducible: QUANT_BC_FUZZ_SEED (default 0) picks QUANT_BC_FUZZ_PROGRAMS programs (default 12) and
QUANT_BC_FUZZ_CASES mutations among them (default 60). The counts are printed into the test's log.
"""

import glob
import os
import random
import sys
import tempfile
import unittest

from bc import warning_filters

warning_filters.silence()

import torch  # noqa: E402

from tests import pt2_fuzzer  # noqa: E402

SEED = int(os.environ.get("QUANT_BC_FUZZ_SEED", 0))
CASES = int(os.environ.get("QUANT_BC_FUZZ_CASES", 60))
PICKED = int(os.environ.get("QUANT_BC_FUZZ_PROGRAMS", 12))


class ZooFuzzTest(unittest.TestCase):
    def test_no_zoo_program_the_check_admits_runs_a_payload(self):
        programs = sorted(glob.glob("torch-*/*.pt2"))
        self.assertGreater(len(programs), 200, "the zoo's programs are this test's data")
        generator = random.Random(SEED)
        totals = {"refused": 0, "admitted": 0}
        for source in generator.sample(programs, PICKED):
            family = os.path.basename(source).split(".")[0]
            given = torch.load(os.path.join(os.path.dirname(source), family + ".input.pt"), weights_only=True)
            with tempfile.TemporaryDirectory() as scratch:
                outcomes = pt2_fuzzer.fuzz(source, given, generator, CASES // PICKED, scratch)
            print("fuzz %s, seed %d: %s" % (source, SEED, outcomes), file=sys.stderr)
            for outcome, count in outcomes.items():
                totals[outcome] += count
        print("fuzz zoo, seed %d, %d programs, %d mutations: %s" % (SEED, PICKED, CASES // PICKED * PICKED, totals),
              file=sys.stderr)
        self.assertTrue(totals["refused"] and totals["admitted"], "both sides were exercised: %s" % totals)


if __name__ == "__main__":
    unittest.main()
