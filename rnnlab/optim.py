"""Optimisers that update parameters in place, and gradient clipping.

Parameters and gradients are passed as dicts name -> array (e.g. ``model.parameters()`` and
``model.gradients()`` from rnnlab.modules) or as lists of arrays in matching order::

    opt = Adam(model.parameters(), lr=1e-2)
    ...                                   # forward + backward fill model.gradients()
    norm = clip_grad_norm(model.gradients(), max_norm=5.0)
    opt.step(model.gradients())
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def _as_list(name: str, arrays) -> list[tuple[str, np.ndarray]]:
    if hasattr(arrays, "parameters") and callable(arrays.parameters):  # a Module
        arrays = arrays.parameters()
    if isinstance(arrays, Mapping):
        items = list(arrays.items())
    elif isinstance(arrays, Sequence) and not isinstance(arrays, (str, bytes)):
        items = [(str(i), a) for i, a in enumerate(arrays)]
    elif isinstance(arrays, np.ndarray):
        items = [("0", arrays)]
    else:
        raise ValueError(f"{name}: expected a dict name -> array or a list of arrays, got {type(arrays).__name__}")
    for key, a in items:
        if not isinstance(a, np.ndarray) or not np.issubdtype(a.dtype, np.floating):
            got = a.dtype if isinstance(a, np.ndarray) else type(a).__name__
            raise ValueError(f"{name}[{key!r}]: expected a float numpy array, got {got}")
    return items


def global_norm(grads) -> float:
    """sqrt of the sum of squares of every entry of every gradient (the norm of all of them as one vector)."""
    return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for _, g in _as_list("grads", grads))))


def clip_grad_norm(grads, max_norm: float) -> float:
    """Rescale all gradients jointly, in place, so that their global norm is at most ``max_norm``.

    The direction of the joint gradient is preserved (every gradient is multiplied by the same factor
    max_norm / norm, and only when norm > max_norm). Returns the global norm BEFORE clipping, which is worth
    logging: it shows when and how often gradients explode.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm: expected a positive number, got {max_norm}")
    norm = global_norm(grads)
    if norm > max_norm:
        factor = max_norm / norm
        for _, g in _as_list("grads", grads):
            g *= factor
    return norm


def clip_grad_value(grads, clip_value: float) -> float:
    """Clip every gradient entry, in place, to [-clip_value, clip_value] (this can change the direction).

    Returns the global norm BEFORE clipping.
    """
    if not clip_value > 0:
        raise ValueError(f"clip_value: expected a positive number, got {clip_value}")
    norm = global_norm(grads)
    for _, g in _as_list("grads", grads):
        np.clip(g, -clip_value, clip_value, out=g)
    return norm


class Optimizer:
    """Base class: holds the parameters (updated in place) and checks that step() gets matching gradients."""

    def __init__(self, params, lr: float):
        if not lr > 0:
            raise ValueError(f"lr: expected a positive learning rate, got {lr}")
        self.params = _as_list("params", params)
        self.lr = lr
        self.t = 0  # number of steps taken

    def _pairs(self, grads):
        items = _as_list("grads", grads)
        if isinstance(grads, Mapping) or hasattr(grads, "parameters"):
            lookup = dict(items)
            missing = [k for k, _ in self.params if k not in lookup]
            if missing:
                raise ValueError(f"grads: missing gradients for parameters {missing}")
            items = [(k, lookup[k]) for k, _ in self.params]
        elif len(items) != len(self.params):
            raise ValueError(f"grads: expected {len(self.params)} gradients (one per parameter), got {len(items)}")
        for (key, p), (_, g) in zip(self.params, items, strict=True):
            if g.shape != p.shape:
                raise ValueError(f"grads[{key!r}]: expected shape {p.shape} (the parameter's), got {g.shape}")
        return [(key, p, g) for (key, p), (_, g) in zip(self.params, items, strict=True)]

    def step(self, grads) -> None:
        """Update every parameter in place from its gradient."""
        self.t += 1
        for key, p, g in self._pairs(grads):
            self._update(key, p, g)

    def _update(self, key, p, g):  # pragma: no cover - abstract
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional (heavy-ball) momentum, as in PyTorch:
    v = momentum * v + g;  p -= lr * v   (plain SGD when momentum = 0)."""

    def __init__(self, params, lr: float = 1e-2, momentum: float = 0.0):
        super().__init__(params, lr)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum: expected a number in [0, 1), got {momentum}")
        self.momentum = momentum
        self.velocity = {key: np.zeros_like(p) for key, p in self.params}

    def _update(self, key, p, g):
        v = self.velocity[key]
        v *= self.momentum
        v += g
        p -= self.lr * v


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction:
    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr * m_hat / (sqrt(v_hat) + eps)."""

    def __init__(self, params, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(params, lr)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{name}: expected a number in [0, 1), got {beta}")
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = {key: np.zeros_like(p) for key, p in self.params}
        self.v = {key: np.zeros_like(p) for key, p in self.params}

    def _update(self, key, p, g):
        m, v = self.m[key], self.v[key]
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g * g
        m_hat = m / (1 - self.beta1**self.t)
        v_hat = v / (1 - self.beta2**self.t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
