"""What stands behind the checks (bc/confine.py; issue 37): every load of a file quant-bc did not write runs in a
child with no network, a private /tmp, nothing writable but its output, and capped memory and CPU time; each
reproduction of issue 37 stopped in under 10 s and 2 GB with one line naming the file.

docs/hostile-inputs.md has a row for each test here.
"""

import json
import os
import pathlib
import resource
import shutil
import socket
import subprocess
import tempfile
import time
import zipfile

import pytest
import torch

from bc import case_table, confine, harness, model_case
from bc.own_models import update
from tests import model_factories
from tests.golden_copies import adopt, copy_case

TABLE = case_table.load_table()
SOURCE_TREE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
BUDGET_SECONDS, BUDGET_BYTES = 10, 2 << 30


@pytest.fixture
def outside():
    """A folder of the host that no confined load may write to, not under /tmp (which the load sees a private one
    of): the test's own temporary folder under Bazel, else one in the home folder."""
    folder = tempfile.mkdtemp(prefix="outside-", dir=os.environ.get("TEST_TMPDIR") or os.path.expanduser("~"))
    yield pathlib.Path(folder)
    shutil.rmtree(folder)


def _children_peak_bytes():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


def _seen():
    """What a confined child can reach: files it writes, its network, its /tmp."""
    seen = {"interfaces": [name for _, name in socket.if_nameindex()], "tmp_listing": sorted(os.listdir("/tmp"))}
    for name, path in sorted(_seen.paths.items()):
        try:
            with open(path, "w") as f:
                f.write("ran")
            seen[name] = "written"
        except OSError as error:
            seen[name] = error.strerror
    try:
        socket.create_connection(("127.0.0.1", 1), timeout=2)
    except OSError as error:
        seen["connect"] = error.strerror
    try:
        socket.socket(socket.AF_UNIX).connect(_seen.unix)
        seen["unix"] = "connected"
    except OSError as error:
        seen["unix"] = error.strerror
    seen["run"] = sorted(os.listdir("/run")) if os.path.isdir("/run") else None
    return seen


def test_a_confined_load_writes_only_its_output_and_sees_no_network_nor_the_hosts_tmp(outside, tmp_path):
    output = tmp_path / "output"
    output.mkdir()
    with open("/tmp/quant-bc-host-file", "w"):
        pass
    _seen.paths = {"outside": str(outside / "x"), "output": str(output / "x"), "tmp": "/tmp/x",
                   "source": os.path.join(SOURCE_TREE, "quant-bc-confined-write")}
    assert confine.problem() is None, confine.problem()
    server = socket.socket(socket.AF_UNIX)
    folder = os.open(str(outside), os.O_RDONLY)  # a short path to it: a socket's path has at most 107 bytes
    _seen.unix = "/proc/self/fd/%d/agent.sock" % folder  # at a path, as an agent's or a container daemon's
    server.bind(_seen.unix)
    server.listen(1)
    try:
        seen = confine.call(_seen, reads=[], writes=[str(output)])
    finally:
        server.close()
        os.close(folder)
    assert seen["unix"] == "Permission denied" and seen["run"] == [], seen
    assert seen["interfaces"] == ["lo"], seen
    assert seen["outside"] == seen["source"] == "Read-only file system", seen
    assert seen["output"] == seen["tmp"] == "written", seen
    assert "quant-bc-host-file" not in seen["tmp_listing"], seen
    assert sorted(os.listdir(outside)) == ["agent.sock"] and (output / "x").exists()
    assert not os.path.exists("/tmp/x") and not os.path.exists(_seen.paths["source"])


def _spin():
    while True:
        pass


def test_a_load_past_its_cpu_time_is_stopped_in_one_line_naming_the_file():
    # The kernel's CPU cap stopped it, not the wait past it (which says "killed after ... without an answer"):
    # no wall-clock bound, which a loaded machine would break.
    with pytest.raises(confine.Stopped) as stopped:
        confine.call(_spin, reads=[], what="models/spin.pt2", cpu_seconds=3)
    assert str(stopped.value) == "models/spin.pt2: stopped at quant-bc's CPU-time cap of 3 s (QUANT_BC_CPU_SECONDS raises it)"


def _allocate():
    try:
        torch.empty(8 << 30, dtype=torch.uint8)
    except RuntimeError as error:
        return "raised " + str(error).splitlines()[0] + confine.explain(error)
    return "allocated"


def test_an_allocation_past_the_memory_cap_fails_and_names_the_cap():
    said = confine.call(_allocate, reads=[])
    assert "can't allocate memory" in said and "stopped by quant-bc's memory cap" in said, said
    assert _children_peak_bytes() < BUDGET_BYTES


def test_a_file_that_holds_code_is_refused_where_no_namespaces_can_be_made(monkeypatch):
    monkeypatch.setattr(confine, "_problem", "user and mount namespaces: Operation not permitted")
    with pytest.raises(confine.Unconfinable) as refused:
        confine.call(lambda: "ran", reads=[], what="models/scorer.package.pt", holds_code=True)
    assert "models/scorer.package.pt would be loaded without confinement" in str(refused.value)
    assert confine.call(lambda: "ran", reads=[]) == "ran"  # holds no code: capped, and said so


def _padded_program(golden, padding):
    """The program's conv2d given padding (issue 37: a 32 KB file whose run asks for 12.8 GB at 10000)."""
    path = golden.path("program")
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    (name,) = [n for n in members if n.endswith("models/model.json")]
    document = json.loads(members[name])
    (conv,) = [n for n in document["graph_module"]["graph"]["nodes"] if n["target"] == "torch.ops.aten.conv2d.default"]
    conv["inputs"] += [{"name": "stride", "arg": {"as_ints": [1, 1]}, "kind": 1},
                       {"name": "padding", "arg": {"as_ints": [padding, padding]}, "kind": 1}]
    members[name] = json.dumps(document).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    adopt(golden)


def test_a_small_program_that_asks_for_many_gigabytes_is_stopped_at_the_memory_cap(tmp_path):
    case = TABLE["test_pt2e_xnnpack_static_per_tensor"]
    golden = copy_case(case, str(tmp_path / "serialized"))
    _padded_program(golden, 10000)
    started = time.monotonic()
    run = harness.CaseInCorpus(case, "today", root=golden.directory, directory=golden.directory)
    problems = run.check(None, harness.UNRECORDED)
    assert time.monotonic() - started < BUDGET_SECONDS
    assert _children_peak_bytes() < BUDGET_BYTES
    text = "\n".join(problems)
    assert golden.path("program") in text and "stopped by quant-bc's memory cap" in text, text


def _expanded(tensor, rows):
    """rows copies of the tensor's first row, as a stride-0 view: the file holds one row."""
    return tensor[:1].expand(rows, *tensor.shape[1:])


def _spec(kind, **files):
    spec = {"name": "x", "label": "//sub:x", "package": "sub", "kind": kind, "expected": None, "engines": [],
            "qengines": list(TABLE.qengines), "factory": None, "globals": [], "operators": [], "differences": [],
            "resource": None, "atol": None, "rtol": None}
    spec.update(files)
    return model_case.from_spec(spec, TABLE.qengines)


def test_a_small_torchao_checkpoint_that_asks_for_many_gigabytes_is_stopped_at_the_memory_cap(tmp_path):
    """Issue 37: an Int8Tensor whose qdata, scale and zero_point are stride-0 views of 2**26 rows (a 5 KB file), for
    a model of that many rows (built on the meta device, as a checkpoint loads): its .update dequantizes 17 GB."""
    from bc import torchao_api  # noqa: F401 - registers torchao's classes for the weights-only load

    workspace = tmp_path / "workspace"
    golden = copy_case(TABLE["test_torchao_int8_weight_only_v2"], str(workspace / "sub"))
    saved = torch.load(golden.path("state_dict"), weights_only=True)
    weight = saved["0.weight"]
    names, context = weight.__tensor_flatten__()
    inner = {name: _expanded(getattr(weight, name), model_factories.WIDE) for name in names}
    hostile = {"0.weight": type(weight).__tensor_unflatten__(inner, context, (model_factories.WIDE, weight.shape[1]), None),
               "0.bias": _expanded(saved["0.bias"], model_factories.WIDE)}
    torch.save(hostile, golden.path("state_dict"))
    assert os.path.getsize(golden.path("state_dict")) < 16 << 10
    case = _spec("torchao", artifact=os.path.basename(golden.path("state_dict")),
                 input=os.path.basename(golden.path("input")), factory="tests.model_factories:wide_linear")
    started = time.monotonic()
    with pytest.raises(update.UpdateError) as refused:
        update.update(case, str(workspace / "sub"), force=False, workspace=str(workspace))
    assert time.monotonic() - started < BUDGET_SECONDS
    assert _children_peak_bytes() < BUDGET_BYTES
    said = str(refused.value)
    assert golden.path("state_dict") in said and "stopped by quant-bc's memory cap" in said, said
    assert len(said.splitlines()) == 1, said


def test_update_refuses_a_write_through_a_folder_linked_out_of_the_workspace(tmp_path, outside):
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    os.symlink(str(outside), str(workspace / "sub"))
    linear = TABLE["test_linear"]
    golden = copy_case(linear, str(tmp_path / "serialized"))
    shutil.move(golden.path("scripted"), str(outside / "x.scripted.pt"))
    shutil.move(golden.path("input"), str(outside / "x.input.pt"))
    case = _spec("torchscript", artifact="x.scripted.pt", input="x.input.pt")
    before = sorted(os.listdir(outside))
    with pytest.raises(update.UpdateError) as refused:
        update.update(case, str(workspace / "sub"), force=True, workspace=str(workspace))
    assert "outside the workspace" in str(refused.value) and str(outside) in str(refused.value), refused.value
    assert sorted(os.listdir(outside)) == before


def test_the_launcher_refuses_a_named_pipe_in_the_workspace_before_bazel_reads_it(tmp_path):
    workspace = tmp_path / "workspace"
    (workspace / "models").mkdir(parents=True)
    (workspace / "WORKSPACE").write_text("")
    os.mkfifo(str(workspace / "models" / "detector.input.pt"))
    started = time.monotonic()
    ran = subprocess.run([os.path.join(SOURCE_TREE, "tools", "bazel"), "test", "//..."], cwd=str(workspace),
                         env=dict(os.environ, BAZEL_REAL="/bin/true"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, timeout=BUDGET_SECONDS)
    assert time.monotonic() - started < BUDGET_SECONDS
    assert ran.returncode != 0, ran
    assert "models/detector.input.pt" in ran.stderr and "named pipe" in ran.stderr, ran.stderr
