"""Validation both ways, with nbgrader's Python API (the `nbgrader validate` CLI exits 0 on failure).

* every solution notebook passes all of its tests;
* in every release notebook no graded test cell passes before the student answers (no vacuous test).

Both hold for every notebook. For the assignments with sample submissions, tests/test_autograde_roundtrip.py
asserts them with stock nbgrader, hidden tests included: its "correct" student scores every test cell's points,
its "unanswered" student 0 on every one. Running each notebook a second time here would only repeat those
executions, so this module validates the other notebooks. The Validate button itself is driven in a real
JupyterLab by tests/test_browser.py.
"""

import shutil

import pytest
from course_tools import ASSIGNMENTS, SAMPLES, graded_points, read, release_path, solution_path
from nbgrader.validator import Validator
from traitlets.config import Config

NOT_IN_THE_ROUND_TRIP = [a for a in ASSIGNMENTS if a not in SAMPLES]


def test_every_other_notebook_is_in_the_round_trip():
    assert set(ASSIGNMENTS) - set(NOT_IN_THE_ROUND_TRIP) == set(SAMPLES)
    assert NOT_IN_THE_ROUND_TRIP == ["00_welcome"]


def validate(path, tmp_path, invert=False) -> dict:
    work = tmp_path / path.name
    shutil.copy(path, work)
    config = Config()
    config.Execute.timeout = 120
    config.Validator.invert = invert
    return Validator(config=config).validate(str(work))


@pytest.mark.slow
@pytest.mark.parametrize("assignment", NOT_IN_THE_ROUND_TRIP)
def test_solution_passes_every_test(assignment, tmp_path):
    assert validate(solution_path(assignment), tmp_path) == {}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", NOT_IN_THE_ROUND_TRIP)
def test_release_passes_no_test_unanswered(assignment, tmp_path):
    assert graded_points(read(release_path(assignment))), "the release has no graded test cell"
    result = validate(release_path(assignment), tmp_path, invert=True)
    passing = [cell["source"].splitlines()[0] for cell in result.get("passed", [])]
    assert result == {}, f"graded cells pass without an answer: {passing}"
