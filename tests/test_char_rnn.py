"""The character RNN of notebook 04: loss and gradients of a chunk, and the truncated-BPTT update."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.models import char_rnn_loss, init_char_rnn, tbptt_step

V, H, N, K = 5, 4, 2, 3


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    params = init_char_rnn(V, H, rng=rng)
    params["b"] = 0.3 * rng.standard_normal(H)
    params["by"] = 0.3 * rng.standard_normal(V)
    x = rng.integers(0, V, size=(N, 2 * K))
    y = rng.integers(0, V, size=(N, 2 * K))
    h0 = np.tanh(rng.standard_normal((N, H)))
    return params, x, y, h0


def loss_by_hand(params, x, y, h0, mask=None):
    """The model written out with loops: h = tanh(Wx[x_t] + h @ Wh + b), loss = -(1/N) sum log softmax."""
    total, h = 0.0, h0.copy()
    for t in range(x.shape[1]):
        h = np.tanh(params["Wx"][x[:, t]] + h @ params["Wh"] + params["b"])
        scores = h @ params["Wy"] + params["by"]
        log_p = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
        for n in range(x.shape[0]):
            if mask is None or mask[n, t]:
                total -= log_p[n, y[n, t]]
    return total / x.shape[0], h


def test_init_shapes_and_zero_biases():
    params = init_char_rnn(V, H, rng=np.random.default_rng(1))
    shapes = {name: p.shape for name, p in params.items()}
    assert shapes == {"Wx": (V, H), "Wh": (H, H), "b": (H,), "Wy": (H, V), "by": (V,)}
    assert not params["b"].any() and not params["by"].any()
    np.testing.assert_allclose(params["Wh"] @ params["Wh"].T, np.eye(H), atol=1e-12)  # orthogonal


def test_loss_and_last_state_match_the_loop(problem):
    params, x, y, h0 = problem
    mask = np.array([[True, False, True, True, True, False], [False, True, True, True, True, True]])
    loss, _, h_last = char_rnn_loss(params, x, y, h0, mask)
    expected_loss, expected_h = loss_by_hand(params, x, y, h0, mask)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(h_last, expected_h, rtol=1e-12)


def test_gradients_match_numerical_gradients_with_the_initial_state_held_fixed(problem):
    params, x, y, h0 = problem
    _, grads, _ = char_rnn_loss(params, x, y, h0)
    for name in params:
        numeric = numerical_gradient(lambda _: loss_by_hand(params, x, y, h0)[0], params[name])
        assert rel_error(grads[name], numeric) < 1e-7, name


def test_truncation_cuts_the_gradient_but_carries_the_state(problem):
    """Two chunks with the state carried: the losses add up to the full sequence's loss, but the second chunk's
    gradient is the one with its initial state held fixed, not the gradient through the first chunk."""
    params, x, y, h0 = problem
    first, second = slice(0, K), slice(K, 2 * K)
    loss1, _, h_mid = char_rnn_loss(params, x[:, first], y[:, first], h0)
    loss2, grads2, _ = char_rnn_loss(params, x[:, second], y[:, second], h_mid)
    assert loss1 + loss2 == pytest.approx(loss_by_hand(params, x, y, h0)[0], rel=1e-12)

    def second_chunk_loss_through_the_first():
        h = loss_by_hand(params, x[:, first], y[:, first], h0)[1]
        return loss_by_hand(params, x[:, second], y[:, second], h)[0]

    full = numerical_gradient(lambda _: second_chunk_loss_through_the_first(), params["Wh"])
    truncated = numerical_gradient(lambda _: loss_by_hand(params, x[:, second], y[:, second], h_mid)[0], params["Wh"])
    assert rel_error(grads2["Wh"], truncated) < 1e-7
    assert rel_error(grads2["Wh"], full) > 1e-3  # the part through the first chunk is left out


def test_tbptt_step_is_one_gradient_descent_step(problem):
    params, x, y, h0 = problem
    before = {name: p.copy() for name, p in params.items()}
    h_carry = h0.copy()
    loss, h_next = tbptt_step(params, x[:, :K], y[:, :K], h_carry, lr=0.1)
    expected_loss, expected_h = loss_by_hand(before, x[:, :K], y[:, :K], h0)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(h_next, expected_h, rtol=1e-12)
    np.testing.assert_array_equal(h_carry, h0)  # the carried state is a constant
    for name in params:
        numeric = numerical_gradient(lambda _, b=before: loss_by_hand(b, x[:, :K], y[:, :K], h0)[0], before[name])
        np.testing.assert_allclose(params[name], before[name] - 0.1 * numeric, atol=1e-9)


def test_training_on_a_repeating_text_lowers_the_loss():
    rng = np.random.default_rng(2)
    params = init_char_rnn(3, 8, rng=rng)
    stream = np.tile([0, 1, 2], 40)  # 120 characters: 4 rows of 30, each predicting the next character
    x, y = stream[:-1][:116].reshape(4, 29), stream[1:][:116].reshape(4, 29)
    losses = []
    for _ in range(30):
        h = np.zeros((4, 8))
        for start in range(0, 29, 10):
            loss, h = tbptt_step(params, x[:, start : start + 10], y[:, start : start + 10], h, lr=0.5)
            losses.append(loss)
    assert losses[-1] < 0.1 * losses[0]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda p, x, y, h: (p, x, y[:, :-1], h), "y"),
        (lambda p, x, y, h: (p, x.astype(float), y, h), "x"),
        (lambda p, x, y, h: (p, x, y, h[:, :-1]), "h0"),
        (lambda p, x, y, h: ({**p, "Wh": p["Wh"][:, :-1]}, x, y, h), "Wh"),
        (lambda p, x, y, h: (p, x + V, y, h), "ids"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(problem, change, match):
    with pytest.raises(ValueError, match=match):
        char_rnn_loss(*change(*problem))


def test_tbptt_step_rejects_a_nonpositive_learning_rate(problem):
    params, x, y, h0 = problem
    with pytest.raises(ValueError, match="lr"):
        tbptt_step(params, x, y, h0, lr=0.0)
