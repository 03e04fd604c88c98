"""What every ipywidgets explorer of the course shares."""

from __future__ import annotations

import functools
import os

import ipywidgets as widgets


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
