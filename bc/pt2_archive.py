"""What a torch.export archive (.pt2) holds, read without torch and without running anything in it.

torch.export.load is not safe on untrusted input (its own documentation:
"Never load data from an untrusted source"). Measured in torch 2.13
(docs/hostile-inputs.md), a .pt2 runs code, or exhausts memory, while loading
through:
  * its torch.save members (sample inputs in every layout; state dict and
    constants before 2.10's): torch.load(weights_only=True) is tried, and on
    any failure retried with weights_only=False;
  * a weight or constant whose config says use_pickle (torch.load with
    weights_only=False), a custom_obj_ (torchbind) or opaque_obj_ constant
    (pickle.loads);
  * a symbolic size or value (as_expr), which the deserializer evaluates
    with sympy.sympify, that is eval;
  * the names of nodes, inputs and attributes, which torch.fx writes into the
    Python source of the module it builds and then executes;
  * an empty raw weight, which torch.zeros allocates at the sizes the config
    declares.
problems() reads the members' names and declared sizes, the JSON (every key
and every text field against what a program of plain CPU tensors holds) and
the pickles' opcodes, and says what of that a file holds; bc/golden_io.py
refuses such a file before torch.export.load sees it.
"""

import io
import json
import keyword
import re
import sys
import zipfile

from bc import pickles

# The members torch.export.load reads from a program of plain tensors, by their path under the archive's
# root folder (named after the file the writer was given, or "archive" for a buffer): the PT2 archive
# (torch 2.8 on; 2.8's pickles weights and constants in model.pt) and, before 2.8, a flat zip.
_MEMBERS = re.compile(
    r"(models/\w+\.json"
    r"|data/(weights|constants)/(weight_\d+|tensor_\d+|\w+_weights_config\.json|\w+_constants_config\.json|\w+\.pt)"
    r"|data/sample_inputs/\w+\.pt"
    r"|archive_format|archive_version|byteorder|\.data/version|\.data/serialization_id)"
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
# The operators a node may call: those the corpora's programs call (//tests:golden_io_test holds the
# list to them), so that no operator a program names can read a file or allocate what it likes.
OPERATORS = frozenset(
    [
        "torch.ops.aten.conv2d.default",
        "torch.ops.aten.flatten.using_ints",
        "torch.ops.aten.linear.default",
        "torch.ops.aten.relu.default",
        "torch.ops.aten.view.default",
        "torch.ops.quantized_decomposed.choose_qparams.tensor",
        "torch.ops.quantized_decomposed.dequantize_per_channel.default",
        "torch.ops.quantized_decomposed.dequantize_per_tensor.default",
        "torch.ops.quantized_decomposed.dequantize_per_tensor.tensor",
        "torch.ops.quantized_decomposed.quantize_per_tensor.default",
        "torch.ops.quantized_decomposed.quantize_per_tensor.tensor",
    ]
)
# What each text field of a program's JSON may hold, by its key (a list's items by the list's key). Names
# become Python source (torch.fx's code of the module), so they are words and dots only; the metadata is
# free text on one line (a stack trace on several), which torch.fx writes only into comments.
_NAME = r"[\w.]*"
_ONE_LINE = r"[^\x00-\x1f\x7f]*"
_TEXT = {
    "name": _NAME,
    "as_name": _NAME,
    "buffer_name": _NAME,
    "parameter_name": _NAME,
    "tensor_constant_name": _NAME,
    "fqn": _NAME,
    "path_name": r"(weight|tensor)_\d+",
    "forward_arg_names": None,  # a parameter name of forward() (_python_name)
    "target": None,  # one of the operators allowed (problems())
    "torch_version": r"[\w.+]*",
    "type": "cpu",
    "verifiers": r"\w+",
    "in_spec": _ONE_LINE,
    "out_spec": _ONE_LINE,
    "nn_module_stack": _ONE_LINE,
    "source_fn_stack": _ONE_LINE,
    "torch_fn": _ONE_LINE,
    "stack_trace": r"[^\x00-\x09\x0b-\x1f\x7f]*",
}
# Bytes per element of each ScalarType a raw weight may have (torch/_export/serde/schema.py).
_ELEMENT_BYTES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 2, 7: 4, 8: 8, 12: 1, 13: 2}


def _relative(name, flat):
    return name if flat else name.split("/", 1)[-1]


def read_json(data):
    """A JSON member's document; ValueError if it is not JSON, or nests deeper than Python's parser recurses (a
    hostile file: a program nests a few dozen levels)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("nested deeper than %d levels" % sys.getrecursionlimit()) from None


def _json_problems(name, document, operators):
    """In one walk of a JSON member: every key that is not a word, every text field whose content its key
    does not allow (a call's target one of operators), and every symbolic expression."""
    problems = []
    text = dict(_TEXT, target="|".join(re.escape(operator) for operator in sorted(operators)))

    def walk(node, key):
        if isinstance(node, dict):
            if "as_expr" in node:
                problems.append(
                    "%s holds a symbolic expression (as_expr %s), which torch.export.load evaluates with "
                    "sympy.sympify (eval)" % (name, json.dumps(node["as_expr"])[:80])
                )
            for child, value in node.items():
                if not re.fullmatch(r"[\w.]+", child):
                    problems.append("%s has a key %r, not a name" % (name, child[:80]))
                walk(value, child)
        elif isinstance(node, list):
            for value in node:
                walk(value, key)
        elif isinstance(node, str):
            allowed = text.get(key)
            if key == "forward_arg_names":
                problems.extend(_python_name_problem(name, key, node))
            elif key == "in_spec":
                problems.extend(_in_spec_problems(name, node))
            elif allowed is None:
                problems.append("%s has text in %r, a field a program of plain tensors has not" % (name, key))
            elif not re.fullmatch(allowed, node):
                problems.append("%s: %s %r is not what a program of plain tensors holds there" % (name, key, node[:80]))

    walk(document, None)
    return problems


def _python_name_problem(name, key, text):
    """torch.fx writes it into forward()'s source as a parameter name: an identifier that is no keyword, as
    Python's own names are; anything else would be code."""
    if text.isidentifier() and not keyword.iskeyword(text):
        return []
    return ["%s: %s %r is not a Python name (torch.fx writes it into the source of forward())" % (name, key, text[:80])]


def _in_spec_problems(name, text):
    """The signature's in_spec is data to pytree (its types resolve through pytree's registry only), but for the
    keyword arguments: where it is a tuple of (a tuple, a dict), torch.export's unlifting names forward()'s
    parameters after the dict's keys and torch.fx writes each key into forward()'s source between quotes
    (torch/export/_unlift.py, _get_codegen; torch/fx/graph.py, _PyTreeCodeGen.gen_var_bindings): each key must
    be a Python name."""
    try:
        root = json.loads(text)[1]
        children = root["children_spec"]
        if not (root["type"] == "builtins.tuple" and len(children) == 2 and children[0]["type"] == "builtins.tuple"
                and children[1]["type"] == "builtins.dict"):
            return []
        keys = json.loads(children[1]["context"])
    except (ValueError, KeyError, IndexError, TypeError) as error:
        return ["%s: in_spec is no treespec torch.export writes (%s: %s)" % (name, type(error).__name__, error)]
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        return ["%s: in_spec's keyword arguments are not a list of names" % name]
    return [problem for key in keys for problem in _python_name_problem(name, "in_spec's keyword argument", key)]


def _payload_problems(name, document, sizes):
    """A weights or constants config's entries: each a tensor (not pickled, not an object) whose raw bytes
    are a member at least as large as the tensor it declares (torch allocates an empty one at that size)."""
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict) or not all(isinstance(entry, dict) for entry in config.values()):
        return ["%s is not a payload config ({\"config\": {name: entry}})" % name]
    folder = name.rsplit("/", 1)[0]
    problems = []
    for key, entry in sorted(config.items()):
        path_name = str(entry.get("path_name", ""))
        if entry.get("use_pickle"):
            problems.append("%s: %s is pickled (use_pickle), which torch.export.load reads with weights_only=False" % (name, key))
        elif not re.fullmatch(r"(weight|tensor)_\d+", path_name):
            problems.append("%s: %s is stored as %s, not a tensor (a custom or opaque object is unpickled)" % (name, key, path_name))
        else:
            needed = _tensor_bytes(entry.get("tensor_meta"))
            held = sizes.get("%s/%s" % (folder, path_name))
            if needed is None or held is None or needed > held:
                problems.append(
                    "%s: %s declares %s bytes of %s, which holds %s"
                    % (name, key, "unreadable" if needed is None else format(needed, ","), path_name,
                       "none (no such member)" if held is None else format(held, ","))
                )
    return problems


def _tensor_bytes(meta):
    """The bytes a strided tensor of that tensor_meta spans, or None if the meta is not one of plain ints."""
    try:
        element = _ELEMENT_BYTES[meta["dtype"]]
        sizes = [size["as_int"] for size in meta["sizes"]]
        strides = [stride["as_int"] for stride in meta["strides"]]
        offset = meta["storage_offset"]["as_int"]
    except (KeyError, TypeError):
        return None
    if not all(isinstance(n, int) and n >= 0 for n in sizes + strides + [offset]) or len(sizes) != len(strides):
        return None
    if 0 in sizes:
        return 0
    return element * (offset + sum((size - 1) * stride for size, stride in zip(sizes, strides)) + 1)


def problems(path, allowed_globals, operators=OPERATORS):
    """Why torch.export.load could run code from the archive at path, or allocate past it, or [] if neither;
    nothing in it is run.

    allowed_globals: what its torch.save members' pickles may name (bc/golden_io.py's policy).
    operators: what its graph may call (a user's target adds the operators its program calls).
    Call it on a zip whose sizes were checked (golden_io.format_problem).
    """
    found = []
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        flat = any(info.filename in _FLAT_MEMBERS for info in infos)
        sizes = {info.filename: info.file_size for info in infos}
        for info in infos:
            name = info.filename
            relative = _relative(name, flat)
            if not (relative in _FLAT_MEMBERS if flat else _MEMBERS.fullmatch(relative)):
                found.append("member %r is none that torch.export.load reads from a program of plain tensors" % name)
                continue
            if relative.endswith(".json"):
                try:
                    document = read_json(archive.read(info))
                    found += _json_problems(name, document, operators)
                except (ValueError, RecursionError) as error:  # parsed, but too deep for the walk
                    found.append("member %s is not JSON a program holds (%s)" % (name, error))
                    continue
                if relative.endswith("_config.json"):
                    found += _payload_problems(name, document, sizes)
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
