"""Temporal affine layer: the same affine map at every step, gradient check, errors."""

import numpy as np
import pytest

from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.nn import temporal_affine_backward, temporal_affine_forward


def test_forward_applies_the_same_map_at_every_step():
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    out, _ = temporal_affine_forward(x, W, b)
    for t in range(3):
        np.testing.assert_allclose(out[:, t], x[:, t] @ W + b, atol=1e-14)


def test_gradients():
    rng = np.random.default_rng(1)
    args = [rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 5)), rng.standard_normal(5)]
    out, cache = temporal_affine_forward(*args)
    dout = rng.standard_normal(out.shape)
    grads = temporal_affine_backward(dout, cache)
    for a, g in zip(args, grads, strict=True):
        num = numerical_gradient(lambda _: temporal_affine_forward(*args)[0], a, dout)
        assert rel_error(g, num) < 1e-7


def test_errors():
    x, W, b = np.zeros((2, 3, 4)), np.zeros((4, 5)), np.zeros(5)
    with pytest.raises(ValueError, match=r"W: expected shape \(D, M\) = \(4, M\), got \(3, 5\)"):
        temporal_affine_forward(x, np.zeros((3, 5)), b)
    with pytest.raises(ValueError, match=r"b: expected shape \(M\) = \(5\), got \(4,\)"):
        temporal_affine_forward(x, W, np.zeros(4))
    _, cache = temporal_affine_forward(x, W, b)
    with pytest.raises(ValueError, match=r"dout: expected shape \(2, 3, 5\)"):
        temporal_affine_backward(np.zeros((2, 3, 4)), cache)
