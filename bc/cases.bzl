"""The compatibility cases, one entry each: the single source of truth.

Starlark reads this file (bc/defs.bzl turns each entry into a py_test, a golden
filegroup and its generators, and hands each test its own entry only); Python
reads it too (bc/case_table.py, through ast.literal_eval). Keep it literals only;
a literal may name a constant defined above it (PT2E_FORMAT_RECORDS), which both read as its value.

Fields of a case:
  name                  the seed's test method; golden files are
                        serialized/TestSerialization.<name>.<part>.pt
  kind                  op, op_graph, observer, package, torchao or pt2e: its
                        golden parts, generator and checks are in bc/kinds.py
  module                factory in bc/modules.py that builds the module
  input_size            shape of the generated input
  input_quantized       op kinds: the input is quantize_per_tensor(x, 0.5, 2, quint8)
  zipfile               state dict written by torch.save's zipfile writer;
                        False means the legacy writer, as the seed does
  engines               quantized engines the test runs under;
                        [] = engine-independent, runs once
  atol, rtol            tolerances; None = torch.testing's dtype-based defaults
  check_numerics        observer kind: compare the output as well as load
  avx512_vnni_sensitive numerics differ on AVX512-VNNI CPUs; skipped there
                        (see --//bc:avx512_vnni)
  conv_version          the ConvPackedParams serialization version every
                        TorchScript archive of the case promises by its name
                        (_v2, _v3); //serialized:consistency_test holds it to that
  config                torchao kind: the config as today's torchao names it,
                        the version of its format (1 or 2) and its arguments;
                        bc/torchao_api.py builds it as each release can
  dtype                 torchao kind: the float model's dtype
  quantizer             pt2e kind: the PT2E quantizer (as today's torchao
                        names it), the arguments of its config function
                        (get_symmetric_quantization_config,
                        get_default_x86_inductor_quantization_config), and
                        qat (prepare_qat_pt2e); bc/pt2e_api.py finds it in
                        each release
  differences           what today's torch does differently with a past
                        release's files (bc/releases.bzl), each recorded as
                        observed: corpora (each release whose files show
                        it), engines ([] = every one), loader,
                        the observed problem lines exactly, reason, verdict
                        ("break": PyTorch or torchao should fix it; "changed":
                        intended; "deprecated": a format the project
                        announced it would stop loading, the announcement
                        cited; "unpromised": outside what it promises, as a
                        prototype), and where the observation depends on the
                        CPU, cpu_capability (what torch's kernels run at on
                        the host, torch.backends.cpu.get_cpu_capability(): the
                        record applies there only, and elsewhere the check
                        must pass), first_failing (the first release that
                        fails, found by `bazel run //bc:bisect`; for torchao,
                        torchao-<version>). The check passes only while

                        the observation is exactly the recorded one (bc/checks.py)
  note                  why the entry is what it is
"""

# PyTorch's own name for the golden files: <prefix>.<case>.<part>.pt.
GOLDEN_PREFIX = "TestSerialization"

# Every quantized engine a case may name, in the order tests run them.
QENGINES = ["fbgemm", "onednn", "qnnpack", "x86"]

# What today's torch does with every pt2e case's programs of the past corpora: the same for each
# quantizer, as the program's format decides it (docs/pt2e.md). The pt2e entries' differences.
PT2E_FORMAT_RECORDS = [
    {
        "corpora": ["torchao-0.7.0"],
        "engines": [],
        "loader": "program",
        "observed": "torch.export logged: Ran into the following error when deserializing: RuntimeError: [enforce fail at inline_container.cc] . file in archive is not in a subdirectory: serialized_exported_program.json\ntorch.export logged: Trying to deserialize for the older format. This version of file is deprecated. Please generate a new pt2 saved file.\ntorch.export.load raised RuntimeError: Serialized version ['7', '3'] does not match our current schema version (8, 20).",
        "reason": "torch 2.5.1 wrote schema 7.3; torch.export.load refuses a major version other than its own (torch/_export/serde/serialize.py), and torch 2.6.0 (paired with torchao 0.9.0) moved to 8 (pytorch/pytorch pull request 139223, min_val and max_val of a range constraint made Optional, which the schema counts as breaking). Outside torch's promise: torch.export.save's documentation says 'Under active development, saved files may not be usable in newer versions of PyTorch', and torch/_export/serde/schema.py 'no guarantee is provided at this point'. The graphs are still readable: with the version check skipped (a private flag) all five load and compute the expected output exactly (docs/pt2e-measurements.md). The two logged lines are the flat-zip fallback of torchao-0.10.0's record",
        "verdict": "unpromised",
        "first_failing": "torchao-0.9.0",
    },
    {
        "corpora": ["torchao-0.10.0"],
        "engines": [],
        "loader": "program",
        "observed": "torch.export logged: Ran into the following error when deserializing: RuntimeError: [enforce fail at inline_container.cc] . file in archive is not in a subdirectory: serialized_exported_program.json\ntorch.export logged: Trying to deserialize for the older format. This version of file is deprecated. Please generate a new pt2 saved file.",
        "reason": "torch 2.6.0's torch.export.save wrote a flat zip; pytorch/pytorch pull request 152495 (2.8.0, paired with torchao 0.13.0) made it the PT2 archive, and torch.export.load reads the flat zip only through a fallback that says 'This version of file is deprecated. Please generate a new pt2 saved file.' (by warnings.warn in 2.8.0; logged after the PT2 reader's error from 2.9.0), beside the comment 'Delete this path in 2.9(?)'. The program loads; its quantize/dequantize ops and output are the recorded ones",
        "verdict": "deprecated",
        "first_failing": "torchao-0.13.0",
    },
    {
        "corpora": ["torchao-0.13.0"],
        "engines": [],
        "loader": "program",
        "observed": "torch.export.pt2_archive._package logged: You are loading weight from the legacy format. Please generate a new pt2 file using torch.export.save().\ntorch.export.pt2_archive._package logged: You are loading constant from the legacy format. Please generate a new pt2 file using torch.export.save().",
        "reason": "torch 2.8.0's PT2 archive pickles weights and constants (data/weights/model.pt); pytorch/pytorch pull requests 160394 and 161520 (2.9.0, paired with torchao 0.14.1) store them as raw bytes, and torch.export.load reads pickled ones through a legacy path that warns 'You are loading weight from the legacy format. Please generate a new pt2 file using torch.export.save().' The program loads; its quantize/dequantize ops and output are the recorded ones",
        "verdict": "deprecated",
        "first_failing": "torchao-0.14.1",
    },
]

CASES = [
    {
        "name": "test_linear",
        "kind": "op",
        "module": "quantized_linear",
        "input_size": [1, 3],
        "input_quantized": True,
        "zipfile": False,
        "engines": ["fbgemm", "onednn", "qnnpack", "x86"],
        "note": "seed: @override_qengines",
    },
    {
        "name": "test_linear_relu",
        "kind": "op",
        "module": "quantized_linear_relu",
        "input_size": [1, 3],
        "input_quantized": True,
        "zipfile": False,
        "engines": ["fbgemm", "onednn", "qnnpack", "x86"],
        "note": "seed: no decorator (its comment says override_qengines, as upstream has); widened from torch's default x86 to every engine, shown to pass",
    },
    {
        "name": "test_linear_dynamic_qint8",
        "kind": "op",
        "module": "dynamic_linear_qint8",
        "input_size": [1, 3],
        "input_quantized": False,
        "zipfile": False,
        "engines": ["fbgemm", "onednn", "x86"],
        "note": "seed: first half of test_linear_dynamic, torch's default engine; widened to the engines shown to pass. Not qnnpack: it ignores reduce_range (its own warning says so), so fbgemm-generated numerics differ",
    },
    {
        "name": "test_linear_dynamic_float16",
        "kind": "op",
        "module": "dynamic_linear_float16",
        "input_size": [1, 3],
        "input_quantized": False,
        "zipfile": False,
        "engines": ["fbgemm", "x86"],
        "note": "seed: second half of test_linear_dynamic, gated on qengine_is_fbgemm(); widened to x86, which runs fbgemm's kernels. onednn and qnnpack have no fp16 prepack",
    },
    {
        "name": "test_conv2d",
        "kind": "op",
        "module": "quantized_conv2d",
        "input_size": [1, 3, 6, 6],
        "input_quantized": True,
        "zipfile": False,
        "engines": ["fbgemm", "onednn", "qnnpack", "x86"],
        "note": "seed: no decorator (its comment says override_qengines, as upstream has); widened from torch's default x86 to every engine, shown to pass",
    },
    {
        "name": "test_conv2d_nobias",
        "kind": "op",
        "module": "quantized_conv2d_nobias",
        "input_size": [1, 3, 6, 6],
        "input_quantized": True,
        "zipfile": False,
        "engines": ["fbgemm", "onednn", "qnnpack", "x86"],
        "note": "seed: no decorator (its comment says override_qengines, as upstream has); widened from torch's default x86 to every engine, shown to pass",
    },
    {
        "name": "test_conv2d_graph",
        "kind": "op_graph",
        "module": "float_conv2d_graph",
        "input_size": [1, 3, 6, 6],
        "engines": ["fbgemm", "onednn", "qnnpack", "x86"],
        "note": "seed: no decorator (its comment says override_qengines, as upstream has); widened from torch's default x86 to every engine, shown to pass",
    },
    {
        "name": "test_conv2d_nobias_graph",
        "kind": "op_graph",
        "module": "float_conv2d_nobias_graph",
        "input_size": [1, 3, 6, 6],
        "engines": ["fbgemm", "onednn", "qnnpack", "x86"],
        "note": "seed: no decorator (its comment says override_qengines, as upstream has); widened from torch's default x86 to every engine, shown to pass",
    },
    {
        "name": "test_conv2d_graph_v2",
        "kind": "op_graph",
        "conv_version": 2,
        "module": "float_conv2d_graph",
        "input_size": [1, 3, 6, 6],
        "engines": ["fbgemm", "onednn", "qnnpack", "x86"],
        "note": "seed: @override_qengines. Holds archives with ConvPackedParams v2, which torch 1.7 to today write",
    },
    {
        "name": "test_conv2d_nobias_graph_v2",
        "kind": "op_graph",
        "conv_version": 2,
        "module": "float_conv2d_nobias_graph",
        "input_size": [1, 3, 6, 6],
        "engines": ["fbgemm", "onednn", "qnnpack", "x86"],
        "note": "seed: @override_qengines. ConvPackedParams v2 archives, as test_conv2d_graph_v2",
    },
    {
        "name": "test_conv2d_graph_v3",
        "kind": "op_graph",
        "conv_version": 3,
        "module": "float_conv2d_graph",
        "input_size": [1, 3, 6, 6],
        "engines": ["fbgemm", "onednn", "qnnpack", "x86"],
        "note": "seed: @override_qengines. Holds archives with ConvPackedParams v3: today's torch writes v2, so the generator transcodes its archives to v3 and checks they compute bit-identical outputs under every engine (bc/formats.py)",
    },
    {
        "name": "test_conv2d_nobias_graph_v3",
        "kind": "op_graph",
        "conv_version": 3,
        "module": "float_conv2d_nobias_graph",
        "input_size": [1, 3, 6, 6],
        "engines": ["fbgemm", "onednn", "qnnpack", "x86"],
        "note": "seed: @override_qengines. ConvPackedParams v3 archives, as test_conv2d_graph_v3",
    },
    {
        "name": "test_conv2d_relu",
        "kind": "op",
        "module": "quantized_conv2d_relu",
        "input_size": [1, 3, 6, 6],
        "input_quantized": True,
        "zipfile": False,
        "engines": ["fbgemm", "onednn", "qnnpack", "x86"],
        "note": "seed: @override_qengines",
    },
    {
        "name": "test_conv3d",
        "kind": "op",
        "module": "quantized_conv3d",
        "input_size": [1, 3, 6, 6, 6],
        "input_quantized": True,
        "zipfile": False,
        "engines": ["fbgemm", "onednn", "qnnpack", "x86"],
        "note": "seed: gated on qengine_is_fbgemm(); widened to every engine, shown to pass",
    },
    {
        "name": "test_conv3d_relu",
        "kind": "op",
        "module": "quantized_conv3d_relu",
        "input_size": [1, 3, 6, 6, 6],
        "input_quantized": True,
        "zipfile": False,
        "engines": ["fbgemm", "onednn", "x86"],
        "note": "seed: @override_qengines, gated on qengine_is_fbgemm(); widened to onednn and x86, shown to pass. Under qnnpack one element of 192 differs by one step",
    },
    {
        "name": "test_lstm",
        "kind": "op",
        "module": "dynamic_lstm",
        "input_size": [4, 4, 3],
        "input_quantized": False,
        "zipfile": True,
        "engines": ["fbgemm"],
        "avx512_vnni_sensitive": True,
        "note": "seed: @override_qengines, gated on qengine_is_fbgemm(), skipped on AVX512-VNNI (PyTorch issues 43209, 59098)",
    },
    {
        "name": "test_per_channel_observer",
        "kind": "observer",
        "module": "per_channel_observer",
        "input_size": [5, 5],
        "zipfile": True,
        "engines": [],
        "check_numerics": True,
        "differences": [
            {
                "corpora": ["1.6.0"],
                "engines": [],
                "loader": "eager",
                "observed": "saved keys dropped by the round trip: max_vals, min_vals",
                "reason": "torch 1.6.0 saves PerChannelMinMaxObserver's buffers as min_vals/max_vals (state-dict version 1). PyTorch PR 62345 renamed them min_val/max_val (version 3); its _load_from_state_dict, for version < 3, resizes min_val/max_val to the old tensors' shape but leaves the copy to nn.Module's loader, which looks for min_val/max_val and finds nothing. load_state_dict reports 'All keys matched successfully' and the observer keeps uninitialized memory: saved min_vals [0.0145, 0.1875, 0.0336, 0.5851, 0.2602] and max_vals [0.7333, 0.6369, 0.6161, 0.8512, 0.8716] became min_val [0, 0, 0, 0, 0] and max_val [1.58e-22, 4.56e-41, 1.58e-22, 4.56e-41, 2.02e+04] in one run (the values vary). Silent data loss",
                "verdict": "break",
                "first_failing": "1.10.0",
            },
        ],
        "note": "observers do not touch a quantized engine",
    },
    {
        "name": "test_per_tensor_observer",
        "kind": "observer",
        "module": "per_tensor_observer",
        "input_size": [5, 5],
        "zipfile": True,
        "engines": [],
        "check_numerics": True,
        "note": "observers do not touch a quantized engine",
    },
    {
        "name": "test_default_qat_qconfig",
        "kind": "observer",
        "module": "qat_linear_relu",
        "input_size": [5, 5],
        "zipfile": True,
        "engines": [],
        "check_numerics": False,
        "differences": [
            {
                "corpora": ["1.6.0"],
                "engines": [],
                "loader": "eager",
                "observed": "raised RuntimeError: saved keys refused by today's QuantWrapper: module.relu.activation_post_process.activation_post_process.max_val, module.relu.activation_post_process.activation_post_process.min_val, module.relu.activation_post_process.fake_quant_enabled, module.relu.activation_post_process.observer_enabled, module.relu.activation_post_process.scale, module.relu.activation_post_process.zero_point",
                "reason": "torch 1.6.0's prepare_qat gives the nn.ReLU after the Linear its own FakeQuantize (26 state keys); from 1.8.0 on (1.7.1 still did) it gets none (23 keys), so a 1.6.0 QAT state dict does not load into today's prepared model: its 6 module.relu.activation_post_process keys are refused",
                "verdict": "break",
                "first_failing": "1.8.0",
            },
        ],
        "note": "seed: loading only; fake-quant training step is not compared",
    },
    {
        "name": "test_linear_relu_package_quantization_transforms",
        "kind": "package",
        "module": "linear_relu_functional",
        "input_size": [1, 1, 4, 4],
        "engines": ["fbgemm", "onednn", "qnnpack", "x86"],
        "atol": 1e-08,
        "rtol": 1e-05,
        "differences": [
            {
                "corpora": ["1.13.1"],
                "engines": [],
                "loader": "package",
                "observed": "output vs serialized/1.13.1/TestSerialization.test_linear_relu_package_quantization_transforms.expected.pt: values differ: 1 of 16 elements differ beyond atol=1e-08 rtol=1e-05; max abs diff 0.0065342784\n      actual:   torch.float32 (1, 1, 4, 4)\n      expected: torch.float32 (1, 1, 4, 4)",
                "reason": "the packaged float model loads; FX calibration differs. get_default_qconfig('fbgemm') observes activations with HistogramObserver. On the first batch 1.13.1's built its histogram with torch.histc(x, min=int(min_val), max=int(max_val)), truncating the input's range [-1.777, 2.511] to [-1, 2] while keeping the float min/max, so the L2 search ran on a histogram without the tails: input scale 0.0275, zero point 65. From 2.0.0 on (torch/ao/quantization/observer.py of the 2.0.0 wheel) histc gets the float range; today's: scale 0.0337, zero point 53. One output element of 16 lands one output step (0.0065342784, the final scale) away. The old files record the old observer's result",
                "verdict": "changed",
                "first_failing": "2.0.0",
            },
        ],
        "note": "seed: @skipIfNoFBGEMM under torch's default engine; widened to every engine, shown to pass. Tolerances are torch.allclose's defaults, as the seed's check",
    },
    {
        "name": "test_torchao_int8_weight_only_v1",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "Int8WeightOnlyConfig", "version": 1},
        "differences": [
            {
                "corpora": ["torchao-0.7.0", "torchao-0.10.0", "torchao-0.13.0", "torchao-0.16.0"],
                "engines": [],
                "loader": "checkpoint",
                "observed": "torch.load(weights_only=True) refused it: WeightsUnpickler error: Unsupported global: GLOBAL torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor\ntoday's torchao cannot give torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor: no module torchao.dtypes.affine_quantized_tensor\ntoday's torchao cannot give torchao.dtypes.uintx.plain_layout.PlainAQTTensorImpl: no module torchao.dtypes.uintx.plain_layout\ntoday's torchao cannot give torchao.dtypes.utils.PlainLayout: no module torchao.dtypes.utils",
                "reason": "a version-1 checkpoint: AffineQuantizedTensor in PlainLayout; today's torchao has none of its classes: pytorch/ao pull request 4245 deleted AffineQuantizedTensor (0.18.0); pull request 4151 deleted PlainLayout and PlainAQTTensorImpl (0.18.0). Announced: pytorch/ao issue 2752 (version 1 of the int8 configs deprecated; 0.15 to 0.17 warn 'version 1 of Int8WeightOnlyConfig is deprecated and will no longer be supported in a future release')",
                "verdict": "deprecated",
                "first_failing": "torchao-0.18.0",
            },
            {
                "corpora": ["torchao-0.10.0", "torchao-0.13.0", "torchao-0.16.0"],
                "engines": [],
                "loader": "config",
                "observed": "config_from_dict raised ValueError: Failed to create instance of Int8WeightOnlyConfig: version 1 of Int8WeightOnlyConfig has been removed, please use version 2, see https://github.com/pytorch/ao/issues/2752 for more details",
                "reason": "config_from_dict cannot rebuild the recorded version-1 config: today's Int8WeightOnlyConfig refuses version 1. Announced: pytorch/ao issue 2752 (version 1 of the int8 configs deprecated; 0.15 to 0.17 warn 'version 1 of Int8WeightOnlyConfig is deprecated and will no longer be supported in a future release')",
                "verdict": "deprecated",
                "first_failing": "torchao-0.18.0",
            },
        ],
        "note": "int8 weights per channel (AffineQuantizedTensor, PlainLayout); the format the 0.7 to 0.17 releases wrote by default",
    },
    {
        "name": "test_torchao_int8_weight_only_v2",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "Int8WeightOnlyConfig", "version": 2},
        "note": "int8 weights as Int8Tensor; today's default",
    },
    {
        "name": "test_torchao_int8_dynamic_activation_int8_weight_v1",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "Int8DynamicActivationInt8WeightConfig", "version": 1},
        "differences": [
            {
                "corpora": ["torchao-0.7.0", "torchao-0.10.0", "torchao-0.13.0", "torchao-0.16.0"],
                "engines": [],
                "loader": "checkpoint",
                "observed": "torch.load(weights_only=True) refused it: WeightsUnpickler error: Unsupported global: GLOBAL torchao.quantization.linear_activation_quantized_tensor.LinearActivationQuantizedTensor\ntoday's torchao cannot give torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor: no module torchao.dtypes.affine_quantized_tensor\ntoday's torchao cannot give torchao.dtypes.uintx.plain_layout.PlainAQTTensorImpl: no module torchao.dtypes.uintx.plain_layout\ntoday's torchao cannot give torchao.dtypes.utils.PlainLayout: no module torchao.dtypes.utils\ntoday's torchao cannot give torchao.quantization.linear_activation_quantized_tensor.LinearActivationQuantizedTensor: no module torchao.quantization.linear_activation_quantized_tensor\ntoday's torchao cannot give torchao.quantization.quant_api._int8_symm_per_token_reduced_range_quant: torchao.quantization.quant_api has no _int8_symm_per_token_reduced_range_quant",
                "reason": "a version-1 checkpoint: LinearActivationQuantizedTensor around an AffineQuantizedTensor in PlainLayout, with its activation function pickled by name; today's torchao has none of its classes: pull request 4258 deleted LinearActivationQuantizedTensor and the quant_api functions it pickles (0.18.0); pytorch/ao pull request 4245 deleted AffineQuantizedTensor (0.18.0); pull request 4151 deleted PlainLayout and PlainAQTTensorImpl (0.18.0). Announced: pytorch/ao issue 2752 (version 1 of the int8 configs deprecated; 0.15 to 0.17 warn 'version 1 of Int8WeightOnlyConfig is deprecated and will no longer be supported in a future release')",
                "verdict": "deprecated",
                "first_failing": "torchao-0.18.0",
            },
            {
                "corpora": ["torchao-0.10.0", "torchao-0.13.0", "torchao-0.16.0"],
                "engines": [],
                "loader": "config",
                "observed": "config_from_dict raised ValueError: Failed to find class PlainLayout",
                "reason": "config_from_dict cannot rebuild the recorded version-1 config: its layout field names PlainLayout, deleted by pytorch/ao pull request 4151. Announced: pytorch/ao issue 2752 (version 1 of the int8 configs deprecated; 0.15 to 0.17 warn 'version 1 of Int8WeightOnlyConfig is deprecated and will no longer be supported in a future release')",
                "verdict": "deprecated",
                "first_failing": "torchao-0.18.0",
            },
        ],
        "note": "int8 weights, activations quantized per token at run time (LinearActivationQuantizedTensor around an AffineQuantizedTensor)",
    },
    {
        "name": "test_torchao_int8_dynamic_activation_int8_weight_v2",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "Int8DynamicActivationInt8WeightConfig", "version": 2},
        "differences": [
            {
                "corpora": ["torchao-0.16.0"],
                "engines": [],
                "loader": "config",
                "observed": "config_from_dict raised ValueError: Failed to find class PlainLayout",
                "reason": "0.16.0's config_to_dict records the version-2 Int8DynamicActivationInt8WeightConfig with its layout field, PlainLayout (unused by version 2), which pytorch/ao pull request 4151 deleted; the checkpoint itself loads and computes the same numbers, but the config a model hub stores beside it no longer reads back",
                "verdict": "break",
                "first_failing": "torchao-0.18.0",
            },
        ],
        "note": "the same as Int8Tensor with its activation quantization kwargs; today's default",
    },
    {
        "name": "test_torchao_int8_dynamic_activation_int4_weight_v1",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "Int8DynamicActivationInt4WeightConfig", "version": 1, "args": {"group_size": 32}},
        "differences": [
            {
                "corpora": ["torchao-0.7.0", "torchao-0.10.0", "torchao-0.13.0", "torchao-0.16.0"],
                "engines": [],
                "loader": "checkpoint",
                "observed": "torch.load(weights_only=True) refused it: WeightsUnpickler error: Unsupported global: GLOBAL torchao.quantization.linear_activation_quantized_tensor.LinearActivationQuantizedTensor\ntoday's torchao cannot give torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor: no module torchao.dtypes.affine_quantized_tensor\ntoday's torchao cannot give torchao.dtypes.uintx.plain_layout.PlainAQTTensorImpl: no module torchao.dtypes.uintx.plain_layout\ntoday's torchao cannot give torchao.dtypes.utils.PlainLayout: no module torchao.dtypes.utils\ntoday's torchao cannot give torchao.quantization.linear_activation_quantized_tensor.LinearActivationQuantizedTensor: no module torchao.quantization.linear_activation_quantized_tensor\ntoday's torchao cannot give torchao.quantization.quant_api._int8_asymm_per_token_quant: torchao.quantization.quant_api has no _int8_asymm_per_token_quant",
                "reason": "a version-1 checkpoint: LinearActivationQuantizedTensor around an AffineQuantizedTensor in PlainLayout; today's torchao has none of its classes: pull request 4258 deleted LinearActivationQuantizedTensor and the quant_api functions it pickles (0.18.0); pytorch/ao pull request 4245 deleted AffineQuantizedTensor (0.18.0); pull request 4151 deleted PlainLayout and PlainAQTTensorImpl (0.18.0). Announced: pytorch/ao issue 2752 (version 1 of the int8 configs deprecated; 0.15 to 0.17 warn 'version 1 of Int8WeightOnlyConfig is deprecated and will no longer be supported in a future release')",
                "verdict": "deprecated",
                "first_failing": "torchao-0.18.0",
            },
            {
                "corpora": ["torchao-0.10.0", "torchao-0.13.0", "torchao-0.16.0"],
                "engines": [],
                "loader": "config",
                "observed": "config_from_dict raised ValueError: Failed to find class Int8DynamicActivationInt4WeightConfig",
                "reason": "config_from_dict cannot rebuild the recorded version-1 config: Int8DynamicActivationInt4WeightConfig left torchao.quantization (0.16 kept it in torchao.prototype.quantization with a warning that it 'will be deleted in a future release', citing issue 2752). Announced: pytorch/ao issue 2752 (version 1 of the int8 configs deprecated; 0.15 to 0.17 warn 'version 1 of Int8WeightOnlyConfig is deprecated and will no longer be supported in a future release')",
                "verdict": "deprecated",
                "first_failing": "torchao-0.17.0",
            },
        ],
        "note": "int4 weights in groups of 32 with int8 dynamic activations; the config left torchao.quantization in 0.18",
    },
    {
        "name": "test_torchao_int4_weight_only_v1_tensor_core_tiled",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "Int4WeightOnlyConfig", "version": 1, "args": {"group_size": 32}},
        "dtype": "bfloat16",
        "differences": [
            {
                "corpora": ["torchao-0.7.0"],
                "engines": [],
                "loader": "checkpoint",
                "observed": "torch.load(weights_only=True) refused it: WeightsUnpickler error: Unsupported global: GLOBAL torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor\ntoday's torchao cannot give torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor: no module torchao.dtypes.affine_quantized_tensor\ntoday's torchao cannot give torchao.dtypes.uintx.tensor_core_tiled_layout.TensorCoreTiledAQTTensorImpl: no module torchao.dtypes.uintx.tensor_core_tiled_layout\ntoday's torchao cannot give torchao.dtypes.uintx.tensor_core_tiled_layout.TensorCoreTiledLayout: no module torchao.dtypes.uintx.tensor_core_tiled_layout",
                "reason": "a version-1 checkpoint: AffineQuantizedTensor in TensorCoreTiledLayout, which torch 2.5.1 still packed on the CPU; today's torchao has none of its classes: pull request 4153 deleted TensorCoreTiledLayout (0.18.0); pytorch/ao pull request 4245 deleted AffineQuantizedTensor (0.18.0). Announced: pytorch/ao issue 2948 (version 1 of Int4WeightOnlyConfig deprecated, its checkpoints to stop loading after the torch 2.11 release). It had stopped running on the CPU long before: from torch 2.6.0 (paired with torchao 0.9.0; 0.8.0 with torch 2.5.1 passes) ATen has no CPU kernel for _weight_int4pack_mm, which PyTorch pull request 139611 ('Split int4wo weight packing') replaced on the CPU by _weight_int4pack_mm_for_cpu: the checkpoint loads and then raises NotImplementedError. A torch change, found walking torchao releases with their torch.",
                "verdict": "deprecated",
                "first_failing": "torchao-0.9.0",
            },
        ],
        "note": "int4 weights in TensorCoreTiledLayout, which torch packed on the CPU until _convert_weight_to_int4pack went CUDA-only",
    },
    {
        "name": "test_torchao_int4_weight_only_v1_int4_cpu",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "Int4WeightOnlyConfig", "version": 1, "args": {"group_size": 32, "layout": "Int4CPULayout"}},
        "dtype": "bfloat16",
        "differences": [
            {
                "corpora": ["torchao-0.10.0", "torchao-0.13.0"],
                "engines": [],
                "loader": "checkpoint",
                "observed": "torch.load(weights_only=True) refused it: WeightsUnpickler error: Unsupported global: GLOBAL torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor\ntoday's torchao cannot give torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor: no module torchao.dtypes.affine_quantized_tensor\ntoday's torchao cannot give torchao.dtypes.uintx.int4_cpu_layout.Int4CPUAQTTensorImpl: no module torchao.dtypes.uintx.int4_cpu_layout\ntoday's torchao cannot give torchao.dtypes.uintx.int4_cpu_layout.Int4CPULayout: no module torchao.dtypes.uintx.int4_cpu_layout",
                "reason": "a version-1 checkpoint: AffineQuantizedTensor in Int4CPULayout; today's torchao has none of its classes: pull request 4149 deleted Int4CPULayout (0.17.0); pytorch/ao pull request 4245 deleted AffineQuantizedTensor (0.18.0). Announced: pytorch/ao issue 2948 (version 1 of Int4WeightOnlyConfig deprecated, its checkpoints to stop loading after the torch 2.11 release). Its packed weights are _convert_weight_to_int4pack_for_cpu's layout for the writer's CPU capability (AVX2, the generators' pin; PyTorch pull request 129940 describes the CPU layout as tied to the ISA): judged at AVX512, torchao 0.16.0 already computes other numbers from it (63 of 64 outputs), judged at AVX2 it reads back until the layout's deletion.",
                "verdict": "deprecated",
                "first_failing": "torchao-0.17.0",
            },
            {
                "corpora": ["torchao-0.10.0"],
                "engines": [],
                "loader": "config",
                "observed": "config_from_dict raised ValueError: Failed to find class Int4CPULayout",
                "reason": "config_from_dict cannot rebuild the recorded version-1 config: its layout field names Int4CPULayout, deleted by pytorch/ao pull request 4149. Announced: pytorch/ao issue 2948 (version 1 of Int4WeightOnlyConfig deprecated, its checkpoints to stop loading after the torch 2.11 release). Its own writer could not read it back either: config_from_dict of 0.10.0 and 0.11.0 does not look in Int4CPULayout's module; 0.12.0 to 0.15.0 read it; from 0.16.0 Int4WeightOnlyConfig takes no layout (unexpected keyword argument 'layout', with version 1's deprecation, pytorch/ao pull request 3513). Bisect's history is not one change (fail, fail, pass x5, fail x3): the first failing release is the writer's.",
                "verdict": "deprecated",
                "first_failing": "torchao-0.10.0",
            },
            {
                "corpora": ["torchao-0.13.0"],
                "engines": [],
                "loader": "config",
                "observed": "config_from_dict raised ValueError: Failed to find class Int4CPULayout",
                "reason": "config_from_dict cannot rebuild the recorded version-1 config: its layout field names Int4CPULayout, deleted by pytorch/ao pull request 4149. Announced: pytorch/ao issue 2948 (version 1 of Int4WeightOnlyConfig deprecated, its checkpoints to stop loading after the torch 2.11 release). It had stopped reading back before that: 0.13.0 records Int4WeightOnlyConfig's packing_format field, which 0.14.0 no longer takes (ValueError: ... unexpected keyword argument 'packing_format'; pytorch/ao pull request 2946 moved int4's packing format to int4_packing_format).",
                "verdict": "deprecated",
                "first_failing": "torchao-0.14.0",
            },
        ],
        "note": "int4 weights in the CPU layout (Int4CPULayout)",
    },
    {
        "name": "test_torchao_prototype_int4_opaque",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "PrototypeInt4WeightOnlyConfig", "version": 1, "args": {"group_size": 32}},
        "dtype": "bfloat16",
        "differences": [
            {
                "corpora": ["today"],
                "engines": [],
                "loader": "checkpoint",
                "cpu_capability": "AVX512",
                "observed": "output vs serialized/TestSerialization.test_torchao_prototype_int4_opaque.expected.pt: values differ: 64 of 64 elements differ beyond atol=1e-05 rtol=0.016; max abs diff 0.62792969\n      actual:   torch.bfloat16 (4, 16)\n      expected: torch.bfloat16 (4, 16)",
                "reason": "a prototype whose packed int4 weights depend on the writer's CPU: Int4OpaqueTensor holds _convert_weight_to_int4pack_for_cpu's layout for ATen's CPU capability at quantize time (AVX2, the generator's pin). Read where ATen runs at AVX512, today's kernel takes them for its own layout and computes other numbers; with ATEN_CPU_CAPABILITY=avx2 the same file gives the expected output exactly. A checkpoint written on one CPU is silently wrong on another; its own writer reads it so",
                "verdict": "unpromised",
                "first_failing": "torchao-0.18.0",
            },
            {
                "corpora": ["today"],
                "engines": [],
                "loader": "config",
                "observed": "config_from_dict raised ValueError: Failed to find class PrototypeInt4WeightOnlyConfig",
                "reason": "a prototype: today's config_to_dict writes PrototypeInt4WeightOnlyConfig, but config_from_dict looks only in the modules it allows, and torchao.prototype.quantization.int4 is not one of them: torchao cannot read back its own record, its writer included",
                "verdict": "unpromised",
                "first_failing": "torchao-0.18.0",
            },
            {
                "corpora": ["torchao-0.16.0"],
                "engines": [],
                "loader": "checkpoint",
                "observed": "torch.load(weights_only=True) refused it: WeightsUnpickler error: Unsupported global: GLOBAL torchao.prototype.int4_opaque_tensor.Int4OpaqueTensor\ntoday's torchao cannot give torchao.prototype.int4_opaque_tensor.Int4OpaqueTensor: no module torchao.prototype.int4_opaque_tensor",
                "reason": "a prototype: pytorch/ao pull request 4033 moved Int4OpaqueTensor from torchao.prototype.int4_opaque_tensor to torchao.prototype.quantization.int4 (0.17.0), and the class is pickled by its module. Its packed weights are also tied to the writer's CPU capability (as today's are): bisect judged at AVX2; at AVX512 even 0.16.0 computes other numbers from it",
                "verdict": "unpromised",
                "first_failing": "torchao-0.17.0",
            },
            {
                "corpora": ["torchao-0.16.0"],
                "engines": [],
                "loader": "config",
                "observed": "config_from_dict raised ValueError: Failed to find class Int4WeightOnlyOpaqueTensorConfig",
                "reason": "a prototype: config_from_dict finds no Int4WeightOnlyOpaqueTensorConfig among the modules it searches, not even in 0.16.0, which wrote it (torchao.prototype.int4_opaque_tensor is not one of them); from 0.17.0 the class is renamed PrototypeInt4WeightOnlyConfig (pytorch/ao pull request 4033). The first failing release is the writer",
                "verdict": "unpromised",
                "first_failing": "torchao-0.16.0",
            },
        ],
        "note": "the CPU int4 format after Int4CPULayout: a prototype (Int4OpaqueTensor), with no version field",
    },
    {
        "name": "test_torchao_intx_weight_only_v1",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "IntxWeightOnlyConfig", "version": 1, "args": {"weight_dtype": "int4", "granularity": ["PerGroup", 32]}},
        "differences": [
            {
                "corpora": ["torchao-0.13.0"],
                "engines": [],
                "loader": "checkpoint",
                "observed": "torch.load(weights_only=True) refused it: WeightsUnpickler error: Unsupported global: GLOBAL torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor\ntoday's torchao cannot give torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor: no module torchao.dtypes.affine_quantized_tensor\ntoday's torchao cannot give torchao.dtypes.uintx.q_dq_layout.QDQLayout: no module torchao.dtypes.uintx.q_dq_layout\ntoday's torchao cannot give torchao.dtypes.uintx.q_dq_layout.QDQTensorImpl: no module torchao.dtypes.uintx.q_dq_layout",
                "reason": "a version-1 checkpoint: AffineQuantizedTensor in QDQLayout; today's torchao has none of its classes: pull request 4146 deleted QDQLayout (0.17.0); pytorch/ao pull request 4245 deleted AffineQuantizedTensor (0.18.0). Announced: pytorch/ao issue 2967 (version 1 of the intx configs deprecated, the same timeline)",
                "verdict": "deprecated",
                "first_failing": "torchao-0.17.0",
            },
            {
                "corpora": ["torchao-0.13.0"],
                "engines": [],
                "loader": "config",
                "observed": "config_from_dict raised ValueError: Failed to find class QDQLayout",
                "reason": "config_from_dict cannot rebuild the recorded version-1 config: its layout field names QDQLayout, deleted by pytorch/ao pull request 4146. Announced: pytorch/ao issue 2967 (version 1 of the intx configs deprecated, the same timeline). It had stopped reading back before that: from 0.14.0, config_from_dict raises AttributeError: UNPACKED_TO_INT8, the packing-format enum member 0.13.0 records, which pytorch/ao pull request 2910 ('Move packing format to intx folder') moved.",
                "verdict": "deprecated",
                "first_failing": "torchao-0.14.0",
            },
        ],
        "note": "int4 weights in groups of 32 (AffineQuantizedTensor, QDQLayout)",
    },
    {
        "name": "test_torchao_intx_weight_only_v2",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "IntxWeightOnlyConfig", "version": 2, "args": {"weight_dtype": "int4", "granularity": ["PerGroup", 32]}},
        "differences": [
            {
                "corpora": ["torchao-0.13.0"],
                "engines": [],
                "loader": "checkpoint",
                "observed": "torch.load(weights_only=True) refused it: WeightsUnpickler error: Unsupported global: GLOBAL torchao.quantization.IntxUnpackedTensor\ntoday's torchao cannot give torchao.quantization.IntxUnpackedTensor: torchao.quantization has no IntxUnpackedTensor",
                "reason": "a version-2 checkpoint of 0.13.0 holds torchao.quantization.IntxUnpackedTensor, which pytorch/ao pull request 2861 ('Update IntxUnpackedTensor to support dynamic activation', in 0.14.0) renamed to IntxUnpackedToInt8Tensor without an alias, so torch's weights-only loader refuses the old name. Version 2 is the format torchao keeps (issues 2752, 2967): no deprecation covers it",
                "verdict": "break",
                "first_failing": "torchao-0.14.0",
            },
            {
                "corpora": ["torchao-0.13.0"],
                "engines": [],
                "loader": "config",
                "observed": "config_from_dict raised ValueError: Failed to find class QDQLayout",
                "reason": "0.13.0's config_to_dict records the version-2 IntxWeightOnlyConfig with fields a later torchao cannot rebuild: from 0.14.0, config_from_dict raises AttributeError: UNPACKED_TO_INT8, the packing-format enum member pytorch/ao pull request 2910 ('Move packing format to intx folder') moved; today it first meets the layout field, QDQLayout (unused by version 2), which pull request 4146 deleted. A version-2 config torchao promises to read back no longer is",
                "verdict": "break",
                "first_failing": "torchao-0.14.0",
            },
        ],
        "note": "the same as an unpacked int8 tensor subclass (IntxUnpackedTensor in 0.13, IntxUnpackedToInt8Tensor from 0.14.0)",
    },
    {
        "name": "test_torchao_int8_dynamic_activation_intx_weight_v1",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "Int8DynamicActivationIntxWeightConfig", "version": 1, "args": {"weight_dtype": "int4", "weight_granularity": ["PerGroup", 32]}},
        "differences": [
            {
                "corpora": ["torchao-0.13.0"],
                "engines": [],
                "loader": "checkpoint",
                "observed": "torch.load(weights_only=True) refused it: WeightsUnpickler error: Unsupported global: GLOBAL torchao.quantization.linear_activation_quantized_tensor.LinearActivationQuantizedTensor\ntoday's torchao cannot give torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor: no module torchao.dtypes.affine_quantized_tensor\ntoday's torchao cannot give torchao.dtypes.uintx.q_dq_layout.QDQLayout: no module torchao.dtypes.uintx.q_dq_layout\ntoday's torchao cannot give torchao.dtypes.uintx.q_dq_layout.QDQTensorImpl: no module torchao.dtypes.uintx.q_dq_layout\ntoday's torchao cannot give torchao.quantization.linear_activation_quantized_tensor.LinearActivationQuantizedTensor: no module torchao.quantization.linear_activation_quantized_tensor\ntoday's torchao cannot give torchao.quantization.quant_api._int8_asymm_per_token_quant: torchao.quantization.quant_api has no _int8_asymm_per_token_quant",
                "reason": "a version-1 checkpoint: LinearActivationQuantizedTensor around an AffineQuantizedTensor in QDQLayout; today's torchao has none of its classes: pull request 4146 deleted QDQLayout (0.17.0); pull request 4258 deleted LinearActivationQuantizedTensor and the quant_api functions it pickles (0.18.0); pytorch/ao pull request 4245 deleted AffineQuantizedTensor (0.18.0). Announced: pytorch/ao issue 2967 (version 1 of the intx configs deprecated, the same timeline)",
                "verdict": "deprecated",
                "first_failing": "torchao-0.17.0",
            },
            {
                "corpora": ["torchao-0.13.0"],
                "engines": [],
                "loader": "config",
                "observed": "config_from_dict raised ValueError: Failed to find class QDQLayout",
                "reason": "config_from_dict cannot rebuild the recorded version-1 config: its layout field names QDQLayout, deleted by pytorch/ao pull request 4146. Announced: pytorch/ao issue 2967 (version 1 of the intx configs deprecated, the same timeline). It had stopped reading back before that: from 0.16.0, Int8DynamicActivationIntxWeightConfig no longer takes a field 0.13.0 records (ValueError: Failed to create instance ... unexpected keyword argument), with version 1's deprecation (pytorch/ao pull request 3511).",
                "verdict": "deprecated",
                "first_failing": "torchao-0.16.0",
            },
        ],
        "note": "int4 weights, int8 dynamic activations (LinearActivationQuantizedTensor, QDQLayout)",
    },
    {
        "name": "test_torchao_int8_dynamic_activation_intx_weight_v2",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "Int8DynamicActivationIntxWeightConfig", "version": 2, "args": {"weight_dtype": "int4", "weight_granularity": ["PerGroup", 32]}},
        "note": "the same as IntxUnpackedToInt8Tensor with its activation quantization",
    },
    {
        "name": "test_torchao_float8_weight_only_v1",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "Float8WeightOnlyConfig", "version": 1},
        "differences": [
            {
                "corpora": ["torchao-0.7.0"],
                "engines": [],
                "loader": "checkpoint",
                "observed": "torch.load(weights_only=True) refused it: WeightsUnpickler error: Unsupported global: GLOBAL torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor\ntoday's torchao cannot give torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor: no module torchao.dtypes.affine_quantized_tensor\ntoday's torchao cannot give torchao.dtypes.floatx.float8_layout.Float8AQTTensorImpl: no module torchao.dtypes.floatx.float8_layout\ntoday's torchao cannot give torchao.dtypes.floatx.float8_layout.Float8Layout: no module torchao.dtypes.floatx.float8_layout",
                "reason": "a version-1 checkpoint: AffineQuantizedTensor in Float8Layout; today's torchao has none of its classes: pull request 4127 deleted Float8Layout (0.17.0); pytorch/ao pull request 4245 deleted AffineQuantizedTensor (0.18.0). Announced: pytorch/ao issue 2649 (version 1 of the float8 configs deprecated; 0.13 warns 'version 1 of Float8WeightOnlyConfig is deprecated and will no longer be supported in a future release'). It had stopped loading before that: from 0.9.0 (bisect, 0.8.0 passes), load_state_dict refuses 0.7.0's Float8 AQT (RuntimeError: Error(s) in loading state_dict for Sequential), after changes to float8_layout.py between 0.8.0 and 0.9.0, not narrowed to one pull request. That break was not announced.",
                "verdict": "deprecated",
                "first_failing": "torchao-0.9.0",
            },
            {
                "corpora": ["torchao-0.10.0"],
                "engines": [],
                "loader": "checkpoint",
                "observed": "torch.load(weights_only=True) refused it: WeightsUnpickler error: Unsupported global: GLOBAL torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor\ntoday's torchao cannot give torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor: no module torchao.dtypes.affine_quantized_tensor\ntoday's torchao cannot give torchao.dtypes.floatx.float8_layout.Float8AQTTensorImpl: no module torchao.dtypes.floatx.float8_layout\ntoday's torchao cannot give torchao.dtypes.floatx.float8_layout.Float8Layout: no module torchao.dtypes.floatx.float8_layout",
                "reason": "a version-1 checkpoint: AffineQuantizedTensor in Float8Layout; today's torchao has none of its classes: pull request 4127 deleted Float8Layout (0.17.0); pytorch/ao pull request 4245 deleted AffineQuantizedTensor (0.18.0). Announced: pytorch/ao issue 2649 (version 1 of the float8 configs deprecated; 0.13 warns 'version 1 of Float8WeightOnlyConfig is deprecated and will no longer be supported in a future release'). It had stopped loading before that: from 0.12.0 (bisect, 0.11.0 passes) it raises ValueError: Scale tensor has 1 dimensions but target has 2, after the float8 scale-shape changes between 0.11.0 and 0.12.0 (pytorch/ao pull requests 2253 and 2293; not narrowed to one). That break was not announced.",
                "verdict": "deprecated",
                "first_failing": "torchao-0.12.0",
            },
            {
                "corpora": ["torchao-0.13.0"],
                "engines": [],
                "loader": "checkpoint",
                "observed": "torch.load(weights_only=True) refused it: WeightsUnpickler error: Unsupported global: GLOBAL torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor\ntoday's torchao cannot give torchao.dtypes.affine_quantized_tensor.AffineQuantizedTensor: no module torchao.dtypes.affine_quantized_tensor\ntoday's torchao cannot give torchao.dtypes.floatx.float8_layout.Float8AQTTensorImpl: no module torchao.dtypes.floatx.float8_layout\ntoday's torchao cannot give torchao.dtypes.floatx.float8_layout.Float8Layout: no module torchao.dtypes.floatx.float8_layout",
                "reason": "a version-1 checkpoint: AffineQuantizedTensor in Float8Layout; today's torchao has none of its classes: pull request 4127 deleted Float8Layout (0.17.0); pytorch/ao pull request 4245 deleted AffineQuantizedTensor (0.18.0). Announced: pytorch/ao issue 2649 (version 1 of the float8 configs deprecated; 0.13 warns 'version 1 of Float8WeightOnlyConfig is deprecated and will no longer be supported in a future release')",
                "verdict": "deprecated",
                "first_failing": "torchao-0.17.0",
            },
        ],
        "note": "float8 e4m3 weights (AffineQuantizedTensor, Float8Layout)",
    },
    {
        "name": "test_torchao_float8_weight_only_v2",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "Float8WeightOnlyConfig", "version": 2},
        "note": "float8 e4m3 weights as Float8Tensor",
    },
    {
        "name": "test_torchao_float8_weight_only_v2_bf16",
        "kind": "torchao",
        "module": "torchao_mlp",
        "input_size": [4, 64],
        "engines": [],
        "config": {"name": "Float8WeightOnlyConfig", "version": 2},
        "dtype": "bfloat16",
        "differences": [
            {
                "corpora": ["torchao-0.13.0"],
                "engines": [],
                "loader": "checkpoint",
                "observed": "output vs serialized/torchao-0.13.0/TestSerialization.test_torchao_float8_weight_only_v2_bf16.expected.pt: values differ: 8 of 64 elements differ beyond atol=1e-05 rtol=0.016; max abs diff 0.001953125\n      actual:   torch.bfloat16 (4, 16)\n      expected: torch.bfloat16 (4, 16)",
                "reason": "the checkpoint loads and dequantizes to the same weights; pytorch/ao pull request 3158 ('Update Float8Tensor for GRPO training in unsloth', first in 0.15.0) computes weight-only Float8Tensor linear as torch.matmul(x, w) + bias instead of F.linear(x, w, bias), rounding twice in bfloat16 (F.linear in bfloat16 gives 0.13.0's output bit for bit under torch 2.8 and 2.13): 8 of 64 outputs move by one bfloat16 step at most. A change of computation, not of the format",
                "verdict": "changed",
                "first_failing": "torchao-0.15.0",
            },
        ],
        "note": "the same on a bfloat16 model, where the order of rounding shows",
    },
    {
        "name": "test_pt2e_xnnpack_static_per_tensor",
        "kind": "pt2e",
        "module": "pt2e_convnet",
        "input_size": [2, 3, 8, 8],
        "engines": [],
        "quantizer": {"name": "XNNPACKQuantizer", "args": {"is_per_channel": False}},
        "differences": PT2E_FORMAT_RECORDS,
        "note": "static int8, one scale per tensor: ExecuTorch's XNNPACK path",
    },
    {
        "name": "test_pt2e_xnnpack_static_per_channel",
        "kind": "pt2e",
        "module": "pt2e_convnet",
        "input_size": [2, 3, 8, 8],
        "engines": [],
        "quantizer": {"name": "XNNPACKQuantizer", "args": {"is_per_channel": True}},
        "differences": PT2E_FORMAT_RECORDS,
        "note": "static int8 with per-channel weight scales, held as tensors of the program",
    },
    {
        "name": "test_pt2e_xnnpack_dynamic",
        "kind": "pt2e",
        "module": "pt2e_convnet",
        "input_size": [2, 3, 8, 8],
        "engines": [],
        "quantizer": {"name": "XNNPACKQuantizer", "args": {"is_per_channel": True, "is_dynamic": True}},
        "differences": PT2E_FORMAT_RECORDS,
        "note": "dynamic: activation qparams chosen at run time (choose_qparams.tensor)",
    },
    {
        "name": "test_pt2e_xnnpack_qat",
        "kind": "pt2e",
        "module": "pt2e_convnet",
        "input_size": [2, 3, 8, 8],
        "engines": [],
        "quantizer": {"name": "XNNPACKQuantizer", "args": {"is_per_channel": True, "is_qat": True}, "qat": True},
        "differences": PT2E_FORMAT_RECORDS,
        "note": "QAT: prepare_qat_pt2e, one calibrating forward, convert_pt2e, move_exported_model_to_eval",
    },
    {
        "name": "test_pt2e_x86_static",
        "kind": "pt2e",
        "module": "pt2e_convnet",
        "input_size": [2, 3, 8, 8],
        "engines": [],
        "quantizer": {"name": "X86InductorQuantizer", "args": {}},
        "differences": PT2E_FORMAT_RECORDS,
        "note": "static uint8 activations, int8 per-channel weights: Inductor's x86 CPU path",
    },
]
