"""Numerical gradients by centred differences, and a relative error that stays sane near zero.

Typical use for a layer ``out, cache = forward(x, W)`` with upstream gradient ``dout``::

    dx_num = numerical_gradient(lambda x: forward(x, W)[0], x, dout)
    dx, dW = backward(dout, cache)
    assert rel_error(dx, dx_num) < 1e-7
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TINY = 1e-12


def numerical_gradient(
    f: Callable[[np.ndarray], np.ndarray | float],
    x: np.ndarray,
    dout: np.ndarray | None = None,
    h: float = 1e-5,
) -> np.ndarray:
    """Centred-difference gradient of ``sum(dout * f(x))`` with respect to ``x``.

    f: callable taking ``x`` (perturbed in place, restored afterwards) and returning an array or scalar.
    x: float array, any shape. dout: upstream gradient, same shape as ``f(x)``; omit it when f is scalar.
    Returns an array shaped like ``x``.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x: expected a float numpy array, got {type(x).__name__} {getattr(x, 'dtype', '')}")
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = np.array(f(x), dtype=np.float64, copy=True)
        x[i] = old - h
        minus = np.array(f(x), dtype=np.float64, copy=True)
        x[i] = old
        if dout is None:
            if plus.size != 1:
                raise ValueError(f"dout: f returns shape {plus.shape}; pass the upstream gradient dout")
            grad[i] = (plus.item() - minus.item()) / (2 * h)
        else:
            if np.shape(dout) != plus.shape:
                raise ValueError(f"dout: expected shape {plus.shape} (the shape of f(x)), got {np.shape(dout)}")
            grad[i] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


def numerical_gradients(f: Callable[..., np.ndarray], args: list[np.ndarray], dout=None, h: float = 1e-5):
    """Numerical gradients of ``sum(dout * f(*args))`` with respect to each array in ``args``, as a list."""
    return [numerical_gradient(lambda _: f(*args), a, dout, h) for a in args]


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """max|a - b| / max(|a| + |b|): 0 for identical arrays, about 1 for unrelated ones, finite at zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"b: expected shape {a.shape} (the shape of a), got {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a) + np.abs(b))), TINY))
