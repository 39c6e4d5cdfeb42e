"""@pypi_wheel: the `wheel` torch build (bc/releases.bzl, TORCH_BUILDS), the torch wheel $QUANT_BC_TORCH_WHEEL names.

wheel.py checks the wheel and writes a lock: the first of `locks` whose pins meet the wheel's requirements,
with torch pinned to the wheel's version and sha256. install_lock() installs it as @pypi's lock is installed,
pip finding the wheel in a folder that holds only a link to it. It installs only when --config=wheel chose it
(chosen.bzl), and Bazel fetches it again when the variable changes.

Bazel does not fetch it again when the file at an unchanged path changes (a rebuild into the same dist/).
So :site_packages, which every hub target is, depends on the `wheel_unchanged` action, which hashes the wheel
through that link and fails, naming the remedy, when it is no longer the wheel installed: Bazel checks the
file behind the link on every build, and hashes it again when its size, modification time or inode changed.
"""

load("//third_party/pypi:pypi.bzl", "PYPI_ATTRS", "PYPI_ENVIRON", "install_lock", "pinned_python", "workspace_pythonpath")
load(":chosen.bzl", "BUILD_VARIABLE", "chosen", "stand_in")
load(":defs.bzl", "DISTRIBUTIONS")

WHEEL_VARIABLE = "QUANT_BC_TORCH_WHEEL"

# What install.py's BUILD.bazel gives :site_packages as data; the wheel's record and guard join it.
_SITE_PACKAGES_DATA = '        "environment.txt",\n'

def _torch_wheel_repository_impl(rctx):
    if not chosen(rctx, rctx.attr.build):
        stand_in(rctx, rctx.attr.build, DISTRIBUTIONS)
        return
    interpreter = pinned_python(rctx)
    path = rctx.os.environ.get(WHEEL_VARIABLE, "")
    args = [interpreter, rctx.path(rctx.attr._wheel), "--variable", WHEEL_VARIABLE, "--wheel", path, "--repo", rctx.path(".")]
    for lock in rctx.attr.locks:
        args.extend(["--lock", "%s=%s" % (lock, rctx.path(lock))])
    rctx.report_progress("checking %s=%s" % (WHEEL_VARIABLE, path))
    checked = rctx.execute(args, environment = workspace_pythonpath(rctx))
    if checked.return_code != 0:
        fail("@%s: %s" % (rctx.name, checked.stderr.strip()))
    record = json.decode(rctx.read("torch_wheel.json"))

    # A folder with the wheel alone, under its own name: pip's find-links (before those of the environment,
    # which PIP_FIND_LINKS replaces), and the guard's input.
    link = "wheel/" + record["file"]
    rctx.symlink(path, link)
    find_links = "%s %s" % (rctx.path("wheel"), rctx.os.environ.get("PIP_FIND_LINKS", ""))
    install_lock(rctx, interpreter, rctx.path("requirements_lock.txt"), {"PIP_FIND_LINKS": find_links.strip()})

    build = rctx.read("BUILD.bazel")
    if build.count(_SITE_PACKAGES_DATA) != 1:
        fail("@%s: install.py's BUILD.bazel no longer lists %s once; third_party/builds/wheel.bzl adds its files beside it" %
             (rctx.name, _SITE_PACKAGES_DATA.strip()))

    # The message is a file, not shell text: the path is the user's, and may hold $, quotes or backticks.
    rctx.file("wheel_changed.txt", ("@{name}: the wheel at {path} changed since @{name} installed it (installed sha256 " +
                                    "{sha256}). Remedy: bazel sync --only={name} --config=wheel, with {variable} set, then run the " +
                                    "command again.\n").format(
        name = rctx.name,
        path = path,
        sha256 = record["sha256"],
        variable = WHEEL_VARIABLE,
    ))
    rctx.file("BUILD.bazel", build.replace(
        _SITE_PACKAGES_DATA,
        _SITE_PACKAGES_DATA + '        "torch_wheel.json",\n        ":wheel_unchanged",\n',
    ) + """
# The installed wheel is still the one at {variable}'s path (third_party/builds/wheel.bzl). Unsandboxed: the
# sandbox's private /tmp would hide a wheel under /tmp.
genrule(
    name = "wheel_unchanged",
    srcs = [
        {link},
        "wheel_changed.txt",
    ],
    outs = ["wheel_unchanged.txt"],
    cmd = {cmd},
    tags = ["no-sandbox"],
)
""".format(
        variable = WHEEL_VARIABLE,
        link = repr(link),
        cmd = repr(('now=$$(sha256sum "$(location %s)" | cut -d" " -f1); if [ "$$now" != %s ]; then ' +
                    'cat $(location wheel_changed.txt) >&2; echo "Its sha256 now: $$now" >&2; exit 1; fi; echo "$$now" > $@') % (
            link,
            record["sha256"],
        )),
    ))

torch_wheel_repository = repository_rule(
    implementation = _torch_wheel_repository_impl,
    environ = [WHEEL_VARIABLE, BUILD_VARIABLE] + PYPI_ENVIRON,
    attrs = dict(
        PYPI_ATTRS,
        build = attr.string(mandatory = True, doc = "the build's name in bc/releases.bzl's TORCH_BUILDS"),
        locks = attr.label_list(mandatory = True, allow_files = True, doc = "the locks whose pins the wheel may take, in order"),
        _wheel = attr.label(default = "//third_party/builds:wheel.py", allow_single_file = True),
    ),
)
