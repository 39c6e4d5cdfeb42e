"""The `wheel` torch build's lock: a torch wheel given by path, with the pins of a lock that meets its requirements.

Run by @pypi_wheel's repository rule (third_party/builds/wheel.bzl) with the pinned interpreter, before
anything is installed. It refuses, with the remedy, a path that is not an absolute path to a file named
torch-<version>-<tags>.whl, a wheel the pinned interpreter cannot install (its tags), and a wheel whose
Requires-Dist no lock meets (reading only its METADATA: a CUDA wheel's nvidia-* requirements stop here, before
gigabytes are downloaded). Otherwise it writes, into the repository:

  requirements_lock.txt  the first lock given (today's, then each torch build's) whose pins meet the wheel's
                         requirements, with torch's pin replaced by the wheel's version and sha256: install.py
                         installs it as any lock, so the same wheel shares one installed environment in every
                         output base, and a wheel identical to a lock's torch shares that lock's;
  torch_wheel.json       what was installed, for the tests and their report: the wheel's file name, version
                         and sha256, and the lock whose pins it took. Not its path: the same wheel elsewhere (another
                         machine, the remote cache) is the same input of every test.
"""

import argparse
import email.parser
import json
import os
import platform
import re
import sys
import zipfile

try:
    # The pinned interpreter's pip (install.py needs it too): what the repository rule runs this module with.
    from pip._vendor.packaging import markers, requirements, tags, utils, version
except ImportError:
    # A py_test's interpreter sees no host site-packages (-S), and has the lock's packaging instead.
    from packaging import markers, requirements, tags, utils, version

from third_party.pypi import lockfile, wheels

DOCS = 'docs/upgrading.md, "A wheel of your own"'


class WheelError(Exception):
    """Why the wheel cannot be tested: what is wrong, with the remedy."""


# What a wheel's file name is made of (PEP 427 escapes anything else to "_"): no name that pip or a build writes
# holds a quote, a ";" or a "$", so none reaches a shell command or a lock (wheel.bzl) as more than a name.
_WHEEL_NAME = re.compile(r"[A-Za-z0-9._+-]+")


def check_path(variable, path):
    """The wheel's file name; WheelError unless path is an absolute path to a file whose name is a wheel's."""
    if any(ord(character) < 32 or ord(character) == 127 for character in path):
        raise WheelError(
            "%s=%r holds a control character (a newline, say), which no path of a wheel needs and which would "
            "reach the lock written from it. Remedy: move the wheel to a folder whose path has none."
            % (variable, path)
        )
    if not path:
        raise WheelError(
            "--config=wheel (--//bc:torch=wheel) tests the torch wheel that %s names, and %s is unset or empty. "
            "Remedy: export %s=/absolute/path/to/torch-<version>-<tags>.whl, then run the command again (%s)."
            % (variable, variable, variable, DOCS)
        )
    if not os.path.isabs(path):
        raise WheelError(
            "%s=%s is a relative path; Bazel reads it from a directory of its own. Remedy: give the wheel's "
            "absolute path (%s=\"$PWD/%s\")." % (variable, path, variable, path)
        )
    if not os.path.isfile(path):
        raise WheelError(
            "%s=%s: %s. Remedy: point %s at a torch wheel file that exists."
            % (variable, path, "a directory, not a file" if os.path.isdir(path) else "no such file", variable)
        )
    name = os.path.basename(path)
    if not _WHEEL_NAME.fullmatch(name):
        raise WheelError(
            "%s=%s: its file name holds %s, which no wheel's name does (letters, digits, '.', '_', '+' and '-'). "
            "Remedy: point %s at the wheel under the name its build wrote."
            % (variable, path, " ".join(sorted({repr(c) for c in name if not _WHEEL_NAME.fullmatch(c)})), variable)
        )
    return name


def parse_name(variable, path, supported, interpreter):
    """The wheel's version from its file name; WheelError unless it is a torch wheel that supported admits.

    supported: the tags the pinned interpreter installs (tags.sys_tags()), which interpreter describes.
    """
    name = os.path.basename(path)
    try:
        distribution, found, _, wheel_tags = utils.parse_wheel_filename(name)
    except (utils.InvalidWheelFilename, version.InvalidVersion) as error:
        raise WheelError(
            "%s=%s is not named as a wheel is (<distribution>-<version>[-<build>]-<python>-<abi>-<platform>.whl: "
            "%s). Remedy: point %s at a torch wheel as pip or setup.py bdist_wheel writes it, under its own name."
            % (variable, path, error, variable)
        )
    if distribution != "torch":
        raise WheelError(
            "%s=%s is a wheel of %s, not of torch. Remedy: point %s at a torch wheel (torch-<version>-<tags>.whl)."
            % (variable, path, distribution, variable)
        )
    if not wheel_tags & set(supported):
        raise WheelError(
            "%s=%s is built for %s, which the pinned interpreter (%s) cannot install. Remedy: a torch wheel for it "
            "(%s, with a manylinux or linux platform tag): build torch with that interpreter, or download that "
            "wheel." % (variable, path, ", ".join(sorted(str(tag) for tag in wheel_tags)), interpreter,
                        supported[0].interpreter)
        )
    return found


def read_metadata(variable, path):
    """(Name, Version, [Requires-Dist]) of the wheel's METADATA; WheelError if it has none, or several."""
    try:
        with zipfile.ZipFile(path) as wheel:
            found = [n for n in wheel.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
            if len(found) != 1:
                raise WheelError(
                    "%s=%s holds %d .dist-info/METADATA files, not one. Remedy: rebuild the wheel (setup.py "
                    "bdist_wheel), or download it again." % (variable, path, len(found))
                )
            text = wheel.read(found[0]).decode("utf-8")
    except zipfile.BadZipFile as error:
        raise WheelError(
            "%s=%s is not a readable wheel (%s). Remedy: rebuild the wheel, or download it again."
            % (variable, path, error)
        )
    fields = email.parser.HeaderParser().parsestr(text)
    return fields["Name"], fields["Version"], fields.get_all("Requires-Dist") or []


def unmet(requires, lock_text, environment):
    """What of requires (Requires-Dist lines) the lock's pins do not meet, one phrase each.

    environment: marker values (the pinned interpreter's); no extra is asked for.
    """
    pins = {utils.canonicalize_name(pin.name): pin.version for pin in lockfile.pins(lock_text)}
    missing = []
    for line in requires:
        requirement = requirements.Requirement(line)
        if requirement.marker and not requirement.marker.evaluate(dict(environment, extra="")):
            continue
        pinned = pins.get(utils.canonicalize_name(requirement.name))
        if pinned is None:
            missing.append("no %s%s" % (requirement.name, requirement.specifier))
        elif not requirement.specifier.contains(pinned, prereleases=True):
            missing.append("%s==%s where it requires %s" % (requirement.name, pinned, requirement.specifier))
    return missing


def base_lock(variable, path, found, requires, locks, environment):
    """(label, text) of the first of locks [(label, text)] whose pins meet requires; WheelError naming what each lacks."""
    lacking = []
    for label, text in locks:
        missing = unmet(requires, text, environment)
        if not missing:
            return label, text
        lacking.append("  %s pins %s" % (label, ", ".join(missing)))
    raise WheelError(
        "%s=%s (torch %s) requires what no lock pins:\n%s\nRemedy: a CPU build of torch, which requires no nvidia-* "
        "distributions (`USE_CUDA=0 python setup.py bdist_wheel`, or the +cpu wheel of "
        "https://download.pytorch.org/whl/cpu); or a torch build of bc/releases.bzl's TORCH_BUILDS whose requirements "
        "are this torch's, locked by `tools/lock --build <build>`." % (variable, path, found, "\n".join(lacking))
    )


def lock_wheel(variable, path, locks, supported, interpreter, environment):
    """(lock text, record) of the wheel at path; WheelError, with the remedy, before anything is installed."""
    name = check_path(variable, path)
    found = parse_name(variable, path, supported, interpreter)
    distribution, declared, requires = read_metadata(variable, path)
    if utils.canonicalize_name(distribution or "") != "torch" or declared != str(found):
        raise WheelError(
            "%s=%s: its METADATA names %s %s, its file name torch %s. Remedy: the wheel as its build wrote it, "
            "under its own name." % (variable, path, distribution, declared, found)
        )
    label, text = base_lock(variable, path, found, requires, locks, environment)
    digest = wheels.sha256(path)
    record = {"file": name, "version": declared, "sha256": digest, "lock": label}
    header = "# %s's pins with torch replaced by %s (sha256 %s), written by third_party/builds/wheel.py.\n" % (
        label, path, digest)
    return header + lockfile.repinned(text, "torch", declared, digest), record


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variable", required=True, help="the environment variable that names the wheel")
    parser.add_argument("--wheel", required=True, help="its value")
    parser.add_argument(
        "--lock", action="append", required=True, metavar="LABEL=PATH", help="a lock to take the pins from, in order"
    )
    parser.add_argument("--repo", required=True, help="repository directory to write requirements_lock.txt into")
    args = parser.parse_args()
    locks = []
    for given in args.lock:
        label, lock = given.split("=", 1)
        with open(lock, encoding="utf-8") as f:
            locks.append((label, f.read()))
    interpreter = "CPython %s on %s %s" % (platform.python_version(), platform.system(), platform.machine())
    try:
        text, record = lock_wheel(args.variable, args.wheel, locks, list(tags.sys_tags()), interpreter,
                                  markers.default_environment())
    except WheelError as error:
        raise SystemExit(str(error))
    with open(os.path.join(args.repo, "requirements_lock.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(args.repo, "torch_wheel.json"), "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
