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
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveAutoGrades
from nbgrader.utils import parse_utc
from sqlalchemy.exc import SAWarning
from traitlets.config.loader import PyFileConfigLoader

from rnnlab.grading import intake, sandbox

GRADER_VERSION = "1"
STATE_DIR = ".rnnlab-grading"
GRADER_ATTEMPTS = 3  # tries per submission when the grader itself fails
RETRY_SECONDS = 5  # wait before the second try; twice as long before the third
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
    """Students with a folder ``submitted/STUDENT/ASSIGNMENT`` (possibly empty), sorted. A folder whose name is not
    valid UTF-8 cannot be a student id in the gradebook: it is reported and left out."""
    found = []
    for path in sorted((course.root / "submitted").glob(f"*/{assignment}")):
        name = path.parent.name
        if intake.shown(name) != name:
            print(f"skipped submitted/{intake.shown(name)}: a student id must be valid UTF-8", file=sys.stderr)
        else:
            found.append(name)
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
    digest.update(intake.take_in(course.root / "submitted" / student / assignment).digest().encode())
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
    with sandbox.reserved_slots(max(settings.workers, 1)) as slots:
        _grade_all(course, assignment, settings, todo, states, slots, reason is None, log)
    return dict(sorted(states.items()))


def _grade_all(course, assignment, settings, todo, states, slots, sandboxed, log) -> None:
    """Grade ``todo`` [(student, fingerprint)] on the worker ``slots``; record each result as it arrives."""
    lock = threading.Lock()
    free = list(slots)

    def work(student: str):
        with lock:
            slot = free.pop()
        try:
            # A grader error (a kernel that did not start on a busy machine, a worker that crashed) is not the
            # student's fault: try again before reporting it.
            for attempt in range(1, GRADER_ATTEMPTS + 1):
                outcome = _grade_in_worker(course, assignment, student, settings, slot, sandboxed=sandboxed)
                if "error" not in outcome:
                    break
                if attempt < GRADER_ATTEMPTS:
                    log(f"{student}: grader error ({outcome['error']}), trying again in {RETRY_SECONDS * attempt} s")
                    time.sleep(RETRY_SECONDS * attempt)  # a busy machine gets a moment to calm down
            return outcome
        finally:
            with lock:
                free.append(slot)

    with ThreadPoolExecutor(max_workers=len(slots)) as pool:
        futures = {pool.submit(work, student): (student, print_) for student, print_ in todo}
        for future in as_completed(futures):
            student, print_ = futures[future]
            outcome = future.result()
            if "error" in outcome:  # kept apart from the grades: the next run grades this student again
                states[student] = {"error": outcome["error"]}
                _write_state(course, assignment, student, states[student])
                log(f"{student}: GRADER ERROR, not recorded (the next run tries again): {outcome['error']}")
                continue
            notebook, result = outcome["notebook"], outcome["result"]
            _record(course, assignment, student, notebook, result)
            state = {"fingerprint": print_, **result}
            _write_state(course, assignment, student, state)
            states[student] = state
            log(f"{student}: graded ({_total(state)})")


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
    notebook = _inert(notebook)
    timestamp = _timestamp(folder)
    if timestamp is not None:  # nbgrader reads it again from here; written by us, never copied from the student
        (dest / "timestamp.txt").write_text(timestamp.isoformat())
    nbformat.write(notebook, dest / f"{assignment}.ipynb")
    with Gradebook(course.db_url) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own session warnings on new submissions
        gb.update_or_create_student(student)
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


def _inert(notebook):
    """The notebook with what the student wrote made harmless for the browsers that show it (feedback HTML, the
    formgrader): scripts, event handlers and javascript: links in their markdown and in every output are escaped
    or removed (nbconvert's SanitizeHTML). Locked cells hold the instructor's own text and are left as they are."""
    sanitizer = SanitizeHTML()
    for index, cell in enumerate(notebook.cells):
        if not (cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("locked")):
            sanitizer.preprocess_cell(cell, {}, index)
    return notebook


def _timestamp(folder: Path):
    """The submission time in the student's timestamp.txt, if it is a regular file holding a date; else None."""
    submission = intake.take_in(folder)
    raw = submission.files.get("timestamp.txt", b"") if submission.problem is None else b""
    try:
        return parse_utc(raw.decode("utf-8").strip()) if raw.strip() else None
    except (UnicodeDecodeError, ValueError, OverflowError):
        return None


def _read_state(course: Course, assignment: str, student: str) -> dict:
    """The last grading of this submission: its tests (if recorded), or the grader error that stopped it."""
    path = course.state(assignment, student)
    if not path.is_file():
        return {}
    state = json.loads(path.read_text())
    if "tests" in state and not (course.root / "autograded" / student / assignment).is_dir():
        return {}  # the recorded notebook was deleted: grade again
    return state


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
            lines.append(f"  {student}: NOT GRADED ({_why_ungraded(state)})")
            continue
        lines.append(f"  {student}: {_total(state)}")
        for gid, test in state["tests"].items():
            if test["score"] < test["max"]:
                lines.append(f"      -{test['max'] - test['score']:g} {gid}: {test.get('detail') or test['reason']}")
        for note in state.get("notes", []):
            lines.append(f"      note: {note}")
    return "\n".join(lines)


def nbgrader(course: Course, *args: str) -> int:
    """Run an nbgrader command in the course (feedback and export use nbgrader's own formats)."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=course.root, env=env).returncode


def _why_ungraded(state: dict) -> str:
    return f"grader error: {state['error']}" if "error" in state else "not autograded yet"


def ungraded(course: Course) -> list[str]:
    """'student/assignment: why' for every submission that has no recorded grade (so no row in grades.csv)."""
    missing = []
    for folder in sorted((course.root / "submitted").glob("*/*")):
        student, assignment = folder.parent.name, folder.name
        state = _read_state(course, assignment, student)
        if "tests" not in state:
            missing.append(f"{intake.shown(student)}/{intake.shown(assignment)}: {_why_ungraded(state)}")
    return missing
