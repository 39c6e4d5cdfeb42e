"""The wheel directory every output base shares, and what keeps it from growing without bound.

@pypi and each @torch_<release> download into it only the wheels it lacks
(pypi.bzl computes the same path), and `bazel run //bc:bisect` adds the
wheels of every release it tries: several GB each for PyPI's CUDA builds.
A file enters it only whole and checked (staged()). `tools/prune_wheels`
removes every file that no lock names by its sha256; tools/setup reports its
size. Standard library only: it runs on the host.
"""

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile

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


# A download in progress: a folder of the wheel directory (pip's --find-links reads no folder), named for its process.
STAGING = ".download-%d-"


@contextlib.contextmanager
def staged(wheels):
    """A private folder to `pip download --dest` into, whose new files then enter the wheel directory.

    It starts with a hard link to each wheel already there, so pip downloads
    only what is missing (and re-downloads a file whose sha256 is wrong). pip
    checks each download against the lock's sha256 (--require-hashes) or the
    one the index publishes, then copies it here; only when the block ends
    without an error does each new file enter the wheel directory, by one
    rename on the same file system. An interrupted or refused download leaves
    nothing there: a wheel in it is only ever whole and checked. A process
    killed outright leaves its folder, which the next staged() removes.
    """
    os.makedirs(wheels, exist_ok=True)
    remove_abandoned(wheels)
    staging = tempfile.mkdtemp(prefix=STAGING % os.getpid(), dir=wheels)
    try:
        for path, _ in files(wheels):
            os.link(path, os.path.join(staging, os.path.basename(path)))
        yield staging
        for name in sorted(os.listdir(staging)):
            downloaded, shared = os.path.join(staging, name), os.path.join(wheels, name)
            if not (os.path.exists(shared) and os.path.samefile(downloaded, shared)):
                os.replace(downloaded, shared)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def remove_abandoned(directory, pattern=STAGING):
    """Removes the folders named pattern % pid (a staged download, a distribution or environment being made) of
    processes that no longer run: killed outright, or by a power cut. Processes of another pid namespace sharing
    the directory are not seen: keep one cache per machine."""
    prefix = pattern.split("%")[0]
    for name in os.listdir(directory) if os.path.isdir(directory) else []:
        pid = name[len(prefix):].split("-", 1)[0]
        if name.startswith(prefix) and pid.isdigit() and not os.path.exists("/proc/%s" % pid):
            shutil.rmtree(os.path.join(directory, name), ignore_errors=True)


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
