"""Spectral radius, the gradient-norm probe, the clipping picture and the explorer, against independent truths."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlab import analysis as A
from rnnlab.gradcheck import numerical_gradient
from rnnlab.init import orthogonal
from rnnlab.nn import rnn_forward
from rnnlab.viz import pathologies as P


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize(
    ("W", "radius"),
    [
        (np.diag([-3.0, 1.0]), 3.0),  # the modulus of a negative eigenvalue
        (np.array([[0.0, 1.0], [-1.0, 0.0]]), 1.0),  # rotation by 90 degrees: eigenvalues +-i
        (np.array([[0.5, 1.0], [0.0, 0.5]]), 0.5),  # triangular: the diagonal, though the spectral norm is 1.21
        (np.array([[2.0]]), 2.0),
    ],
)
def test_spectral_radius_hand_worked(W, radius):
    assert A.spectral_radius(W) == pytest.approx(radius)


def test_scale_to_radius_gives_the_radius_asked_for_and_leaves_w_alone():
    W = rng(1).standard_normal((6, 6))
    before = W.copy()
    scaled = A.scale_to_radius(W, 0.7)
    assert np.max(np.abs(np.linalg.eigvals(scaled))) == pytest.approx(0.7)
    ratio = scaled / W
    np.testing.assert_allclose(ratio, ratio[0, 0])  # a multiple of W
    assert ratio[0, 0] > 0
    np.testing.assert_array_equal(W, before)


def test_random_rnn_problem_shapes_radius_and_input_scale():
    x, h0, Wx, Wh, b = A.random_rnn_problem(3, 5, 2, 4, 1.3, rng=rng(0), input_scale=0.0)
    assert (x.shape, h0.shape, Wx.shape, Wh.shape, b.shape) == ((3, 5, 2), (3, 4), (2, 4), (4, 4), (4,))
    assert np.max(np.abs(np.linalg.eigvals(Wh))) == pytest.approx(1.3)
    assert not Wx.any() and not h0.any() and not b.any()
    again = A.random_rnn_problem(3, 5, 2, 4, 1.3, rng=rng(0), input_scale=0.0)
    np.testing.assert_array_equal(x, again[0])


def test_probe_with_the_state_pinned_at_zero_is_a_power_of_the_radius():
    # Wx = 0, b = 0, h0 = 0: every state is 0, tanh'(0) = 1, and Wh = rho Q (Q orthogonal) scales norms by rho
    T, H, rho = 8, 5, 0.8
    Wh = rho * orthogonal(H, H, rng=rng(2))
    problem = (rng(3).standard_normal((2, T, 3)), np.zeros((2, H)), np.zeros((3, H)), Wh, np.zeros(H))
    np.testing.assert_allclose(A.grad_norms_through_time(*problem), rho ** (T - 1 - np.arange(T)))


def test_linear_probe_is_the_norm_of_matrix_powers():
    T, H = 6, 3
    x, h0, Wx, Wh, b = A.random_rnn_problem(2, T, 2, H, 1.2, rng=rng(4))
    u = np.ones(H) / np.sqrt(H)
    expected = [np.linalg.norm(u @ np.linalg.matrix_power(Wh.T, T - 1 - t)) for t in range(T)]
    np.testing.assert_allclose(A.grad_norms_through_time(x, h0, Wx, Wh, b, "linear"), expected)


def test_scalar_tanh_probe_is_the_product_of_w_times_tanh_prime():
    # h_t = tanh(w h_{t-1} + u x_t): d h_{T-1} / d h_t = prod_{k=t+1}^{T-1} w (1 - h_k^2), written out by hand
    w, u_in, T = 1.1, 0.7, 6
    xs = np.array([0.5, -1.0, 2.0, 0.1, -0.3, 0.8])
    h, states = 0.2, []
    for x_t in xs:
        h = np.tanh(w * h + u_in * x_t)
        states.append(h)
    expected = [np.prod([w * (1 - states[k] ** 2) for k in range(t + 1, T)]) for t in range(T)]
    got = A.grad_norms_through_time(
        xs.reshape(1, T, 1), np.array([[0.2]]), np.array([[u_in]]), np.array([[w]]), np.zeros(1)
    )
    np.testing.assert_allclose(got, expected)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_probe_matches_finite_differences(activation):
    N, T, D, H = 2, 5, 3, 4
    x, h0, Wx, Wh, b = A.random_rnn_problem(N, T, D, H, 0.9, rng=rng(5))
    h0 = 0.3 * rng(6).standard_normal((N, H))
    b = b + 0.2
    h, _ = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
    u = np.full((N, H), 1 / np.sqrt(H))
    expected = []
    for t in range(T):

        def rest(h_t, t=t):
            return rnn_forward(x[:, t + 1 :], h_t, Wx, Wh, b, activation=activation)[0][:, -1]

        grad = u if t == T - 1 else numerical_gradient(rest, h[:, t].copy(), u)
        expected.append(np.mean(np.linalg.norm(grad, axis=1)))
    np.testing.assert_allclose(A.grad_norms_through_time(x, h0, Wx, Wh, b, activation), expected, rtol=1e-6)


def test_activation_derivatives_hand_worked():
    x = np.array([[[1.0], [-1.0]]])  # one sequence, two steps, one input; Wx = 1, Wh = 0, b = 0
    args = (x, np.zeros((1, 1)), np.ones((1, 1)), np.zeros((1, 1)), np.zeros(1))
    np.testing.assert_allclose(A.activation_derivatives(*args, "tanh")[0, :, 0], 1 - np.tanh([1.0, -1.0]) ** 2)
    np.testing.assert_array_equal(A.activation_derivatives(*args, "relu")[0, :, 0], [1.0, 0.0])
    np.testing.assert_array_equal(A.activation_derivatives(*args, "linear")[0, :, 0], [1.0, 1.0])


def test_cosine_hand_worked():
    assert A.cosine(np.array([1.0, 0.0]), np.array([2.0, 2.0])) == pytest.approx(np.sqrt(0.5))
    assert A.cosine(np.array([3.0, 0.5]), np.array([1.0, 0.5])) == pytest.approx(3.25 / np.sqrt(9.25 * 1.25))


def test_plot_grad_norms_one_log_line_per_curve():
    curves = {"a": np.array([0.1, 0.5, 1.0]), "b": np.array([4.0, 2.0, 1.0])}
    ax = P.plot_grad_norms(curves, title="probe")
    assert ax.get_yscale() == "log" and ax.get_title() == "probe"
    assert len(ax.lines) == 2
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [4.0, 2.0, 1.0])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_plot_clipping_draws_both_clipped_vectors_and_their_cosines():
    ax = P.plot_clipping(np.array([3.0, 0.5]), 1.0)
    circle, square, g, by_norm, by_value = ax.lines
    np.testing.assert_allclose(np.c_[g.get_xdata(), g.get_ydata()][1], [3.0, 0.5])
    np.testing.assert_allclose(np.c_[by_norm.get_xdata(), by_norm.get_ydata()][1], np.array([3.0, 0.5]) / np.sqrt(9.25))
    np.testing.assert_allclose(np.c_[by_value.get_xdata(), by_value.get_ydata()][1], [1.0, 0.5])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "cos 1.000" in labels[3]
    assert f"cos {3.25 / np.sqrt(9.25 * 1.25):.3f}" in labels[4]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: A.spectral_radius(np.ones((2, 3))), "W"),
        (lambda: A.spectral_radius(np.eye(2, dtype=int)), "W"),
        (lambda: A.scale_to_radius(np.eye(2), -1.0), "rho"),
        (lambda: A.scale_to_radius(np.zeros((2, 2)), 1.0), "W"),
        (lambda: A.random_rnn_problem(0, 5, 2, 4, 1.0, rng=rng()), "N"),
        (lambda: A.random_rnn_problem(2, 5, 2, 4, 1.0, rng=1), "rng"),
        (
            lambda: A.grad_norms_through_time(
                np.zeros((1, 3, 2)), np.zeros((1, 4)), np.zeros((2, 4)), np.eye(3), np.zeros(4)
            ),
            "Wh",
        ),
        (lambda: A.grad_norms_through_time(*A.random_rnn_problem(1, 3, 2, 4, 1.0, rng=rng()), "sigmoid"), "activation"),
        (lambda: A.cosine(np.ones(2), np.ones(3)), "b"),
        (lambda: A.cosine(np.zeros(2), np.ones(2)), "zero"),
        (lambda: P.plot_grad_norms([np.ones(3)]), "curves"),
        (lambda: P.plot_grad_norms({"a": np.ones((2, 3))}), "curves\\['a'\\]"),
        (lambda: P.plot_clipping(np.ones(3), 1.0), "g"),
        (lambda: P.plot_clipping(np.ones(2), 0.0), "threshold"),
        (lambda: P.gradient_explorer(max_T=5), "max_T"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def newest_axes():
    return plt.figure(max(plt.get_fignums())).axes


def controls(explorer):
    found = {}
    for child in explorer.children:
        for widget in (*getattr(child, "children", ()), child):
            if hasattr(widget, "description"):
                found.setdefault(widget.description, widget)
    return found


def test_explorer_builds_and_rerenders_when_controls_change():
    explorer = P.gradient_explorer(N=2, H=8, max_T=60)
    assert isinstance(explorer, widgets.Widget)
    c = controls(explorer)
    assert newest_axes()[0].get_title().startswith("radius 1.00, tanh, T = 60")

    c["radius"].value = 1.5
    c["activation"].value = "linear"
    left, right = newest_axes()
    assert left.get_title().startswith("radius 1.50, linear, T = 60")
    probe = left.lines[0].get_ydata()
    prediction = left.lines[1].get_ydata()
    assert len(probe) == 60
    np.testing.assert_allclose(prediction, 1.5 ** (59 - np.arange(60)))
    assert right.get_title() == "mean f' = 1.00"  # linear: every derivative is 1

    c["T"].value = 20
    c["activation"].value = "relu"
    left, _ = newest_axes()
    assert left.get_title().startswith("radius 1.50, relu, T = 20")
    assert len(left.lines[0].get_ydata()) == 20

    c["input scale"].value = 0.0
    c["activation"].value = "tanh"
    left, right = newest_axes()
    # no input, h0 = 0, b = 0: the state stays 0, tanh' = 1, and the probe is the linear one
    assert right.get_title() == "mean f' = 1.00"


def test_explorer_radius_reaches_the_exploding_tanh_rnn():
    # notebook 05 sends students to radius 2.5 and 3, where the tanh RNN's gradient explodes
    explorer = P.gradient_explorer()
    c = controls(explorer)
    assert (c["radius"].min, c["radius"].max, c["radius"].step) == (0.1, 3.0, 0.05)
    assert c["activation"].value == "tanh" and c["T"].value == 100

    def reaching_t0():
        return float(newest_axes()[0].get_title().rsplit(" is ", 1)[1])

    c["radius"].value = 2.0
    assert 1e-3 < reaching_t0() < 1e3  # saturation takes back almost all of what the radius adds
    c["radius"].value = 3.0
    assert reaching_t0() > 1e6  # explodes although about half of the units are saturated
