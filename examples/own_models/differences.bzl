"""What the current torch does differently with the team's artifacts, recorded as quant-bc records its own
(bc/cases.bzl): each test passes while the observation is exactly the recorded one, and fails when it
changes or disappears. Literals only: quant-bc's CI reads this file too (tools/ci/check_own_models).
"""

RANKER_TORCHAO = [
    {
        "engines": [],
        "loader": "checkpoint",
        "observed": "torch.load(weights_only=True) refused it: WeightsUnpickler error: Unsupported global: GLOBAL torchao.quantization.IntxUnpackedTensor\ntoday's torchao cannot give torchao.quantization.IntxUnpackedTensor: torchao.quantization has no IntxUnpackedTensor",
        "reason": "torchao 0.13.0 saved the int4 weights as torchao.quantization.IntxUnpackedTensor, which pytorch/ao pull request 2861 (0.14.0) renamed to IntxUnpackedToInt8Tensor without an alias; a version-2 checkpoint, the format torchao keeps. Re-save the checkpoint with torchao 0.14.0 or later",
        "verdict": "break",
        "first_failing": "torchao-0.14.0",
    },
]

DETECTOR_PT2E = [
    {
        "engines": [],
        "loader": "program",
        "observed": "torch.export.pt2_archive._package logged: You are loading weight from the legacy format. Please generate a new pt2 file using torch.export.save().\ntorch.export.pt2_archive._package logged: You are loading constant from the legacy format. Please generate a new pt2 file using torch.export.save().",
        "reason": "torch 2.8.0's PT2 archive pickles weights and constants; pytorch/pytorch pull requests 160394 and 161520 (2.9.0) store them as raw bytes, and torch.export.load reads pickled ones through a legacy path that warns. The program loads and computes the saved output; re-save it with torch 2.9.0 or later",
        "verdict": "deprecated",
        "first_failing": "torchao-0.14.1",
    },
]

ASSISTANT_DYN8 = [
    {
        "engines": [],
        "loader": "from_pretrained",
        "observed": "from_pretrained raised ValueError: Failed to find class PlainLayout",
        "reason": "torchao 0.16.0 records the version-2 Int8DynamicActivationInt8WeightConfig in config.json with its layout field, PlainLayout, which version 2 never reads and pytorch/ao pull request 4151 deleted (0.18.0): transformers cannot rebuild the config, so the folder is refused although its Int8Tensor weights load. quant-bc's test_huggingface_llama_int8_dynamic_activation_int8_weight_v2 records the same for its torchao-0.16.0 corpus. Re-save the folder with torchao 0.18.0, or drop the layout entry from config.json",
        "verdict": "break",
        "first_failing": "torchao-0.18.0",
    },
]
