"""The checks of a Hugging Face folder's files before transformers reads them (bc/hf_files.py, through
bc/golden_io.py): every committed file passes, each hostile or damaged one is refused in one line naming the
field, and a safetensors file's metadata order is made canonical without changing what it holds."""

import json
import os
import shutil
import struct

import pytest

from bc import case_table, corpora, golden_io, hf_api, hf_files, kinds

TABLE = case_table.load_table()
HF_CASES = [case for case in TABLE if case.kind == "huggingface"]
COMMITTED = [
    os.path.join(corpus.directory, case.golden_name(part))
    for corpus in corpora.load().values()
    for case in HF_CASES
    if corpus.holds(case)
    for part in case.parts
    if case.spec.format_of(part) in golden_io.HF_FORMATS
]
SAFETENSORS = [path for path in COMMITTED if path.endswith(".safetensors")]
EXAMPLE = "serialized/%s" % TABLE["test_huggingface_llama_int8_weight_only_v2"].golden_name("model")


def test_every_case_names_an_architecture_hf_api_builds():
    assert {case.module for case in HF_CASES} <= set(hf_api.ARCHITECTURES)


@pytest.mark.parametrize("path", COMMITTED, ids=os.path.basename)
def test_every_committed_file_passes(path):
    assert golden_io.hf_problem(path, kinds.SAFETENSORS if path.endswith(".safetensors") else kinds.JSON) is None


@pytest.mark.parametrize("path", SAFETENSORS, ids=os.path.basename)
def test_committed_safetensors_are_canonical(path):
    with open(path, "rb") as f:
        data = f.read()
    assert hf_files.canonical_safetensors(data) == data


def _parts(path):
    with open(path, "rb") as f:
        data = f.read()
    length = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8 : 8 + length]), data[8 + length :]


def _write(path, header, data, length=None):
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text) if length is None else length) + text + data)
    return path


def test_canonical_order_keeps_the_tensors(tmp_path):
    header, data = _parts(EXAMPLE)
    shuffled = dict(reversed(list(header[hf_files.METADATA].items())))
    path = _write(str(tmp_path / "m.safetensors"), dict(header, **{hf_files.METADATA: shuffled}), data)
    with open(path, "rb") as f:
        canonical = hf_files.canonical_safetensors(f.read())
    with open(EXAMPLE, "rb") as f:
        assert canonical == f.read()


def _refusal(tmp_path, mutate):
    header, data = _parts(EXAMPLE)
    header, data, length = mutate(header, data)
    return golden_io.hf_problem(_write(str(tmp_path / "m.safetensors"), header, data, length), kinds.SAFETENSORS)


def _first_tensor(header):
    return next(name for name in header if name != hf_files.METADATA)


def _quantized(header):
    """The metadata key of one quantized weight, and its object."""
    for key, text in header[hf_files.METADATA].items():
        if text.startswith("{") and json.loads(text).get("_type") not in (None, "Tensor"):
            return key, json.loads(text)
    raise AssertionError("no quantized weight in " + EXAMPLE)


def _with_object(header, change):
    key, found = _quantized(header)
    change(found)
    header[hf_files.METADATA][key] = json.dumps(found)
    return header


HOSTILE = {
    "header longer than the file": (lambda h, d: (h, d, 1 << 40), "declares a header of 1099511627776 bytes"),
    "truncated data": (lambda h, d: (h, d[:-100], None), "not within the file's"),
    "offset past the end": (
        lambda h, d: (dict(h, **{_first_tensor(h): dict(h[_first_tensor(h)], data_offsets=[0, 1 << 40])}), d, None),
        "not within the file's"),
    "inflated shape": (
        lambda h, d: (dict(h, **{_first_tensor(h): dict(h[_first_tensor(h)], shape=[1 << 20, 1 << 20])}), d, None),
        "takes"),
    "unknown dtype": (
        lambda h, d: (dict(h, **{_first_tensor(h): dict(h[_first_tensor(h)], dtype="PY_OBJECT")}), d, None),
        "not one safetensors defines"),
    "metadata not strings": (lambda h, d: (dict(h, **{hf_files.METADATA: {"a": 1}}), d, None), "not a map of strings"),
    "dotted class name": (
        lambda h, d: (_with_object(h, lambda o: o.update(_type="os.system")), d, None), "not a plain class name"),
    "dunder class name": (
        lambda h, d: (_with_object(h, lambda o: o.update(_type="__class__")), d, None), "not a plain class name"),
    "a torch attribute as a dtype": (
        lambda h, d: (_with_object(h, lambda o: o["_data"].update(dtype={"_type": "torch.dtype", "_data": "load"})), d, None),
        "'load' as a torch.dtype"),
    "a torchao function as a class": (
        lambda h, d: (_with_object(h, lambda o: o.update(_type="quantize_")), d, None), "in torchao but not a class"),
    "a dtype that is not a name": (
        lambda h, d: (_with_object(h, lambda o: o["_data"].update(dtype={"_type": "torch.dtype", "_data": ["float32"]})), d, None),
        "as a torch.dtype"),
    "offsets that are booleans": (
        lambda h, d: (dict(h, **{_first_tensor(h): dict(h[_first_tensor(h)], data_offsets=[False, True])}), d, None),
        "not within the file's"),
    "deep nesting": (
        lambda h, d: (dict(h, **{hf_files.METADATA: {"x": "[" * 100000}}), d, None), "nests brackets 100003 deep"),
    "nesting hidden behind brackets in a string": (
        lambda h, d: (dict(h, **{hf_files.METADATA: {"x": json.dumps({"a": "]" * 5000, "b": [[[[[]]]]]}) , "y": "[" * 5000 + "]" * 5000}}), d, None),
        "nests deeper than"),
    "a dtype that is not a string": (
        lambda h, d: (dict(h, **{_first_tensor(h): dict(h[_first_tensor(h)], dtype=["F32"])}), d, None),
        "is not one safetensors defines"),
    "a shape of huge sizes": (
        lambda h, d: (dict(h, **{_first_tensor(h): dict(h[_first_tensor(h)], shape=[10 ** 2000] * 3)}), d, None),
        "not a list of sizes below 2**64"),
    "a shape whose product is beyond the file": (
        lambda h, d: (dict(h, **{_first_tensor(h): dict(h[_first_tensor(h)], shape=[(1 << 63)] * 2000)}), d, None),
        "takes more than that"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_safetensors_are_refused_in_one_line(tmp_path, name):
    import torchao.quantization  # noqa: F401 - what the kind's checks import: torchao's names resolve

    mutate, said = HOSTILE[name]
    refusal = _refusal(tmp_path, mutate)
    assert refusal is not None and said in refusal and "\n" not in refusal, refusal


def _config(tmp_path, change):
    case = TABLE["test_huggingface_llama_int8_weight_only_v2"]
    source = os.path.join("serialized", case.golden_name("config"))
    with open(source) as f:
        document = json.load(f)
    change(document)
    path = str(tmp_path / "config.json")
    with open(path, "w") as f:
        json.dump(document, f)
    return golden_io.hf_problem(path, kinds.JSON)


def test_config_naming_a_torchao_function_is_refused(tmp_path):
    import torchao.quantization  # noqa: F401

    def change(document):
        document["quantization_config"]["quant_type"]["default"]["_type"] = "quantize_"

    refusal = _config(tmp_path, change)
    assert "quantization_config.quant_type.default has _type 'quantize_'" in refusal, refusal


def test_config_naming_a_dtype_that_is_not_one_is_refused(tmp_path):
    def change(document):
        document["quantization_config"]["quant_type"]["default"]["_data"]["weight_dtype"] = {
            "_type": "torch.dtype", "_data": "save"}

    assert "'save' as a torch.dtype" in _config(tmp_path, change)


def test_config_that_is_not_an_object_is_refused(tmp_path):
    path = tmp_path / "config.json"
    path.write_text("[1, 2]")
    assert "not a JSON object" in golden_io.hf_problem(str(path), kinds.JSON)


def test_a_class_torchao_lacks_is_left_to_torchao(tmp_path):
    """An old file may name a class today's torchao removed: that is what the check observes, not a refusal."""
    def change(document):
        document["quantization_config"]["quant_type"]["default"]["_type"] = "Int8WeightOnlyConfigOfAnotherRelease"

    assert _config(tmp_path, change) is None


def test_verify_refuses_a_damaged_folder_naming_the_file(tmp_path):
    case = TABLE["test_huggingface_llama_int8_weight_only_v2"]
    for name in case.golden_names() + [os.path.join("manifest", case.name + ".json")]:
        os.makedirs(os.path.dirname(str(tmp_path / name)), exist_ok=True)
        shutil.copy(os.path.join("serialized", name), str(tmp_path / name))
    weights = str(tmp_path / case.golden_name("model"))
    with open(weights, "r+b") as f:
        f.truncate(os.path.getsize(weights) - 100)
    with pytest.raises(golden_io.GoldenError) as raised:
        golden_io.GoldenSet(case, str(tmp_path))._verify_readable(case.parts, "REMEDY")
    assert case.golden_name("model") in str(raised.value) and "REMEDY" in str(raised.value)
