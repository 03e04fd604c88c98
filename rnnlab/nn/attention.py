"""Scaled dot-product attention with a boolean mask, forward and backward.

    scores = q @ k^T / sqrt(d)          (N, Tq, Tk)  how well each query matches each key
    weights = softmax(scores) over the keys a query may attend to (mask True), exactly 0 elsewhere
    out = weights @ v                   (N, Tq, dv)

The mask follows PyTorch's boolean convention: True = may attend. It may have any shape that broadcasts to
(N, Tq, Tk): (Tq, Tk) for a causal mask shared by the batch, (N, 1, Tk) for padded keys, ...
A query row whose keys are all masked attends to nothing: its weights are all 0 and its output is 0 (not
NaN), and no gradient flows through it.

additive_attention_forward/backward implement Bahdanau's additive score w . tanh(q Wq + k Wk) with the same
masking, for encoder-decoder models whose queries and keys have different sizes.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from rnnlab._validate import check_float, check_shapes
from rnnlab.nn._common import check_upstream


class AttentionCache(NamedTuple):
    q: np.ndarray  # (N, Tq, d)
    k: np.ndarray  # (N, Tk, d)
    v: np.ndarray  # (N, Tk, dv)
    weights: np.ndarray  # (N, Tq, Tk)
    scale: float  # 1 / sqrt(d)


def _check_mask(mask, N: int, Tq: int, Tk: int) -> np.ndarray:
    if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
        got = mask.dtype if isinstance(mask, np.ndarray) else type(mask).__name__
        raise ValueError(f"mask: expected a boolean numpy array (True = may attend), got {got}")
    try:
        if np.broadcast_shapes(mask.shape, (N, Tq, Tk)) != (N, Tq, Tk):
            raise ValueError
    except ValueError:
        raise ValueError(
            f"mask: expected a shape that broadcasts to (N, Tq, Tk) = ({N}, {Tq}, {Tk}), got {mask.shape}"
        ) from None
    return mask


def masked_softmax(scores: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Softmax over the last axis restricted to entries where ``mask`` is True (exactly 0 elsewhere).
    A row with no allowed entry gives all zeros. No overflow and no warnings for any finite scores."""
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    row_max = np.max(scores, axis=-1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)  # rows with every key masked
    e = np.exp(scores - row_max)  # exp(-inf) = 0 exactly
    total = e.sum(axis=-1, keepdims=True)
    return e / np.where(total > 0, total, 1.0)


def attention_forward(q, k, v, mask=None):
    """Scaled dot-product attention.

    Inputs:
    - q: queries, of shape (N, Tq, d)
    - k: keys, of shape (N, Tk, d)
    - v: values, of shape (N, Tk, dv)
    - mask: optional boolean array broadcastable to (N, Tq, Tk); True = the query may attend to the key

    Returns a tuple of:
    - out: attended values, of shape (N, Tq, dv); 0 for a query with no allowed key
    - weights: attention weights, of shape (N, Tq, Tk); each row sums to 1 over its allowed keys and is
      exactly 0 on masked keys (all 0 for a query with no allowed key)
    - cache: AttentionCache needed by attention_backward
    """
    dims = check_shapes(q=(q, "N Tq d"), k=(k, "N Tk d"), v=(v, "N Tk dv"))
    check_float(q=q, k=k, v=v)
    if mask is not None:
        _check_mask(mask, dims["N"], dims["Tq"], dims["Tk"])
    scale = 1.0 / math.sqrt(dims["d"])  # a Python float keeps float32 inputs float32
    scores = (q @ k.transpose(0, 2, 1)) * scale
    weights = masked_softmax(scores, mask)
    out = weights @ v
    return out, weights, AttentionCache(q, k, v, weights, scale)


def attention_backward(dout, cache):
    """Backward pass for scaled dot-product attention.

    Inputs:
    - dout: upstream gradient of the output, of shape (N, Tq, dv)
    - cache: AttentionCache from attention_forward

    Returns a tuple of:
    - dq: gradient of the queries, of shape (N, Tq, d)
    - dk: gradient of the keys, of shape (N, Tk, d)
    - dv: gradient of the values, of shape (N, Tk, dv)
    """
    q, k, v, weights, scale = cache
    check_upstream("dout", dout, weights.shape[:2] + v.shape[2:])
    dv = weights.transpose(0, 2, 1) @ dout
    dweights = dout @ v.transpose(0, 2, 1)
    # softmax backward; masked keys have weight 0 and so receive no gradient
    dscores = weights * (dweights - np.sum(weights * dweights, axis=-1, keepdims=True))
    dq = (dscores @ k) * scale
    dk = (dscores.transpose(0, 2, 1) @ q) * scale
    return dq, dk, dv


# ---------------------------------------------------------------------------------------------------
# Additive (Bahdanau) attention: the score is a small one-hidden-layer network instead of a dot product.


class AdditiveAttentionCache(NamedTuple):
    q: np.ndarray  # (N, Tq, dq)
    k: np.ndarray  # (N, Tk, dk)
    v: np.ndarray  # (N, Tk, dv)
    Wq: np.ndarray  # (dq, A)
    Wk: np.ndarray  # (dk, A)
    w: np.ndarray  # (A,)
    t: np.ndarray  # (N, Tq, Tk, A) tanh(q Wq + k Wk) for every query-key pair
    weights: np.ndarray  # (N, Tq, Tk)


def additive_attention_forward(q, k, v, Wq, Wk, w, mask=None):
    """Additive (Bahdanau) attention: scores[n, i, j] = w . tanh(q[n, i] @ Wq + k[n, j] @ Wk).

    Queries and keys may have different sizes (e.g. a decoder state and encoder states). Masking and the
    softmax are as in attention_forward. Memory grows as N Tq Tk A: meant for the course's small problems.

    Inputs:
    - q: queries, of shape (N, Tq, dq); k: keys, of shape (N, Tk, dk); v: values, of shape (N, Tk, dv)
    - Wq: query projection, of shape (dq, A); Wk: key projection, of shape (dk, A); w: score vector, (A,)
    - mask: optional boolean array broadcastable to (N, Tq, Tk); True = the query may attend to the key

    Returns a tuple of:
    - out: attended values, of shape (N, Tq, dv)
    - weights: attention weights, of shape (N, Tq, Tk)
    - cache: AdditiveAttentionCache needed by additive_attention_backward
    """
    dims = check_shapes(
        q=(q, "N Tq dq"), k=(k, "N Tk dk"), v=(v, "N Tk dv"), Wq=(Wq, "dq A"), Wk=(Wk, "dk A"), w=(w, "A")
    )
    check_float(q=q, k=k, v=v, Wq=Wq, Wk=Wk, w=w)
    if mask is not None:
        _check_mask(mask, dims["N"], dims["Tq"], dims["Tk"])
    t = np.tanh((q @ Wq)[:, :, None, :] + (k @ Wk)[:, None, :, :])  # (N, Tq, Tk, A)
    scores = t @ w  # (N, Tq, Tk)
    weights = masked_softmax(scores, mask)
    out = weights @ v
    return out, weights, AdditiveAttentionCache(q, k, v, Wq, Wk, w, t, weights)


def additive_attention_backward(dout, cache):
    """Backward pass for additive_attention_forward.

    Inputs:
    - dout: upstream gradient of the output, of shape (N, Tq, dv)
    - cache: AdditiveAttentionCache from additive_attention_forward

    Returns a tuple of:
    - dq (N, Tq, dq), dk (N, Tk, dk), dv (N, Tk, dv), dWq (dq, A), dWk (dk, A), dw (A,)
    """
    q, k, v, Wq, Wk, w, t, weights = cache
    check_upstream("dout", dout, weights.shape[:2] + v.shape[2:])
    dv = weights.transpose(0, 2, 1) @ dout
    dweights = dout @ v.transpose(0, 2, 1)
    dscores = weights * (dweights - np.sum(weights * dweights, axis=-1, keepdims=True))
    dw = np.einsum("nij,nija->a", dscores, t)
    dpre = dscores[..., None] * w * (1 - t * t)  # gradient on q Wq + k Wk, (N, Tq, Tk, A)
    dq_proj, dk_proj = dpre.sum(axis=2), dpre.sum(axis=1)  # each query meets every key and vice versa
    A = w.shape[0]
    dWq = q.reshape(-1, q.shape[2]).T @ dq_proj.reshape(-1, A)
    dWk = k.reshape(-1, k.shape[2]).T @ dk_proj.reshape(-1, A)
    return dq_proj @ Wq.T, dk_proj @ Wk.T, dv, dWq, dWk, dw
