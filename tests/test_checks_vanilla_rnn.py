"""The notebook-03 checks pass correct answers and name the typical mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnlab.checks import vanilla_rnn as checks
from rnnlab.checks._common import CheckFailed
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


def raises_value_error(*args):
    raise ValueError("no")


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
        (step(lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b), "you forgot the tanh", "forgot_tanh"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh)), "you forgot the bias b", "forgot_bias"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wh + h @ Wx + b)), "You swapped Wx and Wh", "wx_wh_swapped"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx.T + h @ Wh + b)), "You used Wx transposed", "wx_transposed"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(Wx @ x + Wh @ h + b)), "A product has mismatched", "wrong_products"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + 2 * b)), "check your bias b", "wrong_bias"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(2 * x @ Wx + h @ Wh + b)), "check your input term", "wrong_input_term"),
        (
            step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + 2 * h @ Wh + b)),
            "check your recurrent term",
            "wrong_recurrent_term",
        ),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b)), "you used Wh transposed", "wh_transposed"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b)), "you left out the recurrent term", "ignored_h_prev"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(h @ Wh + b)), "you left out the input term", "ignored_input"),
        (step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h + b)), "multiply the previous state by Wh", "forgot_wh"),
        (
            step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b) + np.tanh(h @ Wh)),
            "right on its own but not all together",
            "wrong_preactivation",
        ),
        (
            step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx) + np.tanh(h @ Wh) + np.tanh(b)),
            "tanh to each term separately",
            "tanh_per_term",
        ),
        (
            step(lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b)[0]),
            "`h` has shape (5,) but should be (3, 5)",
            "wrong_shape",
        ),
        (transposed_output, "the column-vector form gives h.T", "column_vector_form"),
        (hard_coded, "not for N=1, D=2, H=3", "hard_coded_sizes"),
        (in_place, "changed its input `h_prev` in place", "mutated_input"),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b), "should return a tuple (h, cache)", "wrong_return"),
        (library_step, "calls rnnlab's own `rnn_step_forward`", "delegates"),
        (returns_none, "returned None", "returned_none"),
        (raises, "raised KeyError: 'Wy'", "raised:KeyError"),
        (unanswered, "is not implemented yet: replace `raise NotImplementedError()`", "not_implemented"),
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
        (loop(store_before=True), "your h[:, t] is the state BEFORE step t", "state_before_step"),
        (loop(start=np.zeros_like), "you ignored h0", "ignored_h0"),
        (loop(carry=False), "every step used h0 as its previous state", "hidden_state_not_carried"),
        (loop(order=lambda T: reversed(range(T))), "you ran through the sequence backwards", "reversed_time"),
        (loop(steps=lambda x: x.shape[0]), "loop over T = x.shape[1] steps, not N = x.shape[0]", "looped_over_batch"),
        (batch_as_time, "the inputs of step t are x[:, t], of shape (N, D), not x[t]", "batch_as_time"),
        (includes_h0, "you included h0", "included_h0"),
        (stacked_on_axis_0, "time and batch are swapped", "time_batch_swapped"),
        (last_state_only, "you returned only the last state", "returned_last_state"),
        (hard_coded_T, "not for N=3, T=1, D=2, H=3", "hard_coded_sizes"),
        (buggy_own_step, "make its check pass first", "wrong_h"),
        (in_place, "changed its input `x` in place", "mutated_input"),
        (library_forward, "calls rnnlab's own `rnn_forward`", "delegates"),
        (returns_none, "returned None", "returned_none"),
        (raises, "raised KeyError", "raised:KeyError"),
        (unanswered, "is not implemented yet: replace `raise NotImplementedError()`", "not_implemented"),
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
        (float_index, "only integer arrays can be indices", "float_indices"),
        (one_hot_too_short, "give them length V = W.shape[0] = 7", "vocab_from_idx_max"),
        (columns, "use W[idx], not W[:, idx]", "used_columns"),
        (time_major, "time and batch are swapped", "time_batch_swapped"),
        (summed, "keep one vector per position", "combined_positions"),
        (one_hot_only, "multiply them by W", "one_hot_not_multiplied"),
        (off_by_one, "for idx[0, 1] = 3 that is W[3]", "wrong_out"),
        (
            lambda idx, W: (W[idx], None) if idx.shape == (2, 4) else (W[idx * 0], None),
            "not for idx (3, 1)",
            "hard_coded_sizes",
        ),
        (library_embedding, "calls rnnlab's own `embedding_forward`", "delegates"),
        (lambda idx, W: W[idx], "should return a tuple (out, cache)", "wrong_return"),
        (returns_none, "returned None", "returned_none"),
        (raises, "raised KeyError", "raised:KeyError"),
        (unanswered, "is not implemented yet: replace `raise NotImplementedError()`", "not_implemented"),
    ]


@pytest.mark.parametrize(("student", "phrase", "key"), step_bugs())
def test_rnn_step_forward_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_rnn_step_forward(student)
    assert info.value.key == key


@pytest.mark.parametrize(("student", "phrase", "key"), forward_bugs())
def test_rnn_forward_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_rnn_forward(student)
    assert info.value.key == key


@pytest.mark.parametrize(("student", "phrase", "key"), embedding_bugs())
def test_embedding_forward_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_embedding_forward(student)
    assert info.value.key == key


@pytest.mark.parametrize(
    ("check", "student", "key"),
    [
        (checks.check_rnn_step_forward, lambda *a: np.tanh(a[0] @ a[3] + a[1] @ a[2] + a[4]), "wrong_products"),
        (checks.check_rnn_forward, lambda x, *a: x[5], "batch_as_time"),
        (checks.check_rnn_forward, raises_value_error, "raised:ValueError"),  # re-raised as it is: no diagnosis
        (checks.check_embedding_forward, lambda idx, W: W[:, idx.astype(float)], "float_indices"),
    ],
)
def test_failures_carry_no_chained_traceback(check, student, key):
    with pytest.raises(CheckFailed) as info:
        check(student)
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert info.value.key == key


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
    ("student", "phrase", "key"),
    [
        (_buffered, "np.add.at(dW, idx, dout)", "buffered_add"),
        (_rows_up_to_max, "but W has V = 7", "vocab_from_idx_max"),
        (_mean_of_repeats, "should be the SUM of dout[n, t]", "repeats_not_summed"),
        (lambda dout, cache: np.zeros_like(cache[1]), "`dW` is all zeros", "dw_left_zero"),
        (lambda dout, cache: 2 * embedding_backward(dout, cache), "with every token used once", "wrong_dw"),
        (lambda dout, cache: (embedding_backward(dout, cache),), "should return the array dW alone", "wrong_return"),
        (lambda dout, cache: embedding_backward(dout, cache).T, "should be (7, 3)", "wrong_shape"),
        (_library, "calls rnnlab's own `embedding_backward`", "delegates"),
        (unanswered, "is not implemented yet", "not_implemented"),
    ],
)
def test_embedding_backward_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_embedding_backward(student)
    assert info.value.key == key
