"""What did the class get wrong? The instructor's view of the last autograde, per exercise.

    python -m rnnlab.grading insights ASSIGNMENT [--students]
    python -m rnnlab.grading insights --all [--students]

For each exercise (test cell): the score distribution and the mistakes ranked by how many students made them,
with the share of graded students, one example message and, with ``--students``, the students' ids; then the
submissions that were not graded and why. ``--all`` puts every assignment's top mistakes on one page, with the
mistakes that recur across assignments first. Written as a terminal table, ``insights/NAME.csv`` and a
self-contained ``insights/NAME.html`` (charts as embedded PNGs, no JavaScript).

Mistakes are counted by their keys (rnnlab.checks' mistake keys; runner.MISTAKES for lost points no check
names), so the same mistake made with different numbers counts once per student. The report is built from the
grader's results only: an example is the first line of a check's message with the student's code removed, and
for generic keys (a student's own exception, a crash) a fixed description, so no student code or output
appears in it.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from rnnlab.checks._common import GENERIC_MISTAKES
from rnnlab.grading import batch, intake, runner

OUT_DIR = "insights"
TOP = 8  # mistakes per exercise in a chart (the tables list all)
TOP_PER_EXERCISE = 3  # mistakes per exercise on the course page
# Keys that say an exercise was not attempted or not run, not what was misunderstood: left out of the recurring list.
NOT_ATTEMPTED = {"not_implemented", "not_defined", "not_graded", "not_run_kernel_died", "not_run_timeout",
                 "notebook_timeout", "killed_worker"}
STUDENT_LINE = re.compile(r" \(at line \d+: `.*?`\)")  # rnnlab.checks' quote of the student's failing line


@dataclass
class Exercise:
    """One test cell: ``scores`` of the graded students, ``mistakes`` key -> their ids, ``examples`` key ->
    Counter of example messages."""

    grade_id: str
    points: float
    scores: list[float] = field(default_factory=list)
    mistakes: dict[str, list[str]] = field(default_factory=dict)
    examples: dict[str, Counter] = field(default_factory=dict)

    def ranked(self) -> list[tuple[str, list[str]]]:
        """(key, students) from the most common mistake to the least (ties by key)."""
        return sorted(self.mistakes.items(), key=lambda item: (-len(item[1]), item[0]))

    def example(self, key: str) -> str:
        return describe(key) or self.examples[key].most_common(1)[0][0]


@dataclass
class Insights:
    """The class view of one assignment: its exercises in notebook order, who was graded and who was not."""

    assignment: str
    exercises: dict[str, Exercise]
    graded: list[str] = field(default_factory=list)
    ungraded: dict[str, str] = field(default_factory=dict)  # student -> why


def describe(key: str) -> str:
    """The fixed description of a generic mistake key, or '' for a check's own key (its message is the example)."""
    if key.startswith("raised:"):
        return f"the student's code raised {key.split(':', 1)[1]}"
    return GENERIC_MISTAKES.get(key) or runner.MISTAKES.get(key, "")


def collect(course: batch.Course, assignment: str) -> Insights:
    """Read the last autograde of ``assignment`` (the grader's results, never the submissions)."""
    release = nbformat.read(course.notebook(course.release, assignment), as_version=4)
    found = Insights(assignment, {gid: Exercise(gid, points) for gid, points in runner.points_of(release).items()})
    for student in batch.students(course, assignment):
        state = batch.read_state(course, assignment, student)
        if "tests" not in state:
            found.ungraded[student] = batch.why_ungraded(state)
            continue
        if not state.get("ran", True):
            why = next(iter(state.get("notes", [])), "the notebook could not be run")
            found.ungraded[student] = f"scored 0: {why.split(' (', 1)[0]}"  # not the parser's quote of the file
            continue
        found.graded.append(student)
        for gid, test in state["tests"].items():
            exercise = found.exercises.get(gid)
            if exercise is None:  # graded against an older release: its tests are not this one's
                continue
            exercise.scores.append(test["score"])
            if test["score"] < test["max"]:
                key = test.get("mistake") or "unknown"
                exercise.mistakes.setdefault(key, []).append(student)
                exercise.examples.setdefault(key, Counter())[_example(test)] += 1
    return found


def _example(test: dict) -> str:
    """The first line of the check's message without the student's code (the hidden tests' own message if any)."""
    message = test.get("detail", "").removeprefix("hidden tests: ") or test["reason"]
    first = STUDENT_LINE.sub("", message.strip().splitlines()[0] if message.strip() else "")
    first = first.removeprefix("AssertionError: ")
    return first if len(first) <= 200 else first[:199] + "…"


def _points(points: float) -> str:
    return f"{points:g} point" + ("" if points == 1 else "s")


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.0f}%" if total else "-"


def _distribution(exercise: Exercise) -> str:
    full = sum(score >= exercise.points for score in exercise.scores)
    zero = sum(score == 0 for score in exercise.scores)
    partial = len(exercise.scores) - full - zero
    return f"{full} full marks, {partial} partial, {zero} zero" if partial else f"{full} full marks, {zero} zero"


def table(found: Insights, with_students: bool = False) -> str:
    """The terminal report of one assignment."""
    total = len(found.graded)
    lines = [f"{found.assignment}: what the class got wrong ({total} graded, {len(found.ungraded)} not graded)"]
    for exercise in found.exercises.values():
        lines.append(f"\n{exercise.grade_id} ({_points(exercise.points)}): {_distribution(exercise)}")
        if not exercise.mistakes:
            continue
        lines.append(f"  {'students':>8}  {'share':>5}  {'mistake':<24}  example")
        for key, who in exercise.ranked():
            lines.append(f"  {len(who):>8}  {_share(len(who), total):>5}  {key:<24}  {exercise.example(key)}")
            if with_students:
                lines.append(f"  {'':>8}  {'':>5}  {'':<24}  students: {', '.join(map(intake.shown, who))}")
    if found.ungraded:
        lines.append(f"\nNot graded ({len(found.ungraded)}):")
        lines.extend(f"  {intake.shown(student)}: {why}" for student, why in found.ungraded.items())
    return "\n".join(lines)


CSV_COLUMNS = ["assignment", "exercise", "points", "mistake", "students", "share", "example"]


def rows(found: Insights, with_students: bool = False) -> list[dict]:
    """The CSV rows of one assignment: one per (exercise, mistake), then one per reason a submission was not
    graded (exercise '-', mistake 'not_graded')."""
    total = len(found.graded)
    out = []
    for exercise in found.exercises.values():
        for key, who in exercise.ranked():
            out.append({"assignment": found.assignment, "exercise": exercise.grade_id, "points": exercise.points,
                        "mistake": key, "students": len(who), "share": _share(len(who), total),
                        "example": exercise.example(key)} | ({"student_ids": " ".join(who)} if with_students else {}))
    reasons: dict[str, list[str]] = {}
    for student, why in found.ungraded.items():
        reasons.setdefault(why, []).append(student)
    for why, who in reasons.items():
        out.append({"assignment": found.assignment, "exercise": "-", "points": "", "mistake": "not_graded",
                    "students": len(who), "share": "", "example": why}
                   | ({"student_ids": " ".join(who)} if with_students else {}))
    return out


def write_csv(path: Path, all_rows: list[dict], with_students: bool = False) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, CSV_COLUMNS + (["student_ids"] if with_students else []))
        writer.writeheader()
        writer.writerows(all_rows)


def recurring(everything: list[Insights]) -> list[tuple[str, dict[str, int], str]]:
    """Mistakes made in two or more assignments: (key, {assignment: students}, an example), most assignments
    first. A student who makes a mistake in two exercises of an assignment counts twice there."""
    seen: dict[str, Counter] = {}
    examples: dict[str, str] = {}
    for found in everything:
        for exercise in found.exercises.values():
            for key, who in exercise.mistakes.items():
                if key not in NOT_ATTEMPTED:
                    seen.setdefault(key, Counter())[found.assignment] += len(who)
                    examples.setdefault(key, exercise.example(key))
    repeated = [(key, dict(by), examples[key]) for key, by in seen.items() if len(by) > 1]
    return sorted(repeated, key=lambda item: (-len(item[1]), -sum(item[1].values()), item[0]))


def _chart(exercise: Exercise, total: int) -> str:
    """A PNG (base64) of the exercise's score distribution and its most common mistakes."""
    from matplotlib.figure import Figure

    ranked = exercise.ranked()[:TOP]
    fig = Figure(figsize=(10, 1.6 + 0.38 * max(len(ranked), 2)), dpi=100, layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1, 2.6])
    values = sorted({0.0, exercise.points, *exercise.scores})
    counts = Counter(exercise.scores)
    left.bar([f"{v:g}" for v in values], [counts[v] for v in values], color="#4c72b0")
    left.set_xlabel(f"score (of {exercise.points:g})")
    left.set_ylabel("students")
    left.set_title("scores", fontsize=10)
    left.yaxis.get_major_locator().set_params(integer=True)
    if ranked:
        keys = [key for key, _ in ranked][::-1]
        numbers = [len(who) for _, who in ranked][::-1]
        bars = right.barh(keys, numbers, color="#dd8452")
        right.bar_label(bars, labels=[f"{n} ({_share(n, total)})" for n in numbers], padding=3, fontsize=9)
        right.set_xlim(0, max(numbers) * 1.25)
        right.xaxis.get_major_locator().set_params(integer=True)
        right.set_xlabel("students")
    else:
        right.text(0.5, 0.5, "no lost points", ha="center", va="center", transform=right.transAxes)
        right.set_axis_off()
    right.set_title("mistakes, most common first", fontsize=10)
    fig.suptitle(f"{exercise.grade_id} ({_points(exercise.points)})", fontsize=11)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


_STYLE = """body{font-family:sans-serif;max-width:1050px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}
td.n{text-align:right}img{max-width:100%}h2{margin-top:2em}.ids{color:#666;font-size:90%}"""


def _mistake_table(found: Insights, exercises: list[Exercise], with_students: bool, limit: int | None = None) -> str:
    e = html.escape
    total = len(found.graded)
    cells = []
    for exercise in exercises:
        for key, who in exercise.ranked()[:limit]:
            ids = f"<div class=ids>{e(', '.join(who))}</div>" if with_students else ""
            cells.append(f"<tr><td>{e(exercise.grade_id)}</td><td><code>{e(key)}</code></td>"
                         f"<td class=n>{len(who)}</td><td class=n>{_share(len(who), total)}</td>"
                         f"<td>{e(exercise.example(key))}{ids}</td></tr>")
    if not cells:
        return "<p>No lost points.</p>"
    return ("<table><tr><th>exercise</th><th>mistake</th><th>students</th><th>share</th><th>example</th></tr>"
            + "".join(cells) + "</table>")


def _ungraded(found: Insights) -> str:
    if not found.ungraded:
        return ""
    items = "".join(f"<li>{html.escape(intake.shown(s))}: {html.escape(why)}</li>" for s, why in found.ungraded.items())
    return f"<h3>Not graded ({len(found.ungraded)})</h3><ul>{items}</ul>"


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>\n")


def assignment_html(found: Insights, with_students: bool = False) -> str:
    """One assignment's page: per exercise a chart and the table of its mistakes."""
    total = len(found.graded)
    parts = [f"<p>{total} submissions graded, {len(found.ungraded)} not graded. A student counts once per mistake "
             "and exercise; share is of the graded submissions.</p>"]
    for exercise in found.exercises.values():
        parts.append(f"<h2>{html.escape(exercise.grade_id)}</h2><p>{_distribution(exercise)}</p>"
                     f"<img alt='scores and mistakes of {html.escape(exercise.grade_id)}' "
                     f"src='data:image/png;base64,{_chart(exercise, total)}'>"
                     + (_mistake_table(found, [exercise], with_students) if exercise.mistakes else ""))
    parts.append(_ungraded(found))
    return _page(f"{found.assignment}: what the class got wrong", "".join(parts))


def course_html(everything: list[Insights], with_students: bool = False) -> str:
    """Every assignment's top mistakes on one page, the mistakes that recur across assignments first."""
    e = html.escape
    repeated = recurring(everything)
    parts = ["<h2>Mistakes in more than one assignment</h2>"]
    if repeated:
        parts.append("<table><tr><th>mistake</th><th>students per assignment</th><th>what it is</th></tr>")
        for key, by, example in repeated:
            where = ", ".join(f"{e(a)}: {n}" for a, n in by.items())
            parts.append(f"<tr><td><code>{e(key)}</code></td><td>{where}</td><td>{e(example)}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    for found in everything:
        parts.append(f"<h2>{e(found.assignment)}</h2><p>{len(found.graded)} graded, {len(found.ungraded)} not "
                     f"graded. The {TOP_PER_EXERCISE} most common mistakes of each exercise:</p>")
        parts.append(_mistake_table(found, list(found.exercises.values()), with_students, TOP_PER_EXERCISE))
        parts.append(_ungraded(found))
    return _page("The course: what the class got wrong", "".join(parts))


def assignments(course: batch.Course) -> list[str]:
    """The released assignments that have submissions, in course order."""
    submitted = {folder.name for folder in (course.root / "submitted").glob("*/*")}
    return [a.name for a in sorted((course.root / course.release).iterdir()) if a.name in submitted]


def run(course: batch.Course, assignment: str | None, with_students: bool = False, out: Path | None = None,
        log=print) -> Path:
    """Write ASSIGNMENT.{csv,html} (or course.* for every assignment when ``assignment`` is None) into ``out``
    (default: the course's insights/), print the terminal table and return the HTML's path."""
    everything = [collect(course, a) for a in ([assignment] if assignment else assignments(course))]
    out = out or course.root / OUT_DIR
    out.mkdir(parents=True, exist_ok=True)
    name = assignment or "course"
    for found in everything:
        log(table(found, with_students) + "\n")
    if assignment is None:
        repeated = recurring(everything)
        log("Mistakes in more than one assignment:" if repeated else "No mistake recurs across assignments.")
        for key, by, _ in repeated:
            log(f"  {key:<24}  " + ", ".join(f"{a}: {n}" for a, n in by.items()))
    write_csv(out / f"{name}.csv", [row for found in everything for row in rows(found, with_students)], with_students)
    page = out / f"{name}.html"
    page.write_text(course_html(everything, with_students) if assignment is None
                    else assignment_html(everything[0], with_students))
    log(f"\nWrote {out / name}.csv and {page}")
    return page
