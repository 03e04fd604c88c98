"""Grading holds under load: two autograde batches at once, on a machine whose cores are kept busy.

Two instructors grade two assignments at the same time while two busy loops hog both cores. One batch holds a
fork bomb. Each batch reserves its own sandbox slots (uids), so the bomb fills only its own process limit, and
kernels that start late on the busy machine are waited for, not taken for dead: every student gets exactly the
score the round trip expects, and nobody is left ungraded.
"""

import subprocess
import sys
import time

import nbformat
import pytest
from course_tools import (
    GRADED_UNDER_LOAD,
    answer_cells,
    copy_course,
    gradebook_scores,
    graded_points,
    read,
    solution_path,
    submit_samples,
    tool_env,
    with_answers,
)
from hostile.memoryless_models import FORK_BOMB

from rnnlab.grading import sandbox

pytestmark = pytest.mark.slow
BUSY_SECONDS = 240  # the busy loops stop by themselves even if the test is interrupted


def busy_loop():
    code = f"import time\nend = time.monotonic() + {BUSY_SECONDS}\nwhile time.monotonic() < end:\n    pass\n"
    return subprocess.Popen([sys.executable, "-c", code])


@pytest.mark.skipif(sandbox.probe() is not None, reason="needs bubblewrap (the sandbox) to run kernels as own uids")
def test_two_concurrent_batches_on_a_busy_machine_grade_everyone_exactly(tmp_path):
    courses, expected, releases = {}, {}, {}
    for assignment in GRADED_UNDER_LOAD:
        course = copy_course(tmp_path / assignment, [assignment])
        releases[assignment], expected[assignment] = submit_samples(course, assignment)
        courses[assignment] = course
    # 01's batch also grades a student whose right answers start a fork bomb: it must not starve anyone of processes
    a = GRADED_UNDER_LOAD[0]
    assert a == "01_memoryless_models", "the fork bomb is written for notebook 01"
    solution = answer_cells(read(solution_path(a)))
    bomber = with_answers(releases[a], {**solution, "fit_ar": FORK_BOMB + solution["fit_ar"]})
    (courses[a] / "submitted" / "bomber" / a).mkdir(parents=True)
    nbformat.write(bomber, courses[a] / "submitted" / "bomber" / a / f"{a}.ipynb")
    expected[a]["bomber"] = dict(expected[a]["correct"])

    loops = [busy_loop(), busy_loop()]
    try:
        start = time.monotonic()
        batches = {
            assignment: subprocess.Popen(
                [sys.executable, "-m", "rnnlab.grading", "autograde", assignment, "--require-sandbox"],
                cwd=course, env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )
            for assignment, course in courses.items()
        }
        logs = {assignment: proc.communicate(timeout=900)[0] for assignment, proc in batches.items()}
        elapsed = time.monotonic() - start
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()
    print(f"two batches under load: {elapsed:.0f} s")
    for assignment, proc in batches.items():
        assert proc.returncode == 0, logs[assignment]
        assert "GRADER ERROR" not in logs[assignment] and "NOT GRADED" not in logs[assignment], logs[assignment]
        scores = gradebook_scores(courses[assignment], assignment, expected[assignment],
                                  graded_points(releases[assignment]))
        assert scores == expected[assignment], logs[assignment]
