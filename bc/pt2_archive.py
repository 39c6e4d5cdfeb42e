"""What a torch.export archive (.pt2) holds, read without torch and without running anything in it.

torch.export.load is not safe on untrusted input (its own documentation:
"Never load data from an untrusted source"). Measured in torch 2.13 (docs/
hostile-inputs.md), a .pt2 runs code while loading through:
  * its torch.save members (sample inputs in every layout; state dict and
    constants before 2.10's): torch.load(weights_only=True) is tried, and on
    any failure retried with weights_only=False;
  * a weight or constant whose config says use_pickle (torch.load with
    weights_only=False), a custom_obj_ (torchbind) or opaque_obj_ constant
    (pickle.loads);
  * a symbolic size or value (as_expr), which the deserializer evaluates
    with sympy.sympify, that is eval.
problems() reads the members' names and declared sizes, the JSON and the
pickles' opcodes, and says what of that a file holds; bc/golden_io.py refuses
such a file before torch.export.load sees it.
"""

import io
import json
import re
import zipfile

from bc import pickles

# The members torch.export.load reads from a program of plain tensors, by their path under the archive's
# root folder (named after the file the writer was given, or "archive" for a buffer): the PT2 archive
# (torch 2.8 on; 2.8's pickles weights and constants in model.pt) and, before 2.8, a flat zip.
_MEMBERS = re.compile(
    r"^(models/[\w.-]+\.json"
    r"|data/weights/(weight_\d+|[\w.-]+_weights_config\.json|[\w.-]+\.pt)"
    r"|data/constants/(tensor_\d+|[\w.-]+_constants_config\.json|[\w.-]+\.pt)"
    r"|data/sample_inputs/[\w.-]+\.pt"
    r"|archive_format|archive_version|byteorder|\.data/version|\.data/serialization_id)$"
)
# The program's JSON: in a PT2 archive (under its root folder), and in a flat zip.
PROGRAM, FLAT_PROGRAM = "models/model.json", "serialized_exported_program.json"
_FLAT_MEMBERS = frozenset(
    [
        FLAT_PROGRAM,
        "serialized_state_dict.pt",
        "serialized_constants.pt",
        "serialized_example_inputs.pt",
        "version",
    ]
)
# Where a node's operator may come from: torch's own operators and the quantize/dequantize ops PT2E writes.
OPERATOR_PREFIXES = ("torch.ops.aten.", "torch.ops.quantized_decomposed.")


def _relative(name, flat):
    return name if flat else name.split("/", 1)[-1]


def _json_problems(name, document):
    """A program's symbolic expressions and operators from elsewhere; a payload config's pickled entries."""
    problems = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("as_expr") is not None:
                problems.append(
                    "%s holds a symbolic expression (as_expr %s), which torch.export.load evaluates with "
                    "sympy.sympify (eval)" % (name, json.dumps(node["as_expr"])[:80])
                )
            target = node.get("target")
            if "inputs" in node and isinstance(target, str) and not target.startswith(OPERATOR_PREFIXES):
                problems.append("%s calls %s, not an operator of %s" % (name, target, " or ".join(OPERATOR_PREFIXES)))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    if isinstance(document, dict) and name.endswith("_config.json"):
        for key, entry in sorted(document.get("config", {}).items()):
            path_name = str(entry.get("path_name", ""))
            if entry.get("use_pickle"):
                problems.append("%s: %s is pickled (use_pickle), which torch.export.load reads with weights_only=False" % (name, key))
            if not path_name.startswith(("weight_", "tensor_")):
                problems.append("%s: %s is stored as %s, not a tensor (a custom or opaque object is unpickled)" % (name, key, path_name))
    return problems


def problems(path, allowed_globals):
    """Why torch.export.load could run code from the archive at path, or [] if it cannot; nothing in it is run.

    allowed_globals: what its torch.save members' pickles may name (bc/golden_io.py's policy).
    Call it on a zip whose sizes were checked (golden_io.format_problem).
    """
    found = []
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        flat = any(name in _FLAT_MEMBERS for name in names)
        for info in archive.infolist():
            name = info.filename
            relative = _relative(name, flat)
            if not (relative in _FLAT_MEMBERS if flat else _MEMBERS.match(relative)):
                found.append("member %s is none that torch.export.load reads from a program of plain tensors" % name)
                continue
            if relative.endswith(".json"):
                try:
                    document = json.loads(archive.read(info))
                except ValueError as error:
                    found.append("member %s is not JSON (%s)" % (name, error))
                    continue
                found += _json_problems(name, document)
            elif relative.endswith(".pt"):
                found += ["member %s: %s" % (name, problem) for problem in _torch_save_problems(archive.read(info), allowed_globals)]
    return found


def _torch_save_problems(data, allowed_globals):
    """A torch.save member's problems: its own zip's sizes, and the globals its pickle names outside allowed_globals."""
    if pickles.container(data[:64]) == "zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as inner:
                inflated = pickles.inflation_problem(inner.infolist())
                if inflated:
                    return [inflated]
        except zipfile.BadZipFile as error:
            return ["not a torch.save file (%s)" % error]
    try:
        named = pickles.torch_save_globals_of(data)
    except Exception as error:  # noqa: BLE001 - a damaged pickle fails in many ways; nothing of it ran
        return ["unreadable pickle (%s: %s)" % (type(error).__name__, error)]
    refused = sorted(named - allowed_globals)
    if refused:
        return [
            "its pickle names %s, outside the weights-only allowlist (torch.export.load retries a refused pickle "
            "with weights_only=False)" % ", ".join(refused)
        ]
    return []
