"""Where transformers' API moved between the releases the Hugging Face corpora come from: one place each.

A huggingface case (bc/cases.bzl) names a small architecture, a torchao config
as today's torchao spells it (bc/torchao_api.py builds it as a release can) and
the serialization save_pretrained writes. Generators build the model from a
small config, never a download, quantize it as users do (from_pretrained of the
float folder with quantization_config=TorchAoConfig(...)) and save it with
save_pretrained; checks load the folder with AutoModelForCausalLM.from_pretrained.

Imported only by the huggingface kind's tests and generators: transformers
takes seconds to import, and no other test pays it.
"""

import atexit
import os
import re
import shutil
import tempfile

# Before huggingface_hub reads them at import: no network, no telemetry, no progress bars, and a cache of
# this process's own, so that nothing of the host's ~/.cache/huggingface reaches a check.
_HOME = tempfile.mkdtemp(prefix="quant-bc-hf-home-", dir=os.environ.get("TEST_TMPDIR"))
atexit.register(shutil.rmtree, _HOME, True)
os.environ.update(
    HF_HUB_OFFLINE="1",
    TRANSFORMERS_OFFLINE="1",
    HF_HUB_DISABLE_TELEMETRY="1",
    HF_HUB_DISABLE_PROGRESS_BARS="1",
    HF_HOME=_HOME,
)

import torch  # noqa: E402
import transformers  # noqa: E402

from bc import kinds, torchao_api  # noqa: E402

try:
    # torchao's safetensors reader (0.14.0 on), whose class table bc/golden_io.py looks names up in.
    import torchao.prototype.safetensors.safetensors_utils  # noqa: E402, F401
except ImportError:
    pass

VERSION = transformers.__version__
transformers.utils.logging.disable_progress_bar()

# The architectures a case may name: (config class, model class, the config's fields). Small enough that a
# folder is tens of kilobytes, large enough that every linear layer is quantized (torchao skips none of 64).
ARCHITECTURES = {
    "llama": ("LlamaConfig", "LlamaForCausalLM", {
        "vocab_size": 128, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64,
    }),
    "qwen2": ("Qwen2Config", "Qwen2ForCausalLM", {
        "vocab_size": 128, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64,
    }),
}


def vocabulary(case):
    return ARCHITECTURES[case.module][2]["vocab_size"]


def float_model(case):
    """The case's architecture, its weights drawn by transformers' own initialization (seeded by the caller)."""
    config_class, model_class, fields = ARCHITECTURES[case.module]
    config = getattr(transformers, config_class)(**fields)
    return getattr(transformers, model_class)(config).to(getattr(torch, case.dtype)).eval()


def quantization_config(case):
    """TorchAoConfig for the case's config as this release takes it: a config object (transformers 4.50 on,
    with torchao's ...Config classes), else the string of torchao's function API (transformers 4.45 to 4.49)."""
    try:
        made, _ = torchao_api.build(case.config)
    except torchao_api.Unwritable:
        made = None
    if made is not None and not callable(made):
        return transformers.TorchAoConfig(quant_type=made)
    function = torchao_api.function_name(case.config)
    if function is None:
        raise torchao_api.Unwritable("transformers %s takes no %s" % (VERSION, case.config["name"]))
    return transformers.TorchAoConfig(quant_type=function, **case.config.get("args", {}))


def _dtype_argument(dtype):
    # transformers 4.56 renamed from_pretrained's torch_dtype to dtype; 5.0 dropped the old name.
    return {"dtype": dtype} if _takes_dtype() else {"torch_dtype": dtype}


def _takes_dtype():
    major, minor = (int(p) for p in VERSION.split(".")[:2])
    return (major, minor) >= (4, 56)


def quantized(case, directory):
    """The case's model quantized as users quantize one: saved as float, read back with its TorchAoConfig.

    Read back by a relative path: transformers before 5.0 records it in config.json (_name_or_path), where
    a hub model's name would be, and a temporary folder's name would change the file at every run."""
    float_model(case).save_pretrained(os.path.join(directory, "float"))
    here = os.getcwd()
    os.chdir(directory)
    try:
        return transformers.AutoModelForCausalLM.from_pretrained(
            "float", quantization_config=quantization_config(case), **_dtype_argument(getattr(torch, case.dtype))
        ).eval()
    finally:
        os.chdir(here)


def save(model, folder, serialization):
    """save_pretrained; the file names it wrote, as {part: path} of the kind's parts."""
    model.save_pretrained(folder, safe_serialization=serialization == "safetensors")
    written = sorted(os.listdir(folder))
    by_name = {name: part for part, name in kinds.HF_FILE_NAMES.items()}
    stray = [name for name in written if name not in by_name]
    if stray:
        raise RuntimeError("save_pretrained wrote %s, which the huggingface kind has no part for" % stray)
    weights = kinds.HF_FILE_NAMES[kinds.HF_WEIGHTS[serialization]]
    if weights not in written:
        raise torchao_api.Unwritable("transformers %s's save_pretrained(safe_serialization=%s) writes %s, not %s"
                                     % (VERSION, serialization == "safetensors", ", ".join(written), weights))
    return {by_name[name]: os.path.join(folder, name) for name in written}


def load(folder):
    """The folder loaded as users load one: AutoModelForCausalLM.from_pretrained, offline, no remote code.
    (model, the weights it initialized at random, as the file lacks them: sorted names)."""
    model, info = transformers.AutoModelForCausalLM.from_pretrained(folder, local_files_only=True, output_loading_info=True)
    return model.eval(), sorted(info.get("missing_keys") or ())


def logits(model):
    """The model as a function of input ids to logits, as the checks call a model."""

    def run(ids):
        with torch.no_grad():
            return model(ids).logits

    return run


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# A row: the key (layers folded as "model.layers.{0, 1}.mlp.up_proj.weight"), its status.
_REPORT_ROW = re.compile(r"^([^|\n]+?)\s*\|\s*(UNEXPECTED|MISSING|MISMATCH)\b", re.MULTILINE)
# The keys a load report shows of each status, as an observation holds them (sorted: its rows come from a set).
_SHOWN_KEYS = 3


def load_report(text):
    """A load report transformers logged (transformers 5), as an observation holds it: the count of keys of each
    status with the first few, sorted (its rows come from a set), without the folder's path or terminal colours;
    None for any other message."""
    text = _ANSI.sub("", text)
    rows = _REPORT_ROW.findall(text)
    if not rows:
        return None
    title = text.strip().splitlines()[0].split(" from:")[0].strip()
    counts = []
    for status in ("UNEXPECTED", "MISSING", "MISMATCH"):
        keys = sorted(key for key, found in rows if found == status)
        if keys:
            more = ", ..." if len(keys) > _SHOWN_KEYS else ""
            counts.append("%d %s (%s%s)" % (len(keys), status.lower(), ", ".join(keys[:_SHOWN_KEYS]), more))
    return "%s: %s" % (title, "; ".join(counts))
