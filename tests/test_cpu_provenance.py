"""The CPU that wrote a corpus: its record (bc/corpus/cpu_record.py), manifests compared
without it (bc/manifest.py), and differences measured in ulps (bc/corpus/ulps.py)."""

import io
import struct
import zipfile

from bc import manifest
from bc.corpus import cpu_record, ulps

INTEL = """processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 106
model name\t: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz
flags\t\t: fpu sse4_2 avx2 fma avx512f avx512bw avx512_vnni

processor\t: 1
vendor_id\t: SomethingElse
"""


def test_host_cpu_reads_the_first_processor_and_the_flags_the_pins_depend_on(tmp_path):
    path = tmp_path / "cpuinfo"
    path.write_text(INTEL)
    assert cpu_record.host_cpu(str(path)) == {
        "vendor": "GenuineIntel",
        "family": "6",
        "model": "106",
        "model_name": "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz",
        "flags": ["avx2", "fma", "avx512f", "avx512bw", "avx512_vnni"],
    }


def test_describe_cpu_says_when_nothing_is_recorded():
    assert cpu_record.one_line(None) == "an unrecorded CPU"
    line = cpu_record.one_line({"vendor": "AuthenticAMD", "family": "25", "model": "17", "model_name": "AMD EPYC", "flags": ["avx2"]})
    assert line == "AMD EPYC (AuthenticAMD, family 25, model 17; avx2)"


def _manifest(tmp_path, name, cpu, digest="0" * 64):
    record = manifest.Manifest(case="c", origin="o", producer={"torch": "2.13.0", "cpu": cpu}, files={"f.pt": digest})
    path = tmp_path / name
    manifest.write(str(path), record)
    return str(path)


def test_manifests_that_differ_only_in_the_writing_cpu_record_the_same_files(tmp_path):
    intel = _manifest(tmp_path, "intel.json", {"vendor": "GenuineIntel"})
    amd = _manifest(tmp_path, "amd.json", {"vendor": "AuthenticAMD"})
    other = _manifest(tmp_path, "other.json", {"vendor": "AuthenticAMD"}, digest="1" * 64)
    assert manifest.same_record(intel, amd)
    assert not manifest.same_record(amd, other)
    assert not manifest.same_record(amd, str(tmp_path / "missing.json"))
    assert manifest.written_on(intel) == {"vendor": "GenuineIntel"}


def _archive(path, data, code=b"code"):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", code)
        archive.writestr("archive/data/0", data)
    return str(path)


def _floats(*values):
    return struct.pack("<%df" % len(values), *values)


def test_distance_counts_float32_ulps_in_tensor_data(tmp_path):
    one = 1.4874693155288696
    next_up = struct.unpack("<f", struct.pack("<I", struct.unpack("<I", struct.pack("<f", one))[0] + 1))[0]
    left = _archive(tmp_path / "a.pt", _floats(one, 2.0, -3.0))
    right = _archive(tmp_path / "b.pt", _floats(next_up, 2.0, -3.0))
    found = ulps.distance(left, right)
    assert [d.line() for d in found] == ["archive/data/0: 1 of 3 float32 element(s) differ, by at most 1 ulp(s)"]
    assert ulps.summary(found) == "tensor data only, by at most 1 ulp(s) (1 element(s) differ)"
    assert ulps.distance(left, left) == []
    assert ulps.summary([]) == "identical bytes"


def test_distance_across_zero_counts_the_ulps_between():
    # +0 and -0: other bits, the same value, no ulp apart.
    assert ulps.float32_distance(_floats(0.0), _floats(-0.0)) == (1, 1, 0)
    smallest = struct.unpack("<f", struct.pack("<I", 1))[0]
    assert ulps.float32_distance(_floats(smallest), _floats(-smallest)) == (1, 1, 2)


def test_distance_says_when_more_than_tensor_data_differ(tmp_path):
    left = _archive(tmp_path / "a.pt", _floats(1.0), code=b"code")
    right = _archive(tmp_path / "b.pt", _floats(1.0), code=b"other code")
    assert ulps.summary(ulps.distance(left, right)) == (
        "not only tensor data differ: archive/data.pkl: differs (not tensor data of the same size)"
    )
    legacy = tmp_path / "legacy.pt"
    legacy.write_bytes(b"\x80\x02not a zip")
    assert ulps.summary(ulps.distance(left, str(legacy))).startswith("not only tensor data differ: (whole file")
