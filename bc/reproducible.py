"""Writers whose bytes depend only on what is written, not on where or when.

Two torch writers are not reproducible as they stand:
  * the legacy torch.save (_use_new_zipfile_serialization=False) keys each
    storage by its memory address, and orders the storages by those keys;
  * torch.jit.save records absolute source paths (torch's site-packages, the
    generator's runfiles, the sandbox) in its *.debug_pkl entries.
save_legacy() numbers the storages instead; save_script() rewrites the paths
relative to their import root. Both outputs load with the stock torch loaders.
The zipfile torch.save and torch.package writers are reproducible already.
"""

import os
import pickle
import pickletools
import re
import struct
import sys
import tempfile
import zipfile

import torch

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


def save_state_dict(state_dict, path, zipfile_format):
    if zipfile_format:
        torch.save(state_dict, path)
    else:
        save_legacy(state_dict, path)


def rewrite_pickle_strings(data, rewrite):
    """The pickle `data` with every unicode string s replaced by rewrite(s).

    Works on the opcode stream, so it never unpickles (the C++ pickler's
    output is plain protocol 2) and leaves memo indices untouched.
    """
    ops = list(pickletools.genops(data))
    out = bytearray()
    for index, (opcode, arg, start) in enumerate(ops):
        end = ops[index + 1][2] if index + 1 < len(ops) else len(data)
        if opcode.name in ("BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8") and rewrite(arg) != arg:
            encoded = rewrite(arg).encode("utf-8")
            out += b"X" + struct.pack("<I", len(encoded)) + encoded
        else:
            out += data[start:end]
    return bytes(out)


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
_PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + "/"
GENERATOR_FRAME = "<quant-bc generator>"


def portable(text, roots, project_root=_PROJECT_ROOT):
    """text with machine-specific path prefixes removed.

    A traced archive also records the Python call stack of the trace, the
    generator's own frames included ("<path>(<line>): <function>"). Those are
    replaced by one constant, so that editing or refactoring the generator
    does not change every traced archive.
    """
    text = re.sub(re.escape(project_root) + r"[^\s(]+\.py\(\d+\): [^\s]+", GENERATOR_FRAME, text)
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
        with zipfile.ZipFile(original) as archive:
            records = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
        writer = torch._C.PyTorchFileWriter(path)
        for name, data in records:
            relative = name.split("/", 1)[1]
            if relative == ".data/serialization_id":
                continue  # the writer computes it from the records
            if relative.endswith(".debug_pkl"):
                data = rewrite_pickle_strings(data, lambda s: portable(s, roots))
            writer.write_record(relative, data, len(data))
        writer.write_end_of_file()
    leaked = absolute_paths_in(path, roots)
    if leaked:
        raise RuntimeError("%s still names machine-specific paths: %s" % (path, leaked))


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
