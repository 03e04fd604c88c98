"""Losses that return (loss, gradient with respect to the prediction)."""

from __future__ import annotations

import numpy as np

from rnnlab._validate import check_float, check_int, check_shapes
from rnnlab.nn.activations import log_softmax


def mse_loss(pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error mean((pred - target)**2). Inputs: pred, target of the same shape.

    Returns a tuple of the loss (float) and dpred (same shape as pred).
    """
    check_float(pred=pred, target=target)
    if pred.shape != target.shape:
        raise ValueError(f"target: expected shape {pred.shape} (the shape of pred), got {target.shape}")
    diff = pred - target
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


def _check_labels(name: str, y, shape: tuple, C: int) -> None:
    if not isinstance(y, np.ndarray) or y.shape != shape:
        got = y.shape if isinstance(y, np.ndarray) else type(y).__name__
        raise ValueError(f"{name}: expected an integer array of shape {shape}, got {got}")
    check_int(**{name: y})
    if y.size and (y.min() < 0 or y.max() >= C):
        bad = y[(y < 0) | (y >= C)].flat[0]
        raise ValueError(f"{name}: class indices must lie in [0, {C}) (the number of classes), got {bad}")


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy loss averaged over the batch: mean_n -log softmax(logits[n])[y[n]].

    Inputs:
    - logits: unnormalised class scores, of shape (N, C)
    - y: integer labels, of shape (N,), each in [0, C)

    Returns a tuple of:
    - loss: scalar (float)
    - dlogits: gradient of the loss with respect to logits, of shape (N, C): (softmax - onehot(y)) / N
    """
    dims = check_shapes(logits=(logits, "N C"))
    check_float(logits=logits)
    N, C = dims["N"], dims["C"]
    _check_labels("y", y, (N,), C)
    log_p = log_softmax(logits, axis=1)
    loss = -float(np.sum(log_p[np.arange(N), y])) / N
    dlogits = np.exp(log_p)
    dlogits[np.arange(N), y] -= 1
    dlogits /= N
    return loss, dlogits


def temporal_softmax_loss(
    logits: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy at every time step of a sequence, e.g. for a language model over V words.

    Normalisation (CS231n's convention): the masked-in per-step losses are SUMMED over time and AVERAGED over
    the N sequences, loss = (1/N) sum_{n,t} mask[n,t] * (-log softmax(logits[n,t])[y[n,t]]).
    Masked-out steps (padding) contribute nothing and get zero gradient. To get a per-token average, divide
    the loss and the gradient by the number of tokens per sequence (mask.sum() / N).

    Inputs:
    - logits: unnormalised scores, of shape (N, T, V)
    - y: integer targets, of shape (N, T), each in [0, V) (also at masked-out steps)
    - mask: optional boolean array of shape (N, T); True = this step counts. Default: every step counts.

    Returns a tuple of:
    - loss: scalar (float)
    - dlogits: gradient of the loss with respect to logits, of shape (N, T, V)
    """
    dims = check_shapes(logits=(logits, "N T V"))
    check_float(logits=logits)
    N, T, V = dims["N"], dims["T"], dims["V"]
    _check_labels("y", y, (N, T), V)
    if mask is None:
        mask = np.ones((N, T), dtype=bool)
    elif not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
        got = mask.dtype if isinstance(mask, np.ndarray) else type(mask).__name__
        raise ValueError(f"mask: expected a boolean array of shape ({N}, {T}), got {got}")
    check_shapes(dims, mask=(mask, "N T"))

    log_p = log_softmax(logits.reshape(N * T, V), axis=1)
    rows, targets, keep = np.arange(N * T), y.reshape(N * T), mask.reshape(N * T)
    loss = -float(np.sum(log_p[rows, targets] * keep)) / N
    dlogits = np.exp(log_p)
    dlogits[rows, targets] -= 1
    dlogits *= keep[:, None] / N
    return loss, dlogits.reshape(N, T, V)
