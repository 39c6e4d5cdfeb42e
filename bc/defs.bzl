"""Turns each entry of cases.bzl into its Bazel targets. The data says what;
these macros say how.

  golden_filegroups()  in //serialized: per case, a filegroup of its golden
                       files and manifest, by a per-case glob, so a missing
                       file reaches the test (and its message) instead of
                       failing the build.
  bc_cases()           in //bc: per case, the py_test with exactly those
                       files as data, and the manual genrule that generates
                       them.

Only the fields the targets depend on are read here (name, kind, engines,
avx512_vnni_sensitive); the others are Python's (bc/case_table.py).
"""

load("@host_cpu//:defs.bzl", "HOST_HAS_AVX512_VNNI")
load(":cases.bzl", "GOLDEN_PARTS", "GOLDEN_PREFIX", "QENGINES")

# No platform has these constraint values (//bc:BUILD.bazel), so a target that
# lists one is SKIPPED, and `bazel cquery` names the reason.
_SKIPPED_BY_QENGINE = ["//bc:skipped_by_qengine"]
_SKIPPED_ON_AVX512_VNNI = ["//bc:skipped_on_avx512_vnni"]

def _golden_names(name, kind):
    return ["%s.%s.%s.pt" % (GOLDEN_PREFIX, name, part) for part in GOLDEN_PARTS[kind]]

def golden_filegroups(name, cases):
    """//serialized:<case> for each case, and //serialized:<name> holding them all.

    Args:
      name: the filegroup of every case's files.
      cases: CASES of bc/cases.bzl.
    """
    for case in cases:
        native.filegroup(
            name = case["name"],
            srcs = native.glob(
                _golden_names(case["name"], case["kind"]) + [
                    "manifest/%s.json" % case["name"],
                    # Exists only while, or after an interrupted, `bazel run
                    # //bc:regenerate` writes the case: the test must see it.
                    "manifest/%s.pending" % case["name"],
                ],
                allow_empty = True,
            ),
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

def _qengine_selects(name, engines):
    env, compatible = {}, {}
    for qengine in ["all"] + QENGINES:
        chosen = _engines_under(engines, qengine)
        setting = "//bc:qengine_" + qengine
        env[setting] = {
            "BC_CASE": name,
            "BC_ENGINES": ",".join(chosen or []),
        }
        compatible[setting] = _SKIPPED_BY_QENGINE if chosen == None else []
    return select(env), select(compatible)

def _avx512_vnni_select(sensitive):
    if not sensitive:
        return []
    return select({
        "//bc:avx512_vnni_auto": _SKIPPED_ON_AVX512_VNNI if HOST_HAS_AVX512_VNNI else [],
        "//bc:avx512_vnni_false": [],
        "//bc:avx512_vnni_true": _SKIPPED_ON_AVX512_VNNI,
    })

def _bc_case(case):
    name = case["name"]
    env, compatible = _qengine_selects(name, case["engines"])
    native.py_test(
        name = name,
        size = "small",
        srcs = ["case_test.py"],
        main = "case_test.py",
        data = ["//serialized:" + name],
        env = env,
        target_compatible_with = compatible + _avx512_vnni_select(case.get("avx512_vnni_sensitive", False)),
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

def bc_cases(name, cases):
    """Each case's test and generator; a test_suite <name>; <name>_generated.

    Args:
      name: the test_suite of every case's test. <name>_generated is the
        (manual) filegroup of every generator's outputs.
      cases: CASES of bc/cases.bzl.
    """
    for case in cases:
        _bc_case(case)
    native.test_suite(
        name = name,
        tests = [":" + case["name"] for case in cases],
    )
    native.filegroup(
        name = name + "_generated",
        srcs = [":%s_golden" % case["name"] for case in cases],
        tags = ["manual"],
    )
