"""Vanilla RNN step and sequence: hand-worked values, gradient checks (tanh and ReLU), errors."""

import math

import numpy as np
import pytest
from nn_helpers import recurrent_inputs

from rnnlab.gradcheck import numerical_gradient, numerical_gradients, rel_error
from rnnlab.nn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

N, T, D, H = 2, 4, 3, 5


def params(rng, scale=0.5):
    return recurrent_inputs(rng, 1, N, T, D, H, scale)


def test_step_forward_hand_worked_tanh():
    x = np.array([[1.0, 2.0]])
    h_prev = np.array([[0.5]])
    Wx = np.array([[0.1], [0.2]])
    Wh = np.array([[0.3]])
    b = np.array([0.05])
    h, _ = rnn_step_forward(x, h_prev, Wx, Wh, b)
    expected = math.tanh(1.0 * 0.1 + 2.0 * 0.2 + 0.5 * 0.3 + 0.05)  # tanh(0.7)
    assert h.shape == (1, 1)
    assert abs(h[0, 0] - expected) < 1e-15


def test_step_forward_hand_worked_relu():
    x = np.array([[1.0], [-1.0]])
    h_prev = np.zeros((2, 2))
    Wx = np.array([[1.0, -2.0]])
    h, _ = rnn_step_forward(x, h_prev, Wx, np.eye(2), np.array([0.5, 0.0]), activation="relu")
    np.testing.assert_array_equal(h, [[1.5, 0.0], [0.0, 2.0]])


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_step_gradients(activation):
    rng = np.random.default_rng(1)
    x, h_prev, Wx, Wh, b = params(rng)
    x = x[:, 0]
    args = [x, h_prev, Wx, Wh, b]
    h, cache = rnn_step_forward(*args, activation=activation)
    dh = rng.standard_normal(h.shape)
    grads = rnn_step_backward(dh, cache)
    nums = numerical_gradients(lambda *a: rnn_step_forward(*a, activation=activation)[0], args, dh)
    for name, g, n in zip(["dx", "dh_prev", "dWx", "dWh", "db"], grads, nums, strict=True):
        assert g.shape == n.shape, name
        assert rel_error(g, n) < 1e-7, name


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_sequence_gradients(activation):
    rng = np.random.default_rng(2)
    args = list(params(rng))
    h, cache = rnn_forward(*args, activation=activation)
    dh = rng.standard_normal(h.shape)
    grads = rnn_backward(dh, cache)
    nums = numerical_gradients(lambda *a: rnn_forward(*a, activation=activation)[0], args, dh)
    for name, g, n in zip(["dx", "dh0", "dWx", "dWh", "db"], grads, nums, strict=True):
        assert g.shape == n.shape, name
        assert rel_error(g, n) < 1e-7, name


def test_sequence_gradient_from_last_state_only():
    """Many-to-one: only h_T feeds the loss; the gradient still reaches every input."""
    rng = np.random.default_rng(3)
    args = list(params(rng))
    h, cache = rnn_forward(*args)
    dh = np.zeros_like(h)
    dh[:, -1] = rng.standard_normal((N, H))
    dx, *_ = rnn_backward(dh, cache)
    dx_num = numerical_gradient(lambda _: rnn_forward(*args)[0], args[0], dh)
    assert rel_error(dx, dx_num) < 1e-7
    assert np.all(np.abs(dx[:, 0]) > 0)


def test_sequence_matches_unrolled_recurrence():
    rng = np.random.default_rng(4)
    x, h0, Wx, Wh, b = params(rng)
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    h_prev = h0
    for t in range(T):
        h_prev = np.tanh(x[:, t] @ Wx + h_prev @ Wh + b)  # written out independently of rnnlab
        np.testing.assert_allclose(h[:, t], h_prev, rtol=0, atol=1e-13)


def test_float32_stays_float32():
    rng = np.random.default_rng(5)
    args = [a.astype(np.float32) for a in params(rng)]
    h, cache = rnn_forward(*args)
    assert h.dtype == np.float32
    grads = rnn_backward(np.ones_like(h), cache)
    assert all(g.dtype == np.float32 for g in grads)
    h64, _ = rnn_forward(*[a.astype(np.float64) for a in args])
    np.testing.assert_allclose(h, h64, atol=1e-5)


def test_wrong_shapes_name_argument_and_shapes():
    rng = np.random.default_rng(6)
    x, h0, Wx, Wh, b = params(rng)
    with pytest.raises(ValueError, match=r"Wh.*\(H, H\).*\(5, 5\).*\(5, 4\)"):
        rnn_forward(x, h0, Wx, Wh[:, :4], b)
    with pytest.raises(ValueError, match=r"x: expected 3-d array of shape \(N, T, D\), got shape \(2, 3\)"):
        rnn_forward(x[:, 0], h0, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"h_prev"):
        rnn_step_forward(x[:, 0], h0[:1], Wx, Wh, b)
    with pytest.raises(ValueError, match=r"b: expected shape \(H\)"):
        rnn_forward(x, h0, Wx, Wh, b[:2])
    _, cache = rnn_forward(x, h0, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"dh: expected shape \(2, 4, 5\).*got \(2, 3, 5\)"):
        rnn_backward(np.zeros((2, 3, 5)), cache)


def test_bad_dtype_and_activation():
    rng = np.random.default_rng(7)
    x, h0, Wx, Wh, b = params(rng)
    with pytest.raises(ValueError, match="x: expected a float32 or float64 array, got dtype int64"):
        rnn_forward(x.astype(np.int64), h0, Wx, Wh, b)
    with pytest.raises(ValueError, match="activation"):
        rnn_forward(x, h0, Wx, Wh, b, activation="sigmoid")
