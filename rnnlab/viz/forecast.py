"""Plots for forecasting: a series, forecasts drawn from an origin, RMSE against horizon, an AR(p) explorer.

The plot functions draw on ``ax`` (a new figure when omitted) and return the Axes; they never call plt.show.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from rnnlab._validate import check_count, check_float, check_shapes
from rnnlab.data.series import make_windows
from rnnlab.models.autoregressive import ar_predict, fit_ar, forecast, forecast_errors
from rnnlab.viz._widgets import control, controls, explorer


def plot_series(series: np.ndarray, *, ax=None, title: str | None = None):
    """Line plot of a series (T,) against its time index. Returns the Axes."""
    check_shapes(series=(series, "T"))
    ax = _axes(ax)
    ax.plot(series, color="0.2", lw=1.0)
    ax.set_xlabel("t")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_forecasts(series: np.ndarray, origin: int, forecasts: dict[str, np.ndarray], *, ax=None):
    """The true series, a dashed line at ``origin``, and each forecast (k,) drawn at t = origin .. origin+k-1.

    A forecast from ``origin`` is made from series[:origin], as ``forecast(predict, series[:origin], k, p)``.
    Lines: the truth, the origin marker, then one per forecast in dict order. Returns the Axes.
    """
    check_shapes(series=(series, "T"))
    check_count("origin", origin)
    if origin >= series.size:
        raise ValueError(f"origin: expected 1 <= origin < T = {series.size}, got {origin}")
    ax = _axes(ax)
    ax.plot(series, color="0.6", lw=1.0, label="truth")
    ax.axvline(origin, color="0.3", ls="--", lw=1.0, label="forecast origin")
    for name, values in forecasts.items():
        values = np.asarray(values)
        check_shapes(**{f"forecasts[{name!r}]": (values, "K")})
        ax.plot(origin + np.arange(values.size), values, lw=1.5, label=name)
    ax.set_xlabel("t")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_horizon_errors(errors: dict[str, dict[int, float]], *, ax=None):
    """RMSE against forecast horizon k (log-2 x axis), one line per model, e.g. from forecast_errors.

    errors: {model name: {k: RMSE}}. Returns the Axes.
    """
    if not isinstance(errors, dict):
        raise ValueError(f"errors: expected a dict {{model name: {{horizon: RMSE}}}}, got {type(errors).__name__}")
    ax = _axes(ax)
    for name, by_horizon in errors.items():
        horizons = sorted(by_horizon)
        ax.plot(horizons, [by_horizon[k] for k in horizons], marker="o", label=name)
    ax.set_xscale("log", base=2)
    all_horizons = sorted({k for by_horizon in errors.values() for k in by_horizon})
    ax.set_xticks(all_horizons, [str(k) for k in all_horizons])
    ax.minorticks_off()
    ax.set_xlabel("forecast horizon k (steps)")
    ax.set_ylabel("RMSE")
    ax.legend(fontsize="small")
    return ax


@explorer
def ar_order_explorer(series: np.ndarray, *, max_p: int = 20, horizons=(1, 4, 16, 64)):
    """Widget: choose the AR order p and the horizon k; see the fit and the k-step forecast.

    AR(p) is fitted on the first half of the series; the plot shows the one-step fit there and the recursive
    k-step forecast from the middle (the origin). The title gives the one-step train RMSE and the test k-step
    RMSE (forecast_errors over every origin in the second half).
    Inputs: series (T,) float. Returns an ipywidgets VBox (controls, then the plot output).
    """
    check_shapes(series=(series, "T"))
    check_float(series=series)
    check_count("max_p", max_p)
    horizons = sorted(horizons)
    if not horizons:
        raise ValueError("horizons: expected at least one horizon, got an empty sequence")
    for k in horizons:
        check_count("horizons", k)
    origin = series.size // 2
    if origin < 2 * max_p + 2 or series.size - origin < horizons[-1]:
        raise ValueError(
            f"series: expected at least {2 * max(2 * max_p + 2, horizons[-1])} values to fit AR({max_p}) on the "
            f"first half and forecast {horizons[-1]} steps in the second, got shape {series.shape}"
        )
    train = series[:origin]

    def render(p: int, k: int) -> None:
        w, c = fit_ar(train, p)

        def predict(X):
            return ar_predict(X, w, c)

        X_train, y_train = make_windows(train, p)
        one_step = predict(X_train)
        train_rmse = float(np.sqrt(np.mean((one_step - y_train) ** 2)))
        future = forecast(predict, train, k, p)
        test_rmse = forecast_errors(series, predict, p, horizons=(k,), start=origin)[k]
        fig, ax = plt.subplots(figsize=(9, 3.5))
        ax.plot(series, color="0.6", lw=1.0, label="truth")
        ax.plot(np.arange(p, origin), one_step, lw=1.0, label="one-step fit")
        ax.axvline(origin, color="0.3", ls="--", lw=1.0)
        ax.plot(origin + np.arange(k), future, lw=2.0, marker="." if k < 8 else None, label=f"{k}-step forecast")
        ax.set_xlim(max(0, origin - 2 * horizons[-1]), min(series.size, origin + 2 * horizons[-1]))
        ax.set_xlabel("t")
        ax.legend(loc="upper left", fontsize="small")
        ax.set_title(f"AR({p}): train RMSE {train_rmse:.3f}, test {k}-step RMSE {test_rmse:.3f}")
        plt.show()

    p_slider = control(widgets.IntSlider, "order p", value=min(2, max_p), min=1, max=max_p)
    k_choice = control(widgets.Dropdown, "horizon k", width="180px", options=horizons, value=horizons[-1])
    output = widgets.interactive_output(render, {"p": p_slider, "k": k_choice})
    return widgets.VBox([controls(p_slider, k_choice), output])


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    return ax
