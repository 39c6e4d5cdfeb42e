"""Where torchao's API moved between the releases the torchao corpora come from: one place each.

Generators run under every torchao release of bc/releases.bzl (0.7.0 on),
tests under today's, and `bazel run //bc:bisect` under every release in
between, with the same code. A case names its config as today's torchao
spells it (bc/cases.bzl, "config"); this module builds it as a release can,
records it as the release records it, and says what today's torchao must
import before it can load the checkpoint. Each name is found by looking for
it, newest home first; the comment names the release where it moved (read in
pytorch/ao's tags and the wheels of 0.7.0, 0.10.0, 0.13.0, 0.16.0 and 0.18.0).

Imported only where torchao is (the torchao kind, its generators and probes).
"""

import dataclasses
import importlib
import sys

import torch
import torchao
import torchao.quantization

from bc import kinds

VERSION = torchao.__version__

# The function API that the ...Config classes replaced (0.10 added the classes;
# the functions stayed as aliases until 0.14). Only the releases without the
# class are written through it.
_FUNCTIONS = {
    "Int8WeightOnlyConfig": "int8_weight_only",
    "Int8DynamicActivationInt8WeightConfig": "int8_dynamic_activation_int8_weight",
    "Int8DynamicActivationInt4WeightConfig": "int8_dynamic_activation_int4_weight",
    "Int4WeightOnlyConfig": "int4_weight_only",
    "Float8WeightOnlyConfig": "float8_weight_only",
}

# Configs outside torchao.quantization: (module, class) in each home, newest
# first. The prototype CPU int4 config moved and was renamed in 0.17
# (torchao.prototype.int4_opaque_tensor.Int4WeightOnlyOpaqueTensorConfig in 0.16).
_ELSEWHERE = {
    "PrototypeInt4WeightOnlyConfig": (
        ("torchao.prototype.quantization.int4", "PrototypeInt4WeightOnlyConfig"),
        ("torchao.prototype.int4_opaque_tensor", "Int4WeightOnlyOpaqueTensorConfig"),
    ),
}


class Unwritable(Exception):
    """This torchao cannot write the config: the message says why (bc/releases.bzl's left_out then says so too)."""


def _optional_import(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _config_class(name):
    """The class of a config named as today's torchao names it, importing its module; None if this torchao has none."""
    for module_name, class_name in _ELSEWHERE.get(name, (("torchao.quantization", name),)):
        module = _optional_import(module_name)
        if module is not None and hasattr(module, class_name):
            return getattr(module, class_name)
    return None


def _arguments(args):
    """A case's config arguments as objects: names of torch dtypes, granularities and layouts resolved here."""
    resolved = {}
    for key, value in args.items():
        if key in ("weight_dtype",):
            value = getattr(torch, value)
        elif key in ("granularity", "weight_granularity"):
            kind, *params = value
            value = getattr(importlib.import_module("torchao.quantization.granularity"), kind)(*params)
        elif key == "layout":
            # The AQT layouts lived in torchao.dtypes until 0.17/0.18 deleted them (pytorch/ao #4149, #4153).
            value = getattr(importlib.import_module("torchao.dtypes"), value)()
        resolved[key] = value
    return resolved


def build(config):
    """(what quantize_ takes, the config as this release records it) for a case's config entry.

    Raises Unwritable when this release has neither the class nor its function,
    or no way to write the requested version.
    """
    name, version, args = config["name"], config["version"], dict(config.get("args", {}))
    cls = _config_class(name)
    if cls is None:
        function = _FUNCTIONS.get(name)
        if function is None or not hasattr(torchao.quantization, function):
            raise Unwritable("torchao %s has no %s" % (VERSION, name))
        if version != 1:
            raise Unwritable("torchao %s has only the function %s(), which writes version 1" % (VERSION, function))
        recorded = {"function": "torchao.quantization." + function, "kwargs": dict(args), "torchao": VERSION}
        return getattr(torchao.quantization, function)(**_arguments(args)), recorded
    fields = {field.name for field in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    if "version" in fields:
        args["version"] = version
    elif version != 1:
        # Before a config had a version field it wrote what is now its version 1.
        raise Unwritable("torchao %s's %s has no version field: it writes version 1 only" % (VERSION, name))
    made = cls(**_arguments(args))
    # config_to_dict came with the ...Config classes (0.10): what model hubs store beside a checkpoint.
    from torchao.core.config import config_to_dict

    return made, config_to_dict(made)


def function_name(config):
    """The function of torchao's function API that writes a version-1 config (what transformers before 4.50
    takes as TorchAoConfig's quant_type), or None."""
    return _FUNCTIONS.get(config["name"]) if config["version"] == 1 else None


def import_for_loading(config):
    """Imports what a user imports to load a checkpoint of this config: torchao registers its classes
    as safe globals when their module is imported (a prototype's only then)."""
    _config_class(config["name"])


def config_names(name):
    """Every name a release may record the config by: its class's names, and the function it replaced."""
    names = [class_name for _, class_name in _ELSEWHERE.get(name, (("torchao.quantization", name),))]
    return names + (["torchao.quantization." + _FUNCTIONS[name]] if name in _FUNCTIONS else [])


def absent(names):
    """{global: why today's torchao cannot give it} for the torchao globals a checkpoint names.

    Looked up among the modules already imported (torchao and what
    import_for_loading brought), as torch's loader sees them: a name the
    file spells imports nothing and runs nothing.
    """
    allowed = set()
    for entry in torch.serialization.get_safe_globals():
        allowed.add(entry[0] if isinstance(entry, tuple) else entry)
    found = {}
    for name in sorted(n for n in names if n.startswith(kinds.TORCHAO_PREFIX)):
        module_name, _, attribute = name.rpartition(".")
        module = sys.modules.get(module_name)
        if module is None:
            found[name] = "no module %s" % module_name
        elif attribute not in vars(module):
            found[name] = "%s has no %s" % (module_name, attribute)
        elif vars(module)[attribute] not in allowed:
            found[name] = "not registered as a safe global"
    return found


def config_from_dict(recorded):
    """Today's config object from what a release recorded (config_to_dict's form), by torchao's own reader."""
    from torchao.core.config import config_from_dict as read

    return read(recorded)
