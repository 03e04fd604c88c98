"""Checks for notebook 01_memoryless_models: make_windows, fit_ar, and the window MLP forward and backward.

Each check isolates one term at a time so a failure names the likely mistake, prints one line on success and
raises AssertionError with a message for the student otherwise::

    from rnnlab.checks import memoryless_models
    memoryless_models.check_make_windows(make_windows)
"""

from __future__ import annotations

import numpy as np

from rnnlab.checks._common import (
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
from rnnlab.checks._common import references as _references
from rnnlab.data import series as _series
from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.models import autoregressive as _autoregressive
from rnnlab.models import window_mlp as _window_mlp

# What the grader withholds from the student's kernel and answers outside it, seeing every call
# (rnnlab.grading.withhold): rnnlab's own answers to this notebook's exercises and what computes them too, and
# the demos' training loop (one call instead of thousands of forward and backward passes).
WITHHELD_WHILE_GRADING = (_series.make_windows, _autoregressive.fit_ar, _window_mlp.window_mlp_forward,
                          _window_mlp.window_mlp_backward, _window_mlp.train_window_mlp)

_GRAD_NAMES = {"W1": "dW1", "b1": "db1", "W2": "dW2", "b2": "db2"}
_GRAD_HINTS = {
    "W1": "dW1 = X.T @ da with da = (dy[:, None] @ W2.T) * (1 - h**2)",
    "b1": "db1 = da.sum(axis=0), the hidden-layer gradient da summed over the batch",
    "W2": "dW2 = h.T @ dy[:, None]",
    "b2": "db2 = dy.sum(keepdims=True), shape (1,)",
}
_CACHE_NOTE = (
    "This check makes the cache with rnnlab's window_mlp_forward, where cache = (X, h, params). If your forward "
    "stores a different cache, pass it too: check_window_mlp_backward(window_mlp_backward, window_mlp_forward)"
)


def check_make_windows(make_windows) -> None:
    """make_windows(series, p) -> (X (T-p, p), y (T-p,)) with X[i] = series[i:i+p], y[i] = series[i+p]."""
    __tracebackhide__ = True
    series = np.arange(7.0)  # each value equals its index, so a wrong value tells which index was used
    p = 3
    result = assert_not_delegating(make_windows, _series.make_windows, series.copy(), p)
    X, y = expect_tuple("make_windows(series, p)", result, ("X", "y"))
    if as_array("X", X).shape == (5, 3):
        fail(
            "`X` has shape (5, 3) but should be (4, 3): the last window series[4:7] has no value after it to "
            "predict, so there are T - p windows, not T - p + 1",
            key="one_window_too_many",
        )
    expect_shape("X", X, (4, 3), hint="one row per window and p values per row: X has shape (T - p, p)")
    expect_shape("y", y, (4,), hint="one target per window: y is 1-d with shape (T - p,)")

    windows = np.array([[0.0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]])
    targets = np.array([3.0, 4, 5, 6])
    if is_close(X, windows + 1):
        fail("your first window starts at index 1; it should start at index 0: X[0] = series[0:p]",
             key="window_starts_at_one")
    if is_close(y, targets - 1):
        fail(
            "your target is the last value inside its window; it should be the value after the window: "
            "y[i] = series[i + p]",
            key="target_inside_window",
        )
    if is_close(y, targets + 1):
        fail("your target skips a value: y[i] should be series[i + p], the value right after X[i]",
             key="target_skips_a_value")
    expect_close("y", y, targets, hint="y[i] should be series[i + p]; with series = np.arange(7.), p = 3: y[0] = 3",
                 key="wrong_y")
    if is_close(X, windows[:, ::-1]):
        fail("each window is reversed: X[i] should be series[i:i+p] in time order, oldest value first",
             key="reversed_window")
    hint = f"X[i] should be series[i:i+p]; for series = np.arange(7.) X[0] = [0, 1, 2], yours is {as_array('X', X)[0]}"
    expect_close("X", X, windows, hint=hint, key="wrong_x")

    rng = np.random.default_rng(1)
    other = rng.standard_normal(6)
    X1, y1 = expect_tuple(
        "make_windows(series, 1)", call_student(make_windows, "make_windows(series, 1)", other, 1), ("X", "y")
    )
    X_ref, y_ref = _series.make_windows(other, 1)
    hint = "correct for p = 3 but not for p = 1: use p (and len(series)) instead of fixed numbers"
    expect_shape("X", X1, X_ref.shape, hint=hint, key="hard_coded_sizes")
    expect_close("X", X1, X_ref, hint=hint, key="hard_coded_sizes")
    expect_close("y", y1, y_ref, hint=hint, key="hard_coded_sizes")
    passed("make_windows: shapes, window order and targets are right")


def check_fit_ar(fit_ar) -> None:
    """fit_ar(series, p) -> (w (p,), c float): least squares y ~= X @ w + c on make_windows(series, p)."""
    __tracebackhide__ = True
    ar1 = _noiseless_ar([0.5], intercept=1.0, start=[0.0], T=20)  # x_t = 0.5 x_{t-1} + 1, mean near 2
    w, c = _fit(fit_ar, ar1, 1, check_delegation=True)
    if not is_close(w, [0.5]) and _is_fit_without_intercept(w, c, ar1, 1):
        fail(
            "you forgot the intercept: on x_t = 0.5 x_{t-1} + 1 (mean near 2, not 0) the fit needs a constant "
            "term. Append a column of ones to X and fit y ~= X @ w + c",
            key="forgot_intercept",
        )
    expect_close("w", w, [0.5], hint="on the noiseless series x_t = 0.5 x_{t-1} + 1 the fit should give w = [0.5]",
                 key="wrong_w")
    expect_close("c", c, 1.0, hint="w is right but c is not: c is the coefficient of the column of ones",
                 key="wrong_c")

    ar2 = _noiseless_ar([1.2, -0.5], intercept=0.6, start=[0.0, 1.0], T=20)  # x_t = 1.2 x_{t-1} - 0.5 x_{t-2} + 0.6
    w, c = _fit(fit_ar, ar2, 2)
    if is_close(w, [1.2, -0.5]):
        fail(
            "your coefficients are in reverse order: w[j] multiplies column j of X = series[i:i+p], so w[0] "
            "weights the oldest value and w[-1] the newest (the true w here is [-0.5, 1.2])",
            key="reversed_coefficients",
        )
    if _is_fit_without_intercept(w, c, ar2, 2):
        fail("you forgot the intercept: append a column of ones to X and fit y ~= X @ w + c", key="forgot_intercept")
    expect_close(
        "w", w, [-0.5, 1.2], hint="on x_t = 1.2 x_{t-1} - 0.5 x_{t-2} + 0.6 the fit should give w = [-0.5, 1.2]",
        key="wrong_w",
    )
    expect_close("c", c, 0.6, hint="w is right but c is not: c is the coefficient of the column of ones",
                 key="wrong_c")

    noisy = 3.0 + _series.ar_series(200, _series.AR2_COEFS, noise=0.5, rng=np.random.default_rng(2))
    w, c = _fit(fit_ar, noisy, 3)
    w_ref, c_ref = _autoregressive.fit_ar(noisy, 3)
    hint = "right on noiseless series but not the least-squares solution on a noisy one: use np.linalg.lstsq"
    expect_close("w", w, w_ref, hint=hint, key="not_least_squares", atol=1e-6)
    expect_close("c", c, c_ref, hint=hint, key="not_least_squares", atol=1e-6)
    passed("fit_ar: shapes, intercept, coefficient order and least-squares values are right")


def check_window_mlp_forward(window_mlp_forward) -> None:
    """window_mlp_forward(X, params) -> (y (N,), cache): y = (tanh(X @ W1 + b1) @ W2 + b2)[:, 0]."""
    __tracebackhide__ = True
    X, params = _mlp_problem()
    W1, b1, W2, b2 = (params[name] for name in ("W1", "b1", "W2", "b2"))
    zeros = {name: np.zeros_like(value) for name, value in params.items()}

    result = assert_not_delegating(window_mlp_forward, _window_mlp.window_mlp_forward, X.copy(), _copy(params))
    y, _ = expect_tuple("window_mlp_forward(X, params)", result, ("y", "cache"))
    if as_array("y", y).shape == (X.shape[0], 1):
        fail("`y` has shape (N, 1) but should be (N,): take column 0, y = (h @ W2 + b2)[:, 0]", key="y_not_squeezed")
    expect_shape("y", y, (X.shape[0],), hint="one prediction per window: y has shape (N,)")

    y = _forward_y(window_mlp_forward, X, {**zeros, "b2": b2})
    expect_close(
        "y",
        y,
        np.full(X.shape[0], b2[0]),
        hint="with all weights and b1 zero, every prediction should equal b2: check your output bias b2",
        key="wrong_output_bias",
    )

    y = _forward_y(window_mlp_forward, X, {**zeros, "b1": b1, "W2": W2})
    if is_close(y, np.full(X.shape[0], (b1 @ W2)[0])):
        fail("with W1 = 0 your hidden layer is b1 instead of tanh(b1): add b1 inside the tanh, h = tanh(X @ W1 + b1)",
             key="bias_outside_tanh")
    expect_close(
        "y",
        y,
        np.full(X.shape[0], (np.tanh(b1) @ W2)[0]),
        hint="with W1 = 0 the hidden layer should be tanh(b1) for every window: check your first bias b1",
        key="wrong_hidden_bias",
    )

    y = _forward_y(window_mlp_forward, X, {**zeros, "W1": W1, "W2": W2})
    if is_close(y, (X @ W1 @ W2)[:, 0]):
        fail("you forgot the tanh: the hidden layer is h = tanh(X @ W1 + b1)", key="forgot_tanh")
    expect_close(
        "y",
        y,
        (np.tanh(X @ W1) @ W2)[:, 0],
        hint="with both biases zero, y should be tanh(X @ W1) @ W2: check the products X @ W1 and h @ W2",
        key="wrong_products",
    )

    y = _forward_y(window_mlp_forward, X, params)
    expect_close(
        "y",
        y,
        _window_mlp.window_mlp_forward(X, params)[0],
        hint="each term is right on its own but not all together: a = X @ W1 + b1, h = tanh(a), y = h @ W2 + b2",
        key="wrong_y",
    )
    passed("window_mlp_forward: output bias, hidden bias, tanh and products are right")


def check_window_mlp_backward(window_mlp_backward, window_mlp_forward=None) -> None:
    """window_mlp_backward(dy, cache) -> grads, checked against numerical gradients one parameter at a time.

    The cache comes from rnnlab's window_mlp_forward, cache = (X, h, params), unless you pass your own forward.
    """
    __tracebackhide__ = True
    X, params = _mlp_problem()
    dy = np.random.default_rng(3).standard_normal(X.shape[0])
    y_ref, cache = _window_mlp.window_mlp_forward(X.copy(), _copy(params))  # copies: the student may edit them
    if window_mlp_forward is not None:
        result = call_student(window_mlp_forward, "window_mlp_forward(X, params)", X.copy(), _copy(params))
        y, cache = expect_tuple("window_mlp_forward(X, params)", result, ("y", "cache"))
        if not is_close(y, y_ref):
            fail("your window_mlp_forward is not right yet: make check_window_mlp_forward pass first",
                 key="wrong_forward")
    grads = _call_backward(window_mlp_backward, dy.copy(), cache, own_cache=window_mlp_forward is not None)

    if not isinstance(grads, dict):
        message = f"`window_mlp_backward` should return a dict with keys W1, b1, W2, b2, got {type(grads).__name__}"
        if grads is None:
            fail(message, key="returned_none")
        fail(message, key="wrong_return")
    missing = [name for name in _GRAD_NAMES if name not in grads]
    if missing:
        fail(f"the gradient dict is missing key(s) {', '.join(missing)}: use the same keys as params",
             key="missing_grad_keys")
    N, H = X.shape[0], params["b1"].shape[0]
    for name, unsummed_shape in (("b1", (N, H)), ("b2", (N,)), ("b2", (N, 1))):
        if as_array(_GRAD_NAMES[name], grads[name]).shape == unsummed_shape:
            fail(f"`{_GRAD_NAMES[name]}` has one row per window: sum it over the batch (axis 0)",
                 key="db_not_summed_over_batch")
    for name, value in params.items():
        expect_shape(_GRAD_NAMES[name], grads[name], value.shape, hint=f"it must match {name}: {_GRAD_HINTS[name]}")

    numeric = {
        name: numerical_gradient(lambda _: _window_mlp.window_mlp_forward(X, params)[0], params[name], dy)
        for name in params
    }
    wrong = [name for name in params if rel_error(as_array(_GRAD_NAMES[name], grads[name]), numeric[name]) > 1e-6]
    if not wrong:
        passed("window_mlp_backward: dW1, db1, dW2, db2 match numerical gradients")
        return

    h, W2 = np.tanh(X @ params["W1"] + params["b1"]), params["W2"]
    dh = dy[:, None] @ W2.T
    if is_close(grads["W1"], X.T @ dh) or is_close(grads["b1"], dh.sum(axis=0)):
        fail("you forgot the tanh derivative: multiply by (1 - h**2) before going back through W1",
             key="forgot_tanh_derivative")
    da = dh * (1 - h**2)
    if is_close(grads["b1"], da.mean(axis=0)) or is_close(grads["b2"], [dy.mean()]):
        fail("you averaged the bias gradient over the batch: sum it instead (the loss already divides by N)",
             key="db_averaged_over_batch")
    right = [_GRAD_NAMES[name] for name in params if name not in wrong]
    wrong_names = ", ".join(_GRAD_NAMES[name] for name in wrong)
    verb = "is" if len(wrong) == 1 else "are"
    summary = f"{wrong_names} {verb} wrong"
    if right:
        summary += f" while {', '.join(right)} {'is' if len(right) == 1 else 'are'} right"
    fail(f"{summary}: check " + "; ".join(_GRAD_HINTS[name] for name in wrong), key="wrong_grads")


def _fit(fit_ar, series: np.ndarray, p: int, check_delegation: bool = False) -> tuple:
    """Call the student's fit_ar and check the shape of w and that c is a single number."""
    __tracebackhide__ = True
    call = f"fit_ar(series, {p})"
    if check_delegation:
        result = assert_not_delegating(fit_ar, _autoregressive.fit_ar, series.copy(), p)
    else:
        result = call_student(fit_ar, call, series.copy(), p)
    w, c = expect_tuple(call, result, ("w", "c"))
    shape = as_array("w", w).shape
    if shape == (p + 1,):
        fail(f"`w` has shape {shape} but should be ({p},): return the intercept separately as c, not inside w",
             key="intercept_inside_w")
    expect_shape("w", w, (p,), hint="one coefficient per lag: w is 1-d with shape (p,)")
    if np.ndim(as_array("c", c)) != 0:
        fail(f"`c` should be a single number but has shape {np.shape(c)}: return float(...) of the intercept",
             key="c_not_scalar")
    return as_array("w", w), float(as_array("c", c))


def _is_fit_without_intercept(w, c: float, series: np.ndarray, p: int) -> bool:
    """True if (w, c) is the least-squares fit with no constant column (c zero or left out)."""
    X, y = _series.make_windows(series, p)
    w_no_intercept = np.linalg.lstsq(X, y, rcond=None)[0]
    return is_close(w, w_no_intercept, atol=1e-6) and abs(c) < 1e-6


def _noiseless_ar(coefs, intercept: float, start, T: int) -> np.ndarray:
    """x_t = sum_k coefs[k] x_{t-1-k} + intercept, starting from ``start`` (oldest first)."""
    x = list(start)
    while len(x) < T:
        x.append(sum(a * x[-1 - k] for k, a in enumerate(coefs)) + intercept)
    return np.array(x)


def _mlp_problem() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Fixed X (5, 3) and params with H = 4, every term nonzero and tanh in its curved range."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 3))
    params = {
        "W1": rng.standard_normal((3, 4)),
        "b1": 0.5 * rng.standard_normal(4),
        "W2": rng.standard_normal((4, 1)),
        "b2": np.array([0.3]),
    }
    return X, params


def _forward_y(window_mlp_forward, X: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    __tracebackhide__ = True
    call = "window_mlp_forward(X, params)"
    y, _ = expect_tuple(call, call_student(window_mlp_forward, call, X.copy(), _copy(params)), ("y", "cache"))
    expect_shape("y", y, (X.shape[0],), hint="one prediction per window: y has shape (N,)")
    return as_array("y", y)


def _call_backward(window_mlp_backward, dy: np.ndarray, cache, own_cache: bool):
    """Call the student's backward; if it fails on rnnlab's cache, say how the cache is laid out."""
    __tracebackhide__ = True
    try:
        return assert_not_delegating(window_mlp_backward, _window_mlp.window_mlp_backward, dy, cache)
    except StudentCallError as err:
        if own_cache or err.raised is NotImplementedError:
            raise
        message = f"{err}\n{_CACHE_NOTE}"
    fail(message, key="own_cache_layout")


def _copy(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: value.copy() for name, value in params.items()}


def references():
    """The trusted references of notebook 01's hidden tests (see ``_common.references``)."""
    return _references(
        make_windows=_series.make_windows, ar_series=_series.ar_series, fit_ar=_autoregressive.fit_ar,
        mlp_forward=_window_mlp.window_mlp_forward, mlp_backward=_window_mlp.window_mlp_backward,
        CacheType=_window_mlp.WindowMLPCache,
    )
