"""Where an attention model looked: its weights as a heatmap (notebook 10)."""

from __future__ import annotations

import numpy as np

from rnnlab.viz.forecast import _axes


def plot_attention(weights, source: str, output: str, *, ax=None):
    """The attention weights (len(output), len(source)) of one translation as a heatmap: a row per output
    character, a column per source character, darker where the decoder looked. Returns the Axes."""
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (len(output), len(source)):
        raise ValueError(f"weights: expected shape (len(output), len(source)) = ({len(output)}, {len(source)}), "
                         f"got {weights.shape}")
    ax = _axes(ax)
    ax.imshow(weights, cmap="Greys", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(source)), [ch if ch != " " else "␣" for ch in source])
    ax.set_yticks(range(len(output)), list(output))
    ax.set_xlabel("source character (English)")
    ax.set_ylabel("output character (Italian)")
    ax.tick_params(length=0)
    return ax
