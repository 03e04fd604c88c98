"""Forecast plots and the AR-order explorer, rendered headless with Agg."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlab.data import AR2_COEFS, ar_series
from rnnlab.viz import ar_order_explorer, plot_forecasts, plot_horizon_errors, plot_series


@pytest.fixture
def series():
    return ar_series(300, AR2_COEFS, rng=np.random.default_rng(0))


def test_plot_series_draws_one_line_with_a_title(series):
    ax = plot_series(series, title="AR(2)")
    assert len(ax.lines) == 1
    assert ax.get_title() == "AR(2)"
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), series)


def test_plot_forecasts_draws_truth_origin_and_each_forecast_from_the_origin(series):
    _, ax = plt.subplots()
    forecasts = {"AR(2)": np.zeros(16), "MLP": np.ones(4)}
    assert plot_forecasts(series, 200, forecasts, ax=ax) is ax
    assert len(ax.lines) == 2 + len(forecasts)
    ar_line, mlp_line = ax.lines[2:]
    np.testing.assert_array_equal(ar_line.get_xdata(), np.arange(200, 216))
    np.testing.assert_array_equal(mlp_line.get_xdata(), np.arange(200, 204))
    assert [text.get_text() for text in ax.get_legend().get_texts()][2:] == ["AR(2)", "MLP"]


def test_plot_horizon_errors_draws_one_line_per_model_on_log_x():
    errors = {"AR(2)": {1: 0.5, 4: 0.7, 16: 0.9, 64: 1.0}, "MLP": {64: 1.1, 1: 0.4, 4: 0.6, 16: 0.8}}
    ax = plot_horizon_errors(errors)
    assert len(ax.lines) == 2
    assert ax.get_xscale() == "log"
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), [1, 4, 16, 64])  # sorted by horizon
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [0.4, 0.6, 0.8, 1.1])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda s: plot_series(s[:, None]), "series"),
        (lambda s: plot_forecasts(s, 0, {}), "origin"),
        (lambda s: plot_forecasts(s, s.size, {}), "origin"),
        (lambda s: plot_forecasts(s, 10, {"AR": np.zeros((2, 2))}), "forecasts\\['AR'\\]"),
        (lambda s: plot_horizon_errors([0.1, 0.2]), "errors"),
        (lambda s: ar_order_explorer(s[:100]), "series"),
        (lambda s: ar_order_explorer(s, max_p=0), "max_p"),
        (lambda s: ar_order_explorer(s, horizons=()), "horizons"),
        (lambda s: ar_order_explorer(s.astype(int)), "series"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(series, call, match):
    with pytest.raises(ValueError, match=match):
        call(series)


def newest_title():
    return plt.figure(max(plt.get_fignums())).axes[0].get_title()


def controls(explorer):
    found = {}
    for box in explorer.children:
        for child in getattr(box, "children", ()):
            found[type(child)] = child
    return found[widgets.IntSlider], found[widgets.Dropdown]


def test_explorer_builds_and_rerenders_when_controls_change(series):
    explorer = ar_order_explorer(series, max_p=8)
    assert isinstance(explorer, widgets.Widget)
    p_slider, k_choice = controls(explorer)
    assert (p_slider.min, p_slider.max) == (1, 8)
    assert list(k_choice.options) == [1, 4, 16, 64]
    assert newest_title().startswith("AR(2): train RMSE")

    p_slider.value = 5
    assert newest_title().startswith("AR(5): train RMSE")
    assert "test 64-step RMSE" in newest_title()
    k_choice.value = 4
    assert "test 4-step RMSE" in newest_title()
    lines = plt.figure(max(plt.get_fignums())).axes[0].lines
    assert len(lines[-1].get_xdata()) == 4  # the forecast has k points


def test_explorers_are_a_short_note_while_nbgrader_executes(monkeypatch):
    import ipywidgets

    series = np.sin(np.arange(200) / 5.0)
    assert isinstance(ar_order_explorer(series), ipywidgets.VBox)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    note = ar_order_explorer(series)
    assert isinstance(note, ipywidgets.HTML) and "not shown while grading" in note.value
