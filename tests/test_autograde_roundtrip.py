"""The whole nbgrader cycle on real notebooks: release -> submissions -> autograde -> feedback -> export.

Every assignment has sample submissions (tests/submissions/), and the round trip adds a correct and an unanswered
student to them: so every solution notebook passes all of its tests and no test cell of a release passes before the
student answers (no vacuous test), hidden tests included. Each submission is built from the generated
release, answered (or not) cell by cell, and graded by real nbgrader; the test asserts every student's exact
score per test cell and in grades.csv, and that each student gets a feedback page.

To grade fewer notebooks, the single-bug students are merged into a few students with bugs in different answer
cells (course_tools.combined): stock nbgrader must still give 0 to every bug's test cell and full points to the
others. That each bug alone costs only its own cell is asserted with the hardened grader, student by student, in
tests/test_grading_samples.py.
"""

import csv

import pytest
from course_tools import (
    ASSIGNMENTS,
    SAMPLES,
    copy_course,
    gradebook_scores,
    graded_points,
    nbgrader,
    submit_samples,
    total_points,
)


def test_every_notebook_has_sample_submissions():
    assert sorted(SAMPLES) == ASSIGNMENTS


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(SAMPLES))
def test_release_autograde_feedback_export(assignment, tmp_path):
    course = copy_course(tmp_path, [assignment])
    release, expected = submit_samples(course, assignment, merge_bugs=True)
    points = graded_points(release)

    nbgrader(course, "autograde", assignment, "--force")
    nbgrader(course, "generate_feedback", assignment, "--force")
    nbgrader(course, "export", "--to", str(course / "grades.csv"))

    assert gradebook_scores(course, assignment, expected, points) == expected

    with open(course / "grades.csv") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(expected)
    for student, cell_scores in expected.items():
        # Manually graded answers count towards max_score and score 0 until an instructor grades them.
        assert float(rows[student]["max_score"]) == total_points(release)
        assert float(rows[student]["score"]) == sum(cell_scores.values()), student
        feedback = course / "feedback" / student / assignment / f"{assignment}.html"
        assert feedback.exists() and "Test" in feedback.read_text()
