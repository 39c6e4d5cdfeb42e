"""Temporary copies of committed golden files, for tests that break them; and what tests ask of them."""

import os
import shutil

import pytest

from bc import golden_io, manifest


def copy_case(case, golden_dir):
    """The case's committed files (and manifest) copied into golden_dir; its GoldenSet there."""
    os.makedirs(os.path.join(golden_dir, manifest.MANIFEST_DIR), exist_ok=True)
    for name in manifest.case_files(case):
        shutil.copyfile(os.path.join(manifest.GOLDEN_DIR, name), os.path.join(golden_dir, name))
    return golden_io.GoldenSet(case, golden_dir)


def adopt(golden):
    """Records the files as they are now, as `regenerate --adopt` would: digests no longer object."""
    path = manifest.manifest_path(golden.directory, golden.case.name)
    manifest.write(path, manifest.for_files(golden.directory, golden.case, "adopted", {}))


def verify_error(golden):
    with pytest.raises(golden_io.GoldenError) as error:
        golden.verify()
    return str(error.value)


def snapshot(directory):
    """{relative path: bytes} of every file below directory."""
    found = {}
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, directory)] = f.read()
    return found
