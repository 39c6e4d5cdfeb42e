"""The kinds of case, as data: each kind's golden parts (each with the format it
is written and read in) and the names of the functions that produce and check
them. docs/cases.md says what each checks.

  op        an eager quantized module: its state dict, scripted and traced
            archives; checked: the module after load_state_dict, and
            torch.jit.load of both archives, each run on the input;
  op_graph  quantize_jit of a float module, scripted and traced; checked: the
            saved archives loaded and run (nothing is re-quantized);
  observer  an observer's state dict; checked: load_state_dict, the state
            dict round trip, and (check_numerics) the output on the input;
  package   a float model in a torch.package; checked: import, FX prepare
            and convert, the get_attr target set, and the output;
  torchao   a float model quantized by torchao's quantize_ with one config:
            its state dict as users save it (tensor subclasses), and the
            config as the release records it; checked: torch.load
            (weights_only=True) with torchao imported, load_state_dict
            (assign=True) into the float model built on the meta device, the
            output; and the config read back by today's config_from_dict;
  pt2e      a float model quantized by PT2E (torch.export, prepare_pt2e
            with one quantizer, calibration, convert_pt2e) and exported:
            the program as torch.export.save writes it, and its
            quantize/dequantize ops with their qparams; checked:
            torch.export.load with the ops registered, the op set, the
            output of module() on the input.

A user's own artifact (bc/own_models: quant_bc_model_test) is one of
MODEL_KINDS: the same parts and check functions where the suite has them
(pt2e), and for the others a check of the artifact alone, built from the
suite's steps (a TorchScript archive, a state dict into the user's model, a
torch.package's model, a torchao checkpoint without its config). The user
writes the artifact and its input; `<target>.update` writes what is observed
of it (OBSERVED_PARTS) unless the user gives it (the expected output written
with the artifact).

Adding a kind is one entry of KINDS, its `produce` function in
bc/corpus/produce.py (the writing side), its `check` function in
bc/checks.py (the reading side), and a case of that kind in bc/cases.bzl;
//tests:kinds_test proves both functions exist for every kind.

This module imports nothing: tools read a case's file list on the host,
where torch is not installed, and both sides import it without a cycle.
"""

import dataclasses

# The formats a part is written in (bc/corpus/generate.py) and read in (bc/golden_io.py).
TENSORS = "tensors"  # torch.save, read weights-only
STATE_DICT = "state_dict"  # torch.save, zipfile or legacy as the case says; read weights-only
SCRIPT = "script"  # a TorchScript archive, read by torch.jit.load
PACKAGE = "package"  # a torch.package, opened only after every digest matched
# torch.save of tensor subclasses; read weights-only once torchao has registered its classes
TORCHAO_CHECKPOINT = "torchao_checkpoint"
TORCHAO_PREFIX = "torchao."  # the module path torchao's classes are pickled under
# A torch.export archive, read by torch.export.load only after bc/pt2_archive.py found nothing in it that runs code
PT2 = "pt2"
PACKAGE_NAME, PACKAGE_RESOURCE = "test", "test.pkl"  # where the package holds the model


@dataclasses.dataclass(frozen=True)
class Kind:
    name: str
    parts: tuple  # (part, format), in the order the files are listed and checked
    produce: str  # bc/corpus/produce.py: case -> {part: value}, run under the pinned configuration; "" for MODEL_KINDS
    check: str  # bc/checks.py: (case, golden) -> [(loader, part it reads, function returning differences)]
    loaders: tuple = ()  # MODEL_KINDS: the loaders its check names, which a user's record may name

    @property
    def part_names(self):
        return tuple(part for part, _ in self.parts)

    def format_of(self, part):
        return dict(self.parts)[part]


KINDS = {
    kind.name: kind
    for kind in [
        Kind(
            name="op",
            parts=(
                ("input", TENSORS),
                ("state_dict", STATE_DICT),
                ("scripted", SCRIPT),
                ("traced", SCRIPT),
                ("expected", TENSORS),
            ),
            produce="produce_op",
            check="check_op",
        ),
        Kind(
            name="op_graph",
            parts=(("input", TENSORS), ("scripted", SCRIPT), ("traced", SCRIPT), ("expected", TENSORS)),
            produce="produce_op_graph",
            check="check_archives",
        ),
        Kind(
            name="observer",
            parts=(("input", TENSORS), ("state_dict", STATE_DICT), ("expected", TENSORS)),
            produce="produce_observer",
            check="check_observer",
        ),
        Kind(
            name="package",
            parts=(("input", TENSORS), ("package", PACKAGE), ("get_attr_targets", TENSORS), ("expected", TENSORS)),
            produce="produce_package",
            check="check_package",
        ),
        Kind(
            name="torchao",
            parts=(
                ("input", TENSORS),
                ("state_dict", TORCHAO_CHECKPOINT),
                ("config", TENSORS),
                ("expected", TENSORS),
            ),
            produce="produce_torchao",
            check="check_torchao",
        ),
        Kind(
            name="pt2e",
            parts=(("input", TENSORS), ("program", PT2), ("quantize_ops", TENSORS), ("expected", TENSORS)),
            produce="produce_pt2e",
            check="check_pt2e",
        ),
    ]
}

# What `<target>.update` may write of a user's artifact: what today's torch observes of it.
OBSERVED_PARTS = ("expected", "quantize_ops")

# A user's own artifact, by the kind its target names (bc/own_models/defs.bzl): the user writes it, nothing produces it.
MODEL_KINDS = {
    kind.name: kind
    for kind in [
        Kind(
            name="torchscript",
            parts=(("input", TENSORS), ("scripted", SCRIPT), ("expected", TENSORS)),
            produce="",
            check="check_torchscript",
            loaders=("torchscript",),
        ),
        Kind(
            name="state_dict",
            parts=(("input", TENSORS), ("state_dict", STATE_DICT), ("expected", TENSORS)),
            produce="",
            check="check_state_dict",
            loaders=("eager",),
        ),
        Kind(
            name="package",
            parts=(("input", TENSORS), ("package", PACKAGE), ("expected", TENSORS)),
            produce="",
            check="check_packaged_model",
            loaders=("package",),
        ),
        Kind(
            name="torchao",
            parts=(("input", TENSORS), ("state_dict", TORCHAO_CHECKPOINT), ("expected", TENSORS)),
            produce="",
            check="check_torchao_checkpoint",
            loaders=("checkpoint",),
        ),
        dataclasses.replace(KINDS["pt2e"], produce="", loaders=("program",)),
    ]
}
