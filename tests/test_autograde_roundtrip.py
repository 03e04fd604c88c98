"""The whole nbgrader cycle on real notebooks: release -> submissions -> autograde -> feedback -> export.

Each sample submission is built from the generated release, answered (or not) cell by cell, and graded
by real nbgrader; the test asserts every student's exact score per test cell and in grades.csv.
"""

import csv

import nbformat
import pytest
from course_tools import (
    answer_cells,
    copy_course,
    graded_points,
    nbgrader,
    read,
    release_path,
    solution_path,
    with_answers,
)
from nbgrader.api import Gradebook

ASSIGNMENT = "01_memoryless_models"

# A single-term bug: the hidden layer forgets its bias b1.
FORWARD_WITHOUT_B1 = '''
def window_mlp_forward(X, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    h = np.tanh(X @ W1)
    y = (h @ W2 + b2)[:, 0]
    return y, (X, h, params)
'''

# An answer cell that raises when it runs, so the function is never defined.
RAISES_AT_DEFINITION = 'raise RuntimeError("I broke my notebook")\n'


def submissions(release, solution):
    return {
        "correct": with_answers(release, solution),
        "bias_bug": with_answers(release, {**solution, "window_mlp_forward": FORWARD_WITHOUT_B1}),
        "unanswered": release,
        "raises": with_answers(release, {**solution, "make_windows": RAISES_AT_DEFINITION}),
    }


def expected_scores(points):
    return {
        "correct": dict(points),
        "bias_bug": {**points, "window_mlp_forward_test": 0.0},
        "unanswered": dict.fromkeys(points, 0.0),
        "raises": {**points, "make_windows_test": 0.0},
    }


@pytest.mark.slow
def test_release_autograde_feedback_export(tmp_path):
    course = copy_course(tmp_path, [ASSIGNMENT])
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    release = read(release_path(ASSIGNMENT, course))
    points = graded_points(release)
    expected = expected_scores(points)

    for student, nb in submissions(release, answer_cells(read(solution_path(ASSIGNMENT)))).items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")

    nbgrader(course, "autograde", ASSIGNMENT, "--force")
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    nbgrader(course, "export", "--to", str(course / "grades.csv"))

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student, cell_scores in expected.items():
            submission = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
            got = {grade.name: grade.score for grade in submission.grades if grade.name in points}
            assert got == cell_scores, student

    with open(course / "grades.csv") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(expected)
    for student, cell_scores in expected.items():
        assert float(rows[student]["max_score"]) == sum(points.values())
        assert float(rows[student]["score"]) == sum(cell_scores.values()), student
        feedback = course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert feedback.exists() and "Test" in feedback.read_text()
