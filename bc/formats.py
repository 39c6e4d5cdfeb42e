"""What serialization format a golden file holds, read without running any of it.

A TorchScript archive's data.pkl is read by a symbolic unpickler: every global
it names becomes an inert stand-in (find_class never imports anything), every
storage a placeholder, so no pickled code runs and torch is not needed. From
it, describe() reports each packed-parameters object and its serialization
version: for ConvPackedParams, by the rule of ATen's
parse_conv_serialized_state (aten/src/ATen/native/quantized/cpu/conv_serialization.h):

  v1  a tuple whose first element is a tensor (weight, bias, stride, padding,
      dilation, groups as tensors), as torch 1.6 wrote it;
  v2  ("2", [packed config int16 tensor, weight], [bias]), as torch 1.7 to
      today write it (QCONV_SERIALIZATION_VERSION 2);
  v3  (3, [config int64 values], [None, weight, bias]), as written by a torch
      built with QCONV_SERIALIZATION_VERSION 3.

to_conv_v3() rewrites a data.pkl's ConvPackedParams states from v2 to v3 and
writes everything else back with the same content (torch's opcodes, no memo);
the generator uses it for the `_v3` cases.
"""

import io
import pickle
import struct
import zipfile

ZIP_MAGIC = b"PK\x03\x04"
# Golden files are small (the largest here inflates to under 100 kB); a zip
# whose members declare more than this is a zip bomb, not a model.
MAX_INFLATED_BYTES = 64 << 20
PACKED_PARAMS_MODULE = "__torch__.torch.classes.quantized"
CONV_CLASSES = ("Conv2dPackedParamsBase", "Conv3dPackedParamsBase")


class FormatError(ValueError):
    """The file is not in a format this reader knows; the message names it."""


NO_STATE = object()  # an Instance no BUILD reached


class Global:
    """An inert stand-in for a global a pickle names."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __repr__(self):
        return "%s %s" % (self.module, self.name)


class Instance:
    """What REDUCE (a call) or NEWOBJ (cls.__new__) would have made, and its BUILD state."""

    def __init__(self, func, args, reduced):
        self.func, self.args, self.reduced, self.state = func, args, reduced, NO_STATE
        self.entries = []  # what SETITEMS added (an OrderedDict's items)
        self.items = []  # what APPENDS added

    def __setitem__(self, key, value):
        self.entries.append((key, value))

    def append(self, value):
        self.items.append(value)

    def extend(self, values):
        self.items.extend(values)


class Persistent:
    """A persistent id (a storage of the archive), not loaded."""

    def __init__(self, pid):
        self.pid = pid


class _Unpickler(pickle._Unpickler):
    """pickle's own machine with the opcodes that import or call replaced by recorders."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def find_class(self, module, name):
        return Global(module, name)

    def persistent_load(self, pid):
        return Persistent(pid)

    def load_reduce(self):
        args = self.stack.pop()
        self.stack[-1] = Instance(self.stack[-1], args, reduced=True)

    def load_newobj(self):
        args = self.stack.pop()
        self.stack[-1] = Instance(self.stack[-1], args, reduced=False)

    def load_build(self):
        state = self.stack.pop()
        target = self.stack[-1]
        if not isinstance(target, Instance):
            raise FormatError("BUILD on a %s" % type(target).__name__)
        target.state = state

    def refuse(self):
        raise FormatError("an opcode this reader does not follow (INST, OBJ or NEWOBJ_EX)")

    dispatch[pickle.REDUCE[0]] = load_reduce
    dispatch[pickle.NEWOBJ[0]] = load_newobj
    dispatch[pickle.BUILD[0]] = load_build
    for _opcode in (pickle.INST, pickle.OBJ, pickle.NEWOBJ_EX):
        dispatch[_opcode[0]] = refuse


def _load(unpickler):
    try:
        return unpickler.load()
    except FormatError:
        raise
    except Exception as error:  # noqa: BLE001 - a damaged pickle fails in many ways
        raise FormatError("not a readable pickle (%s: %s)" % (type(error).__name__, error)) from None


def read_pickle(data):
    """The object tree of a pickle, every global an inert stand-in; nothing in it runs."""
    return _load(_Unpickler(io.BytesIO(data)))


def persistent_ids(data):
    """The persistent ids a pickle names, in the order it first names them; nothing in it runs."""
    named = []

    class _Recording(_Unpickler):
        def persistent_load(self, pid):
            named.append(pid)
            return Persistent(pid)

    _load(_Recording(io.BytesIO(data)))
    return named


def _nodes(tree):
    """Every node of a tree, Globals and persistent ids included, in no particular order."""
    stack = [tree]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, Persistent):
            stack.append(item.pid)
        elif isinstance(item, Instance):
            stack.extend([item.func, item.args, item.state, item.items, item.entries])
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(list(item.keys()) + list(item.values()))


def _globals_of(tree):
    return {"%s.%s" % (node.module, node.name) for node in _nodes(tree) if isinstance(node, Global)}


def torch_save_globals(path):
    """Every global ("module.name") the pickles of a torch.save file name, nothing in them run.

    Zipfile format: data.pkl. Legacy format: its five pickles (magic, protocol,
    sys_info, the object, the storage keys); raw storages follow them.
    """
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(ZIP_MAGIC):
        with zipfile.ZipFile(path) as archive:
            (name,) = [n for n in archive.namelist() if n.split("/", 1)[-1] == "data.pkl"]
            return _globals_of(read_pickle(archive.read(name)))
    stream, found = io.BytesIO(data), set()
    for _ in range(5):
        found |= _globals_of(_load(_Unpickler(stream)))
    return found


def _walk(value):
    """Every Instance in a tree, depth first."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Instance):
            yield item
            stack.extend([item.state, item.args, item.items, item.entries])
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(item.values())


def _is_tensor(value):
    return isinstance(value, Instance) and isinstance(value.func, Global) and value.func.name.startswith("_rebuild_")


def conv_version(state):
    """ConvPackedParams serialization version of a state, by parse_conv_serialized_state's rule; None if none."""
    if not isinstance(state, tuple) or not state:
        return None
    first = state[0]
    if _is_tensor(first):
        return 1
    if first == "2":
        return 2
    if first == 3 and not isinstance(first, bool):
        return 3
    return None


def _shape(value):
    """A short type summary of a packed-params state: (Tensor, Tensor), (str, [...], ...)."""
    if _is_tensor(value):
        return "Tensor"
    if value is None:
        return "None"
    if isinstance(value, tuple):
        return "(%s)" % ", ".join(_shape(v) for v in value)
    if isinstance(value, Instance):
        packed = _packed_class_and_state(value)
        if packed:
            return packed[0]
        return _shape(value.args[0]) if value.args else "?"  # build_*list / restore_type_tag wrappers
    if isinstance(value, list):
        return "[%s]" % ", ".join(_shape(v) for v in value)
    return type(value).__name__


def _packed_class_and_state(item):
    """(class name, state) of a packed-params object, or None.

    TorchScript writes one as NEWOBJ of __torch__.torch.classes.quantized.<Class>;
    torch.save as torch.ScriptObject whose state is (state, qualified class name).
    """
    func = item.func
    if not isinstance(func, Global):
        return None
    if func.module == PACKED_PARAMS_MODULE:
        return func.name, item.state
    if (func.module, func.name) == ("torch", "ScriptObject") and isinstance(item.state, tuple) and len(item.state) == 2:
        state, qualified = item.state
        if isinstance(qualified, str) and qualified.startswith(PACKED_PARAMS_MODULE + "."):
            return qualified[len(PACKED_PARAMS_MODULE) + 1 :], state
    return None


def packed_params(tree):
    """'Conv2dPackedParamsBase v2', 'LinearPackedParamsBase (Tensor, Tensor)', ... for each object in tree."""
    found = []
    for item in _walk(tree):
        packed = _packed_class_and_state(item)
        if not packed:
            continue
        name, state = packed
        if name in CONV_CLASSES:
            version = conv_version(state)
            found.append("%s v%s" % (name, version if version else "? (unparseable state)"))
        else:
            found.append("%s %s" % (name, _shape(state)))
    return sorted(found)


def inflation_problem(members):
    """Why zip members' declared sizes are suspicious (a zip bomb), read before inflating anything; None if not."""
    declared = sum(m.file_size for m in members)
    if declared <= MAX_INFLATED_BYTES:
        return None
    largest = max(members, key=lambda m: m.file_size)
    return (
        "suspicious: its zip members declare %s bytes uncompressed in all (largest: %s, %s bytes from %s "
        "compressed), over the %s bytes a golden file may inflate to; refused without inflating it. "
        "Replace it with a trusted file."
        % (
            format(declared, ","),
            largest.filename,
            format(largest.file_size, ","),
            format(largest.compress_size, ","),
            format(MAX_INFLATED_BYTES, ","),
        )
    )


def describe(path):
    """The format of one golden file, as recorded in manifests:

      {"container": "torch.save legacy"} | {"container": "torch.save zipfile", "packed_params": [...]}
      {"container": "TorchScript", "archive_version": 3, "packed_params": [...]} | {"container": "torch.package"}

    Raises FormatError for a file it cannot read (a damaged zip, an unknown layout).
    """
    try:
        return _describe(path)
    except (zipfile.BadZipFile, EOFError, KeyError, UnicodeDecodeError) as error:
        raise FormatError("unreadable zip archive (%s)" % error) from None


def _describe(path):
    with open(path, "rb") as f:
        head = f.read(4)
    if head != ZIP_MAGIC:
        if head[:1] == b"\x80":
            return {"container": "torch.save legacy"}
        raise FormatError("neither a zip archive nor a pickle")
    with zipfile.ZipFile(path) as archive:
        suspicious = inflation_problem(archive.infolist())
        if suspicious:
            raise FormatError(suspicious)
        names = archive.namelist()
        records = {name.split("/", 1)[1]: name for name in names if "/" in name}
        if ".data/extern_modules" in records:
            return {"container": "torch.package"}
        if "data.pkl" not in records:
            raise FormatError("a zip archive without data.pkl")
        tree = read_pickle(archive.read(records["data.pkl"]))
        if "code/" in "".join(records) or "constants.pkl" in records:
            version = archive.read(records["version"]).decode().strip() if "version" in records else "?"
            return {
                "container": "TorchScript",
                "archive_version": int(version) if version.isdigit() else version,
                "packed_params": packed_params(tree),
            }
        return {"container": "torch.save zipfile", "packed_params": packed_params(tree)}


def _emit(value, out):
    """Writes value as torch's pickler would (protocol 2, no memo); what torch.jit.load reads."""
    if value is None:
        out.append(b"N")
    elif value is True or value is False:
        out.append(b"\x88" if value else b"\x89")
    elif isinstance(value, int):
        if 0 <= value < 1 << 8:
            out.append(b"K" + bytes([value]))
        elif 0 <= value < 1 << 16:
            out.append(b"M" + struct.pack("<H", value))
        elif -(1 << 31) <= value < 1 << 31:
            out.append(b"J" + struct.pack("<i", value))
        else:
            encoded = pickle.encode_long(value)
            out.append(b"\x8a" + bytes([len(encoded)]) + encoded)
    elif isinstance(value, float):
        out.append(b"G" + struct.pack(">d", value))
    elif isinstance(value, str):
        encoded = value.encode("utf-8")
        out.append(b"X" + struct.pack("<I", len(encoded)) + encoded)
    elif isinstance(value, tuple):
        if not value:
            out.append(b")")
        else:
            if len(value) > 3:
                out.append(b"(")
            for item in value:
                _emit(item, out)
            out.append({1: b"\x85", 2: b"\x86", 3: b"\x87"}.get(len(value), b"t"))
    elif isinstance(value, list):
        out.append(b"]")
        _emit_items(value, out)
    elif isinstance(value, dict):
        out.append(b"}")
        _emit_entries(list(value.items()), out)
    elif isinstance(value, Global):
        out.append(b"c%s\n%s\n" % (value.module.encode("utf-8"), value.name.encode("utf-8")))
    elif isinstance(value, Persistent):
        _emit(value.pid, out)
        out.append(b"Q")
    elif isinstance(value, Instance):
        _emit(value.func, out)
        _emit(tuple(value.args), out)
        out.append(b"R" if value.reduced else b"\x81")
        _emit_items(value.items, out)
        _emit_entries(value.entries, out)
        if value.state is not NO_STATE:
            _emit(value.state, out)
            out.append(b"b")
    else:
        raise FormatError("cannot write a %s" % type(value).__name__)


def _emit_items(items, out):
    if items:
        out.append(b"(")
        for item in items:
            _emit(item, out)
        out.append(b"e")


def _emit_entries(entries, out):
    if entries:
        out.append(b"(")
        for key, item in entries:
            _emit(key, out)
            _emit(item, out)
        out.append(b"u")


def dumps(tree):
    out = [b"\x80\x02"]
    _emit(tree, out)
    out.append(b".")
    return b"".join(out)


def storage_keys(tree):
    """The storage keys (data/<key> records) a pickle's persistent ids name."""
    return {
        node.pid[2]
        for node in _nodes(tree)
        if isinstance(node, Persistent) and isinstance(node.pid, tuple) and len(node.pid) > 2
    }


def _unwrapped(value):
    """The list inside torch's build_tensorlist / restore_type_tag wrappers."""
    if isinstance(value, Instance) and isinstance(value.func, Global) and value.func.module == "torch.jit._pickle":
        return value.args[0]
    return value


def _int16_values(tensor, read_storage):
    """The values of a 1-d int16 tensor pickled as _rebuild_tensor_v2 (little-endian storage record)."""
    storage, offset, size = tensor.args[0], tensor.args[1], tensor.args[2]
    if not (isinstance(storage, Persistent) and storage.pid[1].name == "ShortStorage" and len(size) == 1):
        raise FormatError("ConvPackedParams v2: the configuration is not a 1-d int16 tensor")
    data = read_storage(storage.pid[2])
    return list(struct.unpack("<%dh" % (len(data) // 2), data))[offset : offset + size[0]]


def _conv_v3_state(state, read_storage):
    """parse_conv_serialized_state's v2 -> v3 conversion, on the pickled state."""
    config, weight = _unwrapped(state[1])
    (bias,) = _unwrapped(state[2])
    values = _int16_values(config, read_storage)
    wrap = Global("torch.jit._pickle", "build_intlist")
    tag = Global("torch.jit._pickle", "restore_type_tag")
    return (
        3,
        Instance(wrap, ([int(v) for v in values],), reduced=True),
        Instance(tag, ([None, weight, bias], "List[Optional[Tensor]]"), reduced=True),
    )


def to_conv_v3(data, read_storage):
    """A TorchScript data.pkl with every ConvPackedParams v2 state rewritten as v3.

    read_storage(key) returns the bytes of the archive's data/<key> record.
    Returns the new pickle and the storage keys it still names.
    """
    tree = read_pickle(data)
    converted = 0
    for item in _walk(tree):
        if isinstance(item.func, Global) and item.func.module == PACKED_PARAMS_MODULE and item.func.name in CONV_CLASSES:
            if conv_version(item.state) != 2:
                raise FormatError("ConvPackedParams v%s, not v2: nothing to transcode" % conv_version(item.state))
            item.state = _conv_v3_state(item.state, read_storage)
            converted += 1
    if not converted:
        raise FormatError("no ConvPackedParams to transcode")
    return dumps(tree), storage_keys(tree)


def summary(held):
    """One line for a describe() result: 'TorchScript 3; Conv2dPackedParamsBase v2'."""
    text = held.get("container", "?")
    if "archive_version" in held:
        text += " %s" % held["archive_version"]
    if held.get("packed_params"):
        text += "; " + ", ".join(held["packed_params"])
    if held.get("problem"):
        text += " (%s)" % held["problem"]
    return text


def conv_promise_problem(held, version):
    """Why a describe() result breaks a promise of ConvPackedParams `version`; None if it keeps it."""
    convs = [p for p in held.get("packed_params", []) if p.split()[0] in CONV_CLASSES]
    if convs and all(p.endswith(" v%d" % version) for p in convs):
        return None
    return "promised ConvPackedParams v%d, found %s" % (version, ", ".join(convs) or "no ConvPackedParams")
