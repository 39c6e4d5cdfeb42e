"""The checks of an ExecuTorch program file (.pte) before the runtime reads it (bc/pte_files.py): every committed
program and sample passes and reads as executorch's own deserializer read it, and each hostile or damaged file
is refused in one line naming the field. Needs neither torch nor executorch: the samples in tests/data/pte were
written by executorch 1.5.1 (mixed_*) and re-serialized by 1.0.0's serializer (et100_*), and their
<name>.contents.json by executorch's deserialize_pte_binary."""

import glob
import json
import os
import random
import struct

import pytest

from bc import formats, pte_files

SAMPLE_DIR = "tests/data/pte"
COMMITTED = sorted(glob.glob("serialized/**/*.pte", recursive=True))
SAMPLES = sorted(glob.glob(os.path.join(SAMPLE_DIR, "*.pte")))
# Its delegate's blob and two named blobs are segments; it also calls one portable operator (aten::cumsum.out).
SEGMENTED = os.path.join(SAMPLE_DIR, "mixed_xnnpack_q8_segment.pte")
# The same program as executorch 1.0.0 writes it (flatc), its delegate's blob inline in the flatbuffer.
INLINE = os.path.join(SAMPLE_DIR, "et100_mixed_xnnpack_q8_inline.pte")


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _deref(data, at):
    return at + struct.unpack_from("<I", data, at)[0]


def _at(data, *path):
    """Byte position of what path (field names and vector indices from the root table) names: a scalar, or the
    uint32 offset to a string, table or vector; None if its table leaves it out (a scalar at its default).
    Follows the schema in bc/pte_files.py, as flatbuffers lays it out."""
    at, kind = 0, "Program"
    for step in path:
        target = _deref(data, at)
        if isinstance(step, int):
            at, kind = target + 4 + 4 * step, kind[1:-1]
            continue
        fields = pte_files.SCHEMA[kind]
        vtable = target - struct.unpack_from("<i", data, target)[0]
        slot = 4 + 2 * [name for name, _ in fields].index(step)
        vsize = struct.unpack_from("<H", data, vtable)[0]
        relative = struct.unpack_from("<H", data, vtable + slot)[0] if slot < vsize else 0
        if not relative:
            return None
        at, kind = target + relative, dict(fields)[step]
    return at


def _patched(data, at, fmt, value):
    data = bytearray(data)
    struct.pack_into("<" + fmt, data, at, value)
    return bytes(data)


def _header(data):
    """(program_size, segment_base_offset, segment_data_size) of a file with an extended header."""
    return struct.unpack_from("<QQQ", data, pte_files.HEADER_AT + 8)


@pytest.mark.parametrize("path", COMMITTED + SAMPLES)
def test_every_committed_program_and_sample_passes(path):
    assert pte_files.problems(path) == []
    found = pte_files.contents(path)
    expected = os.path.join(SAMPLE_DIR, os.path.basename(path)[: -len(".pte")] + ".contents.json")
    if os.path.exists(expected):
        with open(expected) as f:
            assert found == json.load(f)
    assert found["plans"] and all(name.count("::") == 1 for name in found["operators"])


def test_the_samples_cover_segments_inline_data_and_both_writers():
    assert pte_files.contents(SEGMENTED) == pte_files.contents(INLINE)
    for path in (SEGMENTED, INLINE):
        data = _read(path)
        assert data[4:8] == pte_files.FILE_IDENTIFIER and data[8:12] == pte_files.HEADER_MAGIC
    assert struct.unpack_from("<b", _read(SEGMENTED), _at(_read(SEGMENTED), "execution_plan", 0, "delegates", 0,
                                                             "processed", "location"))[0] == pte_files.SEGMENT
    # INLINE (0) is flatbuffers' default, which its writer leaves out of the table.
    assert _at(_read(INLINE), "execution_plan", 0, "delegates", 0, "processed", "location") is None


def test_bytes_and_path_read_the_same():
    assert pte_files.contents(_read(SEGMENTED)) == pte_files.contents(SEGMENTED)
    assert pte_files.contents(bytearray(_read(INLINE))) == pte_files.contents(INLINE)


def test_registered_names_are_checked_when_given():
    registered = {"operators": {"aten::cumsum.out"}, "backends": {"XnnpackBackend"}}
    assert pte_files.problems(SEGMENTED, **registered) == []
    assert pte_files.problems(SEGMENTED, operators=set()) == [
        "execution_plan[0].operators[0]: operator aten::cumsum.out is not one the runtime registers"]
    assert pte_files.problems(SEGMENTED, backends={"CoreMLBackend"}) == [
        "execution_plan[0].delegates[0].id: backend XnnpackBackend is not one the runtime registers"]


def _truncated_in_flatbuffer(data):
    return data[: _header(data)[0] - 100]


def _truncated_in_segment(data):
    return data[: _header(data)[1] + 100]


def _segment_offset_past_the_end(data):
    # The delegate's blob moved to segments[2], whose offset (not a default 0, so present) goes past the end.
    data = _patched(data, _at(data, "execution_plan", 0, "delegates", 0, "processed", "index"), "I", 2)
    return _patched(data, _at(data, "segments", 2, "offset"), "Q", 10**9)


def _string_with(field, text):
    """Replaces a string of the first plan's first operator or delegate by `text`, of the same length."""

    def damage(data):
        at = _deref(data, _at(data, "execution_plan", 0, *field))
        length = struct.unpack_from("<I", data, at)[0]
        assert len(text) == length
        return data[: at + 4] + text + data[at + 4 + length :]

    return damage


HOSTILE = {
    "empty": (lambda data: b"", "0 bytes, shorter than the 64 the runtime reads first (kNumHeadBytes)"),
    "truncated_in_the_header": (lambda data: data[:40], "40 bytes, shorter than"),
    "truncated_in_the_flatbuffer": (_truncated_in_flatbuffer, "extended header: program_size 1416 reaches past "
                                                              "the end of the file (1316 bytes)"),
    "truncated_in_a_segment": (_truncated_in_segment, "extended header: segment_data_size 1296 reaches past the "
                                                      "end of the file (1636 bytes)"),
    "wrong_identifier": (lambda data: data[:4] + b"ET11" + data[8:], "file identifier b'ET11' at bytes 4..8 is not "
                                                                     "ET12"),
    "program_size_inflated": (lambda data: _patched(data, 16, "Q", 2**40), "extended header: program_size "
                                                                          "1099511627776 reaches past the end"),
    "program_size_short": (lambda data: _patched(data, 16, "Q", 20), "does not hold the flatbuffer's first 8"),
    "header_length_short": (lambda data: _patched(data, 12, "I", 16), "extended header: length 16 is shorter"),
    "segment_base_offset_past_the_end": (lambda data: _patched(data, 24, "Q", len(data) + 128),
                                         "extended header: segment_base_offset 2960 is past the end of the file"),
    "segment_base_offset_inside_the_program": (lambda data: _patched(data, 24, "Q", 64),
                                               "extended header: segment_base_offset 64 is inside the program"),
    "segment_data_size_inflated": (lambda data: _patched(data, 32, "Q", 2**64 - 1),
                                   "extended header: segment_data_size 18446744073709551615 reaches past the end"),
    "root_offset_into_the_header": (lambda data: _patched(data, 0, "I", 12), "root table offset 12 is not between "
                                                                             "40"),
    "delegate_segment_past_the_end": (lambda data: _patched(data, _at(data, "execution_plan", 0, "delegates", 0,
                                                                      "processed", "index"), "I", 7),
                                      "execution_plan[0].delegates[0].processed.index 7 is not below the 4 segments"),
    "delegate_location_unknown": (lambda data: _patched(data, _at(data, "execution_plan", 0, "delegates", 0,
                                                                  "processed", "location"), "b", 5),
                                  "processed.location 5 is neither INLINE (0) nor SEGMENT (1)"),
    "segment_offset_past_the_end": (_segment_offset_past_the_end, "segments[2]: offset 1000000000 + size 32 reaches "
                                                                  "past segment_data_size 1296"),
    "segment_size_2**63": (lambda data: _patched(data, _at(data, "segments", 1, "size"), "Q", 2**63),
                           "segments[1]: offset 0 + size 9223372036854775808 reaches past segment_data_size 1296"),
    "segment_size_2**64-1": (lambda data: _patched(data, _at(data, "segments", 1, "size"), "Q", 2**64 - 1),
                             "segments[1]: offset 0 + size 18446744073709551615 reaches past"),
    "named_data_segment_missing": (lambda data: _patched(data, _at(data, "named_data", 1, "segment_index"), "I", 4),
                                   "named_data[1].segment_index 4 is not below the 4 segments"),
    "vtable_outside": (lambda data: _patched(data, _deref(data, _at(data, "execution_plan", 0)), "i", 2**31 - 1),
                       "execution_plan[0]: its vtable at byte -"),
    "vtable_size_past_the_end": (lambda data: _patched(data, _deref(data, 0) - struct.unpack_from(
                                     "<i", data, _deref(data, 0))[0], "H", 0xFFFE), "root table: its vtable at byte"),
    "string_length_past_the_end": (lambda data: _patched(data, _deref(data, _at(data, "execution_plan", 0, "operators",
                                                                                0, "name")), "I", 2**24),
                                   "execution_plan[0].operators[0].name: a string of 16777216 bytes reaches past"),
    "string_without_nul": (lambda data: _patched(data, _deref(data, _at(data, "execution_plan", 0, "name")), "I", 6),
                           "execution_plan[0].name: the string of 6 bytes at byte"),
    "vector_length_2**32-1": (lambda data: _patched(data, _deref(data, _at(data, "execution_plan", 0, "values")), "I",
                                                    2**32 - 1),
                              "execution_plan[0].values: 4294967295 elements of 4 bytes reach past the end"),
    "offset_to_itself": (lambda data: _patched(data, _at(data, "execution_plan", 0, "delegates", 0), "I", 0),
                         "execution_plan[0].delegates[0]: the offset at byte"),
    "offset_outside": (lambda data: _patched(data, _at(data, "segments"), "I", 2**31 + 8),
                       "segments: offset 2147483656 at byte"),
    "operator_name_with_nul": (_string_with(("operators", 0, "name"), b"aten::cum\0um"),
                               "execution_plan[0].operators[0].name 'aten::cum\\x00um' is not namespace::name"),
    "operator_name_not_utf8": (_string_with(("operators", 0, "name"), b"aten::\xff\xfe\xfdsum"),
                               "execution_plan[0].operators[0].name: not UTF-8 (byte 6 of 12)"),
    "operator_name_without_namespace": (_string_with(("operators", 0, "name"), b"aten..cumsum"),
                                        "'aten..cumsum' is not namespace::name"),
    "operator_overload_not_an_identifier": (_string_with(("operators", 0, "overload"), b"o/t"),
                                            "execution_plan[0].operators[0].overload 'o/t' is not an identifier"),
    "delegate_id_not_an_identifier": (_string_with(("delegates", 0, "id"), b"../../evil.so\0"),
                                      "execution_plan[0].delegates[0].id '../../evil.so\\x00' is not an identifier"),
    "instruction_type_unknown": (lambda data: _patched(data, _at(data, "execution_plan", 0, "chains", 0,
                                                                 "instructions", 0, "instr_args_type"), "B", 9),
                                 "instr_args_type 9 is not one of the 5 InstructionArguments the runtime knows"),
    "evalue_type_none": (lambda data: _patched(data, _at(data, "execution_plan", 0, "values", 1, "val_type"), "B", 0),
                         "execution_plan[0].values[1].val_type 0 is not one of the 11 KernelTypes"),
    "input_not_a_value": (lambda data: _patched(data, _deref(data, _at(data, "execution_plan", 0, "inputs")) + 4, "i",
                                                99), "execution_plan[0].inputs 99 is not an index of the 5 values"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_refused_in_one_line(name):
    damage, message = HOSTILE[name]
    found = pte_files.problems(damage(_read(SEGMENTED)))
    assert len(found) == 1 and message in found[0], found
    with pytest.raises(pte_files.FileError) as error:
        pte_files.contents(damage(_read(SEGMENTED)))
    assert str(error.value) == found[0]


def test_an_inline_blob_index_past_the_list_is_refused():
    data = _read(INLINE)
    data = _patched(data, _deref(data, _at(data, "backend_delegate_data")), "I", 0)
    assert pte_files.problems(data) == [
        "execution_plan[0].delegates[0].processed.index 0 is not below the 0 inline blobs (backend_delegate_data)"]


def _aliased(count):
    """A flatbuffer whose execution_plan lists one ExecutionPlan `count` times, and whose values list one EValue
    `count` times: count**2 reads through count * 8 bytes of offsets. No extended header."""
    vtables = struct.pack("<HHHH", 8, 8, 0, 4)  # Program: version absent, execution_plan at +4
    vtables += struct.pack("<HHHHHH", 12, 8, 0, 0, 4, 0)  # ExecutionPlan: values at +4
    vtables += struct.pack("<HHHH", 8, 12, 4, 8)  # EValue: val_type at +4, val at +8
    vtables += struct.pack("<HH", 4, 4)  # Null
    start = 64
    v_program, v_plan, v_value, v_null = start, start + 8, start + 20, start + 28
    program = start + len(vtables)
    plans = program + 8
    plan = plans + 4 + 4 * count
    values = plan + 8
    value = values + 4 + 4 * count
    null = value + 12
    data = bytearray(null + 4)
    struct.pack_into("<I4s", data, 0, program, pte_files.FILE_IDENTIFIER)
    data[start : start + len(vtables)] = vtables
    struct.pack_into("<iI", data, program, program - v_program, plans - (program + 4))
    struct.pack_into("<I", data, plans, count)
    for i in range(count):
        struct.pack_into("<I", data, plans + 4 + 4 * i, plan - (plans + 4 + 4 * i))
        struct.pack_into("<I", data, values + 4 + 4 * i, value - (values + 4 + 4 * i))
    struct.pack_into("<iI", data, plan, plan - v_plan, values - (plan + 4))
    struct.pack_into("<I", data, values, count)
    struct.pack_into("<iBxxxI", data, value, value - v_value, 1, null - (value + 8))
    struct.pack_into("<i", data, null, null - v_null)
    return bytes(data)


def test_aliased_offsets_are_refused_without_being_followed():
    found = pte_files.problems(_aliased(2000))
    assert len(found) == 1 and found[0].startswith("flatbuffer: its offsets lead to more than"), found
    # The same layout read once through each offset is only missing what the runtime requires of a plan.
    assert pte_files.problems(_aliased(1)) == [
        "execution_plan[0].%s: missing, and the runtime requires it" % field
        for field in ("name", "inputs", "outputs", "non_const_buffer_sizes")]


def test_a_vtable_at_its_own_table_terminates():
    data = _read(SEGMENTED)
    table = _deref(data, _at(data, "execution_plan", 0))
    assert pte_files.problems(_patched(data, table, "i", 0))


def _mutated(data, seed):
    """data with a few random bytes, words or its length changed."""
    rng = random.Random(seed)
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(data) - 8)
        choice = rng.randrange(4)
        if choice == 0:
            data[at] = rng.randrange(256)
        elif choice == 1:
            struct.pack_into("<I", data, at, rng.choice((0, 1, 2**31 - 1, 2**31, 2**32 - 1, rng.randrange(2**32))))
        elif choice == 2:
            struct.pack_into("<Q", data, at, rng.choice((0, 2**63, 2**64 - 1, rng.randrange(2**64))))
        else:
            del data[rng.randrange(len(data)) :]
            if len(data) < 16:
                break
    return bytes(data)


@pytest.mark.parametrize("seed", range(200))
def test_random_mutations_give_lines_not_exceptions(seed):
    found = pte_files.problems(_mutated(_read(SEGMENTED if seed % 2 else INLINE), seed))
    assert isinstance(found, list) and all(isinstance(line, str) and "\n" not in line for line in found)


@pytest.mark.parametrize("seed", range(20))
def test_random_bytes_give_lines_not_exceptions(seed):
    rng = random.Random(seed)
    data = bytes(rng.randrange(256) for _ in range(rng.randrange(2000)))
    if seed % 2:
        data = data[:4] + pte_files.FILE_IDENTIFIER + data[8:]
    found = pte_files.problems(data)
    assert found and all(isinstance(line, str) for line in found)


def test_a_missing_file_is_a_line(tmp_path):
    assert pte_files.problems(str(tmp_path / "absent.pte"))[0].startswith("cannot read it:")


def test_a_program_s_recorded_format_names_its_delegates_and_a_damaged_one_is_a_format_error(tmp_path):
    """What a manifest records of a program (bc/formats.py): its container and the backends it is delegated to."""
    assert formats.read_format(SEGMENTED) == {"container": "ExecuTorch program", "delegates": ["XnnpackBackend"]}
    assert formats.summary(formats.read_format(SEGMENTED)) == "ExecuTorch program; delegated to XnnpackBackend"
    damaged = tmp_path / "damaged.pte"
    damaged.write_bytes(_read(SEGMENTED)[:1000])
    with pytest.raises(formats.FormatError, match="unreadable ExecuTorch program .extended header"):
        formats.read_format(str(damaged))
