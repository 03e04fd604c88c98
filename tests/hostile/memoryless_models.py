"""The battery for 01_memoryless_models: one student per kind of hostile or broken submission.

``KINDS`` maps a student id to (how to build the submission, the tests that lose their points with the exact
reason). A build is either a dict {answer grade_id: source} applied to the correct solution, or a function
``build(release, solution, ctx) -> dict[file name, bytes | notebook]`` for surgery on the notebook itself
(``ctx`` has ``course``, the course path, and ``port``, a TCP port the test listens on).
"""

import copy

import nbformat

ASSIGNMENT = "01_memoryless_models"
NB = f"{ASSIGNMENT}.ipynb"
TESTS = ["make_windows_test", "fit_ar_test", "window_mlp_forward_test", "window_mlp_backward_test"]

NOT_IMPLEMENTED = ("AssertionError: `{0}(...)` is not implemented yet: "
                   "replace `raise NotImplementedError()` with your code")
UNDEFINED = "NameError: name '{0}' is not defined"

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
        "make_windows_test": "AssertionError: `make_windows` calls rnnlab's own `make_windows`: write the computation "
                             "yourself instead of importing or calling the library version",
        "fit_ar_test": "AssertionError: `fit_ar` calls rnnlab's own `fit_ar`: write the computation yourself instead "
                       "of importing or calling the library version"}),
    "reads_secrets": (read_secrets, {"make_windows_test": NOT_IMPLEMENTED.format("make_windows")}),
    "writes_outside": (write_outside, {}),
    "network": (network, {}),
    "prints_100mb": (prints_100mb, {}),
    "fork_bomb": ({"fit_ar": FORK_BOMB}, {"fit_ar_test": UNDEFINED.format("fit_ar")}),
    "corrupt": (corrupt, {gid: f"{NB} could not be read" for gid in TESTS}),
    "wrong_name": (wrong_name, {gid: f"no notebook named {NB} in the submission (01_memoryless_models (1).ipynb)"
                                for gid in TESTS}),
    "empty": (empty, {gid: f"no notebook named {NB} in the submission (the folder is empty)" for gid in TESTS}),
}
