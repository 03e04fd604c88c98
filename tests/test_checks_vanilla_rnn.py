"""The notebook-03 checks pass correct answers and name the typical mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnlab.checks import vanilla_rnn as checks
from rnnlab.nn import embedding_forward as library_embedding
from rnnlab.nn import rnn_forward as library_forward
from rnnlab.nn import rnn_step_forward as library_step


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h, (x, h_prev, Wx, Wh, h)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    h_prev, caches = h0, []
    for t in range(T):
        h_prev, cache = rnn_step_forward(x[:, t], h_prev, Wx, Wh, b)
        h[:, t] = h_prev
        caches.append(cache)
    return h, caches


def embedding_forward(idx, W):
    return W[idx], (idx, W)


def embedding_by_one_hot(idx, W):
    return np.eye(W.shape[0])[idx] @ W, (idx, W)


def returns_none(*args):
    return None


def raises(*args):
    raise KeyError("Wy")


def unanswered(*args):
    raise NotImplementedError()


@pytest.mark.parametrize(
    ("check", "student"),
    [
        (checks.check_rnn_step_forward, rnn_step_forward),
        (checks.check_rnn_forward, rnn_forward),
        (checks.check_embedding_forward, embedding_forward),
        (checks.check_embedding_forward, embedding_by_one_hot),
    ],
)
def test_correct_answers_pass_with_one_success_line(check, student, capsys):
    check(student)
    out = capsys.readouterr().out
    assert out.startswith("✔") and out.count("\n") == 1


def step_bugs():
    def step(expr):
        def student(x, h_prev, Wx, Wh, b):
            return expr(x, h_prev, Wx, Wh, b), None

        return student

    def in_place(x, h_prev, Wx, Wh, b):
        h_prev += x @ Wx + b
        return rnn_step_forward(x, h_prev, Wx, Wh * 0, b * 0)

    def transposed_output(x, h_prev, Wx, Wh, b):
        return (Wx.T @ x.T + Wh.T @ h_prev.T + b[:, None]), None

    def hard_coded(x, h_prev, Wx, Wh, b):
        h = np.empty((3, 5))
        h[:] = np.tanh(x @ Wx + h_prev @ Wh + b)
        return h, None

    return [
        (step(lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b), "you forgot the tanh"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh)), "you forgot the bias b"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wh + h @ Wx + b)), "You swapped Wx and Wh"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh + b)), "You used Wx transposed"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b)), "you used Wh transposed"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b)), "you left out the recurrent term"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(h @ Wh + b)), "you left out the input term"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h + b)), "multiply the previous state by Wh"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b) + np.tanh(h @ Wh)), "right on its own but not all together"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx) + np.tanh(h @ Wh) + np.tanh(b)), "tanh to each term separately"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b)[0]), "`h` has shape (5,) but should be (3, 5)"),
        (transposed_output, "the column-vector form gives h.T"),
        (hard_coded, "not for N=1, D=2, H=3"),
        (in_place, "changed its input `h_prev` in place"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b), "should return a tuple (h, cache)"),
        (library_step, "calls rnnlab's own `rnn_step_forward`"),
        (returns_none, "returned None"),
        (raises, "raised KeyError: 'Wy'"),
        (unanswered, "is not implemented yet: replace `raise NotImplementedError()`"),
    ]


def forward_bugs():
    def loop(store_before=False, start=None, carry=True, order=None, steps=None):
        def student(x, h0, Wx, Wh, b):
            N, T, _ = x.shape
            h = np.zeros((N, T, h0.shape[1]))
            h_prev = h0 if start is None else start(h0)
            for t in (order or range)(T if steps is None else steps(x)):
                new = np.tanh(x[:, t] @ Wx + h_prev @ Wh + b)
                h[:, t] = h_prev if store_before else new
                h_prev = new if carry else h_prev
            return h, None

        return student

    def batch_as_time(x, h0, Wx, Wh, b):
        h_prev, hs = h0, []
        for t in range(x.shape[1]):
            h_prev = np.tanh(x[t] @ Wx + h_prev @ Wh + b)
            hs.append(h_prev)
        return np.stack(hs), None

    def includes_h0(x, h0, Wx, Wh, b):
        h, cache = rnn_forward(x, h0, Wx, Wh, b)
        return np.concatenate([h0[:, None], h], axis=1), cache

    def stacked_on_axis_0(x, h0, Wx, Wh, b):
        h, cache = rnn_forward(x, h0, Wx, Wh, b)
        return h.transpose(1, 0, 2), cache

    def last_state_only(x, h0, Wx, Wh, b):
        h, cache = rnn_forward(x, h0, Wx, Wh, b)
        return h[:, -1], cache

    def hard_coded_T(x, h0, Wx, Wh, b):
        h, cache = rnn_forward(np.pad(x, ((0, 0), (0, max(0, 5 - x.shape[1])), (0, 0))), h0, Wx, Wh, b)
        return h[:, :5], cache

    def buggy_own_step(x, h0, Wx, Wh, b):
        return rnn_forward(x, h0, Wx, Wh.T, b)

    def in_place(x, h0, Wx, Wh, b):
        x *= 1.0 + 1e-9
        return rnn_forward(x, h0, Wx, Wh, b)

    return [
        (loop(store_before=True), "your h[:, t] is the state BEFORE step t"),
        (loop(start=np.zeros_like), "you ignored h0"),
        (loop(carry=False), "every step used h0 as its previous state"),
        (loop(order=lambda T: reversed(range(T))), "you ran through the sequence backwards"),
        (loop(steps=lambda x: x.shape[0]), "loop over T = x.shape[1] steps, not N = x.shape[0]"),
        (batch_as_time, "the inputs of step t are x[:, t], of shape (N, D), not x[t]"),
        (includes_h0, "you included h0"),
        (stacked_on_axis_0, "time and batch are swapped"),
        (last_state_only, "you returned only the last state"),
        (hard_coded_T, "not for N=3, T=1, D=2, H=3"),
        (buggy_own_step, "make its check pass first"),
        (in_place, "changed its input `x` in place"),
        (library_forward, "calls rnnlab's own `rnn_forward`"),
        (returns_none, "returned None"),
        (raises, "raised KeyError"),
        (unanswered, "is not implemented yet: replace `raise NotImplementedError()`"),
    ]


def embedding_bugs():
    def float_index(idx, W):
        return W[np.eye(W.shape[0])[idx]], None

    def one_hot_too_short(idx, W):
        return np.eye(idx.max() + 1)[idx] @ W, None

    def columns(idx, W):
        return W[:, idx], None

    def time_major(idx, W):
        return W[idx.T], None

    def summed(idx, W):
        return W[idx].sum(axis=1), None

    def one_hot_only(idx, W):
        return np.eye(W.shape[0])[idx], None

    def off_by_one(idx, W):
        return W[(idx + 1) % W.shape[0]], None

    return [
        (float_index, "only integer arrays can be indices"),
        (one_hot_too_short, "give them length V = W.shape[0] = 7"),
        (columns, "use W[idx], not W[:, idx]"),
        (time_major, "time and batch are swapped"),
        (summed, "keep one vector per position"),
        (one_hot_only, "multiply them by W"),
        (off_by_one, "for idx[0, 1] = 3 that is W[3]"),
        (lambda idx, W: (W[idx], None) if idx.shape == (2, 4) else (W[idx * 0], None), "not for idx (3, 1)"),
        (library_embedding, "calls rnnlab's own `embedding_forward`"),
        (lambda idx, W: W[idx], "should return a tuple (out, cache)"),
        (returns_none, "returned None"),
        (raises, "raised KeyError"),
        (unanswered, "is not implemented yet: replace `raise NotImplementedError()`"),
    ]


@pytest.mark.parametrize(("student", "phrase"), step_bugs())
def test_rnn_step_forward_bugs_are_named(student, phrase):
    with pytest.raises(AssertionError, match=re.escape(phrase)):
        checks.check_rnn_step_forward(student)


@pytest.mark.parametrize(("student", "phrase"), forward_bugs())
def test_rnn_forward_bugs_are_named(student, phrase):
    with pytest.raises(AssertionError, match=re.escape(phrase)):
        checks.check_rnn_forward(student)


@pytest.mark.parametrize(("student", "phrase"), embedding_bugs())
def test_embedding_forward_bugs_are_named(student, phrase):
    with pytest.raises(AssertionError, match=re.escape(phrase)):
        checks.check_embedding_forward(student)


@pytest.mark.parametrize(
    ("check", "student"),
    [
        (checks.check_rnn_step_forward, lambda *a: np.tanh(a[0] @ a[3] + a[1] @ a[2] + a[4])),
        (checks.check_rnn_forward, lambda x, *a: x[5]),
        (checks.check_embedding_forward, lambda idx, W: W[:, idx.astype(float)]),
    ],
)
def test_failures_carry_no_chained_traceback(check, student):
    with pytest.raises(AssertionError) as info:
        check(student)
    assert info.value.__cause__ is None and info.value.__context__ is None


def embedding_backward(dout, cache):
    idx, W = cache
    dW = np.zeros_like(W)
    for n, t in np.ndindex(idx.shape):  # written out, independently of np.add.at
        dW[idx[n, t]] += dout[n, t]
    return dW


def test_embedding_backward_passes_a_correct_answer(capsys):
    checks.check_embedding_backward(embedding_backward)
    out = capsys.readouterr().out
    assert out.startswith("✔") and out.count("\n") == 1


def _buffered(dout, cache):
    idx, W = cache
    dW = np.zeros_like(W)
    dW[idx] += dout
    return dW


def _rows_up_to_max(dout, cache):
    idx, W = cache
    return embedding_backward(dout, (idx, W[: idx.max() + 1]))


def _mean_of_repeats(dout, cache):
    idx, W = cache
    counts = np.maximum(np.bincount(idx.ravel(), minlength=W.shape[0]), 1)[:, None]
    return embedding_backward(dout, cache) / counts


def _library(dout, cache):
    from rnnlab.nn import embedding_backward as library
    from rnnlab.nn.embedding import EmbeddingCache

    idx, W = cache
    return library(dout, EmbeddingCache(idx, W.shape))


@pytest.mark.parametrize(
    ("student", "phrase"),
    [
        (_buffered, "np.add.at(dW, idx, dout)"),
        (_rows_up_to_max, "but W has V = 7"),
        (_mean_of_repeats, "should be the SUM of dout[n, t]"),
        (lambda dout, cache: np.zeros_like(cache[1]), "`dW` is all zeros"),
        (lambda dout, cache: (embedding_backward(dout, cache),), "should return the array dW alone"),
        (lambda dout, cache: embedding_backward(dout, cache).T, "should be (7, 3)"),
        (_library, "calls rnnlab's own `embedding_backward`"),
        (unanswered, "is not implemented yet"),
    ],
)
def test_embedding_backward_bugs_are_named(student, phrase):
    with pytest.raises(AssertionError, match=re.escape(phrase)):
        checks.check_embedding_backward(student)
