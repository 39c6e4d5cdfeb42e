"""Installs a hash-locked requirements file into a Bazel repository.

Run by the @pypi repository rule (third_party/pypi/pypi.bzl) with the pinned
interpreter, inside the repository directory. It

  1. downloads the pinned wheels that the shared wheel directory (--wheels,
     ~/.cache/quant-bc/wheels) lacks, then installs from that directory alone
     each pinned distribution that distributions/ beside it lacks, with pip in
     --require-hashes mode both times, so a tampered lock or wheel stops here
     with pip's hash error. A second output base (a second checkout,
     tools/ci/check_torch_upgrade) downloads nothing: PyPI's CUDA torch is
     about 3 GB of wheels;
  2. keeps each distribution installed alone in distributions/ (the files its
     RECORD lists under the import root: not the console scripts, which embed
     this machine's interpreter path), with byte-stable .pyc files
     (unchecked-hash, fixed source prefix) so that `import torch` does not
     recompile in every test and the repository has the same bytes in every
     output base; each file one hard link with every identical file there
     (share_identical_files). A distribution is installed once, whatever
     locks pin it: torch 2.5.1 and 2.6.0 pin the same nvidia-* wheels, a lock
     moved to the next build's torch pins the next build's;
  3. makes the environment, site-packages/, laid out as pip lays out any
     site-packages, of hard links to its distributions' files, less the files
     no test may depend on (see --exclude): nothing is copied, and the disk it
     takes beyond its distributions is its directories;
  4. writes environment.txt, the locked pins without comments: the installed
     set is one environment (torch and pytest import what they find, not only
     what they declare), so a changed pin re-runs every test, and a
     comment-only edit of the lock re-runs none;
  5. writes BUILD files: one py_library, :site_packages, whose data is that
     directory and environment.txt, and rules_python's hub names for it
     (@pypi//torch, @pypi//absl_py, ...), one per locked distribution.

The installed directory is shared: it is made once per environment (the
locked pins, the exclusions, the interpreter and this installer, hashed) in
environments/ beside the wheel directory, and each repository's
site-packages is a symlink to it. A second output base (the two checkouts of
tools/ci/check_regenerate_reproducible, a bisect clone) installs nothing:
PyPI's CUDA builds are 5 to 7 GB unpacked. It is written under a temporary
name and renamed when complete, so no repository links to a half-made one.

Why one directory: distributions find each other's files through paths
relative to a shared site-packages. PyPI's Linux torch is a CUDA build whose
libraries carry RPATHs such as $ORIGIN/../../nvidia/cu13/lib, which resolve
only where torch/ and the nvidia-* distributions' shared nvidia/ folder are
siblings; namespace folders (nvidia/) are filled by several distributions.
And it is one directory in the data of one target, not thousands of files:
Bazel stages it as one symlink in runfiles and sandboxes (creating torch's
~10,000 per-file links cost seconds per test), while the digests of the action
still cover every file in it.
"""

import argparse
import compileall
import csv
import fnmatch
import hashlib
import os
import py_compile
import re
import shutil
import stat
import subprocess
import sys
import tempfile

from third_party.pypi import lockfile
from third_party.pypi import wheels as wheels_dir

SITE_PACKAGES = "site-packages"
ENVIRONMENT = "environment.txt"
# Beside environments/: each locked distribution installed alone, and one hard link per distinct file content.
DISTRIBUTIONS = "distributions"
STORE = "store"
# A distribution or environment being made, named for its process: a fetch Bazel killed leaves it, the next removes it.
PARTIAL = ".partial-%d-"


def normalize(name):
    """rules_python's hub name for a distribution: absl-py -> absl_py."""
    return re.sub(r"[-_.]+", "_", name).lower()


def pip_install(lock, target, wheels, tmp=None):
    """Fetches the lock's wheels into the shared wheel directory (only those not there yet),
    then installs from it alone; both steps check every file against the lock's hashes.

    tmp: pip's temporary directory (a wheel unpacked, a download under way), if not $TMPDIR's: a folder that goes
    with the install, so that a fetch Bazel kills leaves nothing in /tmp.
    """
    environ = dict(os.environ, TMPDIR=tmp) if tmp else None
    common = [
        "--require-hashes",
        "--only-binary=:all:",
        "--no-deps",  # the lock pins every distribution
        "--disable-pip-version-check",
        "--quiet", "--quiet",  # keep pip's errors (a hash mismatch), drop the chatter
        "--requirement", lock,
    ]
    with wheels_dir.staged(wheels) as staging:
        subprocess.run([sys.executable, "-m", "pip", "download", "--dest", staging, *common], check=True, env=environ)
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install",
            "--no-index", "--find-links", wheels,
            "--no-compile",
            "--no-warn-script-location",
            "--root-user-action=ignore",
            "--target", target,
            *common,
        ],
        check=True,
        env=environ,
    )


def read_metadata(dist_info):
    """Name and version of one installed distribution."""
    fields = {}
    with open(os.path.join(dist_info, "METADATA"), encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                break  # the headers end at the first blank line
            key, _, value = line.partition(":")
            fields.setdefault(key, value.strip())
    return fields["Name"], fields["Version"]


def recorded_files(dist_info):
    """The files pip installed for one distribution under the import root, as its RECORD lists them.

    RECORD names the others relative to the import root ("../../bin/x"): console scripts, which embed this
    machine's interpreter path, and man pages; they are left out.
    """
    with open(os.path.join(dist_info, "RECORD"), encoding="utf-8", newline="") as f:
        paths = [os.path.normpath(row[0]) for row in csv.reader(f) if row]  # pip quotes a path with a comma
    return [path for path in paths if not path.startswith("../")]


def prune(directory, patterns):
    for root, _, files in os.walk(directory, topdown=False):
        for name in files:
            full = os.path.join(root, name)
            if any(fnmatch.fnmatchcase(os.path.relpath(full, directory), p) for p in patterns):
                os.remove(full)
        if root != directory and not os.listdir(root):
            os.rmdir(root)


def compile_bytecode(directory):
    # ddir replaces the absolute repository path in every code object (the
    # import system restores the real path at load time), so the .pyc bytes
    # are the same in every output base.
    compileall.compile_dir(
        directory,
        ddir=SITE_PACKAGES,
        quiet=2,
        workers=0,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )


def write_build_files(repo, dists):
    listing = "".join("#   %s %s\n" % (name, version) for name, version in dists)
    with open(os.path.join(repo, "BUILD.bazel"), "w") as f:
        f.write(
            "# Generated by //third_party/pypi:install.py from the lock. Do not edit.\n"
            "# The locked environment, installed as one site-packages:\n"
            "%s\n"
            'package(default_visibility = ["//visibility:public"])\n\n'
            "# For generators run by an interpreter of their own (bc/defs.bzl).\n"
            'exports_files(["%s"])\n\n'
            "py_library(\n"
            '    name = "site_packages",\n'
            '    data = [\n        "%s",\n        "%s",\n    ],\n'
            '    imports = ["%s"],\n'
            ")\n" % (listing, SITE_PACKAGES, SITE_PACKAGES, ENVIRONMENT, SITE_PACKAGES)
        )
    hubs = sorted({normalize(name) for name, _ in dists})
    for hub in hubs:
        os.makedirs(os.path.join(repo, hub), exist_ok=True)
        with open(os.path.join(repo, hub, "BUILD.bazel"), "w") as f:
            f.write(
                'package(default_visibility = ["//visibility:public"])\n\n'
                'alias(\n    name = "%s",\n    actual = "//:site_packages",\n)\n' % hub
            )
    with open(os.path.join(repo, "requirements.bzl"), "w") as f:
        f.write(
            '"""Generated from the lock: the rules_python-style helpers."""\n\n'
            "all_requirements = [\n%s]\n\n"
            "def requirement(name):\n"
            '    return "@pypi//%%s" %% name.replace("-", "_").replace(".", "_").lower()\n'
            % "".join('    "@pypi//%s",\n' % hub for hub in hubs)
        )


def _key(parts):
    """parts, the interpreter and this installer, hashed: the name of what they install."""
    digest = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as f:
        digest.update(f.read())
    for part in [sys.version, sys.executable] + parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()[:32]


def distribution_key(line):
    """What one installed distribution depends on: its pin and hashes, the interpreter, this installer."""
    return _key([line])


def installed_distributions(lines, wheels, cache):
    """[directory] of each pinned distribution (a line of lockfile.environment()) installed alone, in order.

    Those distributions/ lacks are installed together by one pip call, then
    split by their RECORDs (hard links: a file two distributions list, as
    each nvidia-*-cu11 wheel lists nvidia/__init__.py, goes to both),
    compiled, and each renamed into place when complete, so no environment
    links to a half-made one.
    """
    store = os.path.join(cache, DISTRIBUTIONS)
    found = {line: os.path.join(store, distribution_key(line)) for line in lines}
    missing = [line for line in lines if not os.path.isdir(found[line])]
    if missing:
        os.makedirs(store, exist_ok=True)
        wheels_dir.remove_abandoned(store, PARTIAL)
        scratch = tempfile.mkdtemp(prefix=PARTIAL % os.getpid(), dir=store)
        try:
            requirements = os.path.join(scratch, "requirements.txt")
            with open(requirements, "w", encoding="utf-8") as f:
                f.write("".join(line + "\n" for line in missing))
            target = os.path.join(scratch, SITE_PACKAGES)
            os.makedirs(os.path.join(scratch, "tmp"))
            pip_install(requirements, target, wheels, tmp=os.path.join(scratch, "tmp"))
            by_name = {(normalize(pin.name), pin.version): line for line in missing for pin in lockfile.pins(line)}
            for dist_info in sorted(d for d in os.listdir(target) if d.endswith(".dist-info")):
                name, version = read_metadata(os.path.join(target, dist_info))
                line = by_name.get((normalize(name), version))
                if line is None:
                    raise RuntimeError("pip installed %s %s (%s), which no line of the lock pins: %s"
                                       % (name, version, dist_info, ", ".join(missing)))
                alone = os.path.join(scratch, distribution_key(line))
                for path in recorded_files(os.path.join(target, dist_info)):
                    os.makedirs(os.path.dirname(os.path.join(alone, path)), exist_ok=True)
                    os.link(os.path.join(target, path), os.path.join(alone, path), follow_symlinks=False)
                compile_bytecode(alone)
                share_identical_files(alone, os.path.join(cache, STORE))
                try:
                    os.rename(alone, found[line])
                except OSError:
                    if not os.path.isdir(found[line]):
                        raise
                    # Another output base installed the same distribution first: use it.
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return [found[line] for line in lines]


def link_tree(source, target):
    """Hard links in target to every file below source, folders made as needed; a file target has already (a
    namespace package's, from another distribution) is kept."""
    for root, _, names in os.walk(source):
        folder = os.path.join(target, os.path.relpath(root, source))
        os.makedirs(folder, exist_ok=True)
        for name in names:
            if not os.path.lexists(os.path.join(folder, name)):
                os.link(os.path.join(root, name), os.path.join(folder, name), follow_symlinks=False)


def share_identical_files(directory, store):
    """Makes each file of directory one hard link with every identical file installed before.

    store holds one link per content (sha256 and mode) any distribution has:
    a file whose content is there is replaced by a link to it, any other is
    linked there. Wheels of different versions ship some of the same
    libraries, and identical sources give identical .pyc files
    (compile_bytecode). Nothing installed is written after it is made, so a
    shared inode is never changed through one of its names. A store entry
    whose link count is 1 is held by no distribution.
    """
    os.makedirs(store, exist_ok=True)
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            status = os.lstat(path)
            if not stat.S_ISREG(status.st_mode) or status.st_size == 0:
                continue
            kept = os.path.join(store, "%s-%o" % (wheels_dir.sha256(path), stat.S_IMODE(status.st_mode)))
            try:
                os.link(path, kept)
            except FileExistsError:
                linked = "%s.shared-%d" % (path, os.getpid())
                os.link(kept, linked)
                os.replace(linked, path)


def environment_key(pins, exclude):
    """What the installed directory depends on: the pins, the exclusions, the interpreter, this installer."""
    return _key(pins + ["--exclude"] + exclude)


def installed(wheels, exclude, pins):
    """The shared installed environment of these pins (made now if it is not yet), with its distributions."""
    cache = os.path.dirname(os.path.abspath(wheels))
    environments = os.path.join(cache, "environments")
    shared = os.path.join(environments, environment_key(pins, exclude))
    if not os.path.isdir(shared):
        distributions = installed_distributions(pins, wheels, cache)
        os.makedirs(environments, exist_ok=True)
        wheels_dir.remove_abandoned(environments, PARTIAL)
        partial = tempfile.mkdtemp(prefix=PARTIAL % os.getpid(), dir=environments)
        try:
            site_packages = os.path.join(partial, SITE_PACKAGES)
            for distribution in distributions:
                link_tree(distribution, site_packages)
            prune(site_packages, exclude)
            os.rename(partial, shared)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            if not os.path.isdir(shared):
                raise
            # Another output base completed the same environment first: use it.
    site_packages = os.path.join(shared, SITE_PACKAGES)
    dists = [
        read_metadata(os.path.join(site_packages, d)) for d in sorted(os.listdir(site_packages)) if d.endswith(".dist-info")
    ]
    return site_packages, dists


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lock", required=True, help="requirements file with --hash pins")
    parser.add_argument("--repo", required=True, help="repository directory to fill")
    parser.add_argument(
        "--wheels", required=True, help="wheel directory shared by every output base (downloads happen once)"
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        help="glob, relative to site-packages, of installed files no target may use",
    )
    args = parser.parse_args()

    with open(args.lock, encoding="utf-8") as f:
        pins = lockfile.environment(f.read())
    shared, dists = installed(args.wheels, args.exclude, pins)
    link = os.path.join(args.repo, SITE_PACKAGES)
    if os.path.lexists(link):
        shutil.rmtree(link) if os.path.isdir(link) and not os.path.islink(link) else os.remove(link)
    os.symlink(shared, link)
    with open(os.path.join(args.repo, ENVIRONMENT), "w", encoding="utf-8") as f:
        f.write("".join(pin + "\n" for pin in pins))
    write_build_files(args.repo, dists)


if __name__ == "__main__":
    main()
