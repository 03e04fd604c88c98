"""Helpers for the pipeline tests: temporary course copies, real nbgrader runs, notebook surgery."""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import json
import os
import pkgutil
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import submissions
from nbgrader.api import Gradebook

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").glob("[0-9][0-9]_*") if p.is_dir())
BIN = Path(sys.executable).parent


def tool_env() -> dict[str, str]:
    """Environment for jupyter/nbgrader subprocesses: this interpreter's scripts first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("JUPYTER_CONFIG_DIR", None)
    return env


def solution_path(assignment: str, root: Path = ROOT) -> Path:
    return root / "solutions" / assignment / f"{assignment}.ipynb"


def release_path(assignment: str, root: Path = ROOT) -> Path:
    return root / "notebooks" / assignment / f"{assignment}.ipynb"


def copy_course(dest: Path, assignments: list[str]) -> Path:
    """A course directory at ``dest`` with the config and the given solution folders, no gradebook."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", dest)
    for assignment in assignments:
        shutil.copytree(ROOT / "solutions" / assignment, dest / "solutions" / assignment)
    return dest


def nbgrader(course: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``course``; fail the test with nbgrader's output if it exits non-zero."""
    proc = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=course,
        env=tool_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def answer_cells(nb) -> dict[str, str]:
    """grade_id -> source of every solution (answer) cell."""
    return {
        grade_id(c): c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution", False)
    }


def graded_points(nb) -> dict[str, float]:
    """grade_id -> points of every autograded test cell."""
    return {
        grade_id(c): float(c.metadata["nbgrader"]["points"])
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade", False) and c.cell_type == "code"
    }


def total_points(nb) -> float:
    """Points of every graded cell, autograded and manually graded (markdown answers) alike."""
    return sum(float(c.metadata["nbgrader"]["points"]) for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))


def with_answers(release_nb, answers: dict[str, str]):
    """A copy of ``release_nb`` whose answer cells with the given grade_ids hold the given sources."""
    nb = nbformat.from_dict(release_nb)
    unknown = set(answers) - set(answer_cells(nb))
    if unknown:
        raise KeyError(f"no answer cells with grade_id {sorted(unknown)}")
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nb


# Sample submissions (tests/submissions/): assignment -> {student: (answers, failing test cells)}.
SAMPLES = {
    module.ASSIGNMENT: module.SUBMISSIONS
    for module in (importlib.import_module(f"submissions.{m.name}") for m in pkgutil.iter_modules(submissions.__path__))
}

# Assignments whose samples tests/test_grading_load.py grades with the hardened grader, exactly, under load; the
# samples test leaves them to it instead of grading them twice.
GRADED_UNDER_LOAD = ("01_memoryless_models", "03_vanilla_rnn")


def combined(samples: dict) -> dict:
    """The single-bug students merged into as few students as possible, each with several bugs in different answer
    cells: {"bugs_a+b": (answers, failing test cells)}. Every bug is still in some student, and each student's
    failing cells are the union of its bugs' (which cell scores what stays exact)."""
    groups: list[tuple[list[str], dict, list]] = []
    for student, (answers, failing) in samples.items():
        group = next((g for g in groups if not set(g[1]) & set(answers)), None)
        if group is None:
            groups.append(([student], dict(answers), list(failing)))
        else:
            group[0].append(student)
            group[1].update(answers)
            group[2].extend(f for f in failing if f not in group[2])
    return {"bugs_" + "+".join(names): (answers, failing) for names, answers, failing in groups}


def build_submissions(release, solution, samples):
    """student -> (notebook, grade_ids of the test cells that must score 0)."""
    built = {
        "correct": (with_answers(release, solution), []),
        "unanswered": (release, list(graded_points(release))),
    }
    for student, (answers, failing) in samples.items():
        built[student] = (with_answers(release, {**solution, **answers}), failing)
    return built


def submit_samples(course, assignment, merge_bugs: bool = False):
    """Generate ``assignment`` in ``course`` and submit its sample submissions (with ``merge_bugs``, the single-bug
    students merged into a few students with several bugs each, see ``combined``).

    Returns the release notebook and, per student, the expected score of every autograded test cell.
    """
    nbgrader(course, "generate_assignment", assignment, "--force")
    release = read(release_path(assignment, course))
    points = graded_points(release)
    samples = combined(SAMPLES[assignment]) if merge_bugs else SAMPLES[assignment]
    built = build_submissions(release, answer_cells(read(solution_path(assignment))), samples)
    expected = {}
    for student, (nb, failing) in built.items():
        assert set(failing) <= set(points), f"{student}: unknown test cells {set(failing) - set(points)}"
        expected[student] = {gid: 0.0 if gid in failing else pts for gid, pts in points.items()}
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
    return release, expected


def once_per_session(tmp_path_factory, name: str, build) -> tuple[Path, object]:
    """(folder, what ``build(folder)`` returned) for a course every test of a session shares: the first xdist
    worker builds it (e.g. grades a batch), the others wait for it. ``build`` returns JSON-ready data."""
    shared = tmp_path_factory.getbasetemp().parent / name
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "done.json").exists():
            (shared / "done.json").write_text(json.dumps(build(shared / "course")))
    return shared / "course", json.loads((shared / "done.json").read_text())


def gradebook_scores(course, assignment, students, cells):
    """student -> {test grade_id: score} as recorded in the course's gradebook."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {
            student: {
                grade.name: grade.score
                for grade in gb.find_submission_notebook(assignment, assignment, student).grades
                if grade.name in cells
            }
            for student in students
        }


LAB_TOKEN = "rnnlab-test"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@contextlib.contextmanager
def chromium():
    """A headless Chromium (the Debian package, driven by Playwright; nothing is downloaded). Without one the test
    is skipped, or fails when RNNLAB_REQUIRE_BROWSER=1 (as in CI)."""
    import pytest

    if CHROMIUM is None:
        message = "chromium is not installed (apt-get install chromium): the browser tests cannot run"
        if os.environ.get("RNNLAB_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " and RNNLAB_REQUIRE_BROWSER=1")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lab_get(url: str, data: bytes | None = None, timeout: float = 30) -> tuple[int, str]:
    """GET (or POST ``data`` to) ``url`` on a lab started by ``running_lab``; returns (status, body)."""
    request = urllib.request.Request(url, data=data, headers={"Authorization": f"token {LAB_TOKEN}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read().decode()


@contextlib.contextmanager
def running_lab(folder: Path, target: str = "lab", workspace: Path | None = None):
    """Run ``make TARGET`` (lab or instructor) on a free port until the block ends; yields its base URL.

    Jupyter's runtime and data files go to ``folder``; the student's workspace is ``workspace``.
    """
    port = free_port()
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={LAB_TOKEN}"
    env = tool_env() | {"JUPYTER_RUNTIME_DIR": str(folder / "runtime"), "JUPYTER_DATA_DIR": str(folder / "data")}
    make = ["make", "--no-print-directory", target, f"LAB_ARGS={args}"]
    if workspace is not None:
        make.append(f"WORKSPACE={workspace}")
    log_path = folder / f"{target}.log"
    with open(log_path, "w+") as log:
        lab = subprocess.Popen(make, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180  # a busy machine can take long to start a server
            while True:
                assert lab.poll() is None, f"make {target} exited early:\n{log_path.read_text()}"
                try:
                    status, body = lab_get(f"{base}/api/status", timeout=10)
                    break
                except OSError:
                    assert time.monotonic() < deadline, f"no answer on {base}:\n{log_path.read_text()}"
                    time.sleep(0.5)
            assert status == 200 and "started" in json.loads(body)
            yield base
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(lab.pid, signal.SIGTERM)
            try:
                lab.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(lab.pid, signal.SIGKILL)
                lab.wait()
