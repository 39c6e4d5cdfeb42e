"""The .pt2 check's fuzzer (issue 33): text and numbers of a program's JSON mutated, seeded from the hostile rows
of docs/pt2e.md's table; every mutant the check admits is loaded and run in a confined child (bc/confine.py),
where it may not run the marker's payload. tests/test_pt2_fuzz.py runs it on the suite's programs,
examples/zoo/fuzz_test.py on the zoo's.
"""

import json
import os
import zipfile

import torch

from bc import checks, confine, golden_io, pt2_archive


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


def _load_and_run(path, given, marker):
    from bc import pt2e_api

    pt2e_api.register_ops()
    try:
        checks.call(torch.export.load(path).module(), given)
    except Exception:  # noqa: BLE001 - a mutated program may fail in any way; only the payload matters
        pass
    return os.path.exists(marker)


def members(path):
    """A program's zip members, and the name of its program JSON (a PT2 archive's, or the flat zip's of 2.6)."""
    with zipfile.ZipFile(path) as archive:
        found = {info.filename: archive.read(info) for info in archive.infolist()}
    (program,) = [name for name in found if name.endswith((pt2_archive.PROGRAM, pt2_archive.FLAT_PROGRAM))]
    return found, program


def write(path, found, program, document):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in found.items():
            archive.writestr(name, json.dumps(document) if name == program else data)


def loads_and_runs(path, given, marker):
    """Whether the program at path, loaded and called on given in a confined child whose marker folder is writable,
    makes its marker."""
    return confine.call(lambda: _load_and_run(path, given, marker), reads=[path],
                        writes=[os.path.dirname(marker)], cpu_seconds=30)


def fuzz(source, given, generator, count, scratch):
    """count mutants of the program at source, in scratch: {"refused": n, "admitted": n}; AssertionError naming the
    mutant if one the check admits makes its marker."""
    found, program = members(source)
    outcomes = {"refused": 0, "admitted": 0}
    marks = os.path.join(scratch, "marks")
    os.makedirs(marks, exist_ok=True)
    for index in range(count):
        marker = os.path.join(marks, "ran%d" % index)
        document = mutate(json.loads(found[program]), generator, marker)
        path = os.path.join(scratch, "mutant%d.pt2" % index)
        write(path, found, program, document)
        if golden_io.program_problem(path) is not None:
            outcomes["refused"] += 1
            continue
        outcomes["admitted"] += 1
        ran = loads_and_runs(path, given, marker)
        assert not ran and not os.path.exists(marker), "%s: admitted, and ran its payload: %s" % (
            source, json.dumps(document)[:2000])
    return outcomes
