"""How the Hugging Face folders in ../models were made: as a team using torch 2.10.0, torchao 0.16.0 and
transformers 5.1.0 saved them, with nothing of quant-bc.

    <python with torch 2.10.0, torchao 0.16.0, transformers 5.1.0> writer/write_hf_folders.py models

A small causal LM (Qwen2 architecture, built from its config: nothing is downloaded), quantized the way
the transformers documentation shows, from_pretrained(..., quantization_config=TorchAoConfig(config)),
then save_pretrained; each folder with the input ids it was run on and the logits it computed then
(<folder>.input_ids.pt, <folder>.logits.pt):
  assistant_int8/   Int8WeightOnlyConfig(version=2)
  assistant_dyn8/   Int8DynamicActivationInt8WeightConfig(version=2)
"""

import os
import sys
import tempfile

os.environ["HF_HUB_OFFLINE"] = "1"

import torch  # noqa: E402
from torchao.quantization import Int8DynamicActivationInt8WeightConfig, Int8WeightOnlyConfig  # noqa: E402
from transformers import AutoModelForCausalLM, Qwen2Config, Qwen2ForCausalLM, TorchAoConfig  # noqa: E402

out = sys.argv[1]
torch.manual_seed(11)
config = Qwen2Config(vocab_size=256, hidden_size=64, intermediate_size=192, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128)
with tempfile.TemporaryDirectory() as scratch:
    Qwen2ForCausalLM(config).eval().save_pretrained(os.path.join(scratch, "float"))
    ids = torch.randint(0, config.vocab_size, (1, 12))
    for name, quantization in [("assistant_int8", Int8WeightOnlyConfig(version=2)),
                               ("assistant_dyn8", Int8DynamicActivationInt8WeightConfig(version=2))]:
        model = AutoModelForCausalLM.from_pretrained(os.path.join(scratch, "float"), dtype=torch.float32,
                                                     quantization_config=TorchAoConfig(quantization)).eval()
        with torch.no_grad():
            logits = model(ids).logits
        model.save_pretrained(os.path.join(out, name))
        torch.save(ids, os.path.join(out, name + ".input_ids.pt"))
        torch.save(logits, os.path.join(out, name + ".logits.pt"))
