"""The byte-reproducible writers load with stock torch and depend on nothing but their input."""

import pickle
import zipfile

import pytest
import torch

from bc.corpus import reproducible


def quantized_state():
    torch.manual_seed(0)
    weight = torch.quantize_per_tensor(torch.randn(3, 3), 0.1, 0, torch.qint8)
    return {"weight": weight, "bias": torch.randn(3), "scale": torch.tensor(0.5)}


def test_legacy_writer_is_byte_stable_across_memory_addresses(tmp_path):
    first, second = tmp_path / "a.pt", tmp_path / "b.pt"
    reproducible.save_legacy(quantized_state(), first)
    reproducible.save_legacy({k: v.clone() for k, v in quantized_state().items()}, second)
    assert first.read_bytes() == second.read_bytes()


def test_legacy_writer_output_loads_like_torch_own(tmp_path):
    ours, theirs = tmp_path / "ours.pt", tmp_path / "theirs.pt"
    state = quantized_state()
    reproducible.save_legacy(state, ours)
    torch.save(state, theirs, _use_new_zipfile_serialization=False)
    loaded, reference = torch.load(ours, weights_only=True), torch.load(theirs, weights_only=True)
    assert loaded.keys() == reference.keys()
    assert torch.equal(loaded["weight"].int_repr(), reference["weight"].int_repr())
    assert loaded["weight"].q_scale() == reference["weight"].q_scale()
    assert torch.equal(loaded["bias"], reference["bias"])


def test_shared_storage_is_written_once(tmp_path):
    base = torch.arange(6.0)
    path = tmp_path / "shared.pt"
    reproducible.save_legacy({"a": base, "b": base[2:]}, path)
    loaded = torch.load(path, weights_only=True)
    loaded["a"][3] = 42.0
    assert loaded["b"][1] == 42.0


def debug_pkls(archive):
    with zipfile.ZipFile(archive) as z:
        return {n: z.read(n) for n in z.namelist() if n.endswith(".debug_pkl")}


def test_debug_pkl_rewrite_keeps_torch_encoding_when_nothing_changes(tmp_path):
    path = tmp_path / "m.traced.pt"
    torch.jit.save(torch.jit.trace(Scaled(), torch.ones(2)), str(path))
    for name, data in debug_pkls(path).items():
        assert reproducible.rewrite_debug_pkl(data, lambda s: s) == data, name


def test_debug_pkl_offsets_follow_rewritten_call_stack_lines(tmp_path, monkeypatch):
    # Paths made longer, as a deeper checkout would make them.
    monkeypatch.setattr(reproducible, "portable", lambda text, roots: text.replace("/", "/longer/"))
    path = tmp_path / "m.traced.pt"
    reproducible.save_script(torch.jit.trace(Scaled(), torch.ones(2)), str(path))
    call_stacks = 0
    for data in debug_pkls(path).values():
        plain = data.replace(b"torch.jit._pickle\nbuild_intlist", b"builtins\nlist")
        _, strings, records = pickle.loads(plain)
        for _, ((pieces, _, _), start, end), _ in records:
            text = "".join(strings[i] for i in pieces).encode()
            assert 0 <= start <= end <= len(text)
            if "/longer/" in text.decode():
                assert end == len(text)  # a traced call stack spans its whole text
                call_stacks += 1
    assert call_stacks
    assert torch.equal(torch.jit.load(str(path))(torch.ones(2)), torch.full((2,), 3.0))


def test_portable_drops_roots_and_generator_frames():
    roots = ["/sandbox/1/site-packages/"]
    project = "/sandbox/1/runfiles/quant_bc/"
    text = "/sandbox/1/site-packages/torch/_ops.py(12): __call__\n" + project + "bc/kinds.py(40): _produce_op\n"
    assert reproducible.portable(text, roots, project) == (
        "torch/_ops.py(12): __call__\n" + reproducible.GENERATOR_FRAME + "\n"
    )


def test_source_ranges_of_archives_without_a_string_table_move_with_their_text():
    # torch 1.6.0 and 1.10.2: records (offset, ((text, filename, line), start, end)).
    text = "/root/site-packages/torch/jit/trace.py(9): trace\n/root/site-packages/x.py(1): f"
    second_line = text.index("/root/site-packages/x.py")
    records = ((0, ((text, None, 1), 0, len(text))), (7, ((text, None, 1), second_line, len(text))))
    data = pickle.dumps(records, protocol=2)
    rewritten = pickle.loads(reproducible.rewrite_debug_pkl(data, lambda s: s.replace("/root/site-packages/", "")))
    new_text = "torch/jit/trace.py(9): trace\nx.py(1): f"
    moved = new_text.index("x.py")
    assert rewritten == ((0, ((new_text, None, 1), 0, len(new_text))), (7, ((new_text, None, 1), moved, len(new_text))))


def test_portable_keeps_torch_frames_that_lie_under_the_project_root():
    # A past release's generator runs in the execroot, its torch in external/torch_<release>/.
    project = "/execroot/quant_bc/"
    roots = [project + "external/torch_1_6_0/site-packages/", project]
    text = project + "external/torch_1_6_0/site-packages/torch/jit/__init__.py(953): trace\n" + project + "bc/corpus/generate.py(22): <module>\n"
    assert reproducible.portable(text, roots, project) == (
        "torch/jit/__init__.py(953): trace\n" + reproducible.GENERATOR_FRAME + "\n"
    )


def _address_keyed_save(value, path, zipfile_format):
    """torch's own writer; its legacy format keys storages by memory address, as 1.6.0's zipfile one did."""
    torch.save(value, path, _use_new_zipfile_serialization=zipfile_format)


@pytest.mark.parametrize("zipfile_format", [False, True])
def test_number_storages_gives_bytes_independent_of_memory_addresses(tmp_path, zipfile_format):
    value = {"b": torch.arange(4.0), "a": torch.quantize_per_tensor(torch.ones(3), 0.5, 2, torch.quint8)}
    digests = set()
    for trial in range(3):
        spacers = [torch.empty(1 << 12) for _ in range(trial)]  # moves the next allocations
        copy = {key: tensor.clone() for key, tensor in value.items()}
        (tmp_path / str(trial)).mkdir()
        path = tmp_path / str(trial) / "x.pt"  # a zip archive's folder is named after its file
        _address_keyed_save(copy, path, zipfile_format)
        reproducible.number_storages(str(path))
        digests.add(path.read_bytes())
        del spacers
    assert len(digests) == 1
    loaded = torch.load(str(path), weights_only=True)
    assert torch.equal(loaded["b"], value["b"]) and torch.equal(loaded["a"].int_repr(), value["a"].int_repr())


def test_number_storages_leaves_a_numbered_file_as_it_is(tmp_path):
    path = tmp_path / "x.pt"
    reproducible.save({"w": torch.ones(2), "v": torch.zeros(3)}, str(path))
    before = path.read_bytes()
    reproducible.number_storages(str(path))
    assert path.read_bytes() == before


class Scaled(torch.nn.Module):
    def forward(self, x):
        return x * 2 + 1


def test_script_archives_name_no_machine_path_and_still_run(tmp_path):
    scripted, traced = tmp_path / "m.scripted.pt", tmp_path / "m.traced.pt"
    reproducible.save_script(torch.jit.script(Scaled()), str(scripted))
    reproducible.save_script(torch.jit.trace(Scaled(), torch.ones(2)), str(traced))
    for path in (scripted, traced):
        assert reproducible.absolute_paths_in(str(path), reproducible.import_roots()) == []
        assert torch.equal(torch.jit.load(str(path))(torch.ones(2)), torch.full((2,), 3.0))


def test_script_archive_keeps_torch_archive_layout(tmp_path):
    path = tmp_path / "TestSerialization.x.scripted.pt"
    reproducible.save_script(torch.jit.script(Scaled()), str(path))
    names = zipfile.ZipFile(path).namelist()
    assert all(n.startswith("TestSerialization.x.scripted/") for n in names)
    assert "TestSerialization.x.scripted/.data/serialization_id" in names
