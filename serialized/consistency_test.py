"""//serialized:consistency_test: each corpus as a whole is consistent (bc/corpus/corpus_consistency.py).

One test method per corpus: test_today, test_1_6_0, ...
"""

import os

from absl.testing import absltest, parameterized

from bc import case_table, corpora

# This test's own files sit beside the corpus in its runfiles.
from bc.corpus import corpus_consistency

# This test's own files sit beside the corpus in its runfiles.
OWN_FILES = ("consistency_test", "consistency_test.py")
CORPORA = corpora.load()


class CorpusTest(parameterized.TestCase):
    # Named by the corpus's name: absl prints a parameter's repr under a failing method's name.
    @parameterized.named_parameters((c.identifier, c.name) for c in CORPORA.values())
    def test_every_file_belongs_to_a_case_and_every_case_has_its_files(self, name):
        corpus = CORPORA[name]
        # This file sits in the source tree's serialized/, where the corpus's runfiles lead.
        source_tree = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
        found = corpus_consistency.problems(
            corpus.directory,
            [case for case in case_table.load_table() if corpus.holds(case)],
            ignored=OWN_FILES if corpus.is_today else (),
            source_root=os.path.join(source_tree, corpus.directory),
            other_corpora=[c.name for c in CORPORA.values() if not c.is_today] if corpus.is_today else (),
            promises=corpus.is_today,
        )
        self.assertEqual(found, [], "\n".join(["corpus %s problems:" % corpus.name] + found))


if __name__ == "__main__":
    absltest.main()
