"""Installs a hash-locked requirements file into a Bazel repository.

Run by the @pypi repository rule (third_party/pypi/pypi.bzl) with the pinned
interpreter, inside the repository directory. It

  1. installs every pinned distribution with pip in --require-hashes mode, so a
     tampered lock or wheel stops here with pip's hash error;
  2. moves each distribution's files (its RECORD) into a directory of its own,
     dists/<name>/, which is that distribution's import root;
  3. drops the files that no test may depend on (see --exclude);
  4. writes byte-stable .pyc files (unchecked-hash, fixed source prefix) so that
     `import torch` does not recompile in every test and the repository has the
     same bytes in every output base;
  5. writes BUILD files: one py_library per distribution, under rules_python's
     hub names (@pypi//torch, @pypi//absl_py, ...), whose data is its
     directory and whose deps are its locked dependencies;
  6. writes environment.txt, the locked pins without comments, into every
     distribution's data: the installed set is one environment (torch and
     pytest import what they find, not only what they declare), so a changed
     pin re-runs every test, and a comment-only edit of the lock re-runs none.

Each distribution is one directory in the data of its target, not thousands
of files: Bazel stages it as one symlink in runfiles and sandboxes (on this
machine, creating the ~10,000 per-file links of torch cost seconds per test),
while the digests of the action still cover every file in it.
"""

import argparse
import compileall
import fnmatch
import os
import py_compile
import re
import shutil
import subprocess
import sys

DISTS = "dists"
ENVIRONMENT = "environment.txt"


def normalize(name):
    """rules_python's hub name for a distribution: absl-py -> absl_py."""
    return re.sub(r"[-_.]+", "_", name).lower()


def pip_install(lock, target):
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install",
            "--require-hashes",
            "--only-binary=:all:",
            "--no-compile",
            "--no-warn-script-location",
            "--disable-pip-version-check",
            "--root-user-action=ignore",
            "--quiet", "--quiet",  # keep pip's errors (a hash mismatch), drop the chatter
            "--target", target,
            "--requirement", lock,
        ],
        check=True,
    )


def read_metadata(dist_info):
    """Name, version and unconditional Requires-Dist names of one installed distribution."""
    from pip._vendor.packaging.requirements import Requirement

    name, version, requires = None, None, []
    with open(os.path.join(dist_info, "METADATA"), encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                break  # the headers end at the first blank line
            key, _, value = line.partition(":")
            if key == "Name":
                name = value.strip()
            elif key == "Version":
                version = value.strip()
            elif key == "Requires-Dist":
                requirement = Requirement(value.strip())
                if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                    requires.append(normalize(requirement.name))
    return name, version, requires


def recorded_files(dist_info):
    """(files under the import root, files outside it) that pip installed for one distribution.

    RECORD names the files outside relative to the import root ("../../bin/x");
    pip --target puts them beside it ("bin/x"). They are console scripts, which
    embed this machine's interpreter path, and data such as man pages: no test
    uses them.
    """
    with open(os.path.join(dist_info, "RECORD"), encoding="utf-8") as f:
        paths = [os.path.normpath(line.rsplit(",", 2)[0]) for line in f if line.strip()]
    inside = [p for p in paths if not p.startswith("../")]
    outside = [re.sub(r"^(\.\./)+", "", p) for p in paths if p.startswith("../")]
    return inside, outside


def move_into(installed, files, destination):
    for path in files:
        target = os.path.join(destination, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.rename(os.path.join(installed, path), target)


def prune(directory, patterns):
    for root, _, files in os.walk(directory, topdown=False):
        for name in files:
            full = os.path.join(root, name)
            if any(fnmatch.fnmatchcase(os.path.relpath(full, directory), p) for p in patterns):
                os.remove(full)
        if root != directory and not os.listdir(root):
            os.rmdir(root)


def unclaimed_files(directory):
    return sorted(
        os.path.relpath(os.path.join(root, name), directory)
        for root, _, files in os.walk(directory)
        for name in files
    )


def compile_bytecode(directory, hub):
    # ddir replaces the absolute repository path in every code object (the
    # import system restores the real path at load time), so the .pyc bytes
    # are the same in every output base.
    compileall.compile_dir(
        directory,
        ddir=hub,
        quiet=2,
        workers=0,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )


def locked_pins(lock_text):
    """The requirement lines of a pip lock, continuations joined, comments dropped, sorted."""
    pins = []
    for line in lock_text.replace("\\\n", " ").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement, *hashes = line.split()
            pins.append(" ".join([requirement] + sorted(hashes)))
    return sorted(pins)


def starlark_list(items, indent="        "):
    return "".join('%s"%s",\n' % (indent, item) for item in items)


def write_build_files(repo, dists):
    known = {d["hub"] for d in dists}
    root = [
        "# Generated by //third_party/pypi:install.py from the lock. Do not edit.\n",
        'package(default_visibility = ["//visibility:public"])\n',
    ]
    for dist in dists:
        directory = "%s/%s" % (DISTS, dist["hub"])
        deps = sorted(":pkg_%s" % d for d in set(dist["requires"]) & known)
        root.append(
            "\n# {name} {version}\npy_library(\n"
            '    name = "pkg_{hub}",\n'
            '    data = [\n        "{directory}",\n        "{environment}",\n    ],\n'
            '    imports = ["{directory}"],\n'
            "    deps = [\n{deps}    ],\n)\n".format(
                name=dist["name"],
                version=dist["version"],
                hub=dist["hub"],
                directory=directory,
                environment=ENVIRONMENT,
                deps=starlark_list(deps),
            )
        )
        os.makedirs(os.path.join(repo, dist["hub"]), exist_ok=True)
        with open(os.path.join(repo, dist["hub"], "BUILD.bazel"), "w") as f:
            f.write(
                'package(default_visibility = ["//visibility:public"])\n\n'
                'alias(\n    name = "{hub}",\n    actual = "//:pkg_{hub}",\n)\n'.format(hub=dist["hub"])
            )
    with open(os.path.join(repo, "BUILD.bazel"), "w") as f:
        f.write("".join(root))
    with open(os.path.join(repo, "requirements.bzl"), "w") as f:
        f.write(
            '"""Generated from the lock: the rules_python-style helpers."""\n\n'
            "all_requirements = [\n%s]\n\n"
            "def requirement(name):\n"
            '    return "@pypi//%%s" %% name.replace("-", "_").replace(".", "_").lower()\n'
            % starlark_list(("@pypi//" + d["hub"] for d in dists), indent="    ")
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lock", required=True, help="requirements file with --hash pins")
    parser.add_argument("--repo", required=True, help="repository directory to fill")
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        help="glob, relative to a distribution's directory, of installed files no target may use",
    )
    args = parser.parse_args()

    installed = os.path.join(args.repo, "_installed")
    dists_dir = os.path.join(args.repo, DISTS)
    for stale in (installed, dists_dir):
        shutil.rmtree(stale, ignore_errors=True)
    pip_install(args.lock, installed)

    dists = []
    for dist_info in sorted(d for d in os.listdir(installed) if d.endswith(".dist-info")):
        name, version, requires = read_metadata(os.path.join(installed, dist_info))
        dist = {"name": name, "version": version, "hub": normalize(name), "requires": requires}
        files, outside = recorded_files(os.path.join(installed, dist_info))
        for path in outside:
            os.remove(os.path.join(installed, path))
        directory = os.path.join(dists_dir, dist["hub"])
        move_into(installed, files, directory)
        prune(directory, args.exclude)
        compile_bytecode(directory, dist["hub"])
        dists.append(dist)
    leftover = unclaimed_files(installed)
    if leftover:
        sys.exit("@pypi: pip installed files that no distribution's RECORD claims: %s" % leftover[:20])
    shutil.rmtree(installed)

    with open(args.lock, encoding="utf-8") as f:
        pins = locked_pins(f.read())
    with open(os.path.join(args.repo, ENVIRONMENT), "w", encoding="utf-8") as f:
        f.write("".join(pin + "\n" for pin in pins))
    write_build_files(args.repo, dists)


if __name__ == "__main__":
    main()
