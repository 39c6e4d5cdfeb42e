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
  * the names of nodes, inputs, attributes and keyword arguments, which
    torch.fx writes into the Python source of the module it builds and then
    executes; guard code, which module() compiles;
  * a node's target, resolved by name on torch (torch.load is one);
  * an empty raw weight, which torch.zeros allocates at the sizes the config
    declares.
problems() reads the members' names and declared sizes, the JSON (each text
field held to what torch does with its key, _FIELDS; everything else is data,
admitted whatever it holds) and the pickles' opcodes, and says what of that a
file holds; bc/golden_io.py refuses such a file before torch.export.load sees
it, and what gets past it still loads confined (bc/confine.py).
"""

import collections
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
# What torch.export.load and module() do with each text field of a program's JSON, by the field's key
# (torch/_export/serde/serialize.py, torch/export/_unlift.py, torch/fx/graph.py; docs/pt2e.md has the table,
# with the source line behind each row). A key not listed is data: kept, logged or shown, never run, so
# any text is admitted there (stack traces, from_node, custom metadata, argument strings).
NAME = "name"  # written into forward()'s source as an attribute path (self.a.b; getattr(self, "0"))
PYTHON_NAME = "python name"  # written into forward()'s source as a variable or parameter
SPEC = "treespec"  # data to pytree, but for the names it imports or writes into source (_spec_problems)
OPERATOR = "operator"  # resolved by name on torch, operator or math, then called with the node's arguments
EXPRESSION = "expression"  # evaluated by sympy.sympify, that is eval (_expression_problem)
CODE = "code"  # compiled into a function that module() runs
OBJECT = "object"  # a custom (torchbind) or opaque object's class, resolved by name and unpickled
_FIELDS = {
    "name": PYTHON_NAME,
    "as_name": PYTHON_NAME,
    "fqn": NAME,
    "parameter_name": NAME,
    "buffer_name": NAME,
    "tensor_constant_name": NAME,
    "custom_obj_name": NAME,
    "user_input_name": NAME,
    "forward_arg_names": PYTHON_NAME,
    "in_spec": SPEC,
    "out_spec": SPEC,
    "target": OPERATOR,
    "as_operator": OPERATOR,
    "expr_str": EXPRESSION,
    "as_expr": EXPRESSION,
    "guards_code": CODE,
    "class_fqn": OBJECT,
}
# What a treespec's defaultdict may name as its default factory: pytree imports the module and takes the
# attribute by name (torch/utils/_pytree.py, _defaultdict_deserialize), so builtins' plain types only.
_FACTORIES = frozenset(["list", "dict", "set", "frozenset", "tuple", "int", "float", "str", "bool", "bytes"])
# An enum a treespec's context names ({"__enum__": ..., "fqn": "module:Class"}): pytree imports the module and
# walks the attributes (enum_object_hook, 2.8 on), so torch's and torchao's own modules only.
_ENUM_FQN = re.compile(r"(torch|torchao)(\.\w+)*:\w+(\.\w+)*", re.ASCII)
# A string graph input: from 2.10, module() writes it between single quotes into guard code it runs
# (torch/export/_unlift.py, _create_guards_code), so nothing that ends the quotes or the line.
_GRAPH_INPUT_STRING = re.compile(r"(^|\.)graph\.inputs\[\d+\]\.as_string$")
_OUT_OF_QUOTES = re.compile(r"['\\\n\r]")
# The JSON objects whose keys are node names (written into forward()'s source as variables).
_NAMED_VALUES = frozenset(["tensor_values", "sym_int_values", "sym_bool_values", "sym_float_values", "custom_obj_values"])
_WORDS = re.compile(r"[\w.]*")  # the root module's fqn is ""
# The operator namespaces torch and torchao define, admitted by name (nothing is imported to list them); a user's
# target adds its own namespace, or single operators, through `operators`.
NAMESPACES = ("aten", "prims", "quantized_decomposed", "quantized", "torchao")
# Each part a name that is no dunder: getattr on torch.ops.aten.__class__ would reach Python's own machinery.
_OPERATOR = re.compile(r"torch\.ops\.((?!__)\w+)\.((?!__)\w+)\.((?!__)\w+)", re.ASCII)
_NAMESPACE = re.compile(r"torch\.ops\.((?!__)\w+)", re.ASCII)
# aten operators that read what the program names from outside it, in any overload: a file (from_file).
_READERS = frozenset(["aten.from_file"])
# Plain functions torch.export writes as targets (shape arithmetic on symbolic sizes): the deserializer resolves
# them on the operator, math and torch modules.
_FUNCTIONS = re.compile(
    r"_operator\.(getitem|add|sub|mul|truediv|floordiv|mod|pow|neg|pos|abs|invert|and_|or_|xor|not_|eq|ne|lt|le|gt|ge"
    r"|lshift|rshift)"
    r"|math\.(ceil|floor|trunc|sqrt|exp|log|log2|pow|fabs|isnan|isinf)"
    r"|torch\.(sym_float|sym_int|sym_max|sym_min|sym_not|sym_ite|sym_sum|sym_sqrt|_sym_sqrt)"
)
# sympify evaluates its text as Python, with sympy's names and the builtins in scope (eval, chr, open): an
# expression holds what torch writes there, sympy's srepr of it (torch/_export/serde/serialize.py, _print_sympy:
# Symbol('s77', positive=True, integer=True), Mul(Integer(2), ...), FloorDiv(...)) or its plain text (s0*2):
# numbers, operators, quoted symbol names and numbers, and the names below; nothing else reaches eval.
_EXPRESSION_TOKEN = re.compile(
    # A quoted string is a symbol's name or a number only: Max('...') and Min('...') sympify it again.
    r"\s*(?:(\d+(?:\.\d+)?(?:e[-+]?\d+)?)|([A-Za-z_]\w*)|('(?:[A-Za-z_]\w*|[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)')"
    r"|(\*\*|//|[-+*/%(),<>=!&|~^]))",
    re.ASCII,
)
_EXPRESSION_NAMES = frozenset(
    # sympy's classes and constants as srepr writes them
    "Symbol Dummy Integer Float Rational Add Mul Pow Mod Max Min Abs Eq Ne Lt Le Gt Ge StrictLessThan "
    "StrictGreaterThan LessThan GreaterThan Equality Unequality And Or Not BooleanTrue BooleanFalse Piecewise "
    "ExprCondPair ITE Infinity NegativeInfinity NegativeOne One Zero Half floor ceiling sqrt oo zoo nan true false "
    "True False None "
    # Symbol's and Float's keyword arguments
    "positive negative nonnegative nonpositive integer real finite zero nonzero commutative precision "
    # torch.utils._sympy.functions, as the deserializer names them (sympy_functions), in every torch that has them
    "FloorDiv ModularIndexing Where PythonMod CleanDiv CeilToInt FloorToInt CeilDiv LShift RShift PowByNatural "
    "FloatPow FloatTrueDiv IntTrueDiv IsNonOverlappingAndDenseIndicator TruncToFloat TruncToInt RoundToInt "
    "RoundDecimal ToFloat Identity BitwiseFn_bitwise_and BitwiseFn_bitwise_or".split()
)
_SYMBOL = re.compile(r"[a-z]{1,3}\d+|OpaqueUnaryFn_[a-z0-9]+")
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


class Problem(collections.namedtuple("Problem", "text place")):
    """What the check refuses (text, naming the member), and where in the member it is (a JSON path), if anywhere."""


def _json_problems(name, document, operators):
    """In one walk of a JSON member, each text field held to what torch does with its key (_FIELDS): Problems."""
    problems = []

    def text(key, value):
        role = _FIELDS.get(key)
        if role == NAME and not _WORDS.fullmatch(value):
            return ["%s: %s %r is not a name (torch.fx writes it into the source of forward())" % (name, key, value[:80])]
        if role == PYTHON_NAME:
            return _python_name_problem(name, key, value)
        if role == SPEC:
            return _spec_problems(name, key, value)
        if role == OPERATOR:
            return _operator_problem(name, value, operators)
        if role == EXPRESSION:
            return _expression_problem(name, value)
        if role == CODE:
            return ["%s: %s holds code (%r), which module() compiles and runs" % (name, key, value[:80])]
        if role == OBJECT:
            return ["%s: %s names %r, a custom or opaque object, which torch.export.load resolves by name and "
                    "unpickles" % (name, key, value[:80])]
        return []

    def walk(node, key, place):
        if isinstance(node, dict):
            for child, value in node.items():
                where = "%s.%s" % (place, child) if place else child
                if key in _NAMED_VALUES:
                    problems.extend(Problem(t, where) for t in _python_name_problem(name, "a name in " + key, child))
                walk(value, child, where)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, key, "%s[%d]" % (place, index))
        elif isinstance(node, str):
            problems.extend(Problem(t, place) for t in text(key, node))
            if key == "as_string" and _GRAPH_INPUT_STRING.search(place) and _OUT_OF_QUOTES.search(node):
                problems.append(Problem("%s: the string input %r holds a quote, backslash or line end, and module() "
                                        "writes it between quotes into guard code it runs" % (name, node[:80]), place))

    walk(document, None, "")
    return problems


def operator_or_namespace(text):
    """Whether text is what a target's `operators` may name: an operator (torch.ops.<namespace>.<op>.<overload>),
    or a whole namespace of them (torch.ops.<namespace>)."""
    return bool(_OPERATOR.fullmatch(text) or _NAMESPACE.fullmatch(text))


def _operator_problem(name, target, operators):
    """A node's target: an operator of the namespaces torch and torchao define (NAMESPACES) or the target's own
    (operators: whole names, or torch.ops.<namespace>), but for those that read a file; or a plain function
    torch.export writes for shape arithmetic."""
    found = _OPERATOR.fullmatch(target)
    if target in operators or (found and "torch.ops." + found.group(1) in operators):
        return []
    if found and "%s.%s" % found.group(1, 2) in _READERS:
        return ["%s: target %r reads a file the program names" % (name, target)]
    if (found and found.group(1) in NAMESPACES) or _FUNCTIONS.fullmatch(target):
        return []
    return ["%s: target %r is no operator of %s" % (name, target[:80], ", ".join(NAMESPACES))]


def _expression_problem(name, text):
    """A symbolic size or value: sympify evaluates it, so it must be arithmetic on torch's symbols."""
    position, strangers = 0, []
    while position < len(text.rstrip()):
        token = _EXPRESSION_TOKEN.match(text, position)
        if token is None:
            strangers.append(text[position:position + 20])
            break
        word = token.group(2)
        if word is not None and word not in _EXPRESSION_NAMES and not _SYMBOL.fullmatch(word):
            strangers.append(word)
        position = token.end()
    if not strangers:
        return []
    return ["%s: the symbolic expression %r holds %s, which is no arithmetic on torch's symbols (torch.export.load "
            "evaluates it with sympy.sympify, that is eval)" % (name, text[:80], ", ".join(repr(w) for w in strangers[:3]))]


def _python_name_problem(name, key, text):
    """torch.fx writes it into forward()'s source as a variable or a parameter: an identifier that is no keyword,
    as the names torch gives nodes are; a dotted name would assign to a module's attribute (torch.load = ...),
    anything else would be code."""
    if text.isidentifier() and not keyword.iskeyword(text):
        return []
    return ["%s: %s %r is not a Python name (torch.fx writes it into the source of forward())" % (name, key, text[:80])]


def _spec_nodes(node):
    yield node
    for child in node["children_spec"]:
        yield from _spec_nodes(child)


def _enums(value):
    """Each {"__enum__": ...} object within a context's JSON value, at any depth (pytree's object hook sees all)."""
    if isinstance(value, dict):
        if "__enum__" in value:
            yield value
        for child in value.values():
            yield from _enums(child)
    elif isinstance(value, list):
        for child in value:
            yield from _enums(child)


def _spec_problems(name, key, text):
    """A treespec (in_spec, out_spec) is data to pytree, its types resolved through pytree's registry only, but
    for three things torch does with what it holds (torch/utils/_pytree.py, _json_to_treespec):
      - an enum in a context is imported by module and name (enum_object_hook): torch's and torchao's only;
      - a defaultdict's default factory is imported by module and name: builtins' plain types only;
      - where in_spec is a tuple of (a tuple, a dict), torch.export's unlifting names forward()'s parameters after
        the dict's keys and torch.fx writes each between quotes into forward()'s source (torch/export/_unlift.py,
        _get_codegen; torch/fx/graph.py, gen_var_bindings): each must be a Python name."""
    try:
        root = json.loads(text)[1]
        nodes = list(_spec_nodes(root))
        contexts = [(node["type"], json.loads(node["context"]) if isinstance(node["context"], str) else node["context"])
                    for node in nodes]
    except (ValueError, KeyError, IndexError, TypeError, RecursionError) as error:
        return ["%s: %s is no treespec torch.export writes (%s: %s)" % (name, key, type(error).__name__, error)]
    problems = []
    for kind, context in contexts:
        for enum in _enums(context):
            if not (isinstance(enum.get("fqn"), str) and _ENUM_FQN.fullmatch(enum["fqn"])):
                problems.append("%s: %s names the enum %r, whose module pytree imports (torch's and torchao's "
                                "enums only)" % (name, key, str(enum.get("fqn"))[:80]))
        if kind == "collections.defaultdict" and not (
                isinstance(context, dict) and context.get("default_factory_module") == "builtins"
                and context.get("default_factory_name") in _FACTORIES):
            factory = context if not isinstance(context, dict) else "%s.%s" % (
                context.get("default_factory_module"), context.get("default_factory_name"))
            problems.append("%s: %s's defaultdict names the factory %r, which pytree imports (builtins' types only)"
                            % (name, key, str(factory)[:80]))
    if key != "in_spec" or problems:
        return problems
    children = root["children_spec"]
    if not (root["type"] == "builtins.tuple" and len(children) == 2 and children[0]["type"] == "builtins.tuple"
            and children[1]["type"] == "builtins.dict"):
        return []
    keys = contexts[nodes.index(children[1])][1]
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


def problems(path, allowed_globals, operators=frozenset()):
    """Why torch.export.load could run code from the archive at path, or allocate past it (Problems), or [] if
    neither; nothing in it is run.

    allowed_globals: what its torch.save members' pickles may name (bc/golden_io.py's policy).
    operators: what its graph may call beyond NAMESPACES (a user's target: operator names, or torch.ops.<namespace>).
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
                found.append(Problem("member %r is none that torch.export.load reads from a program" % name, None))
                continue
            if relative.endswith(".json"):
                try:
                    document = read_json(archive.read(info))
                    found += _json_problems(name, document, operators)
                except (ValueError, RecursionError) as error:  # parsed, but too deep for the walk
                    found.append(Problem("member %s is not JSON a program holds (%s)" % (name, error), None))
                    continue
                if relative.endswith("_config.json"):
                    found += [Problem(text, None) for text in _payload_problems(name, document, sizes)]
            elif relative.endswith(".pt"):
                found += [Problem("member %s: %s" % (name, text), None)
                          for text in _torch_save_problems(archive.read(info), allowed_globals)]
    return found


def summary(found):
    """The lines that say found: each distinct problem once, with its count and its first three places; at most
    ten; then, where one would admit them, the target's attribute."""
    places = collections.OrderedDict()
    for problem in found:
        places.setdefault(problem.text, []).append(problem.place)
    lines = []
    for text, where in places.items():
        named = [place for place in where if place][:3]
        count = " (%d times%s)" % (len(where), ", at " + ", ".join(named) + (", ..." if len(where) > 3 else "")
                                   if named else "") if len(where) > 1 else (" (at %s)" % named[0] if named else "")
        lines.append(text + count)
    if len(lines) > 9:
        lines = lines[:8] + ["and %d other problems" % (len(lines) - 8)]
    remedies = [remedy for marker, remedy in _REMEDIES if any(marker in text for text in places)]
    return lines + remedies[:1]


# What a target's attribute admits, by what the problem says (docs/own-models.md).
_REMEDIES = (
    ("is no operator of", "An operator of your own library: list it, or torch.ops.<namespace>, in the target's "
                          "`operators`."),
    ("outside the weights-only allowlist", "A plain type your sample inputs hold: list it in the target's "
                                           "`allowed_globals`."),
)


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
