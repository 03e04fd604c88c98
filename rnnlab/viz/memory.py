"""Plots for models with memory: a Gaussian belief against the truth, the casino's dice, and two explorers.

The plot functions draw on ``ax`` (a new figure when omitted) and return the Axes; they never call plt.show.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from rnnlab._validate import check_float, check_int, check_positive, check_shapes
from rnnlab.models.hmm import casino_hmm, hmm_forward
from rnnlab.models.lds import kalman_filter
from rnnlab.viz._widgets import control, controls, explorer
from rnnlab.viz.forecast import _axes


def plot_belief(truth, mean, sd, *, observations=None, ax=None, label: str = "filter"):
    """The true hidden values, optional observations (dots), and a belief: its mean and a band of +-2 sd.

    Inputs: truth, mean, sd and observations of shape (T,), plotted against t = 1 .. T. Lines: the truth, the
    observations (if given), then the mean; the band is a PolyCollection. Returns the Axes.
    """
    dims = check_shapes(truth=(truth, "T"), mean=(mean, "T"), sd=(sd, "T"))
    t = np.arange(1, dims["T"] + 1)
    ax = _axes(ax)
    ax.plot(t, truth, color="0.3", lw=1.5, label="true hidden state")
    if observations is not None:
        check_shapes(dims, observations=(observations, "T"))
        ax.plot(t, observations, ".", color="tab:orange", ms=3, label="observation")
    ax.plot(t, mean, color="tab:blue", lw=1.2, label=f"{label} mean")
    ax.fill_between(t, mean - 2 * sd, mean + 2 * sd, color="tab:blue", alpha=0.2, lw=0, label=f"{label} ±2 sd")
    ax.set_xlabel("t")
    ax.legend(loc="upper left", fontsize="small", ncol=2)
    return ax


def plot_casino(states, obs, curves=None, *, ax=None):
    """The casino's hidden die (grey where loaded), the sixes rolled (ticks), and curves of P(loaded).

    Inputs: states (T,) with 1 = loaded, obs (T,) with 5 = a six, curves {name: (T,) probabilities}, drawn
    against t = 0 .. T-1 in dict order (the first line is the sixes' ticks). The legend sits to the right of
    the Axes. Returns the Axes.
    """
    dims = check_shapes(states=(states, "T"), obs=(obs, "T"))
    check_int(states=states, obs=obs)
    t = np.arange(dims["T"])
    ax = _axes(ax)
    ax.fill_between(t, 0, 1, where=states == 1, step="mid", color="0.85", lw=0, label="loaded die in use")
    sixes = t[obs == 5]
    ax.plot(sixes, np.full(sixes.size, -0.06), "|", color="tab:red", ms=6, label="a six")
    for name, p in (curves or {}).items():
        check_shapes(dims, **{f"curves[{name!r}]": (p, "T")})
        ax.plot(t, p, lw=1.2, label=name)
    ax.set_ylim(-0.12, 1.05)
    ax.set_xlabel("roll t")
    ax.set_ylabel("P(loaded)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return ax


@explorer
def kalman_explorer(z, x, *, q_true: float, r_true: float):
    """Widget: the noise variances q and r the Kalman filter assumes, against a 1-d random walk seen in noise.

    The data follow z_t = z_{t-1} + w_t, w_t ~ N(0, q_true), x_t = z_t + v_t, v_t ~ N(0, r_true). The filter
    starts from N(x_1, r) and uses the slider values instead of the true ones; the title gives the RMSE of
    its mean against the truth, the RMSE of the raw observations and the gain K of the last step. Each slider
    is logarithmic, from 1/100 of its true value to 10 times it (ends rounded out to powers of 10), in steps of
    LOG_SLIDER_STEP decades.
    Inputs: z (T, 1), x (T, 1) float. Returns an ipywidgets VBox (controls, then the plot output).
    """
    check_shapes(z=(z, "T 1"), x=(x, "T 1"))
    check_float(z=z, x=x)
    check_positive("q_true", q_true)
    check_positive("r_true", r_true)
    one = np.ones((1, 1))
    raw_rmse = float(np.sqrt(np.mean((x - z) ** 2)))

    def render(q: float, r: float) -> None:
        mu, P = kalman_filter(x, one, one, q * one, r * one, x[0], r * one)
        sd = np.sqrt(P[:, 0, 0])
        gain = P[-1, 0, 0] / r  # K = P_pred / (P_pred + r) and P = (1 - K) P_pred, so K = P / r
        rmse = float(np.sqrt(np.mean((mu - z) ** 2)))
        fig, ax = plt.subplots(figsize=(8, 3.5))
        plot_belief(z[:, 0], mu[:, 0], sd, observations=x[:, 0], ax=ax)
        ax.set_title(f"filter RMSE {rmse:.3f} (observations alone {raw_rmse:.3f}), gain K = {gain:.2f}")
        plt.show()

    q = _log_slider("filter's q", q_true)
    r = _log_slider("filter's r", r_true)
    output = widgets.interactive_output(render, {"q": q, "r": r})
    return widgets.VBox([controls(q, r), output])


LOG_SLIDER_STEP = 0.02
"""Step of the Kalman explorer's log sliders, in decades: a factor 10^0.02 = 1.047 per step. A slider 420 px wide
spans 3 decades (4 when the true value is not a power of 10) with about 90 px per decade."""


def _log_slider(description: str, true_value: float) -> widgets.FloatLogSlider:
    """A log slider from true_value / 100 to true_value * 10, ends rounded out to powers of 10."""
    low = int(np.floor(np.log10(true_value))) - 2
    high = int(np.ceil(np.log10(true_value))) + 1
    return control(
        widgets.FloatLogSlider, description, width="420px", value=true_value, min=low, max=high,
        step=LOG_SLIDER_STEP, readout_format=".3g", continuous_update=False,
    )  # fmt: skip


@explorer
def stickiness_explorer(states, obs):
    """Widget: how sticky the casino filter believes the dice are, against rolls with known dice.

    The filter runs hmm_forward on ``casino_hmm(stay, stay)`` for the slider's stay probability; the plot
    shows its P(loaded) over the true dice, the title the share of rolls where P(loaded) > 1/2 names the
    right die. Inputs: states (T,), obs (T,) integer arrays. Returns an ipywidgets VBox.
    """
    check_shapes(states=(states, "T"), obs=(obs, "T"))
    check_int(states=states, obs=obs)

    def render(stay: float) -> None:
        p_loaded = hmm_forward(*casino_hmm(stay, stay), obs)[1][:, 1]
        accuracy = np.mean((p_loaded > 0.5) == (states == 1))
        fig, ax = plt.subplots(figsize=(8, 3))
        plot_casino(states, obs, {"filtered P(loaded)": p_loaded}, ax=ax)
        ax.set_title(f"assumed stay probability {stay:.3f}: {accuracy:.0%} of rolls assigned the right die")
        plt.show()

    stay = control(
        widgets.FloatSlider, "stay", width="420px", value=0.9, min=0.5, max=0.995, step=0.005,
        readout_format=".3f", continuous_update=False,
    )  # fmt: skip
    output = widgets.interactive_output(render, {"stay": stay})
    return widgets.VBox([controls(stay), output])
