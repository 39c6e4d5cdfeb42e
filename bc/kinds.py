"""The kinds of case, each described here and nowhere else: its golden parts
(each with the format it is written and read in), how the generator produces
them, and what a test checks on them. README ("The cases") says it in prose.

  op        an eager quantized module: its state dict, scripted and traced
            archives; checked: the module after load_state_dict, and
            torch.jit.load of both archives, each run on the input;
  op_graph  quantize_jit of a float module, scripted and traced; checked: the
            saved archives loaded and run (nothing is re-quantized);
  observer  an observer's state dict; checked: load_state_dict, the state
            dict round trip, and (check_numerics) the output on the input;
  package   a float model in a torch.package; checked: import, FX prepare
            and convert, the get_attr target set, and the output.

Adding a kind is one entry of KINDS, its produce and steps functions here,
and a case of that kind in bc/cases.bzl.

Importing this module does not import torch: tools/ read a case's file list
on the host, where torch is not installed. The functions import what they run.
"""

import dataclasses

# The formats a part is written in (bc/generate.py) and read in (bc/golden_io.py).
TENSORS = "tensors"  # torch.save, read weights-only
STATE_DICT = "state_dict"  # torch.save, zipfile or legacy as the case says; read weights-only
SCRIPT = "script"  # a TorchScript archive, read by torch.jit.load
PACKAGE = "package"  # a torch.package, opened only after every digest matched
PACKAGE_NAME, PACKAGE_RESOURCE = "test", "test.pkl"  # where the package holds the model


@dataclasses.dataclass(frozen=True)
class Kind:
    name: str
    parts: tuple  # (part, format), in the order the files are listed and checked
    produce: object  # case -> {part: value}, run under the pinned configuration
    steps: object  # (case, golden) -> [(loader, part it reads, function returning differences)]

    @property
    def part_names(self):
        return tuple(part for part, _ in self.parts)

    def format_of(self, part):
        return dict(self.parts)[part]


def example_input(case):
    """The input a generator feeds the case: random, quantized as the seed does for op kinds."""
    import torch

    example = torch.rand(*case.input_size).float()
    if case.input_quantized:
        example = torch.quantize_per_tensor(example, 0.5, 2, torch.quint8)
    return example


def _produce_op(case):
    import torch

    from bc import modules

    module = modules.build(case.module)
    modules.seed_weights(module)
    example = example_input(case)
    return {
        "input": example,
        "state_dict": module.state_dict(),
        "scripted": torch.jit.script(module),
        "traced": torch.jit.trace(module, example),
        "expected": module(example),
    }


def _steps_op(case, golden):
    from bc import checks, modules

    def eager():
        return checks.output(case, golden, checks.load_state(modules.build(case.module), golden.load("state_dict")))

    return [("eager", "state_dict", eager)] + _loaded_archives(case, golden)


def _produce_op_graph(case):
    import torch

    from bc import modules
    from bc.torch_api import quantization

    module = modules.build(case.module)
    example = example_input(case)
    qconfig = {"": quantization.default_qconfig}

    def calibrate(model, data):
        model(data)

    scripted = quantization.quantize_jit(torch.jit.script(module), qconfig, calibrate, [example])
    traced = quantization.quantize_jit(torch.jit.trace(module, example), qconfig, calibrate, [example])
    return {"input": example, "scripted": scripted, "traced": traced, "expected": scripted(example)}


def _loaded_archives(case, golden):
    from bc import checks

    return [(part, part, lambda part=part: checks.output(case, golden, golden.load(part))) for part in ("scripted", "traced")]


def _produce_observer(case):
    from bc import modules

    observer = modules.build(case.module)
    example = example_input(case)
    expected = observer(example)
    return {"input": example, "expected": expected, "state_dict": observer.state_dict()}


def _steps_observer(case, golden):
    from bc import checks, compare, modules

    def observer():
        saved = golden.load("state_dict")
        loaded = checks.load_state(modules.build(case.module), saved)
        state = loaded.state_dict()
        dropped = sorted(key for key in saved if key not in state)
        found = ["saved keys dropped by the round trip: %s" % ", ".join(dropped)] if dropped else []
        found += compare.differences(
            {key: state[key] for key in saved if key in state},
            {key: saved[key] for key in saved if key in state},
            label="state_dict round trip (saved keys)",
        )
        if case.check_numerics:
            found += checks.output(case, golden, loaded)
        return found

    return [("eager", "state_dict", observer)]


def _produce_package(case):
    import torch

    from bc import modules

    model = modules.build(case.module)
    example = torch.randn(*case.input_size)
    quantized = modules.fx_quantize(model, example)
    return {
        "input": example,
        "package": model,
        "get_attr_targets": modules.get_attr_targets(quantized),
        "expected": quantized(example),
    }


def _steps_package(case, golden):
    from bc import checks, compare, modules

    def package():
        quantized = modules.fx_quantize(golden.load("package"), golden.load("input"))
        found = compare.set_differences(
            modules.get_attr_targets(quantized), golden.load("get_attr_targets"), "get_attr targets"
        )
        return found + checks.output(case, golden, quantized)

    return [("package", "package", package)]


KINDS = {
    kind.name: kind
    for kind in [
        Kind(
            name="op",
            parts=(
                ("input", TENSORS),
                ("state_dict", STATE_DICT),
                ("scripted", SCRIPT),
                ("traced", SCRIPT),
                ("expected", TENSORS),
            ),
            produce=_produce_op,
            steps=_steps_op,
        ),
        Kind(
            name="op_graph",
            parts=(("input", TENSORS), ("scripted", SCRIPT), ("traced", SCRIPT), ("expected", TENSORS)),
            produce=_produce_op_graph,
            steps=_loaded_archives,
        ),
        Kind(
            name="observer",
            parts=(("input", TENSORS), ("state_dict", STATE_DICT), ("expected", TENSORS)),
            produce=_produce_observer,
            steps=_steps_observer,
        ),
        Kind(
            name="package",
            parts=(("input", TENSORS), ("package", PACKAGE), ("get_attr_targets", TENSORS), ("expected", TENSORS)),
            produce=_produce_package,
            steps=_steps_package,
        ),
    ]
}
