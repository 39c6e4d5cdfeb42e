"""bc/warning_filters.py: torchao's CPU-host noise is dropped; anything else it logs still shows."""

import logging

from bc import warning_filters


class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def shown(logger_name, *records):
    """The messages of records ((format, args...)) logged on logger_name after silence() that reach a handler."""
    warning_filters.silence()
    collected = Collect()
    logger = logging.getLogger(logger_name)
    logger.addHandler(collected)
    try:
        for record in records:
            logger.warning(*record)
    finally:
        logger.removeHandler(collected)
    return collected.messages


def test_only_the_cuda_kernels_a_cpu_host_cannot_load_are_dropped():
    assert shown(
        "torchao",
        ("Failed to load /site-packages/torchao/_C_mxfp8.cpython-310-x86_64-linux-gnu.so: Could not load",),
        ("Failed to load /site-packages/torchao/_C_cutlass_90a.abi3.so: Could not load this library",),
        ("Failed to load /site-packages/torchao/_C.abi3.so: undefined symbol",),  # its CPU kernels
        ("version 1 of Int8WeightOnlyConfig is deprecated",),
    ) == [
        "Failed to load /site-packages/torchao/_C.abi3.so: undefined symbol",
        "version 1 of Int8WeightOnlyConfig is deprecated",
    ]


def test_the_enum_registration_torch_now_handles_is_dropped():
    assert shown(
        "torch.utils._pytree",
        ("%s is an Enum subclass and is now natively supported by torch.compile as an opaque value type.",
         "<enum 'KernelPreference'>"),
        ("some other pytree warning",),
    ) == ["some other pytree warning"]


def test_the_missing_triton_of_a_cpu_build_is_dropped_from_torchaos_int8_matmul():
    assert shown(
        "torchao.kernel.intmm",
        ("Warning: Detected no triton, on systems without Triton certain kernels will not work",),
        ("another intmm warning",),
    ) == ["another intmm warning"]
