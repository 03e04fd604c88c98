"""Plots and ipywidgets explorers for the notebooks (matplotlib; nothing here calls plt.show on its own)."""

from rnnlab.viz.forecast import ar_order_explorer, plot_forecasts, plot_horizon_errors, plot_series

__all__ = ["ar_order_explorer", "plot_forecasts", "plot_horizon_errors", "plot_series"]
