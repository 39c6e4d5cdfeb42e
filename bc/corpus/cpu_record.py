"""The CPU a process runs on, as manifests record it.

A manifest names the CPU that wrote its files (bc/corpus/pinned.py puts it in the
producer record), so that a corpus checked on another CPU can say which two
CPUs differ when bytes do (bc/corpus/regenerate.py --check).
"""

# The CPU features the pins hold the libraries below (recorded in manifests:
# a corpus written on one CPU and checked on another says which).
CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "amx_tile")


def host_cpu(cpuinfo_path="/proc/cpuinfo"):
    """The CPU this process runs on: vendor, family, model, model name, and which of CPU_FLAGS it has."""
    fields = {}
    with open(cpuinfo_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                break  # the first processor describes them all
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
    flags = set(fields.get("flags", "").split())
    return {
        "vendor": fields.get("vendor_id", "unknown"),
        "family": fields.get("cpu family", "unknown"),
        "model": fields.get("model", "unknown"),
        "model_name": fields.get("model name", "unknown"),
        "flags": [flag for flag in CPU_FLAGS if flag in flags],
    }


def one_line(cpu):
    """One line for a manifest's CPU record: 'AMD EPYC (AuthenticAMD, family 25, model 17; avx2 fma ...)'."""
    if not cpu:
        return "an unrecorded CPU"
    return "%s (%s, family %s, model %s; %s)" % (
        cpu.get("model_name"), cpu.get("vendor"), cpu.get("family"), cpu.get("model"), " ".join(cpu.get("flags", []))
    )
