"""Pictures of vanishing and exploding gradients (notebook 05); the measurements live in rnnlab.analysis.

- plot_grad_norms(curves), plot_clipping(g, threshold): the pictures; gradient_explorer(): the sliders

The plot functions draw on ``ax`` (a new figure when omitted) and return the Axes; they never call plt.show.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from rnnlab._validate import check_count, check_float, check_positive, check_shapes
from rnnlab.analysis import ACTIVATIONS, activation_derivatives, cosine, grad_norms_through_time, random_rnn_problem
from rnnlab.optim import clip_grad_norm, clip_grad_value
from rnnlab.viz._widgets import control, controls, explorer

MAX_RADIUS = 3.0
"""The explorer's largest spectral radius. Up to about 2 a tanh RNN's gradient vanishes or barely changes; at 2.5 and 3
the explorer's tanh RNN explodes (the gradient reaching t = 0 grows by about 1e5 and 4e8 over 99 steps)."""


def plot_grad_norms(curves: dict[str, np.ndarray], *, ax=None, title: str | None = None):
    """Each probe curve norms (T,) against t on a log y scale, one line per entry of ``curves``.

    curves: {label: norms}, e.g. {"radius 0.9": grad_norms_through_time(...)}. Returns the Axes.
    """
    if not isinstance(curves, dict):
        raise ValueError(f"curves: expected a dict {{label: norms (T,)}}, got {type(curves).__name__}")
    ax = _axes(ax)
    for label, norms in curves.items():
        check_shapes(**{f"curves[{label!r}]": (norms, "T")})
        ax.semilogy(np.arange(norms.size), norms, lw=1.5, label=label)
    ax.set_xlabel("t (the unit gradient starts at the last step)")
    ax.set_ylabel(r"$\|\partial h_T / \partial h_t\|$")
    if curves:
        ax.legend(fontsize="small")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_clipping(g: np.ndarray, threshold: float, *, ax=None):
    """A 2-D gradient g (2,) and its two clipped versions at ``threshold``, as arrows from the origin.

    Clipping by norm (rnnlab.optim.clip_grad_norm) shrinks g onto the circle of radius ``threshold``;
    clipping by value (clip_grad_value) pushes it into the square [-threshold, threshold]^2. The legend gives
    each result and its cosine with g. Lines: circle, square, then arrows g, by norm, by value. Returns the Axes.
    """
    check_shapes(g=(g, "2"))
    check_float(g=g)
    check_positive("threshold", threshold)
    if not np.any(g):
        raise ValueError("g: expected a nonzero gradient, got (0, 0)")
    by_norm, by_value = g.astype(np.float64), g.astype(np.float64)
    clip_grad_norm([by_norm], threshold)
    clip_grad_value([by_value], threshold)
    ax = _axes(ax)
    angle = np.linspace(0, 2 * np.pi, 200)
    c = threshold
    ax.plot(c * np.cos(angle), c * np.sin(angle), color="tab:blue", ls=":", lw=1, label=f"norm = {c:g}")
    ax.plot([-c, c, c, -c, -c], [-c, -c, c, c, -c], color="tab:orange", ls=":", lw=1, label=f"|entry| = {c:g}")
    arrows = [
        (g, "0.3", f"g = ({g[0]:.2f}, {g[1]:.2f})"),
        (by_norm, "tab:blue", f"by norm ({by_norm[0]:.2f}, {by_norm[1]:.2f}), cos {cosine(g, by_norm):.3f}"),
        (by_value, "tab:orange", f"by value ({by_value[0]:.2f}, {by_value[1]:.2f}), cos {cosine(g, by_value):.3f}"),
    ]
    for vec, color, label in arrows:
        ax.annotate("", xy=tuple(vec), xytext=(0, 0), arrowprops={"arrowstyle": "->", "color": color, "lw": 2})
        ax.plot([0, vec[0]], [0, vec[1]], color=color, lw=0, label=label, marker="o", markevery=[1])
    reach = 1.15 * max(np.abs(g).max(), c)
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-reach, reach)
    ax.set_aspect("equal")
    ax.grid(True, color="0.9")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return ax


@explorer
def gradient_explorer(*, N: int = 8, D: int = 4, H: int = 64, max_T: int = 200, seed: int = 0):
    """Widget: spectral radius (up to MAX_RADIUS), activation, sequence length T and input scale; see the probe live.

    One random problem (random_rnn_problem with the given seed) is drawn once; the sliders rescale its Wh to
    the chosen radius and its inputs to the chosen scale. Left: grad_norms_through_time on a log scale with
    the linear prediction radius^(T-1-t) dashed. Right: a histogram of every factor f'(a_t).
    Returns an ipywidgets VBox (controls, then the plot output).
    """
    for name, value in (("N", N), ("D", D), ("H", H)):
        check_count(name, value)
    check_count("max_T", max_T, minimum=10)
    x_full, h0, Wx_unit, Wh_unit, b = random_rnn_problem(N, max_T, D, H, 1.0, rng=np.random.default_rng(seed))

    def render(radius: float, activation: str, T: int, input_scale: float) -> None:
        x = x_full[:, :T]
        args = (x, h0, Wx_unit * input_scale, Wh_unit * radius, b)
        norms = grad_norms_through_time(*args, activation=activation)
        derivative = activation_derivatives(*args, activation=activation)
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2), gridspec_kw={"width_ratios": [2, 1]})
        plot_grad_norms({f"{activation} RNN": norms}, ax=left)
        steps_back = T - 1 - np.arange(T)
        left.semilogy(np.arange(T), float(radius) ** steps_back, color="0.5", ls="--", lw=1, label="radius^(T-1-t)")
        left.legend(fontsize="small", loc="lower right")
        left.set_title(f"radius {radius:.2f}, {activation}, T = {T}: gradient reaching t = 0 is {norms[0]:.1e}")
        right.hist(derivative.ravel(), bins=np.linspace(0, 1, 21), color="tab:green")
        right.set_xlabel("f'(a_t) over all units and steps")
        right.set_title(f"mean f' = {derivative.mean():.2f}")
        fig.tight_layout()
        plt.show()

    radius = control(widgets.FloatSlider, "radius", value=1.0, min=0.1, max=MAX_RADIUS, step=0.05)
    activation = control(widgets.ToggleButtons, "activation", width=None, options=ACTIVATIONS, value="tanh")
    T = control(widgets.IntSlider, "T", value=min(100, max_T), min=10, max=max_T, step=10)
    input_scale = control(widgets.FloatSlider, "input scale", value=1.0, min=0.0, max=2.0, step=0.1)
    output = widgets.interactive_output(
        render, {"radius": radius, "activation": activation, "T": T, "input_scale": input_scale}
    )
    return widgets.VBox([controls(radius, T, input_scale), activation, output])


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    return ax
