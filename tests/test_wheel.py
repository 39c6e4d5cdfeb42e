"""third_party/builds/wheel.py: which torch wheels the `wheel` build accepts, and the lock it takes pins from."""

import hashlib
import zipfile

import pytest

from third_party.builds import wheel
from third_party.pypi import lockfile

VARIABLE = "QUANT_BC_TORCH_WHEEL"
# What the pinned interpreter installs, as tags.sys_tags() gives it on a glibc 2.28+ Linux x86-64.
PLATFORMS = ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "linux_x86_64"]
SUPPORTED = list(wheel.tags.cpython_tags((3, 11), platforms=PLATFORMS)) + list(
    wheel.tags.compatible_tags((3, 11), platforms=PLATFORMS)
)
INTERPRETER = "CPython 3.11.7 on Linux x86_64"
ENVIRONMENT = {
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "sys_platform": "linux",
}

TODAY = """\
# today's
filelock==4.3.1 \\
    --hash=sha256:1111
sympy==1.14.0 \\
    --hash=sha256:2222
torch==2.13.0+cpu \\
    --hash=sha256:3333
    # via requirements.in
typing-extensions==4.16.0 \\
    --hash=sha256:4444
"""
NEXT = TODAY.replace("torch==2.13.0+cpu", "torch==2.15.0") + """\
nvidia-nccl-cu13==2.30.7 \\
    --hash=sha256:5555
triton==3.9.0 \\
    --hash=sha256:6666
"""
LOCKS = [("//:requirements_lock.txt", TODAY), ("//third_party/builds:next/requirements_lock.txt", NEXT)]
CPU_REQUIRES = ["filelock", "typing-extensions>=4.13.0", "sympy>=1.13.3", 'optree>=0.13.0; extra == "optree"']
CUDA_REQUIRES = CPU_REQUIRES + [
    'nvidia-nccl-cu13==2.30.7; platform_system == "Linux"',
    'triton~=3.9.0; platform_system == "Linux" and python_version < "3.16"',
]


def make_wheel(directory, name, version="2.16.0a0+git1234", requires=(), distribution="torch"):
    path = directory / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "%s-%s.dist-info/METADATA" % (distribution, version),
            "Metadata-Version: 2.1\nName: %s\nVersion: %s\n%s\nA description.\n"
            % (distribution, version, "".join("Requires-Dist: %s\n" % line for line in requires)),
        )
    return str(path)


def lock(path, locks=LOCKS):
    return wheel.lock_wheel(VARIABLE, path, locks, SUPPORTED, INTERPRETER, ENVIRONMENT)


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "QUANT_BC_TORCH_WHEEL is unset or empty. Remedy: export QUANT_BC_TORCH_WHEEL=/absolute/path/to/torch-"),
        ("dist/torch-2.16.0-cp311-cp311-linux_x86_64.whl", "is a relative path"),
        ("/nowhere/torch-2.16.0-cp311-cp311-linux_x86_64.whl", "no such file. Remedy: point QUANT_BC_TORCH_WHEEL at"),
    ],
)
def test_a_path_that_is_no_file_is_refused_naming_the_variable(value, message):
    with pytest.raises(wheel.WheelError, match=message.replace(".", r"\.")):
        wheel.check_path(VARIABLE, value)


def test_a_name_no_wheel_has_is_refused_before_it_reaches_a_shell_or_a_lock(tmp_path):
    # packaging's build-tag rule admits '"', ';' and '>': this name ran `id` in the wheel_unchanged genrule (issue 37).
    hostile = tmp_path / 'torch-2.13.0+cpu-1";id>pwned_wheel;"-cp311-cp311-manylinux_2_28_x86_64.whl'
    hostile.write_bytes(b"")
    with pytest.raises(wheel.WheelError, match="its file name holds '\"' ';' '>'"):
        wheel.check_path(VARIABLE, str(hostile))
    newline = tmp_path / "dist\n--index-url=file:" / "torch-2.16.0-cp311-cp311-linux_x86_64.whl"
    newline.parent.mkdir()
    newline.write_bytes(b"")
    with pytest.raises(wheel.WheelError, match="holds a control character"):
        wheel.check_path(VARIABLE, str(newline))


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(wheel.WheelError, match="a directory, not a file"):
        wheel.check_path(VARIABLE, str(tmp_path))


@pytest.mark.parametrize(
    "name, message",
    [
        ("torch.whl", "is not named as a wheel is"),
        ("torch-2.16.0-cp311-cp311-linux_x86_64.zip", "is not named as a wheel is"),
        ("torchao-0.18.0-cp310-abi3-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl", "is a wheel of torchao, not of torch"),
        ("torch-1.10.2-cp38-cp38-manylinux1_x86_64.whl", r"is built for cp38-cp38-manylinux1_x86_64, which the pinned "
                                                         r"interpreter \(CPython 3.11.7 on Linux x86_64\) cannot install. "
                                                         r"Remedy: a torch wheel for it \(cp311,"),
        ("torch-2.16.0-cp311-cp311-macosx_11_0_arm64.whl", "is built for cp311-cp311-macosx_11_0_arm64"),
        ("torch-2.16.0-cp312-cp312-manylinux_2_28_x86_64.whl", "is built for cp312-cp312-manylinux_2_28_x86_64"),
    ],
)
def test_a_wheel_that_is_not_torch_for_this_interpreter_is_refused(name, message):
    with pytest.raises(wheel.WheelError, match=message):
        wheel.parse_name(VARIABLE, "/wheels/" + name, SUPPORTED, INTERPRETER)


@pytest.mark.parametrize(
    "name, version",
    [
        ("torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl", "2.13.0+cpu"),
        ("torch-2.10.0-3-cp311-cp311-manylinux_2_28_x86_64.whl", "2.10.0"),  # a build tag
        ("torch-2.16.0a0+git1234-cp311-cp311-linux_x86_64.whl", "2.16.0a0+git1234"),  # setup.py bdist_wheel's
        ("torch-2.16.0.dev20261201+cpu-cp311-cp311-manylinux_2_28_x86_64.whl", "2.16.0.dev20261201+cpu"),  # a nightly
        ("torch-2.16.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "2.16.0"),
        ("torch-2.16.0-py3-none-any.whl", "2.16.0"),
    ],
)
def test_a_torch_wheel_this_interpreter_installs_gives_its_version(name, version):
    assert str(wheel.parse_name(VARIABLE, "/wheels/" + name, SUPPORTED, INTERPRETER)) == version


def test_requirements_are_met_by_pins_under_this_interpreters_markers():
    assert wheel.unmet(CPU_REQUIRES + ['setuptools; python_version >= "3.12"', 'pywin32; sys_platform == "win32"'],
                       TODAY, ENVIRONMENT) == []
    assert wheel.unmet(CUDA_REQUIRES, TODAY, ENVIRONMENT) == ["no nvidia-nccl-cu13==2.30.7", "no triton~=3.9.0"]
    assert wheel.unmet(["typing-extensions>=4.17", "Typing_Extensions<5"], TODAY, ENVIRONMENT) == [
        "typing-extensions==4.16.0 where it requires >=4.17"
    ]
    assert wheel.unmet(CUDA_REQUIRES, TODAY, dict(ENVIRONMENT, platform_system="Darwin")) == []


def test_the_first_lock_that_meets_the_requirements_is_chosen():
    assert wheel.base_lock(VARIABLE, "/w.whl", "2.16.0", CPU_REQUIRES, LOCKS, ENVIRONMENT)[0] == LOCKS[0][0]
    assert wheel.base_lock(VARIABLE, "/w.whl", "2.16.0", CUDA_REQUIRES, LOCKS, ENVIRONMENT)[0] == LOCKS[1][0]


def test_a_wheel_no_lock_meets_is_refused_naming_what_each_lock_lacks():
    requires = ['nvidia-nccl-cu13==2.31.0; platform_system == "Linux"', "triton~=3.9.0"]
    with pytest.raises(wheel.WheelError) as refused:
        wheel.base_lock(VARIABLE, "/w/torch.whl", "2.16.0", requires, LOCKS, ENVIRONMENT)
    assert str(refused.value).splitlines()[:3] == [
        "QUANT_BC_TORCH_WHEEL=/w/torch.whl (torch 2.16.0) requires what no lock pins:",
        "  //:requirements_lock.txt pins no nvidia-nccl-cu13==2.31.0, no triton~=3.9.0",
        "  //third_party/builds:next/requirements_lock.txt pins nvidia-nccl-cu13==2.30.7 where it requires ==2.31.0",
    ]
    assert "USE_CUDA=0 python setup.py bdist_wheel" in str(refused.value)
    assert "tools/lock --build" in str(refused.value)


def test_the_lock_is_the_chosen_locks_pins_with_the_wheels_torch(tmp_path):
    path = make_wheel(tmp_path, "torch-2.16.0a0+git1234-cp311-cp311-linux_x86_64.whl", requires=CPU_REQUIRES)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    text, record = lock(path)
    assert lockfile.environment(text) == lockfile.environment(
        lockfile.repinned(TODAY, "torch", "2.16.0a0+git1234", digest)
    )
    assert lockfile.pin(text, "torch") == lockfile.Pin("torch==2.16.0a0+git1234", "torch", "2.16.0a0+git1234", (digest,))
    assert record == {
        "file": "torch-2.16.0a0+git1234-cp311-cp311-linux_x86_64.whl",
        "version": "2.16.0a0+git1234",
        "sha256": digest,
        "lock": "//:requirements_lock.txt",
    }


def test_a_wheel_of_a_locks_torch_takes_exactly_that_locks_pins(tmp_path):
    """So it shares that lock's installed environment (install.py keys it by the pins)."""
    path = make_wheel(tmp_path, "torch-2.15.0-cp311-cp311-manylinux_2_28_x86_64.whl", "2.15.0", CUDA_REQUIRES)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    next_lock = NEXT.replace("--hash=sha256:3333", "--hash=sha256:" + digest)
    text, _ = lock(path, [LOCKS[0], (LOCKS[1][0], next_lock)])
    assert lockfile.environment(text) == lockfile.environment(next_lock)


@pytest.mark.parametrize(
    "metadata, message",
    [
        ({"version": "2.16.0"}, "its METADATA names torch 2.16.0, its file name torch 2.16.0a0\\+git1234"),
        ({"distribution": "pytorch"}, "its METADATA names pytorch"),
    ],
)
def test_metadata_that_contradicts_the_file_name_is_refused(tmp_path, metadata, message):
    path = make_wheel(tmp_path, "torch-2.16.0a0+git1234-cp311-cp311-linux_x86_64.whl", **metadata)
    with pytest.raises(wheel.WheelError, match=message):
        lock(path)


def test_a_file_that_is_no_zip_is_refused(tmp_path):
    path = tmp_path / "torch-2.16.0-cp311-cp311-linux_x86_64.whl"
    path.write_bytes(b"not a zip")
    with pytest.raises(wheel.WheelError, match="is not a readable wheel .* Remedy: rebuild the wheel"):
        lock(str(path))
