"""//serialized:corpus_test: the corpus as a whole is consistent (bc/corpus.py)."""

import os

from absl.testing import absltest

from bc import case_table, corpus


# This test's own files sit beside the corpus in its runfiles.
OWN_FILES = ("corpus_test", "corpus_test.py")


class CorpusTest(absltest.TestCase):
    def test_every_file_belongs_to_a_case_and_every_case_has_its_files(self):
        # This file sits in the source tree's serialized/, where the corpus's runfiles lead.
        source_root = os.path.dirname(os.path.realpath(__file__))
        found = corpus.problems("serialized", case_table.load_table(), ignored=OWN_FILES, source_root=source_root)
        self.assertEqual(found, [], "\n".join(["corpus problems:"] + found))


if __name__ == "__main__":
    absltest.main()
