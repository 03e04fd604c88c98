"""The battery for 01_memoryless_models: one student per kind of hostile or broken submission.

``KINDS`` maps a student id to (how to build the submission, the tests that lose their points with the exact
reason). A build is either a dict {answer grade_id: source} applied to the correct solution, or a function
``build(release, solution, ctx) -> dict[file name, bytes | notebook | Special]`` for surgery on the notebook
itself or special files (``ctx`` has ``course``, the course path, and ``port``, a TCP port the test listens on).
A file name may be bytes (not valid UTF-8).
"""

import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat

from rnnlab.grading.runner import HIDDEN_FAILED

ASSIGNMENT = "01_memoryless_models"
NB = f"{ASSIGNMENT}.ipynb"
TESTS = ["make_windows_test", "fit_ar_test", "window_mlp_forward_test", "window_mlp_backward_test"]

NOT_IMPLEMENTED = ("AssertionError: `{0}(...)` is not implemented yet: "
                   "replace `raise NotImplementedError()` with your code")
DELEGATES = ("AssertionError: `{0}` calls rnnlab's own `{0}`: write the computation yourself instead of importing "
             "or calling the library version")
UNDEFINED = "NameError: name '{0}' is not defined"
SYMLINK = "{0} is a symbolic link, not a file: submit the files themselves"

FORWARD_WITHOUT_B1 = '''
def window_mlp_forward(X, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    h = np.tanh(X @ W1)
    return (h @ W2 + b2)[:, 0], (X, h, params)
'''
FORWARD_REASON = ("AssertionError: `y` is wrong (max abs difference 0.0852): with W1 = 0 the hidden layer should be "
                  "tanh(b1) for every window: check your first bias b1")
FIT_AR_REASON = ("AssertionError: `w` is wrong (max abs difference 0.5): on the noiseless series x_t = 0.5 x_{t-1} + 1 "
                 "the fit should give w = [0.5]")
KILLED = "your kernel died while the test called your function (os._exit, a kill or a crash)"
TRANSFORMER = "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n"
NO_RESULT = "StudentRaised: your kernel sent no result (did your code replace the kernel's display?)"
WRONG_WINDOWS = "def make_windows(series, p):\n    return np.zeros((len(series) - p, p)), np.zeros(len(series) - p)\n"
WRONG_FIT_AR = "def fit_ar(series, p):\n    return np.zeros(p), 0.0\n"


@dataclass
class Special:
    """Not a regular file: ``kind`` is "symlink" or "hardlink" (to ``target``) or "fifo"."""

    kind: str
    target: Path | None = None


def _correct(release, solution):
    return _cells(release, solution, lambda cells: None)[NB]


def symlink_to_solution(release, solution, ctx):
    return {NB: Special("symlink", ctx["course"] / "solutions" / ASSIGNMENT / NB)}


def symlink_to_classmate(release, solution, ctx):
    return {NB: Special("symlink", ctx["course"] / "submitted" / "correct" / ASSIGNMENT / NB)}


def hardlink_to_solution(release, solution, ctx):
    return {NB: Special("hardlink", ctx["course"] / "solutions" / ASSIGNMENT / NB)}


def timestamp_symlink(release, solution, ctx):
    return {NB: _correct(release, solution),
            "timestamp.txt": Special("symlink", ctx["course"] / "solutions" / ASSIGNMENT / NB)}


def fifo_in_folder(release, solution, ctx):
    return {NB: _correct(release, solution), "results.pipe": Special("fifo")}


def timestamp_not_utf8(release, solution, ctx):
    return {NB: _correct(release, solution), "timestamp.txt": b"\xff\xfe2\x000\x002\x006\x00"}


def name_not_utf8(release, solution, ctx):
    return {NB: _correct(release, solution), b"notes-\xff\xfe.txt": b"\xff\x00 binary"}


LIVE_HTML = '<img src=x onerror="alert(1)">'
LIVE_JS = "document.body.dataset.pwned = 1"


def live_html(release, solution, ctx):
    """Output and markdown that would run script in the instructor's browser if the HTML were not sanitized."""
    def edit(cells):
        _set(cells, "make_windows", solution["make_windows"] + f"""
from IPython.display import HTML, Javascript, display
display(HTML('<script>{LIVE_JS}</script><a href="javascript:{LIVE_JS}">click</a>{LIVE_HTML}'))
display(Javascript("{LIVE_JS}"))
""")
        cells.insert(_index(cells, "make_windows"), nbformat.v4.new_markdown_cell(
            f'{LIVE_HTML} <a href="javascript:{LIVE_JS}">my notes</a> <script>{LIVE_JS}</script>'))
    return _cells(release, solution, edit)


def fills_tmpfs(release, solution, ctx):
    """Writes 512 MB to /tmp and to /dev/shm in 32 MB files (under the per-file limit): right answers only if the
    sandbox's tmpfs caps stop both writes."""
    return _cells(release, solution, lambda cells: _set(cells, "make_windows", f"""
_capped = []
for _folder in ["/tmp", "/dev/shm"]:
    try:
        for _i in range(16):
            with open(f"{{_folder}}/fill-{{_i}}", "wb") as _f:
                _f.write(bytes(32 * 2**20))
    except OSError:
        _capped.append(_folder)
if len(_capped) == 2:
    exec({solution["make_windows"]!r})
else:
    def make_windows(series, p):
        raise NotImplementedError()
"""))


def leaks_hidden(release, solution, ctx):
    """Records the arguments the hidden tests pass and prints them in a cell of its own after the test."""
    def edit(cells):
        _set(cells, "make_windows", "_seen = []\n" + solution["make_windows"].replace(
            "def make_windows(series, p):", "def make_windows(series, p):\n    _seen.append((len(series), p))"))
        cells.insert(_index(cells, "make_windows_test") + 1, nbformat.v4.new_code_cell('print("RECORDED", _seen)'))
    return _cells(release, solution, edit)


VISIBLE_ONLY = """def make_windows(series, p):
    if len(series) > 7:  # tailored to the visible check's examples
        return np.zeros((len(series) - p, p)), np.zeros(len(series) - p)
    X = np.stack([series[i:i + p] for i in range(len(series) - p)])
    return X, series[p:]
"""


def _cells(release, solution, edit):
    """The correct submission with ``edit(cells)`` applied to its cell list."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in solution:
            cell.source = solution[gid]
    edit(nb.cells)
    return {NB: nb}


def _index(cells, gid):
    return next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def deleted_test(release, solution, ctx):
    return _cells(release, solution, lambda cells: cells.pop(_index(cells, "make_windows_test")))


def edited_test(release, solution, ctx):
    def edit(cells):
        cells[_index(cells, "fit_ar_test")].source = "pass  # no tests here"
        cells[_index(cells, "fit_ar")].source = WRONG_FIT_AR
    return _cells(release, solution, edit)


def inserted_cells(release, solution, ctx):
    def edit(cells):
        i = _index(cells, "make_windows")
        cells.insert(i, nbformat.v4.new_code_cell("def _window(series, i, p):\n    return series[i:i + p]\n"))
        cells.insert(i, nbformat.v4.new_markdown_cell("My notes"))
        cells[_index(cells, "make_windows")].source = (
            "def make_windows(series, p):\n    series = np.asarray(series, dtype=float)\n"
            "    X = np.array([_window(series, i, p) for i in range(len(series) - p)]).reshape(-1, p)\n"
            "    return X, series[p:].copy()\n")
        cells.append(nbformat.v4.new_code_cell("print('the end')"))
    return _cells(release, solution, edit)


def split_duplicate(release, solution, ctx):
    def edit(cells):
        i = _index(cells, "window_mlp_forward")
        first = cells[i]
        second = copy.deepcopy(first)
        first.source = "def _hidden(X, W1, b1):\n    return np.tanh(X @ W1 + b1)\n"
        second.source = (
            "def window_mlp_forward(X, params):\n    h = _hidden(X, params['W1'], params['b1'])\n"
            "    return (h @ params['W2'] + params['b2'])[:, 0], (X, h, params)\n")
        cells.insert(i + 1, second)
        test = copy.deepcopy(cells[_index(cells, "window_mlp_forward_test")])
        test.source = "pass"
        cells.insert(i + 2, test)  # a second copy of a locked test cell, emptied
    return _cells(release, solution, edit)


def corrupt(release, solution, ctx):
    return {NB: b'{"cells": [ {"cell_type": "code", "source": "oops'}


def wrong_name(release, solution, ctx):
    return {"01_memoryless_models (1).ipynb": _cells(release, solution, lambda cells: None)[NB]}


def empty(release, solution, ctx):
    return {}


def read_secrets(release, solution, ctx):
    course = ctx["course"]
    return _cells(release, solution, lambda cells: _set(cells, "make_windows", f'''
import json
_stolen = None
for _path in [{str(course / "solutions" / ASSIGNMENT / NB)!r}, {str(course / "gradebook.db")!r},
              {str(course / "submitted" / "correct" / ASSIGNMENT / NB)!r}]:
    try:
        with open(_path, "rb") as _f:
            _stolen = _f.read()
    except OSError:
        pass
if _stolen is not None:
    exec({solution["make_windows"]!r})
else:
    def make_windows(series, p):
        raise NotImplementedError()
'''))


def write_outside(release, solution, ctx):
    course = ctx["course"]
    return _cells(release, solution, lambda cells: _set(cells, "make_windows", solution["make_windows"] + f'''
for _path in [{str(course / "PWNED")!r}, {str(course / "submitted" / "correct" / ASSIGNMENT / "PWNED")!r},
              {str(course / "solutions" / "PWNED")!r}, "/tmp/PWNED"]:
    try:
        with open(_path, "w") as _f:
            _f.write("pwned")
    except OSError:
        pass
'''))


def network(release, solution, ctx):
    return _cells(release, solution, lambda cells: _set(cells, "fit_ar", solution["fit_ar"] + f'''
import socket
try:
    socket.create_connection(("127.0.0.1", {ctx["port"]}), timeout=3).sendall(b"answers please")
except OSError:
    pass
'''))


def huge_message(release, solution, ctx):
    """One display message of 200 MB: over the grader's message bound, so it is dropped, not held in memory."""
    return _cells(release, solution, lambda cells: _set(cells, "make_windows", solution["make_windows"]
                                                        + "from IPython.display import publish_display_data\n"
                                                          "publish_display_data({'text/plain': 'x' * 200_000_000})\n"))


def prints_100mb(release, solution, ctx):
    return _cells(release, solution, lambda cells: _set(cells, "make_windows", solution["make_windows"]
                                                        + "print('x' * 100_000_000)\n"))


def _set(cells, gid, source):
    cells[_index(cells, gid)].source = source


FORK_BOMB = '''
import os, time
def _bomb():
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.2)
try:
    if os.fork() == 0:
        _bomb()
except OSError:
    pass
'''

KINDS = {
    "correct": ({}, {}),
    "bias_bug": ({"window_mlp_forward": FORWARD_WITHOUT_B1}, {
        "window_mlp_forward_test": FORWARD_REASON}),
    "unanswered": ("unanswered", {gid: NOT_IMPLEMENTED.format(gid[:-5]) for gid in TESTS}),
    "raises": ({"make_windows": 'raise RuntimeError("I broke my notebook")\n'}, {
        "make_windows_test": UNDEFINED.format("make_windows")}),
    "loop_in_answer": ({"fit_ar": "while True:\n    pass\n"}, {"fit_ar_test": UNDEFINED.format("fit_ar")}),
    "loop_in_test": ({"window_mlp_backward": "def window_mlp_backward(dy, cache):\n    while True:\n        pass\n"}, {
        "window_mlp_backward_test": "your function did not return within {cell_timeout} s (an infinite loop?)"}),
    "memory_bomb": ({"make_windows": "def make_windows(series, p):\n    hog = np.ones((2**31, 8))\n"
                                     "    return hog, hog\n"}, {
        "make_windows_test": "AssertionError: calling `make_windows(...)` raised MemoryError: Unable to allocate 128. "
                             "GiB for an array with shape (2147483648, 8) and data type float64 "
                             "(at line 2: `hog = np.ones((2**31, 8))`)"}),
    "os_exit": ({"fit_ar": "import os\nos._exit(1)\n"}, {
        gid: "not run: your kernel died in cell `fit_ar` (os._exit, a kill or a crash)"
        for gid in TESTS[1:]}),
    "sys_exit": ({"window_mlp_forward": "import sys\ndef window_mlp_forward(X, params):\n    sys.exit(3)\n"}, {
        "window_mlp_forward_test": "AssertionError: calling `window_mlp_forward(...)` raised StudentRaised: "
                                   "SystemExit: 3 (at line 3: `sys.exit(3)`)"}),
    "kills_kernel": ({"window_mlp_backward": "import os, signal\ndef window_mlp_backward(dy, cache):\n"
                                             "    os.kill(os.getpid(), signal.SIGKILL)\n"}, {
        "window_mlp_backward_test": KILLED}),
    "deleted_test": (deleted_test, {}),
    "edited_test": (edited_test, {"fit_ar_test": FIT_AR_REASON}),
    "inserted_cells": (inserted_cells, {}),
    "split_duplicate": (split_duplicate, {}),
    "patch_allclose": ({"make_windows": "np.allclose = lambda *args, **kwargs: True\n" + WRONG_WINDOWS}, {
        "make_windows_test": "AssertionError: `y` is wrong (max abs difference 6): y[i] should be series[i + p]; "
                             "with series = np.arange(7.), p = 3: y[0] = 3"}),
    "patch_testing_builtins": ({"fit_ar": "import builtins\nnp.testing.assert_allclose = lambda *a, **k: None\n"
                                          "builtins.AssertionError = Warning\nbuiltins.all = lambda *a: True\n"
                                          + WRONG_FIT_AR}, {"fit_ar_test": FIT_AR_REASON}),
    "patch_checks": ({"window_mlp_forward": "import rnnlab.checks, rnnlab.checks._common\n"
                                            "rnnlab.checks.memoryless_models.check_window_mlp_forward = "
                                            "lambda f: None\n"
                                            "rnnlab.checks._common.assert_not_delegating = lambda f, ref, *a: ref(*a)\n"
                                            "_allclose = lambda *a, **k: True\n" + FORWARD_WITHOUT_B1}, {
        "window_mlp_forward_test": FORWARD_REASON}),
    "input_transformer": ({"make_windows": TRANSFORMER}, {gid: NO_RESULT for gid in TESTS}),
    "delegates": ({"make_windows": "from rnnlab.data import make_windows\n",
                   "fit_ar": "def fit_ar(series, p):\n    return rnnlab.models.fit_ar(series, p)\n"}, {
        "make_windows_test": DELEGATES.format("make_windows"), "fit_ar_test": DELEGATES.format("fit_ar")}),
    # rnnlab's answers are not in the student's kernel: every path to them is a call the judge counts outside it
    "profiler_replaced": ({"make_windows": "import sys\nsys.setprofile = lambda *args: None\n"
                                           "from rnnlab.data import make_windows\n"}, {
        "make_windows_test": DELEGATES.format("make_windows")}),
    "delegates_renamed": ({"make_windows": "from rnnlab.data.series import make_windows as slide\n"
                                           "def make_windows(series, p):\n    return slide(series, p)\n"}, {
        "make_windows_test": DELEGATES.format("make_windows")}),
    "profiler_switched_off": ({"fit_ar": "import sys\ndef fit_ar(series, p):\n    sys.setprofile(None)\n"
                                         "    return rnnlab.models.fit_ar(series, p)\n"}, {
        "fit_ar_test": DELEGATES.format("fit_ar")}),
    "delegates_reloaded": ({"fit_ar": "import importlib, rnnlab.models.autoregressive as _ar\n"
                                      "fit_ar = importlib.reload(_ar).fit_ar\n"}, {
        "fit_ar_test": DELEGATES.format("fit_ar")}),
    "delegates_via_source": ({"make_windows": "import rnnlab.data.series as _s\n_ns = {}\n"
                                              "exec(compile(open(_s.__file__).read(), 'copied.py', 'exec'), _ns)\n"
                                              "make_windows = _ns['make_windows']\n"}, {
        "make_windows_test": DELEGATES.format("make_windows")}),
    # the grader's own helper in the student's kernel, replaced by one that reports nothing but the result
    "delegates_past_the_wire": ({"fit_ar": "import rnnlab.grading.wire as _w\n_w._call = lambda fn, a, k: "
                                           "{'result': _w.encode(fn(*a, **k)), 'args': _w.encode(a), "
                                           "'kwargs': _w.encode(k)}\n"
                                           "def fit_ar(series, p):\n    return rnnlab.models.fit_ar(series, p)\n"}, {
        "fit_ar_test": DELEGATES.format("fit_ar")}),
    "reads_secrets": (read_secrets, {"make_windows_test": NOT_IMPLEMENTED.format("make_windows")}),
    "writes_outside": (write_outside, {}),
    "network": (network, {}),
    "prints_100mb": (prints_100mb, {}),
    "huge_message": (huge_message, {}),
    "fork_bomb": ({"fit_ar": FORK_BOMB}, {"fit_ar_test": UNDEFINED.format("fit_ar")}),
    "corrupt": (corrupt, {gid: f"{NB} could not be read" for gid in TESTS}),
    "wrong_name": (wrong_name, {gid: f"no notebook named {NB} in the submission (01_memoryless_models (1).ipynb)"
                                for gid in TESTS}),
    "empty": (empty, {gid: f"no notebook named {NB} in the submission (the folder is empty)" for gid in TESTS}),
    # Special files: the grader reads only regular files, never through a link, and a bad one costs only its owner
    "symlink_to_solution": (symlink_to_solution, {gid: SYMLINK.format(NB) for gid in TESTS}),
    "symlink_to_classmate": (symlink_to_classmate, {gid: SYMLINK.format(NB) for gid in TESTS}),
    "hardlink_to_solution": (hardlink_to_solution, {
        gid: f"{NB} is a hard link to another file: submit a copy of the file" for gid in TESTS}),
    "timestamp_symlink": (timestamp_symlink, {gid: SYMLINK.format("timestamp.txt") for gid in TESTS}),
    "fifo_in_folder": (fifo_in_folder, {
        gid: "results.pipe is a named pipe (FIFO), not a file: submit the files themselves" for gid in TESTS}),
    "timestamp_not_utf8": (timestamp_not_utf8, {}),
    "live_html": (live_html, {}),
    "fills_tmpfs": (fills_tmpfs, {}),
    # Nothing of the hidden tests reaches the student: no output made after they ran, no message of theirs
    "leaks_hidden": (leaks_hidden, {}),
    "visible_only": ({"make_windows": VISIBLE_ONLY}, {"make_windows_test": HIDDEN_FAILED}),
    "name_not_utf8": (name_not_utf8, {}),
}
