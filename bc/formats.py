"""What serialization format a golden file holds, read without running any of it.

A TorchScript archive's data.pkl is read by bc/pickles.py's symbolic
unpickler, so no pickled code runs and torch is not needed. From it,
read_format() reports each packed-parameters object and its serialization
version: for ConvPackedParams, by the rule of ATen's
parse_conv_serialized_state (aten/src/ATen/native/quantized/cpu/conv_serialization.h):

  v1  a tuple whose first element is a tensor (weight, bias, stride, padding,
      dilation, groups as tensors), as torch 1.6 wrote it;
  v2  ("2", [packed config int16 tensor, weight], [bias]), as torch 1.7 to
      today write it (QCONV_SERIALIZATION_VERSION 2);
  v3  (3, [config int64 values], [None, weight, bias]), as written by a torch
      built with QCONV_SERIALIZATION_VERSION 3.

The `_v3` cases' v3 states are written by bc/corpus/pickle_writer.py.
"""

import os
import struct
import zipfile

from bc import hf_files, pte_files
from bc.pickles import FormatError, Global, Instance, container, inflation_problem, instances, read_pickle
from bc.pt2_archive import FLAT_PROGRAM, PROGRAM, read_json

PACKED_PARAMS_MODULE = "__torch__.torch.classes.quantized"
CONV_CLASSES = ("Conv2dPackedParamsBase", "Conv3dPackedParamsBase")


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
    for item in instances(tree):
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


def read_format(path):
    """The format of one golden file, as recorded in manifests:

      {"container": "JSON", "written_by": "transformers 5.25.0"} | {"container": "safetensors", "torchao_types": [...]}
      {"container": "torch.save legacy"} | {"container": "torch.save zipfile", "packed_params": [...]}
      {"container": "TorchScript", "archive_version": 3, "packed_params": [...]} | {"container": "torch.package"}
      {"container": "torch.export PT2 archive" | "torch.export flat zip", "schema_version": "8.20", "torch_version": "2.13.0+cpu"}
      {"container": "ExecuTorch program", "delegates": ["XnnpackBackend"]}

    Raises FormatError for a file it cannot read (a damaged zip, an unknown layout).
    """
    try:
        return _describe(path)
    except hf_files.FileError as error:
        raise FormatError("unreadable safetensors file (%s)" % error) from None
    except pte_files.FileError as error:
        raise FormatError("unreadable ExecuTorch program (%s)" % error) from None
    except (zipfile.BadZipFile, EOFError, KeyError, ValueError) as error:  # ValueError: bad JSON, or bad UTF-8
        raise FormatError("unreadable zip archive or JSON document (%s)" % error) from None


def _describe(path):
    with open(path, "rb") as f:
        head = f.read(9)
    if head[:1] == b"{":
        with open(path, "rb") as f:
            document = read_json(f.read())
        return {"container": "JSON", "written_by": "transformers %s" % document.get("transformers_version", "?")}
    if len(head) == 9 and head[8:9] == b"{" and struct.unpack("<Q", head[:8])[0] < os.path.getsize(path):
        header, _ = hf_files.read_header(path)
        return {"container": "safetensors", "torchao_types": hf_files.torchao_types(header)}
    if head[pte_files.IDENTIFIER_AT : pte_files.IDENTIFIER_AT + len(pte_files.FILE_IDENTIFIER)] == pte_files.FILE_IDENTIFIER:
        return {"container": "ExecuTorch program", "delegates": pte_files.contents(path)["delegates"]}
    with open(path, "rb") as f:
        kind = container(f.read(4))
    if kind == "pickle":
        return {"container": "torch.save legacy"}
    if kind != "zip":
        raise FormatError("neither a zip archive nor a pickle")
    with zipfile.ZipFile(path) as archive:
        suspicious = inflation_problem(archive.infolist())
        if suspicious:
            raise FormatError(suspicious)
        names = archive.namelist()
        program = _program(archive, names)
        if program:
            return program
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


def _program(archive, names):
    """read_format() of a torch.export archive (a flat zip before torch 2.8, then a PT2 archive): its layout,
    the schema version and torch its program records; or None."""
    programs = [name for name in names if name == FLAT_PROGRAM or name.split("/", 1)[-1] == PROGRAM]
    if not programs:
        return None
    document = read_json(archive.read(programs[0]))
    if not isinstance(document, dict) or not isinstance(document.get("schema_version", {}), dict):
        raise FormatError("%s is not a torch.export program (a JSON object with a schema_version)" % programs[0])
    version = document.get("schema_version", {})
    return {
        "container": "torch.export %s" % ("flat zip" if programs[0] == FLAT_PROGRAM else "PT2 archive"),
        "schema_version": "%s.%s" % (version.get("major"), version.get("minor")),
        "torch_version": document.get("torch_version", "?"),
    }


def summary(file_format):
    """One line for a read_format() result: 'TorchScript 3; Conv2dPackedParamsBase v2'."""
    text = file_format.get("container", "?")
    if "archive_version" in file_format:
        text += " %s" % file_format["archive_version"]
    if "schema_version" in file_format:
        text += ", schema %s, written by torch %s" % (file_format["schema_version"], file_format["torch_version"])
    if file_format.get("written_by"):
        text += ", written by %s" % file_format["written_by"]
    if file_format.get("delegates"):
        text += "; delegated to " + ", ".join(file_format["delegates"])
    if file_format.get("torchao_types"):
        text += "; " + ", ".join(file_format["torchao_types"])
    if file_format.get("packed_params"):
        text += "; " + ", ".join(file_format["packed_params"])
    if file_format.get("problem"):
        text += " (%s)" % file_format["problem"]
    return text


def conv_promise_problem(file_format, version):
    """Why a read_format() result breaks a promise of ConvPackedParams `version`; None if it keeps it."""
    convs = [p for p in file_format.get("packed_params", []) if p.split()[0] in CONV_CLASSES]
    if convs and all(p.endswith(" v%d" % version) for p in convs):
        return None
    return "promised ConvPackedParams v%d, found %s" % (version, ", ".join(convs) or "no ConvPackedParams")
