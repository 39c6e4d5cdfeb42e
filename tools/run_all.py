"""Every case against every corpus that holds it, in one Python process,
without Bazel: the way PyTorch runs its one-file test. It is tools/bench's
baseline, and runs the case tests' harness (bc/harness.py, with the
recorded differences) under each case's engines, skipping
AVX512-VNNI-sensitive cases on such a CPU as --//bc:avx512_vnni=auto does.

    python3.11 -sSB tools/run_all.py   (from the workspace)

with the locked distributions on PYTHONPATH. Exits 1 if any case fails.
"""

import argparse
import sys
import time

from bc import warning_filters

warning_filters.silence()

from bc import case_table, corpora, engines, golden_io, harness  # noqa: E402
from third_party.host_cpu import cpu_flags  # noqa: E402


def host_has_avx512_vnni():
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
        return cpu_flags.has_avx512_vnni(cpu_flags.parse_flags(f.read()))


def run(report=print):
    """Runs every case in every corpus; returns the number of failed (case, corpus, engine) triples."""
    failed = 0
    vnni = host_has_avx512_vnni()
    supported = engines.supported_engines()
    for corpus in corpora.load().values():
        for case in case_table.load_table():
            if not corpus.holds(case):
                continue
            if case.avx512_vnni_sensitive and vnni:
                report("SKIP %s (%s): AVX512-VNNI host" % (case.name, corpus.name))
                continue
            files = harness.CaseInCorpus(case, corpus.name)
            for engine in case.engines or [None]:
                label = "%s (%s) under %s" % (case.name, corpus.name, engine or case_table.ENGINE_INDEPENDENT)
                if engine and engine not in supported:
                    report("SKIP %s: not supported by this torch" % label)
                    continue
                started = time.monotonic()
                try:
                    problems = files.check(engine, harness.RECORDED)
                except golden_io.GoldenError as error:
                    problems = [str(error)]
                if problems:
                    failed += 1
                    report("FAIL %s\n%s" % (label, "\n".join(problems)))
                else:
                    report("ok   %s (%.2fs)" % (label, time.monotonic() - started))
    return failed


def main(argv):
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    return 1 if run() else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
