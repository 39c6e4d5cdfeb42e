"""A user's own artifact as a case: the target quant_bc_model_test() makes (bc/own_models/defs.bzl).

The macro writes the target's spec (<name>.model.json): the kind, the user's
files (relative to the target's package), the factory, engines, tolerances,
operators, the package resource and the recorded differences. ModelCase is a
case_table.Case whose files have the user's names, so that golden_io.GoldenSet
verifies and loads them, and bc/checks.py checks them, exactly as a case of
the suite's: the same loading policy, messages and tolerances.

The files a target has (bc/kinds.py, MODEL_KINDS): the artifact and its input,
which the user gives; what is observed of it (kinds.OBSERVED_PARTS), which
`bazel run <target>.update` writes as <name>.<part>.pt beside the BUILD file,
unless the user gives the expected output (the one saved with the artifact);
and manifest/<name>.json, which records every file's digest.

A difference record has the suite's fields except corpora: a target has one
set of files. A target's records are its `differences` attribute and
differences/<name>.json in its package, which `bazel run <target>.update --
--record VERDICT --reason TEXT` writes from what the test observes.

This module imports nothing of torch: bisect reads specs on the host.
"""

import dataclasses
import json
import os
import re

from bc import case_table, kinds, pt2_archive

SPEC_SUFFIX = ".model.json"
_GLOBAL = re.compile(r"\w+(\.\w+)+")
# What a user's record has: the suite's fields but the corpora (case_table.DIFFERENCE_FIELDS).
DIFFERENCE_FIELDS = tuple(f for f in case_table.DIFFERENCE_FIELDS if f != "corpora")
# Where `.update -- --record` keeps a target's records, in its package: <RECORDS_DIR>/<name>.json.
RECORDS_DIR = "differences"
# The kinds whose artifact loads into a model the user's factory builds.
FACTORY_KINDS = ("state_dict", "torchao")


class SpecError(ValueError):
    """A target's attributes are wrong: names the target and the attribute."""


@dataclasses.dataclass(frozen=True)
class ModelCase(case_table.Case):
    label: str = ""  # //package:name
    package: str = ""  # the target's package, which the file names are relative to
    files: tuple = ()  # ((part, file name relative to the package), ...), in the kind's order of parts
    given: tuple = ()  # the parts the user gives; .update writes the others
    operators: tuple = ()
    allowed_globals: tuple = ()
    resource: tuple = (kinds.PACKAGE_NAME, kinds.PACKAGE_RESOURCE)

    @property
    def records_at(self):
        return "%s's differences" % self.label

    @property
    def spec(self):
        return kinds.MODEL_KINDS[self.kind]

    def heading(self, corpus):
        return "%s (%s %s)" % (self.label, self.kind, self.golden_name(artifact_part(self.kind)))

    def golden_name(self, part):
        return dict(self.files)[part]

    @property
    def observed(self):
        """The parts .update writes: what today's torch observes of the artifact, where the user gave none."""
        return tuple(part for part in self.parts if part not in self.given)

    @property
    def writer(self):
        return "bazel run %s.update" % self.label

    def rewrite_command(self, directory, *args):
        """`<target>.update`, with --force where regenerate would be told to overwrite or adopt."""
        return self.writer + (" -- --force" if {"--force", "--adopt"} & set(args) else "")


def artifact_part(kind):
    """The part that is the user's artifact: neither the input nor observed of it (a folder's: its config.json)."""
    return [part for part in kinds.MODEL_KINDS[kind].part_names if part != "input" and part not in kinds.OBSERVED_PARTS][0]


# A kind whose artifact is a folder, whose files are its parts (kinds.HF_FILE_NAMES).
FOLDER_KINDS = ("huggingface",)


def _folder_parts(label, kind, folder, held):
    """{part: file name relative to the package} of a folder artifact, from the names the macro found in it."""
    spec = kinds.MODEL_KINDS[kind]
    names = {part: name for part, name in spec.file_names.items() if name in held}
    if "model" not in names and "pytorch_model" not in names:
        sharded = sorted(name for name in held if name.endswith(".index.json"))
        raise SpecError("%s: artifact %r holds neither model.safetensors nor pytorch_model.bin%s: give the folder "
                        "save_pretrained wrote" % (label, folder, (" (a sharded checkpoint, %s, which quant-bc does "
                                                                   "not read yet)" % ", ".join(sharded)) if sharded else ""))
    if "config" not in names:
        raise SpecError("%s: artifact %r holds no config.json: give the folder save_pretrained wrote" % (label, folder))
    if "model" in names:
        names.pop("pytorch_model", None)  # transformers reads the safetensors when a folder holds both
    return {part: "%s/%s" % (folder, name) for part, name in names.items()}


def records_path(directory, name):
    """The file of a target's recorded differences that `.update -- --record` writes, in its package directory."""
    return os.path.join(directory, RECORDS_DIR, name + ".json")


def read_records(path):
    """The records of a target's differences/<name>.json ([] if there is none); raises SpecError naming the file."""
    try:
        with open(path, encoding="utf-8") as f:
            records = json.load(f)
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as error:
        raise SpecError("%s is not a list of difference records (%s): restore it from version control, or delete it "
                        "and record again with `bazel run <target>.update -- --record`" % (path, error)) from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise SpecError("%s is not a list of difference records (JSON objects): restore it from version control"
                        % path)
    return records


def from_spec(spec, qengines, recorded=()):
    """The ModelCase of a target's spec (a dict, as the macro writes it), with the records of its
    differences/<name>.json (recorded) after its attribute's; raises SpecError."""
    label = spec.get("label", "<unlabelled>")

    def refuse(attribute, why):
        raise SpecError("%s: %s %s" % (label, attribute, why))

    kind = spec.get("kind")
    if kind not in kinds.MODEL_KINDS:
        refuse("kind", "%r is not one of %s" % (kind, ", ".join(kinds.MODEL_KINDS)))
    for attribute in ("artifact", "input", "expected"):
        name = spec.get(attribute)
        if attribute != "expected" and not name:
            refuse(attribute, "is missing")
        if name and (":" in name or name.startswith(("/", "@")) or ".." in name.split("/")):
            refuse(attribute, "%r is not a file of the target's package, named relative to it (no label)" % name)
    if kind == "package" and not spec.get("expected"):
        refuse("expected", "is what a package target needs: the output saved with the package. Its `.update` "
               "runs no packaged code outside the test's sandbox, so it cannot compute one")
    for attribute in ("atol", "rtol"):
        value = spec.get(attribute)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            refuse(attribute, "%r is not a tolerance (a number, 0 or more)" % (value,))
    factory = spec.get("factory") or ""
    if (kind in FACTORY_KINDS) != bool(factory):
        refuse("factory", "(\"package.module:function\" building the float model) is what kinds %s take, and only they"
               % " and ".join(FACTORY_KINDS))
    if factory and not re.fullmatch(r"[\w.]+:\w+", factory):
        refuse("factory", "%r is not \"package.module:function\"" % factory)
    operators = tuple(spec.get("operators") or ())
    if operators and kind != "pt2e":
        refuse("operators", "are what a pt2e target's program may call beyond torch's and torchao's namespaces; kind %s "
                            "calls none" % kind)
    strange = [op for op in operators if not pt2_archive.operator_or_namespace(op)]
    if strange:
        refuse("operators", "%s: each is torch.ops.<namespace>.<name>.<overload>, or torch.ops.<namespace> for all of "
                            "a namespace" % strange)
    allowed_globals = tuple(spec.get("globals") or ())
    strange = [name for name in allowed_globals if not _GLOBAL.fullmatch(name)]
    if strange:
        refuse("globals", "%s: each is a pickle global as it names it, module.name" % strange)
    resource = tuple(spec.get("resource") or ())
    if resource and (kind != "package" or len(resource) != 2):
        refuse("package_resource", "is a package kind's (package, resource) of the model")
    stray = [e for e in spec.get("engines", []) if e not in qengines]
    if stray:
        refuse("engines", "%s are not quantized engines (%s)" % (stray, ", ".join(qengines)))
    parts = kinds.MODEL_KINDS[kind].part_names
    given = {"input": spec["input"], artifact_part(kind): spec["artifact"]}
    if kind in FOLDER_KINDS:
        given = dict(_folder_parts(label, kind, spec["artifact"], spec.get("folder_files") or ()), input=spec["input"])
        parts = tuple(part for part in parts if part in given or part in kinds.OBSERVED_PARTS)
    if spec.get("expected"):
        given["expected"] = spec["expected"]
    files = tuple((part, given.get(part, "%s.%s.pt" % (spec["name"], part))) for part in parts)
    names = [name for _, name in files]
    if len(set(names)) != len(names):
        refuse("files", "name one file twice: %s" % names)
    records = [dict(record, corpora=[label]) for record in list(spec.get("differences", [])) + list(recorded)]
    try:
        differences = case_table.differences(label, records, DIFFERENCE_FIELDS)
    except case_table.TableError as error:
        raise SpecError(str(error)) from None
    engines = spec.get("engines", [])
    for index, record in enumerate(differences):
        clash = [other for other in differences[:index] if other["loader"] == record["loader"]
                 and (not other["engines"] or not record["engines"] or set(other["engines"]) & set(record["engines"]))]
        if clash:
            refuse("differences", "record loader %r twice for the same engines (%s and %s): keep one, in the attribute "
                   "or in %s/%s.json" % (record["loader"], clash[0]["engines"] or "all", record["engines"] or "all",
                                         RECORDS_DIR, spec.get("name")))
        # A record no observation can match would never be consulted: strictness lost, silently.
        if record["loader"] not in kinds.MODEL_KINDS[kind].loaders:
            refuse("differences", "name loader %r; a %s target's is %s" % (record["loader"], kind,
                                                                           " or ".join(kinds.MODEL_KINDS[kind].loaders)))
        if not set(record["engines"]) <= set(engines):
            refuse("differences", "name engines %s that the target does not run under (%s)" % (record["engines"], engines))
    return ModelCase(
        golden_prefix="",
        name=spec["name"],
        kind=kind,
        module=factory,
        input_size=(),
        engines=tuple(e for e in qengines if e in engines),
        parts=parts,
        atol=spec.get("atol"),
        rtol=spec.get("rtol"),
        dtype="",
        differences=differences,
        label=label,
        package=spec.get("package", ""),
        files=files,
        given=tuple(part for part in parts if part in given),
        operators=operators,
        allowed_globals=allowed_globals,
        resource=resource or (kinds.PACKAGE_NAME, kinds.PACKAGE_RESOURCE),
    )


def load(path, directory=None):
    """The ModelCase of the spec file at path, with the records in directory (its package; default: the spec's
    package, relative to the working directory, as a test's runfiles have it)."""
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    directory = spec.get("package", "") if directory is None else directory
    recorded = read_records(records_path(directory, spec.get("name", "")))
    return from_spec(spec, spec.get("qengines", ()), recorded)
