"""Reading one case's golden files, safely, with errors that say what to do.

Loading policy:
  * tensors, sets and state dicts load with torch.load(weights_only=True), which
    cannot run code. The only class added to its allowlist is torch.ScriptObject:
    quantized LSTM state dicts hold packed parameters as torch's own C++ script
    objects, rebuilt by their C++ __setstate__. A file an older release pickled
    with the same classes under their older names loads: each name a corpus
    holds is in one table, _GLOBALS, and nothing else is admitted. Under a
    torch older than 2.6 (bisection only), whose loader cannot take a class
    under another name, the globals are checked against ALLOWED_GLOBALS
    without running the pickle, then it loads.
  * torchao checkpoints hold tensor subclasses, which torchao registers as
    safe globals when imported; they load with torch.load(weights_only=True)
    once the check has imported torchao (bc/checks.py), the same allowlist
    added. Before that, verify() reads their globals without running them:
    a name outside this allowlist and outside torchao is refused. A torchao
    name today's torchao no longer has is what the check reports.
  * torch.export archives (.pt2) can run code while torch.export.load reads
    them (bc/pt2_archive.py says how). verify() refuses one whose members,
    JSON or pickles hold any of it (its torch.save members may name
    PT2_GLOBALS only); then torch.export.load reads it
    with torch.load unable to leave weights-only (weights_only_loads_only).
  * ExecuTorch programs (.pte) are flatbuffers the runtime reads in C++.
    verify() refuses one whose header, sizes, offsets or names are not what
    executorch writes (bc/pte_files.py, nothing run); only then does the
    runtime read its bytes.
  * TorchScript archives load with torch.jit.load.
  * torch.package files run packaged code by design; they are opened only after
    every file of the case matched its manifest digest.

GoldenSet.verify() runs every check that needs no trust before anything is
compared: no unfinished regenerate, every file present, each file readable
(weights-only parts are parsed for real), each digest equal to the manifest.
"""

import contextlib
import functools
import importlib
import io
import os
import pickle
import pickletools
import zipfile

import torch

from bc import confine, formats, hf_files, kinds, manifest, pickles, pt2_archive, pte_files, torch_api

LEGACY_MAGIC = torch.serialization.MAGIC_NUMBER


@confine.passes_back
class GoldenError(Exception):
    """A golden file problem; the message names each file and the remedy."""


# Every global the weights-only parts of the corpora name, spelled as their
# pickles spell it (bc/pickles.py's torch_save_globals lists them without
# running anything), and the class to add to torch's weights-only allowlist
# under that name; None where torch's own allowlist admits it (today's does;
# tests/test_golden_io.py holds the table to it). One table, so that the names
# checked without torch (ALLOWED_GLOBALS) and what torch's loader is given
# (SAFE_GLOBALS) cannot drift apart. A name is here only while a corpus holds
# it, and the same test loads every weights-only file of every corpus.
_GLOBALS = {
    "__builtin__.set": None,  # protocol 2's name of builtins.set; torch's loader maps it before looking it up
    "collections.OrderedDict": None,
    # The legacy storage classes, by which every release's torch.save names a tensor's storage type.
    "torch.ByteStorage": None,
    "torch.FloatStorage": None,
    "torch.IntStorage": None,
    "torch.LongStorage": None,
    "torch.QInt8Storage": None,
    "torch.QUInt8Storage": None,
    "torch._utils._rebuild_qtensor": None,
    "torch._utils._rebuild_tensor_v2": None,
    "torch.float16": None,
    "torch.per_tensor_affine": None,
    "torch.qint8": None,
    "torch.BFloat16Storage": None,  # the torchao cases' bfloat16 inputs and outputs
    # Quantized LSTM's packed parameters (its state dict's only non-tensor):
    # torch's own C++ script objects, rebuilt by their C++ __setstate__.
    "torch.ScriptObject": torch.ScriptObject,  # its name in 1.13.1 and today
    "torch._C.ScriptObject": torch.ScriptObject,  # the same class as 1.6.0 and 1.10.2 named it
}
ALLOWED_GLOBALS = frozenset(_GLOBALS)
# What a torchao checkpoint names beyond ALLOWED_GLOBALS and torchao's own classes: torch's functions that
# rebuild tensor subclasses, and the dtypes and storages they hold. Admitted for that format only;
# torch's own weights-only allowlist has every one.
TORCHAO_GLOBALS = frozenset(
    [
        "torch.CharStorage",
        "torch._tensor._rebuild_from_type_v2",
        "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_wrapper_subclass",
        "torch.bfloat16",
        "torch.device",
        "torch.float32",
        "torch.float8_e4m3fn",
        "torch.int32",
        "torch.int4",
        "torch.int8",
        "torch.serialization._get_layout",
        "torch.storage.UntypedStorage",
        "torch.uint8",
    ]
)
# What a .pt2's torch.save members (weights, constants, sample inputs) may name, for that format alone: what
# the corpora's programs name (//tests:golden_io_test holds it to them); torch's own weights-only allowlist has each.
PT2_GLOBALS = frozenset(
    [
        "collections.OrderedDict",
        "torch.CharStorage",
        "torch.FloatStorage",
        "torch.LongStorage",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._utils._rebuild_tensor_v2",
    ]
)
# (class, name) pairs: torch's loader looks a global up by the name the pickle
# spells, so a class given alone would be admitted under today's name only.
SAFE_GLOBALS = tuple((cls, name) for name, cls in _GLOBALS.items() if cls is not None)


@functools.lru_cache(maxsize=None)
def _extensible_by_name():
    """torch.serialization.safe_globals if it takes (class, "module.name") pairs (2.6 on); None otherwise.

    2.5's takes classes only, each under its own name today (a pair there
    fails inside torch.load), so it could not admit an older name. Asked once
    per process: the torch it runs does not change.
    """
    allow = torch_api.extensible_weights_only()
    if allow is None:
        return None
    from torch import _weights_only_unpickler  # here: torch before 1.13 has none, and needs none

    # Asked of the loader's own lookup of what safe_globals added, not guessed from a version.
    probe = (set, "quant_bc.probe")
    try:
        with allow([probe]):
            named = _weights_only_unpickler._get_user_allowed_globals()
    except (AttributeError, TypeError):
        return None
    return allow if named.get("quant_bc.probe") is set else None


def refused_globals(path, extra=()):
    """The globals a torch.save file's pickles name outside ALLOWED_GLOBALS (and extra), sorted; none of it is run.

    extra: what a user's target admits beyond the corpora's names (bc/model_case.py, allowed_globals).
    """
    return sorted(pickles.torch_save_globals(path) - ALLOWED_GLOBALS - frozenset(extra))


def _resolved(path, names):
    """(object, name) of each global a user's target admits (bc/model_case.py, allowed_globals): torch's
    weights-only allowlist takes objects, so each is imported, from the target's own deps."""
    found = []
    for name in names:
        module, _, attribute = name.rpartition(".")
        try:
            found.append((getattr(importlib.import_module(module), attribute), name))
        except (ImportError, AttributeError, ValueError) as error:
            raise GoldenError(
                "%s: the target's allowed_globals names %s, which cannot be imported here (%s: %s). Add the library "
                "that defines it to the target's deps, or correct the name." % (path, name, type(error).__name__, error)
            ) from None
    return found


def _load_allowlisted(path, extra):
    allow = _extensible_by_name()
    if allow is not None:
        with allow(list(SAFE_GLOBALS) + _resolved(path, extra)):
            return torch.load(path, weights_only=True)
    # An older torch (bisection runs under them), whose weights-only loader
    # allows less, cannot add a class under an older name, or is missing: the
    # same allowlist, checked on the pickles without running them, then
    # torch's loader.
    refused = refused_globals(path, extra)
    if refused:
        raise pickle.UnpicklingError("Unsupported global: %s" % ", ".join(refused))
    return torch_api.load_unchecked(path)


def weights_only_load(path, extra=()):
    """torch.load(path, weights_only=True); raises GoldenError('unsafe: ...') if refused. extra: refused_globals'."""
    try:
        return _load_allowlisted(path, extra)
    except pickle.UnpicklingError as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        refusal = next((line for line in lines if "unsupported" in line.lower()), None)
        if refusal:
            raise GoldenError(
                "%s: unsafe: loading it would call code outside the weights-only allowlist "
                "(%s); refused without running it. Replace the file with a trusted one." % (path, refusal)
            ) from None
        raise GoldenError("%s: bad pickle: %s" % (path, lines[-1] if lines else error)) from None
    except Exception as error:  # noqa: BLE001 - a damaged file fails in many ways
        raise GoldenError(
            "%s: truncated or corrupt (%s: %s)" % (path, type(error).__name__, str(error).splitlines()[0])
        ) from None


def torchao_checkpoint_load(path):
    """torch.load(path, weights_only=True) with the allowlist added; torchao's own safe globals are
    registered by importing it, which the caller has done. Its refusal (pickle.UnpicklingError) is
    the caller's to explain: it is what a user would meet."""
    allow = _extensible_by_name()
    with allow(list(SAFE_GLOBALS)) if allow else contextlib.nullcontext():
        return torch.load(path, weights_only=True)


@contextlib.contextmanager
def weights_only_loads_only():
    """Within it, torch.load loads weights-only whatever it is asked. torch.export.load asks for
    weights_only=False: for every torch.save member before torch 2.6, and from 2.6 on to retry a member
    that its weights-only load refused. verify() has refused a member naming anything outside the
    policy before; this second wall refuses it again, without running it."""
    original = torch.load

    def load(*args, **kwargs):
        kwargs["weights_only"] = True
        return original(*args, **kwargs)

    torch.load = load
    try:
        yield
    finally:
        torch.load = original


def program_problem(path, operators=(), extra=()):
    """Why torch.export.load could run code from the program at path, or allocate past it (bc/pt2_archive.py),
    or None; none of it is run. operators, extra: what a user's target admits beyond pt2_archive.NAMESPACES and
    PT2_GLOBALS. At most eleven lines (pt2_archive.summary)."""
    found = pt2_archive.problems(path, PT2_GLOBALS | frozenset(extra), frozenset(operators))
    if not found:
        return None
    return ("unsafe for torch.export.load (it would run code or allocate from what it holds), refused without "
            "loading it:\n    %s" % "\n    ".join(pt2_archive.summary(found)))


def program_load(path):
    """torch.export.load(path), torch.load held to weights-only; the caller registers the operators it calls."""
    with open(path, "rb") as f, weights_only_loads_only():
        # A file object: given a path, torch warns unless it ends in .pt2, and golden files end in .pt.
        return torch.export.load(io.BytesIO(f.read()))


def outside_policy(path, format, extra=()):
    """The globals a weights-only part of that format names that the loading policy refuses, sorted; none is run.

    A torchao checkpoint may also name TORCHAO_GLOBALS, and torchao's classes:
    torchao admits them, or torch's loader refuses them, itself. extra: refused_globals'.
    """
    refused = refused_globals(path, extra)
    if format == kinds.TORCHAO_CHECKPOINT:
        return [name for name in refused if name not in TORCHAO_GLOBALS and not name.startswith(kinds.TORCHAO_PREFIX)]
    return refused


def _pickle_problem(path):
    """Reads the first pickle of a legacy torch.save file as opcodes, never unpickling it.

    In a torch.save file that pickle is the magic number alone; one that
    imports anything is a pickle that would run code on load.
    """
    imports, strings, magic = [], [], None
    with open(path, "rb") as f:
        try:
            for opcode, arg, _ in pickletools.genops(f):
                if opcode.name in ("GLOBAL", "INST"):
                    imports.append(arg.replace(" ", "."))
                elif opcode.name == "STACK_GLOBAL":
                    imports.append(".".join(strings[-2:]))
                elif isinstance(arg, str):
                    strings.append(arg)
                elif isinstance(arg, int) and magic is None and opcode.name not in ("PROTO", "FRAME"):
                    magic = arg
        except (ValueError, EOFError) as error:
            return "bad pickle: %s" % error
    if imports:
        return (
            "unsafe: a pickle that imports %s, which would run when loaded; refused without "
            "loading it. Replace the file with a trusted one." % ", ".join(imports)
        )
    if magic != LEGACY_MAGIC:
        return "wrong magic number %r: not a legacy torch.save file" % (magic,)
    return None


def format_problem(path):
    """What is structurally wrong with a golden file, or None."""
    size = os.path.getsize(path)
    if size == 0:
        return "empty file (0 bytes)"
    with open(path, "rb") as f:
        head = f.read(64)
    container = pickles.container(head)
    if container == "zip":
        try:
            with zipfile.ZipFile(path) as archive:
                suspicious = pickles.inflation_problem(archive.infolist())
                if suspicious:
                    return suspicious
                bad = archive.testzip()
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            return "truncated or corrupt zip archive (%s)" % error
        return None if bad is None else "corrupt zip member %s (CRC mismatch)" % bad
    if container == "pickle":
        return _pickle_problem(path)
    return "not a torch file: starts with %r, neither a zip archive nor a torch.save pickle" % head[:8]


# What formats.read_format() calls the container each format is read from.
_TORCH_SAVE = ("torch.save zipfile", "torch.save legacy")
_CONTAINERS = {
    kinds.SCRIPT: ("TorchScript",),
    kinds.PACKAGE: ("torch.package",),
    kinds.PT2: ("torch.export PT2 archive", "torch.export flat zip"),
}


# A Hugging Face folder's files: nothing reads them but transformers, after bc/hf_files.py's checks.
_HF_CHECKS = {kinds.JSON: hf_files.config_problems, kinds.SAFETENSORS: hf_files.safetensors_problems}
HF_FORMATS = tuple(_HF_CHECKS)
_DTYPES = frozenset(name for name, value in vars(torch).items() if isinstance(value, torch.dtype))
# Problems a refusal lists before it says how many more there are.
_SHOWN = 3


def _one_line(problems, reader):
    """A refusal of problems before reader reads the file: the first _SHOWN, and how many more; None for none."""
    if not problems:
        return None
    more = len(problems) - _SHOWN
    return "; ".join(problems[:_SHOWN]) + (" (and %d more)" % more if more > 0 else "") + (
        ": refused before %s reads it" % reader)


def hf_problem(path, format):
    """Why a file of a Hugging Face folder is refused before transformers reads it (one line), or None."""
    return _one_line(_HF_CHECKS[format](path, _DTYPES, _torchao_class), "transformers")


def pte_problem(path_or_bytes):
    """Why an ExecuTorch program (a file, or the bytes read from it) is refused before the runtime reads it (one
    line), or None."""
    return _one_line(pte_files.problems(path_or_bytes), "executorch's runtime")


def reader_problem(path, format):
    """For a format no torch loader reads (a Hugging Face folder's files, an ExecuTorch program): why the file is
    refused before its own reader reads it (one line), or None. KeyError for another format."""
    return pte_problem(path) if format == kinds.PTE else hf_problem(path, format)


# The formats reader_problem checks.
READER_FORMATS = HF_FORMATS + (kinds.PTE,)


def _torchao_class(name):
    """False when torchao's readers would resolve name (in config.json or the safetensors metadata) to something
    other than a class; True otherwise, a name torchao lacks included (its reader then says so, as a check
    reports). Looked up in torchao's modules only where they are imported, as the huggingface kind's checks
    import them; elsewhere (--adopt, where torchao may be absent) True."""
    import sys

    config = sys.modules.get("torchao.core.config")
    homes = [sys.modules.get(module) for module in sorted(getattr(config, "ALLOWED_AO_MODULES", ()))]
    utils = sys.modules.get("torchao.prototype.safetensors.safetensors_utils")
    found = [getattr(module, name) for module in homes if module is not None and hasattr(module, name)]
    found += [utils.ALLOWED_CLASSES[name]] if utils is not None and name in getattr(utils, "ALLOWED_CLASSES", {}) else []
    return all(isinstance(value, type) for value in found)


class GoldenSet:
    """One case's golden files in a directory laid out like serialized/.

    root: the directory the files really are in. In a test's runfiles every
    file is a symlink into the source tree's serialized/, which the test names;
    elsewhere it is the directory itself. A file that resolves anywhere else
    (a symlink out of the corpus) is refused.
    """

    def __init__(self, case, directory=manifest.GOLDEN_DIR, root=None):
        self.case = case
        self.directory = directory
        self.root = os.path.realpath(root or directory)

    def path(self, part):
        return os.path.join(self.directory, self.case.golden_name(part))

    def verify(self):
        """Raises GoldenError naming every problem of the case's files.

        In order, so that nothing untrusted reaches a parser: no unfinished
        regenerate; every file present, a regular file, in the corpus; every
        digest equal to the manifest's; zip members within the size cap; and
        only then each file parsed (weights-only parts for real).
        """
        name = self.case.name
        pending = manifest.pending_path(self.directory, name)
        if manifest.file_type(pending) is not None:
            raise GoldenError(
                "%s: a `%s` was interrupted while writing this case (%s). "
                "Run `%s` to complete or roll it back." % (name, self.case.writer, pending, self._regenerate())
            )
        parts = [part for part in self.case.parts if part not in self.unobserved()]
        self._verify_present(parts, "Restore with:  %s" % self._regenerate(name))
        self._verify_digests()
        self._verify_readable(parts, "Restore them with:  %s  (after deleting them), or from version control."
                              % self._regenerate(name))

    def unobserved(self):
        """{part: why} of a model target's observed parts that its .update could not write, as its manifest
        records them: its torch could not load the artifact. Absent by record, not missing. {} for the suite's."""
        observed = getattr(self.case, "observed", ())
        if not observed:
            return {}
        try:
            recorded = manifest.read(manifest.manifest_path(self.directory, self.case.name)).unobserved
        except (OSError, manifest.ManifestError):
            return {}  # verify() says what is wrong with the manifest
        return {part: recorded[self.case.golden_name(part)] for part in observed
                if self.case.golden_name(part) in recorded and not os.path.lexists(self.path(part))}

    def verify_unrecorded(self, parts, remedy):
        """verify() of the files of these parts before any manifest records them (a model target's .update):
        present, in place, each parsed as its format says; remedy: what the error tells the user to do."""
        self._verify_present(parts, remedy)
        self._verify_readable(parts, remedy)

    def _verify_present(self, parts, remedy):
        name = self.case.name
        missing = [self.path(p) for p in parts if not os.path.lexists(self.path(p))]
        if missing:
            raise GoldenError(
                "%s: golden file%s missing:\n  %s\n%s" % (name, "s" if len(missing) > 1 else "", "\n  ".join(missing), remedy)
            )
        misplaced = [problem for problem in map(self._placement_problem, parts) if problem]
        if misplaced:
            raise GoldenError(
                "%s: golden files that are not files of %s:\n  %s\nA golden file must be the file itself "
                "in its directory: remove these and restore them from version control."
                % (name, self.directory, "\n  ".join(misplaced))
            )

    def _verify_readable(self, parts, remedy):
        problems = []
        for part in parts:
            path = self.path(part)
            if self.format(part) in READER_FORMATS:
                problem = reader_problem(path, self.format(part))
                if problem:
                    problems.append("%s: %s" % (path, problem))
                continue
            problem = format_problem(path) or self._container_problem(part)
            if problem:
                problems.append("%s: %s" % (path, problem))
            elif self.format(part) == kinds.TORCHAO_CHECKPOINT:
                try:
                    foreign = outside_policy(path, kinds.TORCHAO_CHECKPOINT, self.case.allowed_globals)
                except Exception as error:  # noqa: BLE001 - a damaged pickle fails in many ways
                    problems.append("%s: truncated or corrupt (%s: %s)" % (path, type(error).__name__, error))
                    continue
                if foreign:
                    problems.append(
                        "%s: unsafe: its pickle names %s, outside the weights-only allowlist and outside "
                        "torchao; refused without running it. Replace the file with a trusted one."
                        % (path, ", ".join(foreign))
                    )
            elif self.format(part) == kinds.PT2:
                unsafe = program_problem(path, self.case.operators, self.case.allowed_globals)
                if unsafe:
                    problems.append("%s: %s. Replace the file with a trusted one." % (path, unsafe))
            elif self.format(part) == kinds.STATE_DICT and self._torchao_hint(path):
                problems.append(self._torchao_hint(path))
            elif self.format(part) not in (kinds.SCRIPT, kinds.PACKAGE):
                try:
                    weights_only_load(path, self.case.allowed_globals)
                except GoldenError as error:
                    problems.append(str(error))
        if problems:
            raise GoldenError("%s: unreadable golden files:\n  %s\n%s" % (self.case.name, "\n  ".join(problems), remedy))

    def _torchao_hint(self, path):
        """For a state dict that is a torchao checkpoint (its pickle names torchao's classes): the kind that reads
        it, whether or not torchao happens to be imported (a factory may import it). None otherwise."""
        try:
            named = sorted(name for name in pickles.torch_save_globals(path) if name.startswith(kinds.TORCHAO_PREFIX))
        except Exception:  # noqa: BLE001 - a damaged pickle: the loader's own error says more
            return None
        if not named:
            return None
        return ("%s: a torchao checkpoint (its pickle names %s), which a %s target does not read: declare it with "
                "kind = \"torchao\" and the factory of its float model, which loads it with torchao's classes "
                "registered" % (path, ", ".join(named[:3]), self.case.kind))

    def _container_problem(self, part):
        """Why the file cannot be what its part is read as (a TorchScript archive where a program belongs), or None."""
        try:
            found = formats.read_format(self.path(part))["container"]
        except formats.FormatError:
            return None  # what the format's own checks, next, say of a damaged file is more precise
        wanted = _CONTAINERS.get(self.format(part), _TORCH_SAVE)
        if found in wanted:
            return None
        return "a %s, where the %s part is read as %s (a %s kind's)" % (found, part, " or ".join(wanted), self.case.kind)

    def _placement_problem(self, part):
        problem = manifest.placement_problem(self.path(part), os.path.join(self.root, self.case.golden_name(part)))
        return "%s %s" % (self.path(part), problem) if problem else None

    def _verify_digests(self):
        name = self.case.name
        path = manifest.manifest_path(self.directory, name)
        problem = os.path.lexists(path) and manifest.placement_problem(path, manifest.manifest_path(self.root, name))
        if problem:
            raise GoldenError("%s: the manifest %s %s; restore it from version control." % (name, path, problem))
        try:
            recorded = manifest.read(path)
        except FileNotFoundError:
            raise GoldenError(
                "%s: no manifest %s. Files from elsewhere are recorded with `%s`; generated ones with %s."
                % (name, path, self._regenerate("--adopt", name), self._regenerate(name))
            ) from None
        except manifest.ManifestError as error:
            raise GoldenError("%s: %s" % (name, error)) from None
        problems = []
        absent = {self.case.golden_name(part) for part in self.unobserved()}
        for golden in self.case.golden_names():
            if golden in absent:
                continue
            actual = manifest.sha256(os.path.join(self.directory, golden))
            expected = recorded.files.get(golden)
            if expected is None:
                problems.append("%s is not in the manifest (sha256 %s)" % (golden, actual))
            elif actual != expected:
                problems.append(
                    "%s changed without a manifest update:\n    manifest sha256 %s\n    file     sha256 %s"
                    % (golden, expected, actual)
                )
        if problems:
            regenerated, adopted = self._regenerate("--force", name), self._regenerate("--adopt", "--origin", "TEXT", name)
            remedy = (
                "`%s`" % regenerated
                if regenerated == adopted
                else "`%s` for regenerated files, `%s` for files from elsewhere" % (regenerated, adopted)
            )
            raise GoldenError(
                "%s: golden files do not match %s:\n  %s\n"
                "If the change is intended, record it: %s. Otherwise restore the files from version control."
                % (name, path, "\n  ".join(problems), remedy)
            )

    def _regenerate(self, *args):
        """The command that writes the case's files in this directory (case_table.Case.rewrite_command)."""
        return self.case.rewrite_command(self.directory, *args)

    def format(self, part):
        return self.case.spec.format_of(part)

    def load(self, part):
        """The content of one part, read as its format says (bc/kinds.py); call verify() first."""
        path = self.path(part)
        why = self.unobserved().get(part)
        if why is not None:
            raise GoldenError(
                "%s was not recorded: the torch that ran `%s` could not load the artifact (%s), and this one "
                "does. Record what it observes: `%s`" % (path, self.case.writer, why, self._regenerate("--force")))
        if self.format(part) == kinds.SCRIPT:
            return torch.jit.load(path)
        if self.format(part) == kinds.TORCHAO_CHECKPOINT:
            return torchao_checkpoint_load(path)
        if self.format(part) == kinds.PT2:
            return program_load(path)
        if self.format(part) == kinds.PACKAGE:
            return torch.package.PackageImporter(path).load_pickle(*self.case.resource)
        if self.format(part) == kinds.PTE:
            with open(path, "rb") as f:
                data = f.read()
            # The runtime reads the bytes it is given: these, checked again as read (the file may have changed).
            problem = pte_problem(data)
            if problem:
                raise GoldenError("%s: %s" % (path, problem))
            return data
        return weights_only_load(path, self.case.allowed_globals)
