"""The grader takes in a submission folder as hostile input, and reserves its sandbox slots machine-wide."""

import json
import os

import pytest

from rnnlab.grading import batch, intake, sandbox


@pytest.fixture
def folder(tmp_path):
    sub = tmp_path / "submitted" / "ada" / "01_a"
    sub.mkdir(parents=True)
    (sub / "01_a.ipynb").write_text('{"cells": []}')
    (tmp_path / "secret.ipynb").write_text("the solution")
    return sub


def test_regular_files_are_read_with_their_bytes_and_nested_folders(folder):
    (folder / "data").mkdir()
    (folder / "data" / "x.bin").write_bytes(b"\x00\xff")
    got = intake.take_in(folder)
    assert got.problem is None and got.files == {"01_a.ipynb": b'{"cells": []}', "data/x.bin": b"\x00\xff"}


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda f, s: os.symlink(s, f / "01_a.ipynb.link"), "01_a.ipynb.link is a symbolic link, not a file"),
        (lambda f, s: os.symlink(s, f / "timestamp.txt"), "timestamp.txt is a symbolic link, not a file"),
        (lambda f, s: os.mkfifo(f / "pipe"), "pipe is a named pipe (FIFO), not a file"),
        (lambda f, s: os.link(s, f / "copy.ipynb"), "copy.ipynb is a hard link to another file"),
        (lambda f, s: os.symlink(s.parent, f / "up"), "up is a symbolic link, not a file"),
    ],
)
def test_anything_but_a_regular_file_is_refused_with_a_reason_and_never_followed(folder, make, reason):
    make(folder, folder.parents[2] / "secret.ipynb")
    got = intake.take_in(folder)
    assert got.problem.startswith(reason) and got.files == {}


def test_a_folder_reached_through_a_link_is_refused(folder, tmp_path):
    os.symlink(folder.parent, tmp_path / "submitted" / "eve")
    assert intake.take_in(tmp_path / "submitted" / "eve" / "01_a").problem == (
        "the submission folder is reached through a symbolic link")


def test_names_that_are_not_utf8_are_kept_and_shown_readably(folder):
    with open(os.fsencode(folder) + b"/notes-\xff.txt", "wb") as f:
        f.write(b"\xfe")
    got = intake.take_in(folder)
    (name,) = [n for n in got.files if n.startswith("notes")]
    assert got.problem is None and intake.shown(name) == "notes-\\xff.txt" and len(got.digest()) == 64
    got.write(folder.parent / "copy")
    assert sorted(os.listdir(os.fsencode(folder.parent / "copy"))) == [b"01_a.ipynb", b"notes-\xff.txt"]


def test_a_timestamp_that_is_not_utf8_or_not_a_date_is_ignored(folder):
    (folder / "timestamp.txt").write_bytes(b"\xff\xfe2\x000\x00")
    assert batch._timestamp(folder) is None
    (folder / "timestamp.txt").write_text("2026-11-30 10:00:00.000000 UTC")
    assert batch._timestamp(folder).year == 2026


def test_two_batches_never_hold_the_same_slot_and_a_slot_is_free_again_afterwards():
    with sandbox.reserved_slots(2) as first, sandbox.reserved_slots(3) as second:
        assert len(set(first) | set(second)) == 5
    with sandbox.reserved_slots(2) as again:
        assert set(again) & set(first)  # released when the first batch ended


def test_export_lists_the_submissions_without_a_grade_and_why(tmp_path):
    course = batch.Course(tmp_path, "source", "release", "sqlite:///unused.db")
    for student in ("ada", "bob"):
        (tmp_path / "submitted" / student / "01_a").mkdir(parents=True)
    state = course.state("01_a", "bob")
    state.parent.mkdir(parents=True)
    state.write_text(json.dumps({"error": "the student kernel did not start"}))
    assert batch.ungraded(course) == [
        "ada/01_a: not autograded yet",
        "bob/01_a: grader error: the student kernel did not start",
    ]
