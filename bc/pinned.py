"""The pinned configuration that golden files are generated under.

Two regenerations, from checkouts at different paths on any x86-64 machine
with AVX2 (the least fbgemm runs on), give the same bytes because every input
of the numerics is fixed here:
  * engine fbgemm, the seed's generation engine, and one seed per case;
  * one thread, so reductions run in one order;
  * ATen, fbgemm, oneDNN and MKL held to the same instruction set on every
    machine (ATen/fbgemm/oneDNN: AVX2; MKL: its vendor-neutral path);
  * PYTHONHASHSEED=0, so pickled sets (get_attr targets) keep one order.
The environment must be set before torch loads: enter() re-executes the
process with it. check() then confirms that torch honoured it.
"""

import os
import platform
import re
import sys
import zlib

ENGINE = "fbgemm"
ENVIRONMENT = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "FBGEMM_ENABLE_INSTRUCTIONS": "AVX2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_CBWR": "COMPATIBLE",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
}
LOCK_PATH = "requirements_lock.txt"


def enter():
    """Re-executes this process under ENVIRONMENT unless it already runs under it."""
    if all(os.environ.get(key) == value for key, value in ENVIRONMENT.items()):
        return
    os.execve(sys.executable, sys.orig_argv, dict(os.environ, **ENVIRONMENT))


def seed_for(case_name):
    """A seed per case: adding or editing one case leaves the others' bytes alone."""
    return zlib.crc32(case_name.encode("utf-8"))


def locked_version(distribution, lock_path=LOCK_PATH):
    with open(lock_path, encoding="utf-8") as f:
        match = re.search(r"^%s==(\S+)" % re.escape(distribution), f.read(), re.MULTILINE)
    if not match:
        raise ValueError("%s pins no %s" % (lock_path, distribution))
    return match.group(1)


def refusals(torch_version, locked_torch, supported_engines, cpu_capability, fbgemm_saturates, environ):
    """Why generating here would not give the committed bytes; [] when it would."""
    reasons = []
    if torch_version != locked_torch:
        reasons.append(
            "torch %s is not the locked torch %s (requirements_lock.txt)" % (torch_version, locked_torch)
        )
    if ENGINE not in supported_engines:
        reasons.append("this torch build has no %s engine (engines: %s)" % (ENGINE, supported_engines))
        return reasons
    drifted = sorted(k for k, v in ENVIRONMENT.items() if environ.get(k) != v)
    if drifted:
        reasons.append("environment not pinned: %s" % ", ".join(drifted))
    if cpu_capability != "AVX2":
        reasons.append(
            "ATen runs %s kernels, not AVX2: ATEN_CPU_CAPABILITY had no effect, or this CPU lacks AVX2"
            % cpu_capability
        )
    if not fbgemm_saturates:
        reasons.append("fbgemm does not run its AVX2 kernels: FBGEMM_ENABLE_INSTRUCTIONS had no effect")
    return reasons


def check(lock_path=LOCK_PATH):
    """Refusal reasons for this process, and the producer record for manifests."""
    import torch

    from bc import engines

    supported = engines.supported_engines()
    reasons = refusals(
        torch_version=torch.__version__,
        locked_torch=locked_version("torch", lock_path),
        supported_engines=supported,
        cpu_capability=torch.backends.cpu.get_cpu_capability(),
        fbgemm_saturates=ENGINE in supported and engines.fbgemm_saturates(),
        environ=os.environ,
    )
    producer = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "engine": ENGINE,
        "instruction_set": torch.backends.cpu.get_cpu_capability(),
        "environment": dict(ENVIRONMENT),
    }
    return reasons, producer
