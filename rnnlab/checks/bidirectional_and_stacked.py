"""Checks for notebook 08_bidirectional_and_stacked: bidirectional_forward, bidirectional_backward and
stacked_forward, each built from rnnlab's vanilla RNN layer (rnn_forward / rnn_backward)::

    from rnnlab.checks import bidirectional_and_stacked as checks
    checks.check_bidirectional_forward(bidirectional_forward)

Padded batches: sequence n is x[n, :lengths[n]]; the checks fill the padding with random numbers, so reading it
changes the result. The cache is rnnlab's BidirectionalCache(fwd, bwd, cell, lengths, N, T, H).
"""

from __future__ import annotations

import numpy as np

from rnnlab import train as _train
from rnnlab.checks._common import (
    as_array,
    assert_not_delegating,
    call_student,
    expect_close,
    expect_shape,
    expect_tuple,
    fail,
    is_close,
    passed,
)
from rnnlab.checks._common import references as _references
from rnnlab.nn import bidirectional as _bi
from rnnlab.nn.rnn import rnn_backward, rnn_forward

# What the grader withholds from the student's kernel and answers outside it, seeing every call
# (rnnlab.grading.withhold): the library's answers (stacked layers with one bidirectional layer compute a
# bidirectional one) and the demos' training runs.
WITHHELD_WHILE_GRADING = (_bi.bidirectional_forward, _bi.bidirectional_backward, _bi.stacked_forward,
                          _bi.stacked_backward, _train.train_tagger)

_FORWARD_CALL = "bidirectional_forward(x, h0_fwd, h0_bwd, params_fwd, params_bwd, lengths)"
_BACKWARD_CALL = "bidirectional_backward(dh, cache)"
_BACKWARD_NAMES = ("dx", "dh0_fwd", "dh0_bwd", "dparams_fwd", "dparams_bwd")
_PARAM_NAMES = ("dWx", "dWh", "db")


def problem(N: int = 3, T: int = 5, D: int = 2, H: int = 4, seed: int = 0, padded: bool = True):
    """x (N, T, D), h0_fwd, h0_bwd (N, H), params_fwd, params_bwd ((Wx, Wh, b) each) and lengths (N,) (None when
    not padded): the padding holds random numbers, the longest sequence fills all T steps."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D))
    h0_fwd, h0_bwd = 0.5 * rng.standard_normal((N, H)), 0.5 * rng.standard_normal((N, H))
    params_fwd, params_bwd = ((0.7 * rng.standard_normal((D, H)), 0.5 * rng.standard_normal((H, H)),
                               0.3 * rng.standard_normal(H)) for _ in range(2))
    lengths = None
    if padded:
        lengths = np.concatenate([[T], rng.integers(1, T, N - 1)]) if N > 1 else np.array([T])
    return x, h0_fwd, h0_bwd, params_fwd, params_bwd, lengths


def _right(x, h0_fwd, h0_bwd, params_fwd, params_bwd, lengths):
    return _bi.bidirectional_forward(x, h0_fwd, h0_bwd, params_fwd, params_bwd, cell="rnn", lengths=lengths)


# ---------------------------------------------------------------------------------------------------
# Exercise 1: bidirectional_forward.


def check_bidirectional_forward(bidirectional_forward) -> None:
    """bidirectional_forward(x, h0_fwd, h0_bwd, params_fwd, params_bwd, lengths) -> (h, cache)."""
    __tracebackhide__ = True
    # Full sequences first: the directions and the reversal, without padding.
    args = problem(padded=False)
    x, h0_fwd, h0_bwd, params_fwd, params_bwd, _ = args
    H = h0_fwd.shape[1]
    h = _forward(bidirectional_forward, args, first=True)
    h_fwd = rnn_forward(x, h0_fwd, *params_fwd)[0]
    h_rev = rnn_forward(x[:, ::-1], h0_bwd, *params_bwd)[0]  # position t has read x[T-1-t:]
    if is_close(h[..., :H], h_rev[:, ::-1]) and is_close(h[..., H:], h_fwd):
        fail("the two halves are swapped: h = concatenate([h_fwd, h_bwd], axis=2), the forward direction first",
             key="halves_swapped")
    if not is_close(h[..., :H], h_fwd):
        if is_close(h[..., :H], rnn_forward(x, h0_fwd, *params_bwd)[0]) or is_close(
                h[..., :H], rnn_forward(x, h0_bwd, *params_fwd)[0]):
            fail("the forward direction must use its own weights and initial state: params_fwd and h0_fwd",
                 key="mixed_direction_params")
        expect_close("h[..., :H]", h[..., :H], h_fwd,
                     hint="the first H features are rnn_forward(x, h0_fwd, *params_fwd)'s hidden states",
                     key="wrong_h_fwd")
    if is_close(h[..., H:], h_rev):
        fail("the backward direction's states are still in reversed order: position t of its output has read "
             "x[:, T-1-t:]; reverse them back so that h[:, t, H:] belongs to position t",
             key="states_not_reversed_back")
    if is_close(h[..., H:], rnn_forward(x, h0_bwd, *params_bwd)[0]):
        fail("the second layer read x forwards: it must read the sequence backwards, from its last step",
             key="input_not_reversed")
    if is_close(h[..., H:], rnn_forward(x[:, ::-1], h0_bwd, *params_fwd)[0][:, ::-1]) or is_close(
            h[..., H:], rnn_forward(x[:, ::-1], h0_fwd, *params_bwd)[0][:, ::-1]):
        fail("the backward direction must use its own weights and initial state: params_bwd and h0_bwd",
             key="mixed_direction_params")
    expect_close("h[..., H:]", h[..., H:], h_rev[:, ::-1],
                 hint="the second H features: run the layer on the reversed sequence, then reverse its states back",
                 key="wrong_h_bwd")

    # Padded sequences: each must be reversed within its own length, and the padding's outputs are 0.
    args = problem(seed=1)
    x, h0_fwd, h0_bwd, params_fwd, params_bwd, lengths = args
    h = _forward(bidirectional_forward, args)
    right = _right(*args)[0]
    real = (np.arange(x.shape[1]) < lengths[:, None])[:, :, None]
    where = f"lengths = {lengths.tolist()}"
    if not is_close(h, right) and is_close(np.where(real, h, 0), right):
        fail(f"right on the sequences' own steps, but not 0 on the padding ({where}): set h to 0 at every "
             "position t >= lengths[n], so that the padding's values can reach nothing", key="padding_not_zeroed")
    full = rnn_forward(x[:, ::-1], h0_bwd, *params_bwd)[0][:, ::-1]
    if not is_close(h, right) and is_close(np.where(real, h[..., H:], 0), np.where(real, full, 0)):
        fail(f"the backward direction starts on the padding ({where}): sequence n must be read from its own last "
             "step x[n, lengths[n] - 1]; reverse within the lengths, rnnlab.nn.reverse_padded(x, lengths), and "
             "the same again for the states", key="reversed_ignoring_lengths")
    expect_close("h", h, right, hint=f"with padding ({where}): reverse each sequence within its length "
                 "(rnnlab.nn.reverse_padded) before the second layer and after it, and set h to 0 on the padding",
                 key="wrong_h_padded")

    sizes = "right for N=3, T=5, D=2, H=4 but not for N=1, T=2, D=3, H=1: take the sizes from the arrays"
    small = problem(N=1, T=2, D=3, H=1, seed=2)
    h = _forward(bidirectional_forward, small, sizes=sizes)
    expect_close("h", h, _right(*small)[0], hint=sizes, key="hard_coded_sizes")
    passed("bidirectional_forward: both directions, reversed within each length and back, padding at 0")


def _forward(bidirectional_forward, args, first=False, sizes=""):
    """Call the student's function on copies; check the returned tuple and the shape; return h."""
    __tracebackhide__ = True
    x, h0_fwd, h0_bwd, params_fwd, params_bwd, lengths = args
    copies = (x.copy(), h0_fwd.copy(), h0_bwd.copy(), tuple(p.copy() for p in params_fwd),
              tuple(p.copy() for p in params_bwd), None if lengths is None else lengths.copy())
    if first:
        result = assert_not_delegating(bidirectional_forward, (_bi.bidirectional_forward, _bi.stacked_forward),
                                       *copies)
    else:
        result = call_student(bidirectional_forward, _FORWARD_CALL, *copies)
    h, _ = expect_tuple(_FORWARD_CALL, result, ("h", "cache"))
    N, T, _ = x.shape
    if sizes:  # the shape was right for the first problem's sizes
        expect_shape("h", h, (N, T, 2 * h0_fwd.shape[1]), hint=sizes, key="hard_coded_sizes")
    else:
        expect_shape("h", h, (N, T, 2 * h0_fwd.shape[1]), hint="h holds both directions side by side: (N, T, 2H)")
    if not np.array_equal(copies[0], x):
        fail("your function changed its input `x` in place: compute new arrays instead", key="mutated_input")
    return as_array("h", h)


# ---------------------------------------------------------------------------------------------------
# Exercise 2: bidirectional_backward.


def check_bidirectional_backward(bidirectional_backward) -> None:
    """bidirectional_backward(dh, cache) -> (dx, dh0_fwd, dh0_bwd, dparams_fwd, dparams_bwd)."""
    __tracebackhide__ = True
    for case, seed in (("full sequences", 10), ("padded sequences", 11)):
        args = problem(seed=seed, padded=case == "padded sequences")
        _, cache = _right(*args)
        dh = np.random.default_rng(seed + 100).standard_normal((*args[0].shape[:2], 2 * args[1].shape[1]))
        if case == "full sequences":
            result = assert_not_delegating(bidirectional_backward,
                                           (_bi.bidirectional_backward, _bi.stacked_backward), dh.copy(), cache)
        else:
            result = call_student(bidirectional_backward, _BACKWARD_CALL, dh.copy(), cache)
        got = _flatten(expect_tuple(_BACKWARD_CALL, result, _BACKWARD_NAMES))
        right = _flatten(_bi.bidirectional_backward(dh, cache))
        for name, value in got.items():
            expect_shape(name, value, right[name].shape, hint="a gradient has the shape of its variable")
        wrong = [n for n in right if not is_close(got[n], right[n])]
        if not wrong:
            continue
        lengths = cache.lengths
        where = f" (lengths = {lengths.tolist()})" if lengths is not None else ""
        if wrong == ["dx"] and is_close(got["dx"], _variant(dh, cache, reverse_dx_back=False)["dx"]):
            fail("`dx` is wrong: the second layer's dx is in the reversed order of time; reverse it back before "
                 "adding it to the forward direction's dx", key="dx_not_reversed_back")
        if all(is_close(got[n], v) for n, v in _variant(dh, cache, reverse_dh=False).items() if n in wrong):
            fail("the second layer's gradients are wrong: its outputs were reversed back in the forward pass, so "
                 "reverse dh[..., H:] before passing it to rnn_backward", key="dh_not_reversed")
        if lengths is not None:
            if all(is_close(got[n], v) for n, v in _variant(dh, cache, zero_padding=False).items()):
                fail(f"the padding's dh reached the layers{where}: the outputs there were set to 0, constants, so "
                     "set dh to 0 at every position t >= lengths[n] first", key="padding_grad_not_zeroed")
            if all(is_close(got[n], v) for n, v in _variant(dh, cache, within_lengths=False).items()):
                fail(f"reversed over all T steps instead of within each length{where}: use "
                     "rnnlab.nn.reverse_padded(..., cache.lengths) for dh and for dx, as in the forward pass",
                     key="reversed_ignoring_lengths")
        fine = [n for n in right if n not in wrong]
        fail(f"with {case}{where}: {', '.join(wrong)} wrong" + (f" ({', '.join(fine)} right)" if fine else "")
             + ": call rnn_backward once per direction with that direction's part of dh (reversed for the "
               "second), then add the two dx (the second reversed back)", key="wrong_grads")
    passed("bidirectional_backward: both directions' gradients, reversed back, none from the padding")


def _flatten(grads) -> dict:
    """{"dx": ..., "dh0_fwd": ..., "dh0_bwd": ..., "dWx_fwd": ..., ..., "db_bwd": ...} from the returned tuple."""
    __tracebackhide__ = True
    dx, dh0_fwd, dh0_bwd, dparams_fwd, dparams_bwd = grads
    out = {"dx": dx, "dh0_fwd": dh0_fwd, "dh0_bwd": dh0_bwd}
    for direction, dparams in (("fwd", dparams_fwd), ("bwd", dparams_bwd)):
        for name, g in zip(_PARAM_NAMES, expect_tuple(f"dparams_{direction}", dparams, _PARAM_NAMES), strict=True):
            out[f"{name}_{direction}"] = g
    return out


def _variant(dh, cache, *, reverse_dx_back=True, reverse_dh=True, zero_padding=True, within_lengths=True) -> dict:
    """The gradients with one step of the backward pass left out (to name a student's mistake)."""
    H, lengths = cache.H, cache.lengths
    reverse = (lambda a: _bi.reverse_padded(a, lengths)) if within_lengths else (lambda a: a[:, ::-1].copy())
    if zero_padding:
        dh = _bi.zero_padding(dh, lengths)
    dx_fwd, dh0_fwd, *dp_fwd = rnn_backward(np.ascontiguousarray(dh[..., :H]), cache.fwd)
    d_rev = reverse(dh[..., H:]) if reverse_dh else np.ascontiguousarray(dh[..., H:])
    dx_rev, dh0_bwd, *dp_bwd = rnn_backward(d_rev, cache.bwd)
    dx = dx_fwd + (reverse(dx_rev) if reverse_dx_back else dx_rev)
    return _flatten((dx, dh0_fwd, dh0_bwd, tuple(dp_fwd), tuple(dp_bwd)))


# ---------------------------------------------------------------------------------------------------
# Exercise 3: stacked_forward.


def stacked_problem(N: int, T: int, sizes: tuple[int, ...], seed: int):
    """x (N, T, sizes[0]), h0s (one (N, H_l) per layer) and params (one (Wx, Wh, b) per layer) of a stack whose
    layer l has sizes[l + 1] units."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, sizes[0]))
    h0s = [0.5 * rng.standard_normal((N, H)) for H in sizes[1:]]
    params = [(0.8 * rng.standard_normal((D, H)), 0.5 * rng.standard_normal((H, H)), 0.3 * rng.standard_normal(H))
              for D, H in zip(sizes[:-1], sizes[1:], strict=True)]
    return x, h0s, params


def check_stacked_forward(stacked_forward) -> None:
    """stacked_forward(x, h0s, params) -> (h, caches): layer l + 1 reads layer l's hidden states."""
    __tracebackhide__ = True
    call = "stacked_forward(x, h0s, params)"
    # Every layer the size of the input, so that a stack which feeds x to every layer still runs.
    x, h0s, params = stacked_problem(N=2, T=4, sizes=(3, 3, 3, 3), seed=20)
    h = _stacked(stacked_forward, call, x, h0s, params, first=True)
    layers = [rnn_forward(x, h0, *p)[0] for h0, p in zip(h0s, params, strict=True)]  # each layer reading x
    if is_close(h, layers[-1]):
        fail("the top layer read x: layer l + 1 must read the hidden states of layer l, not the input",
             key="every_layer_reads_x")
    if is_close(h, layers[0]):
        fail("h is the bottom layer's states: return the states of the top (last) layer", key="returned_bottom_layer")
    right = _bi.stacked_forward(x, h0s, params, cell="rnn")[0]
    shared = _bi.stacked_forward(x, [h0s[0]] * 3, params, cell="rnn")[0]
    if is_close(h, shared):
        fail("every layer started from h0s[0]: layer l starts from its own initial state h0s[l]", key="shared_h0")
    expect_close("h", h, right, hint="h = x; then for every layer l: h = rnn_forward(h, h0s[l], *params[l])[0]",
                 key="wrong_h")

    sizes = ("right for 3 layers of 3 units but not for 2 inputs, 4 then 5 units: take each layer's sizes from its "
             "arrays")
    x, h0s, params = stacked_problem(N=3, T=2, sizes=(2, 4, 5), seed=21)
    h = _stacked(stacked_forward, call, x, h0s, params, sizes=sizes)
    expect_close("h", h, _bi.stacked_forward(x, h0s, params, cell="rnn")[0], hint=sizes, key="hard_coded_sizes")
    passed("stacked_forward: each layer reads the one below, from its own initial state; h is the top layer's")


def _stacked(stacked_forward, call, x, h0s, params, first=False, sizes=""):
    __tracebackhide__ = True
    copies = (x.copy(), [h0.copy() for h0 in h0s], [tuple(p.copy() for p in layer) for layer in params])
    if first:
        result = assert_not_delegating(stacked_forward, _bi.stacked_forward, *copies)
    else:
        result = call_student(stacked_forward, call, *copies)
    h, caches = expect_tuple(call, result, ("h", "caches"))
    if sizes:  # the shape was right for the first problem's sizes
        expect_shape("h", h, (*x.shape[:2], h0s[-1].shape[1]), hint=sizes, key="hard_coded_sizes")
    else:
        expect_shape("h", h, (*x.shape[:2], h0s[-1].shape[1]), hint="h has the top layer's size H")
    if not isinstance(caches, list | tuple) or len(caches) != len(params):
        fail(f"`caches` should be a list with one cache per layer ({len(params)}), got "
             f"{type(caches).__name__}" + (f" of {len(caches)}" if isinstance(caches, list | tuple) else ""),
             key="wrong_caches")
    return as_array("h", h)


def references():
    """The trusted references of notebook 08's hidden tests (see ``_common.references``)."""
    return _references(
        bidirectional_forward=_bi.bidirectional_forward, bidirectional_backward=_bi.bidirectional_backward,
        stacked_forward=_bi.stacked_forward, stacked_backward=_bi.stacked_backward, problem=problem,
        stacked_problem=stacked_problem,
    )
