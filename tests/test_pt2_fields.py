"""Each row of docs/pt2e.md's table of a program's fields: what torch does with the field, an ordinary value torch
writes there (admitted) and a hostile one (refused, saying why), read by bc/pt2_archive.py's check.

The hostile programs that also run their payload under the stock loader are in tests/test_golden_io.py
(HOSTILE_PROGRAMS); the programs users write, in tests/test_users_programs.py.
"""

import json

import pytest

from bc import pt2_archive

KWARGS_SPEC = [1, {"type": "builtins.tuple", "context": "null", "children_spec": [
    {"type": "builtins.tuple", "context": "null", "children_spec": []},
    {"type": "builtins.dict", "context": json.dumps(["mask"]), "children_spec": [{"type": None, "context": None,
                                                                                 "children_spec": []}]}]}]
HOSTILE_SPEC = json.loads(json.dumps(KWARGS_SPEC))
HOSTILE_SPEC[1]["children_spec"][1]["context"] = json.dumps(["a':__import__('os').system('id')#"])

LEAF = {"type": None, "context": None, "children_spec": []}


def _defaultdict(module, factory):
    """An out_spec of a defaultdict of one leaf, its factory named as pytree's serializer names it."""
    context = {"default_factory_module": module, "default_factory_name": factory, "dict_context": ["k"]}
    return json.dumps([1, {"type": "collections.defaultdict", "context": context, "children_spec": [LEAF]}])


def _enum_spec(fqn):
    """An in_spec whose positional tuple's context holds an enum, as pytree's EnumEncoder writes one."""
    return json.dumps([1, {"type": "builtins.tuple", "context": json.dumps({"__enum__": True, "fqn": fqn, "name": "a"}),
                           "children_spec": [LEAF]}])


# (the field, an ordinary value, a hostile value, what the check says of the hostile one)
ROWS = [
    ("name", "conv2d_1", "x=__import__('os')", "is not a Python name"),
    ("name", "add_3", "torch.load", "is not a Python name"),
    ("fqn", "features.0.weight", "a\"); import os; (\"", "is not a name"),
    ("forward_arg_names", "input_ids", "lambda", "is not a Python name"),
    ("in_spec", json.dumps(KWARGS_SPEC), json.dumps(HOSTILE_SPEC), "in_spec's keyword argument"),
    ("out_spec", _defaultdict("builtins", "list"), _defaultdict("this", "d"), "defaultdict names the factory 'this.d'"),
    ("out_spec", _defaultdict("builtins", "int"), _defaultdict("builtins", "eval"), "which pytree imports"),
    ("in_spec", _enum_spec("torchao.quantization.quantize_.common.KernelPreference:KernelPreference"),
     _enum_spec("this:d"), "names the enum 'this:d', whose module pytree imports"),
    ("target", "torch.ops.aten.conv2d.default", "torch.load", "is no operator of aten"),
    ("target", "torch.ops.torchao.quantize_affine.default", "torch.ops.aten.from_file.default", "reads a file"),
    ("target", "torch.ops.prims.convert_element_type.default", "torch.ops.aten.from_file.out", "reads a file"),
    ("target", "torch.ops.quantized.linear.default", "torch.ops.aten.__class__.__setattr__", "is no operator of aten"),
    ("target", "_operator.getitem", "_operator.methodcaller", "is no operator of aten"),
    ("expr_str", "Mul(Integer(2), Symbol('s77', positive=True, integer=True))", "eval(chr(49))",
     "is no arithmetic on torch's symbols"),
    ("expr_str", "FloorDiv(s0, 2)", "Symbol('s0').__class__", "is no arithmetic on torch's symbols"),
    ("expr_str", "Max(Integer(1), Symbol('s0', positive=True, integer=True))", "Max('eval.__self__.__doc__')",
     "is no arithmetic on torch's symbols"),
    ("guards_code", None, "__import__('os').system('id')", "holds code"),
    ("class_fqn", None, "__torch__.torch.classes.quantized.LinearPackedParamsBase", "a custom or opaque object"),
    ("stack_trace", 'File "/home/u/model.py", line 3, in forward\n    x = self.conv(x)', None, None),
    ("from_node", json.dumps([{"name": "conv2d", "target": "aten.conv2d.default", "graph_id": 140}]), None, None),
    ("custom", json.dumps({"_torchdynamo_disable": True, "_torchdynamo_disable_method": "dispatch_trace"}), None, None),
    ("as_string", "floor'); import os; ('", None, None),
]


@pytest.mark.parametrize("field, ordinary, hostile, said", ROWS, ids=["%s-%d" % (row[0], i) for i, row in enumerate(ROWS)])
def test_each_field_is_held_to_what_torch_does_with_it(field, ordinary, hostile, said):
    if ordinary is not None:
        assert _texts({field: ordinary}) == []
    if hostile is not None:
        found = _texts({field: hostile})
        assert len(found) == 1 and said in found[0], found


def test_node_names_as_keys_are_held_to_names_and_other_keys_are_data():
    assert _texts({"tensor_values": {"conv2d": {}}, "custom": {"any key": "v"}}) == []
    found = _texts({"tensor_values": {"x=1;import os": {}}})
    assert len(found) == 1 and "a name in tensor_values 'x=1;import os' is not a Python name" in found[0], found


def test_a_users_namespace_is_admitted_through_operators_by_name_or_whole():
    target = "torch.ops.mylib.fused.default"
    assert _texts({"target": target})
    assert _texts({"target": target}, [target]) == []
    assert _texts({"target": target}, ["torch.ops.mylib"]) == []


def test_a_refusal_says_each_problem_once_with_its_count_places_and_the_attribute_that_admits_it():
    """Issue 33: forty lines of one problem on one line were what a user met."""
    nodes = [{"name": "n%d" % i, "target": "torch.ops.mylib.op%d.default" % (i % 2)} for i in range(40)]
    found = pt2_archive._json_problems("m", {"graph": {"nodes": nodes}}, frozenset())
    lines = pt2_archive.summary(found)
    assert len(lines) == 3, lines
    assert lines[0] == ("m: target 'torch.ops.mylib.op0.default' is no operator of aten, prims, quantized_decomposed, "
                        "quantized, torchao (20 times, at graph.nodes[0].target, graph.nodes[2].target, "
                        "graph.nodes[4].target, ...)"), lines[0]
    assert "`operators`" in lines[-1]
    many = [pt2_archive.Problem("problem %d" % i, None) for i in range(30)]
    assert len(pt2_archive.summary(many)) == 9 and pt2_archive.summary(many)[-1] == "and 22 other problems"


def _texts(document, operators=()):
    return [problem.text for problem in pt2_archive._json_problems("m", document, frozenset(operators))]


def test_a_string_graph_input_is_held_to_what_guard_code_can_quote_and_other_strings_are_data():
    """From 2.10, module() writes a string graph input between single quotes into guard code it runs."""
    def graph(value):
        return {"graph_module": {"graph": {"inputs": [{"as_tensor": {"name": "x"}}, {"as_string": value}],
                                           "nodes": [{"inputs": [{"arg": {"as_string": value}}]}]}}}

    assert _texts(graph("reflect mode, any text")) == []
    found = _texts(graph("' + str(__import__('os').getcwd()) + '"))
    assert len(found) == 1 and "the string input" in found[0] and "guard code" in found[0], found
    assert len(_texts(graph("a\\nb\\"))) == 1
