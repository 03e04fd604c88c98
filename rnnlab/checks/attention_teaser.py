"""Checks for notebook 10_attention_teaser: masked_softmax, attention_forward and attention_backward::

    from rnnlab.checks import attention_teaser as checks
    checks.check_masked_softmax(masked_softmax)
    checks.check_attention_forward(attention_forward)
    checks.check_attention_backward(attention_backward)

Masks follow PyTorch's boolean convention, True = may attend; a query whose keys are all masked attends to nothing
(weights all 0, output 0). The backward pass is compared with numerical gradients, not with rnnlab's own.
"""

from __future__ import annotations

import math

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
from rnnlab.gradcheck import numerical_gradient
from rnnlab.models import seq2seq as _seq2seq
from rnnlab.nn import attention as _attention
from rnnlab.nn.activations import softmax

# What the grader withholds from the student's kernel and answers outside it, seeing every call
# (rnnlab.grading.withhold): the library's answers, and what calls them in a loop, whole (greedy decoding calls
# attention at every step, with all the encoder's states; training at every step), so that the steps do not each
# cross the wire.
WITHHELD_WHILE_GRADING = (_attention.masked_softmax, _attention.attention_forward, _attention.attention_backward,
                          _seq2seq.greedy_decode, _train.train_seq2seq)

_SOFTMAX_CALL = "masked_softmax(scores, mask)"
_FORWARD_CALL = "attention_forward(q, k, v, mask)"
_BACKWARD_CALL = "attention_backward(dout, cache)"


def problem(N: int = 2, Tq: int = 3, Tk: int = 4, d: int = 3, dv: int = 2, seed: int = 0, empty_row: bool = True):
    """q (N, Tq, d), k (N, Tk, d), v (N, Tk, dv) and a boolean mask (N, Tq, Tk), True = may attend: random, every
    query allowed at least one key, except (with ``empty_row``) query 0 of sequence 0, which may attend to none."""
    rng = np.random.default_rng(seed)
    q, k, v = rng.standard_normal((N, Tq, d)), rng.standard_normal((N, Tk, d)), rng.standard_normal((N, Tk, dv))
    mask = rng.random((N, Tq, Tk)) < 0.6
    mask[np.arange(N)[:, None], np.arange(Tq)[None, :], rng.integers(0, Tk, (N, Tq))] = True
    if empty_row:
        mask[0, 0] = False
    return q, k, v, mask


# ---------------------------------------------------------------------------------------------------
# Exercise 1: masked_softmax


def check_masked_softmax(masked_softmax) -> None:
    """masked_softmax(scores, mask) -> weights: softmax over the last axis among the entries where mask is True,
    exactly 0 elsewhere; all 0 on a row with no allowed entry; mask None allows everything."""
    __tracebackhide__ = True
    rng = np.random.default_rng(1)
    scores = rng.standard_normal((2, 3, 4))
    got = _weights(assert_not_delegating(masked_softmax, _attention.masked_softmax, scores.copy(), None),
                   scores.shape)
    if is_close(got, softmax(scores, axis=-2)):
        fail("your weights sum to 1 over the queries (axis -2): the softmax runs over the keys, the last axis",
             key="wrong_softmax_axis")
    expect_close("weights", got, softmax(scores, axis=-1), hint="with mask None every key is allowed: the ordinary "
                 "softmax over the last axis (the keys)", key="wrong_weights")

    _, _, _, mask = problem(N=2, Tq=3, Tk=4, seed=2, empty_row=False)
    right = _attention.masked_softmax(scores, mask)
    got = _weights(call_student(masked_softmax, _SOFTMAX_CALL, scores.copy(), mask.copy()), scores.shape)
    if not is_close(got, right):
        if is_close(got, softmax(scores, axis=-1)):
            fail("the masked keys got weight: the mask changed nothing. Give the masked scores -inf (np.where(mask, "
                 "scores, -np.inf)) before the softmax, so that their weights are exactly 0", key="ignored_mask")
        if is_close(got, _attention.masked_softmax(scores, ~mask)):
            fail("your weights go to the keys where the mask is False: True means 'may attend' (PyTorch's "
                 "boolean convention)", key="inverted_mask")
        if is_close(got, np.where(mask, softmax(scores, axis=-1), 0.0)):
            fail("you set the masked weights to 0 after the softmax, so the allowed ones no longer sum to 1: mask "
                 "the scores before the softmax (or divide by the new row sums)", key="masked_after_softmax")
        expect_close("weights", got, right, hint="each row: softmax of its allowed scores, 0 on the masked keys",
                     key="wrong_masked_weights")

    empty = mask.copy()
    empty[1, 2] = False  # query 2 of sequence 1 may attend to nothing
    with np.errstate(all="ignore"):
        got = _weights(call_student(masked_softmax, _SOFTMAX_CALL, scores.copy(), empty.copy()), scores.shape,
                       finite=False)
    row = got[1, 2]
    if not np.isfinite(row).all():
        fail(f"a row whose keys are all masked gave {row.tolist()}: every exp is exp(-inf) = 0 and 0 / 0 is NaN. "
             "Define that row as all 0 (it attends to nothing): e.g. divide by the row sum only where it is > 0",
             key="nan_on_empty_row")
    if is_close(row, np.full_like(row, 1 / len(row))):
        fail("a row whose keys are all masked gave equal weights to every key (from a large negative number in "
             "place of -inf): it must attend to nothing, weights all 0", key="finite_mask_fill")
    expect_close("weights", got, _attention.masked_softmax(scores, empty),
                 hint="a row whose keys are all masked is all 0; the other rows as before", key="wrong_empty_row")

    big = np.array([[[1000.0, 999.0, -1000.0]]])
    with np.errstate(all="ignore"):
        got = _weights(call_student(masked_softmax, _SOFTMAX_CALL, big.copy(), np.ones_like(big, bool)), big.shape,
                       finite=False)
    if not np.isfinite(got).all():
        fail("scores of 1000 overflowed (exp(1000) is inf): subtract each row's largest allowed score before exp",
             key="unstable_softmax")
    expect_close("weights", got, softmax(big, axis=-1), hint="scores of 1000: subtract each row's maximum first",
                 key="unstable_softmax")

    padded_keys = np.array([[True, True, False, False]])[:, None, :].repeat(2, axis=0)  # (N, 1, Tk) broadcasts
    got = _weights(call_student(masked_softmax, _SOFTMAX_CALL, scores.copy(), padded_keys.copy()), scores.shape)
    expect_close("weights", got, _attention.masked_softmax(scores, padded_keys),
                 hint="a mask of shape (N, 1, Tk) (the same keys for every query) must broadcast against the scores",
                 key="mask_not_broadcast")
    passed("masked_softmax: softmax over the allowed keys, 0 on masked ones and on rows with none allowed")


def _weights(got, shape, finite: bool = True) -> np.ndarray:
    """The student's weights as a float array of the expected shape (NaN and inf allowed unless ``finite``)."""
    __tracebackhide__ = True
    if got is None:
        fail("`weights` is None: did you forget a `return` statement?", key="returned_none")
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None:
        fail(f"`weights` should be a numpy array of numbers, got {type(got).__name__}", key="not_numeric")
    if arr.shape != tuple(shape):
        fail(f"`weights` has shape {arr.shape} but should be {tuple(shape)}, the shape of the scores",
             key="wrong_shape")
    if finite and not np.isfinite(arr).all():
        fail("the weights contain NaN or inf: a row with every key masked must give 0s, and exp must not overflow "
             "(subtract each row's largest allowed score first)", key="nan_or_inf")
    return arr


# ---------------------------------------------------------------------------------------------------
# Exercise 2: attention_forward


def check_attention_forward(attention_forward) -> None:
    """attention_forward(q, k, v, mask) -> (out, weights, cache): scores q k^T / sqrt(d), masked softmax over the
    keys, out = weights @ v; the cache is rnnlab's AttentionCache(q, k, v, weights, scale)."""
    __tracebackhide__ = True
    q, k, v, mask = problem(seed=3)
    result = assert_not_delegating(attention_forward, _attention.attention_forward, q.copy(), k.copy(), v.copy(),
                                   mask.copy())
    out, weights, _ = expect_tuple(_FORWARD_CALL, result, ("out", "weights", "cache"))
    N, Tq, d = q.shape
    expect_shape("weights", weights, (N, Tq, k.shape[1]), hint="one weight per (query, key) pair: (N, Tq, Tk)")
    expect_shape("out", out, (N, Tq, v.shape[2]), hint="one mixture of the values per query: (N, Tq, dv)")
    right_out, right_weights, _ = _attention.attention_forward(q, k, v, mask)
    weights = as_array("weights", weights)
    if not is_close(weights, right_weights):
        scores = q @ k.transpose(0, 2, 1)
        if is_close(weights, _attention.masked_softmax(scores, mask)):
            fail(f"your scores are not scaled: divide q @ k^T by sqrt(d) = sqrt({d}) (d = the size of a query)",
                 key="unscaled_scores")
        if is_close(weights, _attention.masked_softmax(scores / d, mask)):
            fail(f"you divided the scores by d = {d}: divide by sqrt(d)", key="scaled_by_d")
        if is_close(weights, _attention.masked_softmax(scores / math.sqrt(d), None)):
            fail("the mask changed nothing: pass it to the masked softmax, so masked keys get weight 0",
                 key="ignored_mask")
        expect_close("weights", weights, right_weights, hint="weights = masked_softmax(q @ k^T / sqrt(d), mask), "
                     "with k^T = k.transpose(0, 2, 1)", key="wrong_weights")
    expect_close("out", out, right_out, hint="out = weights @ v: each query's weighted average of the values (0 for "
                 "a query with no allowed key)", key="wrong_out")

    small = problem(N=1, Tq=2, Tk=5, d=4, dv=3, seed=4)
    out, weights, _ = expect_tuple(_FORWARD_CALL, call_student(attention_forward, _FORWARD_CALL,
                                                               *(a.copy() for a in small)), ("out", "weights", "cache"))
    expect_close("out", out, _attention.attention_forward(*small)[0],
                 hint="right for N=2, Tq=3, Tk=4, d=3 but not for N=1, Tq=2, Tk=5, d=4: take the sizes from the arrays",
                 key="hard_coded_sizes")
    passed("attention_forward: scaled scores, masked softmax over the keys, a weighted average of the values")


# ---------------------------------------------------------------------------------------------------
# Exercise 3: attention_backward


def check_attention_backward(attention_backward) -> None:
    """attention_backward(dout, cache) -> (dq, dk, dv), compared with numerical gradients of sum(out * dout)."""
    __tracebackhide__ = True
    q, k, v, mask = problem(seed=5)
    _, _, cache = _attention.attention_forward(q, k, v, mask)
    dout = np.random.default_rng(6).standard_normal((q.shape[0], q.shape[1], v.shape[2]))
    result = assert_not_delegating(attention_backward, _attention.attention_backward, dout.copy(), cache)
    grads = expect_tuple(_BACKWARD_CALL, result, ("dq", "dk", "dv"))
    for name, got, like in zip(("dq", "dk", "dv"), grads, (q, k, v), strict=True):
        expect_shape(name, got, like.shape, hint="a gradient has the shape of its variable")
    dq, dk, dv = (as_array(n, g) for n, g in zip(("dq", "dk", "dv"), grads, strict=True))

    def numeric(index):
        arrays = [q.copy(), k.copy(), v.copy()]

        def loss(_):
            return float(np.sum(_attention.attention_forward(*arrays, mask)[0] * dout))

        return numerical_gradient(loss, arrays[index])

    right_dq, right_dk, right_dv = (numeric(i) for i in range(3))
    weights, scale = cache.weights, cache.scale
    expect_close("dv", dv, right_dv, hint="dv = weights^T @ dout (weights.transpose(0, 2, 1) @ dout)", key="wrong_dv",
                 atol=1e-6)
    if not is_close(dq, right_dq, atol=1e-6):
        dweights = dout @ v.transpose(0, 2, 1)
        if is_close(dq, (weights * dweights) @ k * scale, atol=1e-6):
            fail("dq misses part of the softmax's gradient: dscores = weights * (dweights - (weights * dweights)"
                 ".sum(axis=-1, keepdims=True)), since every weight of a row depends on every score of the row",
                 key="incomplete_softmax_grad")
        if is_close(dq, right_dq / scale, atol=1e-6):
            fail("dq misses the scale: the scores were q @ k^T * scale, so dq = (dscores @ k) * scale",
                 key="forgot_scale")
        expect_close("dq", dq, right_dq, hint="dq = (dscores @ k) * scale, with dscores the softmax's gradient",
                     key="wrong_dq", atol=1e-6)
    if not is_close(dk, right_dk, atol=1e-6):
        if is_close(dk, right_dk / scale, atol=1e-6):
            fail("dk misses the scale: dk = (dscores^T @ q) * scale", key="forgot_scale")
        expect_close("dk", dk, right_dk, hint="dk = (dscores^T @ q) * scale, dscores^T = dscores.transpose(0, 2, 1)",
                     key="wrong_dk", atol=1e-6)
    passed("attention_backward: dq, dk and dv match numerical gradients, with a mask and an empty row")


def references():
    """The trusted references of notebook 10's hidden tests (see ``_common.references``)."""
    return _references(masked_softmax=_attention.masked_softmax, attention_forward=_attention.attention_forward,
                       attention_backward=_attention.attention_backward, problem=problem, softmax=softmax,
                       isnan=np.isnan, any=np.any)
