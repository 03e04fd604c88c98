"""Autoregressive models AR(p) fitted by least squares, and recursive multi-step forecasts.

Windows follow ``make_windows``: X[i] = series[i:i+p], oldest value first, so ``w[j]`` weights column j and
``w[-1]`` weights the most recent value. (``ar_series`` lists its coefficients newest first, so a fit on an
``ar_series(..., coefs)`` sample gives ``w[::-1] ~= coefs``.)

Any one-step model plugs into the forecasts as ``predict``: a function mapping windows (N, p) to predictions
(N,), e.g. ``lambda X: ar_predict(X, w, c)`` or ``lambda X: window_mlp_forward(X, params)[0]``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnlab._validate import check_count, check_float, check_shapes
from rnnlab.data.series import make_windows

Predictor = Callable[[np.ndarray], np.ndarray]


def fit_ar(series: np.ndarray, p: int) -> tuple[np.ndarray, float]:
    """Least-squares AR(p) fit y ~= X @ w + c on ``make_windows(series, p)``.

    Inputs: series (T,) float, p with 1 <= p < T. Returns a tuple of w (p,) (oldest lag first) and c (float).
    """
    X, y = make_windows(series, p)
    design = np.column_stack([X, np.ones_like(y)])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return coef[:p], float(coef[p])


def ar_predict(X: np.ndarray, w: np.ndarray, c: float) -> np.ndarray:
    """One-step AR prediction. Inputs: X (N, p) windows, w (p,), c scalar. Returns an array of shape (N,)."""
    check_shapes(X=(X, "N P"), w=(w, "P"))
    check_float(X=X, w=w)
    if np.ndim(c) != 0:
        raise ValueError(f"c: expected a scalar intercept, got shape {np.shape(c)}")
    return X @ w + c


def forecast(predict: Predictor, history: np.ndarray, k: int, p: int) -> np.ndarray:
    """Recursive k-step forecast: predict one step, append it to the window, repeat.

    Inputs: predict maps windows (1, p) to (1,); history (T,) float with T >= p (its last p values form the
    first window); k >= 1 steps; p the window length. Returns an array of shape (k,) whose j-th entry
    forecasts the value j + 1 steps after the end of ``history``.
    """
    check_shapes(history=(history, "T"))
    check_float(history=history)
    check_count("p", p)
    if history.size < p:
        raise ValueError(f"history: expected at least p={p} values, got shape {history.shape}")
    return _recursive_forecast(predict, history[None, history.size - p :], k)[0]


def forecast_errors(
    series: np.ndarray,
    predict: Predictor,
    p: int,
    horizons=(1, 4, 16, 64),
    start: int | None = None,
) -> dict[int, float]:
    """RMSE of recursive k-step forecasts for each horizon k, over every forecast origin in ``series``.

    An origin o forecasts from the window series[o-p:o]; its k-step forecast is compared with series[o+k-1].
    Origins run from ``start`` (default p, the earliest possible; e.g. the end of the training data) to
    T - max(horizons), the same origins for every horizon. All origins run as one batch, so ``predict`` gets
    windows (N, p) and returns (N,). Returns a dict {k: RMSE}.
    """
    check_shapes(series=(series, "T"))
    check_float(series=series)
    check_count("p", p)
    horizons = tuple(horizons)
    if not horizons:
        raise ValueError("horizons: expected at least one horizon, got an empty sequence")
    for k in horizons:
        check_count("horizons", k)
    start = p if start is None else start
    check_count("start", start, minimum=p)
    longest = max(horizons)
    last_origin = series.size - longest
    if last_origin < start:
        raise ValueError(
            f"series: expected at least start + max(horizons) = {start + longest} values for forecasts from "
            f"start={start}, got shape {series.shape}"
        )
    origins = np.arange(start, last_origin + 1)
    windows = series[origins[:, None] - p + np.arange(p)]
    predictions = _recursive_forecast(predict, windows, longest)
    truth = series[origins[:, None] + np.arange(longest)]
    squared = (predictions - truth) ** 2
    return {int(k): float(np.sqrt(squared[:, k - 1].mean())) for k in horizons}


def _recursive_forecast(predict: Predictor, windows: np.ndarray, k: int) -> np.ndarray:
    """Run k recursive steps from each window (N, p). Returns forecasts of shape (N, k)."""
    if not callable(predict):
        raise ValueError(f"predict: expected a function mapping windows (N, p) to (N,), got {type(predict)}")
    check_count("k", k)
    n, p = windows.shape
    windows = windows.copy()
    forecasts = np.empty((n, k), dtype=windows.dtype)
    for step in range(k):
        step_prediction = np.asarray(predict(windows))
        if step_prediction.shape != (n,):
            raise ValueError(
                f"predict: expected predictions of shape ({n},) for windows of shape {windows.shape}, "
                f"got {step_prediction.shape}"
            )
        forecasts[:, step] = step_prediction
        windows[:, :-1] = windows[:, 1:]
        windows[:, -1] = step_prediction
    return forecasts
