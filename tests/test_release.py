"""notebooks/ is exactly what nbgrader generates from solutions/: nobody hand-edits a release."""

import re

import pytest
from course_tools import ASSIGNMENTS, ROOT, copy_course, nbgrader, read, release_path, solution_path

# Fields that carry no content: outputs are cleared in a release anyway.
VOLATILE_CELL_FIELDS = {"outputs", "execution_count"}


def comparable(nb) -> dict:
    cells = [{k: v for k, v in cell.items() if k not in VOLATILE_CELL_FIELDS} for cell in nb.cells]
    return {"metadata": nb.metadata, "cells": cells}


def test_every_assignment_has_one_release_and_matching_names():
    assert ASSIGNMENTS, "no assignments found in solutions/"
    released = sorted(p.name for p in (ROOT / "notebooks").iterdir() if p.is_dir())
    assert released == ASSIGNMENTS
    for assignment in ASSIGNMENTS:
        assert re.fullmatch(r"\d\d_[a-z_]+", assignment)
        assert sorted(p.name for p in (ROOT / "solutions" / assignment).glob("*.ipynb")) == [
            f"{assignment}.ipynb"
        ]
        assert release_path(assignment).exists()


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_is_what_nbgrader_generates(assignment, tmp_path):
    course = copy_course(tmp_path, [assignment])
    nbgrader(course, "generate_assignment", assignment, "--force")
    fresh = read(release_path(assignment, course))
    committed = read(release_path(assignment))
    assert comparable(committed) == comparable(fresh), (
        f"notebooks/{assignment} differs from a fresh nbgrader release of solutions/{assignment}: run `make release`"
    )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_widget_state_is_stored(assignment):
    # Widget state carries random model ids and images; nbgrader would copy it into the release.
    assert "widgets" not in read(solution_path(assignment)).metadata
    assert "widgets" not in read(release_path(assignment)).metadata


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grade_ids_are_unique_and_meaningful(assignment):
    nb = read(solution_path(assignment))
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "duplicate grade_id"
    for gid in ids:
        assert re.fullmatch(r"[a-z][a-z0-9_]+", gid) and not re.fullmatch(r"cell-[0-9a-f]+", gid), gid
