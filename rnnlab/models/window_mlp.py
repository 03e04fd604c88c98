"""A feed-forward net on a fixed window of p past values: one tanh hidden layer, one linear output.

    a = X @ W1 + b1,  h = tanh(a),  y = (h @ W2 + b2)[:, 0]

It sees exactly p values and nothing older: the "memoryless" baseline the recurrent nets improve on.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from tqdm.auto import trange

from rnnlab._validate import check_count, check_float, check_positive, check_rng, check_shapes
from rnnlab.nn.losses import mse_loss
from rnnlab.optim import Adam

PARAM_NAMES = ("W1", "b1", "W2", "b2")


class WindowMLPCache(NamedTuple):
    X: np.ndarray
    h: np.ndarray
    params: dict[str, np.ndarray]


def init_window_mlp(p: int, H: int, *, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Xavier (Glorot) normal weights, zero biases. Returns params W1 (p, H), b1 (H,), W2 (H, 1), b2 (1,)."""
    check_count("p", p)
    check_count("H", H)
    check_rng(rng)
    return {
        "W1": rng.standard_normal((p, H)) * np.sqrt(2.0 / (p + H)),
        "b1": np.zeros(H),
        "W2": rng.standard_normal((H, 1)) * np.sqrt(2.0 / (H + 1)),
        "b2": np.zeros(1),
    }


def window_mlp_forward(X: np.ndarray, params: dict[str, np.ndarray]) -> tuple[np.ndarray, WindowMLPCache]:
    """Inputs: X (N, p) windows; params W1 (p, H), b1 (H,), W2 (H, 1), b2 (1,).

    Returns a tuple of y (N,) one-step predictions and a cache (X, h, params) for the backward pass.
    """
    W1, b1, W2, b2 = _unpack(params)
    check_shapes(X=(X, "N P"), W1=(W1, "P H"), b1=(b1, "H"), W2=(W2, "H 1"), b2=(b2, "1"))
    check_float(X=X, W1=W1, b1=b1, W2=W2, b2=b2)
    h = np.tanh(X @ W1 + b1)
    y = (h @ W2 + b2)[:, 0]
    return y, WindowMLPCache(X, h, params)


def window_mlp_backward(dy: np.ndarray, cache: WindowMLPCache) -> dict[str, np.ndarray]:
    """Inputs: dy (N,) upstream gradient, the cache from window_mlp_forward.

    Returns a dict of gradients with the keys and shapes of params: W1, b1, W2, b2.
    """
    X, h, params = cache
    check_shapes(dy=(dy, str(X.shape[0])))
    check_float(dy=dy)
    dout = dy[:, None]
    da = (dout @ params["W2"].T) * (1.0 - h**2)
    return {"W1": X.T @ da, "b1": da.sum(axis=0), "W2": h.T @ dout, "b2": dout.sum(axis=0)}


def train_window_mlp(
    X: np.ndarray,
    y: np.ndarray,
    *,
    H: int = 16,
    steps: int = 500,
    lr: float = 0.01,
    rng: np.random.Generator,
    progress: bool = False,
) -> tuple[dict[str, np.ndarray], list[float]]:
    """Full-batch training on the mean squared error with Adam (beta1 0.9, beta2 0.999).

    Inputs: X (N, p) windows, y (N,) targets. Returns a tuple of the trained params and the list of the
    ``steps`` losses, each measured before its update.
    """
    check_shapes(X=(X, "N P"), y=(y, "N"))
    check_float(X=X, y=y)
    check_count("steps", steps)
    check_positive("lr", lr)
    params = {name: value.astype(X.dtype) for name, value in init_window_mlp(X.shape[1], H, rng=rng).items()}
    optimizer = Adam(params, lr=lr)
    losses = []
    for _ in trange(steps, disable=not progress, desc="training window MLP"):
        pred, cache = window_mlp_forward(X, params)
        loss, dpred = mse_loss(pred, y)
        losses.append(loss)
        optimizer.step(window_mlp_backward(dpred, cache))
    return params, losses


def _unpack(params) -> tuple[np.ndarray, ...]:
    if not isinstance(params, dict):
        raise ValueError(f"params: expected a dict with keys {', '.join(PARAM_NAMES)}, got {type(params)}")
    missing = [name for name in PARAM_NAMES if name not in params]
    if missing:
        raise ValueError(f"params: expected keys {', '.join(PARAM_NAMES)}, missing {', '.join(missing)}")
    return tuple(params[name] for name in PARAM_NAMES)
