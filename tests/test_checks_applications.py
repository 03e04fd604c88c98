"""The notebook-09 checks written so far pass correct answers and name the typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.checks import applications as checks
from rnnlab.train import sample_from_logits

# ---------------------------------------------------------------------------------------------------
# Correct answers written here, with switches for the classic bugs.


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def sample_with_temperature(logits, temperature, rng, *, where="before", source="rng"):
    if where == "before":
        p = softmax(logits / temperature)
    elif where == "after":
        p = softmax(logits) / temperature
        p = p / p.sum()
    else:
        p = softmax(logits * temperature)
    draw = {"rng": rng, "global": np.random, "fresh": np.random.default_rng(0)}[source]
    return int(draw.choice(len(p), p=p))


def many_to_one_forward(h, lengths, W, b, *, read="own end", bias=True):
    steps = {"own end": lengths - 1, "padded end": np.full(len(h), h.shape[1] - 1),
             "one late": np.minimum(lengths, h.shape[1] - 1)}[read]
    return h[np.arange(len(h)), steps] @ W + (b if bias else 0)


def many_to_one_backward(dscores, h, lengths, W, *, at="own end"):
    dh = np.zeros_like(h)
    steps = lengths - 1 if at == "own end" else np.full(len(h), h.shape[1] - 1)
    dh[np.arange(len(h)), steps] = dscores @ W.T
    last = h[np.arange(len(h)), lengths - 1]
    return dh, last.T @ dscores, dscores.sum(axis=0)


def _with(fn, **switches):
    def student(*args):
        return fn(*args, **switches)

    return student


def test_correct_answers_pass(capsys):
    checks.check_sample_with_temperature(sample_with_temperature)
    checks.check_many_to_one_forward(many_to_one_forward)
    checks.check_many_to_one_backward(many_to_one_backward)
    assert capsys.readouterr().out.count("✔") == 3


@pytest.mark.parametrize(("switches", "message"), [
    ({"where": "after"}, "BEFORE the softmax"),
    ({"where": "times"}, "do not multiply"),
    ({"source": "global"}, "never drew from the `rng`"),
    ({"source": "fresh"}, "never drew from the `rng`"),
])
def test_sampling_names_the_mistake(switches, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_sample_with_temperature(_with(sample_with_temperature, **switches))


def test_sampling_names_randomness_beside_the_rng():
    def mixed(logits, temperature, rng):
        rng.random()
        return int(np.random.choice(len(logits), p=softmax(logits / temperature)))  # noqa: NPY002 (the mistake)

    with pytest.raises(AssertionError, match="not also with np.random's global functions"):
        checks.check_sample_with_temperature(mixed)


def test_sampling_catches_delegation():
    def delegating(logits, temperature, rng):
        return int(sample_from_logits(logits, temperature, rng=rng))

    with pytest.raises(AssertionError, match="calls rnnlab's own `sample_from_logits`"):
        checks.check_sample_with_temperature(delegating)


@pytest.mark.parametrize(("switches", "message"), [
    ({"read": "padded end"}, "at step T - 1"),
    ({"read": "one late"}, "one step too late"),
    ({"bias": False}, "miss the bias"),
])
def test_many_to_one_forward_names_the_mistake(switches, message):
    with pytest.raises(AssertionError, match=message):
        checks.check_many_to_one_forward(_with(many_to_one_forward, **switches))


def test_many_to_one_backward_names_a_gradient_at_the_padded_end():
    with pytest.raises(AssertionError, match="reaches step T - 1"):
        checks.check_many_to_one_backward(_with(many_to_one_backward, at="padded end"))


def test_the_grader_can_withhold_the_answers(tmp_path):
    """Each withheld function can be stubbed in the student's copy of rnnlab (the notebook is not written yet,
    so tests/test_grading_withhold.py does not reach this module)."""
    from rnnlab.grading import withhold

    copy = withhold.write_copy(tmp_path / "rnnlab", checks.WITHHELD_WHILE_GRADING)
    assert "np.cumsum(p, axis=-1) < u" not in (copy / "train.py").read_text()
    assert "lengths - 1] = dout" not in (copy / "nn" / "padding.py").read_text()
