"""The case table, bc/cases.bzl, as Python objects.

The .bzl file is literals only, so Python reads it with ast.literal_eval and
Starlark loads it: one table for both. A case test reads only its own entry,
which bc/defs.bzl writes to bc/case_entries/<case>.json (load_entry), so that
editing one case re-runs one test.
"""

import ast
import dataclasses
import json
import os

from bc import kinds, manifest

# Found beside this module: it is in the runfiles of every target that uses it.
TABLE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.bzl")
TABLE_NAME = "bc/cases.bzl"
# The engine a case with no engines runs under: none selected, once (observers, QAT).
ENGINE_INDEPENDENT = "engine-independent"


class TableError(ValueError):
    """The table itself is wrong: names the entry and the field."""


@dataclasses.dataclass(frozen=True)
class Case:
    golden_prefix: str
    name: str
    kind: str
    module: str
    input_size: tuple
    engines: tuple
    parts: tuple
    input_quantized: bool = False
    zipfile: bool = True
    atol: float = None
    rtol: float = None
    check_numerics: bool = True
    avx512_vnni_sensitive: bool = False
    conv_version: int = None
    config: dict = None
    dtype: str = "float32"
    quantizer: dict = None
    serialization: str = None
    partitioner: str = None
    differences: tuple = ()
    note: str = ""

    # Not fields of the table: what a user's target (bc/model_case.py) sets beyond the suite's defaults.
    operators = ()  # a .pt2's operators beyond bc/pt2_archive.py's NAMESPACES
    allowed_globals = ()  # pickle globals beyond bc/golden_io.py's allowlists
    records_at = "bc/cases.bzl"  # where its differences are recorded
    writer = manifest.REGENERATE  # what writes its files, as messages name it
    resource = (kinds.PACKAGE_NAME, kinds.PACKAGE_RESOURCE)  # where a torch.package holds the model

    @property
    def spec(self):
        """Its kind (bc/kinds.py): the parts, the format of each, the check."""
        return kinds.KINDS[self.kind]

    def recorded_difference(self, corpus, engine, loader, cpu_capability=None):
        """The difference recorded for this corpus, engine and loader (and, where the record names one,
        the CPU capability torch runs its kernels at here), or None."""
        for record in self.differences:
            if (
                corpus in record["corpora"]
                and loader == record["loader"]
                and (engine in record["engines"] or not record["engines"])
                and record.get("cpu_capability", cpu_capability) == cpu_capability
            ):
                return record
        return None

    def heading(self, corpus):
        """What a failure's first line calls the case's files in a corpus."""
        return "%s, corpus %s" % (self.name, corpus)

    def rewrite_command(self, directory, *args):
        """The regenerate command line, with args, for the corpus in directory: a past release's takes --release."""
        parent, release = os.path.split(os.path.normpath(directory))
        corpus = ["--release", release] if parent == manifest.GOLDEN_DIR else []
        return manifest.regenerate_command(*(corpus + list(args)))

    def golden_name(self, part):
        """PyTorch's own file name for one part of this case's golden files: <prefix>.<case>.<part>.pt, or
        where the writer names the file itself (a Hugging Face folder's), <prefix>.<case>.<that name>."""
        return "%s.%s.%s" % (self.golden_prefix, self.name, self.spec.file_name(part))

    def golden_names(self):
        return [self.golden_name(part) for part in self.parts]

    @property
    def engine_independent(self):
        return not self.engines


DIFFERENCE_FIELDS = ("corpora", "engines", "loader", "observed", "reason", "verdict", "first_failing")
# What a difference is (bc/cases.bzl says when each applies).
VERDICTS = ("break", "changed", "deprecated", "unpromised")
_REQUIRED = ("name", "kind", "module", "input_size", "engines")
_DERIVED = ("golden_prefix", "parts")
_OPTIONAL = tuple(f.name for f in dataclasses.fields(Case) if f.name not in _REQUIRED + _DERIVED)


def read_constants(path):
    """Every top-level NAME = <literal> of a literals-only .bzl file; a literal may name a constant above it
    (as Starlark lets it), which stands for that constant's value."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=path)
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            constants[node.targets[0].id] = _literal(node.value, constants, path)
    return constants


def _literal(node, constants, path):
    """ast.literal_eval's literals (what the .bzl files hold), and names of constants read before."""
    if isinstance(node, ast.Name):
        if node.id not in constants:
            raise TableError("%s:%d: %s is not a constant defined above it" % (path, node.lineno, node.id))
        return constants[node.id]
    if isinstance(node, ast.List):
        return [_literal(item, constants, path) for item in node.elts]
    if isinstance(node, ast.Dict):
        return {_literal(k, constants, path): _literal(v, constants, path) for k, v in zip(node.keys, node.values)}
    return ast.literal_eval(node)


def differences(name, records, fields):
    """The difference records of case name, each checked to have fields (and a corpus, and a verdict of VERDICTS)."""
    for record in records:
        absent = [f for f in fields if f not in record]
        if absent:
            raise TableError("%s: a difference record lacks %s (fields: %s)" % (name, absent, ", ".join(fields)))
        if not record["corpora"]:
            raise TableError("%s: a difference record names no corpus (corpora: [])" % name)
        if record["verdict"] not in VERDICTS:
            raise TableError("%s: verdict %r is not one of %s" % (name, record["verdict"], ", ".join(VERDICTS)))
    return tuple(records)


def _case_from_entry(entry, constants):
    qengines = tuple(constants["QENGINES"])
    name = entry.get("name", "<unnamed>")
    missing = [field for field in _REQUIRED if field not in entry]
    unknown = sorted(set(entry) - set(_REQUIRED) - set(_OPTIONAL))
    if missing or unknown:
        raise TableError("%s in %s: missing %s, unknown %s" % (name, TABLE_NAME, missing, unknown))
    if entry["kind"] not in kinds.KINDS:
        raise TableError("%s: kind %r is not one of %s (bc/kinds.py)" % (name, entry["kind"], tuple(kinds.KINDS)))
    stray = [e for e in entry["engines"] if e not in qengines]
    if stray:
        raise TableError("%s: engines %s are not in QENGINES %s" % (name, stray, qengines))
    if entry.get("conv_version") not in (None, 1, 2, 3):
        raise TableError("%s: conv_version %r is not a ConvPackedParams version (1, 2, 3)" % (name, entry["conv_version"]))
    config = entry.get("config")
    if (entry["kind"] in ("torchao", "huggingface")) != (config is not None):
        raise TableError("%s: a config is what a torchao or huggingface case has, and only it (kind %s)"
                         % (name, entry["kind"]))
    if config is not None and (not config.get("name") or config.get("version") not in (1, 2)):
        raise TableError("%s: config %r needs a name and a version, 1 or 2" % (name, config))
    quantizer = entry.get("quantizer")
    if (entry["kind"] in ("pt2e", "executorch")) != (quantizer is not None):
        raise TableError("%s: a quantizer is what a pt2e or executorch case has, and only it (kind %s)"
                         % (name, entry["kind"]))
    if quantizer is not None and (not quantizer.get("name") or set(quantizer) - {"name", "homes", "args", "qat"}):
        raise TableError("%s: quantizer %r needs a name, and takes only homes, args and qat" % (name, quantizer))
    homes = (quantizer or {}).get("homes")
    if homes is not None and not (isinstance(homes, list) and homes and all(
            isinstance(home, str) and all(part.isidentifier() for part in home.split(".")) for home in homes)):
        raise TableError("%s: the quantizer's homes are a list of modules (a.b.c), newest first, not %r" % (name, homes))
    if ("partitioner" in entry) != (entry["kind"] == "executorch"):
        raise TableError("%s: a partitioner is what an executorch case has, and only it (kind %s)" % (name, entry["kind"]))
    if entry.get("partitioner") not in (None, *kinds.PARTITIONERS):
        raise TableError("%s: partitioner %r is not one of %s, or None (portable kernels)"
                         % (name, entry["partitioner"], ", ".join(kinds.PARTITIONERS)))
    chooser = kinds.KINDS[entry["kind"]].chosen_by
    for field, choices in chooser.items():
        if entry.get(field) not in choices:
            raise TableError("%s: a %s case's %s is one of %s, not %r" % (name, entry["kind"], field, sorted(choices),
                                                                          entry.get(field)))
    stray_choice = [field for field in ("serialization",) if field in entry and field not in chooser]
    if stray_choice:
        raise TableError("%s: %s is not a field of a %s case" % (name, ", ".join(stray_choice), entry["kind"]))
    fields = dict(entry)
    fields["differences"] = differences(name, entry.get("differences", []), DIFFERENCE_FIELDS)
    fields["input_size"] = tuple(entry["input_size"])
    fields["engines"] = tuple(e for e in qengines if e in entry["engines"])
    fields["parts"] = kinds.KINDS[entry["kind"]].parts_of(entry)
    fields["golden_prefix"] = constants["GOLDEN_PREFIX"]
    return Case(**fields)


@dataclasses.dataclass(frozen=True)
class Table:
    cases: dict
    qengines: tuple

    def __getitem__(self, name):
        try:
            return self.cases[name]
        except KeyError:
            raise TableError(
                "no case named %r in %s; cases: %s" % (name, TABLE_NAME, ", ".join(self.cases))
            ) from None

    def __iter__(self):
        return iter(self.cases.values())


def load_entry(name):
    """One case, from the entry file bc/defs.bzl writes for its test beside this
    module (bc/case_entries/<name>.json): {"CASE": entry, GOLDEN_PREFIX, QENGINES}."""
    with open(os.path.join(os.path.dirname(TABLE_PATH), "case_entries", name + ".json"), encoding="utf-8") as f:
        constants = json.load(f)
    return _case_from_entry(constants["CASE"], constants)


def load_table(path=TABLE_PATH):
    constants = read_constants(path)
    qengines = tuple(constants["QENGINES"])
    cases = {}
    for entry in constants["CASES"]:
        case = _case_from_entry(entry, constants)
        if case.name in cases:
            raise TableError("%s appears twice in %s" % (case.name, TABLE_NAME))
        cases[case.name] = case
    return Table(cases=cases, qengines=qengines)
