"""Factories as a user's py_library holds them ("package.module:function"), for tests/test_own_models.py."""

from torch import nn


def mlp():
    """The float model of tests/data/handwritten/write_torchao.py."""
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16))


WIDE = 1 << 26  # rows: what a hostile checkpoint of a few KB may claim (tests/test_containment.py)


def wide_linear():
    """A model whose weight, dequantized, takes 17 GB: built on the meta device it costs nothing."""
    return nn.Sequential(nn.Linear(64, WIDE))
