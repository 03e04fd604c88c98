"""The notebook-01 checks pass correct answers and name the typical mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnlab.checks import memoryless_models as checks
from rnnlab.checks._common import CheckFailed
from rnnlab.data import make_windows as library_make_windows
from rnnlab.models import fit_ar as library_fit_ar
from rnnlab.models import window_mlp_backward as library_backward
from rnnlab.models import window_mlp_forward as library_forward


def make_windows(series, p):
    X = np.array([series[i : i + p] for i in range(len(series) - p)])
    return X, series[p:].copy()


def fit_ar(series, p):
    X, y = make_windows(series, p)
    coef = np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0]
    return coef[:p], float(coef[p])


def window_mlp_forward(X, params):
    h = np.tanh(X @ params["W1"] + params["b1"])
    return (h @ params["W2"] + params["b2"])[:, 0], (X, h, params)


def window_mlp_backward(dy, cache, *, tanh_derivative=True, sum_db1=True, mean_db=False):
    X, h, params = cache
    dout = dy[:, None]
    da = dout @ params["W2"].T
    if tanh_derivative:
        da = da * (1 - h**2)
    db1 = da.mean(axis=0) if mean_db else da.sum(axis=0) if sum_db1 else da
    return {"W1": X.T @ da, "b1": db1, "W2": h.T @ dout, "b2": dout.sum(axis=0)}


def returns_none(*args):
    return None


def raises(*args):
    raise KeyError("W3")


@pytest.mark.parametrize(
    ("check", "student"),
    [
        (checks.check_make_windows, make_windows),
        (checks.check_fit_ar, fit_ar),
        (checks.check_window_mlp_forward, window_mlp_forward),
        (checks.check_window_mlp_backward, window_mlp_backward),
    ],
)
def test_correct_answers_pass_with_one_success_line(check, student, capsys):
    check(student)
    out = capsys.readouterr().out
    assert out.startswith("✔") and out.count("\n") == 1


def test_backward_check_accepts_the_students_own_forward_and_cache():
    def forward(X, params):
        a = X @ params["W1"] + params["b1"]
        return (np.tanh(a) @ params["W2"] + params["b2"])[:, 0], {"a": a, "X": X, "W2": params["W2"]}

    def backward(dy, cache):
        h = np.tanh(cache["a"])
        da = (dy[:, None] @ cache["W2"].T) * (1 - h**2)
        return {"W1": cache["X"].T @ da, "b1": da.sum(0), "W2": h.T @ dy[:, None], "b2": dy.sum(keepdims=True)}

    checks.check_window_mlp_backward(backward, forward)
    with pytest.raises(CheckFailed, match="make check_window_mlp_forward pass first") as info:
        checks.check_window_mlp_backward(backward, lambda X, params: forward(X, {**params, "b2": 0 * params["b2"]}))
    assert info.value.key == "wrong_forward"
    with pytest.raises(CheckFailed, match="pass it too: check_window_mlp_backward") as info:
        checks.check_window_mlp_backward(backward)
    assert info.value.key == "own_cache_layout"


def window_bugs():
    def off_by_one_target(series, p):
        X, _ = make_windows(series, p)
        return X, series[p - 1 : -1]

    def reversed_window(series, p):
        X, y = make_windows(series, p)
        return X[:, ::-1], y

    def starts_at_one(series, p):
        X = np.array([series[i + 1 : i + 1 + p] for i in range(len(series) - p - 1)])
        return np.vstack([X, series[-p:]]), series[p:].copy()

    def one_window_too_many(series, p):
        return np.array([series[i : i + p] for i in range(len(series) - p + 1)]), series[p - 1 :]

    def hard_coded_p(series, p):
        return make_windows(series, 3)

    def target_skips(series, p):
        X, y = make_windows(series, p)
        return X, y + 1  # on series = np.arange(7.) that is series[i + p + 1]

    def zero_targets(series, p):
        X, y = make_windows(series, p)
        return X, np.zeros_like(y)

    def doubled_windows(series, p):
        X, y = make_windows(series, p)
        return 2 * X, y

    return [
        (off_by_one_target, "it should be the value after the window", "target_inside_window"),
        (reversed_window, "each window is reversed", "reversed_window"),
        (starts_at_one, "your first window starts at index 1", "window_starts_at_one"),
        (one_window_too_many, "T - p windows, not T - p + 1", "one_window_too_many"),
        (hard_coded_p, "correct for p = 3 but not for p = 1", "hard_coded_sizes"),
        (target_skips, "your target skips a value", "target_skips_a_value"),
        (zero_targets, "`y` is wrong", "wrong_y"),
        (doubled_windows, "`X` is wrong", "wrong_x"),
        (library_make_windows, "calls rnnlab's own `make_windows`", "delegates"),
        (returns_none, "returned None", "returned_none"),
        (raises, "raised KeyError: 'W3'", "raised:KeyError"),
    ]


def fit_bugs():
    def no_intercept(series, p):
        X, y = make_windows(series, p)
        return np.linalg.lstsq(X, y, rcond=None)[0], 0.0

    def reversed_coefficients(series, p):
        w, c = fit_ar(series, p)
        return w[::-1], c

    def intercept_inside_w(series, p):
        X, y = make_windows(series, p)
        return np.linalg.lstsq(np.column_stack([X, np.ones(len(y))]), y, rcond=None)[0], 0.0

    def intercept_as_array(series, p):
        w, c = fit_ar(series, p)
        return w, np.array([c])

    def calls_the_library(series, p):
        return library_fit_ar(series, p)

    def doubled_w(series, p):
        w, c = fit_ar(series, p)
        return 2 * w, c

    def shifted_c(series, p):
        w, c = fit_ar(series, p)
        return w, c + 1

    def drops_first_value(series, p):  # exact on a noiseless series, not least squares on a noisy one
        return fit_ar(series[1:], p)

    return [
        (no_intercept, "you forgot the intercept", "forgot_intercept"),
        (reversed_coefficients, "your coefficients are in reverse order", "reversed_coefficients"),
        (intercept_inside_w, "return the intercept separately as c", "intercept_inside_w"),
        (intercept_as_array, "`c` should be a single number", "c_not_scalar"),
        (calls_the_library, "calls rnnlab's own `fit_ar`", "delegates"),
        (doubled_w, "`w` is wrong", "wrong_w"),
        (shifted_c, "w is right but c is not", "wrong_c"),
        (drops_first_value, "not the least-squares solution on a noisy one", "not_least_squares"),
        (returns_none, "returned None", "returned_none"),
        (raises, "raised KeyError", "raised:KeyError"),
    ]


def forward_bugs():
    def no_output_bias(X, params):
        y, cache = window_mlp_forward(X, params)
        return y - params["b2"][0], cache

    def no_hidden_bias(X, params):
        return window_mlp_forward(X, {**params, "b1": np.zeros_like(params["b1"])})

    def no_tanh(X, params):
        h = X @ params["W1"] + params["b1"]
        return (h @ params["W2"] + params["b2"])[:, 0], None

    def two_dimensional_output(X, params):
        y, cache = window_mlp_forward(X, params)
        return y[:, None], cache

    def returns_only_y(X, params):
        return window_mlp_forward(X, params)[0]

    def tanh_of_b1_only(X, params):
        h = X @ params["W1"] + np.tanh(params["b1"])
        return (h @ params["W2"] + params["b2"])[:, 0], None

    def halved_input(X, params):
        h = np.tanh(X @ params["W1"] / 2 + params["b1"])
        return (h @ params["W2"] + params["b2"])[:, 0], None

    def tanh_per_term(X, params):
        h = np.tanh(X @ params["W1"]) + np.tanh(params["b1"])
        return (h @ params["W2"] + params["b2"])[:, 0], None

    return [
        (no_output_bias, "check your output bias b2", "wrong_output_bias"),
        (
            no_hidden_bias,
            "with W1 = 0 the hidden layer should be tanh(b1) for every window: check your first bias",
            "wrong_hidden_bias",
        ),
        (no_tanh, "hidden layer is b1 instead of tanh(b1)", "bias_outside_tanh"),
        (two_dimensional_output, "take column 0", "y_not_squeezed"),
        (tanh_of_b1_only, "you forgot the tanh", "forgot_tanh"),
        (halved_input, "check the products X @ W1 and h @ W2", "wrong_products"),
        (tanh_per_term, "each term is right on its own but not all together", "wrong_y"),
        (returns_only_y, "should return a tuple (y, cache)", "wrong_return"),
        (library_forward, "calls rnnlab's own `window_mlp_forward`", "delegates"),
        (returns_none, "returned None", "returned_none"),
        (raises, "raised KeyError", "raised:KeyError"),
    ]


def backward_bugs():
    def wrong_dW2(dy, cache):
        return {**window_mlp_backward(dy, cache), "W2": cache[1].T @ np.ones((len(dy), 1))}

    def db2_not_summed(dy, cache):
        return {**window_mlp_backward(dy, cache), "b2": dy}

    def gradient_names(dy, cache):
        return {f"d{name}": grad for name, grad in window_mlp_backward(dy, cache).items()}

    return [
        (
            lambda dy, cache: window_mlp_backward(dy, cache, tanh_derivative=False),
            "forgot the tanh derivative",
            "forgot_tanh_derivative",
        ),
        (
            lambda dy, cache: window_mlp_backward(dy, cache, sum_db1=False),
            "`db1` has one row per window: sum it",
            "db_not_summed_over_batch",
        ),
        (db2_not_summed, "`db2` has one row per window: sum it", "db_not_summed_over_batch"),
        (lambda dy, cache: window_mlp_backward(dy, cache, mean_db=True), "sum it instead", "db_averaged_over_batch"),
        (wrong_dW2, "dW2 is wrong while dW1, db1, db2 are right", "wrong_grads"),
        (gradient_names, "the gradient dict is missing key(s) W1, b1, W2, b2", "missing_grad_keys"),
        (library_backward, "calls rnnlab's own `window_mlp_backward`", "delegates"),
        (lambda dy, cache: list(window_mlp_backward(dy, cache).values()), "should return a dict", "wrong_return"),
        (returns_none, "should return a dict with keys W1, b1, W2, b2, got NoneType", "returned_none"),
        (raises, "raised KeyError", "own_cache_layout"),  # a backward that raises on rnnlab's cache gets the note
    ]


@pytest.mark.parametrize(("student", "phrase", "key"), window_bugs())
def test_make_windows_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_make_windows(student)
    assert info.value.key == key


@pytest.mark.parametrize(("student", "phrase", "key"), fit_bugs())
def test_fit_ar_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_fit_ar(student)
    assert info.value.key == key


@pytest.mark.parametrize(("student", "phrase", "key"), forward_bugs())
def test_forward_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_window_mlp_forward(student)
    assert info.value.key == key


@pytest.mark.parametrize(("student", "phrase", "key"), backward_bugs())
def test_backward_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_window_mlp_backward(student)
    assert info.value.key == key


def test_failures_carry_no_chained_traceback():
    with pytest.raises(CheckFailed) as info:
        checks.check_fit_ar(raises)
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert info.value.key == "raised:KeyError"


def unanswered(*args, **kwargs):
    raise NotImplementedError()


@pytest.mark.parametrize(
    "check",
    [checks.check_make_windows, checks.check_fit_ar, checks.check_window_mlp_forward, checks.check_window_mlp_backward],
)
def test_unanswered_exercise_says_so_without_extra_notes(check):
    with pytest.raises(CheckFailed) as info:
        check(unanswered)
    message = str(info.value)
    assert "is not implemented yet: replace `raise NotImplementedError()`" in message
    assert "This check makes the cache" not in message  # the cache-layout note would only confuse here
    assert info.value.key == "not_implemented"
