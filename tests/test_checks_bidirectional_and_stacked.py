"""The notebook-08 checks pass correct answers and name the typical mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnlab.checks import bidirectional_and_stacked as checks
from rnnlab.checks._common import CheckFailed
from rnnlab.nn import bidirectional_backward as library_backward
from rnnlab.nn import bidirectional_forward as library_forward
from rnnlab.nn import rnn_backward, rnn_forward
from rnnlab.nn.bidirectional import BidirectionalCache

# ---------------------------------------------------------------------------------------------------
# Correct answers around rnnlab's RNN layer, with the reversal written here (not rnnlab's reverse_padded), and
# switches for the classic bugs.


def reverse(a, lengths, within=True):
    if lengths is None or not within:
        return a[:, ::-1].copy()
    out = a.copy()
    for n, L in enumerate(lengths):
        out[n, :L] = a[n, :L][::-1]
    return out


def padding(lengths, T):
    return np.zeros((0, T), bool) if lengths is None else np.arange(T)[None, :] >= np.asarray(lengths)[:, None]


def bidirectional_forward(x, h0_fwd, h0_bwd, params_fwd, params_bwd, lengths, *, within=True, back=True,
                          zero=True, swap=False, own_weights=True):
    h_fwd, cache_fwd = rnn_forward(x, h0_fwd, *params_fwd)
    h_rev, cache_bwd = rnn_forward(reverse(x, lengths, within), h0_bwd, *(params_bwd if own_weights else params_fwd))
    h_bwd = reverse(h_rev, lengths, within) if back else h_rev
    h = np.concatenate([h_bwd, h_fwd] if swap else [h_fwd, h_bwd], axis=2)
    N, T, H = h_fwd.shape
    if zero and lengths is not None:
        h[padding(lengths, T)] = 0
    return h, BidirectionalCache(cache_fwd, cache_bwd, "rnn", lengths, N, T, H)


def bidirectional_backward(dh, cache, *, zero=True, back=True, reverse_dh=True):
    H, lengths = cache.H, cache.lengths
    dh = dh.copy()
    if zero and lengths is not None:
        dh[padding(lengths, cache.T)] = 0
    dx_fwd, dh0_fwd, *dp_fwd = rnn_backward(np.ascontiguousarray(dh[:, :, :H]), cache.fwd)
    d_rev = reverse(dh[:, :, H:], lengths) if reverse_dh else np.ascontiguousarray(dh[:, :, H:])
    dx_rev, dh0_bwd, *dp_bwd = rnn_backward(d_rev, cache.bwd)
    dx = dx_fwd + (reverse(dx_rev, lengths) if back else dx_rev)
    return dx, dh0_fwd, dh0_bwd, tuple(dp_fwd), tuple(dp_bwd)


def stacked_forward(x, h0s, params, *, feed="below", top=True, own_h0=True):
    h, caches, outputs = x, [], []
    for layer, p in enumerate(params):
        h, cache = rnn_forward(x if feed == "x" else h, h0s[layer] if own_h0 else h0s[0], *p)
        caches.append(cache)
        outputs.append(h)
    return (outputs[-1] if top else outputs[0]), caches


def _with(fn, **switches):
    def student(*args):
        return fn(*args, **switches)

    return student


def test_correct_answers_pass(capsys):
    checks.check_bidirectional_forward(bidirectional_forward)
    checks.check_bidirectional_backward(bidirectional_backward)
    checks.check_stacked_forward(stacked_forward)
    assert capsys.readouterr().out.count("✔") == 3


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"within": False}, "starts on the padding", "reversed_ignoring_lengths"),
    ({"back": False}, "still in reversed order", "states_not_reversed_back"),
    ({"zero": False}, "not 0 on the padding", "padding_not_zeroed"),
    ({"swap": True}, "halves are swapped", "halves_swapped"),
    ({"own_weights": False}, "its own weights and initial state: params_bwd", "mixed_direction_params"),
])
def test_forward_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_bidirectional_forward(_with(bidirectional_forward, **switches))
    assert info.value.key == key


def test_forward_catches_delegation():
    def delegating(x, h0_fwd, h0_bwd, params_fwd, params_bwd, lengths):
        return library_forward(x, h0_fwd, h0_bwd, params_fwd, params_bwd, cell="rnn", lengths=lengths)

    with pytest.raises(CheckFailed, match="calls rnnlab's own `bidirectional_forward`") as info:
        checks.check_bidirectional_forward(delegating)
    assert info.value.key == "delegates"


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"zero": False}, "padding's dh reached the layers", "padding_grad_not_zeroed"),
    ({"back": False}, "reverse it back", "dx_not_reversed_back"),
    ({"reverse_dh": False}, "reverse dh[..., H:]", "dh_not_reversed"),
])
def test_backward_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_bidirectional_backward(_with(bidirectional_backward, **switches))
    assert info.value.key == key


def test_backward_names_a_reversal_over_all_steps():
    def over_all_steps(dh, cache):
        full = cache._replace(lengths=None)
        dx, *rest = bidirectional_backward(dh * ~padding(cache.lengths, cache.T)[:, :, None]
                                           if cache.lengths is not None else dh, full)
        return (dx, *rest)

    with pytest.raises(CheckFailed, match="within each length") as info:
        checks.check_bidirectional_backward(over_all_steps)
    assert info.value.key == "reversed_ignoring_lengths"


def test_backward_catches_delegation():
    with pytest.raises(CheckFailed, match="calls rnnlab's own `bidirectional_backward`") as info:
        checks.check_bidirectional_backward(library_backward)
    assert info.value.key == "delegates"


@pytest.mark.parametrize(("switches", "phrase", "key"), [
    ({"feed": "x"}, "top layer read x", "every_layer_reads_x"),
    ({"top": False}, "bottom layer's states", "returned_bottom_layer"),
    ({"own_h0": False}, "started from h0s[0]", "shared_h0"),
])
def test_stacked_names_the_mistake(switches, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_stacked_forward(_with(stacked_forward, **switches))
    assert info.value.key == key


def test_stacked_names_missing_caches():
    with pytest.raises(CheckFailed, match=re.escape("`caches` should be a list with one cache per layer")) as info:
        checks.check_stacked_forward(lambda x, h0s, params: (stacked_forward(x, h0s, params)[0], None))
    assert info.value.key == "wrong_caches"


def test_unanswered_exercise_says_so():
    def unanswered(*args):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="is not implemented yet") as info:
        checks.check_bidirectional_forward(unanswered)
    assert info.value.key == "not_implemented"
