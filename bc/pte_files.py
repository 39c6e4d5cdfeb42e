"""What an ExecuTorch program file (.pte) holds, checked before the runtime reads it: nothing here runs it.

executorch's to_executorch().buffer (exir/_serialize/_program.py serialize_pte_binary, line 406 in 1.0.0 and
416 in 1.5.1) writes a flatbuffer of the schema exir/_serialize/program.fbs (root table Program, file_identifier
"ET12" in both releases) and, when segment data follows it, inserts an extended header just after the
identifier (_insert_flatbuffer_header, _ExtendedHeader: 1.5.1 lines 89-259):

  bytes 0..4     uint32 offset of the root table, as in any flatbuffer
  bytes 4..8     "ET12"
  bytes 8..40    the extended header: "eh00", uint32 length (32), uint64 program_size (the flatbuffer with this
                 header), uint64 segment_base_offset, uint64 segment_data_size; padded to the schema's largest
                 alignment, the root offset moved past it
  ..program_size the rest of the flatbuffer
  segment_base_offset..+segment_data_size: the segments, each Program.segments[i] {offset, size} within them
                 (constants, delegate blobs, named data).

The runtime (runtime/executor/program.cpp Program::load; executorch main at cff6f4d, 1.0.0 the same less the
root-offset check and validate_program, which came in 1.4) reads the first 64 bytes (kNumHeadBytes, lines
84-87; every data loader refuses a read past the end: extension/data_loader/file_data_loader.cpp 154-162), parses
the header (schema/extended_header.cpp ExtendedHeader::Parse, 1.0.0 lines 69-107: magic "eh00" at offset 8,
length >= 24, segment_data_size only when length >= 32), checks segment_base_offset + segment_data_size against
the file (program.cpp 99-120), loads program_size bytes, checks the identifier (165-174), and by default
(Verification::Minimal) only the root offset (209-224): the rest of the flatbuffer it trusts. So here the header
must also hold program_size and keep the segments after it, and every rule of flatbuffers' own Verifier
(include/flatbuffers/verifier.h at 595bf00, the submodule of both 1.0.0 and main) is checked on the program bytes:

  * an offset is not 0 ("may not point to itself"), is below 2**31, and lands inside (VerifyOffset, 256-267);
  * a table's vtable (table - int32 at it) lies inside, with an even size, and so do its fields (VerifyTableStart
    181-196, VerifyField 108-112); a field past the vtable's size is absent (table.h GetOptionalFieldOffset);
  * a vector's uint32 length and its elements, a string's and its NUL terminator, lie inside (VerifyVectorOrString
    143-157, VerifyString 133-139); alignment is not required (the runtime does not verify it by default);
  * at most 1,000,000 tables (Options.max_tables, 28-41); the schema has no recursive table, so its depth (5
    tables) is below max_depth 64, and offsets only point forward, so they cannot loop: aliasing is bounded instead.

then what the runtime dereferences without a check, or refuses later (program.cpp, runtime/executor/method.cpp):

  * an execution plan has name, values, inputs, outputs and non_const_buffer_sizes (program.cpp method_meta
    409-420, program_validation.cpp 86-109); its inputs and outputs index its values (method_meta.cpp 165-180),
    and so do its instructions' args and value fields; op_index and delegate_index index its operators and
    delegates (method.cpp 258-267, 1028-1119, 1511-1518);
  * an EValue's and an Instruction's union type is one the runtime knows, with its table (method.cpp 670-681,
    1032-1036, 1113-1118); an enum field holds one of its values (what executorch's deserializer reads);
  * an operator has a name; name + "." + overload is below 100 bytes (populate_operator_name and
    kTempBufferSizeForName, 698-742); here also: name is namespace::name of identifiers, overload one or empty;
  * a delegate has an id (an identifier here) and processed data: INLINE -> index below len(backend_delegate_data),
    whose data is present; SEGMENT -> index below len(segments); no other location (GetProcessedData 193-226,
    program.cpp get_backend_delegate_data 534-551 and LoadSegment 572-608); a compile spec has key and value
    (PopulateCompileSpecs 163-191);
  * each segment lies within segment_data_size (within the file, for a header of before 1.0 without it), and
    none holds data when the file has none (LoadSegment: NotFound when segment_base_offset is 0);
  * constant_segment, each mutable_data_segments entry and each named_data entry name a segment that exists,
    their offsets within it (program.cpp 250-306, 424-468, 610-694; pte_data_map.cpp 29-63); constant_buffer and
    constant_segment are not both used (265-272).

Strings must be UTF-8 (executorch's Python deserializer reads them as str). The schema below is 1.5.1's; 1.0.0's
is the same less what 1.5.1 appended, which a 1.0.0 file lacks as flatbuffers allows: ExtraTensorInfo.device_type
and device_index, ExecutionPlan.non_const_buffer_device with its table NonConstBufferDevice and enum DeviceType;
and scalar_type.fbs declares BFLOAT16 = 15, a comment in 1.0.0's (whose exir/scalar_type.py has it all the same).
"""

import os
import re
import struct

# schema/program.fbs file_identifier (1.0.0 and 1.5.1), at bytes 4..8 (flatbuffers' buffer identifier).
FILE_IDENTIFIER = b"ET12"
IDENTIFIER_AT = 4
# schema/extended_header.h: kMagic, at kHeaderOffset (just after the identifier).
HEADER_MAGIC = b"eh00"
HEADER_AT = 8
# extended_header.cpp kMinimumHeaderLength: magic, length, program_size, segment_base_offset.
HEADER_MIN_LENGTH = 24
# kHeaderLengthWithSegmentDataSize: with segment_data_size, the length 1.0.0 to 1.5.1 write.
HEADER_LENGTH = 32
# kNumHeadBytes: Program::load reads this many bytes first, so a shorter file is refused.
HEAD_BYTES = 64
# FLATBUFFERS_MAX_BUFFER_SIZE (flatbuffers base.h 342): offsets are signed 32-bit.
MAX_FLATBUFFER = 2**31 - 1
# flatbuffers Verifier::Options max_tables: the verifier refuses a buffer that makes it visit more.
MAX_TABLES = 1_000_000
# Each read here (a table, a vector's length, an offset or 4-byte element, 4 bytes of a string) covers at least 4
# bytes of its own, so a flatbuffer of N bytes needs at most N/4 reads unless offsets alias (executorch's samples
# need N/6 to N/13); N/2 are allowed (a writer may share strings). Beyond, offsets lead back into parts already
# read, so that a few bytes could make the reader read billions: refused, not followed.
BYTES_PER_READ = 2
# method.cpp kTempBufferSizeForName: name.overload with its NUL must fit in 100 bytes.
MAX_OPERATOR_NAME = 99
# program.fbs DataLocation.
INLINE, SEGMENT = 0, 1

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
OPERATOR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_]*")

# program.fbs (1.5.1) as "field:type" in field-id order. A type is a struct format for a scalar (B ubyte/bool,
# b byte, i int, I uint, q long, Q uint64, d double), "string", a table's name, "[type]" a vector, or a union's
# name (its field_type ubyte comes just before it, as flatbuffers lays unions out).
TABLES = {
    "Program": "version:I execution_plan:[ExecutionPlan] constant_buffer:[Buffer] "
               "backend_delegate_data:[BackendDelegateInlineData] segments:[DataSegment] "
               "constant_segment:SubsegmentOffsets mutable_data_segments:[SubsegmentOffsets] named_data:[NamedData]",
    "ExecutionPlan": "name:string container_meta_type:ContainerMetadata values:[EValue] inputs:[i] outputs:[i] "
                     "chains:[Chain] operators:[Operator] delegates:[BackendDelegate] non_const_buffer_sizes:[q] "
                     "non_const_buffer_device:[NonConstBufferDevice]",
    "ContainerMetadata": "encoded_inp_str:string encoded_out_str:string",
    "EValue": "val_type:B val:KernelTypes",
    "Null": "",
    "Int": "int_val:q",
    "Bool": "bool_val:B",
    "Double": "double_val:d",
    "String": "string_val:string",
    "IntList": "items:[q]",
    "DoubleList": "items:[d]",
    "BoolList": "items:[B]",
    "TensorList": "items:[i]",
    "OptionalTensorList": "items:[i]",
    "Tensor": "scalar_type:b storage_offset:i sizes:[i] dim_order:[B] requires_grad:B data_buffer_idx:I "
              "allocation_info:AllocationDetails layout:b shape_dynamism:b extra_tensor_info:ExtraTensorInfo",
    "AllocationDetails": "memory_id:I memory_offset_low:I memory_offset_high:I",
    "ExtraTensorInfo": "mutable_data_segments_idx:Q fully_qualified_name:string location:b device_type:b "
                       "device_index:b",
    "Chain": "inputs:[i] outputs:[i] instructions:[Instruction] stacktrace:[FrameList]",
    "Instruction": "instr_args_type:B instr_args:InstructionArguments",
    "KernelCall": "op_index:i args:[i]",
    "DelegateCall": "delegate_index:i args:[i]",
    "MoveCall": "move_from:i move_to:i",
    "JumpFalseCall": "cond_value_index:i destination_instruction:i",
    "FreeCall": "value_index:i",
    "FrameList": "items:[Frame]",
    "Frame": "filename:string lineno:i name:string context:string",
    "Operator": "name:string overload:string",
    "BackendDelegate": "id:string processed:BackendDelegateDataReference compile_specs:[CompileSpec]",
    "BackendDelegateDataReference": "location:b index:I",
    "CompileSpec": "key:string value:[B]",
    "NonConstBufferDevice": "buffer_idx:i device_type:b device_index:b",
    "Buffer": "storage:[B]",
    "BackendDelegateInlineData": "data:[B]",
    "DataSegment": "offset:Q size:Q",
    "SubsegmentOffsets": "segment_index:I offsets:[Q]",
    "NamedData": "key:string segment_index:I",
}
SCHEMA = {name: [tuple(field.split(":")) for field in fields.split()] for name, fields in TABLES.items()}
# Union members in order: type 0 is NONE, which the runtime refuses as it does any type it does not know.
UNIONS = {
    "KernelTypes": ("Null", "Int", "Bool", "Double", "Tensor", "String", "IntList", "DoubleList", "BoolList",
                    "TensorList", "OptionalTensorList"),
    "InstructionArguments": ("KernelCall", "DelegateCall", "MoveCall", "JumpFalseCall", "FreeCall"),
}
SCALARS = frozenset("BbiIqQd")
# Enum fields and their values (program.fbs; ScalarType's as exir/scalar_type.py has them, alike in 1.0.0 and 1.5.1):
# executorch's deserializer refuses any other value, and the runtime has no meaning for it. DataLocation is checked
# with the delegate that uses it.
ENUMS = {
    ("Tensor", "scalar_type"): ("ScalarType", frozenset(range(18)) | frozenset(range(22, 30))),
    ("Tensor", "shape_dynamism"): ("TensorShapeDynamism", frozenset(range(3))),
    ("ExtraTensorInfo", "location"): ("TensorDataLocation", frozenset(range(2))),
    ("ExtraTensorInfo", "device_type"): ("DeviceType", frozenset(range(2))),
    ("NonConstBufferDevice", "device_type"): ("DeviceType", frozenset(range(2))),
}
# Each instruction's fields that index a list of its execution plan, and which (method.cpp 1028-1119, 1511-1518).
INDICES = {
    "KernelCall": (("op_index", "operators"),),
    "DelegateCall": (("delegate_index", "delegates"),),
    "MoveCall": (("move_from", "values"), ("move_to", "values")),
    "JumpFalseCall": (("cond_value_index", "values"),),
    "FreeCall": (("value_index", "values"),),
}


class FileError(ValueError):
    """What is wrong with the file: one line, naming the field."""


class _Stop(Exception):
    """The flatbuffer makes the reader read more than its size allows: one line, and nothing more is read."""


def _shown(value):
    """A value of the file as a message shows it: at most 100 characters (a string may have millions)."""
    text = repr(value)
    return text if len(text) <= 100 else text[:97] + "..."


class _Flatbuffer:
    """The program's tables as dicts, read with flatbuffers' Verifier's bounds checks. A problem found adds a
    line and leaves that field None; the rest is still read, for its own problems, but a Program read with any
    is not checked further (its None fields may not be missing ones)."""

    def __init__(self, data):
        self.data = memoryview(data)
        self.size = len(data)
        self.problems = []
        self.tables = 0
        self.reads = 0

    def problem(self, text):
        self.problems.append(text)

    def fits(self, at, length):
        return 0 <= at and at + length <= self.size

    def charge(self, reads):
        self.reads += reads
        if self.reads > self.size // BYTES_PER_READ:
            raise _Stop("flatbuffer: its offsets lead to more than %d reads in %d bytes: they alias or overlap"
                        % (self.size // BYTES_PER_READ, self.size))

    def unpack(self, fmt, at):
        return struct.unpack_from("<" + fmt, self.data, at)[0]

    def offset(self, at, where):
        """Where the uint32 offset at `at` (already within) points, or None."""
        relative = self.unpack("I", at)
        if relative == 0:
            self.problem("%s: the offset at byte %d points to itself" % (where, at))
        elif relative >= 2**31 or not self.fits(at + relative, 1):
            self.problem("%s: offset %d at byte %d points outside the flatbuffer (%d bytes)"
                         % (where, relative, at, self.size))
        else:
            return at + relative
        return None

    def table(self, at, name, where):
        self.tables += 1
        if self.tables > MAX_TABLES:
            raise _Stop("flatbuffer: more than %d tables, flatbuffers' verifier limit" % MAX_TABLES)
        self.charge(1)
        label = where or "root table"
        if not self.fits(at, 4):
            self.problem("%s: table at byte %d reaches past the flatbuffer (%d bytes)" % (label, at, self.size))
            return None
        vtable = at - self.unpack("i", at)
        if not self.fits(vtable, 2):
            self.problem("%s: its vtable at byte %d is outside the flatbuffer (%d bytes)" % (label, vtable, self.size))
            return None
        vsize = self.unpack("H", vtable)
        if vsize % 2 or not self.fits(vtable, vsize):
            self.problem("%s: its vtable at byte %d of %d bytes is odd or reaches past the flatbuffer (%d bytes)"
                         % (label, vtable, vsize, self.size))
            return None
        fields = {}
        for i, (field, kind) in enumerate(SCHEMA[name]):
            slot = 4 + 2 * i
            relative = self.unpack("H", vtable + slot) if slot + 2 <= vsize else 0
            here = "%s.%s" % (where, field) if where else field
            if kind in UNIONS:
                fields[field] = self.union(at + relative if relative else None, kind, fields[field + "_type"], here)
            else:
                fields[field] = self.field(at + relative if relative else None, kind, here)
            enum, known = ENUMS.get((name, field), (None, ()))
            if enum and fields[field] is not None and fields[field] not in known:
                self.problem("%s %d is not one of %s's values" % (here, fields[field], enum))
        return fields

    def field(self, at, kind, where):
        if kind in SCALARS:
            if at is None:
                return 0  # every scalar of program.fbs defaults to 0 (CPU is DeviceType 0)
            if not self.fits(at, struct.calcsize(kind)):
                self.problem("%s: at byte %d, past the end of the flatbuffer (%d bytes)" % (where, at, self.size))
                return None
            return self.unpack(kind, at)
        if at is None:
            return None
        if not self.fits(at, 4):
            self.problem("%s: its offset at byte %d is past the end of the flatbuffer (%d bytes)"
                         % (where, at, self.size))
            return None
        target = self.offset(at, where)
        if target is None:
            return None
        if kind == "string":
            return self.string(target, where)
        if kind.startswith("["):
            return self.vector(target, kind[1:-1], where)
        return self.table(target, kind, where)

    def union(self, at, kind, member, where):
        """(member name, its table) of a union field whose _type field held `member`."""
        members = UNIONS[kind]
        if member is None:
            return None  # the _type field itself was out of bounds: already a problem
        if not 1 <= member <= len(members):
            self.problem("%s_type %d is not one of the %d %s the runtime knows" % (where, member, len(members), kind))
            return None
        if at is None:
            self.problem("%s: missing its %s table" % (where, members[member - 1]))
            return None
        found = self.field(at, members[member - 1], where)
        return None if found is None else (members[member - 1], found)

    def vector(self, at, kind, where):
        """A vector's elements: a memoryview for bytes, a tuple for other scalars, a list of tables' dicts."""
        self.charge(1)
        if not self.fits(at, 4):
            self.problem("%s: vector at byte %d reaches past the flatbuffer (%d bytes)" % (where, at, self.size))
            return None
        count = self.unpack("I", at)
        width = struct.calcsize(kind) if kind in SCALARS else 4
        start = at + 4
        if not self.fits(start, count * width):
            self.problem("%s: %d elements of %d bytes reach past the end of the flatbuffer (%d bytes)"
                         % (where, count, width, self.size))
            return None
        if width == 1:
            return self.data[start : start + count]
        self.charge(count)
        if kind in SCALARS:
            return struct.unpack_from("<%d%s" % (count, kind), self.data, start)
        items = []
        for i in range(count):
            here = "%s[%d]" % (where, i)
            target = self.offset(start + 4 * i, here)
            items.append(None if target is None else self.table(target, kind, here))
        return items

    def string(self, at, where):
        self.charge(1)
        if not self.fits(at, 4):
            self.problem("%s: string at byte %d reaches past the flatbuffer (%d bytes)" % (where, at, self.size))
            return None
        length = self.unpack("I", at)
        if not self.fits(at + 4, length + 1):
            self.problem("%s: a string of %d bytes reaches past the end of the flatbuffer (%d bytes)"
                         % (where, length, self.size))
            return None
        if self.data[at + 4 + length] != 0:
            self.problem("%s: the string of %d bytes at byte %d lacks its NUL terminator" % (where, length, at))
            return None
        self.charge(length // 4)
        try:
            return str(self.data[at + 4 : at + 4 + length], "utf-8")
        except UnicodeDecodeError as error:
            self.problem("%s: not UTF-8 (byte %d of %d)" % (where, error.start, length))
            return None


def _layout(head, file_size):
    """(program_size, segment_base_offset, segment_data_size, header length) from the file's first HEAD_BYTES
    (0s after program_size when it has no extended header); FileError with the first thing wrong, since what
    follows is read by these numbers."""
    if file_size < HEAD_BYTES:
        raise FileError("%d bytes, shorter than the %d the runtime reads first (kNumHeadBytes)"
                        % (file_size, HEAD_BYTES))
    if head[IDENTIFIER_AT : IDENTIFIER_AT + 4] != FILE_IDENTIFIER:
        raise FileError("file identifier %s at bytes 4..8 is not %s"
                        % (_shown(bytes(head[IDENTIFIER_AT : IDENTIFIER_AT + 4])), FILE_IDENTIFIER.decode()))
    if head[HEADER_AT : HEADER_AT + 4] != HEADER_MAGIC:
        if file_size > MAX_FLATBUFFER:
            raise FileError("%d bytes of flatbuffer (no extended header), beyond flatbuffers' %d"
                            % (file_size, MAX_FLATBUFFER))
        return file_size, 0, 0, 0
    length, program_size, base = struct.unpack_from("<IQQ", head, HEADER_AT + 4)
    data_size = struct.unpack_from("<Q", head, HEADER_AT + 24)[0] if length >= HEADER_LENGTH else 0
    if length < HEADER_MIN_LENGTH:
        raise FileError("extended header: length %d is shorter than the %d bytes of its fields"
                        % (length, HEADER_MIN_LENGTH))
    if program_size > file_size:
        raise FileError("extended header: program_size %d reaches past the end of the file (%d bytes)"
                        % (program_size, file_size))
    if program_size < HEADER_AT + length:
        raise FileError("extended header: program_size %d does not hold the flatbuffer's first %d bytes and the "
                        "header's %d" % (program_size, HEADER_AT, length))
    if program_size > MAX_FLATBUFFER:
        raise FileError("extended header: program_size %d is beyond flatbuffers' %d" % (program_size, MAX_FLATBUFFER))
    if base == 0:
        if data_size:
            raise FileError("extended header: segment_data_size %d with no segment_base_offset" % data_size)
    elif base < program_size:
        raise FileError("extended header: segment_base_offset %d is inside the program (program_size %d)"
                        % (base, program_size))
    elif base > file_size:
        raise FileError("extended header: segment_base_offset %d is past the end of the file (%d bytes)"
                        % (base, file_size))
    elif base + data_size > file_size:
        raise FileError("extended header: segment_data_size %d reaches past the end of the file (%d bytes)"
                        % (data_size, file_size))
    return program_size, base, data_size, length


def _subsegments(where, entry, segments, problems):
    """A SubsegmentOffsets: its segment exists and each offset is within it."""
    offsets = entry["offsets"] or ()
    if not offsets:
        return
    index = entry["segment_index"]
    if index >= len(segments):
        problems.append("%s.segment_index %d is not below the %d segments" % (where, index, len(segments)))
        return
    for i, offset in enumerate(offsets):
        if offset > segments[index]["size"]:
            problems.append("%s.offsets[%d] %d is past its segment's %d bytes"
                            % (where, i, offset, segments[index]["size"]))


def _index_problems(where, indices, count, what):
    return ["%s %d is not an index of the %d %s" % (where, index, count, what)
            for index in indices if not 0 <= index < count]


def _plan_problems(at, plan, program, operators, backends):
    """Why the runtime would refuse execution plan `at` (its fields read without a problem)."""
    problems = ["%s.%s: missing, and the runtime requires it" % (at, field)
                for field in ("name", "values", "inputs", "outputs", "non_const_buffer_sizes") if plan[field] is None]
    values = len(plan["values"] or ())
    for field in ("inputs", "outputs"):
        problems += _index_problems("%s.%s" % (at, field), plan[field] or (), values, "values")
    ops = plan["operators"] or []
    for i, op in enumerate(ops):
        where = "%s.operators[%d]" % (at, i)
        name, overload = op["name"], op["overload"] or ""
        if name is None:
            problems.append("%s.name: missing" % where)
        elif not OPERATOR_NAME.fullmatch(name):
            problems.append("%s.name %s is not namespace::name" % (where, _shown(name)))
        elif overload and not IDENTIFIER.fullmatch(overload):
            problems.append("%s.overload %s is not an identifier" % (where, _shown(overload)))
        elif len(_operator(op)) > MAX_OPERATOR_NAME:
            problems.append("%s: %s is longer than the runtime's %d bytes" % (where, _operator(op), MAX_OPERATOR_NAME))
        elif operators is not None and _operator(op) not in operators:
            problems.append("%s: operator %s is not one the runtime registers" % (where, _operator(op)))
    delegates = plan["delegates"] or []
    for i, delegate in enumerate(delegates):
        problems += _delegate_problems("%s.delegates[%d]" % (at, i), delegate, program, backends)
    counts = {"values": values, "operators": len(ops), "delegates": len(delegates)}
    for c, chain in enumerate(plan["chains"] or ()):
        for n, instruction in enumerate(chain["instructions"] or ()):
            where = "%s.chains[%d].instructions[%d].instr_args" % (at, c, n)
            kind, call = instruction["instr_args"]
            for field, listed in INDICES[kind]:
                problems += _index_problems("%s.%s" % (where, field), (call[field],), counts[listed], listed)
            if kind in ("KernelCall", "DelegateCall"):
                if call["args"] is None:
                    problems.append("%s.args: missing" % where)
                problems += _index_problems("%s.args" % where, call["args"] or (), values, "values")
    return problems


def _delegate_problems(where, delegate, program, backends):
    problems = []
    backend = delegate["id"]
    if backend is None:
        problems.append("%s.id: missing" % where)
    elif not IDENTIFIER.fullmatch(backend):
        problems.append("%s.id %s is not an identifier" % (where, _shown(backend)))
    elif backends is not None and backend not in backends:
        problems.append("%s.id: backend %s is not one the runtime registers" % (where, backend))
    for i, spec in enumerate(delegate["compile_specs"] or ()):
        if spec["key"] is None or spec["value"] is None:
            problems.append("%s.compile_specs[%d]: missing its key or value" % (where, i))
    processed = delegate["processed"]
    if processed is None:
        return problems + ["%s.processed: missing" % where]
    location, index = processed["location"], processed["index"]
    inline, segments = program["backend_delegate_data"] or [], program["segments"] or []
    if location == INLINE:
        if index >= len(inline):
            problems.append("%s.processed.index %d is not below the %d inline blobs (backend_delegate_data)"
                            % (where, index, len(inline)))
        elif inline[index]["data"] is None:
            problems.append("%s.processed: backend_delegate_data[%d] has no data" % (where, index))
    elif location == SEGMENT:
        if index >= len(segments):
            problems.append("%s.processed.index %d is not below the %d segments" % (where, index, len(segments)))
    else:
        problems.append("%s.processed.location %d is neither INLINE (0) nor SEGMENT (1)" % (where, location))
    return problems


def _program_problems(program, layout, file_size, operators, backends):
    """Why the runtime would refuse the Program (read without a problem) in a file laid out as `layout`."""
    _, base, data_size, _ = layout
    problems = []
    segments = program["segments"] or []
    for i, segment in enumerate(segments):
        offset, size = segment["offset"], segment["size"]
        if not base:
            if size:
                problems.append("segments[%d]: %d bytes, but the file has no segment data (segment_base_offset 0)"
                                % (i, size))
        elif data_size and offset + size > data_size:
            problems.append("segments[%d]: offset %d + size %d reaches past segment_data_size %d"
                            % (i, offset, size, data_size))
        elif base + offset + size > file_size:
            problems.append("segments[%d]: offset %d + size %d reaches past the end of the file (%d bytes)"
                            % (i, offset, size, file_size))
    if program["constant_segment"] is not None:
        _subsegments("constant_segment", program["constant_segment"], segments, problems)
        if len(program["constant_segment"]["offsets"] or ()) > 1 and program["constant_buffer"]:
            problems.append("constant_buffer and constant_segment both hold constants; the runtime takes one")
    for i, entry in enumerate(program["mutable_data_segments"] or ()):
        _subsegments("mutable_data_segments[%d]" % i, entry, segments, problems)
    for i, entry in enumerate(program["named_data"] or ()):
        if entry["key"] is None:
            problems.append("named_data[%d].key: missing" % i)
        if entry["segment_index"] >= len(segments):
            problems.append("named_data[%d].segment_index %d is not below the %d segments"
                            % (i, entry["segment_index"], len(segments)))
    if program["execution_plan"] is None:
        problems.append("execution_plan: missing, and the runtime reads it unchecked")
    for i, plan in enumerate(program["execution_plan"] or ()):
        problems += _plan_problems("execution_plan[%d]" % i, plan, program, operators, backends)
    return problems


def _operator(op):
    """The name the runtime looks an operator up by (populate_operator_name)."""
    return op["name"] + ("." + op["overload"] if op["overload"] else "")


def _read(source, operators=None, backends=None):
    """(the Program as dicts, or None; the problems) of a .pte file's path or bytes."""
    try:
        if isinstance(source, (bytes, bytearray, memoryview)):
            whole = memoryview(source).cast("B")
            file_size, prefix = len(whole), lambda size: whole[:size]
        else:
            file_size = os.path.getsize(source)

            def prefix(size):
                with open(source, "rb") as f:
                    return f.read(size)

        layout = _layout(prefix(HEAD_BYTES), file_size)
        reader = _Flatbuffer(prefix(layout[0]))
    except OSError as error:
        return None, ["cannot read it: %s" % error]
    except FileError as error:
        return None, [str(error)]
    root, first = reader.unpack("I", 0), HEADER_AT + layout[3]
    if not first <= root <= reader.size - 4:
        return None, ["root table offset %d is not between %d (after the identifier and header) and %d"
                      % (root, first, reader.size - 4)]
    try:
        program = reader.table(root, "Program", "")
    except _Stop as error:
        return None, reader.problems + [str(error)]
    if reader.problems:
        return None, reader.problems
    return program, _program_problems(program, layout, file_size, operators, backends)


def problems(path_or_bytes, operators=None, backends=None):
    """Why a .pte file (a path or its bytes) is not a program the runtime may read, one line each; [] when none.
    operators, backends: when given, the names the runtime registers ("aten::add.out", "XnnpackBackend"), and any
    other the program names is a problem too."""
    return _read(path_or_bytes, operators, backends)[1]


def contents(path_or_bytes):
    """{"delegates": backend ids, "operators": "name.overload"s, both sorted; "plans": execution plan names;
    "version": Program.version} of a sound .pte file; FileError with its first problem otherwise."""
    program, found = _read(path_or_bytes)
    if found:
        raise FileError(found[0])
    plans = program["execution_plan"]
    return {
        "delegates": sorted({delegate["id"] for plan in plans for delegate in plan["delegates"] or ()}),
        "operators": sorted({_operator(op) for plan in plans for op in plan["operators"] or ()}),
        "plans": [plan["name"] for plan in plans],
        "version": program["version"],
    }
