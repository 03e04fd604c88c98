"""RNN diagrams, hidden-state and embedding plots, and the hidden-state explorer, rendered headless with Agg."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlab.viz.rnn import (
    ARCHITECTURES,
    explorer_input,
    fading_memory,
    hidden_state_explorer,
    plot_architectures,
    plot_embedding,
    plot_hidden_states,
    plot_unrolled,
)


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_unrolled_diagram_shares_one_set_of_weights_over_every_step():
    ax = plot_unrolled(3)
    labels = texts(ax)
    for name in ["$x_{1}$", "$x_{3}$", "$h_0$", "$h_{3}$", "$y_{3}$", "$x_t$", "$h_t$", "$y_t$"]:
        assert name in labels
    assert "$x_{4}$" not in labels
    # the rolled cell has one arrow of each kind, the unrolled chain one per step: the same three matrices
    assert labels.count("$W_h$") == labels.count("$W_x$") == labels.count("$W_y$") == 1 + 3


def test_architectures_draw_inputs_and_outputs_where_each_pattern_has_them():
    axes = plot_architectures()
    assert [ax.get_title() for ax in axes] == list(ARCHITECTURES)
    counts = {ax.get_title(): (sum("x_" in t for t in texts(ax)), sum("y_" in t for t in texts(ax))) for ax in axes}
    assert counts == {
        "one-to-one": (1, 1),
        "one-to-many": (1, 4),
        "many-to-one": (4, 1),
        "many-to-many": (4, 4),
        "many-to-many, delayed": (3, 3),
    }
    with pytest.raises(ValueError, match="axes"):
        plot_architectures(axes=plt.subplots(1, 2)[1])


def test_hidden_state_heatmap_shows_units_as_rows_and_labels_time_steps():
    h = np.linspace(-1, 1, 12).reshape(4, 3)  # T = 4 steps, H = 3 units
    ax = plot_hidden_states(h, tokens=list("abcd"), title="h")
    np.testing.assert_array_equal(ax.images[0].get_array(), h.T)
    assert ax.images[0].get_clim() == (-1, 1)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c", "d"]
    assert ax.get_title() == "h"


def test_embedding_scatter_colours_each_group_and_labels_each_point():
    W = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    ax = plot_embedding(W, ["a", "b", "e"], groups=["vowel", "consonant", "vowel"])
    vowels, consonants = ax.collections
    np.testing.assert_array_equal(vowels.get_offsets(), [[0, 1], [4, 5]])
    np.testing.assert_array_equal(consonants.get_offsets(), [[2, 3]])
    assert texts(ax) == ["a", "b", "e"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["vowel", "consonant"]
    assert plot_embedding(W, ["a", "b", "e"]).get_legend() is None


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: plot_unrolled(0), "T"),
        (lambda: plot_hidden_states(np.zeros(3)), "h"),
        (lambda: plot_hidden_states(np.zeros((3, 2)), tokens=["a"]), "tokens"),
        (lambda: plot_hidden_states(np.zeros((3, 2), dtype=int)), "h"),
        (lambda: plot_embedding(np.zeros((3, 3)), list("abc")), "W"),
        (lambda: plot_embedding(np.zeros((3, 2)), list("ab")), "labels"),
        (lambda: plot_embedding(np.zeros((3, 2)), list("abc"), groups=["v"]), "groups"),
        (lambda: explorer_input("saw", 5), "kind"),
        (lambda: hidden_state_explorer(T=1), "T"),
        (lambda: fading_memory(np.zeros((3, 1)), radius=1.0, scale=1.0), "x"),
        (lambda: fading_memory(np.zeros(3), radius=-1.0, scale=1.0), "radius"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_explorer_inputs():
    np.testing.assert_array_equal(explorer_input("pulse", 4), [1, 0, 0, 0])
    np.testing.assert_array_equal(explorer_input("step", 3), [1, 1, 1])
    np.testing.assert_allclose(explorer_input("sine", 6)[[0, 5]], [0, 1], atol=1e-12)  # period 20: peak at t = 5
    np.testing.assert_array_equal(explorer_input("noise", 5, seed=3), explorer_input("noise", 5, seed=3))


def test_fading_memory_after_a_pulse_shrinks_by_the_radius_each_step_in_the_linear_regime():
    # a tiny Wx keeps tanh(a) = a, so h_t = h_{t-1} @ (r Q) and the orthogonal Q keeps the norm: r^t
    h, memory = fading_memory(explorer_input("pulse", 6), radius=0.7, scale=1e-6, H=5, seed=1)
    assert h.shape == (6, 5) and memory.shape == (6,)
    np.testing.assert_allclose(memory / memory[0], 0.7 ** np.arange(6), rtol=1e-9)


def test_fading_memory_compares_with_the_run_without_the_pulse():
    # changed pulse = all zeros, whose states stay exactly 0: the memory is the norm of h itself
    h, memory = fading_memory(explorer_input("pulse", 8), radius=1.3, scale=2.0, H=4)
    np.testing.assert_allclose(memory, np.linalg.norm(h, axis=1), rtol=1e-12)
    # with Wh = 0 the state depends on the current input only: x_0 is forgotten after one step
    _, memory = fading_memory(explorer_input("noise", 8), radius=0.0, scale=1.0)
    assert memory[0] > 0 and np.all(memory[1:] == 0)


def newest_axes():
    return plt.figure(max(plt.get_fignums())).axes


def controls(explorer):
    sliders = {}
    for child in explorer.children[0].children:
        sliders[child.description] = child
    return sliders


def test_explorer_builds_and_rerenders_when_controls_change():
    explorer = hidden_state_explorer(T=30, H=4)
    assert isinstance(explorer, widgets.Widget)
    c = controls(explorer)
    assert set(c) == {"radius of Wh", "scale of Wx", "input"}
    assert list(c["input"].options) == ["pulse", "step", "noise", "sine"]
    axes = newest_axes()
    assert len(axes[1].lines) == 4  # one line per hidden unit
    assert "at t = 29" in axes[2].get_title()

    # Wh = 0: after a pulse the state is tanh(0) = 0 from t = 1 on, so the first input is forgotten at once
    c["radius of Wh"].value = 0.0
    np.testing.assert_array_equal(newest_axes()[1].lines[0].get_ydata()[1:], 0.0)
    assert newest_axes()[2].get_title().startswith("memory of the first input: 0.0e+00")

    # a constant input through a large Wx drives most units to +-1
    c["input"].value = "step"
    c["scale of Wx"].value = 5.0
    title = newest_axes()[1].get_title()
    share = int(title.split(": ")[1].split("%")[0])
    assert share >= 50, title
