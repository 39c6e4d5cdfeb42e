"""The case table: complete, consistent with the seed, and strict about its own format."""

import copy
import subprocess
import sys
import textwrap

import pytest

from bc import case_table, modules

# The seed's test methods, test_linear_dynamic split in two (docs/cases.md).
SEED_CASES = [
    "test_linear",
    "test_linear_relu",
    "test_linear_dynamic_qint8",
    "test_linear_dynamic_float16",
    "test_conv2d",
    "test_conv2d_nobias",
    "test_conv2d_graph",
    "test_conv2d_nobias_graph",
    "test_conv2d_graph_v2",
    "test_conv2d_nobias_graph_v2",
    "test_conv2d_graph_v3",
    "test_conv2d_nobias_graph_v3",
    "test_conv2d_relu",
    "test_conv3d",
    "test_conv3d_relu",
    "test_lstm",
    "test_per_channel_observer",
    "test_per_tensor_observer",
    "test_default_qat_qconfig",
    "test_linear_relu_package_quantization_transforms",
]

TABLE = case_table.load_table()


# The kinds the seed has no case of: today's quantized formats.
NOT_IN_THE_SEED = ("torchao", "pt2e", "huggingface", "executorch")


def test_every_seed_case_is_declared_once():
    assert sorted(c.name for c in TABLE if c.kind not in NOT_IN_THE_SEED) == sorted(SEED_CASES)


@pytest.mark.parametrize("case", list(TABLE), ids=lambda c: c.name)
def test_case_is_consistent(case):
    # A huggingface case names an architecture of bc/hf_api.py, which tests/test_hf_files.py holds.
    assert case.kind == "huggingface" or case.module in modules.FACTORIES
    assert set(case.engines) <= set(TABLE.qengines)
    assert case.golden_names()[0].startswith("TestSerialization.%s." % case.name)
    assert case.note, "every entry says why it is what it is"


def test_kinds_follow_the_seed():
    kinds = {c.name: c.kind for c in TABLE}
    assert kinds["test_lstm"] == "op"
    assert kinds["test_conv2d_graph_v3"] == "op_graph"
    assert kinds["test_default_qat_qconfig"] == "observer"
    assert kinds["test_linear_relu_package_quantization_transforms"] == "package"
    assert TABLE["test_default_qat_qconfig"].check_numerics is False
    assert TABLE["test_lstm"].zipfile and not TABLE["test_linear"].zipfile
    assert TABLE["test_lstm"].avx512_vnni_sensitive
    assert [c.name for c in TABLE if c.avx512_vnni_sensitive] == ["test_lstm"]


def test_torchao_cases_are_engine_independent():
    # torchao's tensor subclasses run ATen's kernels, not a quantized engine's.
    assert all(c.engine_independent for c in TABLE if c.kind == "torchao")


def test_engine_independent_cases_are_the_observers():
    assert sorted(c.name for c in TABLE if c.engine_independent and c.kind not in NOT_IN_THE_SEED) == [
        "test_default_qat_qconfig",
        "test_per_channel_observer",
        "test_per_tensor_observer",
    ]


def test_package_case_uses_allclose_defaults():
    case = TABLE["test_linear_relu_package_quantization_transforms"]
    assert (case.atol, case.rtol) == (1e-08, 1e-05)
    assert case.parts == ("input", "package", "get_attr_targets", "expected")


def test_a_tests_own_entry_is_its_case_in_the_table():
    """bc/defs.bzl hands each case test its entry as JSON; it must read back as the table's case."""
    name = "test_linear_relu_package_quantization_transforms"  # floats, differences, every engine
    assert case_table.load_entry(name) == TABLE[name]


def test_the_table_and_the_kinds_import_no_torch():
    """tools/ read case file lists on the host, where torch is not installed."""
    code = "import sys; from bc import case_table, manifest; case_table.load_table(); print('torch' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"


def _table(tmp_path, entry):
    path = tmp_path / "cases.bzl"
    path.write_text(textwrap.dedent('''\
        GOLDEN_PREFIX = "TestSerialization"
        QENGINES = ["fbgemm", "x86"]
        CASES = [%s]
    ''') % entry)
    return str(path)


@pytest.mark.parametrize(
    "entry, message",
    [
        ('{"name": "a", "kind": "op", "module": "m", "input_size": [1]}', "missing ['engines']"),
        ('{"name": "a", "kind": "op", "module": "m", "input_size": [1], "engines": [], "color": 1}', "unknown ['color']"),
        ('{"name": "a", "kind": "oops", "module": "m", "input_size": [1], "engines": []}', "kind 'oops'"),
        ('{"name": "a", "kind": "op", "module": "m", "input_size": [1], "engines": ["tpu"]}', "engines ['tpu']"),
    ],
)
def test_bad_entries_are_named(tmp_path, entry, message):
    with pytest.raises(case_table.TableError, match="a") as error:
        case_table.load_table(_table(tmp_path, entry))
    assert message in str(error.value)


def test_unknown_case_lists_the_known_ones():
    with pytest.raises(case_table.TableError, match="test_linear_relu"):
        TABLE["test_nope"]


@pytest.mark.parametrize(
    "change, said",
    [
        (lambda e: e.pop("quantizer"), "a quantizer is what a pt2e or executorch case has, and only it"),
        (lambda e: e["quantizer"].update(qat="yes", calibrate=3), "takes only homes, args and qat"),
        (lambda e: e.update(kind="op"), "a quantizer is what a pt2e or executorch case has, and only it"),
        (lambda e: e.update(partitioner=None), "a partitioner is what an executorch case has, and only it"),
        (lambda e: e.update(partitioner="XnnpackPartitioner"), "a partitioner is what an executorch case has, and only it"),
    ],
)
def test_a_pt2e_entry_names_its_quantizer_and_only_a_pt2e_entry_does(change, said):
    constants = case_table.read_constants(case_table.TABLE_PATH)
    entry = copy.deepcopy(next(e for e in constants["CASES"] if e["name"] == "test_pt2e_xnnpack_qat"))
    change(entry)
    with pytest.raises(case_table.TableError, match=said):
        case_table._case_from_entry(entry, constants)


@pytest.mark.parametrize(
    "change, said",
    [
        (lambda e: e.pop("partitioner"), "a partitioner is what an executorch case has, and only it"),
        (lambda e: e.update(partitioner="QnnPartitioner"), "'QnnPartitioner' is not one of XnnpackPartitioner, or None"),
        (lambda e: e.pop("quantizer"), "a quantizer is what a pt2e or executorch case has"),
        (lambda e: e["quantizer"].update(homes="executorch.backends"), "homes are a list of modules"),
        (lambda e: e["quantizer"].update(homes=["executorch.backends", "not a module"]), "homes are a list of modules"),
    ],
)
def test_an_executorch_entry_names_its_quantizer_and_partitioner(change, said):
    constants = case_table.read_constants(case_table.TABLE_PATH)
    entry = copy.deepcopy(next(e for e in constants["CASES"] if e["name"] == "test_executorch_xnnpack_dynamic"))
    change(entry)
    with pytest.raises(case_table.TableError, match=said):
        case_table._case_from_entry(entry, constants)
