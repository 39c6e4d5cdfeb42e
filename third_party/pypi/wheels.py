"""The wheel directory every output base shares, and what keeps it from growing without bound.

@pypi and each @torch_<release> download into it only the wheels it lacks
(pypi.bzl computes the same path), and `bazel run //bc:bisect` adds the
wheels of every release it tries: several GB each for PyPI's CUDA builds.
`tools/prune_wheels` removes every file that no lock names by its sha256;
tools/setup reports its size. Standard library only: it runs on the host.
"""

import hashlib
import os
import sys

from third_party.pypi import lockfile


def directory(environ=None):
    """$QUANT_BC_WHEELS, else quant-bc/wheels in the user's cache directory."""
    environ = os.environ if environ is None else environ
    cache = environ.get("XDG_CACHE_HOME") or os.path.join(environ.get("HOME", "/tmp"), ".cache")
    return environ.get("QUANT_BC_WHEELS") or os.path.join(cache, "quant-bc", "wheels")


def files(wheels):
    """[(path, size)] of the regular files in the directory, by name."""
    found = []
    for name in sorted(os.listdir(wheels)) if os.path.isdir(wheels) else []:
        path = os.path.join(wheels, name)
        if os.path.isfile(path) and not os.path.islink(path):
            found.append((path, os.path.getsize(path)))
    return found


def named_digests(lock_texts):
    """The sha256 digests the locks pin."""
    return {digest for text in lock_texts for pin in lockfile.pins(text) for digest in pin.hashes}


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def unnamed(wheels, digests):
    """[(path, size)] of the files whose sha256 is not among digests: a release bisect tried, an older lock's
    wheel, a download cut short."""
    return [(path, size) for path, size in files(wheels) if sha256(path) not in digests]


def locked_wheel(distribution, lock_text, wheels):
    """The file in the wheel directory of the distribution the lock pins, by its sha256.

    Raises LookupError naming the directory and the pin when there is none.
    """
    pin = lockfile.pin(lock_text, distribution)
    prefix = "%s-%s-" % (distribution, pin.version)
    for path, _ in files(wheels):
        if os.path.basename(path).startswith(prefix) and sha256(path) in pin.hashes:
            return path
    raise LookupError(
        "%s holds no wheel of %s==%s with the lock's sha256: fetch the lock first (tools/setup)"
        % (wheels, distribution, pin.version)
    )


def human(size):
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if size >= scale:
            return "%.1f %s" % (size / scale, unit)
    return "%.1f kB" % (size / 1e3)


if __name__ == "__main__":
    # python3 -m third_party.pypi.wheels DISTRIBUTION: the shared directory's wheel of today's locked one
    # (.ci/run tests today's torch wheel as a wheel build).
    with open("requirements_lock.txt", encoding="utf-8") as f:
        try:
            print(locked_wheel(sys.argv[1], f.read(), directory()))
        except LookupError as error:
            sys.exit(str(error))
