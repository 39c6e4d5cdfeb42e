"""The zoo's model families: small versions of what teams quantize, written as they write them.

Each family is a function returning the float model (eval mode), what a state
dict or torchao checkpoint loads into; EXAMPLES gives the input each family is
run on. Plain torch only, so that every writer's torch (2.6.0 on) builds them.
"""

import torch
import torch.nn.functional as F
from torch import nn


class _Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(32, 64)
        self.fc2 = nn.Linear(64, 64)
        self.fc3 = nn.Linear(64, 16)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class _ConvNet(nn.Module):
    """conv + BatchNorm + ReLU, max pooling, a second conv, global pooling, a classifier."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.relu(self.conv2(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class _Residual(nn.Module):
    """A ResNet basic block: two conv + BatchNorm, the input added back, then a classifier."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.conv1 = nn.Conv2d(16, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.stem(x))
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        x = F.relu(x + y)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class _Inception(nn.Module):
    """Three branches (1x1, 3x3, pooling then 1x1) concatenated along channels."""

    def __init__(self):
        super().__init__()
        self.b1 = nn.Conv2d(3, 8, 1)
        self.b3 = nn.Conv2d(3, 8, 3, padding=1)
        self.bp = nn.Conv2d(3, 8, 1)
        self.fc = nn.Linear(24, 10)

    def forward(self, x):
        branches = [F.relu(self.b1(x)), F.relu(self.b3(x)), F.relu(self.bp(F.max_pool2d(x, 3, 1, 1)))]
        x = torch.cat(branches, 1)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class _UNet(nn.Module):
    """A down step, an up step by nearest upsampling, and the skip concatenated: a segmentation map out."""

    def __init__(self):
        super().__init__()
        self.enc = nn.Conv2d(3, 8, 3, padding=1)
        self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.dec = nn.Conv2d(24, 8, 3, padding=1)
        self.head = nn.Conv2d(8, 4, 1)

    def forward(self, x):
        skip = F.relu(self.enc(x))
        x = F.relu(self.down(skip))
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        x = F.relu(self.dec(torch.cat([x, skip], 1)))
        return self.head(x)


class _MobileNet(nn.Module):
    """A MobileNet block: depthwise conv (groups = channels), pointwise conv, ReLU6 and hardswish."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.bn0 = nn.BatchNorm2d(16)
        self.dw = nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.bn1 = nn.BatchNorm2d(16)
        self.pw = nn.Conv2d(16, 32, 1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu6(self.bn0(self.stem(x)))
        x = F.relu6(self.bn1(self.dw(x)))
        x = F.hardswish(self.bn2(self.pw(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class _ResNeXt(nn.Module):
    """Grouped convolution (4 groups) between 1x1 convs."""

    def __init__(self):
        super().__init__()
        self.reduce = nn.Conv2d(3, 16, 1)
        self.grouped = nn.Conv2d(16, 16, 3, padding=1, groups=4)
        self.expand = nn.Conv2d(16, 32, 1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.expand(F.relu(self.grouped(F.relu(self.reduce(x))))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class _TransformerBlock(nn.Module):
    """Pre-norm attention (scaled_dot_product_attention) and a GELU MLP, each with its residual."""

    def __init__(self, dim=64, heads=4):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.up = nn.Linear(dim, 4 * dim)
        self.down = nn.Linear(4 * dim, dim)

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (z.reshape(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        a = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(a)
        return x + self.down(F.gelu(self.up(self.norm2(x))))


class _EmbeddingClassifier(nn.Module):
    """Token embeddings averaged, then two linear layers."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(100, 32)
        self.fc1 = nn.Linear(32, 64)
        self.fc2 = nn.Linear(64, 8)

    def forward(self, ids):
        return self.fc2(F.relu(self.fc1(self.embed(ids).mean(1))))


class _LstmTagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(16, 32, batch_first=True)
        self.fc = nn.Linear(32, 5)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out)


class _GruTagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(16, 32, batch_first=True)
        self.fc = nn.Linear(32, 5)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.fc(out)


class _Audio(nn.Module):
    """1-d convolutions over a waveform: conv + BatchNorm + ReLU, max pooling, global pooling, a classifier."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(1, 8, 5, stride=2)
        self.bn1 = nn.BatchNorm1d(8)
        self.conv2 = nn.Conv1d(8, 16, 3)
        self.fc = nn.Linear(16, 6)

    def forward(self, x):
        x = F.max_pool1d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.relu(self.conv2(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool1d(x, 1), 1))


class _SqueezeExcite(nn.Module):
    """A conv whose channels are rescaled by a squeeze-and-excitation gate (pooling, linear, sigmoid, mul)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.squeeze = nn.Linear(16, 4)
        self.excite = nn.Linear(4, 16)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.conv(x))
        gate = torch.sigmoid(self.excite(F.relu(self.squeeze(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))))
        x = x * gate[:, :, None, None]
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class _Decoder(nn.Module):
    """Upsampling by transposed convolution, as an image decoder does."""

    def __init__(self):
        super().__init__()
        self.up1 = nn.ConvTranspose2d(8, 8, 2, stride=2)
        self.conv = nn.Conv2d(8, 4, 3, padding=1)
        self.up2 = nn.ConvTranspose2d(4, 3, 2, stride=2)

    def forward(self, x):
        return self.up2(F.relu(self.conv(F.relu(self.up1(x)))))


_CLASSES = {
    "mlp": _Mlp,
    "convnet": _ConvNet,
    "residual": _Residual,
    "inception": _Inception,
    "unet": _UNet,
    "mobilenet": _MobileNet,
    "resnext": _ResNeXt,
    "transformer": _TransformerBlock,
    "embedding": _EmbeddingClassifier,
    "lstm": _LstmTagger,
    "gru": _GruTagger,
    "audio": _Audio,
    "squeeze_excite": _SqueezeExcite,
    "decoder": _Decoder,
}

# Each family's input: a function of a generator, so that every writer draws the same numbers.
EXAMPLES = {
    "mlp": lambda g: torch.randn(4, 32, generator=g),
    "convnet": lambda g: torch.randn(2, 3, 16, 16, generator=g),
    "residual": lambda g: torch.randn(2, 3, 12, 12, generator=g),
    "inception": lambda g: torch.randn(2, 3, 12, 12, generator=g),
    "unet": lambda g: torch.randn(2, 3, 16, 16, generator=g),
    "mobilenet": lambda g: torch.randn(2, 3, 16, 16, generator=g),
    "resnext": lambda g: torch.randn(2, 3, 12, 12, generator=g),
    "transformer": lambda g: torch.randn(2, 8, 64, generator=g),
    "embedding": lambda g: torch.randint(0, 100, (4, 6), generator=g),
    "lstm": lambda g: torch.randn(2, 5, 16, generator=g),
    "gru": lambda g: torch.randn(2, 5, 16, generator=g),
    "audio": lambda g: torch.randn(2, 1, 64, generator=g),
    "squeeze_excite": lambda g: torch.randn(2, 3, 12, 12, generator=g),
    "decoder": lambda g: torch.randn(2, 8, 4, 4, generator=g),
}

FAMILIES = tuple(_CLASSES)


def build(family):
    """The float model of a family, in eval mode, with its initial weights."""
    return _CLASSES[family]().eval()


# The factories a model target names ("families.models:<family>"): the float model a checkpoint loads into.
globals().update({family: (lambda f: lambda: build(f))(family) for family in FAMILIES})
