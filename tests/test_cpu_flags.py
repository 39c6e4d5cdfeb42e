"""@host_cpu's detection reads the flag as Linux spells it."""

from third_party.host_cpu import cpu_flags

CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
flags\t\t: fpu vme sse2 avx2 avx512f avx512_vnni avx512_bf16
bogomips\t: 4200.00

processor\t: 1
flags\t\t: fpu vme sse2 avx2 avx512f avx512_vnni avx512_bf16
"""


def test_linux_spelling_is_detected():
    assert cpu_flags.has_avx512_vnni(cpu_flags.parse_flags(CPUINFO))


def test_pytorch_issue_67685_spelling_is_not_a_flag():
    # PyTorch's check once looked for "avx512vnni", which Linux never prints.
    flags = cpu_flags.parse_flags(CPUINFO.replace("avx512_vnni", "avx512vnni"))
    assert not cpu_flags.has_avx512_vnni(flags)


def test_avx_vnni_is_a_different_feature():
    flags = cpu_flags.parse_flags("flags : fpu avx2 avx_vnni\n")
    assert not cpu_flags.has_avx512_vnni(flags)


def test_no_flags_line_means_no_features():
    assert cpu_flags.parse_flags("processor : 0\n") == frozenset()


def test_this_host(tmp_path, capsys):
    # The repository rule runs main(); it must print exactly true or false.
    path = tmp_path / "cpuinfo"
    path.write_text(CPUINFO)
    cpu_flags.main(["cpu_flags.py", str(path)])
    assert capsys.readouterr().out == "true\n"
