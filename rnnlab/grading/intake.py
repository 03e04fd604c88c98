"""Taking in a submission folder as hostile input: only regular files are read, links are never followed.

A submission is whatever a student (or a broken upload) left in ``submitted/STUDENT/ASSIGNMENT``: it may hold
symbolic links to the solutions or to another student's notebook, hard links, FIFOs that block a reader forever,
devices, names that are not valid UTF-8 and files of any size or encoding. ``take_in`` walks the folder without
following links and opens each file with O_NOFOLLOW, so the grader (which runs as the instructor) reads only bytes
the student actually submitted. Anything that is not a plain file or folder makes the submission ungradable with a
reason the student can act on; it never stops the batch.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILES = 1000
MAX_BYTES = 64 * 2**20  # all files of one submission together


@dataclass
class Submission:
    """What was found in a submission folder: its regular files (relative path -> bytes) or the reason it is refused."""

    files: dict[str, bytes] = field(default_factory=dict)
    problem: str | None = None

    def digest(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(os.fsencode(name) + b"\0" + hashlib.sha256(self.files[name]).digest())
        h.update((self.problem or "").encode("utf-8", "backslashreplace"))
        return h.hexdigest()

    def write(self, dest: Path) -> None:
        """Write the files into the new folder ``dest`` (for the sandboxed kernel's working copy)."""
        dest.mkdir(parents=True)
        for name, data in self.files.items():
            path = dest / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def shown(name: str) -> str:
    """A file name as text, whatever its bytes (undecodable bytes appear as \\xNN)."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def take_in(folder: Path) -> Submission:
    """Read every regular file under ``folder`` without following links; refuse anything else with a reason."""
    found = Submission()
    total = 0
    try:
        top = os.lstat(folder)
    except OSError as err:
        return Submission(problem=f"the submission folder cannot be read ({err.strerror})")
    if not stat.S_ISDIR(top.st_mode):
        return Submission(problem="the submission is not a folder (a link or a file where the folder should be)")
    if os.path.realpath(folder) != os.path.abspath(folder):
        return Submission(problem="the submission folder is reached through a symbolic link")
    stack = [("", folder)]
    while stack:
        prefix, path = stack.pop()
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError as err:
            return Submission(problem=f"the folder {shown(prefix) or '.'} cannot be read ({err.strerror})")
        for entry in entries:
            name = f"{prefix}{entry.name}"
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                stack.append((f"{name}/", Path(entry.path)))
                continue
            kind = _kind(info.st_mode)
            if kind:
                return Submission(problem=f"{shown(name)} is {kind}, not a file: submit the files themselves")
            if info.st_nlink > 1:
                return Submission(problem=f"{shown(name)} is a hard link to another file: submit a copy of the file")
            total += info.st_size
            if len(found.files) >= MAX_FILES or total > MAX_BYTES:
                return Submission(problem=f"the submission is too large (more than {MAX_FILES} files or "
                                          f"{MAX_BYTES // 2**20} MB)")
            data = _read_no_follow(entry.path)
            if data is None:
                return Submission(problem=f"{shown(name)} changed or vanished while it was read")
            found.files[name] = data
    return found


def _kind(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _read_no_follow(path: str) -> bytes | None:
    """The bytes of the regular file at ``path``; None if it is no longer one (a race with the student's upload)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks = []
        while chunk := os.read(fd, 2**20):
            chunks.append(chunk)
            if sum(map(len, chunks)) > MAX_BYTES:
                return None
        return b"".join(chunks)
    finally:
        os.close(fd)
