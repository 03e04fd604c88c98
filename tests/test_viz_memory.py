"""Plots and explorers of notebook 02, rendered headless with Agg."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlab.models import casino_hmm, sample_hmm, simulate_lds
from rnnlab.viz import kalman_explorer, plot_belief, plot_casino, stickiness_explorer


@pytest.fixture
def casino():
    return sample_hmm(*casino_hmm(), 120, rng=np.random.default_rng(0))


@pytest.fixture
def walk():
    one = np.eye(1)
    return simulate_lds(one, one, 0.1 * one, one, np.zeros(1), 80, rng=np.random.default_rng(1))


def test_plot_belief_draws_truth_observations_mean_and_a_two_sd_band():
    truth, mean, sd = np.zeros(5), np.arange(5.0), np.full(5, 0.5)
    ax = plot_belief(truth, mean, sd, observations=np.ones(5))
    assert len(ax.lines) == 3
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3, 4, 5])  # t = 1 .. T
    np.testing.assert_array_equal(ax.lines[2].get_ydata(), mean)
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(-1.0) and band[:, 1].max() == pytest.approx(5.0)  # mean -+ 2 sd


def test_plot_casino_marks_sixes_and_draws_each_curve(casino):
    states, obs = casino
    curves = {"a": np.full(120, 0.2), "b": np.full(120, 0.7)}
    _, ax = plt.subplots()
    assert plot_casino(states, obs, curves, ax=ax) is ax
    sixes, a, b = ax.lines
    np.testing.assert_array_equal(sixes.get_xdata(), np.flatnonzero(obs == 5))
    np.testing.assert_array_equal(b.get_ydata(), curves["b"])
    assert [t.get_text() for t in ax.get_legend().get_texts()][-2:] == ["a", "b"]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: plot_belief(np.zeros(5), np.zeros(4), np.zeros(5)), "mean"),
        (lambda: plot_belief(np.zeros(5), np.zeros(5), np.zeros(5), observations=np.zeros(3)), "observations"),
        (lambda: plot_casino(np.zeros(5, dtype=int), np.zeros(6, dtype=int)), "obs"),
        (lambda: plot_casino(np.zeros(5), np.zeros(5, dtype=int)), "states"),
        (lambda: plot_casino(np.zeros(5, dtype=int), np.zeros(5, dtype=int), {"p": np.zeros(4)}), "curves\\['p'\\]"),
        (lambda: kalman_explorer(np.zeros(5), np.zeros(5), q_true=1.0, r_true=1.0), "z"),
        (lambda: kalman_explorer(np.zeros((5, 1)), np.zeros((5, 1)), q_true=0.0, r_true=1.0), "q_true"),
        (lambda: stickiness_explorer(np.zeros(5, dtype=int), np.zeros(4, dtype=int)), "obs"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def newest_axes():
    return plt.figure(max(plt.get_fignums())).axes[0]


def find(explorer, kind):
    stack, found = [explorer], []
    while stack:
        widget = stack.pop()
        if isinstance(widget, kind):
            found.append(widget)
        stack.extend(getattr(widget, "children", ()))
    return sorted(found, key=lambda w: w.description)


def test_kalman_explorer_rerenders_and_trusts_the_sensor_more_as_r_falls(walk):
    z, x = walk
    explorer = kalman_explorer(z, x, q_true=0.1, r_true=1.0)
    assert isinstance(explorer, widgets.Widget)
    q, r = find(explorer, widgets.FloatLogSlider)
    assert (q.value, r.value) == (pytest.approx(0.1), pytest.approx(1.0))

    def gain():
        return float(newest_axes().get_title().rsplit("K = ", 1)[1])

    def distance_to_observations():
        return np.abs(newest_axes().lines[2].get_ydata() - x[:, 0]).mean()

    at_truth = gain(), distance_to_observations()
    r.value = 0.01
    assert gain() > 0.9  # a nearly perfect sensor: follow the observations
    assert distance_to_observations() < at_truth[1] / 3
    r.value = 10.0
    assert gain() < at_truth[0]
    assert distance_to_observations() > at_truth[1]


def test_stickiness_explorer_filters_with_the_slider_value(casino):
    states, obs = casino
    explorer = stickiness_explorer(states, obs)
    (stay,) = find(explorer, widgets.FloatSlider)
    assert newest_axes().get_title().startswith("assumed stay probability 0.900")
    stay.value = 0.5
    # With stay = 0.5 the state forgets everything: each roll alone, by Bayes' rule with a 50/50 prior,
    # P(loaded | six) = 0.5 / (0.5 + 1/6) = 0.75 and P(loaded | other face) = 0.1 / (0.1 + 1/6) = 0.375.
    curve = newest_axes().lines[1].get_ydata()
    np.testing.assert_allclose(curve, np.where(obs == 5, 0.75, 0.375))
    assert newest_axes().get_title().startswith("assumed stay probability 0.500")
