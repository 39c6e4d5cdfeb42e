"""Code under test sees the standard library and the lock, nothing else of the host."""

import importlib.util
import os
import sys
import sysconfig

import pytest

RUNFILES = os.path.realpath(os.environ["TEST_SRCDIR"])
STDLIB = sysconfig.get_paths()["stdlib"]


def test_no_site_packages_on_the_path():
    assert sys.flags.no_site, "the interpreter must run with -S"
    assert sys.flags.no_user_site
    for entry in sys.path:
        assert "site-packages" not in entry or entry.startswith(os.environ["TEST_SRCDIR"]), entry


# Each installed on the host (a Debian machine of this kind has them), none in the lock.
@pytest.mark.parametrize("host_only", ["flask", "boto3", "scipy", "requests"])
def test_host_packages_outside_the_lock_are_not_importable(host_only):
    assert importlib.util.find_spec(host_only) is None, (
        "%s is not in requirements_lock.txt but can be imported" % host_only
    )


def test_torch_comes_from_the_pypi_repository():
    import torch

    # @pypi's site-packages links to the installed environment it shares with other output bases.
    site_packages = os.path.realpath(os.path.join(os.environ["TEST_SRCDIR"], "pypi", "site-packages"))
    path = os.path.realpath(torch.__file__)
    assert path.startswith(site_packages + "/torch/"), (path, site_packages)


def test_every_imported_module_is_stdlib_or_runfiles():
    import absl.testing.absltest  # noqa: F401
    import torch  # noqa: F401

    strays = []
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None)
        if not origin:
            continue  # built-in or namespace module
        real = os.path.realpath(origin)
        if not (real.startswith(STDLIB) or os.path.abspath(origin).startswith(os.environ["TEST_SRCDIR"])):
            strays.append("%s: %s" % (name, origin))
    assert not strays, "modules from outside the stdlib and the lock:\n" + "\n".join(strays)
