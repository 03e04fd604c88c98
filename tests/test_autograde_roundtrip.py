"""The whole nbgrader cycle on real notebooks: release -> submissions -> autograde -> feedback -> export.

For every assignment with sample submissions (tests/submissions/), each submission is built from the generated
release, answered (or not) cell by cell, and graded by real nbgrader; the test asserts every student's exact
score per test cell and in grades.csv, and that each student gets a feedback page.
"""

import csv
import importlib
import pkgutil

import nbformat
import pytest
import submissions
from course_tools import (
    answer_cells,
    copy_course,
    graded_points,
    nbgrader,
    read,
    release_path,
    solution_path,
    total_points,
    with_answers,
)
from nbgrader.api import Gradebook

SAMPLES = {
    module.ASSIGNMENT: module.SUBMISSIONS
    for module in (importlib.import_module(f"submissions.{m.name}") for m in pkgutil.iter_modules(submissions.__path__))
}


def build_submissions(release, solution, samples):
    """student -> (notebook, grade_ids of the test cells that must score 0)."""
    built = {
        "correct": (with_answers(release, solution), []),
        "unanswered": (release, list(graded_points(release))),
    }
    for student, (answers, failing) in samples.items():
        built[student] = (with_answers(release, {**solution, **answers}), failing)
    return built


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(SAMPLES))
def test_release_autograde_feedback_export(assignment, tmp_path):
    course = copy_course(tmp_path, [assignment])
    nbgrader(course, "generate_assignment", assignment, "--force")
    release = read(release_path(assignment, course))
    points = graded_points(release)
    built = build_submissions(release, answer_cells(read(solution_path(assignment))), SAMPLES[assignment])
    expected = {}
    for student, (nb, failing) in built.items():
        assert set(failing) <= set(points), f"{student}: unknown test cells {set(failing) - set(points)}"
        expected[student] = {gid: 0.0 if gid in failing else pts for gid, pts in points.items()}
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")

    nbgrader(course, "autograde", assignment, "--force")
    nbgrader(course, "generate_feedback", assignment, "--force")
    nbgrader(course, "export", "--to", str(course / "grades.csv"))

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, cell_scores in expected.items():
            submission = gb.find_submission_notebook(assignment, assignment, student)
            got = {grade.name: grade.score for grade in submission.grades if grade.name in points}
            assert got == cell_scores, student

    with open(course / "grades.csv") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(expected)
    for student, cell_scores in expected.items():
        # Manually graded answers count towards max_score and score 0 until an instructor grades them.
        assert float(rows[student]["max_score"]) == total_points(release)
        assert float(rows[student]["score"]) == sum(cell_scores.values()), student
        feedback = course / "feedback" / student / assignment / f"{assignment}.html"
        assert feedback.exists() and "Test" in feedback.read_text()
