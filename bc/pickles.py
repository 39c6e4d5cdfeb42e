"""Pickle bytes, read without running any of them: the one place that knows
how torch lays out its files and what their pickles name.

  * container(path): a zip archive (torch.save's zipfile format, TorchScript,
    torch.package) or a legacy torch.save pickle stream, by its first bytes;
  * inflation_problem(): a zip whose members declare more than a golden file
    may inflate to (a zip bomb), read before inflating anything;
  * a symbolic unpickler: every global a pickle names becomes an inert
    stand-in (find_class never imports anything), every storage a
    placeholder, so no pickled code runs and torch is not needed;
  * legacy_spans(): the five pickles of a legacy torch.save file;
  * walk(): every node of an unpickled tree.

The reading side (bc/formats.py, bc/golden_io.py) and the writing side
(bc/corpus/pickle_writer.py, bc/corpus/reproducible.py) both use it.
"""

import io
import pickle
import pickletools
import zipfile

ZIP_MAGIC = b"PK\x03\x04"
# Golden files are small (the largest here inflates to under 100 kB); a zip
# whose members declare more than this is a zip bomb, not a model.
MAX_INFLATED_BYTES = 64 << 20
# A legacy torch.save file: magic number, protocol version, sys_info, the
# object, the storage keys; the raw storages follow them.
LEGACY_PICKLES = 5


def container(head):
    """'zip' or 'pickle' for a file's first bytes; None for neither."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head[:1] == b"\x80":
        return "pickle"
    return None


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


def walk(tree):
    """Every node of a tree, depth first in pickle order: Instances, Globals, persistent ids, containers.

    An Instance's children are read after it is yielded, so a caller may
    replace its state (bc/corpus/pickle_writer.py does) and the walk follows.
    A node is yielded at each reference, but a container, Instance or
    persistent id is entered once: a pickle's memo lets a 600-byte file nest
    2**60 references to one list, which a walk of every reference would take
    centuries to finish.
    """
    stack = [tree]
    entered = set()
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, (Persistent, Instance, list, tuple, dict)):
            if id(item) in entered:
                continue
            entered.add(id(item))
        if isinstance(item, Persistent):
            stack.append(item.pid)
        elif isinstance(item, Instance):
            stack.extend([item.entries, item.items, item.args, item.state, item.func])
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed([value for pair in item.items() for value in pair]))


def instances(tree):
    """Every Instance (what REDUCE or NEWOBJ made) in a tree, depth first."""
    return (node for node in walk(tree) if isinstance(node, Instance))


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


def storage_keys(tree):
    """The storage keys (data/<key> records) a pickle's persistent ids name."""
    return {
        node.pid[2]
        for node in walk(tree)
        if isinstance(node, Persistent) and isinstance(node.pid, tuple) and len(node.pid) > 2
    }


def legacy_spans(data):
    """(start, end) of each of the LEGACY_PICKLES pickles at the head of a legacy torch.save file."""
    spans, start = [], 0
    for _ in range(LEGACY_PICKLES):
        for opcode, _, position in pickletools.genops(data[start:]):
            if opcode.name == "STOP":
                spans.append((start, start + position + 1))
                start += position + 1
                break
        else:
            raise FormatError("a legacy torch.save file whose pickle %d has no STOP opcode" % (len(spans) + 1))
    return spans


def globals_of(tree):
    """Every global ("module.name") a tree names."""
    return {"%s.%s" % (node.module, node.name) for node in walk(tree) if isinstance(node, Global)}


def torch_save_globals(path):
    """Every global ("module.name") the pickles of a torch.save file name, nothing in them run."""
    with open(path, "rb") as f:
        return torch_save_globals_of(f.read())


def torch_save_globals_of(data):
    """torch_save_globals() of a torch.save file's bytes (a member of another archive, as in a .pt2)."""
    if container(data) == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            (name,) = [n for n in archive.namelist() if n.split("/", 1)[-1] == "data.pkl"]
            return globals_of(read_pickle(archive.read(name)))
    try:
        spans = legacy_spans(data)
    except ValueError as error:  # pickletools' word for a damaged stream
        raise FormatError("not a readable pickle (%s)" % error) from None
    found = set()
    for start, end in spans:
        found |= globals_of(read_pickle(data[start:end]))
    return found
