"""What every ipywidgets explorer of the course shares: the grading stand-in and the look of the controls.

A notebook's output area in JupyterLab is about 800-900 px wide. ipywidgets' defaults give every label 80 px
(longer labels are cut: "temperat…") and every slider 300 px, and a row of controls wider than the output area
gets a scroll bar. So every explorer builds its controls with ``control`` (labels as wide as their text, an
explicit width) and lays them out with ``controls`` (a row that wraps onto the next line when it does not fit).
"""

from __future__ import annotations

import functools
import os

import ipywidgets as widgets

LABEL_STYLE = {"description_width": "initial"}
"""Style of every control: the description takes the width its text needs, so it is never cut."""
CONTROL_WIDTH = "340px"
"""Width of a control, label and readout included: two fit side by side in a notebook's output area."""


def explorer(build):
    """Decorator for a function that builds an explorer widget.

    While nbgrader validates or autogrades a notebook (it sets NBGRADER_EXECUTION in the kernel's environment)
    the explorer is replaced by a one-line note: nobody can move its sliders there, and nbclient sometimes
    waits for a full cell timeout on a live Output widget (jupyter/nbclient#312), which slows grading.
    """

    @functools.wraps(build)
    def build_unless_grading(*args, **kwargs):
        if os.environ.get("NBGRADER_EXECUTION"):
            return widgets.HTML(f"<em>{build.__name__}: interactive explorer, not shown while grading</em>")
        return build(*args, **kwargs)

    return build_unless_grading


def control(kind, description: str, *, width: str | None = CONTROL_WIDTH, **options):
    """One control of an explorer: ``kind(description=..., **options)`` (an ipywidgets class such as FloatSlider,
    Dropdown or ToggleButtons) with the shared LABEL_STYLE and the given layout width (None: ipywidgets' own,
    e.g. for ToggleButtons, whose buttons set their width)."""
    layout = widgets.Layout() if width is None else widgets.Layout(width=width)
    return kind(description=description, style=dict(LABEL_STYLE), layout=layout, **options)


def controls(*children: widgets.Widget) -> widgets.HBox:
    """The controls of an explorer side by side, wrapping onto the next line where the output area is narrower."""
    return widgets.HBox(list(children), layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
