"""Per-case manifests: serialized/manifest/<case>.json.

A manifest records, for one case, the sha256 of each golden file and where
the files came from (the pinned generator, or files adopted from elsewhere).
Tests check their files against it before loading anything, so a golden file
cannot change without a reviewed manifest diff. One file per case keeps a
change to one case out of every other case's inputs.
"""

import dataclasses
import hashlib
import json
import os

GOLDEN_DIR = "serialized"  # relative to the workspace (and to a test's runfiles)
MANIFEST_DIR = "manifest"
FORMAT = 1
REGENERATE = "bazel run //bc:regenerate"


def regenerate_command(*args):
    """The command line that writes manifests (and golden files), for messages."""
    return " -- ".join([REGENERATE, " ".join(args)]) if args else REGENERATE


def manifest_path(golden_dir, case_name):
    return os.path.join(golden_dir, MANIFEST_DIR, case_name + ".json")


def pending_path(golden_dir, case_name):
    """Marker of a regenerate that has not finished writing this case (bc/journal.py)."""
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

    def dumps(self):
        body = {
            "format": FORMAT,
            "case": self.case,
            "origin": self.origin,
            "producer": self.producer,
            "files": self.files,
        }
        return json.dumps(body, indent=2, sort_keys=True) + "\n"


class ManifestError(ValueError):
    pass


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            body = json.load(f)
        return Manifest(
            case=body["case"], origin=body["origin"], producer=body["producer"], files=body["files"]
        )
    except FileNotFoundError:
        raise
    except (ValueError, KeyError, TypeError) as error:
        raise ManifestError("%s is not a valid manifest: %s" % (path, error)) from None


def write_atomically(path, text):
    """Replaces path with text in one rename: a reader sees the old file or the new one."""
    scratch = path + ".tmp"
    with open(scratch, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(scratch, path)


def write(path, manifest):
    write_atomically(path, manifest.dumps())


def describe(golden_dir, case, origin, producer):
    """A manifest for the case's golden files as they are now in golden_dir."""
    files = {}
    for name in case.golden_names():
        path = os.path.join(golden_dir, name)
        if os.path.exists(path):
            files[name] = sha256(path)
    return Manifest(case=case.name, origin=origin, producer=producer, files=files)
