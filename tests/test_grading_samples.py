"""The hardened grader scores every assignment's sample submissions exactly as the round trip expects.

The same submissions as tests/test_autograde_roundtrip.py (correct, unanswered and each single-bug student of
tests/submissions/), graded by `python -m rnnlab.grading autograde` instead of stock nbgrader: the judge kernel
must reproduce every expected per-cell score (keyword arguments, NamedTuple caches, generators passed as rng and
parameters updated in place all cross between the kernels). The assignments in GRADED_UNDER_LOAD are graded the
same way, with the same expected scores, by tests/test_grading_load.py, on a busy machine.
"""

import subprocess
import sys

import pytest
from course_tools import (
    GRADED_UNDER_LOAD,
    SAMPLES,
    copy_course,
    gradebook_scores,
    graded_points,
    submit_samples,
    tool_env,
)

from rnnlab.grading import sandbox

# With the sandbox, the load test grades these assignments' samples; without it (the load test is skipped), this does.
LEFT_TO_LOAD_TEST = set(GRADED_UNDER_LOAD) if sandbox.probe() is None else set()


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(set(SAMPLES) - LEFT_TO_LOAD_TEST))
def test_hardened_grader_gives_the_expected_scores(assignment, tmp_path):
    course = copy_course(tmp_path, [assignment])
    release, expected = submit_samples(course, assignment)
    proc = subprocess.run(
        [sys.executable, "-m", "rnnlab.grading", "autograde", assignment],
        cwd=course, env=tool_env(), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert gradebook_scores(course, assignment, expected, graded_points(release)) == expected, proc.stdout
