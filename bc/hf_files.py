"""What a Hugging Face folder's files may hold, checked before transformers reads them: nothing here runs them.

transformers' from_pretrained reads config.json (json.load) and model.safetensors
(the safetensors library: an 8-byte header length, a JSON header, the tensors'
bytes). Neither runs code by itself; what can is what torchao builds from
them. torchao's readers (torchao/core/config.py config_from_dict for
config.json's quantization_config, torchao/prototype/safetensors
object_from_dict for the safetensors metadata, torchao 0.14.0 on) turn each
JSON object {"_type": NAME, "_data": ...} into an object:

  * NAME "torch.dtype": getattr(torch, _data), any attribute of torch, so
    _data must name a dtype;
  * any other NAME: getattr(<one of torchao's modules>, NAME), then NAME(**_data),
    or NAME(_data), or for an enum getattr(NAME, _data): so NAME must be a
    plain name (no dots, no dunder) that is a class there (torchao_class()),
    and an enum's member name a plain name.

The safetensors library itself refuses a header whose offsets do not tile the
data; here the same rules are checked, with the declared sizes against the
file's, so that nothing reads past it or allocates from a size the file does
not hold. docs/huggingface.md has the table, with torchao's lines.
"""

import json
import keyword
import os
import struct

# safetensors' own limit on the header (safetensors/src/tensor.rs, MAX_HEADER_SIZE).
MAX_HEADER = 100_000_000
# A config.json is a few kilobytes; transformers reads it whole.
MAX_JSON = 10_000_000
# Deeper than any object torchao writes (config, granularity, dtype: 4); json's recursion is the limit otherwise.
MAX_DEPTH = 32
# safetensors' dtypes and their sizes in bits (safetensors/src/tensor.rs, Dtype).
DTYPE_BITS = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16, "U16": 16, "F16": 16,
    "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "F64": 64, "I64": 64, "U64": 64, "C64": 64, "F4": 4,
    "F6_E2M3": 6, "F6_E3M2": 6,
}
METADATA = "__metadata__"
DTYPE_TYPE = "torch.dtype"


class FileError(ValueError):
    """What is wrong with the file: one line, naming the field."""


def plain_name(text):
    return isinstance(text, str) and text.isidentifier() and not keyword.iskeyword(text) and not text.startswith("_")


def parse_json(text, what):
    """A JSON document, refused (FileError) when it is not one or nests beyond what any writer writes."""
    # A bracket count bounds the depth before json's recursive parser sees it (100,000 '[' would overflow it).
    depth = level = 0
    for char in text:
        level += char in "[{"
        level -= char in "]}"
        depth = max(depth, level)
    if depth > MAX_DEPTH + 1:
        raise FileError("%s nests brackets %d deep, beyond the %d any writer writes" % (what, depth, MAX_DEPTH))
    try:
        return json.loads(text)
    except ValueError as error:
        raise FileError("%s is not JSON (%s)" % (what, error)) from None
    except RecursionError:
        # Brackets inside strings hide nesting from the count above; the parser's own limit then stops it.
        raise FileError("%s nests deeper than the %d levels any writer writes" % (what, MAX_DEPTH)) from None


def torchao_objects(value, where):
    """Each (JSON path, object) that torchao's readers turn into a Python object: a dict with _type and _data."""
    if isinstance(value, dict):
        if "_type" in value and "_data" in value:
            yield where, value
        for key, child in value.items():
            yield from torchao_objects(child, "%s.%s" % (where, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from torchao_objects(child, "%s[%d]" % (where, i))


def _is_class(is_class, name):
    try:
        return is_class(name)
    except Exception:  # noqa: BLE001 - a module whose attribute lookup raises is not one to resolve a name in
        return False


def _shown(value):
    """A value of the file as a message shows it: at most 100 characters (a shape may have thousands of digits)."""
    text = repr(value)
    return text if len(text) <= 100 else text[:97] + "..."


def object_problems(value, where, dtypes, is_class):
    """Why torchao's readers would resolve something other than a dtype or a torchao class from value:
    dtypes, the names of torch's dtypes; is_class(name) -> False when NAME resolves in torchao to something
    other than a class (None: not looked up, as where torchao is not imported)."""
    problems = []
    for path, found in torchao_objects(value, where):
        name, data = found["_type"], found["_data"]
        if name == DTYPE_TYPE:
            if not isinstance(data, str) or data not in dtypes:
                problems.append("%s names %s as a torch.dtype, which is not one of torch's dtypes" % (path, _shown(data)))
        elif not plain_name(name):
            problems.append("%s has _type %s, not a plain class name (torchao looks it up in its modules)" % (path, _shown(name)))
        elif is_class is not None and not _is_class(is_class, name):
            problems.append("%s has _type %r, which is in torchao but not a class" % (path, name))
        elif isinstance(data, str) and not plain_name(data):
            problems.append("%s names member %s of %s, not a plain name" % (path, _shown(data), name))
    return problems


def config_problems(path, dtypes, is_class=None):
    """Why config.json at path is not one transformers may read (FileError's lines), or []."""
    size = os.path.getsize(path)
    if size > MAX_JSON:
        return ["%d bytes, more than the %d a config.json may have" % (size, MAX_JSON)]
    with open(path, "rb") as f:
        raw = f.read()
    try:
        document = parse_json(raw.decode("utf-8"), "it")
    except UnicodeDecodeError as error:
        return ["not UTF-8 text (%s)" % error]
    except FileError as error:
        return [str(error)]
    if not isinstance(document, dict):
        return ["not a JSON object, as a config.json is"]
    return object_problems(document.get("quantization_config"), "quantization_config", dtypes, is_class)


def _size(value):
    """A JSON number that is a size: an integer from 0 to below 2**64, safetensors' usize (not true or false,
    which Python counts as integers)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 64


def read_header(path):
    """(header, data size) of a safetensors file; FileError when the file is not one."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise FileError("%d bytes, shorter than a safetensors header length" % size)
        length = struct.unpack("<Q", head)[0]
        if length > MAX_HEADER or length > size - 8:
            raise FileError("declares a header of %d bytes in a file of %d (the limit is %d)" % (length, size, MAX_HEADER))
        raw = f.read(length)
    try:
        header = parse_json(raw.decode("utf-8"), "its header")
    except UnicodeDecodeError as error:
        raise FileError("its header is not UTF-8 (%s)" % error) from None
    if not isinstance(header, dict):
        raise FileError("its header is not a JSON object")
    return header, size - 8 - length


def safetensors_problems(path, dtypes, is_class=None):
    """Why a model.safetensors is not one to read: its header's shapes, dtypes and offsets against the file,
    and its metadata's torchao objects (object_problems). [] when none."""
    try:
        header, data_size = read_header(path)
    except FileError as error:
        return [str(error)]
    problems, spans = [], []
    metadata = header.get(METADATA, {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        problems.append("%s is not a map of strings to strings" % METADATA)
        metadata = {}
    for name, entry in header.items():
        if name == METADATA:
            continue
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            problems.append("tensor %s: not {dtype, shape, data_offsets}" % _shown(name))
            continue
        dtype = entry["dtype"]
        bits = DTYPE_BITS.get(dtype) if isinstance(dtype, str) else None
        shape, offsets = entry["shape"], entry["data_offsets"]
        name = _shown(name)
        if bits is None:
            problems.append("tensor %s: dtype %s is not one safetensors defines" % (name, _shown(dtype)))
            continue
        if not (isinstance(shape, list) and all(_size(d) for d in shape)):
            problems.append("tensor %s: shape %s is not a list of sizes below 2**64" % (name, _shown(shape)))
            continue
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(_size(o) for o in offsets)
                and offsets[0] <= offsets[1] <= data_size):
            problems.append("tensor %s: data_offsets %s are not within the file's %d bytes of data"
                            % (name, _shown(offsets), data_size))
            continue
        held = offsets[1] - offsets[0]
        elements = 1
        for d in shape:
            elements *= d
            if elements * bits > 8 * held and d:  # more than it holds already: no need to multiply on
                break
        if 0 in shape:
            elements = 0
        if (elements * bits + 7) // 8 != held:
            problems.append("tensor %s: shape %s of %s takes %s bytes, and its offsets hold %d"
                            % (name, _shown(shape), dtype, "more than that" if elements * bits > 8 * held else
                               (elements * bits + 7) // 8, held))
            continue
        spans.append((offsets[0], offsets[1], name))
    end = 0
    for begin, stop, name in sorted(spans):
        if begin != end:
            problems.append("tensor %r starts at %d, where the data before it ends at %d" % (name, begin, end))
        end = max(end, stop)
    if not problems and end != data_size:
        problems.append("its tensors hold %d bytes of the file's %d bytes of data" % (end, data_size))
    for key, text in sorted(metadata.items()):
        if not text.lstrip().startswith(("{", "[")):
            continue  # plain text ("format": "pt"), which nothing resolves
        where = "%s[%s]" % (METADATA, _shown(key))
        try:
            value = json.loads(text)
        except ValueError:
            continue  # text that only looks like JSON: torchao's reader refuses it as not torchao's
        except RecursionError:
            problems.append("%s nests deeper than the %d levels any writer writes" % (where, MAX_DEPTH))
            continue
        problems.extend(object_problems(value, where, dtypes, is_class))
    return problems


def torchao_types(header):
    """The _type names a safetensors header's metadata gives torchao's reader, sorted (what a manifest records)."""
    metadata = header.get(METADATA)
    named = set()
    for value in metadata.values() if isinstance(metadata, dict) else ():
        try:
            document = json.loads(value) if isinstance(value, str) and value.startswith("{") else None
        except (ValueError, RecursionError):
            continue
        named.update(repr(found["_type"]) if not isinstance(found["_type"], str) else found["_type"]
                     for _, found in torchao_objects(document, ""))
    return sorted(named)


def canonical_safetensors(data):
    """The same safetensors file with its metadata in sorted order: the Rust writer orders a map by a random
    hash (huggingface/safetensors issue 584), so two saves of one model differ only there. The tensors,
    their offsets and the header's padding rule (spaces to 8 bytes) are kept."""
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + length])
    if isinstance(header.get(METADATA), dict):
        header[METADATA] = dict(sorted(header[METADATA].items()))
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data[8 + length :]
