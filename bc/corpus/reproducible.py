"""Writers whose bytes depend only on what is written, not on where or when.

Three torch writers are not reproducible as they stand:
  * torch.save keys each storage by its memory address, and orders the
    storages by those keys: the legacy writer (_use_new_zipfile_serialization
    =False) in every release, the zipfile writer until 1.10 (1.6.0's does);
  * torch.jit.save records absolute source paths (torch's site-packages, the
    generator's runfiles, the sandbox) in its *.debug_pkl entries.
  * torch.export.save writes each node's stack_trace (absolute paths, and
    before 2.8 a per-process "<eval_with_key>.N"), its from_node provenance
    (the id() of a graph, 2.13), nn_module_stack keys holding the id() of a
    module (strict capture, 2.10 on), and before 2.8 the wall clock as every
    zip member's time (docs/pt2e-measurements.md).
save() and save_state_dict() number the storages instead, "0", "1", ... in the
order the pickle names them, as today's zipfile writer does; save_script()
rewrites the paths relative to their import root, and moves the source-range
offsets that the rewritten text shifts; program_bytes() drops the first two,
names each nn_module_stack entry by its module's path, and dates every zip
member 1980-01-01 as torch's own zip writer does. Every output loads with the
stock torch loaders. The torch.package writer is reproducible already.
"""

import io
import os
import pickle
import pickletools
import re
import struct
import sys
import tempfile
import zipfile

import torch

from bc import pickles
from bc.corpus import pickle_writer

_PROTOCOL = 2  # torch.save's DEFAULT_PROTOCOL


def save_legacy(obj, path):
    """torch.save(obj, path, _use_new_zipfile_serialization=False), byte-reproducibly.

    Same format and record order as torch's _legacy_save; storage keys are
    "0", "1", ... in the order storages are first pickled. Tensors and
    quantized tensors only: that is what state dicts hold.
    """
    storages = {}  # key -> (untyped storage, dtype)
    keys = {}  # storage identity -> key

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, torch.storage.TypedStorage):
                untyped = obj._untyped_storage
                key = keys.setdefault(untyped._cdata, str(len(keys)))
                storages.setdefault(key, (untyped, obj.dtype))
                storage_type = getattr(torch, obj._pickle_storage_type())
                location = torch.serialization.location_tag(untyped)
                return ("storage", storage_type, key, location, obj._size(), None)
            if isinstance(obj, torch.UntypedStorage) or (
                isinstance(obj, type) and issubclass(obj, torch.nn.Module)
            ):
                raise TypeError("save_legacy writes tensors only, not %r" % (obj,))
            return None

    sys_info = {
        "protocol_version": torch.serialization.PROTOCOL_VERSION,
        "little_endian": sys.byteorder == "little",
        "type_sizes": {
            "short": torch.serialization.SHORT_SIZE,
            "int": torch.serialization.INT_SIZE,
            "long": torch.serialization.LONG_SIZE,
        },
    }
    with open(path, "wb") as f:
        pickle.dump(torch.serialization.MAGIC_NUMBER, f, protocol=_PROTOCOL)
        pickle.dump(torch.serialization.PROTOCOL_VERSION, f, protocol=_PROTOCOL)
        pickle.dump(sys_info, f, protocol=_PROTOCOL)
        Pickler(f, protocol=_PROTOCOL).dump(obj)
        ordered = sorted(storages)
        pickle.dump(ordered, f, protocol=_PROTOCOL)
        f.flush()
        for key in ordered:
            storage, dtype = storages[key]
            storage._write_file(f, True, True, torch._utils._element_size(dtype))


def _has_untyped_storages():
    # TypedStorage._untyped_storage, which save_legacy() reads, came with torch 2.0.
    return hasattr(getattr(torch.storage, "TypedStorage", None), "_untyped_storage")


def save_state_dict(state_dict, path, zipfile_format):
    if zipfile_format:
        save(state_dict, path)
    elif _has_untyped_storages():
        save_legacy(state_dict, path)
    else:
        torch.save(state_dict, path, _use_new_zipfile_serialization=False)
        number_storages(path)


def save(value, path):
    """torch.save(value, path) in the release's default format, storages numbered."""
    torch.save(value, path)
    number_storages(path)


def number_storages(path):
    """Rewrites a torch.save file so that its storages are keyed "0", "1", ... in the order its pickle
    names them, and stored in the order of those keys, as today's zipfile writer does. A file
    numbered so already is left as it is."""
    with open(path, "rb") as f:
        data = f.read()
    if pickles.container(data) == "zip":
        records = _records(path)
        pickled = dict(records)["data.pkl"]
        numbering = _numbering(pickled)
        if numbering is None:
            return
        renamed = {"data/" + old: "data/" + new for old, new in numbering.items()}
        storages = sorted((renamed[name], content) for name, content in records if name in renamed)
        others = [(name, content) for name, content in records if not name.startswith("data/")]
        front = [(n, _renamed_strings(c, numbering) if n == "data.pkl" else c) for n, c in others]
        version = [record for record in front if record[0] == "version"]
        _write_archive(path, [r for r in front if r[0] != "version"] + storages + version)
    else:
        _number_legacy(path, data)


def _numbering(pickled):
    """{old key: new key}, or None when the keys are "0", "1", ... in naming order already."""
    order = []
    for pid in pickles.persistent_ids(pickled):
        if pid[2] not in order:
            order.append(pid[2])
    numbering = {old: str(index) for index, old in enumerate(order)}
    return None if all(old == new for old, new in numbering.items()) else numbering


def _renamed_strings(pickled, renaming):
    """A protocol-2 pickle with every string in renaming replaced (torch.save pickles have no frames)."""
    out, ops = [], list(pickletools.genops(pickled))
    for index, (opcode, arg, position) in enumerate(ops):
        end = ops[index + 1][2] if index + 1 < len(ops) else len(pickled)
        if opcode.name == "BINUNICODE" and arg in renaming:
            out.append(pickle_writer.encode_str(renaming[arg]))
        else:
            out.append(pickled[position:end])
    return b"".join(out)


def _number_legacy(path, data):
    """number_storages() for the legacy format (bc/pickles.py, legacy_spans): its pickles, then per
    storage key, in the order the last pickle lists them, its element count (int64) and bytes."""
    spans = pickles.legacy_spans(data)
    (_, object_start), (_, object_end), (_, keys_end) = spans[2], spans[3], spans[4]
    pickled, keys = data[object_start:object_end], pickle.loads(data[object_end:keys_end])
    numbering = _numbering(pickled)
    if numbering is None:
        return
    element_size = {pid[2]: getattr(torch, pid[1].name)().element_size() for pid in pickles.persistent_ids(pickled)}
    storages, offset = {}, keys_end
    for key in keys:
        count = struct.unpack("<q", data[offset : offset + 8])[0]
        size = 8 + count * element_size[key]
        storages[numbering[key]] = data[offset : offset + size]
        offset += size
    order = sorted(storages)
    with open(path, "wb") as f:
        f.write(data[:object_start] + _renamed_strings(pickled, numbering))
        pickle.dump(order, f, protocol=_PROTOCOL)
        for key in order:
            f.write(storages[key])


class _Str:
    def __init__(self, old, new):
        self.old, self.new = old, new


class _Int:
    def __init__(self, value, chunk):
        self.value, self.chunk = value, chunk


class _IntList(list):
    pass


_MARK = object()
_BUILD_INTLIST = "torch.jit._pickle build_intlist"


def _moved(offset, old_pieces, new_pieces):
    """Where an offset into the old pieces joined lands in the new pieces joined."""
    old_start = new_start = 0
    for old, new in zip(old_pieces, new_pieces):
        if offset < old_start + len(old):
            return new_start + min(offset - old_start, len(new))
        old_start += len(old)
        new_start += len(new)
    return new_start + (offset - old_start)


def rewrite_debug_pkl(data, rewrite):
    """A TorchScript *.debug_pkl with every string s replaced by rewrite(s).

    The file is ("FORMAT_WITH_STRING_TABLE", strings, records), and a record's
    source range is ((indices of its text's pieces in strings, filename index,
    line), start, end), start and end being byte offsets into the pieces
    joined (torch 1.6.0 and 1.10.2: ((text, filename, line), start, end),
    without a table). A traced archive's pieces are the lines of the Python call stack,
    paths included; when they are rewritten, the offsets after them move. A
    small pickle machine runs over the opcode stream, so nothing is unpickled,
    and every byte it does not change keeps torch's encoding.
    """
    ops = list(pickletools.genops(data))
    chunks, stack, memo, table = [], [], {}, None
    for index, (opcode, arg, position) in enumerate(ops):
        raw = data[position : ops[index + 1][2] if index + 1 < len(ops) else len(data)]
        name = opcode.name
        if name == "BINUNICODE":
            string = _Str(arg, rewrite(arg))
            if string.new != arg:
                raw = pickle_writer.encode_str(string.new)
            stack.append(string)
        elif name in ("BININT1", "BININT2", "BININT"):
            stack.append(_Int(arg, len(chunks)))
        elif name == "MARK":
            stack.append(_MARK)
        elif name in ("TUPLE", "APPENDS"):
            cut = len(stack) - 1 - stack[::-1].index(_MARK)
            items = stack[cut + 1 :]
            del stack[cut:]
            if name == "TUPLE":
                stack.append(tuple(items))
            else:
                stack[-1].extend(items)
        elif name in ("EMPTY_TUPLE", "TUPLE1", "TUPLE2", "TUPLE3"):
            size = {"EMPTY_TUPLE": 0, "TUPLE1": 1, "TUPLE2": 2, "TUPLE3": 3}[name]
            items = tuple(stack[len(stack) - size :])
            del stack[len(stack) - size :]
            stack.append(items)
        elif name == "EMPTY_LIST":
            stack.append([])
        elif name == "NONE":  # torch 1.6.0 writes None for a range without source
            stack.append(None)
        elif name in ("BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1]
        elif name in ("BINGET", "LONG_BINGET"):
            stack.append(memo[arg])
        elif name == "GLOBAL":
            stack.append(arg)
        elif name == "REDUCE":
            args, function = stack.pop(), stack.pop()
            if function != _BUILD_INTLIST:
                raise ValueError("unexpected call %r in a debug_pkl" % (function,))
            stack.append(_IntList(i.value for i in args[0]))
        elif name not in ("PROTO", "STOP"):
            raise ValueError("unexpected opcode %s in a debug_pkl" % name)
        chunks.append(raw)
        if table is None and len(stack) == 2 and isinstance(stack[1], tuple):
            table = stack[1]
        top = stack[-1] if stack else None
        if name == "TUPLE3" and _is_source_range(top):
            pieces = _source_pieces(top[0], table, rewrite)
            if pieces is not None:
                old = [piece.old.encode("utf-8") for piece in pieces]
                new = [piece.new.encode("utf-8") for piece in pieces]
                for offset in (top[1], top[2]):
                    chunks[offset.chunk] = pickle_writer.encode_int(_moved(offset.value, old, new))
    return b"".join(chunks)


def _is_source_range(value):
    return (
        isinstance(value, tuple)
        and len(value) == 3
        and isinstance(value[0], tuple)
        and len(value[0]) == 3
        and isinstance(value[1], _Int)
        and isinstance(value[2], _Int)
    )


def _source_pieces(source, table, rewrite):
    """The _Str pieces a source range's offsets count in, or None if source is not a source.

    In torch 1.13.1 and today's archives a source is (indices of its text's
    pieces in the string table, filename index, line); 1.6.0 and 1.10.2 wrote
    (text, filename, line), the text itself.
    """
    if isinstance(source[0], _IntList) and table is not None:
        return [table[i] for i in source[0]]
    if isinstance(source[0], _Str):
        # Its lines, so that an offset at a line's start moves with that line.
        pieces = [_Str(line, rewrite(line)) for line in source[0].old.splitlines(True)]
        if "".join(piece.new for piece in pieces) != source[0].new:
            raise ValueError("a debug_pkl source whose rewrite spans lines: %r" % source[0].old[:200])
        return pieces
    return None


def import_roots():
    """Absolute directories whose prefix makes a source path machine-specific.

    Every module here is imported from one of the interpreter's path entries
    (runfiles roots, site-packages); a path relative to its entry is the same
    in every output base, sandbox and checkout.
    """
    roots = set()
    for entry in sys.path:
        if entry and os.path.isabs(entry):
            roots.add(entry.rstrip("/") + "/")
            roots.add(os.path.realpath(entry).rstrip("/") + "/")
    # Longest first, so that a nested root wins over its parent.
    return sorted(roots, key=len, reverse=True)


# The project's own source root (the directory holding bc/), as imported.
_PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + "/"
GENERATOR_FRAME = "<quant-bc generator>"


def portable(text, roots, project_root=_PROJECT_ROOT):
    """text with machine-specific path prefixes removed.

    A traced archive also records the Python call stack of the trace, the
    generator's own frames included ("<path>(<line>): <function>"). Those are
    replaced by one constant, so that editing or refactoring the generator
    does not change every traced archive.
    """
    # bc/ only: a past release's torch lies under the project root too (external/torch_<release>/).
    text = re.sub(re.escape(project_root) + r"bc/[^\s(]+\.py\(\d+\): [^\s]+", GENERATOR_FRAME, text)
    for root in roots:
        text = text.replace(root, "")
    return text


def save_script(module, path):
    """torch.jit.save(module, path) with source paths relative to their import root."""
    roots = import_roots()
    with tempfile.TemporaryDirectory(dir=os.path.dirname(path) or ".") as scratch:
        # The archive's top-level folder is named after the file: keep the name.
        original = os.path.join(scratch, os.path.basename(path))
        torch.jit.save(module, original)
        records = [
            (name, rewrite_debug_pkl(data, lambda s: portable(s, roots)) if name.endswith(".debug_pkl") else data)
            for name, data in _records(original)
        ]
        _write_archive(path, records)
    leaked = absolute_paths_in(path, roots)
    if leaked:
        raise RuntimeError("%s still names machine-specific paths: %s" % (path, leaked))


def _records(path):
    """(name below the archive's top-level folder, bytes) of every record, in order."""
    with zipfile.ZipFile(path) as archive:
        return [(info.filename.split("/", 1)[1], archive.read(info)) for info in archive.infolist()]


def _write_archive(path, records):
    """A TorchScript archive of records, written by torch's own zip writer (folder named after path).

    A "version" record that comes last was written by the writer's end of
    file, as the writer of 1.6.0 to 1.13.1 does: it is left to the writer
    again (1.10.2's refuses a second one; 1.6.0's writes it twice), and must
    come out the same. Today's writer writes it among the records.
    """
    ends_with_version = bool(records) and records[-1][0] == "version"
    writer = torch._C.PyTorchFileWriter(path)
    for name, data in records[:-1] if ends_with_version else records:
        if name != ".data/serialization_id":  # the writer computes it from the records
            writer.write_record(name, data, len(data))
    writer.write_end_of_file()
    del writer
    if ends_with_version and dict(_records(path)).get("version") != records[-1][1]:
        raise RuntimeError("%s: torch's writer wrote another version record than the archive had" % path)


def transcode_conv_v3(path):
    """Rewrites a TorchScript archive's ConvPackedParams states from v2 to v3 (bc/corpus/pickle_writer.py).

    The storage of v2's int16 configuration tensor, which v3 no longer names, is dropped.
    """
    records = _records(path)
    by_name = dict(records)
    data, keys = pickle_writer.conv_v3_pickle(by_name["data.pkl"], lambda key: by_name["data/" + key])
    _write_archive(
        path,
        [
            (name, data if name == "data.pkl" else content)
            for name, content in records
            if not (name.startswith("data/") and name[len("data/") :] not in keys)
        ],
    )


def absolute_paths_in(path, roots):
    """Records of a zip archive that contain one of the roots."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            data = archive.read(info.filename)
            found.extend(
                "%s: %s" % (info.filename, root) for root in roots if root.encode("utf-8") in data
            )
    return found


# Node metadata that says where and when a program was made, not what it computes.
_PROVENANCE = ("stack_trace", "from_node")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def program_bytes(program):
    """torch.export.save(program) into a buffer (so the archive's folder is "archive", whatever the file's
    name), byte-reproducibly; the program's metadata is changed in place."""
    for node in program.graph.nodes:
        for key in _PROVENANCE:
            node.meta.pop(key, None)
        stack = node.meta.get("nn_module_stack")
        if stack:
            # Keys are opaque to every reader; dynamo's own name for a module's source is its path.
            node.meta["nn_module_stack"] = {
                ("L__self__" + ("_" + path.replace(".", "_") if path else "")): (path, kind)
                for path, kind in stack.values()
            }
    buffer = io.BytesIO()
    torch.export.save(program, buffer)
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if all(member.date_time == _ZIP_EPOCH for member in members):
            return data  # torch's own zip writer (2.8 on), whose record alignment a rewrite would lose
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dated:
            for member in members:
                info = zipfile.ZipInfo(member.filename, date_time=_ZIP_EPOCH)
                info.compress_type, info.external_attr = member.compress_type, member.external_attr
                dated.writestr(info, archive.read(member))
    return out.getvalue()
