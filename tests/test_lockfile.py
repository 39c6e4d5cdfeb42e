"""third_party/pypi/lockfile.py: the one reader of the locks tools/lock writes."""

import pytest

from third_party.pypi import lockfile

LOCK = """\
# a header comment
Typing_Extensions==4.16.0 \\
    --hash=sha256:bbbb \\
    --hash=sha256:aaaa
    # via torch
torch==2.13.0+cpu \\
    --hash=sha256:cccc
    # via requirements.in
"""


def test_pins_join_continuations_and_drop_comments():
    assert lockfile.pins(LOCK) == [
        lockfile.Pin("Typing_Extensions==4.16.0", "Typing_Extensions", "4.16.0", ("bbbb", "aaaa")),
        lockfile.Pin("torch==2.13.0+cpu", "torch", "2.13.0+cpu", ("cccc",)),
    ]


def test_a_pin_is_found_by_its_normalized_name():
    assert lockfile.pin(LOCK, "typing-extensions").version == "4.16.0"
    with pytest.raises(ValueError, match="requirements_lock.txt pins no numpy"):
        lockfile.pin(LOCK, "numpy", source="requirements_lock.txt")


def test_the_environment_ignores_comments_and_hash_order():
    reordered = LOCK.replace("--hash=sha256:bbbb \\\n    --hash=sha256:aaaa", "--hash=sha256:aaaa \\\n    --hash=sha256:bbbb")
    assert lockfile.environment("# another comment\n" + reordered) == lockfile.environment(LOCK) == [
        "Typing_Extensions==4.16.0 --hash=sha256:aaaa --hash=sha256:bbbb",
        "torch==2.13.0+cpu --hash=sha256:cccc",
    ]


def test_repinned_replaces_one_pin_and_its_hashes():
    text = lockfile.repinned(LOCK, "Typing_Extensions", "4.15.0", "dddd")
    assert lockfile.pin(text, "typing-extensions") == lockfile.Pin(
        "Typing_Extensions==4.15.0", "Typing_Extensions", "4.15.0", ("dddd",)
    )
    assert lockfile.pin(text, "torch") == lockfile.pin(LOCK, "torch")
    with pytest.raises(ValueError, match="pins no numpy"):
        lockfile.repinned(LOCK, "numpy", "1", "eeee")
