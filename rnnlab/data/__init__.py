"""Data generators: synthetic series for forecasting and the fixed-window view used by memoryless models."""

from rnnlab.data.series import AR2_COEFS, ar_series, mackey_glass, make_windows, noisy_sine

__all__ = ["AR2_COEFS", "ar_series", "mackey_glass", "make_windows", "noisy_sine"]
