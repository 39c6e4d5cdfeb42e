"""The past torch releases whose corpora the suite keeps: one entry each.

Each release writes its own corpus, serialized/<release>/, with PyTorch's file
names and one manifest per case, generated under that release's interpreter
and hash-locked environment (third_party/releases/<release>/requirements_lock.txt,
written by `tools/lock --release <release>`). Today's corpus, serialized/, is
written by the torch of //:requirements_lock.txt. Every case test checks its
files in every corpus that holds them, under today's torch.

Starlark reads this file (the repositories in WORKSPACE, the generators and
the tests' corpus list in bc/defs.bzl); Python reads it too (bc/corpora.py).
Keep it literals only.

Adding a release: one entry here, then `tools/lock --release R` and
`bazel run //bc:regenerate -- --release R`.

Fields of a release:
  release       the corpus's name: torch's version, as `pip install
                torch==<release>` takes it, or torchao-<version> for a torchao
                release (which pins its torch in requirements)
  kinds         the kinds of case (bc/kinds.py) it writes; it holds every case
                of those kinds but the left_out ones
  python        major.minor of the CPython it runs under (PyPI has its wheels)
  requirements  what tools/lock resolves for it
  left_out      case -> why this release cannot write it; the corpus holds
                every other case of bc/cases.bzl
  renamed_pins  pinned variable (bc/corpus/pinned.py) -> the name this release's
                libraries read it under; the generator sets both and the
                manifest records it (seen in libtorch_cpu.so's strings)
  unhonoured_pins  pinned variable -> why this release does not honour it
                (measured); generation goes on without it, says so, and the
                manifest records it with the kernels that ran
  note          where the release comes from and what it writes
"""

# The corpus written by today's torch (and torchao), in serialized/ itself.
TODAY = "today"

# The cases today's torchao cannot write: case -> why. Today's corpus holds every other case.
TODAY_LEFT_OUT = {
    "test_torchao_int8_weight_only_v1": "torchao 0.18.0 refuses it: ValueError: version 1 of Int8WeightOnlyConfig has been removed, please use version 2 (pytorch/ao issue 2752)",
    "test_torchao_int8_dynamic_activation_int8_weight_v1": "torchao 0.18.0 refuses it: ValueError: version 1 of Int8DynamicActivationInt8WeightConfig has been removed, please use version 2 (pytorch/ao issue 2752)",
    "test_torchao_int8_dynamic_activation_int4_weight_v1": "torchao 0.18.0 has no Int8DynamicActivationInt4WeightConfig in torchao.quantization",
    "test_torchao_int4_weight_only_v1_tensor_core_tiled": "torchao 0.18.0's quantize_ fails with a bare AssertionError on version 1 of Int4WeightOnlyConfig (removed)",
    "test_torchao_int4_weight_only_v1_int4_cpu": "torchao 0.18.0 has no Int4CPULayout (deleted by pytorch/ao pull request 4149, 0.17.0)",
    "test_torchao_intx_weight_only_v1": "torchao 0.18.0's quantize_ fails with a bare AssertionError on version 1 of IntxWeightOnlyConfig (removed by pytorch/ao pull request 3511)",
    "test_torchao_int8_dynamic_activation_intx_weight_v1": "torchao 0.18.0's quantize_ fails with a bare AssertionError on version 1 of Int8DynamicActivationIntxWeightConfig (removed by pytorch/ao pull request 3512)",
    "test_torchao_float8_weight_only_v1": "torchao 0.18.0 refuses it: AssertionError: Unexpected version: 1 (removed by pytorch/ao pull request 3510)",
    "test_huggingface_llama_int8_weight_only_v1_pickle": "torchao 0.18.0 refuses it: ValueError: version 1 of Int8WeightOnlyConfig has been removed, please use version 2 (pytorch/ao issue 2752)",
    "test_huggingface_llama_int8_dynamic_activation_int8_weight_v1_pickle": "torchao 0.18.0 refuses it: ValueError: version 1 of Int8DynamicActivationInt8WeightConfig has been removed, please use version 2 (pytorch/ao issue 2752)",
    "test_huggingface_llama_float8_weight_only_v2_pickle": "transformers 5.25.0's save_pretrained(safe_serialization=False) writes model.safetensors: transformers 5.0.0 dropped the pickle writer and ignores the argument (huggingface/transformers pull request 42734, documented in its MIGRATION_GUIDE_V5)",
    "test_huggingface_qwen2_int8_weight_only_v1_pickle": "torchao 0.18.0 refuses it: ValueError: version 1 of Int8WeightOnlyConfig has been removed, please use version 2 (pytorch/ao issue 2752)",
    "test_huggingface_llama_intx_weight_only_v1_pickle": "torchao 0.18.0's quantize_ fails with a bare AssertionError on version 1 of IntxWeightOnlyConfig (removed by pytorch/ao pull request 3511)",
    "test_huggingface_llama_int4_weight_only_v1_pickle_int4_cpu": "torchao 0.18.0 has no Int4CPULayout (deleted by pytorch/ao pull request 4149, 0.17.0)",
}

# Every torchao release from 0.7.0 on with the torch it was built against:
# torchao/__init__.py's compatibility table where it has one (0.13.0 to
# 0.16.0; 0.17.0 on requires torch >= 2.11.0), else the newest torch its CI
# tested on the day it was tagged (pytorch/ao's .github at each tag). `bazel
# run //bc:bisect` walks these pairs; torchao declares no torch dependency.
TORCHAO_PAIRS = {
    "0.7.0": "2.5.1",
    "0.8.0": "2.5.1",
    "0.9.0": "2.6.0",
    "0.10.0": "2.6.0",
    "0.11.0": "2.7.0",
    "0.12.0": "2.7.1",
    "0.13.0": "2.8.0",
    "0.14.0": "2.8.0",
    "0.14.1": "2.9.0",
    "0.15.0": "2.9.1",
    "0.16.0": "2.10.0",
    "0.17.0": "2.11.0",
    "0.18.0": "2.13.0",
}

# The transformers paired with each torchao release for the huggingface kind: the transformers series current
# on the day torchao was tagged (PyPI's upload dates), at its last patch, as users upgrading then had it; the
# corpora's own locks pin the same (torchao-0.7.0, 0.13.0, 0.14.0 and 0.16.0 were measured with these). `bazel
# run //bc:bisect` walks these triples for a huggingface case, adding accelerate, which transformers 4's
# TorchAoConfig requires; 0.18.0's is today's lock's.
TRANSFORMERS_PAIRS = {
    "0.7.0": "4.47.1",
    "0.8.0": "4.48.3",
    "0.9.0": "4.49.0",
    "0.10.0": "4.51.3",
    "0.11.0": "4.51.3",
    "0.12.0": "4.53.3",
    "0.13.0": "4.56.2",
    "0.14.0": "4.57.1",
    "0.14.1": "4.57.1",
    "0.15.0": "4.57.3",
    "0.16.0": "5.1.0",
    "0.17.0": "5.4.0",
    "0.18.0": "5.25.0",
}

# Every executorch release from 0.3.0 on that PyPI has for CPython 3.11 (it has no 1.3.0), with the torch and
# torchao it requires: its wheel's metadata, an exact pin or the lowest release of its range; None where it names
# no torchao (PT2E from torch.ao), and for 1.5.x, which names no torch, today's lock's. `bazel run //bc:bisect`
# walks these for an executorch case, each executorch installed without the dependencies it declares, as the
# corpora's locks have it.
EXECUTORCH_PAIRS = {
    "0.3.0": ["2.4.0", None],
    "0.4.0": ["2.5.0", None],
    "0.5.0": ["2.6.0", None],
    "0.6.0": ["2.7.0", "0.10.0"],
    "0.7.0": ["2.8.0", "0.12.0"],
    "1.0.0": ["2.9.0", "0.14.0"],
    "1.0.1": ["2.9.0", "0.14.0"],
    "1.1.0": ["2.10.0", "0.15.0"],
    "1.2.0": ["2.11.0", "0.17.0"],
    "1.3.1": ["2.12.0", "0.17.0"],
    "1.4.0": ["2.13.0", "0.18.0"],
    "1.4.1": ["2.13.0", "0.18.0"],
    "1.5.0": ["2.13.0", "0.18.0"],
    "1.5.1": ["2.13.0", "0.18.0"],
}

# The torch builds the suite runs under, besides today's lock (requirements_lock.txt, @pypi): each a lock of its
# own (third_party/builds/<build>/requirements_lock.txt, `tools/lock --build <build>`), or a wheel given by path
# ("wheel": True), in a repository of its own, chosen with --config=<build> (.bazelrc: --//bc:torch=<build>,
# and outputs of their own). A build not chosen is never fetched. docs/upgrading.md, "The next torch" and
# "A wheel of your own".
TORCH_BUILDS = [
    {
        "build": "next",
        "repository": "pypi_next",
        "requirements": [
            # PyPI's newest torch: a CUDA 13.2 build with its nvidia-* distributions, run on the CPU.
            "torch==2.15.0",
            # torchao's newest, paired by hand (its metadata declares no torch dependency).
            "torchao==0.18.0",
            # transformers as today's lock pins it: the huggingface kind's loader.
            "transformers==5.25.0",
            # executorch as today's lock pins it: the executorch kind's runtime.
            "executorch==1.5.1",
            "flatbuffers",
            "numpy",
            "ruamel.yaml",
            "tabulate",
            "absl-py",
            "pytest",
        ],
        "note": "what the next torch does to every corpus, before the lock moves to it",
    },
    {
        "build": "wheel",
        "repository": "pypi_wheel",
        # No lock of its own: the torch wheel $QUANT_BC_TORCH_WHEEL names, with the pins of the first lock (today's,
        # then each build's above) that meets its requirements (third_party/builds/wheel.bzl).
        "wheel": True,
        "note": "a torch wheel of your own or a nightly, given by path, before it is released",
    },
]

# The past releases whose environments CI never makes, each with why: the generators of these corpora (`bazel run
# //bc:regenerate -- --release R --check`, the probes of //bc:cpu_invariance_every_corpus_test) are run by whoever
# changes them (docs/torchao.md records when). Their files are tested at head like every corpus's: a case test
# needs today's torch only. CI on a fresh machine has 35 GB of disk (tools/ci/disk_budget); it regenerates every
# other corpus, the oldest torchao release's among them.
CI_LEFT_OUT = {
    "torchao-0.10.0": "its torch 2.6.0 is a CUDA build, 6.5 GB installed, for one more torchao release between the oldest and today's",
    "torchao-0.13.0": "its torch 2.8.0 is a CUDA build, 7 GB installed, for one more torchao release between the oldest and today's",
    "torchao-0.14.0": "its torch 2.8.0 is a CUDA build, 7 GB installed, for the first torchao with safetensors, between the oldest and today's",
    "torchao-0.16.0": "its torch 2.10.0 is a CUDA build, 7 GB installed, for one more torchao release between the oldest and today's",
    "executorch-0.3.0": "its torch 2.4.0 is a CUDA build, 5.0 GB installed with executorch, for programs from before executorch's promise",
    "executorch-0.4.0": "its torch 2.5.0 is a CUDA build, 5.1 GB installed with executorch, for programs from before executorch's promise",
    "executorch-0.7.0": "its torch 2.8.0 is a CUDA build, 6.5 GB installed with executorch, for programs from before executorch's promise",
    "executorch-1.0.0": "its torch 2.9.0 is a CUDA build, 6.8 GB installed with executorch, for the oldest release under executorch's promise",
    "executorch-1.2.0": "its torch 2.11.0 is a CUDA build, 4.8 GB installed with executorch, for one more executorch release between 1.0 and today's",
}

RELEASES = [
    {
        "release": "1.6.0",
        "kinds": ["op", "op_graph", "observer", "package"],
        "python": "3.8",
        "requirements": [
            "torch==1.6.0",
            # torch 1.6.0 requires numpy; newer ones break its import.
            "numpy<1.20",
        ],
        "left_out": {
            "test_conv2d_graph_v2": "torch 1.6.0 writes ConvPackedParams v1; v2 came with torch 1.7",
            "test_conv2d_nobias_graph_v2": "torch 1.6.0 writes ConvPackedParams v1; v2 came with torch 1.7",
            "test_conv2d_graph_v3": "v3 is written by no release: only today's corpus holds it, transcoded",
            "test_conv2d_nobias_graph_v3": "v3 is written by no release: only today's corpus holds it, transcoded",
            "test_linear_relu_package_quantization_transforms": "torch.package and FX quantization came with torch 1.9 and 1.8",
        },
        "renamed_pins": {
            # Its MKL-DNN 1.5.0 holds the name DNNL_MAX_CPU_ISA and no ONEDNN_ one (1.13.1's oneDNN 2.6 reads ONEDNN_).
            "ONEDNN_MAX_CPU_ISA": "DNNL_MAX_CPU_ISA",
        },
        "unhonoured_pins": {
            "FBGEMM_ENABLE_INSTRUCTIONS": "its fbgemm runs exact (AVX512-VNNI) int8 kernels on such a CPU whatever the variable says: 64 products 255*127 sum to 2,070,000 (exact, at scale 1e4), not the saturated 1,050,000 of 1.10.2 with AVX2; so its corpus is reproducible on AVX512-VNNI CPUs only",
        },
        "note": "the release of PyTorch's first serialized/ files (April to August 2020); CUDA wheel, runs on the CPU",
    },
    {
        "release": "1.10.2",
        "kinds": ["op", "op_graph", "observer", "package"],
        "python": "3.8",
        "requirements": [
            "torch==1.10.2",
            # Its torch/torch_version.py imports pkg_resources (setuptools), undeclared.
            "setuptools<60",
        ],
        "left_out": {
            "test_conv2d_graph_v3": "v3 is written by no release: only today's corpus holds it, transcoded",
            "test_conv2d_nobias_graph_v3": "v3 is written by no release: only today's corpus holds it, transcoded",
            "test_linear_relu_package_quantization_transforms": "the seed packages torch.testing._internal.quantization_torch_package_models, which came with torch 1.11",
        },
        "renamed_pins": {
            # Its MKL-DNN 2.2.3 holds the name DNNL_MAX_CPU_ISA and no ONEDNN_ one (1.13.1's oneDNN 2.6 reads ONEDNN_).
            "ONEDNN_MAX_CPU_ISA": "DNNL_MAX_CPU_ISA",
        },
        "note": "the release of PyTorch's _v3 files (June 2021); CUDA wheel, runs on the CPU",
    },
    {
        "release": "1.13.1",
        "kinds": ["op", "op_graph", "observer", "package"],
        "python": "3.11",
        "requirements": ["torch==1.13.1"],
        "left_out": {
            "test_conv2d_graph_v3": "v3 is written by no release: only today's corpus holds it, transcoded",
            "test_conv2d_nobias_graph_v3": "v3 is written by no release: only today's corpus holds it, transcoded",
        },
        "note": "the first release with torch.ao.nn and QConfigMapping; CUDA build with nvidia-* distributions",
    },
    # torchao releases, each with the torch it was built and tested against
    # (torchao's own compatibility table); torchao declares no torch dependency.
    {
        "release": "torchao-0.7.0",
        "kinds": ["torchao", "pt2e", "huggingface"],
        "python": "3.11",
        "requirements": ["torch==2.5.1", "torchao==0.7.0", "transformers==4.47.1", "accelerate"],
        "left_out": {
            "test_huggingface_llama_intx_weight_only_v1_pickle": "torchao 0.7.0 has no IntxWeightOnlyConfig (it came with 0.11.0)",
            "test_huggingface_llama_int4_weight_only_v1_pickle_int4_cpu": "quantize_ fails: AttributeError: 'Int4CPULayout' object has no attribute 'inner_k_tiles' (the layout exists; int4_weight_only() does not take it yet)",
            "test_huggingface_llama_int8_weight_only_v2": "transformers 4.47.1 refuses safe_serialization=True for it: ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable (torchao safetensors came with transformers 4.57.0, huggingface/transformers pull request 40735)",
            "test_huggingface_llama_int8_dynamic_activation_int8_weight_v2": "transformers 4.47.1 refuses safe_serialization=True for it: ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable (torchao safetensors came with transformers 4.57.0, huggingface/transformers pull request 40735)",
            "test_huggingface_llama_float8_weight_only_v2": "transformers 4.47.1 refuses safe_serialization=True for it: ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable (torchao safetensors came with transformers 4.57.0, huggingface/transformers pull request 40735)",
            "test_huggingface_llama_intx_weight_only_v2": "transformers 4.47.1 refuses safe_serialization=True for it: ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable (torchao safetensors came with transformers 4.57.0, huggingface/transformers pull request 40735)",
            "test_huggingface_qwen2_int8_weight_only_v2": "transformers 4.47.1 refuses safe_serialization=True for it: ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable (torchao safetensors came with transformers 4.57.0, huggingface/transformers pull request 40735)",
            "test_huggingface_llama_float8_weight_only_v2_pickle": "transformers 4.47.1's TorchAoConfig takes torchao 0.7.0's function names only, and float8_weight_only is not among them: ValueError: Requested quantization type: float8_weight_only is not supported yet",
            "test_torchao_int8_weight_only_v2": "torchao 0.7.0 has only the function API (int8_weight_only()), which writes version 1",
            "test_torchao_int8_dynamic_activation_int8_weight_v2": "torchao 0.7.0 has only the function API (int8_dynamic_activation_int8_weight()), which writes version 1",
            "test_torchao_int4_weight_only_v1_int4_cpu": "quantize_ fails: AttributeError: 'Int4CPULayout' object has no attribute 'inner_k_tiles' (the layout exists; int4_weight_only() does not take it yet)",
            "test_torchao_prototype_int4_opaque": "torchao 0.7.0 has no CPU int4 prototype config (Int4WeightOnlyOpaqueTensorConfig came with 0.15.0)",
            "test_torchao_intx_weight_only_v1": "torchao 0.7.0 has no IntxWeightOnlyConfig (it came with 0.11.0)",
            "test_torchao_intx_weight_only_v2": "torchao 0.7.0 has no IntxWeightOnlyConfig (it came with 0.11.0)",
            "test_torchao_int8_dynamic_activation_intx_weight_v1": "torchao 0.7.0 has no Int8DynamicActivationIntxWeightConfig (it came with 0.11.0)",
            "test_torchao_int8_dynamic_activation_intx_weight_v2": "torchao 0.7.0 has no Int8DynamicActivationIntxWeightConfig (it came with 0.11.0)",
            "test_torchao_float8_weight_only_v2": "torchao 0.7.0 has only the function API (float8_weight_only()), which writes version 1",
            "test_torchao_float8_weight_only_v2_bf16": "torchao 0.7.0 has only the function API (float8_weight_only()), which writes version 1",
        },
        "note": "the last release with only the function API (int8_weight_only()) and AffineQuantizedTensor layouts (December 2024); torch 2.5.1, a CUDA build with nvidia-* distributions",
    },
    {
        "release": "torchao-0.10.0",
        "kinds": ["torchao", "pt2e"],
        "python": "3.11",
        "requirements": ["torch==2.6.0", "torchao==0.10.0"],
        "left_out": {
            "test_torchao_int8_weight_only_v2": "torchao 0.10.0's Int8WeightOnlyConfig has no version field: it writes version 1 only (the field came with 0.15.0)",
            "test_torchao_int8_dynamic_activation_int8_weight_v2": "torchao 0.10.0's Int8DynamicActivationInt8WeightConfig has no version field: it writes version 1 only (the field came with 0.15.0)",
            "test_torchao_int4_weight_only_v1_tensor_core_tiled": "quantize_ fails: NotImplementedError: Could not run 'aten::_convert_weight_to_int4pack' with arguments from the 'CPU' backend (torch 2.6.0 packs int4 for TensorCoreTiledLayout on CUDA only)",
            "test_torchao_prototype_int4_opaque": "torchao 0.10.0 has no CPU int4 prototype config (Int4WeightOnlyOpaqueTensorConfig came with 0.15.0)",
            "test_torchao_intx_weight_only_v1": "torchao 0.10.0 has no IntxWeightOnlyConfig (it came with 0.11.0)",
            "test_torchao_intx_weight_only_v2": "torchao 0.10.0 has no IntxWeightOnlyConfig (it came with 0.11.0)",
            "test_torchao_int8_dynamic_activation_intx_weight_v1": "torchao 0.10.0 has no Int8DynamicActivationIntxWeightConfig (it came with 0.11.0)",
            "test_torchao_int8_dynamic_activation_intx_weight_v2": "torchao 0.10.0 has no Int8DynamicActivationIntxWeightConfig (it came with 0.11.0)",
            "test_torchao_float8_weight_only_v2": "torchao 0.10.0's Float8WeightOnlyConfig has no version field: it writes version 1 only (the field came with 0.13.0)",
            "test_torchao_float8_weight_only_v2_bf16": "torchao 0.10.0's Float8WeightOnlyConfig has no version field: it writes version 1 only (the field came with 0.13.0)",
        },
        "note": "the first release with config_to_dict (April 2025); torch 2.6.0, a CUDA build",
    },
    {
        "release": "torchao-0.13.0",
        "kinds": ["torchao", "pt2e", "huggingface"],
        "python": "3.11",
        "requirements": ["torch==2.8.0", "torchao==0.13.0", "transformers==4.56.2", "accelerate"],
        "left_out": {
            "test_huggingface_llama_int8_weight_only_v2": "transformers 4.56.2 refuses safe_serialization=True for it: ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable (torchao safetensors came with transformers 4.57.0, huggingface/transformers pull request 40735)",
            "test_huggingface_llama_int8_dynamic_activation_int8_weight_v2": "transformers 4.56.2 refuses safe_serialization=True for it: ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable (torchao safetensors came with transformers 4.57.0, huggingface/transformers pull request 40735)",
            "test_huggingface_llama_float8_weight_only_v2": "transformers 4.56.2 refuses safe_serialization=True for it: ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable (torchao safetensors came with transformers 4.57.0, huggingface/transformers pull request 40735)",
            "test_huggingface_llama_intx_weight_only_v2": "transformers 4.56.2 refuses safe_serialization=True for it: ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable (torchao safetensors came with transformers 4.57.0, huggingface/transformers pull request 40735)",
            "test_huggingface_qwen2_int8_weight_only_v2": "transformers 4.56.2 refuses safe_serialization=True for it: ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable (torchao safetensors came with transformers 4.57.0, huggingface/transformers pull request 40735)",
            "test_torchao_int8_weight_only_v2": "torchao 0.13.0's Int8WeightOnlyConfig has no version field: it writes version 1 only (the field came with 0.15.0)",
            "test_torchao_int8_dynamic_activation_int8_weight_v2": "torchao 0.13.0's Int8DynamicActivationInt8WeightConfig has no version field: it writes version 1 only (the field came with 0.15.0)",
            "test_torchao_int4_weight_only_v1_tensor_core_tiled": "quantize_ fails: NotImplementedError: Could not run 'aten::_convert_weight_to_int4pack' with arguments from the 'CPU' backend (torch 2.8.0 packs int4 for TensorCoreTiledLayout on CUDA only)",
            "test_torchao_prototype_int4_opaque": "torchao 0.13.0 has no CPU int4 prototype config (Int4WeightOnlyOpaqueTensorConfig came with 0.15.0)",
            "test_torchao_int8_dynamic_activation_intx_weight_v2": "torchao 0.13.0's Int8DynamicActivationIntxWeightConfig has no version field: it writes version 1 only (0.14.1 has the field)",
        },
        "note": "configs with a version field, version 1 the default for most (August 2025); torch 2.8.0, a CUDA build",
    },
    {
        "release": "torchao-0.14.0",
        "kinds": ["huggingface"],
        "python": "3.11",
        "requirements": ["torch==2.8.0", "torchao==0.14.0", "transformers==4.57.1", "accelerate"],
        "left_out": {
            "test_huggingface_llama_int8_weight_only_v2": "transformers 4.57.1 saves only Float8WeightOnlyConfig and Float8DynamicActivationFloat8WeightConfig as safetensors (SUPPORTED_SAFE_SERIALIZATION_CONFIGS): ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable",
            "test_huggingface_llama_int8_dynamic_activation_int8_weight_v2": "transformers 4.57.1 saves only Float8WeightOnlyConfig and Float8DynamicActivationFloat8WeightConfig as safetensors (SUPPORTED_SAFE_SERIALIZATION_CONFIGS): ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable",
            "test_huggingface_llama_intx_weight_only_v2": "transformers 4.57.1 saves only Float8WeightOnlyConfig and Float8DynamicActivationFloat8WeightConfig as safetensors (SUPPORTED_SAFE_SERIALIZATION_CONFIGS): ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable",
            "test_huggingface_qwen2_int8_weight_only_v2": "transformers 4.57.1 saves only Float8WeightOnlyConfig and Float8DynamicActivationFloat8WeightConfig as safetensors (SUPPORTED_SAFE_SERIALIZATION_CONFIGS): ValueError: The model is quantized with QuantizationMethod.TORCHAO and is not serializable",
            "test_huggingface_qwen2_int8_weight_only_v1_pickle": "the second architecture is written by the releases before (0.7.0, 0.13.0) and after (0.16.0, today); 0.14.0 adds the float8 safetensors",
        },
        "note": "the first torchao with safetensors (torchao.prototype.safetensors) and the transformers that saves float8 configs with it (4.57.1, October 2025); its torchao and pt2e cases are 0.13.0's and 0.16.0's to write; torch 2.8.0, a CUDA build shared with torchao-0.13.0",
    },
    {
        "release": "torchao-0.16.0",
        "kinds": ["torchao", "pt2e", "huggingface"],
        "python": "3.11",
        "requirements": ["torch==2.10.0", "torchao==0.16.0", "transformers==5.1.0"],
        "left_out": {
            "test_huggingface_llama_intx_weight_only_v1_pickle": "transformers 5.1.0's save_pretrained(safe_serialization=False) writes model.safetensors: transformers 5.0.0 dropped the pickle writer and ignores the argument (huggingface/transformers pull request 42734, documented in its MIGRATION_GUIDE_V5)",
            "test_huggingface_llama_int4_weight_only_v1_pickle_int4_cpu": "transformers 5.1.0's save_pretrained(safe_serialization=False) writes model.safetensors: transformers 5.0.0 dropped the pickle writer and ignores the argument (huggingface/transformers pull request 42734, documented in its MIGRATION_GUIDE_V5)",
            "test_huggingface_llama_int8_weight_only_v1_pickle": "transformers 5.1.0's save_pretrained(safe_serialization=False) writes model.safetensors: transformers 5.0.0 dropped the pickle writer and ignores the argument (huggingface/transformers pull request 42734, documented in its MIGRATION_GUIDE_V5)",
            "test_huggingface_llama_int8_dynamic_activation_int8_weight_v1_pickle": "transformers 5.1.0's save_pretrained(safe_serialization=False) writes model.safetensors: transformers 5.0.0 dropped the pickle writer and ignores the argument (huggingface/transformers pull request 42734, documented in its MIGRATION_GUIDE_V5)",
            "test_huggingface_llama_float8_weight_only_v2_pickle": "transformers 5.1.0's save_pretrained(safe_serialization=False) writes model.safetensors: transformers 5.0.0 dropped the pickle writer and ignores the argument (huggingface/transformers pull request 42734, documented in its MIGRATION_GUIDE_V5)",
            "test_huggingface_qwen2_int8_weight_only_v1_pickle": "transformers 5.1.0's save_pretrained(safe_serialization=False) writes model.safetensors: transformers 5.0.0 dropped the pickle writer and ignores the argument (huggingface/transformers pull request 42734, documented in its MIGRATION_GUIDE_V5)",
            "test_torchao_int4_weight_only_v1_tensor_core_tiled": "quantize_ fails with a bare AssertionError: version 1 of Int4WeightOnlyConfig is gone",
            "test_torchao_int4_weight_only_v1_int4_cpu": "Int4WeightOnlyConfig takes no layout: TypeError: Int4WeightOnlyConfig.__init__() got an unexpected keyword argument 'layout'",
            "test_torchao_intx_weight_only_v1": "quantize_ fails with a bare AssertionError: version 1 of IntxWeightOnlyConfig is gone (pytorch/ao pull request 3511)",
            "test_torchao_int8_dynamic_activation_intx_weight_v1": "quantize_ fails with a bare AssertionError: version 1 of Int8DynamicActivationIntxWeightConfig is gone (pytorch/ao pull request 3512)",
            "test_torchao_float8_weight_only_v1": "quantize_ fails: AssertionError: Unexpected version: 1 (pytorch/ao pull request 3510)",
        },
        "note": "the last release that still writes version-1 configs; torch 2.10.0, a CUDA build",
    },
    # executorch releases, each with the torch and torchao its metadata requires (its torch from 0.3.0 on, its
    # torchao from 0.6.0 on); their programs (.pte) are run by today's executorch runtime.
    {
        "release": "executorch-0.3.0",
        "kinds": ["executorch"],
        "python": "3.11",
        "requirements": [
            # executorch 0.3.0 pins torch 2.4.0 (a CUDA build) and takes PT2E from torch.ao: no torchao.
            "torch==2.4.0",
            # Locked without the dependencies it declares (third_party/pypi/resolve.py): what it needs to export,
            # lower and run a program.
            "executorch==0.3.0",
            "flatbuffers",
            "numpy",
            "ruamel.yaml",
            "tabulate",
            # Its exir/backend/utils.py imports pandas (0.4.0's no longer does).
            "pandas",
            # Its exir/dialects/edge/_ops.py imports pkg_resources, which setuptools 82.0.0 removed.
            "setuptools<82",
        ],
        "left_out": {
            "test_executorch_portable_static_per_tensor": "executorch 0.3.0 has no executorch.kernels.quantized (it came with 0.4.0): no portable quantize/dequantize kernels to lower to",
            "test_executorch_xnnpack_dynamic": "executorch 0.3.0's XNNPACK lowering (to_edge(...).to_backend(XnnpackPartitioner())) fails on the dynamically quantized linears: RuntimeError: Weight and Input should both be quantized",
        },
        "note": "an executorch from before its beta (July 2024), outside its promise that later runtimes run earlier programs",
    },
    {
        "release": "executorch-0.4.0",
        "kinds": ["executorch"],
        "python": "3.11",
        "requirements": [
            # executorch 0.4.0 pins torch 2.5.0 (a CUDA build) and takes PT2E from torch.ao: no torchao.
            "torch==2.5.0",
            # Locked without the dependencies it declares (third_party/pypi/resolve.py): what it needs to export,
            # lower and run a program.
            "executorch==0.4.0",
            "flatbuffers",
            "numpy",
            "ruamel.yaml",
            "tabulate",
            # Its exir/dialects/edge/_ops.py imports pkg_resources, which setuptools 82.0.0 removed.
            "setuptools<82",
        ],
        "left_out": {},
        "note": "the first executorch beta (October 2024), outside its promise that later runtimes run earlier programs",
    },
    {
        "release": "executorch-0.7.0",
        "kinds": ["executorch"],
        "python": "3.11",
        "requirements": [
            "torch==2.8.0",
            "torchao==0.12.0",
            # Locked without the dependencies it declares (third_party/pypi/resolve.py): what it needs to export,
            # lower and run a program.
            "executorch==0.7.0",
            "flatbuffers",
            "numpy",
            "ruamel.yaml",
            "tabulate",
            # Its exir/dialects/edge/_ops.py imports pkg_resources, which setuptools 82.0.0 removed.
            "setuptools<82",
        ],
        "left_out": {},
        "note": "the last executorch before 1.0 (June 2025), outside its promise that later runtimes run earlier programs; it requires torch 2.8 (a CUDA build, torchao-0.13.0's) and torchao 0.12.0",
    },
    {
        "release": "executorch-1.0.0",
        "kinds": ["executorch"],
        "python": "3.11",
        "requirements": [
            "torch==2.9.0",
            "torchao==0.14.0",
            # Locked without the dependencies it declares (third_party/pypi/resolve.py): what it needs to export,
            # lower and run a program.
            "executorch==1.0.0",
            "flatbuffers",
            "numpy",
            "ruamel.yaml",
            "tabulate",
        ],
        "left_out": {},
        "note": "the first executorch under its promise that later runtimes run earlier programs (October 2025); it requires torch 2.9 (a CUDA build) and torchao 0.14.0",
    },
    {
        "release": "executorch-1.2.0",
        "kinds": ["executorch"],
        "python": "3.11",
        "requirements": [
            "torch==2.11.0",
            "torchao==0.17.0",
            # Locked without the dependencies it declares (third_party/pypi/resolve.py): what it needs to export,
            # lower and run a program.
            "executorch==1.2.0",
            "flatbuffers",
            "numpy",
            "ruamel.yaml",
            "tabulate",
        ],
        "left_out": {},
        "note": "a release between 1.0 and today's; it requires torch 2.11 or later (2.11.0, a CUDA build) and torchao 0.17.0 or later",
    },
]
