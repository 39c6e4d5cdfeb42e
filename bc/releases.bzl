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
  release       torch's version, as `pip install torch==<release>` takes it
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

# The corpus written by today's torch, in serialized/ itself.
TODAY = "today"

RELEASES = [
    {
        "release": "1.6.0",
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
        "python": "3.11",
        "requirements": ["torch==1.13.1"],
        "left_out": {
            "test_conv2d_graph_v3": "v3 is written by no release: only today's corpus holds it, transcoded",
            "test_conv2d_nobias_graph_v3": "v3 is written by no release: only today's corpus holds it, transcoded",
        },
        "note": "the first release with torch.ao.nn and QConfigMapping; CUDA build with nvidia-* distributions",
    },
]
