"""Building blocks for the student-facing checks of every notebook.

A check calls the student's function with ``call_student``, compares results with ``expect_shape`` and
``expect_close``, and ends with ``passed``. Every failure is an AssertionError whose message tells the student
what to fix; frames marked ``__tracebackhide__`` are folded away by IPython and pytest, so the notebook shows
the student's cell and the message rather than rnnlab internals.

Every failure also carries a *mistake key*: a short, stable name for the mistake (``forgot_bias``,
``wh_transposed``), the same for every student who makes it whatever their numbers, so that the grader can
count how many students made which mistake (``python -m rnnlab.grading insights``). Keys are part of a
check's contract: ``fail`` and ``expect_close`` require one. GENERIC_MISTAKES lists the keys every notebook's
checks share.
"""

from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from rnnlab.gradcheck import numerical_gradient, rel_error

_RNNLAB_DIR = str(Path(__file__).resolve().parents[1])
_NUMPY_DIR = str(Path(np.__file__).resolve().parent)
# snake_case, or "raised:" and the name of the exception the student's code raised
MISTAKE_KEY = re.compile(r"[a-z][a-z0-9_]*(:[A-Za-z_][A-Za-z0-9_]*)?")
GENERIC_MISTAKES = {  # "raised:TypeName": the student's own code raised TypeName
    "not_a_function": "the answer is not a function",
    "not_implemented": "not answered: the function still raises NotImplementedError",
    "returned_none": "returns None (no `return`)",
    "not_numeric": "returns something that is not an array of numbers",
    "nan_or_inf": "the result contains NaN or inf",
    "wrong_shape": "a result of the wrong shape",
    "wrong_return": "does not return the values the exercise asks for",
    "delegates": "calls rnnlab's own answer instead of computing it",
}


class CheckFailed(AssertionError):
    """A check failed: ``str(err)`` is what the student reads, ``err.key`` names the mistake (see above).

    IPython shows only the message, in red, without a traceback through rnnlab."""

    def __init__(self, msg: str, key: str):
        if not isinstance(key, str) or not MISTAKE_KEY.fullmatch(key):
            raise ValueError(f"a check failure needs a mistake key like 'forgot_bias', got {key!r}")
        super().__init__(msg)
        self.key = key

    def __reduce__(self):  # pickling (pytest-xdist, the grader) keeps the key
        return type(self), (str(self), self.key)

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[0;31m✘ {line}\x1b[0m" if i == 0 else line for i, line in enumerate(str(self).splitlines())]


class StudentCallError(CheckFailed):
    """A call to the student's function raised (the exception type is in ``.raised``); checks may catch it
    to add context to the message."""


def passed(msg: str) -> None:
    """Print a one-line success message."""
    print(f"✔ {msg}")


def fail(msg: str, *, key: str) -> None:
    """Raise the AssertionError a student sees when a check fails; ``key`` names the mistake."""
    __tracebackhide__ = True
    raise CheckFailed(msg, key)


def call_student(fn: Callable, call: str, *args, **kwargs):
    """Return ``fn(*args, **kwargs)``; if it raises, raise StudentCallError naming ``call`` and the error.

    call: how the call reads to the student, e.g. ``"make_windows(series, 3)"``.
    """
    __tracebackhide__ = True
    if not callable(fn):
        fail(f"`{call}`: expected a function, got {type(fn).__name__}: pass the function itself, not its result",
             key="not_a_function")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        message = f"`{call}` is not implemented yet: replace `raise NotImplementedError()` with your code"
        raised = NotImplementedError
    except Exception as err:  # any error in student code becomes a message, not a traceback
        message = f"calling `{call}` raised {type(err).__name__}: {err}{_student_line(err)}"
        raised = type(err)
        raised_name = getattr(err, "type_name", raised.__name__)  # a student's own exception class (grading.wire)
    key = "not_implemented" if raised is NotImplementedError else f"raised:{raised_name}"
    key = key if MISTAKE_KEY.fullmatch(key) else "raised:other"  # e.g. a class name with non-ASCII letters
    error = StudentCallError(message, key)
    error.raised = raised
    raise error  # outside the except block, so the student's traceback is not chained on


def as_array(name: str, got) -> np.ndarray:
    """Return ``got`` as a float64 array, or fail saying what ``name`` was instead."""
    __tracebackhide__ = True
    if got is None:
        fail(f"`{name}` is None: did you forget a `return` statement?", key="returned_none")
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None:
        fail(f"`{name}` should be a numpy array of numbers, got {type(got).__name__}", key="not_numeric")
    if not np.all(np.isfinite(arr)):
        fail(f"`{name}` contains NaN or inf: look for a division by zero or an overflowing exp", key="nan_or_inf")
    return arr


def expect_shape(name: str, got, expected: tuple[int, ...], hint: str = "", key: str = "wrong_shape") -> None:
    """Fail unless ``got`` has shape ``expected``; ``hint`` says what usually causes a wrong shape, ``key`` names
    that mistake when it is more specific than a wrong shape."""
    __tracebackhide__ = True
    shape = as_array(name, got).shape
    if shape != tuple(expected):
        hint = hint or "check the sizes of the arrays you combine and which axis you index or sum over"
        fail(f"`{name}` has shape {shape} but should be {tuple(expected)}: {hint}", key=key)


def expect_close(name: str, got, expected, hint: str, *, key: str, atol: float = 1e-8, rtol: float = 1e-6) -> None:
    """Fail unless ``got`` matches ``expected`` (same shape, np.allclose); the message names the hint and ``key``
    the mistake it describes."""
    __tracebackhide__ = True
    expected = np.asarray(expected, dtype=np.float64)
    expect_shape(name, got, expected.shape)
    got = as_array(name, got)
    if not np.allclose(got, expected, atol=atol, rtol=rtol):
        diff = float(np.max(np.abs(got - expected)))
        fail(f"`{name}` is wrong (max abs difference {diff:.3g}): {hint}", key=key)


def expect_tuple(call: str, got, names: tuple[str, ...]) -> tuple:
    """Return ``got`` as a tuple of len(names) values, or fail saying what ``call`` should return."""
    __tracebackhide__ = True
    wanted = f"a tuple ({', '.join(names)})"
    if got is None:
        fail(f"`{call}` returned None but should return {wanted}: did you forget a `return` statement?",
             key="returned_none")
    if not isinstance(got, tuple | list) or len(got) != len(names):
        fail(f"`{call}` should return {wanted}, got {_describe(got)}", key="wrong_return")
    return tuple(got)


def is_close(got, expected, atol: float = 1e-8, rtol: float = 1e-6) -> bool:
    """True if ``got`` has the shape of ``expected`` and matches it; never raises (for diagnosing a bug)."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    expected = np.asarray(expected, dtype=np.float64)
    return got.shape == expected.shape and bool(np.allclose(got, expected, atol=atol, rtol=rtol))


def assert_not_delegating(student_fn: Callable, library_fn: Callable | tuple[Callable, ...], *args, **kwargs):
    """Call ``student_fn(*args, **kwargs)``; fail if ``library_fn`` (or any of a tuple of them) runs during the call.

    Returns the result. Catches ``from rnnlab.models import fit_ar as my_fit_ar`` and wrappers that call the
    library version. Uses ``sys.setprofile`` and restores the previous profile function afterwards. (The grader
    does not rely on this: it withholds the library's answers from the student's kernel, see
    rnnlab.grading.withhold.)
    """
    __tracebackhide__ = True
    library = library_fn if isinstance(library_fn, tuple) else (library_fn,)
    targets = {fn.__code__: fn for fn in library}
    seen = []
    previous = sys.getprofile()

    def watch(frame, event, arg):
        if event == "call" and frame.f_code in targets:
            seen.append(targets[frame.f_code])
        if previous is not None:
            previous(frame, event, arg)

    name = getattr(student_fn, "__name__", library[0].__name__)
    sys.setprofile(watch)
    try:
        result = call_student(student_fn, f"{name}(...)", *args, **kwargs)
    finally:
        sys.setprofile(previous)
    if seen:
        delegated_to(name, seen[0].__name__)
    return result


def delegated_to(name: str, library_name: str) -> None:
    """Fail: the student's ``name`` got its answer from rnnlab's ``library_name``."""
    __tracebackhide__ = True
    fail(
        f"`{name}` calls rnnlab's own `{library_name}`: write the computation yourself "
        "instead of importing or calling the library version",
        key="delegates",
    )


def _student_line(err: Exception) -> str:
    """' (at line 7: `y = X @ W1`)' for the last traceback line outside rnnlab and numpy, or ''."""
    frames = [
        frame
        for frame in traceback.extract_tb(err.__traceback__)
        if not frame.filename.startswith((_RNNLAB_DIR, _NUMPY_DIR))
    ]
    if not frames or not frames[-1].line:
        return ""
    return f" (at line {frames[-1].lineno}: `{frames[-1].line}`)"


def _describe(value) -> str:
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)} values"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return type(value).__name__


def references(**library) -> SimpleNamespace:
    """The trusted objects a notebook's hidden tests compare with, captured when its setup cell runs.

    Setup cells run before any answer, so these are numpy's and rnnlab's own functions even if a student's code
    later replaces ``np.allclose`` or ``rnnlab.nn.rnn_forward``. ``library``: the notebook's reference
    implementations and constants, e.g. ``fit_ar=rnnlab.models.fit_ar``.
    """
    return SimpleNamespace(
        allclose=np.allclose, array_equal=np.array_equal, array=np.array, ndarray=np.ndarray, shape=np.shape,
        ndim=np.ndim, zeros=np.zeros, ones=np.ones, eye=np.eye, concatenate=np.concatenate, isfinite=np.isfinite,
        iscomplexobj=np.iscomplexobj, abs=np.abs, sqrt=np.sqrt, tanh=np.tanh, sum=np.sum, mean=np.mean, max=np.max,
        min=np.min, eigvals=np.linalg.eigvals, float32=np.float32, float64=np.float64,
        default_rng=np.random.default_rng, rel_error=rel_error, numerical_gradient=numerical_gradient,
        assert_not_delegating=assert_not_delegating, **library,
    )


@contextmanager
def needs_answers(*names: str):
    """Run a demo cell's block that calls the student's ``names``; if one is not answered yet, say so and go on.

    The block stops at the first ``NotImplementedError`` and the cell prints one line instead of a traceback.
    """
    try:
        yield
    except NotImplementedError:
        listed = " and ".join(f"`{name}`" for name in names)
        print(f"This cell runs your {listed}: answer the exercise above, then run this cell again.")
