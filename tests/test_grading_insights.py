"""The instructor's mistake report on a batch with planted mistakes, graded for real by the hardened grader.

Notebook 03 gets several students per mistake (two ways of forgetting the bias, h0 ignored, a delegating
embedding, a wrong shape), correct and unanswered students, one whose code raises and prints a marker, one whose
kernel dies, and an unreadable notebook; notebook 00 gets a correct student and two with a wrong shape. The
report's counts, keys and students must be exactly what was planted, and the marker (student output and
student exception text) must appear nowhere in it.
"""

import csv
import os
import subprocess
import sys

import nbformat
import pytest
from course_tools import (
    answer_cells,
    chromium,
    copy_course,
    nbgrader,
    once_per_session,
    read,
    release_path,
    solution_path,
    tool_env,
)
from submissions import vanilla_rnn

from rnnlab.grading import sandbox

pytestmark = pytest.mark.slow

A, W = "03_vanilla_rnn", "00_welcome"
MARKER = "PLANTED-MARKER-7f3a"
BROKEN = '{"cells": [ "' + MARKER  # an unreadable notebook: the parser's message quotes the file's start

STEP_WITHOUT_BIAS_AGAIN = '''
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    pre = h_prev.dot(Wh) + x.dot(Wx)  # the same mistake, written differently
    h = np.tanh(pre)
    return h, (x, h_prev, Wx, Wh, h)
'''
FORWARD_FLAT = '''
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h, cache, h_prev = [], [], h0
    for t in range(T):
        h_prev, step = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        h.append(h_prev)
        cache.append(step)
    return np.concatenate(h, axis=1), cache
'''
BACKWARD_RAISES = f'''
def embedding_backward(dout, cache):
    print("{MARKER} printed by the student")
    raise IndexError("{MARKER} in the student's exception")
'''
DIES = "import os\nos._exit(1)\n"
TANH_WRONG_SHAPE = "def tanh_derivative(h):\n    return (1 - h**2).ravel()\n"
TANH_WRONG_SHAPE_AGAIN = "def tanh_derivative(h):\n    return (1 - h * h).reshape(-1, 1)\n"

# student -> answers that replace the solution's ("unanswered": the release as it is)
PLANTED = {
    A: {
        "correct_1": {}, "correct_2": {},
        "bias_1": {"rnn_step_forward": vanilla_rnn.STEP_WITHOUT_BIAS},
        "bias_2": {"rnn_step_forward": vanilla_rnn.STEP_WITHOUT_BIAS},
        "bias_3": {"rnn_step_forward": STEP_WITHOUT_BIAS_AGAIN},
        "h0_1": {"rnn_forward": vanilla_rnn.FORWARD_IGNORING_H0},
        "h0_2": {"rnn_forward": vanilla_rnn.FORWARD_IGNORING_H0},
        "delegates_1": {"embedding_forward": vanilla_rnn.EMBEDDING_DELEGATING},
        "delegates_2": {"embedding_forward": vanilla_rnn.EMBEDDING_DELEGATING},
        "unanswered_1": "unanswered", "unanswered_2": "unanswered",
        "raises": {"embedding_backward": BACKWARD_RAISES},
        "flat_h": {"rnn_forward": FORWARD_FLAT},
        "dies": {"embedding_forward": DIES},
        "broken": "broken",
    },
    W: {
        "correct_1": {},
        "shape_1": {"tanh_derivative": TANH_WRONG_SHAPE},
        "shape_2": {"tanh_derivative": TANH_WRONG_SHAPE_AGAIN},
    },
}

# What was planted, by meaning: (exercise, mistake key) -> students. Every other lost point is a test failure.
UNANSWERED_03 = {gid: ["unanswered_1", "unanswered_2"] for gid in
                 ("rnn_step_forward_test", "rnn_forward_test", "embedding_forward_test", "embedding_backward_test")}
EXPECTED = {
    A: {
        ("rnn_step_forward_test", "forgot_bias"): ["bias_1", "bias_2", "bias_3"],
        ("rnn_forward_test", "ignored_h0"): ["h0_1", "h0_2"],
        ("rnn_forward_test", "wrong_shape"): ["flat_h"],
        ("embedding_forward_test", "delegates"): ["delegates_1", "delegates_2"],
        ("embedding_forward_test", "not_run_kernel_died"): ["dies"],
        ("embedding_backward_test", "raised:IndexError"): ["raises"],
        ("embedding_backward_test", "not_run_kernel_died"): ["dies"],
        **{(gid, "not_implemented"): who for gid, who in UNANSWERED_03.items()},
    },
    W: {("tanh_derivative_test", "wrong_shape"): ["shape_1", "shape_2"]},
}
GRADED = {A: 14, W: 3}  # every student but "broken"


def grader(course, *args):
    proc = subprocess.run([sys.executable, "-m", "rnnlab.grading", *args], cwd=course, env=tool_env(),
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Both batches graded once per session (the first xdist worker grades, the others wait for it)."""
    problem = sandbox.probe()
    if problem and os.environ.get("RNNLAB_REQUIRE_SANDBOX") != "1":
        pytest.skip(f"grading needs bubblewrap: {problem}")
    return once_per_session(tmp_path_factory, "grading-insights", plant_and_grade)[0]


def plant_and_grade(course):
    copy_course(course, list(PLANTED))
    for assignment, students in PLANTED.items():
        nbgrader(course, "generate_assignment", assignment, "--force")
        release = read(release_path(assignment, course))
        solution = answer_cells(read(solution_path(assignment)))
        for student, answers in students.items():
            folder = course / "submitted" / student / assignment
            folder.mkdir(parents=True)
            if answers == "broken":
                (folder / f"{assignment}.ipynb").write_text(BROKEN)
                continue
            nb = nbformat.from_dict(release)
            if answers != "unanswered":
                for cell in nb.cells:
                    gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                    if gid in solution:
                        cell.source = answers.get(gid, solution[gid])
            nbformat.write(nb, folder / f"{assignment}.ipynb")
        grader(course, "autograde", assignment, "--workers", "2", "--require-sandbox")


def csv_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# The tests may run at the same time on the one graded course: each writes its report where no other test does.


def test_the_report_counts_exactly_the_planted_mistakes(course, tmp_path):
    out = grader(course, "insights", A, "--students", "--out", str(tmp_path))
    rows = csv_rows(tmp_path / f"{A}.csv")
    mistakes = {(r["exercise"], r["mistake"]): r for r in rows if r["exercise"] != "-"}
    assert {k: sorted(r["student_ids"].split()) for k, r in mistakes.items()} == EXPECTED[A]
    for (_, key), row in mistakes.items():
        assert int(row["students"]) == len(EXPECTED[A][(row["exercise"], key)])
        assert row["share"] == f"{100 * int(row['students']) / GRADED[A]:.0f}%"
    # the check's own message is the example of its key; a generic key gets its fixed description
    assert "you forgot the bias" in mistakes[("rnn_step_forward_test", "forgot_bias")]["example"]
    raised = mistakes[("embedding_backward_test", "raised:IndexError")]
    assert raised["example"] == "the student's code raised IndexError"
    assert [(r["mistake"], r["students"], r["student_ids"]) for r in rows if r["exercise"] == "-"] == [
        ("not_graded", "1", "broken")]
    # the terminal table: ranked, with counts and shares, and the ungraded student with the reason
    step = out[out.index("rnn_step_forward_test"):out.index("rnn_forward_test")]
    assert step.index("forgot_bias") < step.index("not_implemented")  # 3 students before 2
    assert "3 full marks" not in step and "9 full marks, 5 zero" in step
    assert "       3    21%  forgot_bias" in step
    assert "students: bias_1, bias_2, bias_3" in out
    assert "Not graded (1):\n  broken: scored 0: 03_vanilla_rnn.ipynb could not be read\n" in out
    for text in (out, (tmp_path / f"{A}.csv").read_text(), (tmp_path / f"{A}.html").read_text()):
        assert MARKER not in text


def test_the_course_page_shows_mistakes_recurring_across_assignments(course):
    out = grader(course, "insights", "--all")  # the default folder: no other test writes course.*
    rows = csv_rows(course / "insights" / "course.csv")
    got = {(r["assignment"], r["exercise"], r["mistake"]): int(r["students"]) for r in rows if r["exercise"] != "-"}
    want = {(a, gid, key): len(who) for a, planted in EXPECTED.items() for (gid, key), who in planted.items()}
    assert got == want
    assert "student_ids" not in rows[0]  # ids only on request
    recurring = out[out.index("Mistakes in more than one assignment:"):]
    assert "wrong_shape               00_welcome: 2, 03_vanilla_rnn: 1" in recurring
    assert "not_implemented" not in recurring  # unanswered is not a misunderstanding
    assert MARKER not in out and MARKER not in (course / "insights" / "course.html").read_text()


def test_the_html_page_is_self_contained_and_renders_one_chart_per_exercise(course, tmp_path):
    grader(course, "insights", A, "--out", str(tmp_path))
    page = tmp_path / f"{A}.html"
    text = page.read_text()
    assert "<script" not in text.lower() and "http" not in text  # no JavaScript, nothing fetched
    with chromium() as browser:
        view = browser.new_page(viewport={"width": 1200, "height": 900})
        view.goto(page.as_uri())
        images = view.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.alt])")
        headings = view.eval_on_selector_all("h2", "hs => hs.map(h => h.textContent)")
        cells = view.eval_on_selector_all("td", "tds => tds.map(td => td.textContent)")
        if os.environ.get("RNNLAB_SCREENSHOTS"):  # a folder to look at the page in
            view.screenshot(path=os.path.join(os.environ["RNNLAB_SCREENSHOTS"], "insights.png"), full_page=True)
    exercises = ["rnn_step_forward_test", "rnn_forward_test", "embedding_forward_test", "embedding_backward_test"]
    assert headings == exercises
    assert len(images) == len(exercises)
    assert all(done and width >= 900 for done, width, _ in images), images  # decoded, 1000 px wide charts
    assert "forgot_bias" in cells and "broken: scored 0" in text
