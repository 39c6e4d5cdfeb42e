"""bc/formats.py: what a golden file holds, read without running it; the v2 -> v3 transcoding."""

import os
import pickle
import shutil
import zipfile

import pytest
import torch

from bc import case_table, engines, formats, manifest, pickles
from bc.corpus import corpus_consistency, pickle_writer, reproducible

TABLE = case_table.load_table()


def golden(case, part, corpus=""):
    return os.path.join(manifest.GOLDEN_DIR, corpus, TABLE[case].golden_name(part))


@pytest.mark.parametrize(
    "case, part, expected",
    [
        ("test_conv2d_graph", "scripted", "TorchScript 3; Conv2dPackedParamsBase v2"),
        ("test_conv2d_graph_v3", "traced", "TorchScript 3; Conv2dPackedParamsBase v3"),
        ("test_linear", "scripted", "TorchScript 3; LinearPackedParamsBase (Tensor, Tensor)"),
        ("test_conv2d", "scripted", "TorchScript 3"),  # eager modules keep their weights unpacked
        ("test_conv2d", "state_dict", "torch.save legacy"),
        ("test_conv2d", "input", "torch.save zipfile"),
        ("test_linear_relu_package_quantization_transforms", "package", "torch.package"),
    ],
)
def test_committed_files_hold_what_their_writers_wrote(case, part, expected):
    assert formats.summary(formats.read_format(golden(case, part))) == expected


@pytest.mark.parametrize(
    "corpus, version",
    [("1.6.0", 1), ("1.10.2", 2), ("1.13.1", 2)],
)
@pytest.mark.parametrize("part", ["scripted", "traced"])
def test_past_releases_graph_archives_hold_the_conv_version_their_torch_wrote(corpus, version, part):
    file_format = formats.read_format(golden("test_conv2d_graph", part, corpus))
    assert file_format["packed_params"] == ["Conv2dPackedParamsBase v%d" % version]


def tensor():
    """What a pickled tensor reads as: a call of torch._utils._rebuild_tensor_v2."""
    return pickles.Instance(pickles.Global("torch._utils", "_rebuild_tensor_v2"), (), reduced=True)


def state_of(value):
    """value written as torch's pickler would, and read back symbolically."""
    return pickles.read_pickle(pickle_writer.dumps(value))


@pytest.mark.parametrize(
    "state, version",
    [
        ((tensor(), None, [], [], [], tensor()), 1),
        (("2", [], []), 2),
        ((3, [], []), 3),
        (("3", [], []), None),  # parse_conv_serialized_state reads only "2" as a string
        ((True, [], []), None),
        ((), None),
    ],
)
def test_conv_version_follows_parse_conv_serialized_state(state, version):
    assert formats.conv_version(state_of(state)) == version


class Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch %s" % self.marker,))


def test_reading_a_pickle_runs_nothing_in_it(tmp_path):
    marker = tmp_path / "ran"
    tree = pickles.read_pickle(pickle.dumps({"x": Payload(marker)}, protocol=2))
    assert not marker.exists()
    assert repr(tree["x"].func) == "posix system"


def test_transcoded_archive_is_v3_and_computes_what_v2_does(tmp_path):
    source = golden("test_conv2d_graph", "scripted")
    path = str(tmp_path / os.path.basename(source))
    shutil.copyfile(source, path)
    reproducible.transcode_conv_v3(path)
    assert formats.read_format(path)["packed_params"] == ["Conv2dPackedParamsBase v3"]
    example = torch.load(golden("test_conv2d_graph", "input"), weights_only=True)
    for engine in engines.supported_engines():
        with engines.engine(engine):
            assert torch.equal(torch.jit.load(path)(example), torch.jit.load(source)(example)), engine


def test_transcoding_refuses_an_archive_without_conv_v2():
    with zipfile.ZipFile(golden("test_conv2d_graph_v3", "scripted")) as archive:
        data = next(archive.read(n) for n in archive.namelist() if n.endswith("/data.pkl"))
    with pytest.raises(formats.FormatError, match="ConvPackedParams v3, not v2"):
        pickle_writer.conv_v3_pickle(data, lambda key: b"")


@pytest.fixture
def v3_corpus(tmp_path):
    directory = tmp_path / "serialized"
    case = TABLE["test_conv2d_graph_v3"]
    (directory / "manifest").mkdir(parents=True)
    for name in manifest.case_files(case):
        shutil.copyfile(os.path.join(manifest.GOLDEN_DIR, name), directory / name)
    return str(directory), case


def test_a_v3_case_holding_a_v2_archive_fails_the_corpus_test(v3_corpus):
    directory, case = v3_corpus
    assert corpus_consistency.problems(directory, [case]) == []
    replaced = case.golden_name("scripted")
    shutil.copyfile(golden("test_conv2d_graph", "scripted"), os.path.join(directory, replaced))
    assert corpus_consistency.problems(directory, [case]) == [
        "test_conv2d_graph_v3: %s holds TorchScript 3; Conv2dPackedParamsBase v2, but its manifest records "
        "TorchScript 3; Conv2dPackedParamsBase v3" % replaced,
        "test_conv2d_graph_v3: %s breaks the case's promise: promised ConvPackedParams v3, found "
        "Conv2dPackedParamsBase v2" % replaced,
    ]
    # Recording it in the manifest does not make the promise hold.
    path = manifest.manifest_path(directory, case.name)
    manifest.write(path, manifest.for_files(directory, case, "adopted", {}))
    assert corpus_consistency.problems(directory, [case]) == [
        "test_conv2d_graph_v3: %s breaks the case's promise: promised ConvPackedParams v3, found "
        "Conv2dPackedParamsBase v2" % replaced,
    ]


def test_a_pickle_of_shared_references_is_walked_once_per_object():
    # 600 bytes whose memo nests 2**60 references to one list (a "billion laughs"): each list is entered once.
    nested = []
    for _ in range(60):
        nested = [nested, nested]
    data = pickle.dumps(nested, protocol=2)
    assert len(data) < 1000
    nodes = list(pickles.walk(pickles.read_pickle(data)))
    assert len(nodes) == 1 + 2 * 60
