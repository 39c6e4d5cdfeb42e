"""//serialized:consistency_test: each corpus as a whole is consistent (bc/corpus_consistency.py).

One test method per corpus: test_today, test_1_6_0, ...
"""

import os

from absl.testing import absltest, parameterized

from bc import case_table, corpora, corpus_consistency

# This test's own files sit beside the corpus in its runfiles.
OWN_FILES = ("consistency_test", "consistency_test.py")
CORPORA = corpora.load()


class CorpusTest(parameterized.TestCase):
    @parameterized.named_parameters((c.identifier, c) for c in CORPORA.values())
    def test_every_file_belongs_to_a_case_and_every_case_has_its_files(self, held):
        # This file sits in the source tree's serialized/, where the corpus's runfiles lead.
        source_tree = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
        found = corpus_consistency.problems(
            held.directory,
            [case for case in case_table.load_table() if held.holds(case)],
            ignored=OWN_FILES if held.is_today else (),
            source_root=os.path.join(source_tree, held.directory),
            other_corpora=[c.name for c in CORPORA.values() if not c.is_today] if held.is_today else (),
            promises=held.is_today,
        )
        self.assertEqual(found, [], "\n".join(["corpus %s problems:" % held.name] + found))


if __name__ == "__main__":
    absltest.main()
