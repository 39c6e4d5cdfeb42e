"""Each torch build of bc/releases.bzl (TORCH_BUILDS) but a wheel build has its lock, which pins what the build
requires."""

import pytest

from bc import corpora
from third_party.pypi import lockfile

BUILDS = corpora.torch_builds()


@pytest.mark.parametrize("build", sorted(corpora.locked_builds()))
def test_each_builds_lock_pins_its_requirements_for_its_repository(build):
    with open(corpora.build_lock(build), encoding="utf-8") as f:
        text = f.read()
    assert "that @%s installs" % BUILDS[build]["repository"] in text.splitlines()[0]
    for requirement in BUILDS[build]["requirements"]:
        if "==" in requirement:
            name, version = requirement.split("==")
            assert lockfile.pin(text, name, source=corpora.build_lock(build)).version.split("+")[0] == version


def test_a_build_is_not_todays_name():
    assert corpora.TODAY not in BUILDS and all(entry["repository"] != "pypi" for entry in BUILDS.values())


def test_every_lock_names_each_builds_lock_beside_the_corpora_ones():
    # tools/prune_wheels keeps the wheels these name: the next build's 5 GB must not look stale.
    locks = corpora.every_lock()
    assert corpora.TODAY_LOCK in locks
    assert all(corpora.build_lock(build) in locks for build in corpora.locked_builds())
    assert all(corpus.lock in locks for corpus in corpora.load().values())


def test_ci_left_out_names_past_releases():
    # A misspelt name would bring a 7 GB environment back into CI unnoticed.
    past = {name for name, corpus in corpora.load().items() if not corpus.is_today}
    assert set(corpora.ci_left_out()) <= past
