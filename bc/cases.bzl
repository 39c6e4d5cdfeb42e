"""The compatibility cases, one entry each: the single source of truth.

Starlark reads this file (bc/defs.bzl turns each entry into a py_test, a golden
filegroup and its generators, and hands each test its own entry only); Python
reads it too (bc/case_table.py, through ast.literal_eval). Keep it literals only.

Fields of a case:
  name                  the seed's test method; golden files are
                        serialized/TestSerialization.<name>.<part>.pt
  kind                  op, op_graph, observer or package: its golden
                        parts, generator and checks are in bc/kinds.py
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
  differences           what today's torch does differently with a past
                        release's files (bc/releases.bzl), each recorded as
                        observed: corpus, engines ([] = every one), loader,
                        the observed problem lines exactly, reason, verdict
                        ("break": PyTorch should fix it; "changed": intended),
                        first_failing (the first release that fails, found by
                        `bazel run //bc:bisect`). The check passes only while
                        the observation is exactly the recorded one (bc/checks.py)
  note                  why the entry is what it is
"""

# PyTorch's own name for the golden files: <prefix>.<case>.<part>.pt.
GOLDEN_PREFIX = "TestSerialization"

# Every quantized engine a case may name, in the order tests run them.
QENGINES = ["fbgemm", "onednn", "qnnpack", "x86"]

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
                "corpus": "1.6.0",
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
                "corpus": "1.6.0",
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
                "corpus": "1.13.1",
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
]
