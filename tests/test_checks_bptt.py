"""The notebook-04 checks pass correct answers and name the typical mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnlab.checks import bptt as checks
from rnnlab.checks._common import CheckFailed
from rnnlab.data import one_hot
from rnnlab.models import char_rnn_loss as library_char_rnn_loss
from rnnlab.models import tbptt_step as library_tbptt_step
from rnnlab.nn import (
    rnn_backward as library_rnn_backward,
)
from rnnlab.nn import (
    rnn_forward,
    temporal_affine_backward,
    temporal_affine_forward,
)
from rnnlab.nn import (
    rnn_step_backward as library_step_backward,
)
from rnnlab.nn import (
    temporal_softmax_loss as library_loss,
)
from rnnlab.nn.rnn import RNNStepCache

# ---------------------------------------------------------------------------------------------------
# Correct answers, written independently of rnnlab's implementations, with switches for the classic bugs.


def rnn_step_backward(dh, cache, *, derivative="right", db_reduce="sum", dWh="right", dh_prev_T=True):
    x, h_prev, Wx, Wh, h = cache.x, cache.h_prev, cache.Wx, cache.Wh, cache.h
    da = {"right": dh * (1 - h**2), "none": dh, "tanh_again": dh * (1 - np.tanh(h) ** 2)}[derivative]
    db = {"sum": da.sum(axis=0), "mean": da.mean(axis=0), "none": da}[db_reduce]
    dWh_value = {"right": h_prev.T @ da, "transposed": da.T @ h_prev, "new_h": h.T @ da}[dWh]
    dh_prev = da @ Wh.T if dh_prev_T else da @ Wh
    return da @ Wx.T, dh_prev, x.T @ da, dWh_value, db


def rnn_backward(dh, cache, *, carry=True, each_step=True, start_with_last=False, accumulate=True, dh0="right",
                 shifted_h_prev=False, stack_db=False):
    x, h0, Wx, Wh, h = cache.x, cache.h0, cache.Wx, cache.Wh, cache.h
    T = x.shape[1]
    dx = np.zeros_like(x)
    dWx, dWh, db, db_steps = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0]), []
    dh_next = dh[:, -1].copy() if start_with_last else np.zeros_like(h0)
    for t in reversed(range(T)):
        total = dh_next + dh[:, t] if each_step else dh_next
        h_prev = h0 if t == 0 else h[:, t if shifted_h_prev else t - 1]
        step = RNNStepCache(x[:, t], h_prev, Wx, Wh, h[:, t], "tanh")
        dx[:, t], dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(total, step)
        dh_next = dh_prev if carry else np.zeros_like(h0)
        if accumulate:
            dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
        else:
            dWx, dWh, db = dWx_t, dWh_t, db_t
        db_steps.insert(0, db_t)
    dh0_value = {"right": dh_prev, "total_at_h0": total, "time_axis": np.repeat(dh_prev[:, None], T, axis=1)}[dh0]
    return dx, dh0_value, dWx, dWh, np.stack(db_steps) if stack_db else db


def temporal_softmax_loss(logits, y, mask, *, divide="N", use_mask=True, mask_grad=True, stable=True,
                          grad_scale=1.0, sign=1.0, scalar=True):
    N, T, V = logits.shape
    shifted = logits - logits.max(axis=2, keepdims=True) if stable else logits
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    onehot = np.eye(V)[y]
    weights = mask if use_mask else np.ones_like(mask)
    denominator = {"N": N, "NT": N * T, "mask": weights.sum(), "1": 1}[divide]
    loss = -sign * np.sum((log_probs * onehot).sum(axis=2) * weights) / denominator
    grad_weights = weights if mask_grad else np.ones_like(mask)
    dlogits = sign * grad_scale * (np.exp(log_probs) - onehot) * grad_weights[:, :, None] / denominator
    return (float(loss) if scalar else np.array([loss])), dlogits


def tbptt_step(params, x_chunk, y_chunk, h_carry, lr, *, start="carry", h_out="last", sign=-1.0, use_lr=True,
               skip=(), grads_from_zeros=False, touch_carry=False):
    V = params["Wy"].shape[1]
    xs = one_hot(x_chunk, V)

    def forward_backward(h0):
        h, rnn_cache = rnn_forward(xs, h0, params["Wx"], params["Wh"], params["b"])
        logits, affine_cache = temporal_affine_forward(h, params["Wy"], params["by"])
        loss, dlogits = library_loss(logits, y_chunk)
        dh, dWy, dby = temporal_affine_backward(dlogits, affine_cache)
        _, dh0, dWx, dWh, db = library_rnn_backward(dh, rnn_cache)
        return loss, h, {"Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "by": dby}, dh0

    h0 = h_carry if start == "carry" else np.zeros_like(h_carry)
    loss, h, grads, dh0 = forward_backward(h0)
    if grads_from_zeros:
        grads = forward_backward(np.zeros_like(h_carry))[2]
    for name, grad in grads.items():
        if name not in skip:
            params[name] += sign * (lr if use_lr else 1.0) * grad
    if touch_carry:
        h_carry -= lr * dh0
    h_next = {"last": h[:, -1], "first": h[:, 0], "carry": h_carry, "all": h}[h_out]
    return loss, h_next


def returns_none(*args):
    return None


def unanswered(*args, **kwargs):
    raise NotImplementedError()


# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "student"),
    [
        (checks.check_rnn_step_backward, rnn_step_backward),
        (checks.check_rnn_backward, rnn_backward),
        (checks.check_temporal_softmax_loss, temporal_softmax_loss),
        (checks.check_tbptt_step, tbptt_step),
    ],
)
def test_correct_answers_pass_with_one_success_line(check, student, capsys):
    check(student)
    out = capsys.readouterr().out
    assert out.startswith("✔") and out.count("\n") == 1


def bug(fn, **options):
    return lambda *args: fn(*args, **options)


def step_bugs():
    def dx_doubled(dh, cache):
        dx, *rest = rnn_step_backward(dh, cache)
        return (2 * dx, *rest)

    return [
        (bug(rnn_step_backward, derivative="none"), "you forgot the tanh derivative", "forgot_tanh_derivative"),
        (bug(rnn_step_backward, derivative="tanh_again"), "do not apply np.tanh to h again", "tanh_applied_twice"),
        (bug(rnn_step_backward, db_reduce="none"), "`db` has one row per example", "db_not_summed_over_batch"),
        (bug(rnn_step_backward, db_reduce="mean"), "you averaged db over the batch", "db_averaged_over_batch"),
        (bug(rnn_step_backward, dWh="transposed"), "`dWh` is transposed", "dwh_transposed"),
        (bug(rnn_step_backward, dWh="new_h"), "`dWh` uses the new state h", "dwh_uses_new_state"),
        (bug(rnn_step_backward, dh_prev_T=False), "needs the transpose of Wh", "forgot_wh_transpose"),
        (dx_doubled, "dx is wrong while dh_prev, dWx, dWh, db are right: check dx = da @ Wx.T", "wrong_grads"),
        (lambda dh, cache: rnn_step_backward(dh, cache)[:4], "should return a tuple (dx, dh_prev, dWx, dWh, db)",
         "wrong_return"),
        (library_step_backward, "calls rnnlab's own `rnn_step_backward`", "delegates"),
        (returns_none, "returned None", "returned_none"),
        (unanswered, "is not implemented yet", "not_implemented"),
    ]


def sequence_bugs():
    return [
        (bug(rnn_backward, carry=False), "no gradient flows back through time", "missing_recurrent_grad"),
        (bug(rnn_backward, each_step=False, start_with_last=True), "with the loss at the first step only: the loss",
         "missing_upstream_grad"),
        (bug(rnn_backward, start_with_last=True), "dh[:, T-1] is counted twice", "last_grad_counted_twice"),
        (bug(rnn_backward, accumulate=False), "holds one step's contribution", "grad_not_accumulated"),
        (bug(rnn_backward, stack_db=True), "`db` has an extra axis", "grad_not_summed_over_time"),
        (bug(rnn_backward, dh0="time_axis"), "`dh0` has a time axis", "dh0_has_time_axis"),
        (bug(rnn_backward, dh0="total_at_h0"), "`dh0` is the gradient on h[:, 0]", "dh0_skips_first_step"),
        (bug(rnn_backward, shifted_h_prev=True), "dWh is wrong while dx, dh0, dWx, db are right", "wrong_grads"),
        (library_rnn_backward, "calls rnnlab's own `rnn_backward`", "delegates"),
        (returns_none, "returned None", "returned_none"),
        (unanswered, "is not implemented yet", "not_implemented"),
    ]


def loss_bugs():
    def loss_off_by_one(logits, y, mask):
        loss, dlogits = temporal_softmax_loss(logits, y, mask)
        return loss + 1.0, dlogits

    def mask_reversed_in_time(logits, y, mask):
        return temporal_softmax_loss(logits, y, mask[:, ::-1])

    return [
        (bug(temporal_softmax_loss, divide="NT"), "you averaged the loss over all N*T steps",
         "loss_averaged_over_steps"),
        (bug(temporal_softmax_loss, divide="1"), "you summed over the batch too", "loss_summed_over_batch"),
        (bug(temporal_softmax_loss, sign=-1.0), "your loss is negative", "loss_sign_flipped"),
        (bug(temporal_softmax_loss, use_mask=False), "the mask is ignored", "ignored_mask"),
        (bug(temporal_softmax_loss, divide="mask"), "(or over the unmasked steps)", "loss_averaged_over_steps"),
        (bug(temporal_softmax_loss, grad_scale=1 / 3), "`dlogits` is divided by the number of steps N*T",
         "dlogits_averaged_over_steps"),
        (bug(temporal_softmax_loss, grad_scale=2.0), "`dlogits` is N times too large", "dlogits_not_divided_by_n"),
        (bug(temporal_softmax_loss, mask_grad=False), "`dlogits` is not zero where mask is False",
         "dlogits_ignores_mask"),
        (bug(temporal_softmax_loss, stable=False), "exp(1000) overflows", "unstable_softmax"),
        (bug(temporal_softmax_loss, scalar=False), "`loss` should be a single number", "loss_not_scalar"),
        (loss_off_by_one, "with all-zero scores each step costs log V", "wrong_loss"),
        (mask_reversed_in_time, "multiply each step's loss by mask[n, t]", "misapplied_mask"),
        (bug(temporal_softmax_loss, grad_scale=-1.0), "`dlogits` has the wrong sign", "dlogits_sign_flipped"),
        (bug(temporal_softmax_loss, grad_scale=1.5), "`dlogits` does not match the numerical gradient",
         "wrong_dlogits"),
        (library_loss, "calls rnnlab's own `temporal_softmax_loss`", "delegates"),
        (returns_none, "returned None", "returned_none"),
        (unanswered, "is not implemented yet", "not_implemented"),
    ]


def tbptt_bugs():
    def loss_as_array(params, x_chunk, y_chunk, h_carry, lr):
        loss, h_next = tbptt_step(params, x_chunk, y_chunk, h_carry, lr)
        return np.array([loss]), h_next

    def loss_off_by_one(params, x_chunk, y_chunk, h_carry, lr):
        loss, h_next = tbptt_step(params, x_chunk, y_chunk, h_carry, lr)
        return loss + 1.0, h_next

    def h_next_off(params, x_chunk, y_chunk, h_carry, lr):
        loss, h_next = tbptt_step(params, x_chunk, y_chunk, h_carry, lr)
        return loss, h_next + 0.1

    def drops_by(params, x_chunk, y_chunk, h_carry, lr):
        result = tbptt_step(params, x_chunk, y_chunk, h_carry, lr)
        del params["by"]
        return result

    return [
        (bug(tbptt_step, start="zeros"), "you started the chunk from zeros", "ignored_h0"),
        (bug(tbptt_step, h_out="carry"), "`h_next` is h_carry", "returned_h_carry"),
        (bug(tbptt_step, h_out="first"), "the state after the first step", "h_next_after_first_step"),
        (bug(tbptt_step, h_out="all"), "`h_next` holds every step's state", "h_next_holds_every_step"),
        (bug(tbptt_step, sign=0.0), "params were not updated", "params_not_updated"),
        (bug(tbptt_step, sign=1.0), "you stepped up the gradient", "gradient_ascent"),
        (bug(tbptt_step, use_lr=False), "the update forgets the learning rate", "forgot_learning_rate"),
        (bug(tbptt_step, grads_from_zeros=True), "your gradients come from a forward pass started at zeros",
         "grads_from_zero_state"),
        (bug(tbptt_step, skip=("by",)), "after the update params by is wrong", "wrong_grads"),
        (bug(tbptt_step, touch_carry=True), "`h_carry` was changed in place", "mutated_input"),
        (loss_as_array, "`loss` should be a single number", "loss_not_scalar"),
        (loss_off_by_one, "the loss is rnnlab.nn.temporal_softmax_loss", "wrong_loss"),
        (h_next_off, "h_next is h[:, -1], from this chunk's forward pass", "wrong_h_next"),
        (drops_by, "params lost key(s) by", "dropped_param_keys"),
        (library_tbptt_step, "calls rnnlab's own `char_rnn_loss`", "delegates"),
        (lambda p, x, y, h, lr: library_char_rnn_loss(p, x, y, h)[::2], "calls rnnlab's own `char_rnn_loss`",
         "delegates"),
        (returns_none, "returned None", "returned_none"),
        (unanswered, "is not implemented yet", "not_implemented"),
    ]


@pytest.mark.parametrize(("student", "phrase", "key"), step_bugs())
def test_step_backward_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_rnn_step_backward(student)
    assert info.value.key == key


@pytest.mark.parametrize(("student", "phrase", "key"), sequence_bugs())
def test_rnn_backward_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_rnn_backward(student)
    assert info.value.key == key


@pytest.mark.parametrize(("student", "phrase", "key"), loss_bugs())
def test_loss_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_temporal_softmax_loss(student)
    assert info.value.key == key


@pytest.mark.parametrize(("student", "phrase", "key"), tbptt_bugs())
def test_tbptt_bugs_are_named(student, phrase, key):
    with pytest.raises(CheckFailed, match=re.escape(phrase)) as info:
        checks.check_tbptt_step(student)
    assert info.value.key == key


@pytest.mark.parametrize(
    "check",
    [checks.check_rnn_step_backward, checks.check_rnn_backward, checks.check_temporal_softmax_loss,
     checks.check_tbptt_step],
)
def test_unanswered_exercise_says_so_and_carries_no_traceback(check):
    with pytest.raises(AssertionError) as info:
        check(unanswered)
    assert "is not implemented yet: replace `raise NotImplementedError()`" in str(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_tbptt_step_that_backpropagates_only_three_steps_is_caught_as_not_full_bptt():
    """Right on the 3-step problem, wrong on longer chunks: only the numerical check of the cut sees it."""
    from rnnlab.checks import bptt as checks
    from rnnlab.data import one_hot
    from rnnlab.nn import rnn_step_backward, rnn_step_forward, temporal_softmax_loss

    def three_step_window(params, x_chunk, y_chunk, h_carry, lr):
        xs, h, caches = one_hot(x_chunk, params["Wy"].shape[1]), h_carry, []
        states = []
        for t in range(xs.shape[1]):
            h, cache = rnn_step_forward(xs[:, t], h, params["Wx"], params["Wh"], params["b"])
            states.append(h)
            caches.append(cache)
        hs = np.stack(states, axis=1)
        loss, dlogits = temporal_softmax_loss(hs @ params["Wy"] + params["by"], y_chunk)
        grads = {"Wx": 0.0, "Wh": 0.0, "b": 0.0, "Wy": np.einsum("nth,ntv->hv", hs, dlogits),
                 "by": dlogits.sum(axis=(0, 1))}
        for t in range(xs.shape[1]):  # each step's loss goes back at most three steps
            dh = dlogits[:, t] @ params["Wy"].T
            for s in range(t, max(t - 3, -1), -1):
                _, dh, dWx, dWh, db = rnn_step_backward(dh, caches[s])
                grads["Wx"], grads["Wh"], grads["b"] = grads["Wx"] + dWx, grads["Wh"] + dWh, grads["b"] + db
        for name, grad in grads.items():
            params[name] -= lr * grad
        return loss, hs[:, -1].copy()

    with pytest.raises(CheckFailed, match=r"k = T.*full BPTT") as info:
        checks.check_tbptt_step(three_step_window)
    assert info.value.key == "incomplete_bptt"
