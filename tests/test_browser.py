"""The course as a student lives it: `make lab` in headless Chromium, driven with Playwright.

For every release notebook, in a fresh student workspace: it opens unmodified; Run All reaches the last cell; the
only errors are the short messages of the unanswered exercises' test cells; every explorer renders, and moving a
slider redraws its plot; each time the text states ("about 5 seconds") is what the cell takes (within 3x and 3 s:
two test workers share the cores; the closing notes report the 2x check on a quiet machine). On notebook 00 with
the answer typed in, Validate reports success.

Needs Chromium (Debian package `chromium`); Playwright drives it through `executable_path` and never downloads a
browser. Without Chromium the tests are skipped with one line, unless RNNLAB_REQUIRE_BROWSER=1 (CI) makes that a
failure. Screenshots of each notebook go to $RNNLAB_SCREENSHOTS when it is set.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request
from pathlib import Path

import pytest
from course_tools import ASSIGNMENTS, LAB_TOKEN, chromium, read, release_path, running_lab, solution_path

SCREENSHOTS = os.environ.get("RNNLAB_SCREENSHOTS")
RUN_ALL_TIMEOUT = 300  # seconds for Run All on one notebook; they take 5-30 s on a quiet machine
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# "about 5 seconds", "About 3 seconds", "about half a second": stated in a text cell about the code cell after it.
STATED_TIME = re.compile(r"\b[Aa]bout (half a second|\d+(?:\.\d+)? seconds?)\b")
# The prompts of the open notebook's cells, in order: "[ ]:", "[*]:", "[7]:"; null for text cells.
PROMPTS_JS = """() => Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')).map(cell => {
    const prompt = cell.querySelector('.jp-InputArea-prompt');
    return cell.classList.contains('jp-CodeCell') && prompt ? prompt.textContent.trim() : null;
})"""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A student's lab (`make lab` on a fresh workspace) and a headless Chromium."""
    folder = tmp_path_factory.mktemp("browser")
    with chromium() as browser, running_lab(folder, "lab", folder / "workspace") as base:
        yield Lab(base, browser, folder / "workspace")


class Lab:
    def __init__(self, base, browser, workspace: Path):
        self.base, self.browser, self.workspace = base, browser, workspace

    def open(self, assignment: str):
        """A page with ``assignment``'s notebook open (a fresh JupyterLab layout), every cell on the page (JupyterLab
        adds long notebooks' cells over a few moments) and the kernel idle."""
        page = self.browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(120_000)
        page.goto(f"{self.base}/lab/tree/{assignment}/{assignment}.ipynb?reset&token={LAB_TOKEN}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
        n_cells = len(read(release_path(assignment)).cells)
        page.wait_for_function(f"() => ({PROMPTS_JS})().length === {n_cells}")
        self.wait_for_kernel(f"{assignment}/{assignment}.ipynb")
        return page

    def wait_for_kernel(self, path: str, timeout: float = 180) -> None:
        """Wait until the server has started the notebook's kernel and it is idle (the page's indicator says idle
        already while the kernel is still starting, and a busy machine can take long to start one)."""
        deadline = time.monotonic() + timeout
        while True:
            request = urllib.request.Request(f"{self.base}/api/sessions",
                                             headers={"Authorization": f"token {LAB_TOKEN}"})
            sessions = json.loads(urllib.request.urlopen(request, timeout=30).read())
            states = [(s.get("kernel") or {}).get("execution_state") for s in sessions if s.get("path") == path]
            if "idle" in states:
                return
            assert time.monotonic() < deadline, f"the kernel of {path} did not start in {timeout} s: {sessions}"
            time.sleep(0.5)

    def shut_down_kernels(self) -> None:
        request = urllib.request.Request(f"{self.base}/api/sessions", headers={"Authorization": f"token {LAB_TOKEN}"})
        for session in json.loads(urllib.request.urlopen(request, timeout=30).read()):
            urllib.request.urlopen(urllib.request.Request(
                f"{self.base}/api/sessions/{session['id']}", method="DELETE",
                headers={"Authorization": f"token {LAB_TOKEN}"}), timeout=30)


def is_dirty(page) -> bool:
    return page.locator(".jp-Activity .lm-TabBar-tab.jp-mod-dirty").count() > 0


def start_run_all(page, tries: int = 3) -> float:
    """Click Run → Run All Cells until the notebook has taken the cells (a prompt shows [*] or a number): a click a
    busy page drops is tried again. Returns the time of the click that started them."""
    for _ in range(tries):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        start = time.monotonic()
        while time.monotonic() - start < 30:
            if any(p is not None and re.fullmatch(r"\[(\*|\d+)\]:", p) for p in page.evaluate(PROMPTS_JS)):
                return start
            time.sleep(0.2)
        page.keyboard.press("Escape")  # a menu left open
    dialogs = page.locator(".jp-Dialog").all_text_contents()
    raise AssertionError(f"Run All Cells started no cell in {tries} tries (dialogs on the page: {dialogs})")


def run_all(page, n_cells: int) -> list[float]:
    """Run All Cells from the Run menu; wait until every code cell has run. Returns each cell's seconds (the time
    from the previous cell's end to its own end, measured by watching the prompts)."""
    start = start_run_all(page)
    done_at: list[float | None] = [None] * n_cells
    while True:
        prompts = page.evaluate(PROMPTS_JS)
        now = time.monotonic()
        assert len(prompts) == n_cells, f"the page shows {len(prompts)} cells, the notebook has {n_cells}"
        for i, prompt in enumerate(prompts):
            if done_at[i] is None and prompt is not None and re.fullmatch(r"\[\d+\]:", prompt):
                done_at[i] = now
        waiting = [i for i, (t, p) in enumerate(zip(done_at, prompts, strict=True)) if t is None and p is not None]
        if not waiting:
            break
        assert now - start < RUN_ALL_TIMEOUT, f"Run All did not reach the end: cells {waiting} did not run"
        time.sleep(0.1)
    seconds, previous = [], start
    for t in done_at:  # cells run in order: a code cell's time runs from the previous code cell's end to its own
        seconds.append(0.0 if t is None else max(0.0, t - previous))
        previous = max(previous, t or previous)
    return seconds


def stated_times(nb) -> dict[int, tuple[str, float]]:
    """code cell index -> (the text, seconds) for each time a text cell states about the code cell after it."""
    stated = {}
    for i, cell in enumerate(nb.cells[:-1]):
        match = STATED_TIME.search(cell.source) if cell.cell_type == "markdown" else None
        if match and nb.cells[i + 1].cell_type == "code":
            words = match.group(1)
            stated[i + 1] = (match.group(0), 0.5 if words == "half a second" else float(words.split()[0]))
    return stated


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_run_all_on_the_unanswered_release_reaches_the_end(lab, assignment):
    release, solution = read(release_path(assignment)), read(solution_path(assignment))
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
    cells = lab.workspace / assignment / f"{assignment}.ipynb"
    assert cells.read_bytes() == release_path(assignment).read_bytes(), "the workspace starts from the release"
    page = lab.open(assignment)
    try:
        time.sleep(1)  # JupyterLab writes the kernel's metadata into the model after it connects
        assert not is_dirty(page), "the notebook shows as modified before the student typed anything"

        seconds = run_all(page, len(release.cells))
        print(f"{assignment}: Run All took {sum(seconds):.1f} s")
        dom = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")
        explorers = 0
        for i, cell in enumerate(release.cells):
            if cell.cell_type != "code":
                continue
            meta = cell.metadata.get("nbgrader", {})
            name = meta.get("grade_id", f"cell {i}")
            errors = dom.nth(i).locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            if meta.get("grade"):
                text = errors.first.text_content() if errors.count() else ""  # cells off screen have no innerText
                assert text.startswith("✘") and "not implemented yet" in text, f"{name} should say so: {text!r}"
                assert len(text.strip().splitlines()) <= 2, f"{name}: the message should be short, got\n{text}"
            else:
                assert errors.count() == 0, f"{name} shows an error: {errors.first.text_content()[:800]}"
            if any(WIDGET_MIME in out.get("data", {}) for out in solution.cells[i].get("outputs", [])):
                if "explorer(" in cell.source:
                    explorers += move_a_slider(page, dom.nth(i), name)
                    if SCREENSHOTS:
                        dom.nth(i).screenshot(path=f"{SCREENSHOTS}/{assignment}-{name}.png")
                else:  # a progress bar: it rendered and reached its end
                    bar = dom.nth(i).locator(".jupyter-widgets").first.text_content()
                    assert re.search(r"\b(\d+)/\1\b", bar), f"{name}: the progress bar shows {bar!r}"
        has_explorer = any("explorer(" in c.source for c in release.cells if c.cell_type == "code")
        assert explorers or not has_explorer, "no explorer had a slider to move"

        for i, (text, stated) in stated_times(release).items():
            took = seconds[i]
            print(f"{assignment} cell {i}: text says {text!r}, the cell took {took:.1f} s")
            assert stated / 3 - 1 <= took <= 3 * stated + 3, f"cell {i}: the text says {text!r}, it took {took:.1f} s"
    finally:
        page.close()
        lab.shut_down_kernels()


def move_a_slider(page, cell, name: str) -> int:
    """Check that the explorer in ``cell`` rendered with a plot; press → on its first slider and wait for the plot to
    change. Returns 1 if a slider was moved, 0 if the explorer has none."""
    cell.scroll_into_view_if_needed()
    widget = cell.locator(".jupyter-widgets").first
    widget.wait_for(state="visible")
    image = cell.locator("img").first
    image.wait_for(state="visible")
    sliders = cell.locator(".noUi-handle")
    if sliders.count() == 0:
        return 0
    before = image.get_attribute("src")
    sliders.first.scroll_into_view_if_needed()
    sliders.first.focus()
    page.keyboard.press("ArrowRight")
    deadline = time.monotonic() + 60
    while cell.locator("img").first.get_attribute("src") == before:
        assert time.monotonic() < deadline, f"{name}: moving the slider did not redraw the plot"
        time.sleep(0.2)
    return 1


def saved_source(path: Path, index: int) -> str | None:
    """The source of cell ``index`` in the notebook file, or None while JupyterLab is still writing the file."""
    try:
        return read(path).cells[index].source
    except (OSError, ValueError):  # a half-written file is not JSON yet (json's error is a ValueError)
        return None


def test_validate_reports_success_for_a_correct_answer_typed_in(lab):
    assignment = ASSIGNMENTS[0]
    answer = next(c for c in read(solution_path(assignment)).cells if c.metadata.get("nbgrader", {}).get("solution"))
    typed = re.sub(r"\s*### (BEGIN|END) SOLUTION", "", answer.source)
    page = lab.open(assignment)
    try:
        cells = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")
        index = next(i for i, c in enumerate(read(release_path(assignment)).cells)
                     if c.metadata.get("nbgrader", {}).get("solution"))
        cells.nth(index).scroll_into_view_if_needed()
        cells.nth(index).locator(".cm-content").click()
        page.wait_for_selector(".jp-Notebook.jp-mod-editMode")
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(typed)
        page.keyboard.press("Escape")
        page.keyboard.press("Control+s")
        saved = lab.workspace / assignment / f"{assignment}.ipynb"
        deadline = time.monotonic() + 60
        while (source := saved_source(saved, index)) is None or source.strip() != typed.strip():
            assert time.monotonic() < deadline, f"the typed answer was not saved:\n{source}"
            time.sleep(0.2)
        page.get_by_role("button", name="Validate").click()
        dialog = page.locator(".jp-Dialog")
        dialog.get_by_text(re.compile("Success|failed", re.I)).first.wait_for(timeout=300_000)
        assert "Success" in dialog.inner_text(), dialog.inner_text()
    finally:
        page.close()
        lab.shut_down_kernels()
