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
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveAutoGrades
from nbgrader.utils import parse_utc
from sqlalchemy.exc import SAWarning
from tqdm.auto import tqdm
from traitlets.config.loader import PyFileConfigLoader

from rnnlab.grading import engine, intake, runner, sandbox

GRADER_VERSION = "2"  # 2: every lost point has a mistake key
STATE_DIR = ".rnnlab-grading"
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
    workers: int = 1  # worker processes of the local cluster (ignored with a scheduler)
    scheduler: str | None = None  # address of an existing dask scheduler, e.g. tcp://10.0.0.5:8786
    allow_unsandboxed: bool = True  # may a worker without bubblewrap grade? (the CLI says no on a cluster)

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


def fingerprint(course: Course, assignment: str, submission: intake.Submission, settings: Settings) -> str:
    digest = hashlib.sha256(f"{GRADER_VERSION}:{settings.key()}".encode())
    for path in (course.notebook(course.source, assignment), course.notebook(course.release, assignment)):
        digest.update(path.read_bytes())
    digest.update(submission.digest().encode())
    return digest.hexdigest()


def autograde(course: Course, assignment: str, settings: Settings, only=None, force=False, log=print) -> dict:
    """Grade the submissions of ``assignment``; return student -> state (fingerprint, tests, notes or error)."""
    if settings.scheduler is None:  # on a cluster, each worker checks its own machine
        reason = sandbox.probe()
        if reason:
            log(NO_SANDBOX.format(reason=reason))
    _check_gradebook(course, assignment)
    todo, states = {}, {}
    for student in students(course, assignment, only):
        submission = intake.take_in(course.root / "submitted" / student / assignment)
        print_ = fingerprint(course, assignment, submission, settings)
        state = read_state(course, assignment, student)
        if not force and state.get("fingerprint") == print_ and "tests" in state:
            states[student] = state
            log(f"{student}: up to date ({_total(state)})")
        else:
            todo[student] = (submission, print_)
    if todo:
        with engine.connect(settings.workers, settings.scheduler, log) as client:
            _grade_all(client, course, assignment, settings, todo, states, log)
    return dict(sorted(states.items()))


def _grade_all(client, course, assignment, settings, todo, states, log) -> None:
    """Grade ``todo`` {student: (submission, fingerprint)} on the cluster; record each result as it arrives."""
    from distributed import KilledWorker, as_completed

    # A task, not scattered data: if the worker holding the notebooks is lost, dask computes them again from the
    # task's arguments (scattered data would be gone, and every submission waiting for it cancelled).
    notebooks = client.submit(engine.notebooks, course.notebook(course.source, assignment).read_bytes(),
                              course.notebook(course.release, assignment).read_bytes(),
                              key=f"notebooks-{assignment}-{uuid.uuid4().hex[:8]}", pure=False)
    futures = {}
    for student, (submission, _) in todo.items():
        job = {"student": student, "notebook": f"{assignment}.ipynb", "files": submission.files,
               "problem": submission.problem, "cell_timeout": settings.cell_timeout,
               "notebook_timeout": settings.notebook_timeout, "allow_unsandboxed": settings.allow_unsandboxed,
               "identity": engine.identity()}
        key = f"grade-{assignment}-{student}-{uuid.uuid4().hex[:8]}"  # as the dask dashboard shows it
        future = client.submit(engine.grade_submission, job, notebooks, key=key, pure=False)
        futures[future] = student
    counts = {"graded": 0, "failed": 0, "grader errors": 0}  # failed: graded, but the notebook could not be run
    with tqdm(total=len(futures), unit="submission", desc=f"grading {assignment}", disable=None) as bar:
        say = log if bar.disable else bar.write
        for future in as_completed(futures):
            student = futures[future]
            try:
                outcome = future.result()
            except KilledWorker as err:  # dask ran it on several workers (allowed-failures + 1) and each one died
                say(f"{student}: {err}")
                notebook, result = _killed_its_workers(course, assignment)
                outcome = {"notebook": nbformat.writes(notebook), "result": result}
            except Exception as err:  # a failure in the grader's own code on the worker: not the student's fault
                outcome = {"error": f"{type(err).__name__}: {err}"}
            for retry in outcome.get("retries", []):
                say(f"{student}: grader error ({retry}), tried again")
            if "error" in outcome:  # kept apart from the grades: the next run grades this student again
                states[student] = {"error": outcome["error"]}
                _write_state(course, assignment, student, states[student])
                say(f"{student}: GRADER ERROR, not recorded (the next run tries again): {outcome['error']}")
                counts["grader errors"] += 1
            else:
                _record(course, assignment, student, nbformat.reads(outcome["notebook"], 4), outcome["result"])
                states[student] = {"fingerprint": todo[student][1], **outcome["result"]}
                _write_state(course, assignment, student, states[student])
                say(f"{student}: graded ({_total(states[student])})")
                counts["graded"] += 1
                counts["failed"] += not outcome["result"].get("ran", True)
            bar.set_postfix(counts, refresh=False)
            bar.update()


def _killed_its_workers(course: Course, assignment: str) -> tuple:
    """(feedback notebook, result) of a submission whose grading killed every worker that ran it."""
    reason = ("not run to the end: the grading workers that ran your notebook died each time it was tried, as happens "
              "when a notebook uses too much memory")
    release = nbformat.read(course.notebook(course.release, assignment), as_version=4)
    return runner.not_run(release, reason, mistake="killed_worker")


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


def read_state(course: Course, assignment: str, student: str) -> dict:
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
        state = read_state(course, assignment, student)
        if "tests" not in state:
            lines.append(f"  {student}: NOT GRADED ({why_ungraded(state)})")
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


def why_ungraded(state: dict) -> str:
    return f"grader error: {state['error']}" if "error" in state else "not autograded yet"


def ungraded(course: Course) -> list[str]:
    """'student/assignment: why' for every submission that has no recorded grade (so no row in grades.csv)."""
    missing = []
    for folder in sorted((course.root / "submitted").glob("*/*")):
        student, assignment = folder.parent.name, folder.name
        state = read_state(course, assignment, student)
        if "tests" not in state:
            missing.append(f"{intake.shown(student)}/{intake.shown(assignment)}: {why_ungraded(state)}")
    return missing
