"""The corpora: today's (serialized/) and one per past release (bc/releases.bzl).

A corpus is a directory laid out like PyTorch's test/quantization/serialized,
with one manifest per case, and the release whose torch wrote it.
"""

import dataclasses
import os

from bc import case_table, manifest

RELEASES_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "releases.bzl")
RELEASES_NAME = "bc/releases.bzl"
TODAY = "today"
TODAY_LOCK = "requirements_lock.txt"  # relative to the workspace


@dataclasses.dataclass(frozen=True)
class Corpus:
    name: str  # "today", or the release ("1.6.0")
    python: str  # major.minor of the interpreter that writes it
    lock: str  # hash-locked environment that writes it, relative to the workspace
    left_out: dict  # case -> why this corpus does not hold it
    renamed_pins: dict  # pinned variable -> the name this release reads it under
    unhonoured_pins: dict  # pinned variable -> why this release does not honour it
    requirements: tuple = ()  # what tools/lock resolves for a past release (today's: requirements.in)
    kinds: tuple = None  # the kinds of case it writes; None: every kind (today's)

    def pinned(self, distribution):
        """The version of distribution its requirements pin, or None."""
        pins = [r.split("==", 1)[1] for r in self.requirements if r.startswith(distribution + "==")]
        return pins[0] if pins else None

    @property
    def torchao(self):
        return self.pinned("torchao")

    @property
    def executorch(self):
        return self.pinned("executorch")

    @property
    def directory(self):
        return directory(self.name)

    @property
    def is_today(self):
        return self.name == TODAY

    @property
    def identifier(self):
        return identifier(self.name)

    def holds(self, case):
        return self.why_not(case) is None

    def why_not(self, case):
        """Why this corpus does not hold the case (its release cannot write it), or None if it does."""
        if self.kinds is not None and case.kind not in self.kinds:
            return "it writes %s cases only, not %s" % (", ".join(self.kinds), case.kind)
        return self.left_out.get(case.name)

    def generator(self, case):
        """The Bazel target that writes the case's files of this corpus (bc/defs.bzl names it)."""
        return "//bc:generate_%s%s" % (case.name, "" if self.is_today else "_" + self.identifier)


def directory(name):
    """A corpus's folder, relative to the workspace (and to a test's runfiles)."""
    return manifest.GOLDEN_DIR if name == TODAY else os.path.join(manifest.GOLDEN_DIR, name)


def identifier(name):
    """A corpus's name in test methods and Bazel targets: today, 1_6_0, torchao_0_7_0."""
    return name.replace(".", "_").replace("-", "_")


def load(path=RELEASES_PATH):
    """Every corpus, today's first, then the releases oldest first."""
    constants = case_table.read_constants(path)
    corpora = [
        Corpus(
            name=constants["TODAY"],
            python="3.11",
            lock=TODAY_LOCK,
            left_out=dict(constants["TODAY_LEFT_OUT"]),
            renamed_pins={},
            unhonoured_pins={},
        )
    ]
    for entry in constants["RELEASES"]:
        release = entry["release"]
        corpora.append(
            Corpus(
                name=release,
                python=entry["python"],
                lock=lock_path(release),
                left_out=dict(entry.get("left_out", {})),
                renamed_pins=dict(entry.get("renamed_pins", {})),
                unhonoured_pins=dict(entry.get("unhonoured_pins", {})),
                requirements=tuple(entry["requirements"]),
                kinds=tuple(entry["kinds"]),
            )
        )
    return {corpus.name: corpus for corpus in corpora}


def torch_builds(path=RELEASES_PATH):
    """{build: its entry} of bc/releases.bzl's TORCH_BUILDS: the torch builds besides today's lock."""
    return {entry["build"]: entry for entry in case_table.read_constants(path)["TORCH_BUILDS"]}


def locked_builds(path=RELEASES_PATH):
    """The torch builds with a lock of their own (build_lock): all but a wheel build, which takes a lock's pins
    at fetch (third_party/builds/wheel.py)."""
    return {build: entry for build, entry in torch_builds(path).items() if not entry.get("wheel")}


def build_lock(build):
    """The lock of a torch build, relative to the workspace."""
    return os.path.join("third_party", "builds", build, "requirements_lock.txt")


def ci_left_out(path=RELEASES_PATH):
    """{release: why} of the past releases whose environments CI never makes (bc/releases.bzl, CI_LEFT_OUT)."""
    return dict(case_table.read_constants(path)["CI_LEFT_OUT"])


def every_lock(path=RELEASES_PATH):
    """Every lock of the workspace, relative to it: today's, each past release's, each torch build's."""
    return [corpus.lock for corpus in load(path).values()] + [build_lock(build) for build in locked_builds(path)]


def torchao_pairs(path=RELEASES_PATH):
    """{torchao release: the torch it was built against}, bc/releases.bzl's TORCHAO_PAIRS."""
    return dict(case_table.read_constants(path)["TORCHAO_PAIRS"])


def transformers_pairs(path=RELEASES_PATH):
    """{torchao release: the transformers paired with it}, bc/releases.bzl's TRANSFORMERS_PAIRS."""
    return dict(case_table.read_constants(path)["TRANSFORMERS_PAIRS"])


def executorch_pairs(path=RELEASES_PATH):
    """{executorch release: (torch, torchao or None)}, bc/releases.bzl's EXECUTORCH_PAIRS."""
    return {release: tuple(pair) for release, pair in case_table.read_constants(path)["EXECUTORCH_PAIRS"].items()}


def lock_path(release):
    return os.path.join("third_party", "releases", release, "requirements_lock.txt")


def get(name, path=RELEASES_PATH):
    corpora = load(path)
    if name not in corpora:
        raise case_table.TableError(
            "no corpus %r; corpora: %s (past releases are listed in %s)" % (name, ", ".join(corpora), RELEASES_NAME)
        )
    return corpora[name]
