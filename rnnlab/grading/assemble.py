"""Rebuild a submission on the instructor's skeleton before it runs.

The cells are the release's, in the release's order, with the release's nbgrader metadata: every locked cell
(text, setup, demos, tests) comes from the instructor, so edited locked cells are restored and deleted ones are
put back. Each answer cell takes the student's source from the first student cell carrying its grade_id (a
deleted answer cell counts as unanswered). Student cells the release does not know (inserted cells, the later
halves of a split cell with a duplicated grade_id) are kept as plain ungraded cells right after the known cell
they followed; copies of locked cells are dropped (the instructor's version wins).
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass, field

import nbformat


def _nbg(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test(cell) -> bool:
    return cell.cell_type == "code" and bool(_nbg(cell).get("grade")) and not _nbg(cell).get("solution")


def is_answer(cell) -> bool:
    return bool(_nbg(cell).get("solution"))


def defines_helpers(cell) -> bool:
    """A locked code cell that only imports and defines undecorated functions: the instructor's helpers (e.g. a
    check written out in the notebook, as in 00), which the judge defines too, at the same place."""
    if cell.cell_type != "code" or not _nbg(cell).get("locked") or is_answer(cell) or is_test(cell):
        return False
    try:
        body = ast.parse(cell.source).body
    except SyntaxError:  # IPython syntax (magics): not a plain definition
        return False
    return bool(body) and all(isinstance(node, ast.Import | ast.ImportFrom)
                              or (isinstance(node, ast.FunctionDef) and not node.decorator_list) for node in body)


@dataclass
class Assembled:
    """The notebook to run, and what the grader had to repair."""

    nb: nbformat.NotebookNode
    notes: list[str] = field(default_factory=list)


def assemble(release, student) -> Assembled:
    """The release notebook with the student's answers and extra cells (see the module docstring)."""
    known = {_nbg(c).get("grade_id"): c for c in release.cells if _nbg(c).get("grade_id")}
    answers: dict[str, object] = {}
    extras: dict[str | None, list] = {}
    notes: list[str] = []
    anchor = None
    seen: set[str] = set()
    for cell in student.cells:
        gid = _nbg(cell).get("grade_id")
        if gid in known:
            if gid in seen and not is_answer(known[gid]):
                notes.append(f"a duplicate of locked cell `{gid}` was dropped")
            elif gid in seen:
                extras.setdefault(anchor, []).append(_plain(cell))
                notes.append(f"a second cell with grade_id `{gid}` ran as an extra cell")
            else:
                seen.add(gid)
                anchor = gid
                if is_answer(known[gid]):
                    answers[gid] = cell
                elif known[gid].source != cell.source:
                    notes.append(f"locked cell `{gid}` was edited; the original was restored")
        elif cell.cell_type in ("code", "markdown"):
            extras.setdefault(anchor, []).append(_plain(cell))
    cells = list(extras.get(None, []))
    for gid_cell in release.cells:
        cell = copy.deepcopy(gid_cell)
        gid = _nbg(cell).get("grade_id")
        if gid in answers:
            cell.source = answers[gid].source
        elif gid is not None and gid not in seen:
            kind = "answer" if is_answer(cell) else "test" if is_test(cell) else "locked"
            if kind != "locked":
                notes.append(f"{kind} cell `{gid}` was missing and has been put back")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
        cells.extend(extras.get(gid, []))
    nb = copy.deepcopy(release)
    nb.cells = cells
    return Assembled(nb, notes)


def _plain(cell):
    """A student cell without nbgrader metadata or outputs."""
    if cell.cell_type == "code":
        new = nbformat.v4.new_code_cell(cell.source)
    else:
        new = nbformat.v4.new_markdown_cell(cell.source)
    return new


def defined_names(source_nb) -> list[str]:
    """Top-level names the instructor's answer cells define (the functions the tests call)."""
    names: list[str] = []
    for cell in source_nb.cells:
        if not (is_answer(cell) and cell.cell_type == "code"):
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names.append(node.name)
            elif isinstance(node, ast.Assign):
                names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return list(dict.fromkeys(names))


def setup_sources(source_nb) -> list[str]:
    """Sources of the locked code cells before the first answer cell (what the judge kernel runs first)."""
    sources = []
    for cell in source_nb.cells:
        if is_answer(cell):
            break
        if cell.cell_type == "code" and not is_test(cell):
            sources.append(cell.source)
    return sources


def test_sources(source_nb) -> dict[str, str]:
    """grade_id -> full source (with hidden tests) of every test cell."""
    return {_nbg(c)["grade_id"]: c.source for c in source_nb.cells if is_test(c)}
