"""Main of the per-case genrules: writes one case's golden files.

    generate --case NAME --out DIR [--lock LOCK] [--release RELEASE]

The pinned environment (bc/pinned.py) must be in place before torch loads,
so this main re-executes itself under it first (with a past release's names
for renamed pins); bc/generation.py does the work.
"""

import argparse
import sys

from bc import corpora, pinned

if __name__ == "__main__":
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--release")
    release = parser.parse_known_args()[0].release
    pinned.enter(pinned.environment(corpora.get(release).renamed_pins if release else None))
    from bc import generation

    sys.exit(generation.main(sys.argv[1:]))
