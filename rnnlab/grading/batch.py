"""The batch grader: collect submissions, grade them in parallel workers, record the grades with nbgrader.

Each submission is graded by its own worker process (runner.py) in its own scratch copy, so one student's
failure never touches another's. Only this (parent) process writes: the autograded notebook, the gradebook
(nbgrader's Gradebook API and its SaveAutoGrades preprocessor, one submission at a time) and a small state file
per submission in ``.rnnlab-grading/ASSIGNMENT/STUDENT.json`` holding the fingerprint of what was graded and
the score and reason of every test. A submission whose fingerprint (its files, the source and release
notebooks, the grader's settings) is unchanged is not graded again unless ``force``; a batch stopped halfway
keeps every submission recorded so far. Feedback and CSV export are nbgrader's own commands.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveAutoGrades
from nbgrader.utils import parse_utc
from sqlalchemy.exc import SAWarning
from traitlets.config.loader import PyFileConfigLoader

from rnnlab.grading import sandbox

GRADER_VERSION = "1"
STATE_DIR = ".rnnlab-grading"
GRADER_ATTEMPTS = 3  # tries per submission when the grader itself fails
NO_SANDBOX = (
    "WARNING: {reason}. Grading runs WITHOUT the sandbox: student code can read and write your files and use "
    "the network (only resource limits and timeouts apply). Install it with `apt-get install bubblewrap`."
)


@dataclass(frozen=True)
class Course:
    root: Path
    source: str
    release: str
    db_url: str

    @classmethod
    def load(cls, root: Path) -> Course:
        root = root.resolve()
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        coursedir = config.get("CourseDirectory", {})
        db_url = coursedir.get("db_url", "sqlite:///gradebook.db")
        if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:////"):
            db_url = f"sqlite:///{root / db_url[len('sqlite:///'):]}"
        return cls(root, coursedir.get("source_directory", "source"), coursedir.get("release_directory", "release"),
                   db_url)

    def notebook(self, folder: str, assignment: str) -> Path:
        return self.root / folder / assignment / f"{assignment}.ipynb"

    def state(self, assignment: str, student: str) -> Path:
        return self.root / STATE_DIR / assignment / f"{student}.json"


@dataclass(frozen=True)
class Settings:
    cell_timeout: float = 30.0
    notebook_timeout: float = 300.0
    workers: int = 1

    def key(self) -> str:
        return f"{self.cell_timeout}:{self.notebook_timeout}"


def students(course: Course, assignment: str, only: list[str] | None = None) -> list[str]:
    """Students with a folder ``submitted/STUDENT/ASSIGNMENT`` (possibly empty), sorted."""
    found = sorted(p.parent.name for p in (course.root / "submitted").glob(f"*/{assignment}") if p.is_dir())
    if only:
        missing = sorted(set(only) - set(found))
        if missing:
            raise SystemExit(f"no submission of {assignment} for: {', '.join(missing)}")
        found = [s for s in found if s in only]
    return found


def fingerprint(course: Course, assignment: str, student: str, settings: Settings) -> str:
    digest = hashlib.sha256(f"{GRADER_VERSION}:{settings.key()}".encode())
    for path in (course.notebook(course.source, assignment), course.notebook(course.release, assignment)):
        digest.update(path.read_bytes())
    folder = course.root / "submitted" / student / assignment
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def autograde(course: Course, assignment: str, settings: Settings, only=None, force=False, log=print) -> dict:
    """Grade the submissions of ``assignment``; return student -> state (fingerprint, tests, notes or error)."""
    reason = sandbox.probe()
    if reason:
        log(NO_SANDBOX.format(reason=reason))
    _check_gradebook(course, assignment)
    todo, states = [], {}
    for student in students(course, assignment, only):
        print_ = fingerprint(course, assignment, student, settings)
        state = _read_state(course, assignment, student)
        if not force and state.get("fingerprint") == print_ and "tests" in state:
            states[student] = state
            log(f"{student}: up to date ({_total(state)})")
        else:
            todo.append((student, print_))
    slots = list(range(max(settings.workers, 1)))
    lock = threading.Lock()

    def work(student: str):
        with lock:
            slot = slots.pop()
        try:
            # A grader error (a kernel that did not start on a busy machine, a worker that crashed) is not the
            # student's fault: try again before reporting it.
            for attempt in range(1, GRADER_ATTEMPTS + 1):
                outcome = _grade_in_worker(course, assignment, student, settings, slot, sandboxed=reason is None)
                if "error" not in outcome:
                    break
                if attempt < GRADER_ATTEMPTS:
                    log(f"{student}: grader error ({outcome['error']}), trying again")
            return outcome
        finally:
            with lock:
                slots.append(slot)

    with ThreadPoolExecutor(max_workers=len(slots)) as pool:
        futures = {pool.submit(work, student): (student, print_) for student, print_ in todo}
        for future in as_completed(futures):
            student, print_ = futures[future]
            outcome = future.result()
            if "error" in outcome:
                states[student] = outcome
                log(f"{student}: GRADER ERROR, not recorded: {outcome['error']}")
                continue
            notebook, result = outcome["notebook"], outcome["result"]
            _record(course, assignment, student, notebook, result)
            state = {"fingerprint": print_, **result}
            _write_state(course, assignment, student, state)
            states[student] = state
            log(f"{student}: graded ({_total(state)})")
    return dict(sorted(states.items()))


def _grade_in_worker(course, assignment, student, settings, slot, sandboxed) -> dict:
    out = Path(tempfile.mkdtemp(prefix="rnnlab-job-"))
    try:
        job = {
            "out": str(out),
            "source": str(course.notebook(course.source, assignment)),
            "release": str(course.notebook(course.release, assignment)),
            "submission": str(course.root / "submitted" / student / assignment),
            "notebook": f"{assignment}.ipynb",
            "sandboxed": sandboxed,
            "slot": slot,
            "cell_timeout": settings.cell_timeout,
            "notebook_timeout": settings.notebook_timeout,
        }
        (out / "job.json").write_text(json.dumps(job))
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "rnnlab.grading.runner", str(out / "job.json")],
                capture_output=True, text=True, timeout=settings.notebook_timeout + 300,
            )
        except subprocess.TimeoutExpired:
            return {"error": "the grading worker did not finish in time"}
        if proc.returncode != 0:
            return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
        return {
            "notebook": nbformat.read(out / "notebook.ipynb", as_version=4),
            "result": json.loads((out / "result.json").read_text()),
        }
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _check_gradebook(course: Course, assignment: str) -> None:
    with Gradebook(course.db_url) as gb:
        try:
            gb.find_notebook(assignment, assignment)
        except MissingEntry:
            raise SystemExit(
                f"{assignment} is not in the gradebook: run `nbgrader generate_assignment {assignment}` first"
            ) from None


def _record(course: Course, assignment: str, student: str, notebook, result: dict) -> None:
    """Write the autograded notebook and the scores (nbgrader's formats); checks the gradebook agrees."""
    folder = course.root / "submitted" / student / assignment
    dest = course.root / "autograded" / student / assignment
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    if (folder / "timestamp.txt").is_file():
        shutil.copy(folder / "timestamp.txt", dest / "timestamp.txt")
    nbformat.write(notebook, dest / f"{assignment}.ipynb")
    with Gradebook(course.db_url) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own session warnings on new submissions
        gb.update_or_create_student(student)
        timestamp = _timestamp(folder)
        if timestamp is None:
            gb.update_or_create_submission(assignment, student)
        else:
            gb.update_or_create_submission(assignment, student, timestamp=timestamp)
    resources = {"nbgrader": {"notebook": assignment, "assignment": assignment, "student": student,
                              "db_url": course.db_url}}
    SaveAutoGrades().preprocess(notebook, resources)
    with Gradebook(course.db_url) as gb:
        saved = {g.name: g.auto_score for g in gb.find_submission_notebook(assignment, assignment, student).grades}
    for gid, test in result["tests"].items():
        if saved.get(gid) != test["score"]:
            raise RuntimeError(f"{student}: gradebook has {saved.get(gid)} for {gid}, the grader {test['score']}")


def _timestamp(folder: Path):
    path = folder / "timestamp.txt"
    if path.is_file() and path.read_text().strip():
        try:
            return parse_utc(path.read_text().strip())
        except ValueError:
            return None
    return None


def _read_state(course: Course, assignment: str, student: str) -> dict:
    path = course.state(assignment, student)
    if not path.is_file() or not (course.root / "autograded" / student / assignment).is_dir():
        return {}
    return json.loads(path.read_text())


def _write_state(course: Course, assignment: str, student: str, state: dict) -> None:
    path = course.state(assignment, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=1))
    os.replace(tmp, path)


def _total(state: dict) -> str:
    tests = state["tests"].values()
    return f"{sum(t['score'] for t in tests):g}/{sum(t['max'] for t in tests):g}"


def report(course: Course, assignment: str) -> str:
    """Per student: score, max and the reason for every lost point (from the last autograde)."""
    lines = [f"{assignment}: autograded scores"]
    for student in students(course, assignment):
        state = _read_state(course, assignment, student)
        if "tests" not in state:
            lines.append(f"  {student}: not graded yet")
            continue
        lines.append(f"  {student}: {_total(state)}")
        for gid, test in state["tests"].items():
            if test["score"] < test["max"]:
                lines.append(f"      -{test['max'] - test['score']:g} {gid}: {test['reason']}")
        for note in state.get("notes", []):
            lines.append(f"      note: {note}")
    return "\n".join(lines)


def nbgrader(course: Course, *args: str) -> int:
    """Run an nbgrader command in the course (feedback and export use nbgrader's own formats)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=course.root, env=env).returncode
