"""The example team's own model code: what their service builds, and what a state dict or checkpoint loads into."""

import torch
from torch import nn


class Classifier(nn.Module):
    """A small image classifier, quantized in eager mode (QuantStub/DeQuantStub around it)."""

    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.conv = nn.Conv2d(3, 8, 3)
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(32, 10)
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.pool(self.relu(self.conv(x)))
        return self.dequant(self.fc(self.flatten(x)))


def quantized_classifier():
    """The eager-quantized Classifier's structure (prepare, convert; no calibration): what its state dict loads into."""
    model = Classifier().eval()
    model.qconfig = torch.ao.quantization.get_default_qconfig("x86")
    torch.ao.quantization.prepare(model, inplace=True)
    return torch.ao.quantization.convert(model, inplace=True)


class Scorer(nn.Module):
    """A scoring MLP, quantized in eager mode, which the team ships in a torch.package.

    (Not the Classifier: an eager-quantized Conv2d does not survive pickling, in any release from 1.10 to
    2.14; its __setstate__ leaves out nn.Module's hook dictionaries.)
    """

    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.hidden = nn.Linear(24, 16)
        self.relu = nn.ReLU()
        self.out = nn.Linear(16, 4)
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        return self.dequant(self.out(self.relu(self.hidden(self.quant(x)))))


def ranker():
    """The float ranking MLP its torchao checkpoint was quantized from; built on the meta device to load it."""
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16))
