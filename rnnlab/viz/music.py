"""The piano roll of a melody (notebook 09)."""

from __future__ import annotations

import numpy as np

from rnnlab.data.music import NOTE_NAMES, _check_melody
from rnnlab.viz.forecast import _axes


def plot_piano_roll(melody, *, ax=None, label: str | None = None):
    """Each note of ``melody`` (n_notes, 2) of (degree, eighths) as a bar: its pitch against time in quarter
    notes, bar lines every 4 quarters. Returns the Axes."""
    melody = _check_melody(melody)
    ax = _axes(ax)
    starts = np.concatenate([[0], np.cumsum(melody[:, 1])[:-1]]) / 2  # in quarter notes
    ax.barh(melody[:, 0], melody[:, 1] / 2, left=starts, height=0.8, color="tab:blue", edgecolor="white",
            label=label)
    end = melody[:, 1].sum() / 2
    for bar in np.arange(0, end + 1e-9, 4):
        ax.axvline(bar, color="0.8", lw=0.8, zorder=0)
    ax.set_yticks(range(len(NOTE_NAMES)), NOTE_NAMES)
    ax.set_ylim(-0.6, len(NOTE_NAMES) - 0.4)
    ax.set_xlim(0, max(end, 4))
    ax.set_xlabel("time (quarter notes)")
    return ax
