"""Models built from rnnlab.nn layers: autoregressive baselines and the fixed-window MLP."""

from rnnlab.models.autoregressive import ar_predict, fit_ar, forecast, forecast_errors
from rnnlab.models.window_mlp import (
    init_window_mlp,
    train_window_mlp,
    window_mlp_backward,
    window_mlp_forward,
)

__all__ = [
    "ar_predict",
    "fit_ar",
    "forecast",
    "forecast_errors",
    "init_window_mlp",
    "train_window_mlp",
    "window_mlp_backward",
    "window_mlp_forward",
]
