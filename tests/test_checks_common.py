"""The building blocks of the student-facing checks: messages, error conversion, delegation detection."""

from __future__ import annotations

import ast
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest

import rnnlab.checks
from rnnlab.checks._common import (
    MISTAKE_KEY,
    CheckFailed,
    StudentCallError,
    as_array,
    assert_not_delegating,
    call_student,
    expect_close,
    expect_shape,
    expect_tuple,
    fail,
    is_close,
    passed,
)


def test_passed_prints_one_success_line(capsys):
    passed("make_windows is right")
    assert capsys.readouterr().out == "✔ make_windows is right\n"


def test_expect_shape_message_names_both_shapes_and_the_hint():
    expect_shape("X", np.zeros((3, 5)), (3, 5))
    with pytest.raises(AssertionError, match=r"^`X` has shape \(3, 4\) but should be \(3, 5\): transpose it$"):
        expect_shape("X", np.zeros((3, 4)), (3, 5), hint="transpose it")


def test_expect_shape_explains_none_and_non_numbers():
    with pytest.raises(AssertionError, match="`y` is None: did you forget a `return` statement"):
        expect_shape("y", None, (3,))
    with pytest.raises(AssertionError, match="`y` should be a numpy array of numbers, got dict"):
        expect_shape("y", {"a": 1}, (3,))


def test_expect_close_reports_the_hint_and_the_largest_difference_and_keys_the_mistake():
    expect_close("c", 1.0 + 1e-10, 1.0, hint="unused", key="unused")
    with pytest.raises(CheckFailed, match=r"`w` is wrong \(max abs difference 0.5\): check your bias term") as info:
        expect_close("w", [1.0, 2.5], [1.0, 2.0], hint="check your bias term", key="forgot_bias")
    assert info.value.key == "forgot_bias"
    with pytest.raises(CheckFailed, match=r"`w` has shape \(3,\) but should be \(2,\)") as info:
        expect_close("w", [1.0, 2.0, 3.0], [1.0, 2.0], hint="h", key="forgot_bias")
    assert info.value.key == "wrong_shape"
    with pytest.raises(CheckFailed, match="NaN or inf") as info:
        expect_close("w", [np.nan, 2.0], [1.0, 2.0], hint="h", key="forgot_bias")
    assert info.value.key == "nan_or_inf"


def test_every_failure_has_a_stable_mistake_key_that_survives_pickling():
    with pytest.raises(ValueError, match="mistake key"):
        fail("no key", key="Not A Key")
    with pytest.raises(TypeError):
        fail("no key")  # the key is required
    with pytest.raises(CheckFailed) as info:
        fail("`h` is wrong: you forgot the bias b", key="forgot_bias")
    copy = pickle.loads(pickle.dumps(info.value))
    assert (str(copy), copy.key) == ("`h` is wrong: you forgot the bias b", "forgot_bias")
    cases = [
        (lambda: call_student(3, "f(x)"), "not_a_function"),
        (lambda: call_student(unanswered, "f(1)", 1), "not_implemented"),
        (lambda: call_student(student_divides_by_zero, "f(3)", 3), "raised:ZeroDivisionError"),
        (lambda: as_array("y", None), "returned_none"),
        (lambda: as_array("y", {"a": 1}), "not_numeric"),
        (lambda: as_array("y", [np.inf]), "nan_or_inf"),
        (lambda: expect_shape("y", np.zeros(3), (2,)), "wrong_shape"),
        (lambda: expect_shape("y", np.zeros(3), (2,), key="hard_coded_sizes"), "hard_coded_sizes"),
        (lambda: expect_tuple("f(x)", None, ("a", "b")), "returned_none"),
        (lambda: expect_tuple("f(x)", 3, ("a", "b")), "wrong_return"),
        (lambda: assert_not_delegating(wrapping_square, library_square, 2), "delegates"),
    ]
    for case, key in cases:
        with pytest.raises(CheckFailed) as info:
            case()
        assert info.value.key == key, (str(info.value), key)


def unanswered(x):
    raise NotImplementedError()


def _key_argument(call: ast.Call) -> ast.expr | None:
    return next((kw.value for kw in call.keywords if kw.arg == "key"), None)


def test_every_check_names_its_mistake_with_a_literal_key():
    """The keys are the checks' contract with the instructor's report: a failure without one, or with a key
    computed at run time (which would not count as the same mistake for two students), fails here."""
    root = Path(rnnlab.checks.__file__).parent
    files = [*sorted(root.glob("*.py")), root.parent / "grading" / "wire.py"]
    problems, counted = [], 0
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name not in ("fail", "expect_close", "CheckFailed", "StudentCallError"):
                continue
            counted += 1
            key = _key_argument(node) or (node.args[1] if name in ("CheckFailed", "StudentCallError")
                                          and len(node.args) > 1 else None)
            where = f"{path.name}:{node.lineno}"
            if key is None:
                problems.append(f"{where}: {name}(...) without a key")
            elif isinstance(key, ast.Constant):
                if not MISTAKE_KEY.fullmatch(str(key.value)):
                    problems.append(f"{where}: key {key.value!r} is not snake_case")
            elif path.name != "_common.py":  # only the generic keys are computed (raised:TypeName, a caller's key)
                problems.append(f"{where}: the key of {name}(...) is computed, not a literal")
    assert counted > 300, counted  # the scan sees the checks
    assert not problems, "\n".join(problems)


def test_as_array_converts_lists():
    np.testing.assert_array_equal(as_array("x", [1, 2]), [1.0, 2.0])


def test_expect_tuple_unpacks_or_explains():
    assert expect_tuple("f(x)", [1, 2], ("a", "b")) == (1, 2)
    with pytest.raises(AssertionError, match=r"`f\(x\)` returned None but should return a tuple \(a, b\)"):
        expect_tuple("f(x)", None, ("a", "b"))
    with pytest.raises(AssertionError, match=r"should return a tuple \(a, b\), got an array of shape \(4,\)"):
        expect_tuple("f(x)", np.zeros(4), ("a", "b"))


def test_is_close_never_raises():
    assert is_close([1.0, 2.0], np.array([1.0, 2.0]))
    assert not is_close(None, [1.0])
    assert not is_close("abc", [1.0])
    assert not is_close(np.zeros(3), np.zeros(2))


def student_divides_by_zero(x):
    return x // 0  # the line a student should see


def test_call_student_names_the_call_the_error_and_the_students_line():
    assert call_student(lambda x: x + 1, "f(1)", 1) == 2
    with pytest.raises(StudentCallError) as info:
        call_student(student_divides_by_zero, "f(3)", 3)
    message = str(info.value)
    assert isinstance(info.value, AssertionError)
    assert message.startswith("calling `f(3)` raised ZeroDivisionError: integer division or modulo by zero")
    assert "return x // 0" in message
    assert info.value.__cause__ is None and info.value.__context__ is None  # no student traceback chained on


def test_call_student_rejects_a_result_passed_instead_of_a_function():
    with pytest.raises(AssertionError, match="expected a function, got int"):
        call_student(3, "f(x)")


def library_square(x):
    return x * x


aliased_square = library_square


def wrapping_square(x):
    return library_square(x)


def honest_square(x):
    return x**2


@pytest.mark.parametrize("student", [aliased_square, wrapping_square])
def test_assert_not_delegating_catches_aliases_and_wrappers(student):
    with pytest.raises(AssertionError, match="calls rnnlab's own `library_square`: write the computation yourself"):
        assert_not_delegating(student, library_square, 3.0)


def library_power(x, n):
    return x**n


def squares_by_power(x):
    return library_power(x, 2)


def test_assert_not_delegating_names_whichever_of_several_library_functions_ran():
    with pytest.raises(AssertionError, match="calls rnnlab's own `library_power`"):
        assert_not_delegating(squares_by_power, (library_square, library_power), 3.0)
    assert assert_not_delegating(honest_square, (library_square, library_power), 3.0) == 9.0


def test_assert_not_delegating_accepts_an_honest_implementation_and_returns_its_result():
    assert assert_not_delegating(honest_square, library_square, 3.0) == 9.0


def test_assert_not_delegating_restores_and_chains_the_previous_profiler():
    events = []

    def outer_profiler(frame, event, arg):
        if event == "call" and frame.f_code is honest_square.__code__:
            events.append(event)

    previous = sys.getprofile()
    sys.setprofile(outer_profiler)
    try:
        assert_not_delegating(honest_square, library_square, 2.0)
        assert sys.getprofile() is outer_profiler
        with pytest.raises(AssertionError):
            assert_not_delegating(student_divides_by_zero, library_square, 2)
        assert sys.getprofile() is outer_profiler
    finally:
        sys.setprofile(previous)
    assert events == ["call"]  # the outer profiler still saw the student's call


def test_a_failed_check_shows_in_ipython_as_one_red_line_without_a_traceback():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("from rnnlab.checks import call_student\ndef f(x):\n    raise NotImplementedError()")
    shown = []
    shell._showtraceback = lambda etype, evalue, stb: shown.append(stb)  # what the kernel would send
    shell.run_cell("call_student(f, 'f(1)', 1)")
    assert len(shown) == 1 and len(shown[0]) == 1, shown
    assert "✘ `f(1)` is not implemented yet" in shown[0][0] and "Traceback" not in shown[0][0]


def test_needs_answers_turns_an_unanswered_exercise_into_one_line_and_lets_other_errors_through(capsys):
    from rnnlab.checks import needs_answers

    with needs_answers("f", "g"):
        raise NotImplementedError()
    said = capsys.readouterr().out
    assert said == "This cell runs your `f` and `g`: answer the exercise above, then run this cell again.\n"
    with pytest.raises(ValueError), needs_answers("f"):
        raise ValueError("a real bug")


def test_references_are_captured_when_called_not_looked_up_later(monkeypatch):
    from rnnlab.checks import references

    ref = references(answer=42)
    original = np.allclose
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)  # what a student's cell could do
    assert ref.allclose is original and not ref.allclose(1.0, 2.0) and ref.answer == 42


def test_importing_rnnlab_limits_blas_to_one_thread_unless_told_otherwise():
    import subprocess

    code = "import rnnlab\nfrom threadpoolctl import threadpool_info\nprint(threadpool_info()[0]['num_threads'])"
    import os

    two = "2" if os.cpu_count() >= 2 else "1"  # OpenBLAS uses at most one thread per core
    for setting, expected in [({}, "1"), ({"RNNLAB_BLAS_THREADS": "2"}, two)]:
        env = {k: v for k, v in os.environ.items() if k != "RNNLAB_BLAS_THREADS"} | setting
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected, (setting, out.stdout, out.stderr)
