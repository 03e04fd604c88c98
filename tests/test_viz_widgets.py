"""Every explorer's controls are readable in a JupyterLab output area (about 800-900 px wide): labels are never
cut, no control is wider than the area, rows wrap instead of scrolling, and sliders move in usable steps."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest

from rnnlab.models import casino_hmm, sample_hmm, simulate_lds
from rnnlab.modules import LanguageModel
from rnnlab.viz import (
    ar_order_explorer,
    forget_bias_explorer,
    gradient_explorer,
    hidden_state_explorer,
    kalman_explorer,
    stickiness_explorer,
    temperature_explorer,
    truncation_explorer,
)

OUTPUT_AREA_PX = 800  # the narrow end of a JupyterLab output area at the default window width
# ipywidgets 8's CSS: a label is cut at --jp-widgets-inline-label-width (80 px) unless its description_width is
# set; a slider's readout takes at least --jp-widgets-inline-width-tiny (72 px); margins and the handle about 30 px.
READOUT_PX, SLIDER_MARGINS_PX, CHAR_PX = 72, 30, 8  # CHAR_PX: a generous width per character of a 13 px label


def random_walk():
    one = np.eye(1)
    return simulate_lds(one, one, 0.1 * one, one, np.zeros(1), 40, rng=np.random.default_rng(1))


def build(name):
    """Build one explorer of the course with small inputs."""
    if name == "ar_order_explorer":
        return ar_order_explorer(np.sin(np.arange(200) / 5.0))
    if name == "kalman_explorer":
        return kalman_explorer(*random_walk(), q_true=0.1, r_true=1.0)
    if name == "stickiness_explorer":
        return stickiness_explorer(*sample_hmm(*casino_hmm(), 60, rng=np.random.default_rng(0)))
    if name == "hidden_state_explorer":
        return hidden_state_explorer(T=10, H=4)
    if name == "truncation_explorer":
        return truncation_explorer(T=6, H=4, N=2)
    if name == "temperature_explorer":
        model = LanguageModel(3, 2, 4, cell="rnn", rng=np.random.default_rng(0))
        return temperature_explorer(model, ["\n", "a", "b"], prompt="a", n=5)
    if name == "gradient_explorer":
        return gradient_explorer(N=2, H=8, max_T=20)
    if name == "forget_bias_explorer":
        return forget_bias_explorer(max_T=20, H=4)
    raise AssertionError(name)


EXPLORERS = [
    "ar_order_explorer",
    "kalman_explorer",
    "stickiness_explorer",
    "hidden_state_explorer",
    "truncation_explorer",
    "temperature_explorer",
    "gradient_explorer",
    "forget_bias_explorer",
]


def descendants(widget):
    stack, found = [widget], []
    while stack:
        w = stack.pop()
        found.append(w)
        stack.extend(getattr(w, "children", ()))
    return found


def controls_of(explorer):
    return [w for w in descendants(explorer) if isinstance(w, widgets.ValueWidget) and w.description]


def px(width: str) -> int:
    assert width.endswith("px"), f"expected a width in px, got {width!r}"
    return int(width[:-2])


def test_every_explorer_of_the_package_is_checked_here():
    import rnnlab.viz

    assert sorted(name for name in rnnlab.viz.__dict__ if name.endswith("_explorer")) == sorted(EXPLORERS)


@pytest.mark.parametrize("name", EXPLORERS)
def test_labels_are_never_cut_and_controls_fit_the_output_area(name):
    explorer = build(name)
    found = controls_of(explorer)
    assert found, f"{name}: no controls found"
    for control in found:
        what = f"{name}: control {control.description!r}"
        # ipywidgets' default cuts every label at 80 px ("temperat…"); 'initial' gives it the width of its text
        assert control.style.description_width == "initial", what
        if isinstance(control, widgets.ToggleButtons):
            continue  # its width is that of its buttons
        width = px(control.layout.width)
        assert width <= OUTPUT_AREA_PX, f"{what}: {width} px does not fit the output area"
        if isinstance(control, (widgets.FloatSlider, widgets.IntSlider, widgets.FloatLogSlider)):
            track = width - CHAR_PX * len(control.description) - READOUT_PX - SLIDER_MARGINS_PX
            # ipywidgets' default slider (300 px, 80 px label) leaves 118 px
            assert track >= 120, f"{what}: a slider track of about {track} px is too short to set values"
    # rows of controls wrap onto the next line instead of growing a horizontal scroll bar
    rows = [w for w in descendants(explorer) if isinstance(w, widgets.HBox)]
    assert rows, f"{name}: the controls should sit in a row"
    for row in rows:
        assert row.layout.flex_flow == "row wrap", f"{name}: a row of controls that does not wrap"


def test_kalman_sliders_span_three_decades_around_the_truth_in_fine_steps():
    explorer = build("kalman_explorer")
    sliders = {s.description: s for s in controls_of(explorer) if isinstance(s, widgets.FloatLogSlider)}
    assert set(sliders) == {"filter's q", "filter's r"}
    for slider, truth in [(sliders["filter's q"], 0.1), (sliders["filter's r"], 1.0)]:
        assert slider.value == truth
        assert slider.base**slider.min == pytest.approx(truth / 100)
        assert slider.base**slider.max == pytest.approx(truth * 10)
        assert slider.step <= 0.02  # decades per step: a factor of at most 1.047
        decades = slider.max - slider.min
        track = px(slider.layout.width) - CHAR_PX * len(slider.description) - READOUT_PX - SLIDER_MARGINS_PX
        # the old slider put 5 decades on 118 px: 24 px per decade, 0.1 -> 100 in a 90 px drag
        assert track / decades >= 75, f"{slider.description}: only {track / decades:.0f} px per decade"
        # the true value and the round values a student tries lie exactly on the slider's grid
        for value in (truth / 100, truth / 10, truth, truth * 10):
            steps = (np.log10(value) - slider.min) / slider.step
            assert steps == pytest.approx(round(steps), abs=1e-9)


def test_kalman_sliders_round_their_range_out_to_powers_of_ten():
    walk = random_walk()
    explorer = kalman_explorer(*walk, q_true=0.3, r_true=20.0)
    sliders = {s.description: s for s in controls_of(explorer) if isinstance(s, widgets.FloatLogSlider)}
    assert (sliders["filter's q"].min, sliders["filter's q"].max) == (-3, 1)  # 0.003 .. 3 rounded out
    assert (sliders["filter's r"].min, sliders["filter's r"].max) == (-1, 3)  # 0.2 .. 200 rounded out
    assert sliders["filter's q"].value == pytest.approx(0.3) and sliders["filter's r"].value == pytest.approx(20.0)
