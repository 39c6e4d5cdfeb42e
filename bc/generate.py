"""Main of the per-case genrules: writes one case's golden files.

    generate --case NAME --out DIR [--lock requirements_lock.txt]

The pinned environment (bc/pinned.py) must be in place before torch loads,
so this main re-executes itself under it first; bc/generation.py does the work.
"""

import sys

from bc import pinned

if __name__ == "__main__":
    pinned.enter()
    from bc import generation

    sys.exit(generation.main(sys.argv[1:]))
