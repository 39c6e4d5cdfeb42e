"""The pinned configuration that golden files are generated under.

Two regenerations, from checkouts at different paths on any x86-64 machine
with AVX2 (the least fbgemm runs on), give the same bytes because every input
of the numerics is fixed here:
  * engine fbgemm, the seed's generation engine, and one seed per case;
  * one thread, so reductions run in one order, and ATen's own float
    convolution, not oneDNN's (bc/corpus/generate.py turns mkldnn off);
  * ATen, fbgemm, oneDNN and MKL held to the same instruction set on every
    machine (AVX2), whatever the CPU's vendor and model (docs/reproducibility.md;
    CPU_VARIANTS are what //bc:cpu_invariance_test holds them to);
  * PYTHONHASHSEED=0, so pickled sets (get_attr targets) keep one order.
The environment must be set before torch loads: enter() re-executes the
process with it. check() then confirms that torch honoured it.

A past release (bc/releases.bzl) may read a variable under an older name; the
generator sets both names, says so, and the manifest records it.
"""

import os
import platform
import sys
import zlib

from bc import case_table, corpora
from bc.corpus import cpu_record
from third_party.pypi import lockfile

ENGINE = "fbgemm"
ENVIRONMENT = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "FBGEMM_ENABLE_INSTRUCTIONS": "AVX2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_CBWR": "COMPATIBLE",
    # MKL 2019.0.5 and 2020.0 (in torch 1.6.0, 1.10.2, 1.13.1) pick SGEMM's kernels by the CPU type
    # they detect and ignore MKL_CBWR and MKL_ENABLE_INSTRUCTIONS for it; this is the type they read
    # instead of the CPU's: 5, Intel AVX2. oneMKL 2024 (today's torch) ignores it. Measured in
    # docs/reproducibility.md; //bc:cpu_invariance_test holds it.
    "MKL_DEBUG_CPU_TYPE": "5",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
}
LOCK_PATH = corpora.TODAY_LOCK

# The CPU variants that //bc:cpu_invariance_test generates under (bc/corpus/cpu_variants.bzl).
_VARIANTS = case_table.read_constants(os.path.join(os.path.dirname(os.path.abspath(__file__)), "cpu_variants.bzl"))
CPU_VARIANTS = _VARIANTS["CPU_VARIANTS"]
CPU_CONTROL = _VARIANTS["CPU_CONTROL"]
CPU_SENSITIVE_CASES = tuple(_VARIANTS["CPU_SENSITIVE_CASES"])
MKL_CBWR_VARIANTS = tuple(_VARIANTS["MKL_CBWR_VARIANTS"])
CONTROLLED_RELEASES = tuple(_VARIANTS["CONTROLLED_RELEASES"])


def environment(renamed_pins=None, variant=None):
    """ENVIRONMENT with a CPU variant's values, each renamed pin also under the name a release reads it by."""
    pins = dict(ENVIRONMENT, **CPU_VARIANTS[variant]) if variant else dict(ENVIRONMENT)
    for name, old_name in (renamed_pins or {}).items():
        pins[old_name] = pins[name]
    return pins


def _command_line():
    """This process's command line (sys.orig_argv came with CPython 3.10)."""
    if hasattr(sys, "orig_argv"):
        return sys.orig_argv
    flags = "".join(
        letter for letter, on in (("s", sys.flags.no_user_site), ("S", sys.flags.no_site), ("B", sys.flags.dont_write_bytecode)) if on
    )
    return [sys.executable] + (["-" + flags] if flags else []) + sys.argv


def enter(pins=ENVIRONMENT):
    """Re-executes this process under pins unless it already runs under them."""
    if all(os.environ.get(key) == value for key, value in pins.items()):
        return
    os.execve(sys.executable, _command_line(), dict(os.environ, **pins))


def seed_for(case_name):
    """A seed per case: adding or editing one case leaves the others' bytes alone."""
    return zlib.crc32(case_name.encode("utf-8"))


def locked(distribution, lock_path=LOCK_PATH):
    """(version, sha256 or None) of a distribution's pin in a lock written by tools/lock."""
    with open(lock_path, encoding="utf-8") as f:
        found = lockfile.pin(f.read(), distribution, source=lock_path)
    return found.version, (found.hashes[0] if found.hashes else None)


def locked_version(distribution, lock_path=LOCK_PATH):
    return locked(distribution, lock_path)[0]


def refusals(
    torch_version, locked_torch, supported_engines, cpu_capability, fbgemm_saturates, environ, pins=ENVIRONMENT, unhonoured=()
):
    """Why generating here would not give the committed bytes; [] when it would.

    unhonoured: pins the release is recorded (bc/releases.bzl) not to honour;
    their effect is not required, and the manifest says so.
    """
    reasons = []
    # A lock from PyPI pins the public version; the wheel reports its build too (1.10.2+cu102).
    if torch_version != locked_torch and ("+" in locked_torch or torch_version.split("+")[0] != locked_torch):
        reasons.append("torch %s is not the locked torch %s" % (torch_version, locked_torch))
    if ENGINE not in supported_engines:
        reasons.append("this torch build has no %s engine (engines: %s)" % (ENGINE, supported_engines))
        return reasons
    drifted = sorted(k for k, v in pins.items() if environ.get(k) != v)
    if drifted:
        reasons.append("environment not pinned: %s" % ", ".join(drifted))
    if cpu_capability != "AVX2":
        reasons.append(
            "ATen runs %s kernels, not AVX2: ATEN_CPU_CAPABILITY had no effect, or this CPU lacks AVX2"
            % cpu_capability
        )
    if not fbgemm_saturates and "FBGEMM_ENABLE_INSTRUCTIONS" not in unhonoured:
        reasons.append("fbgemm does not run its AVX2 kernels: FBGEMM_ENABLE_INSTRUCTIONS had no effect")
    return reasons


def check(lock_path=LOCK_PATH, corpus=None, variant=None):
    """Refusal reasons for this process, and the producer record for manifests.

    corpus: a past release's (bc/corpora.py); None for today's.
    variant: a CPU_VARIANTS name, for //bc:cpu_invariance_test's probes only.
    """
    import torch

    from bc import engines, torch_api

    renamed = dict(corpus.renamed_pins) if corpus else {}
    unhonoured = dict(corpus.unhonoured_pins) if corpus else {}
    pins = environment(renamed, variant)
    supported = engines.supported_engines()
    saturates = ENGINE in supported and engines.fbgemm_saturates()
    capability = torch_api.cpu_capability()
    locked_torch, wheel_sha256 = locked("torch", lock_path)
    reasons = refusals(
        torch_version=torch.__version__,
        locked_torch=locked_torch,
        supported_engines=supported,
        cpu_capability=capability,
        fbgemm_saturates=saturates,
        environ=os.environ,
        pins=pins,
        unhonoured=unhonoured,
    )
    producer = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "engine": ENGINE,
        "instruction_set": capability,
        "environment": dict(ENVIRONMENT),
        "cpu": cpu_record.host_cpu(),
    }
    if variant:
        producer["cpu_variant"] = variant
    if corpus is not None:
        producer.update(
            release=corpus.name,
            torch_wheel_sha256=wheel_sha256,
            lock=corpus.lock,
            environment=pins,
            renamed_pins=renamed,
            unhonoured_pins=unhonoured,
            fbgemm_kernels="AVX2 (saturating)" if saturates else "exact (not AVX2's)",
        )
    return reasons, producer
