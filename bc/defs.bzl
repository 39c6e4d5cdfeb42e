"""Turns each entry of cases.bzl (and of releases.bzl) into its Bazel targets.
The data says what; these macros say how.

  case_filegroups()    in //serialized: per case, a filegroup of its golden
                       files and manifest in every corpus that holds it, by
                       per-case globs, so a missing file reaches the test (and
                       its message) instead of failing the build.
  bc_cases()           in //bc: per case, the py_test with exactly those
                       files and its own table entry as data, and the manual
                       generators: generate_<case> under today's torch,
                       generate_<case>_<release> under each past release's.
  cpu_invariance()     in //bc: the CPU-sensitive cases of every corpus
                       generated under each CPU variant (corpus/cpu_variants.bzl),
                       and the manual test that compares them with the pinned bytes.

Only the fields the targets depend on are read here (name, engines,
avx512_vnni_sensitive; release, python, left_out). What a kind's files are is
Python's (bc/kinds.py): a filegroup globs the case's names, and a generator
outputs a directory.
"""

load("@host_cpu//:defs.bzl", "HOST_HAS_AVX512_VNNI")
load("//third_party/releases:repositories.bzl", "python_repository", "release_repository")
load(":cases.bzl", "GOLDEN_PREFIX", "QENGINES")
load(":corpus/cpu_variants.bzl", "CPU_SENSITIVE_CASES", "CPU_VARIANTS")
load(":json_file.bzl", "json_file")
load(":releases.bzl", "CI_LEFT_OUT", "RELEASES", "TODAY", "TODAY_LEFT_OUT")

# No platform has these constraint values (//bc:BUILD.bazel), so a target that
# lists one is SKIPPED, and `bazel cquery` names the reason.
_SKIPPED_BY_QENGINE = ["//bc:skipped_by_qengine"]
_SKIPPED_ON_AVX512_VNNI = ["//bc:skipped_on_avx512_vnni"]
_SKIPPED_BY_CORPUS = ["//bc:skipped_by_corpus"]

# What a kind's checks import beyond //bc:checking.
_KIND_DEPS = {
    "executorch": [":executorch_api"],
    "huggingface": [":hf_api"],
    "pt2e": [":pt2e_api"],
    "torchao": [":torchao_api"],
}

def _identifier(corpus):
    return corpus.replace(".", "_").replace("-", "_")

def _corpora_of(case):
    """The corpora holding the case, today's first: (name, folder under serialized/)."""
    held = [] if case["name"] in TODAY_LEFT_OUT else [(TODAY, "")]
    for release in RELEASES:
        if case["kind"] in release["kinds"] and case["name"] not in release["left_out"]:
            held.append((release["release"], release["release"] + "/"))
    return held

def _case_files(case, folder):
    """Glob patterns of a case's files in a corpus folder, whatever its parts.

    A part's file is <prefix>.<case>.<part>.pt, or <prefix>.<case>.<the name its writer gives it> (a
    Hugging Face folder's config.json)."""
    return [folder + "%s.%s.*" % (GOLDEN_PREFIX, case["name"])] + [
        folder + "manifest/%s.json" % case["name"],
        # Exists only while, or after an interrupted, `bazel run
        # //bc:regenerate` writes the case: the test must see it.
        folder + "manifest/%s.pending" % case["name"],
    ]

def case_filegroups(name, cases):
    """//serialized:<case> for each case, and //serialized:<name> holding them all.

    Args:
      name: the filegroup of every case's files.
      cases: CASES of bc/cases.bzl.
    """
    for case in cases:
        files = []
        for _, folder in _corpora_of(case):
            files += _case_files(case, folder)
        native.filegroup(
            name = case["name"],
            srcs = native.glob(files, allow_empty = True),
            visibility = [
                "//bc:__pkg__",
                "//tests:__pkg__",
            ],
        )
    native.filegroup(
        name = name,
        srcs = [":" + case["name"] for case in cases],
        visibility = ["//visibility:public"],
    )

def _engines_under(engines, qengine):
    """The engines a case runs under when --//bc:qengine=qengine; None if it cannot."""
    if qengine == "all":
        return engines
    if not engines:
        return []  # engine-independent: runs once under any choice
    if qengine in engines:
        return [qengine]
    return None

def _env_select(case):
    """BC_CASE, BC_ENGINES (by --//bc:qengine) and BC_CORPORA (by --//bc:corpus), per pair of choices."""
    env = {}
    for qengine in ["all"] + QENGINES:
        for corpus, held in _corpus_choices(case).items():
            env["//bc:selection_%s_corpus_%s" % (qengine, corpus)] = {
                "BC_CASE": case["name"],
                "BC_ENGINES": ",".join(_engines_under(case["engines"], qengine) or []),
                "BC_CORPORA": ",".join(held),
            }
    return select(env)

def _compatible_select(case):
    """SKIPPED when --//bc:qengine or --//bc:corpus leaves the case nothing to check."""
    by_qengine = {
        "//bc:qengine_" + qengine: _SKIPPED_BY_QENGINE if _engines_under(case["engines"], qengine) == None else []
        for qengine in ["all"] + QENGINES
    }
    by_corpus = {
        "//bc:corpus_" + corpus: [] if held else _SKIPPED_BY_CORPUS
        for corpus, held in _corpus_choices(case).items()
    }
    return select(by_qengine) + select(by_corpus)

def corpus_choices():
    """The values of --//bc:corpus: all, today, and each release."""
    return ["all", TODAY] + [r["release"] for r in RELEASES]

def _corpus_choices(case):
    """--//bc:corpus value -> the corpora holding the case that it picks."""
    held = [corpus for corpus, _ in _corpora_of(case)]
    choices = {"all": held}
    for corpus in corpus_choices()[1:]:
        choices[corpus] = [corpus] if corpus in held else []
    return choices

def selection_settings(name):
    """One config_setting per pair of --//bc:qengine and --//bc:corpus values: <name>_<qengine>_corpus_<corpus>.

    A select() keys on one setting, and a test's environment depends on both flags.

    Args:
      name: prefix of the settings' names.
    """
    for qengine in ["all"] + QENGINES:
        for corpus in corpus_choices():
            native.config_setting(
                name = "%s_%s_corpus_%s" % (name, qengine, corpus),
                flag_values = {
                    ":corpus": corpus,
                    ":qengine": qengine,
                },
            )

def _avx512_vnni_select(sensitive):
    if not sensitive:
        return []
    return select({
        "//bc:avx512_vnni_auto": _SKIPPED_ON_AVX512_VNNI if HOST_HAS_AVX512_VNNI else [],
        "//bc:avx512_vnni_false": [],
        "//bc:avx512_vnni_true": _SKIPPED_ON_AVX512_VNNI,
    })

def _generated_case_impl(ctx):
    if ctx.attr.cpu_variant:
        out = ctx.actions.declare_directory("cpu_variants/%s/%s/%s" % (ctx.attr.corpus, ctx.attr.cpu_variant, ctx.attr.case))
    else:
        out = ctx.actions.declare_directory("generated/%s/%s" % (ctx.attr.corpus, ctx.attr.case))
    arguments = ["--case", ctx.attr.case, "--out", out.path, "--lock", ctx.file.lock.path]
    if ctx.attr.cpu_variant:
        arguments += ["--cpu-variant", ctx.attr.cpu_variant]
    if ctx.attr.corpus == TODAY:
        ctx.actions.run(
            executable = ctx.attr.generator[DefaultInfo].files_to_run,
            arguments = arguments,
            inputs = [ctx.file.lock],
            outputs = [out],
            mnemonic = "GenerateCase",
            progress_message = "Generating the files of %s" % ctx.attr.case,
        )
    else:
        # The release's own interpreter and environment, not a py_binary's;
        # absolute paths, so that bc/corpus/reproducible.py can strip them from traced archives.
        ctx.actions.run_shell(
            command = 'PYTHONPATH="$PWD:$PWD/$1" "$2" "$PWD/bc/corpus/generate.py" "${@:3}"',
            arguments = [ctx.file.site_packages.path, ctx.executable.python.path] + arguments + ["--release", ctx.attr.corpus],
            inputs = [ctx.file.lock, ctx.file.site_packages] + ctx.files.sources,
            tools = [ctx.executable.python],
            outputs = [out],
            mnemonic = "GenerateCase",
            progress_message = "Generating the files of %s under torch %s" % (ctx.attr.case, ctx.attr.corpus),
        )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

# One case's files as one corpus's torch writes them: a directory laid out
# like serialized/ (bazel-bin/bc/generated/<corpus>/<case>/), whatever its kind's parts.
_generated_case = rule(
    implementation = _generated_case_impl,
    attrs = {
        "case": attr.string(mandatory = True),
        "corpus": attr.string(mandatory = True),
        # A CPU variant (corpus/cpu_variants.bzl): a probe in bazel-bin/bc/cpu_variants/, never a corpus.
        "cpu_variant": attr.string(),
        "generator": attr.label(executable = True, cfg = "exec"),
        "lock": attr.label(allow_single_file = True, mandatory = True),
        "python": attr.label(executable = True, cfg = "exec", allow_files = True),
        "site_packages": attr.label(allow_single_file = True),
        "sources": attr.label(allow_files = True),
    },
)

def _generator(name, case, corpus, cpu_variant = ""):
    """generate_<case>[_<release>], or a CPU variant's probe of it: the case's files as the corpus's torch writes them."""
    if corpus == TODAY:
        _generated_case(
            name = name,
            case = case,
            corpus = TODAY,
            cpu_variant = cpu_variant,
            generator = ":generate",
            lock = "//:requirements_lock.txt",
            tags = ["manual"],
        )
        return
    release = [r for r in RELEASES if r["release"] == corpus][0]
    _generated_case(
        name = name,
        case = case,
        corpus = corpus,
        cpu_variant = cpu_variant,
        lock = "//third_party/releases:%s/requirements_lock.txt" % corpus,
        python = "@%s//:python3" % python_repository(release["python"]),
        site_packages = "@%s//:site-packages" % release_repository(corpus),
        sources = ":generator_sources",
        tags = ["manual"],
    )

def _generator_name(case, corpus):
    return "generate_" + case + ("" if corpus == TODAY else "_" + _identifier(corpus))

def _generators(case):
    for corpus, _ in _corpora_of(case):
        _generator(_generator_name(case["name"], corpus), case["name"], corpus)

def _bc_case(case):
    name = case["name"]
    json_file(
        name = name + "_entry",
        content = json.encode({
            "CASE": case,
            "GOLDEN_PREFIX": GOLDEN_PREFIX,
            "QENGINES": QENGINES,
        }),
        out = "case_entries/%s.json" % name,
        visibility = ["//tests:__pkg__"],
    )
    native.py_test(
        name = name,
        size = "small",
        srcs = ["case_test.py"],
        main = "case_test.py",
        data = [
            ":%s_entry" % name,
            "//serialized:" + name,
        ],
        env = _env_select(case),
        target_compatible_with = _compatible_select(case) + _avx512_vnni_select(case.get("avx512_vnni_sensitive", False)),
        deps = [":checking"] + _KIND_DEPS.get(case["kind"], []),
    )
    _generators(case)

def bc_cases(name, cases):
    """Each case's test and generators, and a test_suite <name> of every case's test.

    Args:
      name: the test_suite of every case's test.
      cases: CASES of bc/cases.bzl.
    """
    for case in cases:
        _bc_case(case)
    native.test_suite(
        name = name,
        tests = [":" + case["name"] for case in cases],
    )

def cpu_invariance(name, cases):
    """Probes of the CPU-sensitive cases of every corpus under each CPU variant, and two manual tests of them.

    Manual: the probes of past releases fetch their environments (several GB),
    which `bazel test //...` must not. <name>, which CI runs by name, holds
    every corpus but CI_LEFT_OUT's (bc/releases.bzl: environments CI never
    makes); cpu_invariance_every_corpus_test holds them all, for whoever
    changes one of those.

    Args:
      name: the py_test comparing each probe with the pinned generator's output.
      cases: CASES of bc/cases.bzl.
    """
    data = {}  # corpus -> its pinned generators and probes
    for case in [c for c in cases if c["name"] in CPU_SENSITIVE_CASES]:
        for corpus, _ in _corpora_of(case):
            pinned = _generator_name(case["name"], corpus)
            data.setdefault(corpus, []).append(":" + pinned)
            for variant in CPU_VARIANTS:
                # Not generate_*: a probe writes no corpus (regenerate builds generate_* targets only).
                probe = "cpu_probe_%s_%s" % (variant, pinned[len("generate_"):])
                _generator(probe, case["name"], corpus, cpu_variant = variant)
                data[corpus].append(":" + probe)
    for test, corpora in [
        (name, [corpus for corpus in data if corpus not in CI_LEFT_OUT]),
        ("cpu_invariance_every_corpus_test", list(data)),
    ]:
        native.py_test(
            name = test,
            size = "small",
            srcs = ["corpus/cpu_invariance_test.py"],
            main = "corpus/cpu_invariance_test.py",
            data = [probe for corpus in corpora for probe in data[corpus]] + ["corpus/cpu_variants.bzl"],
            env = {"BC_CORPORA": ",".join(corpora)},
            tags = ["manual"],
            deps = [
                ":pinning",
                ":ulps",
            ],
        )
