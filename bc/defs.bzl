"""Turns each entry of cases.bzl (and of releases.bzl) into its Bazel targets.
The data says what; these macros say how.

  golden_filegroups()  in //serialized: per case, a filegroup of its golden
                       files and manifest in every corpus that holds it, by
                       per-case globs, so a missing file reaches the test (and
                       its message) instead of failing the build.
  bc_cases()           in //bc: per case, the py_test with exactly those
                       files as data, and the manual genrules that generate
                       them: <case>_golden under today's torch,
                       <case>_golden_<release> under each past release's.

Only the fields the targets depend on are read here (name, kind, engines,
avx512_vnni_sensitive; release, python, left_out); the others are Python's
(bc/case_table.py, bc/corpora.py).
"""

load("@host_cpu//:defs.bzl", "HOST_HAS_AVX512_VNNI")
load("//third_party/releases:repositories.bzl", "python_repository", "release_repository")
load(":cases.bzl", "GOLDEN_PARTS", "GOLDEN_PREFIX", "QENGINES")
load(":releases.bzl", "RELEASES", "TODAY")

# No platform has these constraint values (//bc:BUILD.bazel), so a target that
# lists one is SKIPPED, and `bazel cquery` names the reason.
_SKIPPED_BY_QENGINE = ["//bc:skipped_by_qengine"]
_SKIPPED_ON_AVX512_VNNI = ["//bc:skipped_on_avx512_vnni"]
_SKIPPED_BY_CORPUS = ["//bc:skipped_by_corpus"]

def _golden_names(name, kind):
    return ["%s.%s.%s.pt" % (GOLDEN_PREFIX, name, part) for part in GOLDEN_PARTS[kind]]

def _identifier(corpus):
    return corpus.replace(".", "_")

def _corpora_of(case):
    """The corpora holding the case, today's first: (name, folder under serialized/)."""
    held = [(TODAY, "")]
    for release in RELEASES:
        if case["name"] not in release["left_out"]:
            held.append((release["release"], release["release"] + "/"))
    return held

def _case_files(case, folder):
    return [folder + f for f in _golden_names(case["name"], case["kind"])] + [
        folder + "manifest/%s.json" % case["name"],
        # Exists only while, or after an interrupted, `bazel run
        # //bc:regenerate` writes the case: the test must see it.
        folder + "manifest/%s.pending" % case["name"],
    ]

def golden_filegroups(name, cases):
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

def _release_generator(case, release):
    """<case>_golden_<release>: the case's files as that release's torch writes them.

    It runs under the release's interpreter and locked environment (third_party/releases/).
    """
    name, version = case["name"], release["release"]
    python = "@%s//:python3" % python_repository(release["python"])
    site_packages = "@%s//:site-packages" % release_repository(version)
    lock = "//third_party/releases:%s/requirements_lock.txt" % version
    out = "golden/" + version
    native.genrule(
        name = "%s_golden_%s" % (name, _identifier(version)),
        srcs = [
            lock,
            site_packages,
            ":generator_sources",
        ],
        outs = [out + "/" + f for f in _golden_names(name, case["kind"])] + [out + "/manifest/%s.json" % name],
        # Absolute paths, so that bc/reproducible.py can strip them from traced archives.
        cmd = ("PYTHONPATH=$$PWD:$$PWD/$(execpath {site}) $(execpath {python}) $$PWD/bc/generate.py " +
               "--case {case} --release {release} --out $(RULEDIR)/{out} --lock $(execpath {lock})").format(
            site = site_packages,
            python = python,
            case = name,
            release = version,
            out = out,
            lock = lock,
        ),
        message = "Generating golden files of %s under torch %s" % (name, version),
        tags = ["manual"],
        tools = [python],
    )

def _bc_case(case):
    name = case["name"]
    native.py_test(
        name = name,
        size = "small",
        srcs = ["case_test.py"],
        main = "case_test.py",
        data = ["//serialized:" + name],
        env = _env_select(case),
        target_compatible_with = _compatible_select(case) + _avx512_vnni_select(case.get("avx512_vnni_sensitive", False)),
        deps = [":harness"],
    )
    native.genrule(
        name = name + "_golden",
        srcs = ["//:requirements_lock.txt"],
        outs = ["golden/" + f for f in _golden_names(name, case["kind"])] + ["golden/manifest/%s.json" % name],
        cmd = "$(execpath :generate) --case %s --out $(RULEDIR)/golden --lock $(execpath //:requirements_lock.txt)" % name,
        message = "Generating golden files of " + name,
        tags = ["manual"],
        tools = [":generate"],
    )
    for release in RELEASES:
        if name not in release["left_out"]:
            _release_generator(case, release)

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
