"""The sandbox every grading kernel runs in: bubblewrap plus resource limits.

With bubblewrap (``bwrap``, Debian package ``bubblewrap``) a kernel sees a fresh root file system holding only
the system directories, the Python installation and the rnnlab package (all read-only; the student's kernel
sees a copy in which the library's answers are withheld, see withhold.py), its own working copy
(read-write), its runtime folder (connection file and sockets) and private tmpfs for /tmp, HOME and /dev/shm,
each capped at TMPFS_BYTES. It has no
network (``--unshare-net``: the kernel talks to the grader over Unix sockets), its own PID, IPC and UTS
namespaces, and dies with the grader. solutions/, the gradebook, the other submissions and the instructor's
home do not exist inside it.

When the grader runs as root, every kernel also switches to its own unprivileged uid (one per worker slot, and slots
are reserved machine-wide so that concurrent batches never share one), so
RLIMIT_NPROC really limits it (root is exempt) and one student's fork bomb cannot starve another's kernel.
Limits (``resource``): address space, CPU seconds, processes, file size and no core files.

Without a usable bwrap the kernels run unconfined except for the resource limits; ``probe`` returns the reason
and the grader says so once at the start of a batch.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import rnnlab

BWRAP_ENV = "RNNLAB_BWRAP"  # path or name of the bwrap binary (tests point it at a missing file)
BASE_UID = 61000
MAX_SLOTS = 256  # worker slots on one machine, over all concurrent batches (uids BASE_UID .. BASE_UID + 511)
TMPFS_BYTES = 256 * 2**20  # /tmp and /dev/shm in the sandbox: tmpfs pages do not count against RLIMIT_AS


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 2 * 2**30
    cpu_seconds: int = 600
    processes: int = 128
    file_bytes: int = 64 * 2**20


def bwrap_path() -> str | None:
    return shutil.which(os.environ.get(BWRAP_ENV, "bwrap"))


def probe() -> str | None:
    """None if bubblewrap can run a sandboxed process here, else the reason it cannot."""
    path = bwrap_path()
    if path is None:
        return f"bubblewrap (`{os.environ.get(BWRAP_ENV, 'bwrap')}`) is not installed"
    cmd = [path, *_bwrap_args(Path("/"), [], [], Path("/"), None), sys.executable, "-c", "import numpy"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except OSError as err:
        return f"bubblewrap at {path} cannot be started: {err}"
    if proc.returncode != 0:
        return f"bubblewrap at {path} cannot create a sandbox here: {proc.stderr.strip()[-300:]}"
    return None


@contextlib.contextmanager
def reserved_slots(n: int):
    """Reserve ``n`` worker slots that no other grading batch on this machine holds, for as long as the block runs.

    Each slot has its own sandbox uids, so two batches at once (two assignments, two instructors) never share a
    uid, and one batch's fork bomb cannot fill another's process limit. Yields the slot numbers.
    """
    held = []
    try:
        for slot in range(MAX_SLOTS):
            if len(held) == n:
                break
            lock = open(Path(tempfile.gettempdir()) / f"rnnlab-grading-slot-{slot}.lock", "a")  # noqa: SIM115
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                lock.close()
                continue
            held.append((slot, lock))
        if len(held) < n:
            raise RuntimeError(f"only {len(held)} of {n} grading slots are free: other batches hold the rest")
        yield [slot for slot, _ in held]
    finally:
        for _, lock in held:
            lock.close()


def uid_for(slot: int, role: int) -> int | None:
    """The unprivileged uid of a worker slot's student (role 0) or judge (role 1) kernel; None unless root."""
    return BASE_UID + 2 * slot + role if os.geteuid() == 0 else None


def gid_for(slot: int) -> int | None:
    return BASE_UID + 2 * slot if os.geteuid() == 0 else None


def _system_binds() -> list[str]:
    args = []
    for path in ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc"]:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


def _bind(option: str, path: Path) -> list[str]:
    """``option path path``, after creating its parent folders traversable (bwrap would make them 0700)."""
    args = []
    for parent in reversed(path.parents):
        if parent != Path("/") and parent != Path("/tmp"):
            args += ["--perms", "0755", "--dir", str(parent)]
    return [*args, option, str(path), str(path)]


def _bwrap_args(workdir: Path, rw: list[Path], ro: list[Path], chdir: Path, uid_gid, library=None) -> list[str]:
    args = [
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session",
        *_system_binds(), "--proc", "/proc", "--dev", "/dev", "--size", str(TMPFS_BYTES), "--tmpfs", "/dev/shm",
        "--perms", "1777", "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp",
        "--perms", "0777", "--dir", "/tmp/home", "--setenv", "HOME", "/tmp/home",
    ]
    python = {Path(sys.base_prefix).resolve(), Path(sys.prefix), Path(rnnlab.__file__).resolve().parent}
    for path in sorted(python) + list(ro):
        args += _bind("--ro-bind", path)
    if library is not None:  # the rnnlab copy whose library answers are withheld (withhold.py) hides the real one
        args += ["--ro-bind", str(library), str(Path(rnnlab.__file__).resolve().parent)]
    for path in rw:
        args += _bind("--bind", path)
    args += ["--chdir", str(chdir), "--"]
    if uid_gid is not None:
        uid, gid = uid_gid
        args += ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", "--no-new-privs"]
    return args


def command(argv: list[str], workdir: Path, rw: list[Path], ro: list[Path], uid_gid, sandboxed: bool,
            library: Path | None = None) -> list[str]:
    """The command line that runs ``argv`` in ``workdir``, in bwrap when ``sandboxed``; ``library``: a copy of
    the rnnlab package that takes the real one's place."""
    if not sandboxed:
        return argv
    return [bwrap_path(), *_bwrap_args(workdir, rw, ro, workdir, uid_gid, library), *argv]


def kernel_env(home: Path, sandboxed: bool, library: Path | None = None) -> dict[str, str]:
    """A minimal environment for a grading kernel (no instructor variables leak in); without the sandbox,
    ``library`` (a copy of the rnnlab package) comes first on the import path."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp/home" if sandboxed else str(home),
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "NBGRADER_EXECUTION": "autograde",  # what nbgrader sets too; the explorers then skip their live widgets
    }
    if library is not None and not sandboxed:
        env["PYTHONPATH"] = str(library.parent)
    return env


def preexec(limits: Limits):
    """A preexec_fn applying ``limits`` in the child before it execs the sandbox."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        die_with_parent()

    return apply


def die_with_parent() -> None:
    """In a child process before exec: be killed when the process that started it dies (a grading worker lost
    mid-task leaves no runner or kernel behind)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def process_limit(uid_gid) -> int:
    """RLIMIT_NPROC for a kernel: a fixed budget for its own uid, else on top of this user's processes."""
    if uid_gid is not None:
        return Limits.processes
    own = sum(1 for p in Path("/proc").iterdir() if p.name.isdigit() and _owner(p) == os.getuid())
    return own + 4 * Limits.processes


def _owner(path: Path) -> int | None:
    try:
        return path.stat().st_uid
    except OSError:
        return None


def chown_tree(root: Path, uid: int | None, gid: int | None) -> None:
    """Give ``root`` and everything under it to uid:gid (no-op when not root)."""
    if uid is None:
        return
    for dirpath, dirnames, filenames in os.walk(root):
        os.chown(dirpath, uid, gid)
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)
