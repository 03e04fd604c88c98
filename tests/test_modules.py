"""Modules (parameters, gradients, state handling) and initialisers."""

import numpy as np
import pytest

from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.init import (
    identity,
    lstm_forget_bias,
    orthogonal,
    recurrent_weights,
    xavier_normal,
    xavier_uniform,
)
from rnnlab.modules import GRU, LSTM, RNN, Bidirectional, Embedding, LanguageModel, Linear, Stack
from rnnlab.nn import bidirectional_backward, bidirectional_forward, temporal_softmax_loss

N, T, D, H = 2, 3, 3, 4


def rng_():
    return np.random.default_rng(0)


# --------------------------------------------------------------------------------------------- modules


def test_parameters_and_gradients_share_keys_and_are_live():
    model = LanguageModel(5, 3, 4, rng=rng_(), cell="gru", num_layers=2)
    params, grads = model.parameters(), model.gradients()
    assert list(params) == list(grads)
    assert set(params) == {"embed.W", "rnn.0.Wx", "rnn.0.Wh", "rnn.0.b", "rnn.1.Wx", "rnn.1.Wh", "rnn.1.b",
                           "head.W", "head.b"}  # fmt: skip
    params["head.b"] += 1.0  # optimisers update in place: the module must see it
    assert np.all(model.head.params["b"] == 1.0)
    assert model.num_parameters() == sum(p.size for p in params.values())


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_language_model_gradients(cell):
    rng = np.random.default_rng(1)
    model = LanguageModel(6, 3, 4, rng=rng, cell=cell, num_layers=2)
    x = rng.integers(0, 6, (2, 4))
    y = rng.integers(0, 6, (2, 4))
    mask = rng.random((2, 4)) < 0.8
    model.loss(x, y, mask)
    grads = model.gradients()
    for name, p in model.parameters().items():
        num = numerical_gradient(lambda _: temporal_softmax_loss(model.forward(x), y, mask)[0], p)
        assert rel_error(grads[name], num) < 1e-7, name


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_state_carrying_and_state_gradients(cls):
    """Two chunks with the carried state equal one run; dstate and dstate0 match numerical gradients."""
    rng = np.random.default_rng(2)
    layer = cls(D, H, rng=rng)
    x = rng.standard_normal((N, 2 * T, D))
    h_all = layer.forward(x)
    h1 = layer.forward(x[:, :T])
    h2 = layer.forward(x[:, T:], layer.final_state)
    np.testing.assert_allclose(np.concatenate([h1, h2], axis=1), h_all, atol=1e-14)

    is_lstm = cls is LSTM
    state0 = (rng.standard_normal((N, H)), rng.standard_normal((N, H))) if is_lstm else rng.standard_normal((N, H))
    dh = rng.standard_normal((N, T, H))
    dfinal = (rng.standard_normal((N, H)), rng.standard_normal((N, H))) if is_lstm else rng.standard_normal((N, H))

    def objective():
        h = layer.forward(x[:, :T], state0)
        fs = layer.final_state if is_lstm else (layer.final_state,)
        df = dfinal if is_lstm else (dfinal,)
        return np.sum(dh * h) + sum(np.sum(a * b) for a, b in zip(fs, df, strict=True))

    objective()
    dx = layer.backward(dh, dfinal)
    num_dx = numerical_gradient(lambda _: objective(), x)[:, :T]
    assert rel_error(dx, num_dx) < 1e-7
    states = state0 if is_lstm else (state0,)
    dstates = layer.dstate0 if is_lstm else (layer.dstate0,)
    for s, ds in zip(states, dstates, strict=True):
        assert rel_error(ds, numerical_gradient(lambda _: objective(), s)) < 1e-7


def test_lstm_initialisation_opens_the_forget_gate():
    layer = LSTM(D, H, rng=rng_())
    b = layer.params["b"]
    np.testing.assert_array_equal(b[H : 2 * H], 1.0)
    np.testing.assert_array_equal(np.delete(b, np.s_[H : 2 * H]), 0.0)
    Wh = layer.params["Wh"]
    for k in range(4):  # every recurrent gate block is orthogonal
        np.testing.assert_allclose(Wh[:, k * H : (k + 1) * H].T @ Wh[:, k * H : (k + 1) * H], np.eye(H), atol=1e-12)


def test_bidirectional_module_matches_functional():
    rng = np.random.default_rng(3)
    bi = Bidirectional(LSTM(D, H, rng=rng), LSTM(D, H, rng=rng))
    x = rng.standard_normal((N, T, D))
    h = bi.forward(x)
    pf = tuple(bi.fwd.params[k] for k in ("Wx", "Wh", "b"))
    pb = tuple(bi.bwd.params[k] for k in ("Wx", "Wh", "b"))
    z = np.zeros((N, H))
    h_ref, cache = bidirectional_forward(x, z, z, pf, pb, cell="lstm")
    np.testing.assert_allclose(h, h_ref, atol=1e-15)
    dh = rng.standard_normal(h.shape)
    dx = bi.backward(dh)
    dx_ref, _, _, dpf, dpb = bidirectional_backward(dh, cache)
    np.testing.assert_allclose(dx, dx_ref, atol=1e-14)
    for k, g_ref in zip(("Wx", "Wh", "b"), dpb, strict=True):
        np.testing.assert_allclose(bi.gradients()[f"bwd.{k}"], g_ref, atol=1e-14)


def test_stack_of_mixed_layers_gradients():
    rng = np.random.default_rng(4)
    stack = Stack([Bidirectional(GRU(D, H, rng=rng), GRU(D, H, rng=rng)), RNN(2 * H, 3, rng=rng, activation="relu")])
    x = rng.standard_normal((N, T, D))
    h = stack.forward(x)
    assert h.shape == (N, T, 3)
    dh = rng.standard_normal(h.shape)
    dx = stack.backward(dh)
    assert rel_error(dx, numerical_gradient(lambda _: stack.forward(x), x, dh)) < 1e-7
    grads = stack.gradients()
    for name in ["0.fwd.Wh", "1.Wx"]:
        p = stack.parameters()[name]
        assert rel_error(grads[name], numerical_gradient(lambda _: stack.forward(x), p, dh)) < 1e-7
    assert len(stack.final_state) == 2 and len(stack.final_state[0]) == 2


def test_linear_and_embedding_modules():
    rng = np.random.default_rng(5)
    lin = Linear(3, 2, rng=rng)
    x2, x3 = rng.standard_normal((4, 3)), rng.standard_normal((4, 5, 3))
    np.testing.assert_allclose(lin.forward(x3)[:, 1], lin.forward(x2 * 0 + x3[:, 1]), atol=1e-15)
    lin.forward(x3)
    assert lin.backward(np.ones((4, 5, 2))).shape == x3.shape
    np.testing.assert_allclose(lin.grads["b"], [20.0, 20.0])
    emb = Embedding(7, 3, rng=rng)
    out = emb.forward(np.array([[1, 1]]))
    assert emb.backward(np.ones_like(out)) is None
    np.testing.assert_array_equal(emb.grads["W"][1], [2.0, 2.0, 2.0])


def test_float32_modules():
    model = LanguageModel(5, 3, 4, rng=rng_(), cell="lstm", dtype=np.float32)
    logits = model.forward(np.array([[0, 1, 2]]))
    assert logits.dtype == np.float32
    model.backward(np.ones_like(logits))
    assert all(g.dtype == np.float32 for g in model.gradients().values())


def test_module_errors():
    layer = GRU(D, H, rng=rng_())
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((N, T, H)))
    with pytest.raises(ValueError, match=r"x: expected shape \(N, T, D\) = \(2, 3, 3\), got \(2, 3, 5\)"):
        layer.forward(np.zeros((N, T, 5)), np.zeros((N, H)))
    with pytest.raises(ValueError, match=r"x: expected 3-d array of shape \(N, T, D\)"):
        layer.forward(np.zeros((N, D)))
    with pytest.raises(ValueError, match="cell"):
        LanguageModel(5, 3, 4, rng=rng_(), cell="transformer")


# ------------------------------------------------------------------------------------------ initialisers


def test_orthogonal():
    rng = rng_()
    Q = orthogonal(6, 6, rng=rng)
    np.testing.assert_allclose(Q.T @ Q, np.eye(6), atol=1e-12)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(2.0 * Q)), 2.0, atol=1e-10)
    wide = orthogonal(3, 5, rng=rng)
    np.testing.assert_allclose(wide @ wide.T, np.eye(3), atol=1e-12)
    tall = orthogonal(5, 3, rng=rng, gain=0.5)
    np.testing.assert_allclose(tall.T @ tall, 0.25 * np.eye(3), atol=1e-12)


def test_xavier_scale_and_reproducibility():
    a = xavier_uniform(200, 300, rng=np.random.default_rng(7))
    bound = np.sqrt(6 / 500)
    assert a.shape == (200, 300) and np.abs(a).max() <= bound
    assert abs(a.var() - 2 / 500) < 0.05 * 2 / 500
    np.testing.assert_array_equal(a, xavier_uniform(200, 300, rng=np.random.default_rng(7)))
    n = xavier_normal(200, 300, rng=np.random.default_rng(8), dtype=np.float32)
    assert n.dtype == np.float32 and abs(n.var() - 2 / 500) < 0.05 * 2 / 500


def test_identity_and_recurrent_weights():
    np.testing.assert_array_equal(identity(3, scale=0.5), 0.5 * np.eye(3))
    Wx, Wh, b = recurrent_weights(4, 3, "rnn", rng=rng_(), recurrent="identity")
    assert Wx.shape == (4, 3) and b.shape == (3,)
    np.testing.assert_array_equal(Wh, np.eye(3))
    Wx, Wh, b = recurrent_weights(4, 3, "gru", rng=rng_(), dtype=np.float32)
    assert Wh.shape == (3, 9) and Wx.dtype == np.float32 and np.all(b == 0)


def test_init_errors():
    with pytest.raises(ValueError, match="rng: expected a numpy.random.Generator"):
        xavier_uniform(2, 2, rng=0)
    with pytest.raises(ValueError, match=r"b: expected an LSTM bias of shape \(4H,\), got \(5,\)"):
        lstm_forget_bias(np.zeros(5))
    with pytest.raises(ValueError, match="recurrent"):
        recurrent_weights(2, 2, "lstm", rng=rng_(), recurrent="random")
