"""A user's artifact as a model target (bc/model_case.py; bc/own_models/update.py and the case test's BC_MODEL):
the suite's checks and loading policy under the user's file names.

Each test lays a target's files out in a package of a scratch workspace, from
files this repository holds: the suite's corpora and the hand-written files of
tests/data/handwritten (written by past releases, outside the project).
"""

import dataclasses
import fractions
import json
import os
import shutil

import pytest
import torch

from bc import case_table, checks, corpora, golden_io, harness, kinds, manifest, model_case
from bc.own_models import update

TABLE = case_table.load_table()
QENGINES = TABLE.qengines
HANDWRITTEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "handwritten")
PACKAGE = "team/models"


def suite_file(corpus, case_name, part):
    return os.path.join(corpora.directory(corpus), TABLE[case_name].golden_name(part))


def handwritten(corpus, case_name, part):
    return os.path.join(HANDWRITTEN, corpus, TABLE[case_name].golden_name(part))


def target(workspace, kind, files, **attributes):
    """A target's case, its files copied into the package as files named by role ({attribute: source})."""
    directory = os.path.join(str(workspace), PACKAGE)
    os.makedirs(directory, exist_ok=True)
    spec = {"name": "mine", "label": "//%s:mine" % PACKAGE, "package": PACKAGE, "kind": kind, "qengines": QENGINES}
    for attribute, source in files.items():
        spec[attribute] = "artifacts/mine.%s.pt" % attribute
        os.makedirs(os.path.join(directory, "artifacts"), exist_ok=True)
        shutil.copyfile(source, os.path.join(directory, spec[attribute]))
    spec.update(attributes)
    return model_case.from_spec(spec, QENGINES), directory


def check(case, directory):
    """What the target's test finds under its first engine (harness.RECORDED, as the test runs it)."""
    return harness.CaseInCorpus(case, case.label, directory=directory).check(
        case.engines[0] if case.engines else None, harness.RECORDED
    )


def records_of(case_name, corpus, loader):
    """The suite's records of a case's files of a corpus, by one loader, as a user's target records them."""
    return [
        {key: value for key, value in record.items() if key != "corpora"}
        for record in TABLE[case_name].differences
        if corpus in record["corpora"] and record["loader"] == loader
    ]


@pytest.mark.parametrize(
    "change, said",
    [
        (dict(kind="onnx"), "kind 'onnx' is not one of"),
        (dict(kind="state_dict"), "factory"),
        (dict(factory="mymodels.zoo:net"), "factory"),
        (dict(operators=["torch.ops.aten.add.Tensor"]), "operators are what a pt2e target's program may call"),
        (dict(resource=["model", "model.pkl"]), "package_resource"),
        (dict(engines=["cuda"]), "engines ['cuda'] are not quantized engines"),
        (dict(differences=[{"loader": "torchscript", "observed": "x"}]), "a difference record lacks"),
        (dict(differences=[dict(engines=[], loader="torchscript", observed="x", reason="y", verdict="fine",
                                first_failing="2.13.0")]), "verdict 'fine' is not one of"),
        (dict(expected="artifacts/mine.artifact.pt"), "name one file twice"),
        (dict(kind="package"), "expected is what a package target needs"),
        (dict(artifact=":mine.pt"), "is not a file of the target's package"),
        (dict(input="../other/i.pt"), "is not a file of the target's package"),
        (dict(atol="1e-3"), "atol '1e-3' is not a tolerance"),
        (dict(rtol=-1), "rtol -1 is not a tolerance"),
        (dict(globals=["os system"]), "each is a pickle global as it names it"),
        (dict(differences=[dict(engines=[], loader="eager", observed="x", reason="y", verdict="break",
                                first_failing="2.13.0")]), "name loader 'eager'; a torchscript target's is torchscript"),
        (dict(differences=[dict(engines=["x86"], loader="torchscript", observed="x", reason="y", verdict="break",
                                first_failing="2.13.0")]), "name engines ['x86'] that the target does not run under"),
    ],
)
def test_a_target_with_wrong_attributes_is_refused_naming_the_attribute(change, said):
    spec = dict(name="mine", label="//p:mine", kind="torchscript", artifact="artifacts/mine.artifact.pt", input="i.pt")
    spec.update(change)
    with pytest.raises(model_case.SpecError) as error:
        model_case.from_spec(spec, QENGINES)
    assert str(error.value).startswith("//p:mine: ") and said in str(error.value), error.value


def test_a_record_holds_the_suites_fields_but_the_corpora():
    assert set(model_case.DIFFERENCE_FIELDS) == set(case_table.DIFFERENCE_FIELDS) - {"corpora"}


def test_update_records_what_the_current_torch_computes_then_refuses_to_overwrite(tmp_path):
    case, directory = target(
        tmp_path, "torchscript",
        {"artifact": suite_file("1.13.1", "test_linear", "scripted"), "input": suite_file("1.13.1", "test_linear", "input")},
        engines=["fbgemm"],
    )
    assert case.observed == ("expected",)
    said = update.update(case, directory, force=False)
    expected = os.path.join(directory, "mine.expected.pt")
    assert "wrote %s" % expected in said
    record = manifest.read(manifest.manifest_path(directory, "mine"))
    assert record.origin == "//team/models:mine.update" and record.producer["torch"] == torch.__version__
    assert set(record.files) == set(case.golden_names())
    # The release's own expected output is what the current torch computes from its archive.
    assert torch.equal(torch.load(expected), torch.load(suite_file("1.13.1", "test_linear", "expected")))
    assert check(case, directory) == []

    with pytest.raises(update.UpdateError) as error:
        update.update(case, directory, force=False)
    assert "is recorded already" in str(error.value) and "bazel run //team/models:mine.update -- --force" in str(error.value)
    before = manifest.sha256(expected)
    update.update(case, directory, force=True)
    assert manifest.sha256(expected) == before


def test_a_pt2e_target_records_its_quantize_ops_as_the_suite_does(tmp_path):
    name = "test_pt2e_xnnpack_static_per_channel"
    case, directory = target(
        tmp_path, "pt2e", {"artifact": suite_file("today", name, "program"), "input": suite_file("today", name, "input")}
    )
    assert set(case.observed) == {"expected", "quantize_ops"}
    update.update(case, directory, force=False)
    recorded = torch.load(os.path.join(directory, "mine.quantize_ops.pt"))
    assert set(recorded) == set(torch.load(suite_file("today", name, "quantize_ops")))
    assert check(case, directory) == []


def test_a_change_in_what_the_artifact_computes_fails_its_test_with_the_numbers(tmp_path):
    case, directory = target(
        tmp_path, "torchscript",
        {"artifact": suite_file("today", "test_conv2d", "scripted"), "input": suite_file("today", "test_conv2d", "input"),
         "expected": suite_file("today", "test_linear_relu", "expected")},
        engines=["fbgemm"],
    )
    update.update(case, directory, force=False)
    problems = check(case, directory)
    assert len(problems) == 1, problems
    first = problems[0].splitlines()[0]
    assert "torchscript" in first and os.path.join(directory, "artifacts/mine.artifact.pt") in first, first
    assert "output vs %s" % os.path.join(directory, "artifacts/mine.expected.pt") in problems[0], problems[0]


# (the hand-written file of a release, the suite's case and kind it mirrors, the user's kind and loader)
HANDWRITTEN_TARGETS = [
    ("torchao-0.13.0", "test_torchao_intx_weight_only_v2", "torchao", "checkpoint"),
    ("torchao-0.13.0", "test_torchao_int8_weight_only_v1", "torchao", "checkpoint"),
    ("torchao-0.16.0", "test_torchao_int8_weight_only_v2", "torchao", "checkpoint"),
    ("torchao-0.10.0", "test_pt2e_xnnpack_static_per_channel", "pt2e", "program"),
    ("torchao-0.13.0", "test_pt2e_xnnpack_static_per_channel", "pt2e", "program"),
]


@pytest.mark.parametrize("corpus, case_name, kind, loader", HANDWRITTEN_TARGETS, ids=["%s/%s" % t[:2] for t in HANDWRITTEN_TARGETS])
def test_a_hand_written_artifact_as_a_target_gets_the_suites_verdict(tmp_path, corpus, case_name, kind, loader):
    shipped = {"torchao": "state_dict", "pt2e": "program"}[kind]
    files = {"artifact": handwritten(corpus, case_name, shipped), "input": handwritten(corpus, case_name, "input"),
             "expected": handwritten(corpus, case_name, "expected")}
    recorded = records_of(case_name, corpus, loader)
    factory = {"factory": "tests.model_factories:mlp"} if kind == "torchao" else {}
    case, directory = target(tmp_path, kind, files, differences=recorded, **factory)
    update.update(case, directory, force=False)
    assert check(case, directory) == []
    # Unrecorded, the target fails exactly when the suite records a difference, with the suite's observation.
    problems = check(dataclasses.replace(case, differences=()), directory)
    if recorded:
        assert len(problems) == 1 and recorded[0]["observed"].replace("\n", "\n    ") in problems[0], problems
    else:
        assert problems == []


def _hostile_pickle(path):
    class Payload:
        def __reduce__(self):
            return (os.makedirs, (path + ".ran",))

    return Payload()


@pytest.mark.parametrize("bad, said", [
    ("missing", "golden file missing:"),
    ("wrong_kind", "a TorchScript, where the program part is read as torch.export PT2 archive or torch.export flat zip"),
    ("truncated", "truncated or corrupt zip archive"),
    ("unsafe_pickle", "unsafe: loading it would call code outside the weights-only allowlist"),
])
def test_a_bad_input_gets_the_suites_one_line_error_naming_the_file(tmp_path, bad, said):
    name = "test_pt2e_xnnpack_static_per_channel"
    artifact = suite_file("today", "test_linear", "scripted") if bad == "wrong_kind" else suite_file("today", name, "program")
    case, directory = target(tmp_path, "pt2e", {"artifact": artifact, "input": suite_file("today", name, "input")})
    path = os.path.join(directory, case.golden_name("program" if bad in ("wrong_kind", "truncated") else "input"))
    if bad == "missing":
        os.remove(path)
    elif bad == "truncated":
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) // 2)
    elif bad == "unsafe_pickle":
        torch.save({"x": _hostile_pickle(path)}, path)
    with pytest.raises(golden_io.GoldenError) as error:
        update.update(case, directory, force=False)
    message = str(error.value)
    assert path in message and said in message, message
    assert "These are the files //team/models:mine names" in message
    assert not os.path.exists(path + ".ran") and not os.path.exists(manifest.manifest_path(directory, "mine"))


def test_an_interrupted_update_leaves_a_marker_the_test_refuses_and_the_next_update_rolls_back(tmp_path):
    case, directory = target(
        tmp_path, "torchscript",
        {"artifact": suite_file("today", "test_linear", "scripted"), "input": suite_file("today", "test_linear", "input")},
        engines=["fbgemm"],
    )
    os.makedirs(os.path.join(directory, manifest.MANIFEST_DIR))
    with open(manifest.pending_path(directory, "mine"), "w") as f:
        json.dump({"case": "mine", "state": "staging", "files": [], "originals": []}, f)
    with pytest.raises(golden_io.GoldenError) as error:
        harness.CaseInCorpus(case, case.label, directory=directory).check("fbgemm", harness.RECORDED)
    assert "bazel run //team/models:mine.update" in str(error.value)
    update.update(case, directory, force=False)
    assert check(case, directory) == []


def test_every_kind_of_a_users_artifact_is_one_the_suite_checks_with_the_same_steps():
    assert set(kinds.MODEL_KINDS) == {"torchscript", "state_dict", "package", "torchao", "pt2e", "huggingface",
                                      "executorch"}
    for kind in ("pt2e", "huggingface", "executorch"):
        assert kinds.MODEL_KINDS[kind].check == kinds.KINDS[kind].check
    assert set(checks._MODELS) == set(kinds.MODEL_KINDS)


def test_a_target_admits_the_plain_globals_it_lists_and_nothing_else(tmp_path):
    """quant-bc's allowlists hold what its own files name; a float16 checkpoint of yours names torch.HalfStorage."""
    half = tmp_path / "half.pt"
    torch.save({"0.weight": torch.ones(2, dtype=torch.float16)}, str(half))
    files = {"artifact": str(half), "input": suite_file("today", "test_linear", "input")}
    case, directory = target(tmp_path, "torchao", files, factory="tests.model_factories:mlp")
    with pytest.raises(golden_io.GoldenError) as error:
        golden_io.GoldenSet(case, directory).verify_unrecorded(case.given, "remedy")
    assert "its pickle names torch.HalfStorage, outside the weights-only allowlist" in str(error.value), error.value
    case, directory = target(tmp_path, "torchao", files, factory="tests.model_factories:mlp",
                             globals=["torch.HalfStorage"])
    golden_io.GoldenSet(case, directory).verify_unrecorded(case.given, "remedy")


def test_a_state_dict_target_admits_a_global_it_lists_under_todays_torch(tmp_path):
    """Issue 33: allowed_globals reaches torch's weights-only loader itself, not only the older torch's fallback."""
    saved = tmp_path / "fraction.pt"
    torch.save({"ratio": fractions.Fraction(1, 3), "0.weight": torch.ones(2)}, str(saved))
    files = {"artifact": str(saved), "input": suite_file("today", "test_linear", "input")}
    case, directory = target(tmp_path, "state_dict", files, factory="tests.model_factories:mlp")
    with pytest.raises(golden_io.GoldenError) as error:
        golden_io.GoldenSet(case, directory).verify_unrecorded(case.given, "remedy")
    assert "fractions.Fraction" in str(error.value), error.value
    case, directory = target(tmp_path, "state_dict", files, factory="tests.model_factories:mlp",
                             globals=["fractions.Fraction"])
    golden_io.GoldenSet(case, directory).verify_unrecorded(case.given, "remedy")
    loaded = golden_io.weights_only_load(golden_io.GoldenSet(case, directory).path("state_dict"), case.allowed_globals)
    assert loaded["ratio"] == fractions.Fraction(1, 3)


def test_a_torchao_checkpoint_declared_as_a_state_dict_is_told_its_kind(tmp_path):
    files = {"artifact": suite_file("today", "test_torchao_int8_weight_only_v2", "state_dict"),
             "input": suite_file("today", "test_torchao_int8_weight_only_v2", "input")}
    case, directory = target(tmp_path, "state_dict", files, factory="tests.model_factories:mlp")
    with pytest.raises(golden_io.GoldenError) as error:
        golden_io.GoldenSet(case, directory).verify_unrecorded(case.given, "remedy")
    assert "a torchao checkpoint (its pickle names torchao." in str(error.value), error.value
    assert 'declare it with kind = "torchao"' in str(error.value), error.value


@pytest.mark.parametrize("given", [(torch.ones(2, 3), torch.ones(2, 3)), {"a": torch.ones(2, 3), "b": torch.ones(2, 3)}],
                         ids=["tuple", "dict"])
def test_a_tuple_input_is_the_positional_arguments_and_a_dict_the_keyword_arguments(given):
    """Issue 33: a tuple was given to the model as one argument (`linear(): argument 'input' must be Tensor`)."""
    class Add(torch.nn.Module):
        def forward(self, a, b):
            return a + b

    assert torch.equal(checks.call(Add(), given), torch.full((2, 3), 2.0))
    assert torch.equal(checks.call(torch.nn.Identity(), torch.ones(1)), torch.ones(1))


def _reloaded(case, directory):
    """The target's case as its test loads it: with the records of its differences/<name>.json."""
    spec = {"name": case.name, "label": case.label, "package": PACKAGE, "kind": case.kind, "qengines": QENGINES,
            "artifact": case.golden_name(model_case.artifact_part(case.kind)), "input": case.golden_name("input")}
    return model_case.from_spec(spec, QENGINES, model_case.read_records(model_case.records_path(directory, case.name)))


def test_a_program_todays_torch_cannot_load_is_declared_and_recorded_without_copying_a_log(tmp_path):
    """Issue 33: a torch 2.5.1 program stayed at 'golden file missing' forever; now .update records it as
    unobserved, the test shows the real verdict, and --record writes the suite's own record of it."""
    name, corpus = "test_pt2e_xnnpack_static_per_tensor", "torchao-0.7.0"
    case, directory = target(
        tmp_path, "pt2e", {"artifact": suite_file(corpus, name, "program"), "input": suite_file(corpus, name, "input")})
    said = update.update(case, directory, force=False)
    assert any("cannot load" in line and "Serialized version ['7', '3']" in line and "--record" in line
               for line in said), said
    recorded = manifest.read(manifest.manifest_path(directory, "mine"))
    assert set(recorded.unobserved) == {"mine.expected.pt", "mine.quantize_ops.pt"}
    assert not os.path.exists(os.path.join(directory, "mine.expected.pt"))

    problems = check(case, directory)
    assert len(problems) == 1 and "Serialized version ['7', '3'] does not match" in problems[0], problems

    suite = records_of(name, corpus, "program")[0]
    lines = update.record(case, directory, suite["verdict"], suite["reason"], suite["first_failing"])
    assert lines[0].startswith("recorded in %s, loader program" % model_case.records_path(directory, "mine")), lines
    written = model_case.read_records(model_case.records_path(directory, "mine"))
    assert written == [suite], written  # the exact observation: the suite's record of its own file
    assert check(_reloaded(case, directory), directory) == []
    with pytest.raises(update.UpdateError) as error:
        update.record(_reloaded(case, directory), directory, "break", "again", "x")
    assert "nothing to record" in str(error.value)


def test_record_refuses_a_verdict_it_does_not_know_and_a_missing_reason(tmp_path):
    case, directory = target(
        tmp_path, "torchscript",
        {"artifact": suite_file("today", "test_linear", "scripted"), "input": suite_file("today", "test_linear", "input")})
    for verdict, reason, said in (("fine", "r", "a verdict is one of"), ("break", " ", "--record needs --reason")):
        with pytest.raises(update.UpdateError) as error:
            update.record(case, directory, verdict, reason, "2.13.0")
        assert said in str(error.value)


def test_a_part_recorded_unobserved_that_todays_torch_can_observe_says_to_record_it_again(tmp_path):
    name = "test_pt2e_xnnpack_static_per_channel"
    case, directory = target(
        tmp_path, "pt2e", {"artifact": suite_file("today", name, "program"), "input": suite_file("today", name, "input")})
    update.update(case, directory, force=False)
    path = manifest.manifest_path(directory, "mine")
    recorded = manifest.read(path)
    for golden in ("mine.expected.pt", "mine.quantize_ops.pt"):
        os.remove(os.path.join(directory, golden))
        del recorded.files[golden]
        recorded.unobserved[golden] = "RuntimeError: an older lock"
    manifest.write(path, recorded)
    problems = check(case, directory)
    assert len(problems) == 1 and "was not recorded" in problems[0] and "an older lock" in problems[0] and (
        "bazel run //team/models:mine.update -- --force" in problems[0]), problems


def test_records_of_a_loader_in_the_attribute_and_the_file_for_the_same_engines_are_refused():
    record = dict(engines=[], loader="torchscript", observed="x", reason="y", verdict="break", first_failing="2.13.0")
    spec = dict(name="mine", label="//p:mine", kind="torchscript", artifact="a.pt", input="i.pt", differences=[record])
    with pytest.raises(model_case.SpecError) as error:
        model_case.from_spec(spec, QENGINES, [dict(record, observed="z")])
    assert "record loader 'torchscript' twice" in str(error.value) and "differences/mine.json" in str(error.value)


def test_record_leaves_a_record_of_the_targets_attribute_to_its_build_file(tmp_path):
    stale = dict(engines=[], loader="torchscript", observed="an old observation", reason="r", verdict="break",
                 first_failing="2.13.0")
    case, directory = target(
        tmp_path, "torchscript",
        {"artifact": suite_file("today", "test_linear", "scripted"), "input": suite_file("today", "test_linear", "input"),
         "expected": suite_file("today", "test_linear", "expected")}, differences=[stale])
    update.update(case, directory, force=False)
    with pytest.raises(update.UpdateError) as error:
        update.record(case, directory, "break", "r", "2.13.0")
    assert "record in the target's `differences` attribute; edit that record in the BUILD file" in str(error.value)
    assert not os.path.exists(model_case.records_path(directory, "mine"))


def _folder_spec(held):
    return {"name": "chat", "label": "//:chat", "kind": "huggingface", "artifact": "models/chat",
            "input": "models/chat.ids.pt", "folder_files": held}


def test_a_folder_target_reads_the_files_save_pretrained_wrote_and_no_others():
    case = model_case.from_spec(_folder_spec(["config.json", "generation_config.json", "model.safetensors"]), ())
    assert case.golden_names() == ["models/chat.ids.pt", "models/chat/config.json", "models/chat/generation_config.json",
                                   "models/chat/model.safetensors", "chat.expected.pt"]
    pickled = model_case.from_spec(_folder_spec(["config.json", "pytorch_model.bin"]), ())
    assert "models/chat/pytorch_model.bin" in pickled.golden_names() and "generation_config" not in pickled.parts


@pytest.mark.parametrize("held, said", [
    (["config.json"], "holds neither model.safetensors nor pytorch_model.bin: give the folder save_pretrained wrote"),
    (["config.json", "model.safetensors.index.json"], "a sharded checkpoint, model.safetensors.index.json"),
    (["model.safetensors"], "holds no config.json"),
])
def test_a_folder_that_is_not_what_save_pretrained_writes_is_refused_naming_it(held, said):
    with pytest.raises(model_case.SpecError) as refused:
        model_case.from_spec(_folder_spec(held), ())
    assert "//:chat: artifact 'models/chat'" in str(refused.value) and said in str(refused.value), refused.value
