"""How the hand-written torchao files beside this script were made: as a user saves a checkpoint, with nothing of quant-bc.

    <python of a torchao release's environment> write_torchao.py OUT CONFIG

CONFIG: int8_weight_only_v1, int8_weight_only_v2 or intx_weight_only_v2.
Its own weights (another seed than the suite's), its own input; the files
take the names of the quant-bc case they are adopted as
(TestSerialization.test_torchao_<CONFIG>.<part>.pt). tests/test_handwritten.py
adopts them into a copy of the corpus of the release that wrote them.
"""

import os
import sys

import torch
from torchao.core.config import config_to_dict
from torchao.quantization import Int8WeightOnlyConfig, IntxWeightOnlyConfig, quantize_
from torchao.quantization.granularity import PerGroup

out, name = sys.argv[1:3]
configs = {
    "int8_weight_only_v1": lambda: Int8WeightOnlyConfig(),  # 0.13.0's has no version field: its format is version 1
    "int8_weight_only_v2": lambda: Int8WeightOnlyConfig(version=2),
    "intx_weight_only_v2": lambda: IntxWeightOnlyConfig(weight_dtype=torch.int4, granularity=PerGroup(32), version=2),
}
torch.manual_seed(20261130)
model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16))
x = torch.randn(4, 64)
config = configs[name]()
quantize_(model, config)
os.makedirs(out, exist_ok=True)
prefix = os.path.join(out, "TestSerialization.test_torchao_%s." % name)
torch.save(x, prefix + "input.pt")
torch.save(model.state_dict(), prefix + "state_dict.pt")
torch.save(config_to_dict(config), prefix + "config.pt")
torch.save(model(x), prefix + "expected.pt")
