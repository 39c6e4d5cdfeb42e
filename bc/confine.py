"""Where quant-bc loads a file it did not write: a forked child with no network, a private /tmp and /dev/shm,
nothing writable but what its caller names, and caps on memory and CPU time (issue 37).

Every check of a case's files (bc/harness.py: case tests, model targets,
bisect probes) and every `<target>.update` observation runs through call().
The checks before it (bc/golden_io.py, bc/pt2_archive.py) refuse what they can
see; this is what stands behind them, because a check will always have a gap.

The child is a fork of the caller, with torch already imported, so a load
costs no second interpreter. In it, before the function runs:
  * torch on one thread (_one_thread);
  * new user, network and mount namespaces: only a loopback of its own;
  * /tmp, /dev/shm and /run bounded, empty tmpfs of its own; the paths it
    reads or writes that lie under them are shown again there (reached
    through descriptors opened before);
  * every mount read-only but the paths it may write;
  * a seccomp filter that refuses Unix sockets (a socket at a path is not
    cut off by the network namespace);
  * RLIMIT_DATA (what it may allocate: heap and private mappings, not the
    libraries it maps) its current use plus MEMORY_CAP and 8 bytes for every byte of
    the files it reads; RLIMIT_CPU CPU_SECONDS; no core files.
An allocation past the cap fails inside torch ("can't allocate memory"), which
the check reports as the loader's problem with the cap named (explain()); a
child past its CPU time is killed by the kernel and the caller raises Stopped,
naming the files and the cap. Where the kernel gives no user namespaces the
caps still apply; a file that holds code (a torch.package) is then refused
(Unconfinable), and anything else runs with a note (QUANT_BC_CONFINE=require
refuses everything instead).

QUANT_BC_MEMORY_CAP (bytes) and QUANT_BC_CPU_SECONDS raise the caps for a model
that needs more (a test takes them through --test_env).
"""

import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import sys
import time
import traceback

MEMORY_CAP = int(os.environ.get("QUANT_BC_MEMORY_CAP", 1 << 30))
CPU_SECONDS = int(os.environ.get("QUANT_BC_CPU_SECONDS", 120))
_PER_FILE_BYTE = 8
# A child stopped on the CPU cap is killed by the kernel; one that waits instead (on a lock, a pipe) is killed
# when this much wall time has passed beyond its CPU cap.
_WALL_MARGIN = 60
_ANSWER_BYTES = 256 << 20  # what the caller reads of a child's answer at most

_CLONE_NEWNS, _CLONE_NEWUSER, _CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_NOATIME, _MS_NODIRATIME, _MS_BIND = 32, 1024, 2048, 4096
_MS_REC, _MS_PRIVATE, _MS_RELATIME, _MS_STRICTATIME = 16384, 1 << 18, 1 << 21, 1 << 24
# Options a mount in a user namespace keeps (the kernel refuses a remount that drops them).
_LOCKED = {"nosuid": _MS_NOSUID, "nodev": _MS_NODEV, "noexec": _MS_NOEXEC, "noatime": _MS_NOATIME,
           "nodiratime": _MS_NODIRATIME, "relatime": _MS_RELATIME, "strictatime": _MS_STRICTATIME}
# Kernel views whose files no process here can write through the user namespace anyway; some refuse a remount.
_PSEUDO = frozenset(["proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "securityfs", "debugfs", "tracefs",
                     "bpf", "pstore", "configfs", "fusectl", "hugetlbfs", "binfmt_misc", "autofs", "efivarfs",
                     "nsfs", "rpc_pipefs"])
# Private, empty, bounded: /tmp and /dev/shm for what a load writes; /run (and /var/run) so that no socket of the
# host's services is reachable by path (the session bus starts commands). Sockets elsewhere are refused below.
_PRIVATE = {"/tmp": "size=512m", "/dev/shm": "size=64m", "/run": "size=1m", "/var/run": "size=1m"}
# A seccomp filter refuses socket(AF_UNIX) with EACCES: a socket bound at a path (an agent, a container daemon)
# is not cut off by a network namespace or a read-only mount. x86_64 only; elsewhere no filter is installed.
_AUDIT_ARCH_X86_64, _SYS_SOCKET, _AF_UNIX = 0xC000003E, 41, 1
_SECCOMP_RET_ALLOW, _SECCOMP_RET_ERRNO, _EACCES = 0x7FFF0000, 0x00050000, 13


class Stopped(Exception):
    """A load that gave no answer: stopped at a cap, ended without one, or never started (Unconfinable); names the
    files and why."""


class Unconfinable(Stopped):
    """Confinement was required and the kernel cannot give it: names why and the remedy."""


class ChildError(Exception):
    """What the function raised in the child, other than the kinds passed back as themselves: its traceback."""


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    return libc


def _check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, "%s: %s" % (what, os.strerror(error)))


def _mount(libc, source, target, fstype, flags, data=None):
    encode = lambda text: None if text is None else os.fsencode(text)  # noqa: E731
    _check(libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)), "mount %s" % target)


def _unescape(field):
    """A mountinfo path: space, tab, newline and backslash are written as octal escapes."""
    return field.encode().decode("unicode_escape").encode("latin-1").decode(errors="surrogateescape")


def _mounts():
    """(mount point, filesystem type, the options a remount must keep) of every mount, outermost first."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            separator = fields.index("-")
            options = fields[5].split(",")
            found.append((_unescape(fields[4]), fields[separator + 1],
                          sum(flag for option, flag in _LOCKED.items() if option in options)))
    return found


def _under(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _enter_namespaces(libc):
    uid, gid = os.getuid(), os.getgid()
    _check(libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWNET), "unshare")
    for name, text in (("setgroups", "deny"), ("uid_map", "%d %d 1" % (uid, uid)), ("gid_map", "%d %d 1" % (gid, gid))):
        with open("/proc/self/" + name, "w") as f:
            f.write(text)


def _confine_files(libc, reads, writes):
    """Private /tmp and /dev/shm, the reads and writes under them shown again, everything read-only but writes."""
    _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE)
    original = _mounts()
    kept = {}
    for path in sorted(set(reads) | set(writes)):
        if any(_under(path, private) for private in _PRIVATE) and os.path.exists(path):
            kept[path] = os.open(path, os.O_PATH)
    for private, size in sorted(_PRIVATE.items()):
        if os.path.isdir(private) and not os.path.islink(private):
            _mount(libc, "tmpfs", private, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=1777," + size)
    for path, descriptor in sorted(kept.items()):
        if os.path.isdir("/proc/self/fd/%d" % descriptor):
            os.makedirs(path, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "a").close()
        _mount(libc, "/proc/self/fd/%d" % descriptor, path, None, _MS_BIND | _MS_REC)
        os.close(descriptor)
    for path in writes:
        if path not in kept:
            _mount(libc, path, path, None, _MS_BIND | _MS_REC)
    failed = []
    for point, fstype, locked in original:
        if any(_under(point, private) for private in _PRIVATE) or any(_under(point, path) for path in writes):
            continue  # the private tmpfs, or under what it may write (read-only again below, where shown)
        try:
            _mount(libc, None, point, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | locked)
        except OSError as error:
            if fstype not in _PSEUDO and os.path.exists(point):
                failed.append("%s (%s)" % (point, error.strerror))
    for path in kept:
        if path not in writes:
            _mount(libc, None, path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    if failed:
        raise OSError("cannot make read-only: %s" % ", ".join(failed))


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _refuse_unix_sockets(libc):
    load, jump, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    code = [
        (load, 0, 0, 4),  # seccomp_data.arch
        (jump, 0, 5, _AUDIT_ARCH_X86_64),
        (load, 0, 0, 0),  # seccomp_data.nr
        (jump, 0, 3, _SYS_SOCKET),
        (load, 0, 0, 16),  # seccomp_data.args[0], the family
        (jump, 0, 1, _AF_UNIX),
        (ret, 0, 0, _SECCOMP_RET_ERRNO | _EACCES),
        (ret, 0, 0, _SECCOMP_RET_ALLOW),
    ]
    filters = (_Filter * len(code))(*[_Filter(*instruction) for instruction in code])
    program = _Program(len(code), filters)
    _check(libc.prctl(38, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    _check(libc.prctl(22, 2, ctypes.byref(program), 0, 0), "prctl(PR_SET_SECCOMP)")


def _data_in_use():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def memory_cap(reads):
    """Bytes the child may allocate beyond what it has at the fork."""
    return MEMORY_CAP + _PER_FILE_BYTE * sum(os.path.getsize(path) for path in reads if os.path.isfile(path))


def _cap(memory, cpu_seconds):
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    limit = _data_in_use() + memory
    hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
    resource.setrlimit(resource.RLIMIT_DATA, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


_problem = None
_noted = []


def problem():
    """Why no namespaces can be made here, or None; found once, in a throwaway child."""
    global _problem
    if _problem is None:
        pid = os.fork()
        if pid == 0:
            try:
                libc = _libc()
                _enter_namespaces(libc)
                _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE)
                os._exit(0)
            except OSError as error:
                os._exit(10 + min(error.errno or 0, 200))
            except BaseException:  # noqa: BLE001 - nothing of the caller's code runs on in the child
                os._exit(9)
        status = os.waitpid(pid, 0)[1]
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        _problem = "" if code == 0 else "user and mount namespaces: %s" % (
            os.strerror(code - 10) if code and code >= 10 else "the probe ended with status %d" % status)
    return _problem or None


def explain(error):
    """The cap an error from a confined load was stopped by, as words to add to its message, or ''."""
    text = str(error)
    if _active is not None and (isinstance(error, MemoryError) or "can't allocate memory" in text
                                or "Cannot allocate memory" in text):
        return ("; stopped by quant-bc's memory cap for a load of a file it did not write (%s bytes beyond what the "
                "process held; QUANT_BC_MEMORY_CAP raises it)" % format(_active, ","))
    return ""


_active = None  # in a confined child: the memory cap it runs under


def _encode(error):
    if isinstance(error, tuple(_PASSED_BACK)):
        return {"error": type(error).__name__, "message": str(error)}
    return {"error": ChildError.__name__, "message": "".join(traceback.format_exception(type(error), error, error.__traceback__))}


# Exceptions raised in the child and raised again, as the same class with the same message, in the caller.
_PASSED_BACK = [Stopped, Unconfinable]


def passes_back(cls):
    """Registers an exception class (constructed from its message alone) to be raised again in the caller."""
    _PASSED_BACK.append(cls)
    return cls


def call(function, reads, writes=(), what=None, holds_code=False, cpu_seconds=None):
    """function() in a confined child; returns what it returns (JSON data only).

    reads: the files and folders it loads (shown under a private /tmp where they lie in /tmp; their sizes raise the
    memory cap). writes: the folders it may write. what: the files named in a Stopped. holds_code: the files are
    code by design (a torch.package), which never runs unconfined.
    """
    what = what or ", ".join(reads)
    # What it may still import: the caller's path, wherever it lies (a bisect probe's environment is under /tmp).
    reads = [os.path.realpath(path) for path in list(reads) + [entry for entry in sys.path if entry]]
    writes = [os.path.realpath(path) for path in writes]
    unconfinable = problem()
    if unconfinable and (holds_code or os.environ.get("QUANT_BC_CONFINE") == "require"):
        raise Unconfinable(
            "%s would be loaded without confinement (%s), and %s. Remedy: allow unprivileged user namespaces "
            "(sysctl user.max_user_namespaces=10000; on Debian also kernel.unprivileged_userns_clone=1)"
            % (what, unconfinable,
               "it holds code that loading runs" if holds_code else "QUANT_BC_CONFINE=require"))
    if unconfinable and not _noted:
        _noted.append(unconfinable)
        print("note: files are loaded without namespaces here (%s); the caps still apply" % unconfinable, file=sys.stderr)
    memory, cpu = memory_cap(reads), cpu_seconds or CPU_SECONDS
    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.setpgid(0, 0)  # a group of its own, killed whole with whatever it starts
            os.close(read_end)
            _one_thread()
            _child(function, reads, writes, memory, cpu, unconfinable, write_end)
        finally:
            os._exit(70)  # nothing of the caller's code runs on in the child
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)  # as the child does: whichever runs first, the group exists before a kill
    os.close(write_end)
    return _answer(pid, read_end, what, memory, cpu)


def _one_thread():
    """torch on one thread in the child: a forked child cannot use an OpenMP pool its parent started (GNU
    libgomp's hangs: measured here, as PyTorch's DataLoader workers know), and one thread makes a check's
    arithmetic the same on a machine of any number of cores."""
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def _child(function, reads, writes, memory, cpu, unconfinable, write_end):
    global _active
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            if not unconfinable:
                libc = _libc()
                _enter_namespaces(libc)
                _confine_files(libc, reads, writes)
                _refuse_unix_sockets(libc)
            _cap(memory, cpu)
            # torch.fx writes every node's metadata into the source it runs when this is "1"
            # (torch/fx/graph.py): a program's metadata is data only without it.
            os.environ.pop("FX_GRAPH_SHOW_META", None)
        except OSError as error:
            raise Unconfinable("cannot confine the load of %s: %s" % (", ".join(reads[:3]), error)) from None
        _active = memory
        answer = {"result": function()}
    except BaseException as error:  # noqa: BLE001 - everything goes back to the caller, nothing escapes the fork
        answer = _encode(error)
    try:
        data = json.dumps(answer).encode()
    except (TypeError, ValueError) as error:
        data = json.dumps(_encode(error)).encode()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view):]
    finally:
        os._exit(0)


def _answer(pid, read_end, what, memory, cpu):
    chunks, size, deadline, answered = [], 0, time.monotonic() + cpu + _WALL_MARGIN, False
    try:
        while size <= _ANSWER_BYTES:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read_end], [], [], left)[0]:
                break
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                answered = True
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(read_end)
        if not answered:  # past its deadline, an answer too large, or the caller interrupted
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        _, status, usage = os.wait4(pid, 0)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)  # what it started, if anything outlived it
    if size > _ANSWER_BYTES:
        raise Stopped("%s: its answer exceeds %s bytes" % (what, format(_ANSWER_BYTES, ",")))
    if os.WIFSIGNALED(status):
        sent = os.WTERMSIG(status)
        if sent == signal.SIGXCPU or usage.ru_utime + usage.ru_stime >= cpu:
            cap = "stopped at quant-bc's CPU-time cap of %d s (QUANT_BC_CPU_SECONDS raises it)" % cpu
        elif time.monotonic() >= deadline:
            cap = "killed after %d s without an answer (its CPU-time cap of %d s plus %d s)" % (cpu + _WALL_MARGIN, cpu, _WALL_MARGIN)
        else:
            cap = "killed by %s (its memory cap: %s bytes beyond what it held at the start)" % (
                signal.Signals(sent).name, format(memory, ","))
        raise Stopped("%s: %s" % (what, cap))
    try:
        answer = json.loads(b"".join(chunks))
    except ValueError:
        raise Stopped("%s: the confined load ended (status %d) without an answer" % (what, status)) from None
    if "result" in answer:
        return answer["result"]
    for cls in _PASSED_BACK:
        if cls.__name__ == answer["error"]:
            raise cls(answer["message"])
    raise ChildError(answer["message"])
