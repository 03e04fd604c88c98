"""The notebook-10 checks pass correct answers and name the typical mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnlab.checks import attention_teaser as checks
from rnnlab.checks._common import CheckFailed
from rnnlab.nn.attention import AttentionCache
from rnnlab.nn.attention import masked_softmax as library_masked_softmax

# ---------------------------------------------------------------------------------------------------
# Correct answers written here, with switches for the classic bugs.


def masked_softmax(scores, mask, *, when="before", fill=-np.inf, invert=False, axis=-1, empty="zeros",
                   shift=True):
    if mask is None:
        mask = np.ones(scores.shape, bool)
    elif invert:
        mask = ~mask
    if when == "ignore":
        mask = np.ones(scores.shape, bool)
    masked = np.where(mask, scores, fill) if when != "after" else scores
    row_max = np.max(masked, axis=axis, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0) if shift else 0.0
    e = np.exp(masked - row_max)
    if when == "after":
        e = np.where(mask, e / e.sum(axis=axis, keepdims=True), 0.0)
        return e
    total = e.sum(axis=axis, keepdims=True)
    if empty == "zeros":
        return e / np.where(total > 0, total, 1.0)
    return e / total


def attention_forward(q, k, v, mask, *, scale="sqrt", use_mask=True):
    d = q.shape[-1]
    factor = {"sqrt": 1 / np.sqrt(d), "none": 1.0, "d": 1 / d}[scale]
    weights = library_masked_softmax(q @ k.transpose(0, 2, 1) * factor, mask if use_mask else None)
    return weights @ v, weights, AttentionCache(q, k, v, weights, 1 / np.sqrt(d))


def attention_backward(dout, cache, *, softmax_grad="full", scale=True):
    q, k, v, weights, factor = cache
    factor = factor if scale else 1.0
    dv = weights.transpose(0, 2, 1) @ dout
    dweights = dout @ v.transpose(0, 2, 1)
    if softmax_grad == "full":
        dscores = weights * (dweights - np.sum(weights * dweights, axis=-1, keepdims=True))
    else:
        dscores = weights * dweights
    return (dscores @ k) * factor, (dscores.transpose(0, 2, 1) @ q) * factor, dv


def _with(fn, **switches):
    def student(*args):
        return fn(*args, **switches)

    return student


def test_correct_answers_pass(capsys):
    with np.errstate(divide="raise", over="raise", invalid="raise"):  # a right answer warns of nothing
        checks.check_masked_softmax(masked_softmax)
    checks.check_attention_forward(attention_forward)
    checks.check_attention_backward(attention_backward)
    assert capsys.readouterr().out.count("✔") == 3


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"when": "ignore"}, "the mask changed nothing", "ignored_mask"),
    ({"invert": True}, "True means 'may attend'", "inverted_mask"),
    ({"when": "after"}, "after the softmax", "masked_after_softmax"),
    ({"axis": -2}, "over the queries", "wrong_softmax_axis"),
    ({"empty": "nan"}, "0 / 0 is NaN", "nan_on_empty_row"),
    ({"fill": -1e9}, "equal weights to every key", "finite_mask_fill"),
    ({"shift": False}, "overflowed", "unstable_softmax"),
])
def test_masked_softmax_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info, np.errstate(all="ignore"):
        checks.check_masked_softmax(_with(masked_softmax, **switches))
    assert info.value.key == key


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"scale": "none"}, "not scaled", "unscaled_scores"),
    ({"scale": "d"}, "divided the scores by d", "scaled_by_d"),
    ({"use_mask": False}, "the mask changed nothing", "ignored_mask"),
])
def test_attention_forward_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_attention_forward(_with(attention_forward, **switches))
    assert info.value.key == key


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"softmax_grad": "diagonal"}, "misses part of the softmax's gradient", "incomplete_softmax_grad"),
    ({"scale": False}, "dq misses the scale", "forgot_scale"),
])
def test_attention_backward_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_attention_backward(_with(attention_backward, **switches))
    assert info.value.key == key


def test_masked_softmax_names_a_missing_return():
    with pytest.raises(CheckFailed, match=re.escape("`weights` is None")) as info:
        checks.check_masked_softmax(lambda scores, mask: None)
    assert info.value.key == "returned_none"


def test_delegation_is_caught():
    from rnnlab.nn import attention

    with pytest.raises(CheckFailed, match="calls rnnlab's own `masked_softmax`") as info:
        checks.check_masked_softmax(lambda scores, mask: attention.masked_softmax(scores, mask))
    assert info.value.key == "delegates"
    with pytest.raises(CheckFailed, match="calls rnnlab's own `attention_forward`") as info:
        checks.check_attention_forward(lambda q, k, v, mask: attention.attention_forward(q, k, v, mask))
    assert info.value.key == "delegates"
    with pytest.raises(CheckFailed, match="calls rnnlab's own `attention_backward`") as info:
        checks.check_attention_backward(lambda dout, cache: attention.attention_backward(dout, cache))
    assert info.value.key == "delegates"


def test_the_problem_has_an_empty_row_and_otherwise_one_allowed_key_per_query():
    *_, mask = checks.problem(N=3, Tq=4, Tk=5, seed=9)
    assert not mask[0, 0].any()
    assert mask.any(axis=-1).sum() == 3 * 4 - 1
