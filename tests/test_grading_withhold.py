"""rnnlab's answers withheld from the student's kernel: the stubbed copy, and calls answered and counted outside it.

A subprocess stands for the student's kernel: it imports the copy (PYTHONPATH) and reaches the library server
in this process over its Unix socket, as the grader's student kernel reaches the judge's.
"""

import ast
import inspect
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from course_tools import ASSIGNMENTS

import rnnlab
from rnnlab.data import series
from rnnlab.grading import withhold
from rnnlab.models import lds

NOTEBOOKS = [name for name in ASSIGNMENTS if name != "00_welcome"]  # every notebook with exercises


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_notebook_withholds_its_answers_and_the_copy_keeps_nothing_of_them(notebook, tmp_path):
    functions = withhold.answers(notebook)
    assert functions, f"{notebook} withholds nothing"
    copy = withhold.write_copy(tmp_path / "rnnlab", functions)
    assert not list(copy.rglob("__pycache__")) and not list(copy.rglob("*.pyc"))
    for fn in functions:
        path = copy / os.path.relpath(sys.modules[fn.__module__].__file__, os.path.dirname(rnnlab.__file__))
        (node,) = [n for n in ast.parse(path.read_text()).body if getattr(n, "name", None) == fn.__name__]
        assert [ast.unparse(statement) for statement in node.body[1:]] == [
            f"return __import__('rnnlab.grading.withhold', fromlist=['call']).call({withhold.name_of(fn)!r}, locals())"
        ], f"{fn.__name__} keeps code of its own in the copy"
        assert ast.unparse(node.args) == ast.unparse(_definition(fn).args)  # same signature


def _definition(fn):
    return ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]


def test_the_welcome_notebook_withholds_nothing():
    assert withhold.answers("00_welcome") == ()


STUDENT = """
import json, sys
import numpy as np
from rnnlab.data import series
from rnnlab.models import lds
X, y = series.make_windows(np.arange(7.0), 3)
rng = np.random.default_rng(5)
xs, ys = lds.simulate_lds(np.eye(2) * 0.5, np.ones((1, 2)), np.eye(2) * 0.1, np.eye(1) * 0.2, np.ones(2), 4, rng=rng)
try:
    series.make_windows(np.zeros((2, 2)), 1)
except ValueError as err:
    message = str(err)
print(json.dumps({"X": X.tolist(), "y": y.tolist(), "xs": xs.tolist(), "after": rng.random(),
                  "error": message, "source": open(series.__file__).read()}))
"""


def test_a_call_from_the_copy_is_answered_counted_and_writes_back_the_generator(tmp_path):
    functions = (series.make_windows, lds.simulate_lds)
    copy = withhold.write_copy(tmp_path / "lib" / "rnnlab", functions)
    socket_path = str(tmp_path / "library.sock")
    server = withhold.Server(socket_path, [withhold.name_of(fn) for fn in functions])
    env = {**os.environ, "PYTHONPATH": str(copy.parent), withhold.SOCKET_ENV: socket_path}
    proc = subprocess.run([sys.executable, "-c", STUDENT], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    X, y = series.make_windows(np.arange(7.0), 3)
    rng = np.random.default_rng(5)
    xs, _ = lds.simulate_lds(np.eye(2) * 0.5, np.ones((1, 2)), np.eye(2) * 0.1, np.eye(1) * 0.2, np.ones(2), 4, rng=rng)
    assert np.array_equal(got["X"], X) and np.array_equal(got["y"], y) and np.allclose(got["xs"], xs)
    assert got["after"] == rng.random()  # the student's generator advanced as if drawn from locally
    with pytest.raises(ValueError) as local:
        series.make_windows(np.zeros((2, 2)), 1)
    assert got["error"] == str(local.value)  # the library's own message, raised in the caller
    assert "sliding_window_view" not in got["source"]  # the copy the student can read holds no answer
    assert server.calls(withhold.name_of(series.make_windows)) == 2
    assert server.calls(withhold.name_of(lds.simulate_lds)) == 1


def test_the_server_answers_only_what_is_withheld(tmp_path):
    socket_path = str(tmp_path / "library.sock")
    withhold.Server(socket_path, [withhold.name_of(series.make_windows)])
    os.environ[withhold.SOCKET_ENV] = socket_path
    try:
        with pytest.raises(ValueError, match="is not answered here"):
            withhold.call("os.system", {"command": "true"})
    finally:
        del os.environ[withhold.SOCKET_ENV]
        withhold._connection.clear()


KEYWORDS = """
import json
import numpy as np
from rnnlab.nn import bidirectional
rng = np.random.default_rng(0)
x, h0 = rng.standard_normal((2, 3, 2)), np.zeros((2, 2))
p = tuple(rng.standard_normal(s) for s in [(2, 2), (2, 2), (2,)])
h, cache = bidirectional.bidirectional_forward(x, h0, h0, p, p, cell="rnn", lengths=np.array([3, 1]),
                                               activation="relu")
print(json.dumps({"h": h.tolist(), "lengths": cache.lengths.tolist()}))
"""


def test_keyword_arguments_of_a_function_with_kwargs_reach_it(tmp_path):
    """bidirectional_forward(..., **cell_kwargs): activation="relu" crosses to the server as a keyword."""
    fn = rnnlab.nn.bidirectional.bidirectional_forward
    copy = withhold.write_copy(tmp_path / "lib" / "rnnlab", (fn,))
    socket_path = str(tmp_path / "library.sock")
    server = withhold.Server(socket_path, [withhold.name_of(fn)])
    env = {**os.environ, "PYTHONPATH": str(copy.parent), withhold.SOCKET_ENV: socket_path}
    proc = subprocess.run([sys.executable, "-c", KEYWORDS], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    rng = np.random.default_rng(0)
    x, h0 = rng.standard_normal((2, 3, 2)), np.zeros((2, 2))
    p = tuple(rng.standard_normal(s) for s in [(2, 2), (2, 2), (2,)])
    h, _ = fn(x, h0, h0, p, p, cell="rnn", lengths=np.array([3, 1]), activation="relu")
    got = json.loads(proc.stdout)
    assert np.allclose(got["h"], h) and got["lengths"] == [3, 1]
    assert not np.allclose(h, fn(x, h0, h0, p, p, cell="rnn", lengths=np.array([3, 1]))[0])  # relu mattered
    assert server.calls(withhold.name_of(fn)) == 1
