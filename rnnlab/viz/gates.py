"""Pictures of gated cells (notebooks 06 and 07): how long a forget gate keeps the cell state, and the gates at work.

- forget_bias_explorer(): a slider on the LSTM's forget-gate bias, with the memory it gives and the gradient that
  reaches the first input
- plot_gates(gates, marks): gate values of one sequence over time, with the steps that matter marked

The plot functions draw on ``ax`` (a new figure when omitted) and return the Axes; they never call plt.show.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from rnnlab._validate import check_count, check_shapes
from rnnlab.analysis import input_gradient_norm
from rnnlab.nn.activations import sigmoid
from rnnlab.viz._widgets import control, controls, explorer


@explorer
def forget_bias_explorer(*, max_T: int = 100, H: int = 32, seed: int = 0):
    """Widget: the forget-gate bias b_f of an untrained LSTM and what it does over max_T steps.

    Left: the share sigmoid(b_f)^t of the cell state kept after t steps when nothing new is written (x = h = 0, so
    f = sigmoid(b_f)). Right: ||dL/dx_0|| (rnnlab.analysis.input_gradient_norm) against the sequence length for the
    LSTM at that bias, beside the tanh RNN's. Returns an ipywidgets VBox (control, then the plot output).
    """
    check_count("max_T", max_T, minimum=10)
    lengths = np.arange(10, max_T + 1, 10)
    rnn = [input_gradient_norm("rnn", T, H=H, seed=seed) for T in lengths]

    def render(forget_bias: float) -> None:
        f = float(sigmoid(np.array(forget_bias)))
        lstm = [input_gradient_norm("lstm", T, H=H, forget_bias=forget_bias, seed=seed) for T in lengths]
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
        t = np.arange(max_T + 1)
        left.semilogy(t, np.maximum(f**t, 1e-300), color="tab:blue")
        left.set_ylim(1e-12, 2)
        left.set_xlabel("steps t")
        left.set_ylabel("share of c kept, f^t")
        half = np.log(0.5) / np.log(f) if 0 < f < 1 else np.inf
        left.set_title(f"b_f = {forget_bias:.1f}: f = {f:.3f}, half kept after {half:.3g} steps", fontsize="medium")
        right.semilogy(lengths, rnn, "o-", color="0.5", label="tanh RNN")
        right.semilogy(lengths, lstm, "o-", color="tab:blue", label=f"LSTM, b_f = {forget_bias:.1f}")
        right.set_xlabel("sequence length T")
        right.set_ylabel(r"$\|\partial L / \partial x_0\|$")
        right.set_title("gradient reaching the first input", fontsize="medium")
        right.legend(fontsize="small")
        for ax in (left, right):
            ax.grid(True, color="0.9")
        fig.tight_layout()
        plt.show()

    bias = control(widgets.FloatSlider, "forget bias", value=1.0, min=-2.0, max=6.0, step=0.5)
    output = widgets.interactive_output(render, {"forget_bias": bias})
    return widgets.VBox([controls(bias), output])


def plot_gates(gates: dict[str, np.ndarray], marks=(), *, ax=None, title: str | None = None):
    """Each gate's values over time for one sequence, one line per entry of ``gates`` ({label: values (T,)}),
    with the steps in ``marks`` shaded. Returns the Axes."""
    if not isinstance(gates, dict):
        raise ValueError(f"gates: expected a dict {{label: values (T,)}}, got {type(gates).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3))
    for label, values in gates.items():
        check_shapes(**{f"gates[{label!r}]": (values, "T")})
        ax.plot(np.arange(values.size), values, lw=1.5, label=label)
    for k, t in enumerate(marks):
        ax.axvspan(t - 0.5, t + 0.5, color="tab:red", alpha=0.2, label="marked step" if k == 0 else None)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("t")
    ax.set_ylabel("gate value")
    ax.grid(True, color="0.9")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if title is not None:
        ax.set_title(title)
    return ax
