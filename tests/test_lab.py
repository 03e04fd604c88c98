"""`make lab` and `make instructor`: what each serves, over HTTP (tests/test_browser.py drives the pages)."""

import json
import urllib.error
import urllib.parse

import pytest
from course_tools import ASSIGNMENTS, ROOT, lab_get, running_lab

from rnnlab.lab import SEEDED, seed_workspace


@pytest.mark.slow
def test_make_lab_serves_the_students_workspace_without_the_instructors_tools(tmp_path):
    workspace = tmp_path / "workspace"
    with running_lab(tmp_path, "lab", workspace) as base:
        status, page = lab_get(f"{base}/lab")
        assert status == 200 and "JupyterLab" in page
        config = json.loads(page.split('id="jupyter-config-data"', 1)[1].split(">", 1)[1].split("</script>", 1)[0])
        disabled = set(config["disabledExtensions"])
        for plugin in ("formgrader", "create-assignment", "assignment-list", "course-list", "menu"):
            assert f"@jupyter/nbgrader:{plugin}" in disabled
        assert "@jupyter/nbgrader:validate-assignment" not in disabled
        assert "@jupyterlab/apputils-extension:announcements" in disabled

        status, listing = lab_get(f"{base}/api/contents")
        assert sorted(item["name"] for item in json.loads(listing)["content"]) == ASSIGNMENTS
        notebook = f"{ASSIGNMENTS[0]}/{ASSIGNMENTS[0]}.ipynb"
        assert (workspace / notebook).read_bytes() == (ROOT / "notebooks" / notebook).read_bytes()

        with pytest.raises(urllib.error.HTTPError) as missing:
            lab_get(f"{base}/formgrader")
        assert missing.value.code == 404

        # The Validate button's endpoint: an unanswered release reports failing tests. Validation executes the
        # whole notebook, so it gets a generous timeout on a busy machine.
        data = urllib.parse.urlencode({"path": notebook}).encode()
        status, answer = lab_get(f"{base}/assignments/validate", data=data, timeout=300)
        result = json.loads(answer)
        assert status == 200 and result["success"], result
        assert result["value"]["failed"], result


@pytest.mark.slow
def test_make_instructor_serves_the_course_with_the_formgrader(tmp_path):
    with running_lab(tmp_path, "instructor") as base:
        status, listing = lab_get(f"{base}/api/contents")
        names = {item["name"] for item in json.loads(listing)["content"]}
        assert {"solutions", "notebooks", "nbgrader_config.py"} <= names
        status, page = lab_get(f"{base}/formgrader")
        assert status == 200 and "formgrader" in page.lower()


def test_seeding_copies_what_is_missing_and_never_overwrites_a_students_work(tmp_path):
    release, workspace = tmp_path / "notebooks", tmp_path / "workspace"
    (release / "01_a").mkdir(parents=True)
    (release / "01_a" / "01_a.ipynb").write_text("release 1")
    assert [p.name for p in seed_workspace(release, workspace)] == ["01_a.ipynb"]
    (workspace / "01_a" / "01_a.ipynb").write_text("my answers")

    (release / "01_a" / "01_a.ipynb").write_text("release 2")  # the course updates notebook 01 ...
    (release / "02_b").mkdir()
    (release / "02_b" / "02_b.ipynb").write_text("new notebook")  # ... and publishes notebook 02
    notes = []
    copied = seed_workspace(release, workspace, log=notes.append)

    assert [p.name for p in copied] == ["02_b.ipynb"]
    assert (workspace / "01_a" / "01_a.ipynb").read_text() == "my answers"
    assert (workspace / "02_b" / "02_b.ipynb").read_text() == "new notebook"
    assert len(notes) == 1 and "01_a/01_a.ipynb was updated" in notes[0] and "kept" in notes[0]
    assert SEEDED in {p.name for p in workspace.iterdir()}

    notes.clear()
    (workspace / "01_a" / "01_a.ipynb").unlink()  # the student starts over from the new version
    assert [p.name for p in seed_workspace(release, workspace, log=notes.append)] == ["01_a.ipynb"]
    assert (workspace / "01_a" / "01_a.ipynb").read_text() == "release 2" and notes == []
