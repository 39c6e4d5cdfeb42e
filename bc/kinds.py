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
            output of module() on the input;
  huggingface  a small transformers model quantized with one torchao
            config through TorchAoConfig, saved by save_pretrained: the
            folder's files (config.json, generation_config.json, and the
            weights as model.safetensors or, where the release writes it,
            the pickle pytorch_model.bin), its input ids and logits;
            checked: AutoModelForCausalLM.from_pretrained of the folder,
            offline, and its logits on the input ids;
  executorch  a float model quantized by PT2E, lowered by ExecuTorch (to
            XNNPACK's delegate, or to portable kernels) and written by
            to_executorch(): the program (.pte), the delegates and operators
            it holds as executorch's deserializer reads them, its output on
            the input as the writer's runtime ran it; checked: the program
            read without running it (bc/pte_files.py), its delegates and
            operators registered by today's runtime, then executorch.runtime's
            load_program, load_method("forward") and execute on the input.

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
JSON = "json"  # a JSON document (a Hugging Face folder's config.json), checked by bc/hf_files.py before any loader
# A safetensors file; its header and the metadata torchao writes in it are checked by bc/hf_files.py first
SAFETENSORS = "safetensors"
# An ExecuTorch program (.pte), run by executorch's runtime only after bc/pte_files.py found it sound
PTE = "pte"
PACKAGE_NAME, PACKAGE_RESOURCE = "test", "test.pkl"  # where the package holds the model


@dataclasses.dataclass(frozen=True)
class Kind:
    name: str
    parts: tuple  # (part, format), in the order the files are listed and checked
    produce: str  # bc/corpus/produce.py: case -> {part: value}, run under the pinned configuration; "" for MODEL_KINDS
    check: str  # bc/checks.py: (case, golden) -> [(loader, part it reads, function returning differences)]
    loaders: tuple = ()  # MODEL_KINDS: the loaders its check names, which a user's record may name
    # part -> the file name its writer gives it, where that is not <part>.pt (a Hugging Face folder's files)
    file_names: dict = dataclasses.field(default_factory=dict)
    # A field of the case that chooses among the parts: field -> {value: the parts it leaves out}
    chosen_by: dict = dataclasses.field(default_factory=dict)
    # Variables its checks run under, set before torch loads (bc/case_test.py re-executes under them)
    environment: dict = dataclasses.field(default_factory=dict)

    @property
    def part_names(self):
        return tuple(part for part, _ in self.parts)

    def parts_of(self, entry):
        """The parts of a case (its entry's fields) of this kind, in order."""
        left = {part for field, choices in self.chosen_by.items() for part in choices[entry[field]]}
        return tuple(part for part in self.part_names if part not in left)

    def file_name(self, part):
        return self.file_names.get(part, part + ".pt")

    def format_of(self, part):
        return dict(self.parts)[part]


# The part a Hugging Face folder holds its weights in, by what save_pretrained writes (safe_serialization).
HF_WEIGHTS = {"safetensors": "model", "pickle": "pytorch_model"}

# The partitioners an executorch case may lower with (bc/cases.bzl, partitioner): the module it lives in (executorch's
# XNNPACK tutorial imports it from there in every release from 0.3.0 on) and the backend id its delegates carry.
PARTITIONERS = {"XnnpackPartitioner": ("executorch.backends.xnnpack.partition.xnnpack_partitioner", "XnnpackBackend")}

# The files of a Hugging Face folder, as save_pretrained names them: part -> file name.
HF_FILE_NAMES = {
    "config": "config.json",
    "generation_config": "generation_config.json",
    "model": "model.safetensors",
    "pytorch_model": "pytorch_model.bin",
}

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
        Kind(
            name="huggingface",
            parts=(
                ("input", TENSORS),
                ("config", JSON),
                ("generation_config", JSON),
                ("model", SAFETENSORS),
                ("pytorch_model", TORCHAO_CHECKPOINT),
                ("expected", TENSORS),
            ),
            produce="produce_huggingface",
            check="check_huggingface",
            file_names=HF_FILE_NAMES,
            # save_pretrained writes the weights in one of the two files: a case holds the one its serialization names.
            chosen_by={"serialization": {
                serialization: tuple(part for part in HF_WEIGHTS.values() if part != own)
                for serialization, own in HF_WEIGHTS.items()
            }},
            # A decoder's float parts (RMSNorm, attention, the float projections) sum in another order on another
            # CPU, in ATen's vectorized kernels and MKL's; a dynamic activation quantization then turns an ulp into
            # a whole int8 step. Measured on an AVX-512 host, logits of test_huggingface_llama_int8_dynamic_
            # activation_int8_weight_v2 against the generator's: 504 of 2048 differ (up to 0.0015) natively, 247
            # (0.00065) with ATen's AVX2 kernels alone, 0 with those and MKL's conditional numerical
            # reproducibility, the generator's own pins (bc/corpus/pinned.py). Both are read when torch loads.
            environment={"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "COMPATIBLE"},
        ),
        Kind(
            name="executorch",
            parts=(("input", TENSORS), ("program", PTE), ("contents", TENSORS), ("expected", TENSORS)),
            produce="produce_executorch",
            check="check_executorch",
            # The name users give it: the runtime reads any name, and a .pte is what tools look for.
            file_names={"program": "program.pte"},
        ),
    ]
}

# What `<target>.update` may write of a user's artifact: what today's torch observes of it.
OBSERVED_PARTS = ("expected", "quantize_ops", "contents")

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
        # A folder as save_pretrained writes it: the artifact is the folder; its files are the parts.
        dataclasses.replace(KINDS["huggingface"], produce="", loaders=("from_pretrained",)),
        dataclasses.replace(KINDS["executorch"], produce="", loaders=("runtime",)),
    ]
}


def environment_of(kind):
    """The variables a case of this kind (a suite's or a user's) is checked under; {} for an unknown kind."""
    spec = KINDS.get(kind) or MODEL_KINDS.get(kind)
    return dict(spec.environment) if spec else {}


def enter_environment(kind):
    """Re-executes this process under the variables a case of the kind is checked under (environment_of), unless it
    runs under them: call it before torch loads, which reads them (a case test, a target's .update)."""
    import os
    import sys

    wanted = environment_of(kind)
    if any(os.environ.get(key) != value for key, value in wanted.items()):
        os.execve(sys.executable, sys.orig_argv, dict(os.environ, **wanted))
