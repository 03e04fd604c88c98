"""Affine (fully connected) layer: out = x @ W + b."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rnnlab._validate import check_float, check_shapes


class AffineCache(NamedTuple):
    x: np.ndarray
    W: np.ndarray


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, AffineCache]:
    """Inputs: x (N, D), W (D, M), b (M,). Returns a tuple of out (N, M) and a cache."""
    check_shapes(x=(x, "N D"), W=(W, "D M"), b=(b, "M"))
    check_float(x=x, W=W, b=b)
    return x @ W + b, AffineCache(x, W)


def affine_backward(dout: np.ndarray, cache: AffineCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs: dout (N, M), the cache from affine_forward. Returns a tuple of dx (N, D), dW (D, M), db (M,)."""
    x, W = cache
    check_shapes(dout=(dout, f"{x.shape[0]} {W.shape[1]}"))
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
