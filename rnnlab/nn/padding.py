"""Padded batches: N sequences of different lengths stored in one array of T steps.

Sequence n is x[n, :lengths[n]]; the steps after it are padding, with any values. These helpers let a layer
ignore the padding: reverse each sequence within its own length (bidirectional layers), set outputs on the padding
to 0, and read each sequence's state at its own last step (a many-to-one head, an encoder's summary).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rnnlab._validate import check_shapes


def check_lengths(lengths, N: int, T: int) -> np.ndarray | None:
    """Validate ``lengths`` (None, or N integers in 1 .. T); return it as an int64 array (or None)."""
    if lengths is None:
        return None
    arr = np.asarray(lengths)
    if arr.shape != (N,) or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"lengths: expected {N} integers (one per sequence), got {arr.dtype} of shape {arr.shape}")
    if arr.min() < 1 or arr.max() > T:
        raise ValueError(f"lengths: expected values in 1 .. T = {T}, got {arr.min()} .. {arr.max()}")
    return arr.astype(np.int64)


def reverse_padded(x, lengths=None):
    """Reverse every sequence in time within its own length; padding stays where it is.

    out[n, t] = x[n, lengths[n] - 1 - t] for t < lengths[n], and out[n, t] = x[n, t] after that. Without
    lengths this is x[:, ::-1]. The operation is its own inverse (and its own gradient).

    Inputs: x of shape (N, T, ...); lengths: None or N integers in 1 .. T.
    Returns an array of the shape of x.
    """
    if not isinstance(x, np.ndarray) or x.ndim < 2:
        got = x.shape if isinstance(x, np.ndarray) else type(x).__name__
        raise ValueError(f"x: expected an array of shape (N, T, ...), got {got}")
    N, T = x.shape[:2]
    lengths = check_lengths(lengths, N, T)
    if lengths is None:
        return x[:, ::-1].copy()
    t = np.arange(T)
    source = np.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)  # (N, T): where out[n, t] comes from
    return x[np.arange(N)[:, None], source]


def zero_padding(h, lengths):
    """h (N, T, ...) with every position t >= lengths[n] set to 0 (h itself when lengths is None)."""
    if lengths is None:
        return h
    N, T = h.shape[:2]
    real = np.arange(T) < check_lengths(lengths, N, T)[:, None]  # (N, T), True on the sequences' own steps
    return np.where(real.reshape(N, T, *[1] * (h.ndim - 2)), h, 0)


class LastStateCache(NamedTuple):
    lengths: np.ndarray  # (N,) true lengths
    shape: tuple  # (N, T, H), the shape of h


def last_state_forward(h, lengths=None):
    """Each sequence's hidden state at its own last step: out[n] = h[n, lengths[n] - 1].

    Inputs: h (N, T, H); lengths: None (every sequence has T steps) or N integers in 1 .. T.
    Returns a tuple of out (N, H) and a LastStateCache for last_state_backward.
    """
    dims = check_shapes(h=(h, "N T H"))
    N, T = dims["N"], dims["T"]
    lengths = np.full(N, T) if lengths is None else check_lengths(lengths, N, T)
    return h[np.arange(N), lengths - 1], LastStateCache(lengths, h.shape)


def last_state_backward(dout, cache):
    """Backward pass of last_state_forward: dout (N, H) -> dh (N, T, H), zero except at each last step."""
    lengths, shape = cache
    N, _, H = shape
    check_shapes({"N": N, "H": H}, dout=(dout, "N H"))
    dh = np.zeros(shape, dtype=dout.dtype)
    dh[np.arange(N), lengths - 1] = dout
    return dh
