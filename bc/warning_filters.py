"""Warnings torch and torchao print that say nothing about compatibility, silenced.

Call silence() before importing torch (the NumPy one is raised at import).
Anything else torch or torchao warns or logs still shows.
"""

import logging
import re
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


# Log records, by logger (a filter holds for its own logger, not its children's): torchao's wheels carry CUDA
# kernels that cannot load on a CPU host, and torchao registers an Enum that today's torch handles natively;
# both are logged at every `import torchao`. Its int8 matmul says, once loaded, that a CPU build has no Triton.
_LOGGED = {
    "torchao": re.compile(r"Failed to load \S*/_C_(cutlass|mxfp8)\w*\.[\w.-]*so: "),
    "torchao.kernel.intmm": re.compile(r"Warning: Detected no triton, on systems without Triton"),
    "torch.utils._pytree": re.compile(r".* is an Enum subclass and is now natively supported by torch\.compile"),
}


def _drop_logged(logger, pattern):
    def keep(record):
        return not pattern.match(record.getMessage())

    logging.getLogger(logger).addFilter(keep)


def silence():
    for message in _MESSAGES:
        warnings.filterwarnings("ignore", message=message)
    for logger, pattern in _LOGGED.items():
        _drop_logged(logger, pattern)
