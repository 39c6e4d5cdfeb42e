"""Runs one case's checks on one corpus under the torch it is started with; `bazel run //bc:bisect` starts it.

    python -sSB -m bc.bisect_probe CASE CORPUS [ENGINE]

Exactly the checks the case's test runs (golden_io.GoldenSet.verify, then
checks.check_under), but judged without the recorded differences: bisection
asks what each release does with the files themselves. Prints one JSON line:
{"torch": version, "problems": [...]}; a problem of the files (a digest, a
refused pickle) is one problem like any other.
"""

import json
import sys

from bc import warning_filters

warning_filters.silence()

import torch  # noqa: E402

from bc import case_table, checks, corpora, golden_io  # noqa: E402


def probe(case_name, corpus_name, engine):
    case = case_table.load_table()[case_name]
    corpus = corpora.get(corpus_name)
    golden = golden_io.GoldenSet(case, corpus.directory)
    try:
        golden.verify()
    except golden_io.GoldenError as error:
        return [str(error)]
    return checks.check_under(case, golden, engine)


if __name__ == "__main__":
    name, corpus_name = sys.argv[1], sys.argv[2]
    engine = sys.argv[3] if len(sys.argv) > 3 else None
    print(json.dumps({"torch": torch.__version__, "problems": probe(name, corpus_name, engine)}))
