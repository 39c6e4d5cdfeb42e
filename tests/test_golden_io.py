"""The loading policy (bc/golden_io.py), applied for real to every corpus; and its check under an older torch.

This is //tests:golden_io_test, a plain py_test with no target_compatible_with:
no flag skips it (--//bc:avx512_vnni, --//bc:qengine and --//bc:corpus select
what //bc's case tests run; nothing here reads them). So every golden file
of every corpus is loaded with today's policy in every run of //tests/...:
weights-only files by torch.load, archives by torch.jit.load, packages by
their importer after every digest matched, torchao checkpoints by torch.load
with torchao imported (or refused for a torchao class alone), torch.export
programs by torch.export.load once nothing in them can run code (or refused
for their schema version alone); also where a case test that reads
it is SKIPPED (test_lstm on an AVX512-VNNI CPU, a case under another engine
or corpus). Loading is what is promised here; the numbers are the case tests'.
"""

import contextlib
import io
import json
import os
import pickle
import shutil
import sys
import zipfile

import pytest
import torch
from torch import _weights_only_unpickler

from bc import case_table, confine, corpora, golden_io, kinds, manifest, pickles, pt2_archive, torch_api
from tests.golden_copies import adopt, verify_error

TABLE = case_table.load_table()
CORPORA = corpora.load()
WEIGHTS_ONLY = (kinds.TENSORS, kinds.STATE_DICT)  # the formats read by torch.load(weights_only=True)


def _weights_only_files():
    """(corpus, case, part) of every weights-only golden file of every corpus, as bc/kinds.py and the corpora say."""
    return [
        (corpus, case, part)
        for corpus in CORPORA.values()
        for case in TABLE
        if corpus.holds(case)
        for part in case.parts
        if kinds.KINDS[case.kind].format_of(part) in WEIGHTS_ONLY
    ]


FILES = _weights_only_files()
# (corpus, case) of every torchao case in every corpus that holds it.
CHECKPOINTS = [(corpus, case) for corpus in CORPORA.values() for case in TABLE if corpus.holds(case) and case.kind == "torchao"]
# (corpus, case) of every pt2e case in every corpus that holds it.
PROGRAMS = [(corpus, case) for corpus in CORPORA.values() for case in TABLE if corpus.holds(case) and case.kind == "pt2e"]
# (corpus, case) of every case with an archive or a package, in every corpus that holds it.
LOADED_BY_CODE = [
    (corpus, case)
    for corpus in CORPORA.values()
    for case in TABLE
    if corpus.holds(case) and {kinds.KINDS[case.kind].format_of(p) for p in case.parts} & {kinds.SCRIPT, kinds.PACKAGE}
]


# The runfiles lead into the source tree, beside the tests/ this file resolves into.
SOURCE_TREE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


def _path(corpus, case, part):
    return os.path.join(corpus.directory, case.golden_name(part))


def test_every_corpus_has_weights_only_files_to_load():
    assert {corpus.name for corpus, _, _ in FILES} == set(CORPORA)
    assert len(FILES) > 150  # 194 when written: 20 cases today, 15, 17 and 18 in the past corpora


@pytest.mark.parametrize("corpus, case, part", FILES, ids=[_path(*f) for f in FILES])
def test_every_weights_only_golden_file_loads_with_todays_policy(corpus, case, part):
    golden, refused = golden_io.GoldenSet(case, corpus.directory), None
    try:
        golden.load(part)
    except golden_io.GoldenError as error:
        refused = str(error)
    if refused:
        pytest.fail(refused, pytrace=False)  # names the file, and the global torch refused


@pytest.mark.parametrize(
    "corpus, case", LOADED_BY_CODE, ids=["%s/%s" % (corpus.name, case.name) for corpus, case in LOADED_BY_CODE]
)
def test_every_archive_and_package_loads_after_its_digests_match(corpus, case):
    golden = golden_io.GoldenSet(case, corpus.directory, root=os.path.join(SOURCE_TREE, corpus.directory))
    try:
        golden.verify()
    except golden_io.GoldenError as error:
        pytest.fail(str(error), pytrace=False)
    for part in case.parts:
        if golden.format(part) in (kinds.SCRIPT, kinds.PACKAGE):
            assert golden.load(part) is not None, golden.path(part)


@pytest.mark.parametrize("corpus, case", CHECKPOINTS, ids=["%s/%s" % (corpus.name, case.name) for corpus, case in CHECKPOINTS])
def test_every_torchao_checkpoint_loads_or_is_refused_for_a_torchao_class_only(corpus, case):
    import torchao  # noqa: F401 - registers torchao's classes as safe globals, as a user's import does

    golden = golden_io.GoldenSet(case, corpus.directory, root=os.path.join(SOURCE_TREE, corpus.directory))
    try:
        golden.verify()  # digests, structure, and no global outside the allowlist and torchao
    except golden_io.GoldenError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        assert golden.load("state_dict")
    except pickle.UnpicklingError as error:
        assert "Unsupported global: GLOBAL torchao." in str(error), str(error)


def _named(files):
    """{global: first file naming it} of the files' pickles, torchao's own classes left out."""
    named = {}
    for corpus, case, part in files:
        for name in pickles.torch_save_globals(_path(corpus, case, part)):
            if not name.startswith(kinds.TORCHAO_PREFIX):  # admitted by torchao itself, or refused by torch
                named.setdefault(name, _path(corpus, case, part))
    return named


def test_the_policy_admits_exactly_the_globals_the_corpora_hold():
    named = _named(FILES)
    assert set(named) <= golden_io.ALLOWED_GLOBALS, {name: named[name] for name in set(named) - golden_io.ALLOWED_GLOBALS}
    assert golden_io.ALLOWED_GLOBALS - set(named) == set(), "allowed, but no corpus holds them"
    # torchao checkpoints: those and TORCHAO_GLOBALS, each of which one of them names.
    named = _named([(corpus, case, "state_dict") for corpus, case in CHECKPOINTS])
    admitted = golden_io.ALLOWED_GLOBALS | golden_io.TORCHAO_GLOBALS
    assert set(named) <= admitted, {name: named[name] for name in set(named) - admitted}
    assert golden_io.TORCHAO_GLOBALS - set(named) == set(), "allowed for torchao checkpoints, but none names them"


def test_a_truncated_torchao_pickle_is_refused_by_verify_not_a_traceback(tmp_path):
    golden = _copy_past_case("torchao-0.16.0", TABLE["test_torchao_int8_weight_only_v2"], str(tmp_path / "serialized"))
    path = golden.path("state_dict")
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            archive.writestr(name, data[: len(data) // 2] if name.endswith("/data.pkl") else data)
    adopt(golden)
    message = verify_error(golden)
    assert path in message and "truncated or corrupt" in message


def test_a_damaged_executorch_program_is_refused_by_verify_in_one_line_naming_the_file(tmp_path):
    golden = _copy_past_case("executorch-1.0.0", TABLE["test_executorch_xnnpack_dynamic"], str(tmp_path / "serialized"))
    path = golden.path("program")
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    adopt(golden)
    message = verify_error(golden)
    refusal = next(line for line in message.splitlines() if path in line)
    assert "reaches past the end of the file" in refusal and "refused before executorch's runtime reads it" in refusal


def test_torch_is_given_a_class_exactly_where_its_own_allowlist_lacks_the_name():
    today = set(_weights_only_unpickler._get_allowed_globals())
    given = {name for _, name in golden_io.SAFE_GLOBALS}
    # The loader maps protocol 2's __builtin__ to builtins before it looks a name up.
    looked_up = {name.replace("__builtin__.", "builtins."): name for name in golden_io.ALLOWED_GLOBALS}
    assert {looked_up[name] for name in set(looked_up) - today} == given
    assert given == {"torch.ScriptObject", "torch._C.ScriptObject"}


def _copy_past_case(corpus_name, case, golden_dir):
    """A past corpus's files of the case (and manifest) copied into golden_dir; its GoldenSet there."""
    source = CORPORA[corpus_name].directory
    os.makedirs(os.path.join(golden_dir, manifest.MANIFEST_DIR), exist_ok=True)
    for name in manifest.case_files(case):
        shutil.copyfile(os.path.join(source, name), os.path.join(golden_dir, name))
    return golden_io.GoldenSet(case, golden_dir)


def _rename_global(path, old, new):
    """Rewrites a zipfile torch.save's data.pkl so that its GLOBAL old names new (each b"module\\nname")."""
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            if name.endswith("/data.pkl"):
                assert data.count(b"c%s\n" % old) == 1, name
                data = data.replace(b"c%s\n" % old, b"c%s\n" % new)  # protocol 2: no frame lengths to mend
            archive.writestr(name, data)


@pytest.fixture
def another_torch():
    """golden_io asks its torch once per process what the loader takes: ask again, in and after a test that fakes another."""
    golden_io._extensible_by_name.cache_clear()
    yield
    golden_io._extensible_by_name.cache_clear()


@pytest.fixture
def without_safe_globals(monkeypatch, another_torch):
    monkeypatch.setattr(torch_api, "extensible_weights_only", lambda: None)


@pytest.fixture
def with_torch_2_5_safe_globals(monkeypatch, another_torch):
    """torch 2.5's lookup of the globals safe_globals added: classes only, each under its own name."""

    def user_allowed_globals():
        return {"%s.%s" % (f.__module__, f.__name__): f for f in _weights_only_unpickler._marked_safe_globals_set}

    monkeypatch.setattr(_weights_only_unpickler, "_get_user_allowed_globals", user_allowed_globals)


@pytest.mark.parametrize("loader", [None, "without_safe_globals", "with_torch_2_5_safe_globals"])
@pytest.mark.parametrize("payload", ["os.system", "subprocess.call"])  # in a module torch blocks; not allowed
def test_a_past_lstm_state_dict_naming_a_global_outside_the_allowlist_is_refused(tmp_path, request, loader, payload):
    if loader:
        request.getfixturevalue(loader)
    golden = _copy_past_case("1.6.0", TABLE["test_lstm"], str(tmp_path / "serialized"))
    path = golden.path("state_dict")
    _rename_global(path, b"torch._C\nScriptObject", payload.replace(".", "\n").encode())
    assert payload in pickles.torch_save_globals(path)
    adopt(golden)  # recorded in the manifest, so the digests pass and the loader speaks
    message = verify_error(golden)
    assert path in message
    assert "unsafe: loading it would call code outside the weights-only allowlist" in message
    assert payload in message


def test_a_torchao_checkpoint_naming_a_global_outside_the_allowlist_and_torchao_is_refused(tmp_path):
    golden = _copy_past_case("torchao-0.7.0", TABLE["test_torchao_int8_weight_only_v1"], str(tmp_path / "serialized"))
    path = golden.path("state_dict")
    _rename_global(path, b"torchao.dtypes.utils\nPlainLayout", b"os\nsystem")
    adopt(golden)
    message = verify_error(golden)
    assert path in message and "unsafe: its pickle names os.system, outside the weights-only allowlist and outside torchao" in message


def test_a_torchao_name_torchao_does_not_register_reaches_torchs_loader_which_refuses_it(tmp_path):
    from bc import checks

    case = TABLE["test_torchao_int8_weight_only_v1"]
    golden = _copy_past_case("torchao-0.7.0", case, str(tmp_path / "serialized"))
    _rename_global(golden.path("state_dict"), b"torchao.dtypes.utils\nPlainLayout", b"torchao.quantization\nquantize_")
    adopt(golden)
    golden.verify()  # a torchao name: torch's weights-only loader decides
    (loader, _, checkpoint), _ = checks.check_torchao(case, golden)
    found = checkpoint()
    assert loader == "checkpoint"
    assert "today's torchao cannot give torchao.quantization.quantize_: not registered as a safe global" in found, found


def test_an_unmodified_copy_of_it_passes(tmp_path):
    _copy_past_case("1.6.0", TABLE["test_lstm"], str(tmp_path / "serialized")).verify()


def test_a_torch_that_cannot_add_a_class_under_an_older_name_checks_the_names_itself(with_torch_2_5_safe_globals):
    loaded = golden_io.weights_only_load(_path(CORPORA["1.6.0"], TABLE["test_lstm"], "state_dict"))
    assert [type(value) for value in loaded.values()] == [torch.ScriptObject]


class Payload:
    def __reduce__(self):
        return (print, ("ran",))


def test_an_older_torch_loads_allowlisted_files(tmp_path, without_safe_globals):
    path = tmp_path / "x.pt"
    torch.save({"w": torch.ones(2), "targets": {"a", "b"}}, path)
    loaded = golden_io.weights_only_load(str(path))
    assert torch.equal(loaded["w"], torch.ones(2)) and loaded["targets"] == {"a", "b"}


def test_an_older_torch_refuses_other_globals_without_running_them(tmp_path, without_safe_globals, capsys):
    path = tmp_path / "x.pt"
    torch.save({"w": Payload()}, path)
    with pytest.raises(golden_io.GoldenError, match="unsafe: .*__builtin__.print"):
        golden_io.weights_only_load(str(path))
    assert "ran" not in capsys.readouterr().out


def test_a_past_corpus_remedy_names_its_release():
    case = TABLE["test_linear"]
    assert golden_io.GoldenSet(case, "serialized/1.6.0")._regenerate("--force", case.name) == (
        "bazel run //bc:regenerate -- --release 1.6.0 --force test_linear"
    )
    assert golden_io.GoldenSet(case, "serialized")._regenerate(case.name) == "bazel run //bc:regenerate -- test_linear"


@pytest.mark.parametrize("corpus, case", PROGRAMS, ids=["%s/%s" % (corpus.name, case.name) for corpus, case in PROGRAMS])
def test_every_program_loads_or_is_refused_for_its_schema_version_only(corpus, case):
    from bc import pt2e_api

    pt2e_api.register_ops()
    golden = golden_io.GoldenSet(case, corpus.directory, root=os.path.join(SOURCE_TREE, corpus.directory))
    try:
        golden.verify()  # digests, then nothing in the archive that torch.export.load would run
    except golden_io.GoldenError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        assert golden.load("program").module() is not None
    except RuntimeError as error:
        assert "does not match our current schema version" in str(error), str(error)


def _program_members(corpus, case):
    with zipfile.ZipFile(_path(corpus, case, "program")) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_program_policy_admits_exactly_the_globals_the_programs_hold():
    named = set()
    for corpus, case in PROGRAMS:
        for name, data in _program_members(corpus, case).items():
            if name.endswith(".pt"):
                named |= pickles.torch_save_globals_of(data)
    assert named == golden_io.PT2_GLOBALS, (sorted(named - golden_io.PT2_GLOBALS), sorted(golden_io.PT2_GLOBALS - named))


def test_the_operators_the_programs_call_are_admitted_by_their_namespace_alone():
    called = set()
    for corpus, case in PROGRAMS:
        for name, data in _program_members(corpus, case).items():
            if name.endswith((pt2_archive.PROGRAM, pt2_archive.FLAT_PROGRAM)):
                called |= {node["target"] for node in json.loads(data)["graph_module"]["graph"]["nodes"]}
    assert called and not [problem for target in sorted(called) for problem in pt2_archive._operator_problem("p", target, ())]


class Makedirs:
    """Pickled as a call of os.makedirs(path): what a hostile pickle in a .pt2 would run."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.makedirs, (self.path,))


def _edited_program(tmp_path, corpus_name, edit):
    """A copy of a program of corpus_name with its members as edit({name: bytes}) returns them, adopted."""
    golden = _copy_past_case(corpus_name, TABLE["test_pt2e_xnnpack_static_per_channel"], str(tmp_path / "serialized"))
    path = golden.path("program")
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in edit(members).items():
            archive.writestr(name, data)
    adopt(golden)
    return golden


def _pickled(value):
    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


def _edit_json(members, suffix, change):
    (name,) = [n for n in members if n.endswith(suffix)]
    document = json.loads(members[name])
    change(document)
    members[name] = json.dumps(document).encode()
    return members


def _edit_program(change):
    return lambda m: _edit_json(m, pt2_archive.PROGRAM, change)


def _sample_inputs(marker):
    return lambda m: {n: _pickled(Makedirs(marker)) if n.endswith("sample_inputs/model.pt") else d for n, d in m.items()}


def _symbolic_size(marker):
    expression = "sympify.__globals__['__builtins__']['__import__']('os').makedirs(%r)" % marker

    def change(document):
        values = document["graph_module"]["graph"]["tensor_values"]
        values[sorted(values)[0]]["sizes"][0] = {"as_expr": {"expr_str": expression, "hint": None}}

    return _edit_program(change)


def _input_name(marker):
    """torch.fx writes the input's name into the source of forward(), which it executes."""
    hostile = "input=__import__('os').makedirs(%r)" % marker

    def rename(node):  # the input as a tensor argument (graph, nodes, signature), not an operator's argument "input"
        if isinstance(node, dict):
            for key in ("as_tensor", "arg"):
                if isinstance(node.get(key), dict) and node[key].get("name") == "input":
                    node[key]["name"] = hostile
            for value in node.values():
                rename(value)
        elif isinstance(node, list):
            for value in node:
                rename(value)

    def change(document):
        rename(document)
        values = document["graph_module"]["graph"]["tensor_values"]
        values[hostile] = values.pop("input")

    return _edit_program(change)


def _keyword_names(marker):
    """Issue 33: torch.export's unlifting names forward()'s parameters after in_spec's keyword arguments, and
    torch.fx writes each into forward()'s source between quotes; no forward_arg_names, so they are used."""
    leaf = {"type": None, "context": None, "children_spec": []}
    names = ["a=':0}), self._in_spec)#", "R'+str(__import__(\"os\").makedirs(%s,exist_ok=True))" % json.dumps(marker)]
    spec = [1, {"type": "builtins.tuple", "context": "null", "children_spec": [
        {"type": "builtins.tuple", "context": "null", "children_spec": [leaf]},
        {"type": "builtins.dict", "context": json.dumps(names), "children_spec": [leaf, leaf]}]}]

    def change(document):
        signature = document["graph_module"]["module_call_graph"][0]["signature"]
        signature.update(forward_arg_names=[], in_spec=json.dumps(spec))

    return _edit_program(change)


def _guards_code(marker):
    """module() compiles the program's guard code into a function its forward calls."""
    return _edit_program(lambda d: d.update(guards_code=["__import__('os').makedirs(%r)" % marker]))


def _pickled_weight(marker):
    def edit(members):
        members = _edit_json(members, "model_weights_config.json", lambda d: d["config"]["0.weight"].update(use_pickle=True))
        weight = [n for n in members if n.endswith("data/weights/weight_0")][0]
        members[weight] = _pickled(Makedirs(marker))
        return members

    return edit


def _opaque_constant(marker):
    """An opaque constant is read with pickle.loads; its bytes must also pass as a uint8 tensor first."""
    payload = pickle.dumps(Makedirs(marker))

    def edit(members):
        (weights,) = [n for n in members if n.endswith("model_weights_config.json")]
        meta = dict(json.loads(members[weights])["config"]["0.weight"]["tensor_meta"], dtype=1)
        meta.update(sizes=[{"as_int": len(payload)}], strides=[{"as_int": 1}], requires_grad=False)
        entry = {"path_name": "opaque_obj_0", "is_param": False, "use_pickle": False, "tensor_meta": meta}
        members = _edit_json(members, "model_constants_config.json", lambda d: d["config"].update(c=entry))
        members["archive/data/constants/opaque_obj_0"] = payload
        return members

    return edit


def _unscanned_program(marker):
    """A member name ending in a newline, which a pattern matched with $ would take for a JSON member and skip."""

    def edit(members):
        members = _symbolic_size(marker)(members)
        members["archive/models/model.json\n"] = members.pop("archive/models/model.json")
        return members

    return edit


def _empty_weight(marker):
    """torch allocates an empty raw weight with torch.zeros at the sizes its config declares."""

    def edit(members):
        members = _edit_json(members, "model_weights_config.json", lambda d: d["config"]["0.weight"]["tensor_meta"].update(
            sizes=[{"as_int": 250000000}], strides=[{"as_int": 1}]))
        members[[n for n in members if n.endswith("data/weights/weight_0")][0]] = b""
        return members

    return edit


def _foreign_operator(marker):
    return _edit_program(lambda d: d["graph_module"]["graph"]["nodes"][0].update(target="torch.ops.aten.from_file.default"))


def _deep_json(marker):
    """A program 100,000 lists deep: Python's JSON parser gives up (RecursionError), and verify says so in one line."""
    return lambda m: {n: b"[" * 100000 if n.endswith(pt2_archive.PROGRAM) else d for n, d in m.items()}


def _extra_member(marker):
    return lambda m: dict(m, **{"archive/data/aotinductor/model.so": b"\x7fELF"})


# (the hostile edit, what verify says, whether the stock torch.export.load and module() run its payload):
# docs/hostile-inputs.md has a row for each.
HOSTILE_PROGRAMS = [
    (_sample_inputs, "member archive/data/sample_inputs/model.pt: its pickle names os.makedirs, outside the weights-only allowlist", True),
    (_symbolic_size, "which is no arithmetic on torch's symbols (torch.export.load evaluates it with sympy.sympify", True),
    (_input_name, "name \"input=__import__('os').makedirs(", True),
    (_guards_code, "guards_code holds code", True),
    (_keyword_names, "in_spec's keyword argument \"a=':0}), self._in_spec)#\" is not a Python name", True),
    (_pickled_weight, "0.weight is pickled (use_pickle), which torch.export.load reads with weights_only=False", True),
    (_opaque_constant, "c is stored as opaque_obj_0, not a tensor", True),
    (_unscanned_program, "member 'archive/models/model.json\\n' is none that torch.export.load reads", False),
    (_empty_weight, "0.weight declares 1,000,000,000 bytes of weight_0, which holds 0", False),
    (_foreign_operator, "target 'torch.ops.aten.from_file.default' reads a file the program names", False),
    (_extra_member, "member 'archive/data/aotinductor/model.so' is none that torch.export.load reads", False),
    (_deep_json, "models/model.json is not JSON a program holds (nested deeper than", False),
]


@pytest.mark.parametrize("edit, said, runs", HOSTILE_PROGRAMS, ids=[edit.__name__.strip("_") for edit, _, _ in HOSTILE_PROGRAMS])
def test_a_program_that_could_run_code_is_refused_before_torch_export_load(tmp_path, edit, said, runs):
    from bc import pt2e_api

    marker = str(tmp_path / "ran")
    golden = _edited_program(tmp_path, "today", edit(marker))
    message = verify_error(golden)
    assert golden.path("program") in message and "unsafe for torch.export.load" in message, message
    assert said in message, message
    if runs:  # the payload is real: the stock loader, given the file, runs it
        pt2e_api.register_ops()
        with contextlib.suppress(Exception):
            torch.export.load(golden.path("program")).module()(torch.randn(*golden.case.input_size))
        assert os.path.exists(marker), "the stock torch.export.load did not run the payload: the test proves nothing"


def _stock_load(path, size):
    from bc import pt2e_api

    pt2e_api.register_ops()
    try:
        torch.export.load(path).module()(torch.randn(*size))
    except Exception as error:  # noqa: BLE001 - the payload runs before whatever fails next
        return "raised %s" % type(error).__name__
    return "ran"


@pytest.mark.parametrize("edit", [_keyword_names, _guards_code, _symbolic_size], ids=lambda edit: edit.__name__.strip("_"))
def test_a_payload_past_the_check_writes_nothing_outside_its_confinement(tmp_path, edit):
    """Were the check to admit it (its gap), the stock loader runs the payload in the confined child (bc/confine.py),
    where the marker cannot reach the host; the test above shows the same loader makes it unconfined."""
    marker = str(tmp_path / "ran")
    golden = _edited_program(tmp_path, "today", edit(marker))
    ran_inside = confine.call(lambda: (_stock_load(golden.path("program"), golden.case.input_size),
                                       os.path.exists(marker))[1], reads=[golden.directory])
    assert ran_inside, "the payload did not run in the child: the test proves nothing"
    assert not os.path.exists(marker)


def test_torch_export_loads_fallback_to_an_unsafe_pickle_is_refused_too(tmp_path):
    """The second wall: a pickle that verify would refuse, given to the loader directly, runs nothing."""
    marker = str(tmp_path / "ran")
    golden = _edited_program(tmp_path, "today", _sample_inputs(marker))
    with pytest.raises(Exception) as error:
        golden_io.program_load(golden.path("program"))
    assert not os.path.exists(marker), "torch.export.load ran the pickle: %s" % error.value
    assert "Weights only load failed" in str(error.value), error.value


def test_a_flat_program_of_2_6_with_a_hostile_member_is_refused(tmp_path):
    marker = str(tmp_path / "ran")
    edit = lambda m: {n: _pickled(Makedirs(marker)) if n == "serialized_state_dict.pt" else d for n, d in m.items()}
    message = verify_error(_edited_program(tmp_path, "torchao-0.10.0", edit))
    assert "member serialized_state_dict.pt: its pickle names os.makedirs" in message, message


def test_a_truncated_program_is_refused_by_verify(tmp_path):
    golden = _copy_past_case("today", TABLE["test_pt2e_xnnpack_dynamic"], str(tmp_path / "serialized"))
    with open(golden.path("program"), "r+b") as f:
        f.truncate(os.path.getsize(golden.path("program")) // 2)
    adopt(golden)
    assert "truncated or corrupt zip archive" in verify_error(golden)


class _StringMode(torch.nn.Module):
    def forward(self, x, mode: str):
        return x + 1 if mode == "a" else x - 1


def _string_input(marker):
    """From 2.10, module() writes a string graph input between quotes into the guard code it runs."""
    payload = "' + str(__import__('os').makedirs(%r)) + '" % marker

    def change(document):
        document["graph_module"]["graph"]["inputs"][1] = {"as_string": payload}
        document["graph_module"]["signature"]["input_specs"][1]["constant_input"]["value"] = {"as_string": payload}

    return change, "the string input"


def _treespec_import(marker):
    """pytree imports a defaultdict's default factory by module and name (here `this`, which prints when imported)."""
    def change(document):
        signature = document["graph_module"]["module_call_graph"][0]["signature"]
        protocol, leaf = json.loads(signature["out_spec"])
        context = {"default_factory_module": "this", "default_factory_name": "d", "dict_context": ["k"]}
        signature["out_spec"] = json.dumps(
            [protocol, {"type": "collections.defaultdict", "context": context, "children_spec": [leaf]}])

    return change, "out_spec's defaultdict names the factory 'this.d', which pytree imports"


@pytest.mark.parametrize("edit", [_string_input, _treespec_import], ids=lambda edit: edit.__name__.strip("_"))
def test_a_program_users_could_write_with_a_payload_in_a_string_input_or_a_treespec_is_refused(tmp_path, edit):
    """Found reading torch's deserializer (docs/pt2e.md's table): a string input reaches exec'd guard code, and a
    treespec reaches importlib. The program is written by today's torch, as a user would."""
    source, marker = str(tmp_path / "program.pt2"), str(tmp_path / "ran")
    torch.export.save(torch.export.export(_StringMode(), (torch.ones(2), "a")), source)
    change, said = edit(marker)
    path = str(tmp_path / "hostile.pt2")
    with zipfile.ZipFile(source) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in _edit_json(members, "models/model.json", change).items():
            archive.writestr(name, data)
    found = golden_io.program_problem(path)
    assert found and said in found, found
    sys.modules.pop("this", None)
    with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()):
        torch.export.load(path).module()(torch.ones(2), "a")
    # The stock loader runs the payload: the refusal is not of a harmless file.
    assert os.path.exists(marker) if edit is _string_input else "this" in sys.modules
