"""Reads the host CPU's feature flags the way Linux spells them in /proc/cpuinfo.

Used at fetch time by the @host_cpu repository rule and by tests. The flag
that matters here is `avx512_vnni`: quantized LSTM numerics differ on CPUs
that have it (PyTorch issues 43209, 59098). PyTorch's own check once looked
for `avx512vnni`, which Linux never prints, and so never skipped (issue 67685).
"""

import sys

AVX512_VNNI = "avx512_vnni"


def parse_flags(cpuinfo_text):
    """The feature flags of the first processor listed in /proc/cpuinfo text."""
    for line in cpuinfo_text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def has_avx512_vnni(flags):
    return AVX512_VNNI in flags


def main(argv):
    path = argv[1] if len(argv) > 1 else "/proc/cpuinfo"
    with open(path, encoding="utf-8", errors="replace") as f:
        flags = parse_flags(f.read())
    print("true" if has_avx512_vnni(flags) else "false")


if __name__ == "__main__":
    main(sys.argv)
