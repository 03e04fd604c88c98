"""Validation both ways, with nbgrader's Python API (the `nbgrader validate` CLI exits 0 on failure).

* every solution notebook passes all of its tests;
* in every release notebook no graded test cell passes before the student answers (no vacuous test).
"""

import shutil

import pytest
from course_tools import ASSIGNMENTS, graded_points, read, release_path, solution_path
from nbgrader.validator import Validator
from traitlets.config import Config


def validate(path, tmp_path, invert=False) -> dict:
    work = tmp_path / path.name
    shutil.copy(path, work)
    config = Config()
    config.Execute.timeout = 120
    config.Validator.invert = invert
    return Validator(config=config).validate(str(work))


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_every_test(assignment, tmp_path):
    assert validate(solution_path(assignment), tmp_path) == {}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_passes_no_test_unanswered(assignment, tmp_path):
    assert graded_points(read(release_path(assignment))), "the release has no graded test cell"
    result = validate(release_path(assignment), tmp_path, invert=True)
    passing = [cell["source"].splitlines()[0] for cell in result.get("passed", [])]
    assert result == {}, f"graded cells pass without an answer: {passing}"
