"""Synthetic time series for the forecasting notebooks, and the fixed-window view of a series.

Every generator draws from the ``rng`` it is given (a ``numpy.random.Generator``), so the same seed gives the
same series::

    rng = np.random.default_rng(0)
    x = ar_series(500, AR2_COEFS, rng=rng)
    X, y = make_windows(x, p=2)  # X[i] = x[i:i+2], y[i] = x[i+2]
"""

from __future__ import annotations

import numpy as np

from rnnlab._validate import check_count, check_float, check_nonnegative, check_positive, check_rng, check_shapes

AR2_COEFS = (1.6, -0.8)
"""x_t = 1.6 x_{t-1} - 0.8 x_{t-2} + noise: roots 0.8 +- 0.4i (modulus 0.89 < 1, so stable) whose angle
gives a damped oscillation with a period of about 13.5 steps."""


def noisy_sine(T: int, *, period: float = 40.0, noise: float = 0.1, rng: np.random.Generator) -> np.ndarray:
    """sin(2 pi t / period) + noise * N(0, 1) for t = 0 .. T-1. Returns an array of shape (T,)."""
    check_count("T", T)
    check_positive("period", period)
    check_nonnegative("noise", noise)
    check_rng(rng)
    t = np.arange(T)
    return np.sin(2 * np.pi * t / period) + noise * rng.standard_normal(T)


def ar_series(T: int, coefs, *, noise: float = 0.1, rng: np.random.Generator, burn_in: int = 100) -> np.ndarray:
    """Simulate the AR(p) process x_t = sum_k coefs[k] x_{t-1-k} + noise * eps_t, eps_t ~ N(0, 1).

    coefs[0] weights the most recent value x_{t-1}. The process starts from zeros and the first ``burn_in``
    values are discarded so the start-up transient is gone. Inputs: T, coefs (p,) (e.g. AR2_COEFS).
    Returns an array of shape (T,).
    """
    check_count("T", T)
    coefs = np.asarray(coefs, dtype=np.float64)
    check_shapes(coefs=(coefs, "P"))
    if coefs.size == 0:
        raise ValueError("coefs: expected at least one AR coefficient, got shape (0,)")
    check_nonnegative("noise", noise)
    check_rng(rng)
    check_count("burn_in", burn_in, minimum=0)
    p = coefs.size
    eps = noise * rng.standard_normal(burn_in + T)
    x = np.zeros(p + burn_in + T)
    for t in range(p, x.size):
        x[t] = coefs @ x[t - p : t][::-1] + eps[t - p]  # x[t-p:t][::-1] = x_{t-1}, x_{t-2}, ...
    return x[p + burn_in :]


def mackey_glass(
    T: int,
    *,
    tau: float = 17,
    beta: float = 0.2,
    gamma: float = 0.1,
    n: float = 10,
    dt: float = 1.0,
    noise: float = 0.0,
    rng: np.random.Generator,
    burn_in: int = 500,
) -> np.ndarray:
    """Chaotic Mackey-Glass series dx/dt = beta x(t - tau) / (1 + x(t - tau)^n) - gamma x(t).

    Euler steps of size ``dt`` (one sample per step; tau is rounded to a whole number of steps) from a history
    near 1.2 jittered by ``rng``; the first ``burn_in`` steps are dropped. The series is normalised to zero
    mean and unit standard deviation, then Gaussian noise of standard deviation ``noise`` (in those units) is
    added. Returns an array of shape (T,).
    """
    check_count("T", T, minimum=2)
    for name, value in (("tau", tau), ("beta", beta), ("gamma", gamma), ("n", n), ("dt", dt)):
        check_positive(name, value)
    check_nonnegative("noise", noise)
    check_rng(rng)
    check_count("burn_in", burn_in, minimum=0)
    delay = int(round(tau / dt))
    if delay < 1:
        raise ValueError(f"tau: expected tau >= dt so the delay is at least one step, got tau={tau}, dt={dt}")
    x = np.empty(delay + burn_in + T)
    x[: delay + 1] = 1.2 + 0.1 * rng.uniform(-1.0, 1.0, size=delay + 1)
    for t in range(delay, x.size - 1):
        lagged = x[t - delay]
        x[t + 1] = x[t] + dt * (beta * lagged / (1.0 + lagged**n) - gamma * x[t])
    kept = x[delay + burn_in :]
    normalised = (kept - kept.mean()) / kept.std()
    return normalised + noise * rng.standard_normal(T)


def make_windows(series: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into fixed windows of p past values and the value that follows each window.

    Inputs: series (T,) float, p with 1 <= p < T.
    Returns a tuple of X (T - p, p) with X[i] = series[i:i+p] (oldest value first) and y (T - p,) with
    y[i] = series[i+p].
    """
    check_shapes(series=(series, "T"))
    check_float(series=series)
    check_count("p", p)
    if p >= series.size:
        raise ValueError(f"p: expected 1 <= p < T = {series.size} (len(series)), got p={p}")
    X = np.lib.stride_tricks.sliding_window_view(series, p)[:-1].copy()
    y = series[p:].copy()
    return X, y
