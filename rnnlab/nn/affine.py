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


class TemporalAffineCache(NamedTuple):
    x: np.ndarray  # (N, T, D)
    W: np.ndarray  # (D, M)


def temporal_affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, TemporalAffineCache]:
    """The same affine layer applied at every time step: out[:, t] = x[:, t] @ W + b.

    Inputs:
    - x: input data, of shape (N, T, D)
    - W: weights, of shape (D, M)
    - b: biases, of shape (M,)

    Returns a tuple of:
    - out: output data, of shape (N, T, M)
    - cache: TemporalAffineCache needed by temporal_affine_backward
    """
    dims = check_shapes(x=(x, "N T D"), W=(W, "D M"), b=(b, "M"))
    check_float(x=x, W=W, b=b)
    N, T, D, M = dims["N"], dims["T"], dims["D"], dims["M"]
    out = (x.reshape(N * T, D) @ W + b).reshape(N, T, M)  # one product for all time steps
    return out, TemporalAffineCache(x, W)


def temporal_affine_backward(
    dout: np.ndarray, cache: TemporalAffineCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass for temporal_affine_forward.

    Inputs:
    - dout: upstream gradients, of shape (N, T, M)
    - cache: TemporalAffineCache from temporal_affine_forward

    Returns a tuple of:
    - dx: gradient of the input, of shape (N, T, D)
    - dW: gradient of the weights, of shape (D, M)
    - db: gradient of the biases, of shape (M,)
    """
    x, W = cache
    N, T, D = x.shape
    M = W.shape[1]
    check_shapes(dout=(dout, f"{N} {T} {M}"))
    check_float(dout=dout)
    dout2 = dout.reshape(N * T, M)
    return (dout2 @ W.T).reshape(N, T, D), x.reshape(N * T, D).T @ dout2, dout2.sum(axis=0)
