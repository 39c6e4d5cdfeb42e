"""A throwaway hash-locked environment, for the interpreter that runs this: `bazel run //bc:bisect`'s, one per torch release.

    python -m third_party.pypi.environment --wheels DIR --target DIR REQUIREMENT...

  1. downloads the requirements and what they need into the shared wheel
     directory (only what it lacks; pip checks each file against the digest
     the index publishes, and it enters the directory only whole: wheels.staged);
  2. resolves them again from those files alone and pins each to its sha256
     (resolve.py), as tools/lock does;
  3. installs the pins with --require-hashes into TARGET/site-packages
     (install.py's pip_install, as @pypi does).

Prints a line before the download and the install. If pip refuses, exits 1
with pip's message on stderr (resolve.pip_said puts it on one line).
"""

import argparse
import os
import subprocess
import sys

from third_party.pypi import install, resolve
from third_party.pypi import wheels as wheels_dir

SITE_PACKAGES = "site-packages"


def build(requirements, target, wheels, report=print):
    python = "CPython %d.%d" % sys.version_info[:2]
    report("  downloading %s and what they need for %s into %s" % (" ".join(requirements), python, wheels))
    together, alone = resolve.split_alone(requirements)
    with wheels_dir.staged(wheels) as staging:
        for group, options in ((together, ()), (alone, ("--no-deps",))):
            if group:
                resolve.pip(sys.executable, "download", "--quiet", "--quiet", "--only-binary=:all:", *options, "--dest",
                            staging, *group)
    requirements_in = os.path.join(target, "requirements.in")
    with open(requirements_in, "w", encoding="utf-8") as f:
        f.write("".join(requirement + "\n" for requirement in requirements))
    lock = os.path.join(target, "requirements_lock.txt")
    with open(lock, "w", encoding="utf-8") as f:
        f.write(resolve.lock_text(resolve.resolve(sys.executable, requirements_in, "--no-index", "--find-links", wheels), ""))
    site_packages = os.path.join(target, SITE_PACKAGES)
    report("  installing them for %s into %s" % (python, site_packages))
    install.pip_install(lock, site_packages, wheels)
    return site_packages


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheels", required=True, help="the shared wheel directory")
    parser.add_argument("--target", required=True, help="an empty directory the environment is made in")
    parser.add_argument("requirements", nargs="+")
    args = parser.parse_args()
    try:
        build(args.requirements, args.target, args.wheels, report=lambda line: print(line, flush=True))
    except subprocess.CalledProcessError:
        sys.exit(1)  # pip's message is on stderr already
    except (resolve.PipError, ValueError) as error:
        sys.exit(str(error))


if __name__ == "__main__":
    main()
