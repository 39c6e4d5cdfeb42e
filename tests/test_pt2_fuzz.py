"""Fuzzes the .pt2 check against programs (issue 33): text and numbers of a program's JSON mutated, seeded from the
hostile rows of docs/pt2e.md's table, and every file the check admits loaded and run in a confined child
(bc/confine.py); no admitted file may run the marker's payload or stop at a cap.

Bounded and reproducible: QUANT_BC_FUZZ_SEED (default 0) and QUANT_BC_FUZZ_CASES (default 60) mutations of
today's programs; the count of each outcome is printed (CI shows it in the test's log).
"""

import json
import os
import random
import zipfile

import pytest
import torch

from bc import case_table, confine, corpora, golden_io, pt2_archive

TABLE = case_table.load_table()
SEED = int(os.environ.get("QUANT_BC_FUZZ_SEED", 0))
CASES = int(os.environ.get("QUANT_BC_FUZZ_CASES", 60))
PROGRAMS = [case for case in TABLE if case.kind == "pt2e"]


def payloads(marker):
    """Text that runs os.makedirs(marker) where torch would evaluate it, in each form a field is read."""
    call = "__import__('os').makedirs(%r)" % marker
    return [
        call,
        "x=" + call,
        "a':%s#" % call,
        "' + str(%s) + '" % call,
        "a\"); %s; (\"" % call,
        "eval(chr(95))+" + call,
        "Symbol('s0').__class__.__init__.__globals__['__builtins__']['__import__']('os').makedirs(%r)" % marker,
        "torch.load",
        "torch.ops.aten.from_file.default",
        "_operator.methodcaller",
        "builtins.exec",
        call.replace("'", '"'),
        "\n" + call,
    ]


def _strings(node, path=()):
    """(path, key) of every text field of a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                yield path + (key,), key
            else:
                yield from _strings(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, str):
                yield path + (index,), None
            else:
                yield from _strings(value, path + (index,))


def _numbers(node, path=()):
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        if isinstance(value, int) and not isinstance(value, bool):
            yield path + (key,)
        else:
            yield from _numbers(value, path + (key,))


def _set(document, path, value):
    for step in path[:-1]:
        document = document[step]
    document[path[-1]] = value


def mutate(document, generator, marker):
    """One mutation: a text field given a payload (whole, or inside what it held), or a number made extreme."""
    if generator.random() < 0.8:
        path, _ = generator.choice(list(_strings(document)))
        payload = generator.choice(payloads(marker))
        old = document
        for step in path:
            old = old[step]
        value = generator.choice([payload, old + payload, payload + old, old[: len(old) // 2] + payload])
        _set(document, path, value)
    else:
        path = generator.choice(list(_numbers(document)))
        _set(document, path, generator.choice([-1, 0, 1 << 31, 1 << 62, 10000]))
    return document


def _load_and_run(path, size, marker):
    from bc import pt2e_api

    pt2e_api.register_ops()
    try:
        torch.export.load(path).module()(torch.randn(*size))
    except Exception:  # noqa: BLE001 - a mutated program may fail in any way; only the payload matters
        pass
    return os.path.exists(marker)


def _members(case):
    source = os.path.join(corpora.directory(corpora.TODAY), case.golden_name("program"))
    with zipfile.ZipFile(source) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    (program,) = [name for name in members if name.endswith(pt2_archive.PROGRAM)]
    return members, program


def _write(path, members, program, document):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, json.dumps(document) if name == program else data)


def test_the_fuzzer_sees_a_payload_that_runs(tmp_path):
    """The control: issue 33's in_spec program, loaded as the fuzzer loads what the check admits, makes its
    marker, so the fuzzer's finds would show."""
    case = PROGRAMS[0]
    members, program = _members(case)
    document = json.loads(members[program])
    leaf = {"type": None, "context": None, "children_spec": []}
    marker = str(tmp_path / "marks" / "ran")
    os.makedirs(os.path.dirname(marker))
    names = ["a=':0}), self._in_spec)#", "R'+str(__import__(\"os\").makedirs(%s,exist_ok=True))" % json.dumps(marker)]
    signature = document["graph_module"]["module_call_graph"][0]["signature"]
    signature.update(forward_arg_names=[], in_spec=json.dumps([1, {"type": "builtins.tuple", "context": "null", "children_spec": [
        {"type": "builtins.tuple", "context": "null", "children_spec": [leaf]},
        {"type": "builtins.dict", "context": json.dumps(names), "children_spec": [leaf, leaf]}]}]))
    path = str(tmp_path / "hostile.pt2")
    _write(path, members, program, document)
    assert golden_io.program_problem(path) is not None
    assert confine.call(lambda: _load_and_run(path, case.input_size, marker), reads=[path],
                        writes=[os.path.dirname(marker)], cpu_seconds=30)


@pytest.mark.parametrize("case", PROGRAMS, ids=[case.name for case in PROGRAMS])
def test_no_program_the_check_admits_runs_a_payload(tmp_path, case, capsys):
    generator = random.Random("%d-%s" % (SEED, case.name))
    members, program = _members(case)
    outcomes = {"refused": 0, "admitted": 0}
    scratch = tmp_path / "marks"
    scratch.mkdir()
    for count in range(CASES // len(PROGRAMS)):
        marker = str(scratch / ("ran%d" % count))
        document = mutate(json.loads(members[program]), generator, marker)
        path = str(tmp_path / ("mutant%d.pt2" % count))
        _write(path, members, program, document)
        if golden_io.program_problem(path) is not None:
            outcomes["refused"] += 1
            continue
        outcomes["admitted"] += 1
        ran = confine.call(lambda: _load_and_run(path, case.input_size, marker), reads=[path], writes=[str(scratch)],
                           cpu_seconds=30)
        assert not ran and not os.path.exists(marker), "admitted, and ran its payload: %s" % json.dumps(document)[:2000]
    with capsys.disabled():  # into the test's log, which CI prints (.ci/run)
        print("\nfuzz %s, seed %d, %d mutations: %s" % (case.name, SEED, CASES // len(PROGRAMS), outcomes))
    assert outcomes["refused"] and outcomes["admitted"]  # both sides were exercised
