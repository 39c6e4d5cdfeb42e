"""Per-case manifests: serialized/manifest/<case>.json.

A manifest records, for one case, the sha256 of each golden file and where
the files came from (the pinned generator, or files adopted from elsewhere).
Tests check their files against it before loading anything, so a golden file
cannot change without a reviewed manifest diff. One file per case keeps a
change to one case out of every other case's inputs.
"""

import contextlib
import dataclasses
import errno
import hashlib
import json
import os
import re
import stat

from bc import formats

GOLDEN_DIR = "serialized"  # relative to the workspace (and to a test's runfiles)
MANIFEST_DIR = "manifest"
FORMAT = 1
REGENERATE = "bazel run //bc:regenerate"
SCRATCH_SUFFIX = ".tmp"  # write_atomically's file before its rename


def regenerate_command(*args):
    """The command line that writes manifests (and golden files), for messages."""
    return " -- ".join([REGENERATE, " ".join(args)]) if args else REGENERATE


def manifest_path(golden_dir, case_name):
    return os.path.join(golden_dir, MANIFEST_DIR, case_name + ".json")


def case_files(case):
    """Every file of a case in a corpus, relative to it: its golden files, then its manifest."""
    return case.golden_names() + [manifest_path("", case.name)]


def pending_path(golden_dir, case_name):
    """Marker of a regenerate that has not finished writing this case (bc/corpus/case_writer.py)."""
    return os.path.join(golden_dir, MANIFEST_DIR, case_name + ".pending")


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclasses.dataclass
class Manifest:
    case: str
    origin: str
    producer: dict
    files: dict  # golden file name -> sha256 hex
    formats: dict = dataclasses.field(default_factory=dict)  # golden file name -> what it holds (bc/formats.py)
    # golden file name -> why it could not be written: a model target's observed part that the torch of its
    # .update could not observe, because it could not load the artifact (bc/own_models/update.py).
    unobserved: dict = dataclasses.field(default_factory=dict)

    def dumps(self):
        body = {
            "format": FORMAT,
            "case": self.case,
            "origin": self.origin,
            "producer": self.producer,
            "files": self.files,
            "formats": self.formats,
        }
        if self.unobserved:
            body["unobserved"] = self.unobserved
        return json.dumps(body, indent=2, sort_keys=True) + "\n"


class ManifestError(ValueError):
    pass


def _invalid(path, why):
    return ManifestError(
        "%s is not a valid manifest: %s. Restore it from version control, or record the case's files "
        "again with `%s`." % (path, why, regenerate_command("--adopt", "--origin", "TEXT", "CASE"))
    )


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            body = json.load(f)
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as error:
        raise _invalid(path, error) from None
    if not isinstance(body, dict):
        raise _invalid(path, "a JSON object is expected, found %s" % type(body).__name__)
    missing = [key for key in ("case", "origin", "producer", "files") if key not in body]
    if missing:
        raise _invalid(path, "missing %s" % ", ".join(missing))
    files = body["files"]
    if not isinstance(files, dict) or not all(
        isinstance(name, str) and isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest)
        for name, digest in files.items()
    ):
        raise _invalid(path, '"files" must map each file name to its sha256 (64 hex digits), found %s'
                       % json.dumps(files)[:200])
    if not isinstance(body.get("formats", {}), dict):
        raise _invalid(path, '"formats" must map each file name to what it holds')
    unobserved = body.get("unobserved", {})
    if not isinstance(unobserved, dict) or not all(isinstance(v, str) for v in unobserved.values()) or (
            set(unobserved) & set(files)):
        raise _invalid(path, '"unobserved" must map each file name it does not record to why')
    return Manifest(case=body["case"], origin=body["origin"], producer=body["producer"], files=files,
                    formats=body.get("formats", {}), unobserved=unobserved)


def file_type(path):
    """None if nothing is at path; else 'file', 'directory', 'symlink' or 'special file' (not followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "directory"
    return "special file"


def placement_problem(path, expected):
    """Why path is not the regular file expected (its real path in the corpus), without opening it; None if it is.

    In a test's runfiles every file is a symlink into the source tree, so what
    counts is where it resolves: a symlink out of the corpus, or to another
    file, is refused; so are directories, pipes and devices.
    """
    real = os.path.realpath(path)
    if real != expected:
        return "resolves to %s, outside the corpus: not %s itself (a symlink)" % (real, expected)
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return error.strerror
    if stat.S_ISREG(mode):
        return None
    return "is %s, not a regular file" % (
        "a directory" if stat.S_ISDIR(mode) else "a named pipe" if stat.S_ISFIFO(mode) else "a special file"
    )


def write_atomically(path, text):
    """Replaces path with text in one rename: a reader sees the old file or the new one.

    A write that fails (a full disk) removes its scratch file before raising.
    Nothing is written through a symbolic link: a link at path or at its
    scratch name (a committed `x.json.tmp -> /elsewhere`) is refused, named.
    """
    scratch = path + SCRATCH_SUFFIX
    for place in (path, scratch):
        if os.path.islink(place):
            raise OSError(errno.ELOOP, "%s is a symbolic link where quant-bc writes a file; nothing is written through "
                                       "a link: remove it (`git rm` it if it is committed), then run the command again"
                          % place)
    try:
        # O_NOFOLLOW: a link made at the scratch name after the check above is refused too.
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with open(descriptor, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(scratch, path)
    except BaseException:
        if not os.path.islink(scratch):
            with contextlib.suppress(OSError):
                os.remove(scratch)
        raise


def write(path, manifest):
    write_atomically(path, manifest.dumps())


# The producer's record of the CPU that wrote the files (bc/corpus/pinned.py): provenance,
# not content. The pins make the bytes the same on every CPU, so two manifests
# that differ only in it record the same files.
WRITER_CPU = "cpu"


def _body(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def written_on(path):
    """The CPU record of the manifest at path; None if it has none or cannot be read."""
    try:
        producer = _body(path).get("producer", {})
    except (OSError, ValueError, AttributeError):
        return None
    return producer.get(WRITER_CPU) if isinstance(producer, dict) else None


def same_record(left, right):
    """Whether two manifest files record the same files and provenance, whichever CPU wrote each."""
    try:
        bodies = [_body(left), _body(right)]
    except (OSError, ValueError):
        return False
    for body in bodies:
        if isinstance(body, dict) and isinstance(body.get("producer"), dict):
            body["producer"].pop(WRITER_CPU, None)
    return bodies[0] == bodies[1]


def for_files(golden_dir, case, origin, producer):
    """A manifest for the case's golden files as they are now in golden_dir."""
    return for_paths(case, {name: os.path.join(golden_dir, name) for name in case.golden_names()}, origin, producer)


def for_paths(case, paths, origin, producer):
    """A manifest recording each golden file name of paths ({name: where the file is now}) that exists."""
    files, file_formats = {}, {}
    for name, path in paths.items():
        found = file_type(path)
        if found == "file":
            files[name] = sha256(path)
            try:
                file_formats[name] = formats.read_format(path)
            except formats.FormatError as error:
                file_formats[name] = {"container": "unknown", "problem": str(error)}
        elif found is not None:
            raise ManifestError(
                "%s is a %s, not a regular file: a golden file must be the file itself. Replace it with the "
                "file, then run the command again." % (path, found)
            )
    return Manifest(case=case.name, origin=origin, producer=producer, files=files, formats=file_formats)
