"""Bidirectional and stacked layers: palindromes, the reversed direction, gradient checks, errors."""

import numpy as np
import pytest

from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.nn import (
    bidirectional_backward,
    bidirectional_forward,
    lstm_forward,
    reverse_padded,
    rnn_step_forward,
    stacked_backward,
    stacked_forward,
)

N, T, D, H = 2, 4, 3, 3
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def weights(rng, cell, D=D, H=H, scale=0.5):
    G = GATES[cell]
    return [scale * rng.standard_normal(s) for s in [(D, G * H), (H, G * H), (G * H,)]]


def check_all(f, args, grads, dout, tol=1e-7):
    for k, (a, g) in enumerate(zip(args, grads, strict=True)):
        num = numerical_gradient(lambda _: f(*args), a, dout)
        assert g.shape == a.shape, k
        assert rel_error(g, num) < tol, f"argument {k}"


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_palindrome_directions_agree(cell):
    """Same weights and initial state in both directions, and x[:, t] == x[:, T-1-t]: the backward half at t
    must equal the forward half at T-1-t."""
    rng = np.random.default_rng(0)
    half = rng.standard_normal((N, 3, D))
    x = np.concatenate([half, half[:, ::-1]], axis=1)  # a palindrome of length 6
    p = weights(rng, cell)
    h0 = rng.standard_normal((N, H))
    h, _ = bidirectional_forward(x, h0, h0, p, p, cell=cell)
    assert h.shape == (N, 6, 2 * H)
    np.testing.assert_allclose(h[:, :, H:], h[:, ::-1, :H], rtol=0, atol=1e-14)


def test_backward_direction_starts_at_the_end():
    """The backward half at the last position has read only x[:, T-1], in one step from its h0."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, T, D))
    pf, pb = weights(rng, "rnn"), weights(rng, "rnn")
    h0f, h0b = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    h, _ = bidirectional_forward(x, h0f, h0b, pf, pb, cell="rnn")
    np.testing.assert_allclose(h[:, -1, H:], np.tanh(x[:, -1] @ pb[0] + h0b @ pb[1] + pb[2]), atol=1e-14)
    np.testing.assert_allclose(h[:, 0, :H], rnn_step_forward(x[:, 0], h0f, *pf)[0], atol=1e-14)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_bidirectional_gradients(cell):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((N, T, D))
    h0f, h0b = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    pf, pb = weights(rng, cell), weights(rng, cell)
    args = [x, h0f, h0b, *pf, *pb]

    def f(x, h0f, h0b, wxf, whf, bf, wxb, whb, bb):
        return bidirectional_forward(x, h0f, h0b, (wxf, whf, bf), (wxb, whb, bb), cell=cell)[0]

    h, cache = bidirectional_forward(x, h0f, h0b, pf, pb, cell=cell)
    dh = rng.standard_normal(h.shape)
    dx, dh0f, dh0b, dpf, dpb = bidirectional_backward(dh, cache)
    check_all(f, args, [dx, dh0f, dh0b, *dpf, *dpb], dh)


def test_bidirectional_relu_rnn_gradients_and_custom_cell_pair():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((N, T, D))
    h0 = np.zeros((N, H))
    pf, pb = weights(rng, "rnn"), weights(rng, "rnn")
    args = [x, *pf, *pb]

    def f(x, a, b, c, d, e, g):
        return bidirectional_forward(x, h0, h0, (a, b, c), (d, e, g), cell="rnn", activation="relu")[0]

    h, cache = bidirectional_forward(x, h0, h0, pf, pb, cell="rnn", activation="relu")
    dh = rng.standard_normal(h.shape)
    dx, _, _, dpf, dpb = bidirectional_backward(dh, cache)
    check_all(f, args, [dx, *dpf, *dpb], dh)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_stacked_gradients(cell):
    rng = np.random.default_rng(4)
    H1, H2 = 4, 3
    x = rng.standard_normal((N, T, D))
    h0s = [rng.standard_normal((N, H1)), rng.standard_normal((N, H2))]
    p0, p1 = weights(rng, cell, D, H1), weights(rng, cell, H1, H2)
    args = [x, *h0s, *p0, *p1]

    def f(x, h01, h02, a, b, c, d, e, g):
        return stacked_forward(x, [h01, h02], [(a, b, c), (d, e, g)], cell=cell)[0]

    h, cache = stacked_forward(x, h0s, [p0, p1], cell=cell)
    assert h.shape == (N, T, H2)
    dh = rng.standard_normal(h.shape)
    dx, dh0s, dps = stacked_backward(dh, cache)
    check_all(f, args, [dx, *dh0s, *dps[0], *dps[1]], dh)


def test_stacking_feeds_hidden_states_upwards():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((N, T, D))
    p0, p1 = weights(rng, "lstm"), weights(rng, "lstm")
    h0 = np.zeros((N, H))
    h, _ = stacked_forward(x, [h0, h0], [p0, p1], cell="lstm")
    h_low, _ = lstm_forward(x, h0, *p0)
    h_top, _ = lstm_forward(h_low, h0, *p1)
    np.testing.assert_array_equal(h, h_top)


def test_stacked_bidirectional_gradients():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((N, 3, D))
    z = np.zeros((N, H))
    layer0 = (weights(rng, "gru", D, H), weights(rng, "gru", D, H))
    layer1 = (weights(rng, "gru", 2 * H, H), weights(rng, "gru", 2 * H, H))
    flat = [*layer0[0], *layer0[1], *layer1[0], *layer1[1]]
    args = [x, *flat]

    def f(x, *w):
        params = [((w[0], w[1], w[2]), (w[3], w[4], w[5])), ((w[6], w[7], w[8]), (w[9], w[10], w[11]))]
        return stacked_forward(x, [(z, z), (z, z)], params, cell="gru", bidirectional=True)[0]

    h, cache = stacked_forward(x, [(z, z), (z, z)], [layer0, layer1], cell="gru", bidirectional=True)
    assert h.shape == (N, 3, 2 * H)
    dh = rng.standard_normal(h.shape)
    dx, dh0s, dps = stacked_backward(dh, cache)
    grads = [dx, *dps[0][0], *dps[0][1], *dps[1][0], *dps[1][1]]
    check_all(f, args, grads, dh)
    assert len(dh0s) == 2 and dh0s[0][0].shape == (N, H)


def test_errors():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((N, T, D))
    p = weights(rng, "lstm")
    h0 = np.zeros((N, H))
    with pytest.raises(ValueError, match="cell"):
        bidirectional_forward(x, h0, h0, p, p, cell="transformer")
    with pytest.raises(ValueError, match=r"h0_bwd: expected shape \(N, H\) = \(2, 3\), got \(2, 4\)"):
        bidirectional_forward(x, h0, np.zeros((N, 4)), p, p, cell="lstm")
    with pytest.raises(ValueError, match="params_bwd"):
        bidirectional_forward(x, h0, h0, p, p[:2], cell="lstm")
    _, cache = bidirectional_forward(x, h0, h0, p, p, cell="lstm")
    with pytest.raises(ValueError, match=r"dh: expected shape \(N, T, 2H\) = \(2, 4, 2\*3\), got \(2, 4, 3\)"):
        bidirectional_backward(np.zeros((N, T, H)), cache)
    x5, p5 = rng.standard_normal((N, T, 5)), weights(rng, "lstm", D=5)
    with pytest.raises(ValueError, match=r"layer 1: Wx: expected shape \(D, 4H\) = \(3, 12\), got \(5, 12\)"):
        stacked_forward(x5, [h0, h0], [p5, p5], cell="lstm")  # layer 1 reads H = 3 features, not 5


# ---------------------------------------------------------------------------------------------------
# Padded batches: sequence n is x[n, :lengths[n]].

LENGTHS = np.array([4, 2])


def test_reverse_padded_reverses_within_each_length():
    x = np.arange(2 * 4).reshape(2, 4, 1).astype(float)
    out = reverse_padded(x, LENGTHS)
    np.testing.assert_array_equal(out[..., 0], [[3, 2, 1, 0], [5, 4, 6, 7]])
    np.testing.assert_array_equal(reverse_padded(out, LENGTHS), x)  # its own inverse
    np.testing.assert_array_equal(reverse_padded(x), x[:, ::-1])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_padding_changes_nothing(cell):
    """Each padded sequence gets exactly the states it gets alone, unpadded; the padding's values reach nothing
    (outputs 0 there, and no gradient flows to or from them)."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((N, T, D))
    h0f, h0b = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    pf, pb = weights(rng, cell), weights(rng, cell)
    h, cache = bidirectional_forward(x, h0f, h0b, pf, pb, cell=cell, lengths=LENGTHS)
    for n, L in enumerate(LENGTHS):
        alone, _ = bidirectional_forward(x[n : n + 1, :L], h0f[n : n + 1], h0b[n : n + 1], pf, pb, cell=cell)
        np.testing.assert_allclose(h[n, :L], alone[0], rtol=0, atol=1e-14)
        assert not h[n, L:].any()
    dh = rng.standard_normal(h.shape)
    grads = bidirectional_backward(dh, cache)
    other = x.copy()
    other[1, 2:] = 100 * rng.standard_normal((T - 2, D))  # new padding values
    h2, cache2 = bidirectional_forward(other, h0f, h0b, pf, pb, cell=cell, lengths=LENGTHS)
    np.testing.assert_array_equal(h2, h)
    grads2 = bidirectional_backward(dh, cache2)
    for a, b in zip(flatten(grads), flatten(grads2), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert not grads[0][1, 2:].any()  # no gradient reaches the padding


def flatten(grads):
    out = []
    for g in grads:
        out.extend(flatten(g) if isinstance(g, tuple | list) else [g])
    return out


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_bidirectional_gradients_with_lengths(cell):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((N, T, D))
    h0f, h0b = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    pf, pb = weights(rng, cell), weights(rng, cell)
    args = [x, h0f, h0b, *pf, *pb]

    def f(x, h0f, h0b, wxf, whf, bf, wxb, whb, bb):
        return bidirectional_forward(x, h0f, h0b, (wxf, whf, bf), (wxb, whb, bb), cell=cell, lengths=LENGTHS)[0]

    h, cache = bidirectional_forward(x, h0f, h0b, pf, pb, cell=cell, lengths=LENGTHS)
    dh = rng.standard_normal(h.shape)
    dx, dh0f, dh0b, dpf, dpb = bidirectional_backward(dh, cache)
    check_all(f, args, [dx, dh0f, dh0b, *dpf, *dpb], dh)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_stacked_gradients_with_lengths(bidirectional):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((N, T, D))
    z = np.zeros((N, H))
    G = 2 if bidirectional else 1
    layer0 = [weights(rng, "gru", D, H) for _ in range(G)]
    layer1 = [weights(rng, "gru", G * H, H) for _ in range(G)]
    flat = [w for layer in (layer0, layer1) for p in layer for w in p]

    def params(w):
        chunks = [tuple(w[i : i + 3]) for i in range(0, len(w), 3)]
        return [tuple(chunks[:G]), tuple(chunks[G:])] if bidirectional else chunks

    h0s = [(z, z), (z, z)] if bidirectional else [z, z]

    def f(x, *w):
        return stacked_forward(x, h0s, params(w), cell="gru", bidirectional=bidirectional, lengths=LENGTHS)[0]

    h, cache = stacked_forward(x, h0s, params(flat), cell="gru", bidirectional=bidirectional, lengths=LENGTHS)
    assert not h[1, 2:].any()
    dh = rng.standard_normal(h.shape)
    dx, _, dps = stacked_backward(dh, cache)
    check_all(f, [x, *flat], [dx, *flatten(dps)], dh)


def test_lengths_errors():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((N, T, D))
    p = weights(rng, "rnn")
    h0 = np.zeros((N, H))
    with pytest.raises(ValueError, match=r"lengths: expected values in 1 .. T = 4, got 0 .. 4"):
        bidirectional_forward(x, h0, h0, p, p, cell="rnn", lengths=np.array([4, 0]))
    with pytest.raises(ValueError, match=r"lengths: expected 2 integers \(one per sequence\)"):
        stacked_forward(x, [h0], [p], cell="rnn", lengths=np.array([4.0, 2.0]))
