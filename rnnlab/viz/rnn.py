"""Plots for the vanilla RNN: the unrolled computation graph, the input-output architectures, hidden-state
heatmaps, 2-D embeddings, and how long a tanh RNN remembers (fading_memory and an explorer of hidden-state
trajectories that shows saturation and fading memory).

The plot functions draw on ``ax`` (a new figure when omitted) and return the Axes; they never call plt.show.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from rnnlab._validate import check_count, check_float, check_nonnegative, check_shapes
from rnnlab.init import orthogonal
from rnnlab.nn.rnn import rnn_forward
from rnnlab.viz._widgets import control, controls, explorer

_COLORS = {"x": "#f4c7c3", "h": "#c8e6c9", "y": "#bbdefb"}
_ROWS = {"x": 0.0, "h": 1.0, "y": 2.0}
ARCHITECTURES = {
    "one-to-one": ([1], [1], "one step\n(feed-forward net)"),
    "one-to-many": ([1, 0, 0, 0], [1, 1, 1, 1], "one input, a sequence out\n(generate a melody)"),
    "many-to-one": ([1, 1, 1, 1], [0, 0, 0, 1], "a sequence in, one output\n(sentiment of a sentence)"),
    "many-to-many": ([1, 1, 1, 1], [1, 1, 1, 1], "an output at every step\n(tag words, next character)"),
    "many-to-many, delayed": ([1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1], "read everything, then write\n(translation)"),
}
"""name -> (input at step t?, output at step t?, what it is used for), drawn by plot_architectures."""
EXPLORER_INPUTS = ("pulse", "step", "noise", "sine")


# ---------------------------------------------------------------------------------------------------
# Diagrams


def plot_unrolled(T: int = 4, *, ax=None):
    """The RNN drawn rolled up (one cell with a loop) and unrolled over T steps: inputs x_t, states h_0 .. h_T,
    outputs y_t, every arrow labelled with its (shared) weight matrix Wx, Wh or Wy. Returns the Axes."""
    check_count("T", T)
    ax = _axes(ax, figsize=(2 + 1.3 * T, 2.6))
    _box(ax, -2.2, "x", "$x_t$")
    _box(ax, -2.2, "h", "$h_t$")
    _box(ax, -2.2, "y", "$y_t$")
    _arrow(ax, (-2.2, 0.22), (-2.2, 0.78), "$W_x$")
    _arrow(ax, (-2.2, 1.22), (-2.2, 1.78), "$W_y$")
    _arrow(ax, (-1.93, 1.08), (-1.93, 0.92), "$W_h$", loop=True)
    ax.text(-1.05, 1.0, "=", ha="center", va="center", fontsize=20)
    _chain(ax, [1] * T, [1] * T, labels=True)
    ax.set_xlim(-2.7, T + 0.5)
    return ax


def plot_architectures(*, axes=None):
    """The five input-output patterns of ARCHITECTURES side by side (red: inputs, green: hidden states,
    blue: outputs). Returns the array of Axes."""
    widths = [len(inputs) + 1.4 for inputs, _, _ in ARCHITECTURES.values()]  # same scale in every panel
    if axes is None:
        _, axes = plt.subplots(1, len(ARCHITECTURES), figsize=(0.45 * sum(widths), 2.4), width_ratios=widths)
    axes = np.asarray(axes).ravel()
    if axes.size != len(ARCHITECTURES):
        raise ValueError(f"axes: expected {len(ARCHITECTURES)} Axes, got {axes.size}")
    for ax, (name, (inputs, outputs, use)) in zip(axes, ARCHITECTURES.items(), strict=True):
        _chain(ax, inputs, outputs, labels=False, fontsize=8)
        ax.set_xlim(-0.7, len(inputs) + 0.7)
        ax.set_ylim(-1.3, 2.4)
        ax.set_title(name, fontsize=10)
        ax.text(len(inputs) / 2, -0.6, use, ha="center", va="top", fontsize=8, color="0.3")
    return axes


def _chain(ax, inputs, outputs, *, labels: bool, fontsize: int = 11) -> None:
    """h_0 and one column per step t = 1..T with an input box and/or an output box where asked."""
    ax.set_axis_off()
    ax.set_ylim(-0.4, 2.4)
    ax.set_xlim(-0.5, len(inputs) + 0.5)
    _box(ax, 0, "h", "$h_0$", fontsize)
    for t, (has_x, has_y) in enumerate(zip(inputs, outputs, strict=True), start=1):
        _box(ax, t, "h", f"$h_{{{t}}}$", fontsize)
        _arrow(ax, (t - 0.72, 1.0), (t - 0.28, 1.0), "$W_h$" if labels else None)
        if has_x:
            _box(ax, t, "x", f"$x_{{{t}}}$", fontsize)
            _arrow(ax, (t, 0.22), (t, 0.78), "$W_x$" if labels else None)
        if has_y:
            _box(ax, t, "y", f"$y_{{{t}}}$", fontsize)
            _arrow(ax, (t, 1.22), (t, 1.78), "$W_y$" if labels else None)


def _box(ax, x: float, kind: str, text: str, fontsize: int = 11) -> None:
    ax.text(
        x, _ROWS[kind], text, ha="center", va="center", fontsize=fontsize,
        bbox={"boxstyle": "round,pad=0.35", "facecolor": _COLORS[kind], "edgecolor": "0.3"},
    )  # fmt: skip


def _arrow(ax, start, end, label: str | None, loop: bool = False) -> None:
    """An arrow from start to end with its label; loop: a rectangular loop out to the right and back."""
    style = "arc,angleA=0,angleB=0,armA=22,armB=22,rad=6" if loop else "arc3"
    ax.annotate(
        "", xy=end, xytext=start,
        arrowprops={"arrowstyle": "-|>", "color": "0.3", "connectionstyle": style, "shrinkA": 0, "shrinkB": 0},
    )  # fmt: skip
    if label is not None:
        dx, dy = end[0] - start[0], end[1] - start[1]
        if loop:  # label to the right of the loop
            at, ha, va = (start[0] + 0.45, (start[1] + end[1]) / 2), "left", "center"
        elif abs(dx) > abs(dy):  # horizontal arrow: label above it
            at, ha, va = ((start[0] + end[0]) / 2, start[1] + 0.08), "center", "bottom"
        else:  # vertical arrow: label to its right
            at, ha, va = (start[0] + 0.1, (start[1] + end[1]) / 2), "left", "center"
        ax.text(*at, label, ha=ha, va=va, fontsize=8, color="0.25")


# ---------------------------------------------------------------------------------------------------
# Hidden states and embeddings


def plot_hidden_states(h: np.ndarray, *, tokens=None, ax=None, title: str | None = None):
    """Heatmap of the hidden states of one sequence, h (T, H): time along x, one row per unit, red = +1,
    blue = -1. tokens: optional T labels for the time steps (e.g. the input characters). Returns the Axes."""
    dims = check_shapes(h=(h, "T H"))
    check_float(h=h)
    if tokens is not None and len(tokens) != dims["T"]:
        raise ValueError(f"tokens: expected one label per time step ({dims['T']}), got {len(tokens)}")
    ax = _axes(ax, figsize=(8, 3))
    image = ax.imshow(h.T, aspect="auto", cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    ax.set_xlabel("time step t")
    ax.set_ylabel("hidden unit")
    if tokens is not None:
        ax.set_xticks(np.arange(dims["T"]), [str(tok) for tok in tokens])
    if title is not None:
        ax.set_title(title)
    return ax


def plot_embedding(W: np.ndarray, labels, *, groups=None, ax=None, title: str | None = None):
    """Scatter a 2-D embedding W (V, 2), each point labelled with labels[v]; groups: optional V group names,
    one colour (and legend entry) per group. Returns the Axes."""
    dims = check_shapes(W=(W, "V 2"))
    check_float(W=W)
    V = dims["V"]
    if len(labels) != V:
        raise ValueError(f"labels: expected one label per row of W ({V}), got {len(labels)}")
    groups = np.array(["all"] * V if groups is None else list(groups))
    if groups.shape != (V,):
        raise ValueError(f"groups: expected one group name per row of W ({V}), got {groups.size}")
    ax = _axes(ax, figsize=(4, 4))
    for name in dict.fromkeys(groups):  # first-appearance order
        rows = groups == name
        ax.scatter(W[rows, 0], W[rows, 1], s=40, label=name)
    for (px, py), label in zip(W, labels, strict=True):
        ax.annotate(str(label), (px, py), textcoords="offset points", xytext=(4, 4), fontsize=10)
    if groups[0] != "all" or len(set(groups)) > 1:
        ax.legend(fontsize="small")
    ax.set_xlabel("dimension 0")
    ax.set_ylabel("dimension 1")
    if title is not None:
        ax.set_title(title)
    return ax


# ---------------------------------------------------------------------------------------------------
# Explorer


def explorer_input(kind: str, T: int, *, seed: int = 0) -> np.ndarray:
    """A 1-d input sequence (T,) for the explorer: "pulse" (1 at t = 0, then 0), "step" (always 1),
    "noise" (N(0, 1) from ``seed``) or "sine" (period 20)."""
    check_count("T", T)
    t = np.arange(T)
    makers = {
        "pulse": lambda: (t == 0).astype(np.float64),
        "step": lambda: np.ones(T),
        "noise": lambda: np.random.default_rng(seed).standard_normal(T),
        "sine": lambda: np.sin(2 * np.pi * t / 20),
    }
    if kind not in makers:
        raise ValueError(f"kind: expected one of {tuple(makers)}, got {kind!r}")
    return makers[kind]()


def fading_memory(x: np.ndarray, *, radius: float, scale: float, H: int = 8, seed: int = 0):
    """How long a tanh RNN remembers its first input.

    The RNN has D = 1 input, H units, Wh = radius * Q with Q a random orthogonal matrix (so the spectral
    radius of Wh is ``radius``), Wx = scale * (random (1, H)), b = 0 and h0 = 0; ``seed`` draws Q and Wx.
    It reads x and, separately, x with x[0] lowered by 1.

    Inputs: x (T,) float. Returns a tuple of:
    - h: the hidden states on x, of shape (T, H)
    - memory: ||h_t - h'_t|| for every t, of shape (T,), where h' are the states on the changed input
    """
    check_shapes(x=(x, "T"))
    check_float(x=x)
    check_nonnegative("radius", radius)
    check_nonnegative("scale", scale)
    check_count("H", H)
    rng = np.random.default_rng(seed)
    Q = orthogonal(H, H, rng=rng)
    Wx = scale * rng.standard_normal((1, H))
    x_changed = x.copy()
    x_changed[0] -= 1.0
    xs = np.stack([x, x_changed])[:, :, None]  # (2, T, 1): both runs as one batch
    h = rnn_forward(xs, np.zeros((2, H)), Wx, radius * Q, np.zeros(H))[0]
    return h[0], np.linalg.norm(h[0] - h[1], axis=1)


@explorer
def hidden_state_explorer(*, T: int = 60, H: int = 8, seed: int = 0):
    """Widget: the hidden states of the tanh RNN of ``fading_memory`` over T steps.

    Controls: the spectral radius of Wh, the scale of Wx and the input sequence (explorer_input).
    Left to right: the input x_t; every unit of h_t (title: the share of saturated values |h| > 0.95);
    the memory of the first input, ||h_t - h'_t|| (log scale).
    Returns an ipywidgets VBox (controls, then the plot output).
    """
    check_count("T", T, minimum=2)
    check_count("H", H)

    def render(radius: float, scale: float, kind: str) -> None:
        x = explorer_input(kind, T, seed=seed)
        h, memory = fading_memory(x, radius=radius, scale=scale, H=H, seed=seed)
        saturated = float(np.mean(np.abs(h) > 0.95))

        fig, axes = plt.subplots(1, 3, figsize=(11, 2.8), width_ratios=[2, 3, 3])
        axes[0].plot(x, color="0.3")
        axes[0].set_title("input $x_t$")
        axes[1].plot(h, lw=1.2)
        axes[1].set_ylim(-1.05, 1.05)
        axes[1].set_title(f"{H} units of $h_t$: {saturated:.0%} saturated (|h| > 0.95)")
        axes[2].semilogy(np.maximum(memory, 1e-16), color="tab:red")
        axes[2].set_ylim(1e-8, 10)
        axes[2].set_title(f"memory of the first input: {memory[-1]:.1e} at t = {T - 1}")
        for ax in axes:
            ax.set_xlabel("t")
        fig.tight_layout()
        plt.show()

    radius = control(widgets.FloatSlider, "radius of Wh", value=0.9, min=0.0, max=2.0, step=0.05)
    scale = control(widgets.FloatSlider, "scale of Wx", value=1.0, min=0.0, max=5.0, step=0.1)
    kind = control(widgets.Dropdown, "input", width="180px", options=EXPLORER_INPUTS, value="pulse")
    output = widgets.interactive_output(render, {"radius": radius, "scale": scale, "kind": kind})
    return widgets.VBox([controls(radius, scale, kind), output])


def _axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax
