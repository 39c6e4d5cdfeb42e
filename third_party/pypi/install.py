"""Installs a hash-locked requirements file into a Bazel repository.

Run by the @pypi repository rule (third_party/pypi/pypi.bzl) with the pinned
interpreter, inside the repository directory. It

  1. installs every pinned distribution with pip in --require-hashes mode, so a
     tampered lock or wheel stops here with pip's hash error;
  2. drops the files that no test may depend on (see --exclude);
  3. writes byte-stable .pyc files (unchecked-hash, fixed source prefix) so that
     `import torch` does not recompile on every test and the repository has the
     same bytes in every output base;
  4. writes BUILD files: one py_library per distribution with exactly that
     distribution's files (from its RECORD) and its locked dependencies, under
     rules_python's hub names (@pypi//torch, @pypi//absl_py, ...);
  5. writes environment.txt, the locked pins without comments, into every
     distribution's data: the installed set is one environment (torch and
     pytest import what they find, not only what they declare), so a changed
     pin re-runs every test, and a comment-only edit of the lock re-runs none.
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

SITE = "site-packages"


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
            "--quiet",
            "--quiet",  # keep pip's errors (a hash mismatch), drop the chatter
            "--root-user-action=ignore",
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
    """Files pip installed for one distribution, relative to site-packages."""
    files = []
    with open(os.path.join(dist_info, "RECORD"), encoding="utf-8") as f:
        for line in f:
            path = line.rsplit(",", 2)[0]
            if path and not path.startswith("../"):
                files.append(os.path.normpath(path))
    return files


def is_excluded(path, patterns):
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)


def prune(site, patterns):
    for root, dirs, files in os.walk(site, topdown=False):
        for name in files:
            full = os.path.join(root, name)
            if is_excluded(os.path.relpath(full, site), patterns):
                os.remove(full)
        if not os.listdir(root) and root != site:
            os.rmdir(root)


def compile_bytecode(site):
    # The prefix given as ddir replaces the absolute repository path in every
    # code object; the import system restores the real path at load time.
    compileall.compile_dir(
        site,
        ddir=SITE,
        quiet=2,
        workers=0,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )


def stageable(path):
    """Bazel 4's runfiles manifest is space-separated: such a file cannot be staged."""
    return " " not in path


def with_bytecode(site, files):
    tag = sys.implementation.cache_tag
    result = []
    for path in files:
        if not os.path.isfile(os.path.join(site, path)):
            continue  # pruned
        if not stageable(path):
            continue  # listed in the BUILD file by write_build_files
        result.append(path)
        if path.endswith(".py"):
            head, tail = os.path.split(path)
            pyc = os.path.join(head, "__pycache__", "%s.%s.pyc" % (tail[:-3], tag))
            if os.path.isfile(os.path.join(site, pyc)):
                result.append(pyc)
    return sorted(result)


ENVIRONMENT = "environment.txt"


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
        py = [f for f in dist["files"] if f.endswith(".py")]
        other = [f for f in dist["files"] if not f.endswith(".py")]
        deps = sorted(":pkg_%s" % d for d in set(dist["requires"]) & known)
        left_out = "".join(
            "# left out, Bazel 4 cannot stage a name with a space: %s\n" % f for f in dist["unstageable"]
        )
        root.append(
            "\n# {name} {version}\n{left_out}py_library(\n"
            '    name = "pkg_{hub}",\n'
            "    srcs = [\n{srcs}    ],\n"
            "    data = [\n{data}        \"{environment}\",\n    ],\n"
            '    imports = ["{site}"],\n'
            "    deps = [\n{deps}    ],\n)\n".format(
                name=dist["name"],
                version=dist["version"],
                left_out=left_out,
                hub=dist["hub"],
                srcs=starlark_list(SITE + "/" + f for f in py),
                data=starlark_list(SITE + "/" + f for f in other),
                environment=ENVIRONMENT,
                site=SITE,
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
        help="glob (relative to site-packages) of installed files no target may use",
    )
    args = parser.parse_args()

    site = os.path.join(args.repo, SITE)
    shutil.rmtree(site, ignore_errors=True)
    pip_install(args.lock, site)
    dist_infos = sorted(d for d in os.listdir(site) if d.endswith(".dist-info"))
    dists = []
    for dist_info in dist_infos:
        path = os.path.join(site, dist_info)
        name, version, requires = read_metadata(path)
        dists.append({
            "name": name,
            "version": version,
            "hub": normalize(name),
            "requires": requires,
            "files": recorded_files(path),
        })
    with open(args.lock, encoding="utf-8") as f:
        pins = locked_pins(f.read())
    with open(os.path.join(args.repo, ENVIRONMENT), "w", encoding="utf-8") as f:
        f.write("".join(pin + "\n" for pin in pins))
    prune(site, args.exclude)
    compile_bytecode(site)
    for dist in dists:
        dist["unstageable"] = sorted(f for f in dist["files"] if not stageable(f))
        dist["files"] = with_bytecode(site, dist["files"])
    write_build_files(args.repo, dists)


if __name__ == "__main__":
    main()
