"""quant_bc_model_test(): one of your quantized artifacts checked as quant-bc checks its own files.

    load("@quant_bc//bc/own_models:defs.bzl", "quant_bc_model_test")

    quant_bc_model_test(
        name = "classifier_torchao",
        kind = "torchao",
        artifact = "models/classifier.torchao.pt",
        input = "models/classifier.input.pt",
        expected = "models/classifier.expected.pt",  # optional
        factory = "mymodels.classifier:float_model",
        deps = [":mymodels"],
    )

makes :classifier_torchao, a py_test whose data are exactly the target's files
(artifact, input, expected output, for a pt2e program its quantize_ops, for an executorch program its contents,
manifest/<name>.json, and differences/<name>.json where there is one), and
:classifier_torchao.update, which `bazel run` writes what is observed of the
artifact under the current lock (<name>.expected.pt unless `expected` is
given; <name>.quantize_ops.pt for pt2e, <name>.contents.pt for executorch) and the manifest; with `-- --record
VERDICT --reason TEXT`, what the test observes into differences/<name>.json.
docs/own-models.md says more.
"""

load("//bc:cases.bzl", "QENGINES")
load("//bc:json_file.bzl", "json_file")

# Label(): resolved in quant-bc's repository, whatever name the user gave it.
_CASE_TEST = Label("//bc:case_test.py")
_UPDATE = Label("//bc/own_models:update.py")
_CHECKING = Label("//bc/own_models:checking")
_UPDATE_LIBRARY = Label("//bc/own_models:update")

# The kinds (bc/kinds.py, MODEL_KINDS) and what each one's checks import beyond _CHECKING.
_KIND_DEPS = {
    "executorch": [Label("//bc/own_models:executorch")],
    "huggingface": [Label("//bc/own_models:huggingface")],
    "package": [],
    "pt2e": [Label("//bc/own_models:pt2e")],
    "state_dict": [],
    "torchao": [Label("//bc/own_models:torchao")],
    "torchscript": [],
}

# What `.update` observes of an artifact of each kind (bc/kinds.py: the kind's parts among OBSERVED_PARTS):
# <name>.<part>.pt, globbed so that one not yet written reaches the test, and its message, instead of failing
# the build.
_OBSERVED = {
    "executorch": [
        "contents",
        "expected",
    ],
    "huggingface": ["expected"],
    "package": ["expected"],
    "pt2e": [
        "expected",
        "quantize_ops",
    ],
    "state_dict": ["expected"],
    "torchao": ["expected"],
    "torchscript": ["expected"],
}

# The files of a folder artifact (kind huggingface) that its check reads, as save_pretrained names them
# (bc/kinds.py, HF_FILE_NAMES), and the index of a sharded one, which bc/model_case.py refuses by name: the
# folder's other files (a tokenizer's) are not the test's inputs.
_FOLDER_FILES = {
    "huggingface": [
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "model.safetensors.index.json",
        "pytorch_model.bin",
        "pytorch_model.bin.index.json",
    ],
}

# What bc/model_case.py names a target's spec: <name> + this.
_SPEC_SUFFIX = ".model.json"

def quant_bc_model_test(
        name,
        kind,
        artifact,
        input,
        expected = None,
        factory = None,
        deps = [],
        engines = [],
        atol = None,
        rtol = None,
        operators = [],
        allowed_globals = [],
        package_resource = None,
        differences = [],
        **kwargs):
    """A test of one artifact, and its `<name>.update`.

    Args:
      name: the test; its files' manifest is manifest/<name>.json in this package.
      kind: torchscript, state_dict, package, torchao, pt2e, huggingface or executorch.
      artifact: the file, relative to this package; for huggingface, the folder save_pretrained wrote.
      input: what the model is run on (torch.save of a tensor or a tuple of them).
      expected: the output saved with the artifact (torch.save); without it, `.update` writes
        <name>.expected.pt as the current lock computes it.
      factory: state_dict and torchao: "package.module:function" returning the float model the
        state is loaded into (a py_library of deps); torchao's is called on the meta device.
      deps: py_library targets the factory needs.
      engines: quantized engines to run under (bc/cases.bzl's QENGINES); [] runs once, none selected.
      atol: tolerance; None is torch.testing's default for the dtype.
      rtol: tolerance; None is torch.testing's default for the dtype.
      operators: pt2e: the operators the program calls beyond torch's and torchao's namespaces (torch.ops.mylib.op.default,
        or torch.ops.mylib for all of a namespace).
      allowed_globals: pickle globals the files name beyond quant-bc's allowlists (torch.HalfStorage, ...),
        each a plain type or torch's own rebuild function: nothing admitted here may run code.
      package_resource: package: [package, resource] the model is pickled as (default PyTorch's ["test", "test.pkl"]).
      differences: what the current torch does differently with the artifact, recorded as quant-bc
        records its own (bc/cases.bzl): engines, loader, observed, reason, verdict, first_failing. Records
        `.update -- --record` writes go to differences/<name>.json instead, which the test reads too.
      **kwargs: the test's other attributes (size, tags, timeout, flaky, ...; not data, deps, env or args).
    """
    if kind not in _KIND_DEPS:
        fail("%s: kind must be one of %s, not %r" % (name, sorted(_KIND_DEPS), kind))
    stray = [e for e in engines if e not in QENGINES]
    if stray:
        fail("%s: engines %s are not quantized engines (%s)" % (name, stray, QENGINES))
    package = native.package_name()
    spec = name + ".spec"
    folder = native.glob(
        ["%s/%s" % (artifact, f) for f in _FOLDER_FILES.get(kind, [])],
        allow_empty = True,
    )
    json_file(
        name = spec,
        out = name + _SPEC_SUFFIX,
        content = json.encode({
            "artifact": artifact,
            "atol": atol,
            "differences": differences,
            "engines": engines,
            "expected": expected,
            "factory": factory,
            "folder_files": [f[len(artifact) + 1:] for f in folder],
            "globals": allowed_globals,
            "input": input,
            "kind": kind,
            "label": "//%s:%s" % (package, name),
            "name": name,
            "operators": operators,
            "package": package,
            "qengines": QENGINES,
            "resource": package_resource,
            "rtol": rtol,
        }),
    )
    given = (folder if kind in _FOLDER_FILES else [artifact]) + [input] + ([expected] if expected else [])
    observed = [part for part in _OBSERVED[kind] if not (part == "expected" and expected)]
    recorded = native.glob(
        ["%s.%s.pt" % (name, part) for part in observed] + [
            "manifest/%s.json" % name,
            # The records `.update -- --record` writes (bc/model_case.py, RECORDS_DIR).
            "differences/%s.json" % name,
            # Exists only while, or after an interrupted, .update writes the files: the test must see it.
            "manifest/%s.pending" % name,
        ],
        allow_empty = True,
        exclude = given,
    )
    native.py_test(
        name = name,
        size = kwargs.pop("size", "small"),
        srcs = [_CASE_TEST],
        main = _CASE_TEST,
        data = given + recorded + [":" + spec],
        env = {"BC_MODEL": "$(rootpath :%s)" % spec},
        # The user's .bazelrc may lack quant-bc's --incompatible_default_to_explicit_init_py.
        legacy_create_init = False,
        # No network, whatever the workspace's .bazelrc says: a torch.package runs the code it holds.
        tags = kwargs.pop("tags", []) + ["block-network"],
        deps = [_CHECKING] + _KIND_DEPS[kind] + deps,
        **kwargs
    )
    native.py_binary(
        name = name + ".update",
        srcs = [_UPDATE],
        main = _UPDATE,
        args = ["$(rootpath :%s)" % spec],
        data = given + [":" + spec],
        legacy_create_init = False,
        tags = ["manual"],
        deps = [_UPDATE_LIBRARY] + _KIND_DEPS[kind] + deps,
    )
