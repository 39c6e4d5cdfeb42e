"""third_party/pypi/resolve.py: pip's report to a hash-locked lock."""

import hashlib

import pytest

from third_party.pypi import environment, resolve


def item(name, version, download_info, requested=False):
    return {"metadata": {"name": name, "version": version}, "download_info": download_info, "requested": requested}


def test_each_pin_takes_the_digest_pip_reports(tmp_path):
    report = {"install": [item("Typing_Extensions", "4.16.0", {"url": "https://x", "archive_info": {"hashes": {"sha256": "ab" * 32}}}, True)]}
    assert resolve.lock_text(report, "# h\n") == "# h\ntyping-extensions==4.16.0 \\\n    --hash=sha256:%s\n    # via requirements.in\n" % ("ab" * 32)


def test_a_local_file_without_a_reported_digest_is_hashed(tmp_path):
    # pip 23.0 (CPython 3.8's here) reports no hash for a --find-links file.
    wheel = tmp_path / "torch 1.6.0.whl"
    wheel.write_bytes(b"wheel bytes")
    report = {"install": [item("torch", "1.6.0", {"url": "file://" + str(wheel).replace(" ", "%20"), "archive_info": {}})]}
    assert hashlib.sha256(b"wheel bytes").hexdigest() in resolve.lock_text(report, "")


def test_a_remote_file_without_a_digest_is_refused():
    report = {"install": [item("torch", "1.6.0", {"url": "https://x", "archive_info": {}})]}
    with pytest.raises(ValueError, match="no sha256 for torch 1.6.0"):
        resolve.lock_text(report, "")


@pytest.mark.parametrize("version, key", [
    ("1.13.1", (1, 13, 1)), ("2.0", (2, 0)),
    ("2.13.0+cpu", None), ("2.0.0rc1", None), ("abc", None), ("", None), ("\\1", None), ("2.13.0\n--index-url=x", None),
])
def test_a_release_is_a_final_release_number(version, key):
    assert resolve.release_key(version) == key


def test_what_pip_said_is_its_errors_on_one_line_after_the_network_failure():
    stderr = (
        "WARNING: pip index is currently an experimental command.\n"
        "WARNING: Retrying (Retry(total=0)) after connection broken by 'NewConnectionError(... Connection refused)': /simple/torch/\n"
        "ERROR: No matching distribution found for torch\n"
    )
    assert resolve.pip_said(stderr) == (
        "WARNING: Retrying (Retry(total=0)) after connection broken by 'NewConnectionError(... Connection refused)': "
        "/simple/torch/ / ERROR: No matching distribution found for torch"
    )
    assert resolve.pip_said("Traceback (most recent call last):\n  ...\nOSError: [Errno 28] No space left\n") == (
        "OSError: [Errno 28] No space left")


def test_a_distribution_locked_without_its_dependencies_is_resolved_alone():
    together, alone = resolve.split_alone(["torch==2.13.0", "executorch==1.5.1", "ruamel.yaml", "Executorch>=1.0"])
    assert together == ["torch==2.13.0", "ruamel.yaml"]
    assert alone == ["executorch==1.5.1", "Executorch>=1.0"]


def test_a_throwaway_environment_downloads_executorch_without_its_dependencies(tmp_path, monkeypatch):
    """bisect's environments (third_party/pypi/environment.py): executorch's declared dependencies, some without a
    wheel, are never asked for; the rest is downloaded with what it needs."""
    downloads = []
    monkeypatch.setattr(resolve, "pip", lambda python, *args: downloads.append(args) or "")
    monkeypatch.setattr(resolve, "resolve", lambda *args: {"install": []})
    monkeypatch.setattr(environment.install, "pip_install", lambda *args: None)
    environment.build(["torch==2.9.0", "executorch==1.0.0", "numpy"], str(tmp_path), str(tmp_path / "wheels"),
                      report=lambda line: None)
    # pip download ... --dest STAGING REQUIREMENT...
    assert [(args[args.index("--dest") + 2 :], "--no-deps" in args) for args in downloads] == [
        (("torch==2.9.0", "numpy"), False),
        (("executorch==1.0.0",), True),
    ]
