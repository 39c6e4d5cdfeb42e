"""Module classes of this project that TorchScript compiles from source.

torch.jit.script records a class's file and line numbers in the archive it
saves, so the golden files of the cases that use these classes (test_lstm)
change when this file does; everything else lives in bc/modules.py, whose
edits leave the corpus alone.
"""

import torch
import torch.nn as nn
from bc.torch_api import nnqd


class LSTMModule(nn.Module):
    """The seed's wrapper around a dynamic quantized LSTM."""

    def __init__(self):
        super().__init__()
        self.lstm = nnqd.LSTM(input_size=3, hidden_size=7, num_layers=1).to(dtype=torch.float)

    def forward(self, x):
        return self.lstm(x)
