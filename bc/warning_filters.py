"""Warnings torch prints that say nothing about compatibility, silenced.

Call silence() before importing torch (the NumPy one is raised at import).
Anything else torch warns about still shows.
"""

import warnings

_MESSAGES = [
    # NumPy is not in the lock on purpose; torch works without it.
    "Failed to initialize NumPy",
    # Quantized tensors are what this suite exists to check.
    "torch.quantize_per_tensor, torch.quantize_per_channel and other quantized tensor creation",
    # bc/corpus/reproducible.py writes the legacy format, which is made of typed storages.
    "TypedStorage is deprecated",
    # quantize_jit reads .grad of non-leaf tensors while it walks the model.
    "The .grad attribute of a Tensor that is not a leaf Tensor",
    # TorchScript and torch.ao.quantization are deprecated, and exactly what is checked.
    "torch.ao.quantization is deprecated",
    "Please use quant_min and quant_max to specify the range for observers",
    "`torch.jit.load` is deprecated",
    "`torch.jit.script` is deprecated",
    "`torch.jit.trace` is deprecated",
    "`torch.jit.save` is deprecated",
]


def silence():
    for message in _MESSAGES:
        warnings.filterwarnings("ignore", message=message)
