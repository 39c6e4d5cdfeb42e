"""The one reader of the pip locks tools/lock writes (requirements_lock.txt,
third_party/releases/<release>/requirements_lock.txt).

A lock is requirement lines `name==version`, each continued by lines
`--hash=sha256:<hex>`; `#` starts a comment. Torch-free and standard-library
only: the @pypi repository rule, the generators of every release (CPython 3.8
too) and tools/ read it.
"""

import collections
import re

Pin = collections.namedtuple("Pin", "requirement name version hashes")  # hashes: the sha256 hex digests


def _normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text):
    """Every requirement of a lock, in its order."""
    found = []
    for line in text.replace("\\\n", " ").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement, *options = line.split()
        name, _, version = requirement.partition("==")
        hashes = tuple(option.split(":", 1)[1] for option in options if option.startswith("--hash=sha256:"))
        found.append(Pin(requirement, name, version, hashes))
    return found


def pin(text, distribution, source="the lock"):
    """The Pin of one distribution; ValueError naming source if the lock pins none."""
    for found in pins(text):
        if _normalized(found.name) == _normalized(distribution):
            return found
    raise ValueError("%s pins no %s" % (source, distribution))


def environment(text):
    """The pins without comments, one line each, hashes sorted, lines sorted: what a comment-only edit leaves alone."""
    return sorted(" ".join([p.requirement] + sorted("--hash=sha256:" + h for h in p.hashes)) for p in pins(text))


def repinned(text, distribution, version, sha256):
    """The lock's text with one distribution's pin (and hashes) replaced."""
    pattern = re.compile(r"^%s==\S+ \\\n(?:    --hash=\S+(?: \\)?\n)+" % re.escape(distribution), re.MULTILINE)
    replaced, count = pattern.subn("%s==%s \\\\\n    --hash=sha256:%s\n" % (distribution, version, sha256), text)
    if count != 1:
        raise ValueError("the lock pins no %s" % distribution)
    return replaced
