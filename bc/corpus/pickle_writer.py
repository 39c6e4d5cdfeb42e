"""Pickle bytes written as torch writes them: the writing half of bc/pickles.py.

  * encode_int(), encode_str(): an int and a str as torch's pickler writes them
    (protocol 2, no memo), for dumps() and for bc/corpus/reproducible.py's
    rewriting of debug_pkl records in place;
  * dumps(): a symbolic tree (bc/pickles.py) written back, what torch.jit.load reads;
  * conv_v3_pickle(): a TorchScript data.pkl with its ConvPackedParams states
    rewritten from v2 to v3 (bc/formats.py says what each version holds),
    everything else written back with the same content, for the `_v3` cases.
"""

import pickle
import struct

from bc import formats, pickles


def encode_int(value):
    """An int as torch's pickler writes it."""
    if 0 <= value < 1 << 8:
        return b"K" + bytes([value])
    if 0 <= value < 1 << 16:
        return b"M" + struct.pack("<H", value)
    if -(1 << 31) <= value < 1 << 31:
        return b"J" + struct.pack("<i", value)
    encoded = pickle.encode_long(value)
    return b"\x8a" + bytes([len(encoded)]) + encoded


def encode_str(value):
    """A str as torch's pickler writes it (BINUNICODE)."""
    encoded = value.encode("utf-8")
    return b"X" + struct.pack("<I", len(encoded)) + encoded


def _emit(value, out):
    """Writes value as torch's pickler would (protocol 2, no memo); what torch.jit.load reads."""
    if value is None:
        out.append(b"N")
    elif value is True or value is False:
        out.append(b"\x88" if value else b"\x89")
    elif isinstance(value, int):
        out.append(encode_int(value))
    elif isinstance(value, float):
        out.append(b"G" + struct.pack(">d", value))
    elif isinstance(value, str):
        out.append(encode_str(value))
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
    elif isinstance(value, pickles.Global):
        out.append(b"c%s\n%s\n" % (value.module.encode("utf-8"), value.name.encode("utf-8")))
    elif isinstance(value, pickles.Persistent):
        _emit(value.pid, out)
        out.append(b"Q")
    elif isinstance(value, pickles.Instance):
        _emit(value.func, out)
        _emit(tuple(value.args), out)
        out.append(b"R" if value.reduced else b"\x81")
        _emit_items(value.items, out)
        _emit_entries(value.entries, out)
        if value.state is not pickles.NO_STATE:
            _emit(value.state, out)
            out.append(b"b")
    else:
        raise pickles.FormatError("cannot write a %s" % type(value).__name__)


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


def _unwrapped(value):
    """The list inside torch's build_tensorlist / restore_type_tag wrappers."""
    if isinstance(value, pickles.Instance) and isinstance(value.func, pickles.Global) and value.func.module == "torch.jit._pickle":
        return value.args[0]
    return value


def _int16_values(tensor, read_storage):
    """The values of a 1-d int16 tensor pickled as _rebuild_tensor_v2 (little-endian storage record)."""
    storage, offset, size = tensor.args[0], tensor.args[1], tensor.args[2]
    if not (isinstance(storage, pickles.Persistent) and storage.pid[1].name == "ShortStorage" and len(size) == 1):
        raise pickles.FormatError("ConvPackedParams v2: the configuration is not a 1-d int16 tensor")
    data = read_storage(storage.pid[2])
    return list(struct.unpack("<%dh" % (len(data) // 2), data))[offset : offset + size[0]]


def _conv_v3_state(state, read_storage):
    """parse_conv_serialized_state's v2 -> v3 conversion, on the pickled state."""
    config, weight = _unwrapped(state[1])
    (bias,) = _unwrapped(state[2])
    values = _int16_values(config, read_storage)
    wrap = pickles.Global("torch.jit._pickle", "build_intlist")
    tag = pickles.Global("torch.jit._pickle", "restore_type_tag")
    return (
        3,
        pickles.Instance(wrap, ([int(v) for v in values],), reduced=True),
        pickles.Instance(tag, ([None, weight, bias], "List[Optional[Tensor]]"), reduced=True),
    )


def conv_v3_pickle(data, read_storage):
    """A TorchScript data.pkl with every ConvPackedParams v2 state rewritten as v3.

    read_storage(key) returns the bytes of the archive's data/<key> record.
    Returns the new pickle and the storage keys it still names.
    """
    tree = pickles.read_pickle(data)
    converted = 0
    for item in pickles.instances(tree):
        if isinstance(item.func, pickles.Global) and item.func.module == formats.PACKED_PARAMS_MODULE and item.func.name in formats.CONV_CLASSES:
            if formats.conv_version(item.state) != 2:
                raise pickles.FormatError("ConvPackedParams v%s, not v2: nothing to transcode" % formats.conv_version(item.state))
            item.state = _conv_v3_state(item.state, read_storage)
            converted += 1
    if not converted:
        raise pickles.FormatError("no ConvPackedParams to transcode")
    return dumps(tree), pickles.storage_keys(tree)
