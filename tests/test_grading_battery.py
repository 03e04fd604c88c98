"""The hardened grader on a battery of hostile and broken submissions, graded in one batch by the real CLI.

Every kind in tests/hostile/ is one student; the batch runs once per session (module fixture) with two workers
and short timeouts, and the tests below assert each student's exact score and reason per test cell, the
gradebook, grades.csv, leak-free feedback, the sandbox's effects, and resumability.
"""

import csv
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

import nbformat
import pytest
from course_tools import (
    ROOT,
    answer_cells,
    copy_course,
    nbgrader,
    once_per_session,
    read,
    release_path,
    solution_path,
    tool_env,
)
from hostile import memoryless_models as battery
from nbgrader.api import Gradebook

from rnnlab.grading import sandbox

A = battery.ASSIGNMENT
CELL_TIMEOUT = 10
POINTS = {"make_windows_test": 1.0, "fit_ar_test": 2.0, "window_mlp_forward_test": 2.0, "window_mlp_backward_test": 3.0}
SANDBOX_PROBLEM = sandbox.probe()
pytestmark = pytest.mark.slow


def grader(course, *args, env=None):
    return subprocess.run([sys.executable, "-m", "rnnlab.grading", *args], cwd=course, env=env or tool_env(),
                          capture_output=True, text=True, timeout=900)


def write_submission(course, student, files):
    folder = course / "submitted" / student / A
    folder.mkdir(parents=True)
    for name, content in files.items():
        path = os.fsencode(folder) + b"/" + (name if isinstance(name, bytes) else os.fsencode(name))
        if isinstance(content, battery.Special):
            if content.kind == "symlink":
                os.symlink(content.target, path)
            elif content.kind == "hardlink":
                os.link(content.target, path)
            else:
                os.mkfifo(path)
        elif isinstance(content, bytes):
            with open(path, "wb") as f:
                f.write(content)
        else:
            with open(path, "w", encoding="utf-8") as f:
                nbformat.write(content, f)


def build(course, release, solution, kinds, ctx):
    for student, (how, _) in kinds.items():
        if how == "unanswered":
            files = {battery.NB: release}
        elif callable(how):
            files = how(release, solution, ctx)
        else:
            nb = nbformat.from_dict(release)
            for cell in nb.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if gid in solution:
                    cell.source = how.get(gid, solution[gid])
            files = {battery.NB: nb}
        write_submission(course, student, files)


class Listener:
    """A TCP server on 127.0.0.1 that records whether anyone connected."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The battery graded once per session: the first xdist worker grades, the others wait for its result."""
    if SANDBOX_PROBLEM and os.environ.get("RNNLAB_REQUIRE_SANDBOX") != "1":
        pytest.skip(f"the battery needs bubblewrap: {SANDBOX_PROBLEM}")
    course, summary = once_per_session(tmp_path_factory, "grading-battery", run_battery)
    states = {s: json.loads((course / ".rnnlab-grading" / A / f"{s}.json").read_text()) for s in battery.KINDS}
    return {"course": course, "states": states, **summary}


def run_battery(course):
    copy_course(course, [A])
    nbgrader(course, "generate_assignment", A, "--force")
    release = read(release_path(A, course))
    solution = answer_cells(read(solution_path(A)))
    listener = Listener()
    build(course, release, solution, battery.KINDS, {"course": course, "port": listener.port})
    start = time.perf_counter()
    proc = grader(course, "autograde", A, "--workers", "2", "--cell-timeout", str(CELL_TIMEOUT),
                  "--notebook-timeout", "150", "--require-sandbox")
    elapsed = time.perf_counter() - start
    listener.close()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for step in (("feedback", A), ("export",)):
        done = grader(course, *step)
        assert done.returncode == 0, done.stdout + done.stderr
    return {"connections": listener.connections, "elapsed": elapsed}


def expected(student):
    failing = battery.KINDS[student][1]
    reasons = {gid: reason.replace("{cell_timeout}", str(CELL_TIMEOUT)) for gid, reason in failing.items()}
    return {gid: (0.0 if gid in failing else pts, reasons.get(gid, "")) for gid, pts in POINTS.items()}


@pytest.mark.parametrize("student", sorted(battery.KINDS))
def test_score_and_reason(graded, student):
    tests = graded["states"][student]["tests"]
    got = {gid: (t["score"], t["reason"]) for gid, t in tests.items()}
    want = expected(student)
    for gid, (score, reason) in want.items():
        assert got[gid][0] == score, (student, gid, got[gid])
        if student == "corrupt":  # the parser's own message follows
            assert got[gid][1].startswith(reason + " (NotJSONError: "), (student, gid, got[gid])
        else:
            assert got[gid][1] == reason, (student, gid, got[gid])


# The mistake key of every lost point, by what the student did (python -m rnnlab.grading insights counts them).
# A student not listed here loses no point; one key per student, for every test cell that scores 0.
NOT_GRADED = ("corrupt", "wrong_name", "empty", "symlink_to_solution", "symlink_to_classmate", "hardlink_to_solution",
              "timestamp_symlink", "fifo_in_folder")
MISTAKE_KEYS = {
    "bias_bug": "wrong_hidden_bias", "patch_checks": "wrong_hidden_bias",  # the check's own key
    "edited_test": "wrong_w", "patch_testing_builtins": "wrong_w", "patch_allclose": "wrong_y",
    "unanswered": "not_implemented", "reads_secrets": "not_implemented",
    "raises": "not_defined", "loop_in_answer": "not_defined", "fork_bomb": "not_defined",  # the cell never defined it
    "loop_in_test": "timeout",
    "memory_bomb": "raised:MemoryError", "sys_exit": "raised:SystemExit",  # the student's code raised
    "os_exit": "not_run_kernel_died", "kills_kernel": "kernel_died",
    "input_transformer": "raised:StudentRaised",  # the grader's calls got no answer from the broken kernel
    "delegates": "delegates", "profiler_replaced": "delegates", "delegates_renamed": "delegates",
    "profiler_switched_off": "delegates", "delegates_reloaded": "delegates", "delegates_via_source": "delegates",
    "delegates_past_the_wire": "delegates",
    "visible_only": "hidden_tests",
    **{student: "not_graded" for student in NOT_GRADED},
}


@pytest.mark.parametrize("student", sorted(battery.KINDS))
def test_every_lost_point_has_the_key_of_its_mistake(graded, student):
    tests = graded["states"][student]["tests"]
    lost = {gid: t["mistake"] for gid, t in tests.items() if t["score"] < t["max"]}
    assert set(lost) == set(battery.KINDS[student][1]), student
    assert all(key == MISTAKE_KEYS[student] for key in lost.values()), (student, lost)
    assert all(t["mistake"] == "" for t in tests.values() if t["score"] == t["max"]), student


def test_correct_student_full_marks_in_same_batch(graded):
    assert sum(t["score"] for t in graded["states"]["correct"]["tests"].values()) == 8.0


def test_gradebook_and_csv_match_the_grader(graded):
    course = graded["course"]
    with open(course / "grades.csv") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(battery.KINDS)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in battery.KINDS:
            want = {gid: score for gid, (score, _) in expected(student).items()}
            nb = gb.find_submission_notebook(A, A, student)
            assert {g.name: g.auto_score for g in nb.grades} == want, student
            assert not any(g.needs_manual_grade for g in nb.grades), student
            assert float(rows[student]["score"]) == sum(want.values()), student
            assert float(rows[student]["max_score"]) == 8.0


def test_feedback_shows_failures_but_no_hidden_tests(graded):
    course = graded["course"]
    hidden = [line.strip() for src in (c.source for c in read(solution_path(A)).cells)
              for line in src.split("### BEGIN HIDDEN TESTS")[1:] for line in line.splitlines()[1:4] if line.strip()]
    assert hidden
    for student in battery.KINDS:
        html = (course / "feedback" / student / A / f"{A}.html").read_text()
        graded_nb = (course / "autograded" / student / A / f"{A}.ipynb").read_text()
        assert "HIDDEN TESTS" not in html and "HIDDEN TESTS" not in graded_nb, student
        for line in hidden:
            assert line not in html and json.dumps(line)[1:-1] not in graded_nb, (student, line)
    html = (course / "feedback" / "bias_bug" / A / f"{A}.html").read_text()
    assert "check your first bias b1" in html  # the check's message for this student's bug


def test_a_link_to_the_solutions_brings_nothing_of_them_into_autograded_or_feedback(graded):
    course = graded["course"]
    for student in ("symlink_to_solution", "hardlink_to_solution", "timestamp_symlink"):
        for path in [*(course / "autograded" / student).rglob("*"), *(course / "feedback" / student).rglob("*")]:
            if path.is_file():
                data = path.read_bytes()
                assert b"BEGIN SOLUTION" not in data and b"BEGIN HIDDEN TESTS" not in data, path


def test_output_made_after_hidden_tests_is_not_kept(graded):
    course = graded["course"]
    html = (course / "feedback" / "leaks_hidden" / A / f"{A}.html").read_text()
    graded_nb = (course / "autograded" / "leaks_hidden" / A / f"{A}.ipynb").read_text()
    for hidden_call in ("(30, 1)", "(200, 24)"):  # arguments of the hidden tests' calls, recorded by the student
        assert hidden_call not in html and hidden_call not in graded_nb, hidden_call
    assert "output not kept" in html


def test_a_hidden_failure_is_reported_without_its_message_to_the_student_but_with_it_to_the_instructor(graded):
    course = graded["course"]
    html = (course / "feedback" / "visible_only" / A / f"{A}.html").read_text()
    assert "fails the hidden tests" in html and "series of length 30" not in html
    detail = graded["states"]["visible_only"]["tests"]["make_windows_test"]["detail"]
    assert detail.startswith("hidden tests: AssertionError: make_windows(series of length 30, p=1)"), detail
    report = grader(course, "report", A)
    assert "hidden tests: AssertionError: make_windows(series of length 30, p=1)" in report.stdout


def test_student_html_and_script_are_inert_in_feedback(graded):
    html = (graded["course"] / "feedback" / "live_html" / A / f"{A}.html").read_text()
    assert "my notes" in html and "dataset.pwned" in html  # what the student wrote is shown ...
    for live in (r"<script>document\.body", r"<img[^>]*onerror", r"<a[^>]*href=.javascript:", r"pwned = 1\s*</script>"):
        assert not re.search(live, html), live  # ... as text: nothing in it can run


def test_sandbox_kept_files_and_network_safe(graded):
    course = graded["course"]
    assert not list(course.rglob("PWNED"))
    assert not os.path.exists("/tmp/PWNED")
    assert graded["connections"] == 0
    for student in ("prints_100mb", "huge_message"):
        notebook = course / "autograded" / student / A / f"{A}.ipynb"
        assert notebook.stat().st_size < 10 * 2**20, student


def test_repairs_are_reported(graded):
    notes = {s: graded["states"][s]["notes"] for s in ("deleted_test", "edited_test", "split_duplicate")}
    assert "test cell `make_windows_test` was missing and has been put back" in notes["deleted_test"]
    assert "locked cell `fit_ar_test` was edited; the original was restored" in notes["edited_test"]
    assert "a duplicate of locked cell `window_mlp_forward_test` was dropped" in notes["split_duplicate"]


def test_rerun_is_resumable_and_force_regrades(graded):
    course = graded["course"]
    args = ("autograde", A, "--workers", "2", "--cell-timeout", str(CELL_TIMEOUT), "--notebook-timeout", "150")
    again = grader(course, *args)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count(": up to date") == len(battery.KINDS)
    (course / "submitted" / "bias_bug" / A / "notes.txt").write_text("changed")
    changed = grader(course, *args, "--student", "bias_bug", "--student", "correct")
    assert "bias_bug: graded (6/8)" in changed.stdout and "correct: up to date (8/8)" in changed.stdout
    forced = grader(course, *args, "--student", "correct", "--force")
    assert "correct: graded (8/8)" in forced.stdout


def test_without_bwrap_grades_with_one_clear_warning(tmp_path):
    course = copy_course(tmp_path, [A])
    nbgrader(course, "generate_assignment", A, "--force")
    release = read(release_path(A, course))
    build(course, release, answer_cells(read(solution_path(A))), {"correct": ({}, {})}, {})
    env = {**tool_env(), sandbox.BWRAP_ENV: str(tmp_path / "no-such-bwrap")}
    refused = grader(course, "autograde", A, "--require-sandbox", env=env)
    assert refused.returncode == 2 and "not installed" in refused.stderr
    proc = grader(course, "autograde", A, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("WARNING: bubblewrap") == 1
    assert "Grading runs WITHOUT the sandbox" in proc.stdout and "correct: graded (8/8)" in proc.stdout
    assert ROOT.exists()
