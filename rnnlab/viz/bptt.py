"""Backpropagation through time made visible: where the gradient goes, and where truncation stops it.

- state_gradients(dh, cache, k): the total gradient dL/dh_t on every hidden state, with optional truncation
- gradient_reach(cache, k): how strongly the loss at step t reaches back to the state at step s, a (T, T) map
- plot_gradient_reach, plot_per_step, plot_loss_curves: the pictures; truncation_explorer(): the sliders
- temperature_explorer(model, idx_to_char): a trained language model's next-character distribution and samples

The plot functions draw on ``ax`` (a new figure when omitted) and return the Axes; they never call plt.show.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from rnnlab._validate import check_count, check_float, check_shapes
from rnnlab.data.text import decode, encode
from rnnlab.init import recurrent_weights
from rnnlab.nn.activations import softmax
from rnnlab.nn.rnn import RNNCache, RNNStepCache, rnn_forward, rnn_step_backward
from rnnlab.train import sample
from rnnlab.viz._widgets import control, controls, explorer

SIGNALS = ("every step", "last step")


def state_gradients(dh: np.ndarray, cache: RNNCache, k: int | None = None) -> np.ndarray:
    """The total gradient of the loss on every hidden state h_t, as BPTT computes it.

    At step t it is dh[:, t] (what the loss sends straight into h_t) plus what comes back from step t + 1.
    With truncation length k (chunks [0, k), [k, 2k), ...) nothing comes back across a chunk boundary.

    Inputs:
    - dh: upstream gradients of all hidden states, of shape (N, T, H)
    - cache: RNNCache from rnnlab.nn.rnn_forward
    - k: truncation length, or None for full BPTT

    Returns the total gradients, of shape (N, T, H).
    """
    x, h0, Wx, Wh, h, activation = cache
    check_shapes(dh=(dh, " ".join(map(str, h.shape))))
    check_float(dh=dh)
    if k is not None:
        check_count("k", k)
    total = np.empty(dh.shape, dtype=np.result_type(dh, h))
    carried = np.zeros_like(h0)
    for t in reversed(range(h.shape[1])):
        total[:, t] = dh[:, t] + carried
        step = RNNStepCache(x[:, t], h0 if t == 0 else h[:, t - 1], Wx, Wh, h[:, t], activation)
        carried = rnn_step_backward(total[:, t], step)[1]
        if k is not None and t % k == 0:  # step t starts a chunk: the gradient stops here
            carried = np.zeros_like(carried)
    return total


def gradient_reach(cache: RNNCache, k: int | None = None) -> np.ndarray:
    """reach[t, s] = ||dL_t / dh_s|| averaged over the batch, where L_t = sum over units of h_t / sqrt(H) is a
    loss at step t alone. Zero for s > t (the future) and, with truncation length k, for s in an earlier chunk.

    Inputs: cache (RNNCache from rnn_forward), k (None: full BPTT). Returns an array of shape (T, T).
    """
    N, T, H = cache.h.shape
    reach = np.zeros((T, T))
    for t in range(T):
        dh = np.zeros((N, T, H))
        dh[:, t] = 1.0 / np.sqrt(H)
        reach[t] = np.linalg.norm(state_gradients(dh, cache, k), axis=2).mean(axis=0)
    return reach


def plot_gradient_reach(reach: np.ndarray, *, k: int | None = None, rows=None, ax=None, vmin=None, vmax=None):
    """The map reach (T, T) from gradient_reach as an image on a log colour scale: row t is the loss at step t,
    column s the hidden state h_s; zeros (no gradient) stay white. ``rows``: the loss steps to show (default
    all); k: draw the chunk boundaries. Returns the Axes."""
    check_shapes(reach=(reach, "T T"))
    T = reach.shape[0]
    shown = np.zeros_like(reach)
    rows = range(T) if rows is None else rows
    for t in rows:
        shown[t] = reach[t]
    ax = _axes(ax, (4.5, 4))
    positive = shown[shown > 0]
    image = np.ma.masked_less_equal(shown, 0)
    with np.errstate(divide="ignore"):
        log_image = np.ma.log10(image)
    low = vmin if vmin is not None else (np.log10(positive.min()) if positive.size else -1)
    high = vmax if vmax is not None else (np.log10(positive.max()) if positive.size else 0)
    im = ax.imshow(log_image, cmap="viridis", vmin=low, vmax=high, origin="upper", interpolation="nearest")
    ax.figure.colorbar(im, ax=ax, label=r"$\log_{10} \|\partial L_t / \partial h_s\|$", shrink=0.85)
    if k is not None:
        for start in range(k, T, k):
            ax.axvline(start - 0.5, color="tab:red", lw=1)
            ax.axhline(start - 0.5, color="tab:red", lw=1)
    ticks = np.arange(0, T, max(1, T // 10))
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.set_xlabel("hidden state $h_s$, step s")
    ax.set_ylabel("loss at step t")
    return ax


def plot_per_step(values: dict[str, np.ndarray], *, ax=None, ylabel: str = "", log: bool = False):
    """Grouped bars, one group per time step and one bar per entry of ``values`` ({label: array (T,)}).

    Returns the Axes."""
    if not isinstance(values, dict) or not values:
        raise ValueError(f"values: expected a non-empty dict {{label: array (T,)}}, got {values!r}")
    dims: dict[str, int] = {}
    for label, v in values.items():
        check_shapes(dims, **{f"values[{label!r}]": (np.asarray(v), "T")})
    ax = _axes(ax, (8, 3))
    T, width = dims["T"], 0.8 / len(values)
    for i, (label, v) in enumerate(values.items()):
        ax.bar(np.arange(T) + (i - (len(values) - 1) / 2) * width, v, width=width, label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xticks(np.arange(T))
    ax.set_xlabel("time step t")
    ax.set_ylabel(ylabel)
    if len(values) > 1:
        ax.legend(fontsize="small")
    return ax


def plot_loss_curves(curves: dict[str, tuple[np.ndarray, np.ndarray]], *, ax=None, ylabel: str = "loss",
                     floor: float | None = None):
    """One line per entry of ``curves`` ({label: (steps, values)}), and a dashed line at ``floor`` (the best
    possible loss) when given. Returns the Axes."""
    if not isinstance(curves, dict) or not curves:
        raise ValueError(f"curves: expected a non-empty dict {{label: (steps, values)}}, got {curves!r}")
    ax = _axes(ax, (8, 3))
    for label, (steps, curve) in curves.items():
        dims = check_shapes(**{f"curves[{label!r}] steps": (np.asarray(steps), "S")})
        check_shapes(dims, **{f"curves[{label!r}] values": (np.asarray(curve), "S")})
        ax.plot(steps, curve, lw=1.5, label=label)
    if floor is not None:
        ax.axhline(floor, color="0.4", ls="--", lw=1, label="best possible")
    ax.set_xlabel("update")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    return ax


@explorer
def truncation_explorer(*, T: int = 20, H: int = 16, N: int = 8, seed: int = 0):
    """Widget: truncation length k and teaching signal; see which past states still receive gradient.

    A random tanh RNN (orthogonal Wh, random inputs drawn from ``seed``) is run once. Left: gradient_reach
    with truncation k, for the losses of the chosen signal (every step, or the last step only); the colour
    scale is the one of full BPTT. Right: the total gradient on each state, full BPTT (grey) and truncated (orange).
    Returns an ipywidgets VBox (controls, then the plot output).
    """
    for name, value in (("T", T), ("H", H), ("N", N)):
        check_count(name, value)
    rng = np.random.default_rng(seed)
    D = 4
    Wx, Wh, b = recurrent_weights(D, H, "rnn", rng=rng)
    _, cache = rnn_forward(rng.standard_normal((N, T, D)), np.zeros((N, H)), Wx, Wh, b)
    full = gradient_reach(cache)
    scale = np.log10(full[full > 0].min()), np.log10(full.max())

    def render(k: int, signal: str) -> None:
        reach = gradient_reach(cache, k)
        rows = range(T) if signal == "every step" else [T - 1]
        dh = np.zeros((N, T, H))
        dh[:, list(rows)] = 1.0 / np.sqrt(H)
        full_norms = np.linalg.norm(state_gradients(dh, cache), axis=2).mean(axis=0)
        cut_norms = np.linalg.norm(state_gradients(dh, cache, k), axis=2).mean(axis=0)
        pairs = sum(t + 1 for t in rows)
        kept = int(sum(np.count_nonzero(reach[t]) for t in rows))
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1, 1.3]})
        plot_gradient_reach(reach, k=k, rows=rows, ax=left, vmin=scale[0], vmax=scale[1])
        left.set_title(f"k = {k}: {kept} of {pairs} (loss, state) pairs get gradient", fontsize="medium")
        right.bar(np.arange(T), full_norms, color="0.8", label="full BPTT")
        right.bar(np.arange(T), np.where(cut_norms > 0, cut_norms, np.nan), width=0.5, color="tab:orange",
                  label=f"truncated, k = {k}")
        right.set_yscale("log")
        right.set_ylabel(r"$\|\partial L / \partial h_s\|$")
        right.legend(fontsize="small", loc="upper left")
        right.set_xlabel("hidden state $h_s$, step s")
        right.set_title(f"loss at {signal}: total gradient on each state", fontsize="medium")
        fig.tight_layout()
        plt.show()

    k = control(widgets.IntSlider, "k", value=min(5, T), min=1, max=T)
    signal = control(widgets.ToggleButtons, "loss at", width=None, options=SIGNALS, value="every step")
    output = widgets.interactive_output(render, {"k": k, "signal": signal})
    return widgets.VBox([controls(k, signal), output])


@explorer
def temperature_explorer(model, idx_to_char: list[str], *, prompt: str = "\n", n: int = 120, seed: int = 0):
    """Widget: a temperature slider and a prompt for a trained character-level language model.

    The plot shows the probabilities of the next character after the prompt, softmax(logits / temperature);
    below it, n characters sampled after the prompt at that temperature (rnnlab.train.sample, seeded with
    ``seed``, so the same settings give the same text).
    Inputs: model with forward(x (1, T) ints, state) -> logits (1, T, V) and final_state (e.g.
    rnnlab.modules.LanguageModel); idx_to_char: list of V characters, id -> character.
    Returns an ipywidgets VBox (controls, then the plot output).
    """
    if not isinstance(idx_to_char, list) or not all(isinstance(c, str) and len(c) == 1 for c in idx_to_char):
        raise ValueError(f"idx_to_char: expected a list of single characters, got {idx_to_char!r:.60}")
    check_count("n", n)
    char_to_idx = {c: i for i, c in enumerate(idx_to_char)}
    labels = [repr(c)[1:-1] for c in idx_to_char]  # a newline shows as \n

    def render(temperature: float, prompt: str) -> None:
        if not prompt or set(prompt) - set(char_to_idx):
            print(f"type a prompt made of these characters: {''.join(labels)}")
            return
        ids = encode(prompt, char_to_idx)
        probs = softmax(model.forward(ids[None, :], None)[0, -1] / temperature)
        text = decode(sample(model, ids, n, temperature=temperature, rng=np.random.default_rng(seed)), idx_to_char)
        top = int(np.argmax(probs))
        fig, ax = plt.subplots(figsize=(8, 2.6))
        ax.bar(np.arange(len(labels)), probs, color="tab:blue")
        ax.set_xticks(np.arange(len(labels)), labels)
        ax.set_ylim(0, 1)
        ax.set_ylabel("probability")
        ax.set_title(f"after {prompt!r} at temperature {temperature:.1f}: '{labels[top]}' with p = {probs[top]:.2f}")
        plt.show()
        print(prompt + text)

    temperature = control(widgets.FloatSlider, "temperature", value=1.0, min=0.1, max=2.0, step=0.1)
    prompt_box = control(widgets.Text, "prompt", value=prompt, continuous_update=False)
    output = widgets.interactive_output(render, {"temperature": temperature, "prompt": prompt_box})
    return widgets.VBox([controls(temperature, prompt_box), output])


def _axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax
