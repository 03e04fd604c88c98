"""Checks for notebook 09_applications (written so far: sampling with temperature, the many-to-one head)::

    from rnnlab.checks import applications as checks
    checks.check_sample_with_temperature(sample_with_temperature)
    checks.check_many_to_one_forward(many_to_one_forward)
    checks.check_many_to_one_backward(many_to_one_backward)
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
from rnnlab.nn import padding as _padding
from rnnlab.nn.activations import softmax

# What the grader withholds from the student's kernel and answers outside it, seeing every call
# (rnnlab.grading.withhold): rnnlab's answers to these exercises and what computes them too.
WITHHELD_WHILE_GRADING = (_train.sample_from_logits, _train.sample, _padding.last_state_forward,
                          _padding.last_state_backward)

_SAMPLE_CALL = "sample_with_temperature(logits, temperature, rng)"
_FORWARD_CALL = "many_to_one_forward(h, lengths, W, b)"
_BACKWARD_CALL = "many_to_one_backward(dscores, h, lengths, W)"
_DRAWS = 600  # per temperature: enough to tell the distributions apart, few enough for the grader's wire


# ---------------------------------------------------------------------------------------------------
# Sampling with temperature.


def check_sample_with_temperature(sample_with_temperature) -> None:
    """sample_with_temperature(logits, temperature, rng) -> one index drawn from softmax(logits / temperature)."""
    __tracebackhide__ = True
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    first = _draw(sample_with_temperature, logits, 1.0, np.random.default_rng(0), first=True)
    if not isinstance(first, int | np.integer) or not 0 <= first < len(logits):
        fail(f"`{_SAMPLE_CALL}` should return one index in 0 .. {len(logits) - 1}, got {first!r}")

    rng = np.random.default_rng(1)
    before = rng.bit_generator.state
    a = [_draw(sample_with_temperature, logits, 1.0, rng) for _ in range(20)]
    if rng.bit_generator.state == before:
        fail("your function never drew from the `rng` it was given (np.random's global functions and a generator "
             "made inside the function don't count): draw with it, e.g. rng.choice(V, p=p), so that the same seed "
             "gives the same samples")
    again = np.random.default_rng(1)
    if [_draw(sample_with_temperature, logits, 1.0, again) for _ in range(20)] != a:
        fail("two generators with the same seed gave different samples: draw only with the `rng` you are given, "
             "not also with np.random's global functions")

    for temperature in (0.5, 2.0):
        rng = np.random.default_rng(2)
        counts = np.bincount([_draw(sample_with_temperature, logits, temperature, rng) for _ in range(_DRAWS)],
                             minlength=len(logits)) / _DRAWS
        right = softmax(logits / temperature)

        def near(p, counts=counts):
            return 0.5 * np.abs(counts - p).sum() < 0.07

        if near(right):
            continue
        if near(softmax(logits)):
            fail(f"at temperature {temperature} your samples follow softmax(logits), as if the temperature did "
                 "nothing: divide the logits by the temperature BEFORE the softmax (applied to the probabilities "
                 "and renormalised, dividing changes nothing)")
        if near(softmax(logits * temperature)):
            fail(f"at temperature {temperature} your samples follow softmax(logits * temperature): divide by the "
                 "temperature, do not multiply")
        fail(f"at temperature {temperature} your samples do not follow softmax(logits / temperature): frequencies "
             f"{np.round(counts, 2).tolist()}, expected about {np.round(right, 2).tolist()}")
    passed("sample_with_temperature: draws from softmax(logits / T) with the rng it is given")


def _draw(sample_with_temperature, logits, temperature, rng, first=False):
    __tracebackhide__ = True
    if first:
        return assert_not_delegating(sample_with_temperature, _train.sample_from_logits, logits.copy(),
                                     temperature, rng)
    return call_student(sample_with_temperature, _SAMPLE_CALL, logits.copy(), temperature, rng)


# ---------------------------------------------------------------------------------------------------
# The many-to-one head: scores from each sequence's state at its own last step.


def head_problem(N: int = 3, T: int = 5, H: int = 4, K: int = 2, seed: int = 0):
    """h (N, T, H) with random padding, lengths (N,) (the first sequence fills T), W (H, K), b (K,)."""
    rng = np.random.default_rng(seed)
    lengths = np.concatenate([[T], rng.integers(1, T, N - 1)]) if N > 1 else np.array([T])
    return rng.standard_normal((N, T, H)), lengths, rng.standard_normal((H, K)), rng.standard_normal(K)


def _right_forward(h, lengths, W, b):
    return _padding.last_state_forward(h, lengths)[0] @ W + b


def check_many_to_one_forward(many_to_one_forward) -> None:
    """many_to_one_forward(h, lengths, W, b) -> scores (N, K), scores[n] = h[n, lengths[n] - 1] @ W + b."""
    __tracebackhide__ = True
    h, lengths, W, b = head_problem()
    where = f"lengths = {lengths.tolist()}"
    scores = assert_not_delegating(many_to_one_forward, _padding.last_state_forward, h.copy(), lengths.copy(),
                                   W.copy(), b.copy())
    expect_shape("scores", scores, (h.shape[0], W.shape[1]), hint="one row of K scores per sequence")
    if is_close(scores, h[:, -1] @ W + b):
        fail(f"you read every sequence's state at step T - 1 ({where}): a padded sequence ends earlier, at "
             "step lengths[n] - 1; there h[n, -1] is computed from padding")
    if is_close(scores, h[np.arange(len(h)), np.minimum(lengths, h.shape[1] - 1)] @ W + b):
        fail(f"you read the state one step too late ({where}): sequence n's last step is lengths[n] - 1")
    if is_close(scores, _right_forward(h, lengths, W, np.zeros_like(b))):
        fail("the scores miss the bias: scores = last @ W + b")
    expect_close("scores", scores, _right_forward(h, lengths, W, b),
                 hint=f"scores[n] = h[n, lengths[n] - 1] @ W + b ({where})")
    small = head_problem(N=1, T=2, H=3, K=4, seed=1)
    scores = call_student(many_to_one_forward, _FORWARD_CALL, *(a.copy() for a in small))
    sizes = "right for N=3, T=5, H=4, K=2 but not for N=1, T=2, H=3, K=4: take the sizes from the arrays"
    expect_close("scores", scores, _right_forward(*small), hint=sizes)
    passed("many_to_one_forward: each sequence's state at its own last step, then the affine read-out")


def check_many_to_one_backward(many_to_one_backward) -> None:
    """many_to_one_backward(dscores, h, lengths, W) -> (dh, dW, db) of scores = h[n, lengths[n] - 1] @ W + b."""
    __tracebackhide__ = True
    h, lengths, W, b = head_problem(seed=2)
    dscores = np.random.default_rng(3).standard_normal((h.shape[0], W.shape[1]))
    result = assert_not_delegating(many_to_one_backward, _padding.last_state_backward, dscores.copy(), h.copy(),
                                   lengths.copy(), W.copy())
    dh, dW, db = (as_array(n, g) for n, g in zip(("dh", "dW", "db"),
                                                  expect_tuple(_BACKWARD_CALL, result, ("dh", "dW", "db")),
                                                  strict=True))
    for name, got, like in (("dh", dh, h), ("dW", dW, W), ("db", db, b)):
        expect_shape(name, got, like.shape, hint="a gradient has the shape of its variable")
    last, last_cache = _padding.last_state_forward(h, lengths)
    right_dh = _padding.last_state_backward(dscores @ W.T, last_cache)
    where = f"lengths = {lengths.tolist()}"
    if not is_close(dh, right_dh):
        at_end = np.zeros_like(h)
        at_end[:, -1] = dscores @ W.T
        if is_close(dh, at_end):
            fail(f"`dh` reaches step T - 1 of every sequence ({where}): the scores read step lengths[n] - 1, so "
                 "that is where dh[n] is non-zero")
        expect_close("dh", dh, right_dh, hint="dh is 0 except at each sequence's last step, where it is "
                     "dscores @ W.T")
    expect_close("dW", dW, last.T @ dscores, hint="dW = last.T @ dscores, with last[n] = h[n, lengths[n] - 1]")
    expect_close("db", db, dscores.sum(axis=0), hint="db = dscores summed over the sequences")
    passed("many_to_one_backward: the gradient reaches each sequence at its own last step only")


def references():
    """The trusted references of notebook 09's hidden tests (see ``_common.references``)."""
    return _references(sample_from_logits=_train.sample_from_logits, last_state_forward=_padding.last_state_forward,
                       last_state_backward=_padding.last_state_backward, head_problem=head_problem, softmax=softmax)
