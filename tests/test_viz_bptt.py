"""State gradients, gradient reach, the notebook-04 plots and the truncation explorer, rendered headless."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlab.gradcheck import numerical_gradient
from rnnlab.modules import LanguageModel
from rnnlab.nn import rnn_forward
from rnnlab.viz import (
    gradient_reach,
    plot_gradient_reach,
    plot_loss_curves,
    plot_per_step,
    state_gradients,
    temperature_explorer,
    truncation_explorer,
)


@pytest.fixture
def run():
    rng = np.random.default_rng(0)
    N, T, D, H = 2, 7, 3, 4
    x, h0 = rng.standard_normal((N, T, D)), rng.uniform(-0.5, 0.5, (N, H))
    Wx, Wh, b = 0.7 * rng.standard_normal((D, H)), 0.7 * rng.standard_normal((H, H)), 0.1 * rng.standard_normal(H)
    _, cache = rnn_forward(x, h0, Wx, Wh, b)
    return cache, rng.standard_normal((N, T, H)), b


def gradient_on_state(cache, b, dh, t, stop):
    """dL/dh_t measured numerically: perturb h_t and rerun the steps t+1 .. stop-1 from it, where
    L = sum_s dh_s . h_s over the steps t .. stop-1 (the losses whose gradient reaches h_t)."""
    x, _, Wx, Wh, _, _ = cache

    def loss(state):
        if stop == t + 1:
            return np.sum(dh[:, t] * state)
        later = rnn_forward(x[:, t + 1 : stop], state, Wx, Wh, b)[0]
        return np.sum(dh[:, t] * state) + np.sum(dh[:, t + 1 : stop] * later)

    return numerical_gradient(loss, cache.h[:, t].copy())


def test_state_gradients_match_numerical_gradients_of_the_loss(run):
    cache, dh, b = run
    T = dh.shape[1]
    total = state_gradients(dh, cache)
    for t in range(T):
        np.testing.assert_allclose(total[:, t], gradient_on_state(cache, b, dh, t, T), atol=1e-8)


@pytest.mark.parametrize("k", [1, 3, 7])
def test_truncated_state_gradients_stop_at_the_chunk_boundary(run, k):
    cache, dh, b = run
    T = dh.shape[1]
    total = state_gradients(dh, cache, k)
    for t in range(T):
        chunk_end = min((t // k + 1) * k, T)  # the losses of h_t's own chunk reach it
        np.testing.assert_allclose(total[:, t], gradient_on_state(cache, b, dh, t, chunk_end), atol=1e-8)
    if k == 1:
        np.testing.assert_array_equal(total, dh)  # nothing comes back from any later step


def test_gradient_reach_is_lower_triangular_with_unit_diagonal(run):
    cache, _, _ = run
    reach = gradient_reach(cache)
    T = reach.shape[0]
    np.testing.assert_allclose(np.diag(reach), np.ones(T))  # the unit loss gradient on h_t itself
    assert not np.any(np.triu(reach, 1))  # a loss cannot reach a later state
    assert np.all(np.tril(reach, -1)[np.tril_indices(T, -1)] > 0)

    cut = gradient_reach(cache, k=3)
    chunk = np.arange(T) // 3
    np.testing.assert_array_equal(cut > 0, (chunk[:, None] == chunk[None, :]) & np.tri(T, dtype=bool))
    same = chunk[:, None] == chunk[None, :]
    np.testing.assert_allclose(cut[same], reach[same])  # inside a chunk truncation changes nothing


def test_plot_gradient_reach_masks_the_pairs_without_gradient(run):
    cache, _, _ = run
    reach = gradient_reach(cache, k=3)
    ax = plot_gradient_reach(reach, k=3, rows=[6])
    image = ax.images[0].get_array()
    assert image.mask[:6].all()  # rows not shown
    assert list(~image.mask[6]) == [False] * 6 + [True]  # only h_6 shares the last chunk with the loss at 6
    assert len(ax.lines) == 4  # two chunk boundaries, vertical and horizontal


def test_plot_per_step_draws_one_bar_per_step_and_series():
    ax = plot_per_step({"a": np.arange(5.0), "b": np.ones(5)}, ylabel="norm", log=True)
    assert len(ax.patches) == 10
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "norm"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_plot_loss_curves_draws_each_curve_and_the_floor():
    ax = plot_loss_curves({"run": (np.arange(3), np.array([3.0, 2.0, 1.0]))}, floor=0.5)
    assert len(ax.lines) == 2
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [3.0, 2.0, 1.0])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [0.5, 0.5])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda c, dh: state_gradients(dh[:, :-1], c), "dh"),
        (lambda c, dh: state_gradients(dh, c, k=0), "k"),
        (lambda c, dh: plot_gradient_reach(np.zeros((3, 4))), "reach"),
        (lambda c, dh: plot_per_step({}), "values"),
        (lambda c, dh: plot_per_step({"a": np.ones(3), "b": np.ones(4)}), "values\\['b'\\]"),
        (lambda c, dh: plot_loss_curves({"a": (np.arange(3), np.ones(2))}), "curves\\['a'\\] values"),
        (lambda c, dh: truncation_explorer(T=0), "T"),
        (lambda c, dh: temperature_explorer(None, "abc"), "idx_to_char"),
        (lambda c, dh: temperature_explorer(None, ["a"], n=0), "n"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(run, call, match):
    with pytest.raises(ValueError, match=match):
        call(*run[:2])


def newest_figure():
    return plt.figure(max(plt.get_fignums()))


def test_explorer_builds_and_rerenders_when_controls_change():
    explorer = truncation_explorer(T=12, H=8, N=4)
    assert isinstance(explorer, widgets.Widget)
    k, signal = explorer.children[0].children
    assert (k.min, k.max, k.value) == (1, 12, 5)
    assert newest_figure().axes[0].get_title() == "k = 5: 33 of 78 (loss, state) pairs get gradient"  # 15+15+3

    k.value = 12
    assert newest_figure().axes[0].get_title().startswith("k = 12: 78 of 78")
    signal.value = "last step"
    assert newest_figure().axes[0].get_title().startswith("k = 12: 12 of 12")
    k.value = 4
    right = newest_figure().axes[1]
    truncated = [bar.get_height() for bar in right.containers[1]]
    assert np.isnan(truncated[:8]).all() and np.all(np.array(truncated[8:]) > 0)  # only the last chunk


def test_temperature_explorer_sharpens_the_distribution_and_ignores_unknown_prompts():
    model = LanguageModel(3, 2, 4, cell="rnn", rng=np.random.default_rng(0))
    model.head.params["b"][:] = [-1.0, 2.0, 0.0]  # character "a" is the most likely one everywhere
    explorer = temperature_explorer(model, ["\n", "a", "b"], prompt="a", n=5)
    temperature, prompt = explorer.children[0].children
    assert newest_figure().axes[0].get_title().startswith("after 'a' at temperature 1.0: 'a' with p = ")
    probs_1 = [bar.get_height() for bar in newest_figure().axes[0].patches]

    temperature.value = 0.5
    probs_half = [bar.get_height() for bar in newest_figure().axes[0].patches]
    assert np.isclose(sum(probs_half), 1.0) and max(probs_half) > max(probs_1)  # sharper
    expected = np.array(probs_1) ** 2 / np.sum(np.array(probs_1) ** 2)  # softmax(z / 0.5) = p^2, renormalised
    np.testing.assert_allclose(probs_half, expected, rtol=1e-10)

    figures = len(plt.get_fignums())
    prompt.value = "xyz"  # characters the model does not know: a message instead of a plot
    assert len(plt.get_fignums()) == figures
