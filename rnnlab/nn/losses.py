"""Losses that return (loss, gradient with respect to the prediction)."""

from __future__ import annotations

import numpy as np

from rnnlab._validate import check_float


def mse_loss(pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error mean((pred - target)**2). Inputs: pred, target of the same shape.

    Returns a tuple of the loss (float) and dpred (same shape as pred).
    """
    check_float(pred=pred, target=target)
    if pred.shape != target.shape:
        raise ValueError(f"target: expected shape {pred.shape} (the shape of pred), got {target.shape}")
    diff = pred - target
    return float(np.mean(diff**2)), 2.0 * diff / diff.size
