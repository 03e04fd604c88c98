"""Checks for notebook 04_bptt: rnn_step_backward, rnn_backward, temporal_softmax_loss and tbptt_step.

Each check compares with independent truths (numerical gradients, hand-worked losses), tests one term at a time
so a failure names the likely mistake, prints one line on success and raises AssertionError otherwise::

    from rnnlab.checks import bptt
    bptt.check_rnn_step_backward(rnn_step_backward)
"""

from __future__ import annotations

import numpy as np

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
from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.models import char_rnn as _char_rnn
from rnnlab.nn import losses as _losses
from rnnlab.nn import rnn as _rnn

# What the grader withholds from the student's kernel and answers outside it, seeing every call
# (rnnlab.grading.withhold): rnnlab's own answers to this notebook's exercises and what computes them too.
WITHHELD_WHILE_GRADING = (_rnn.rnn_step_backward, _rnn.rnn_backward, _losses.temporal_softmax_loss,
                          _char_rnn.char_rnn_loss)

_STEP_NAMES = ("dx", "dh_prev", "dWx", "dWh", "db")
_SEQ_NAMES = ("dx", "dh0", "dWx", "dWh", "db")
_STEP_HINTS = {
    "dx": "dx = da @ Wx.T",
    "dh_prev": "dh_prev = da @ Wh.T",
    "dWx": "dWx = x.T @ da",
    "dWh": "dWh = h_prev.T @ da",
    "db": "db = da.sum(axis=0)",
}
_SEQ_HINTS = {
    "dx": "dx[:, t] is step t's dx",
    "dh0": "dh0 is the dh_prev of step 0, the gradient left over after the loop",
    "dWx": "dWx is the sum over t of every step's dWx",
    "dWh": "dWh is the sum over t of every step's dWh (step t uses h_prev = h[:, t-1], and h0 at t = 0)",
    "db": "db is the sum over t of every step's db",
}


# ---------------------------------------------------------------------------------------------------
# Exercise 1: one step backwards.


def check_rnn_step_backward(rnn_step_backward) -> None:
    """rnn_step_backward(dh, cache) -> (dx, dh_prev, dWx, dWh, db), against numerical gradients.

    The cache comes from rnnlab's rnn_step_forward: RNNStepCache(x, h_prev, Wx, Wh, h, activation).
    """
    __tracebackhide__ = True
    for size in ((3, 4, 5), (1, 2, 3)):
        inputs, dh = _step_problem(*size)
        h, cache = _rnn.rnn_step_forward(*_copies(inputs))
        call = "rnn_step_backward(dh, cache)"
        result = assert_not_delegating(rnn_step_backward, (_rnn.rnn_step_backward, _rnn.rnn_backward), dh.copy(),
                                       cache)
        grads = dict(zip(_STEP_NAMES, expect_tuple(call, result, _STEP_NAMES), strict=True))
        x, h_prev, Wx, Wh, _ = inputs
        N, H = dh.shape
        if as_array("db", grads["db"]).shape == (N, H) and N > 1:
            fail(
                "`db` has one row per example: sum it over the batch, db = da.sum(axis=0)",
                key="db_not_summed_over_batch",
            )
        shapes = {"dx": x.shape, "dh_prev": h_prev.shape, "dWx": Wx.shape, "dWh": Wh.shape, "db": (H,)}
        for name, shape in shapes.items():
            hint = f"a gradient has the shape of its variable: {_STEP_HINTS[name]}"
            expect_shape(name, grads[name], shape, hint=hint)

        numeric = _numerical_gradients(_rnn.rnn_step_forward, inputs, dh, _STEP_NAMES)
        wrong = [name for name in _STEP_NAMES if rel_error(as_array(name, grads[name]), numeric[name]) > 1e-6]
        if wrong:
            _diagnose_step(grads, wrong, inputs, h, dh)
    passed("rnn_step_backward: dx, dh_prev, dWx, dWh, db match numerical gradients")


def _diagnose_step(grads, wrong, inputs, h, dh) -> None:
    __tracebackhide__ = True
    x, h_prev, Wx, Wh, _ = inputs
    if _matches_step(grads, dh, x, h_prev, Wx, Wh):
        fail(
            "you forgot the tanh derivative: go back through h = tanh(a) first, da = dh * (1 - h**2)",
            key="forgot_tanh_derivative",
        )
    if _matches_step(grads, dh * (1 - np.tanh(h) ** 2), x, h_prev, Wx, Wh):
        fail("h is already tanh(a), so tanh'(a) = 1 - h**2: do not apply np.tanh to h again", key="tanh_applied_twice")
    da = dh * (1 - h**2)
    if is_close(grads["db"], da.mean(axis=0)):
        fail("you averaged db over the batch: sum it instead, db = da.sum(axis=0)", key="db_averaged_over_batch")
    if is_close(grads["dWh"], da.T @ h_prev):
        fail(
            "`dWh` is transposed: dWh = h_prev.T @ da, of shape (H, H) with rows indexed by h_prev's units",
            key="dwh_transposed",
        )
    if is_close(grads["dWh"], h.T @ da):
        fail(
            "`dWh` uses the new state h: it multiplies the previous state, dWh = h_prev.T @ da",
            key="dwh_uses_new_state",
        )
    if is_close(grads["dh_prev"], da @ Wh):
        fail("`dh_prev` needs the transpose of Wh: dh_prev = da @ Wh.T", key="forgot_wh_transpose")
    right = [name for name in _STEP_NAMES if name not in wrong]
    fail(_summary(wrong, right, _STEP_HINTS, "with da = dh * (1 - h**2)"), key="wrong_grads")


def _matches_step(grads, da, x, h_prev, Wx, Wh) -> bool:
    """True if the student's gradients are the right formulas applied to this (wrong) da."""
    return is_close(grads["dWx"], x.T @ da) and is_close(grads["dh_prev"], da @ Wh.T)


def _step_problem(N: int, D: int, H: int):
    """Fixed inputs (x, h_prev, Wx, Wh, b) with every term nonzero and tanh in its curved range, and dh."""
    rng = np.random.default_rng(N * 100 + D * 10 + H)
    inputs = (
        rng.standard_normal((N, D)),
        rng.uniform(-0.8, 0.8, (N, H)),
        0.7 * rng.standard_normal((D, H)),
        0.5 * rng.standard_normal((H, H)),
        0.3 * rng.standard_normal(H),
    )
    return inputs, rng.standard_normal((N, H))


# ---------------------------------------------------------------------------------------------------
# Exercise 2: a whole sequence.


def check_rnn_backward(rnn_backward) -> None:
    """rnn_backward(dh, cache) -> (dx, dh0, dWx, dWh, db), with the loss at the last step only, at the first
    step only, then at every step, each against numerical gradients. The cache comes from rnnlab's rnn_forward.
    """
    __tracebackhide__ = True
    inputs = _sequence_problem()
    x, h0, Wx, Wh, _ = inputs
    N, T, _ = x.shape
    full = np.random.default_rng(7).standard_normal((N, T, Wh.shape[0]))
    last, first = np.zeros_like(full), np.zeros_like(full)
    last[:, -1], first[:, 0] = full[:, -1], full[:, 0]

    grads = _call_rnn_backward(rnn_backward, inputs, last, check_delegation=True)
    H = Wh.shape[0]
    if as_array("dh0", grads["dh0"]).shape == (N, T, H):
        fail(
            "`dh0` has a time axis: it is the gradient of the initial state h0 only, of shape (N, H)",
            key="dh0_has_time_axis",
        )
    for name, axes in (("db", "the batch and time"), ("dWx", "time"), ("dWh", "time")):
        if as_array(name, grads[name]).ndim == inputs[_SEQ_NAMES.index(name)].ndim + 1:
            fail(f"`{name}` has an extra axis: sum the contributions over {axes}", key="grad_not_summed_over_time")
    shapes = {"dx": x.shape, "dh0": h0.shape, "dWx": Wx.shape, "dWh": Wh.shape, "db": (H,)}
    for name, shape in shapes.items():
        hint = f"a gradient has the shape of its variable: {_SEQ_HINTS[name]}"
        expect_shape(name, grads[name], shape, hint=hint)

    cases = (
        (last, "the loss at the last step only"),
        (first, "the loss at the first step only"),
        (full, "a loss at every step"),
    )
    for dh, label in cases:
        if dh is not last:
            grads = _call_rnn_backward(rnn_backward, inputs, dh)
        numeric = _numerical_gradients(_rnn.rnn_forward, inputs, dh, _SEQ_NAMES)
        wrong = [name for name in _SEQ_NAMES if rel_error(as_array(name, grads[name]), numeric[name]) > 1e-6]
        if wrong:
            _diagnose_sequence(grads, wrong, inputs, dh, label)
    passed("rnn_backward: dx, dh0, dWx, dWh, db match numerical gradients, with a loss at one step or at all")


def _diagnose_sequence(grads, wrong, inputs, dh, label: str) -> None:
    __tracebackhide__ = True
    T = dh.shape[1]
    where = f"with {label}"
    if _matches(grads, _bptt(inputs, dh, carry=False)):
        fail(
            f"{where}: no gradient flows back through time. h_(t-1) also affects the loss through step t: "
            "add the dh_prev of step t to dh[:, t-1] before going back through step t-1",
            key="missing_recurrent_grad",
        )
    if _matches(grads, _bptt(inputs, dh, each_step=False, start_with_last=True)):
        fail(
            f"{where}: the loss at each step sends gradient straight into its own hidden state. At every step use "
            "dh[:, t] + dh_next, not only the gradient carried back from later steps",
            key="missing_upstream_grad",
        )
    if _matches(grads, _bptt(inputs, dh, start_with_last=True)):
        fail(
            f"{where}: dh[:, T-1] is counted twice: start the loop with dh_next = 0 and add dh[:, t] at every step",
            key="last_grad_counted_twice",
        )
    for name in ("dWx", "dWh", "db"):
        steps = _bptt(inputs, dh, per_step=True)[name]
        if name in wrong and any(is_close(grads[name], steps[t]) for t in (0, T - 1)):
            fail(
                f"{where}: `{name}` holds one step's contribution: the weights are shared by all steps, so "
                f"accumulate with {name} += ... inside the loop",
                key="grad_not_accumulated",
            )
    full = _bptt(inputs, dh)
    if "dh0" in wrong and is_close(grads["dh0"], full["dh_total0"]):
        fail(
            f"{where}: `dh0` is the gradient on h[:, 0], the state after step 0. Go back through step 0 too: "
            "dh0 is step 0's dh_prev",
            key="dh0_skips_first_step",
        )
    right = [name for name in _SEQ_NAMES if name not in wrong]
    fail(
        f"{where}: " + _summary(wrong, right, _SEQ_HINTS, "(use rnnlab.nn.rnn_step_backward for each step)"),
        key="wrong_grads",
    )


def _bptt(inputs, dh, *, carry=True, each_step=True, start_with_last=False, per_step=False) -> dict:
    """Reference BPTT and the classic wrong variants, for diagnosing a student's answer.

    carry=False: the gradient from step t+1 is not passed back to step t; each_step=False: dh[:, t] is not
    added at each step; start_with_last: the carried gradient starts as dh[:, T-1] instead of 0 (together with
    each_step=False: only the last step's loss counts; with each_step=True: it counts twice).
    per_step: lists of each step's dWx, dWh, db instead of their sums. Also returns "dh_total0", the total
    gradient on h[:, 0].
    """
    h, _ = _rnn.rnn_forward(*inputs)
    x, h0, Wx, Wh, _ = inputs
    dh_next = dh[:, -1].copy() if start_with_last else np.zeros_like(h0)
    out = {"dx": np.zeros_like(x), "dWx": [], "dWh": [], "db": []}
    for t in reversed(range(x.shape[1])):
        total = dh_next + dh[:, t] if each_step else dh_next
        step_cache = _rnn.RNNStepCache(x[:, t], h0 if t == 0 else h[:, t - 1], Wx, Wh, h[:, t], "tanh")
        out["dx"][:, t], dh_prev, *step_grads = _rnn.rnn_step_backward(total, step_cache)
        dh_next = dh_prev if carry else np.zeros_like(h0)
        for name, g in zip(("dWx", "dWh", "db"), step_grads, strict=True):
            out[name].insert(0, g)
    out["dh_total0"], out["dh0"] = total, dh_prev
    if not per_step:
        out.update({name: sum(out[name]) for name in ("dWx", "dWh", "db")})
    return out


def _matches(grads, variant) -> bool:
    return all(is_close(grads[name], variant[name]) for name in _SEQ_NAMES)


def _call_rnn_backward(rnn_backward, inputs, dh, check_delegation=False) -> dict:
    __tracebackhide__ = True
    _, cache = _rnn.rnn_forward(*_copies(inputs))  # a fresh cache: the student may change it in place
    call = "rnn_backward(dh, cache)"
    if check_delegation:
        result = assert_not_delegating(rnn_backward, _rnn.rnn_backward, dh.copy(), cache)
    else:
        result = call_student(rnn_backward, call, dh.copy(), cache)
    return dict(zip(_SEQ_NAMES, expect_tuple(call, result, _SEQ_NAMES), strict=True))


def _numerical_gradients(forward, inputs, dh, names) -> dict:
    """Centred-difference gradients of sum(dh * forward(*inputs)[0]) with respect to each input, by name."""
    inputs = _copies(inputs)
    return {
        name: numerical_gradient(lambda _: forward(*inputs)[0], value, dh)
        for name, value in zip(names, inputs, strict=True)
    }


def _sequence_problem():
    """Fixed (x (2, 4, 3), h0 (2, 5), Wx (3, 5), Wh (5, 5), b (5,)): every term nonzero, tanh not saturated."""
    rng = np.random.default_rng(11)
    return (
        rng.standard_normal((2, 4, 3)),
        rng.uniform(-0.5, 0.5, (2, 5)),
        0.6 * rng.standard_normal((3, 5)),
        0.6 * rng.standard_normal((5, 5)),
        0.2 * rng.standard_normal(5),
    )


# ---------------------------------------------------------------------------------------------------
# Exercise 3: the temporal softmax loss.


def check_temporal_softmax_loss(temporal_softmax_loss) -> None:
    """temporal_softmax_loss(logits, y, mask) -> (loss, dlogits): summed over unmasked steps, divided by N."""
    __tracebackhide__ = True
    N, T, V = 2, 3, 4
    y = np.array([[0, 3, 1], [2, 2, 0]])
    everywhere = np.ones((N, T), dtype=bool)

    # Uniform scores: every step costs exactly log V.
    loss, dlogits = _call_loss(temporal_softmax_loss, np.zeros((N, T, V)), y, everywhere, check_delegation=True)
    if np.ndim(loss) != 0:
        fail(
            f"`loss` should be a single number, got an array of shape {np.shape(loss)}: sum it up",
            key="loss_not_scalar",
        )
    expect_shape("dlogits", dlogits, (N, T, V), hint="one gradient per score: dlogits has the shape of logits")
    uniform = T * np.log(V)  # per sequence: T steps of log V; averaged over the N sequences
    if is_close(loss, uniform / T):
        fail(
            "you averaged the loss over all N*T steps (or over the unmasked steps): sum over the time steps and "
            "divide by N only "
            f"(with all-zero scores, N = {N}, T = {T}, V = {V} the loss is T log V = {uniform:.4f})",
            key="loss_averaged_over_steps",
        )
    if is_close(loss, N * uniform):
        fail(
            f"you summed over the batch too: divide by N = {N} (the loss for all-zero scores is T log V)",
            key="loss_summed_over_batch",
        )
    if is_close(loss, -uniform):
        fail("your loss is negative: the cross-entropy is -log softmax(logits)[y]", key="loss_sign_flipped")
    expect_close(
        "loss", loss, uniform, hint="with all-zero scores each step costs log V, so the loss is T log V",
        key="wrong_loss",
    )

    # Random scores, every step counts.
    logits = np.random.default_rng(5).standard_normal((N, T, V))
    loss, dlogits = _call_loss(temporal_softmax_loss, logits, y, everywhere)
    hint = "loss = -(1/N) sum over n, t of log softmax(logits[n, t])[y[n, t]]"
    expect_close("loss", loss, _loss_by_hand(logits, y, everywhere), hint=hint, key="wrong_loss")
    _check_dlogits(dlogits, logits, y, everywhere)

    # Masked steps: the second sequence is one step shorter, the first misses its first target.
    mask = np.array([[False, True, True], [True, True, False]])
    loss, dlogits = _call_loss(temporal_softmax_loss, logits, y, mask)
    if is_close(loss, _loss_by_hand(logits, y, everywhere)):
        fail("the mask is ignored: steps where mask is False must add nothing to the loss", key="ignored_mask")
    expect_close(
        "loss", loss, _loss_by_hand(logits, y, mask), hint="multiply each step's loss by mask[n, t]",
        key="misapplied_mask",
    )
    if np.any(as_array("dlogits", dlogits)[~mask] != 0):
        fail("`dlogits` is not zero where mask is False: masked-out steps get no gradient", key="dlogits_ignores_mask")
    _check_dlogits(dlogits, logits, y, mask)

    # Huge scores: exp(1000) overflows unless the maximum is subtracted first.
    big = 1000.0 * logits
    loss, dlogits = _call_loss(temporal_softmax_loss, big, y, mask, finite=True)
    expect_close(
        "loss", loss, _loss_by_hand(big, y, mask), hint="subtract the largest score before exp",
        key="unstable_softmax",
    )
    _check_dlogits(dlogits, big, y, mask)
    passed("temporal_softmax_loss: normalisation, mask, gradient and large scores are right")


def _call_loss(fn, logits, y, mask, check_delegation=False, finite=False):
    __tracebackhide__ = True
    call = "temporal_softmax_loss(logits, y, mask)"
    args = (logits.copy(), y.copy(), mask.copy())
    with np.errstate(all="ignore"):  # an overflow shows up as inf/NaN below, with advice, not as a warning
        if check_delegation:
            result = assert_not_delegating(fn, _losses.temporal_softmax_loss, *args)
        else:
            result = call_student(fn, call, *args)
    loss, dlogits = expect_tuple(call, result, ("loss", "dlogits"))
    if finite and not all(np.all(np.isfinite(np.asarray(v, dtype=float))) for v in (loss, dlogits)):
        fail(
            "with scores around 1000 your loss or dlogits is inf or NaN: exp(1000) overflows. Subtract each "
            "row's largest score first, log_probs = shifted - log(sum(exp(shifted))) with shifted = logits - max",
            key="unstable_softmax",
        )
    return loss, dlogits


def _loss_by_hand(logits, y, mask) -> float:
    N, T, _ = logits.shape
    total = 0.0
    for n in range(N):
        for t in range(T):
            if mask[n, t]:
                z = logits[n, t] - logits[n, t].max()
                total += np.log(np.sum(np.exp(z))) - z[y[n, t]]
    return total / N


def _check_dlogits(dlogits, logits, y, mask) -> None:
    __tracebackhide__ = True
    N = logits.shape[0]
    expected = numerical_gradient(lambda z: _loss_by_hand(z, y, mask), logits.copy(), h=1e-6)
    dlogits = as_array("dlogits", dlogits)
    if rel_error(dlogits, expected) < 1e-6:
        return
    if is_close(dlogits, N * expected, atol=1e-6):
        fail("`dlogits` is N times too large: divide it by N, like the loss", key="dlogits_not_divided_by_n")
    if is_close(dlogits, -expected, atol=1e-6):
        fail("`dlogits` has the wrong sign: it is (softmax - onehot(y)) / N", key="dlogits_sign_flipped")
    if is_close(dlogits, expected * N / mask.sum(), atol=1e-6):
        fail(
            "`dlogits` is divided by the number of steps N*T: divide it by N only, like the loss",
            key="dlogits_averaged_over_steps",
        )
    fail(
        "`dlogits` does not match the numerical gradient: dlogits = mask * (softmax(logits) - onehot(y)) / N",
        key="wrong_dlogits",
    )


# ---------------------------------------------------------------------------------------------------
# Exercise 4: one step of truncated BPTT.


def check_tbptt_step(tbptt_step) -> None:
    """tbptt_step(params, x_chunk, y_chunk, h_carry, lr) -> (loss, h_next): forward from h_carry, backward
    within the chunk only, SGD update of params in place."""
    __tracebackhide__ = True
    params, x, y, h_carry = _tbptt_problem()
    lr = 0.1
    student_params = _copy(params)
    call = "tbptt_step(params, x_chunk, y_chunk, h_carry, lr)"
    h_given = h_carry.copy()
    args = (student_params, x.copy(), y.copy(), h_given, lr)
    result = assert_not_delegating(tbptt_step, _char_rnn.char_rnn_loss, *args)
    loss, h_next = expect_tuple(call, result, ("loss", "h_next"))
    N, H = h_carry.shape
    k = x.shape[1]
    if np.ndim(loss) != 0:
        fail(f"`loss` should be a single number, got shape {np.shape(loss)}", key="loss_not_scalar")
    if as_array("h_next", h_next).shape == (N, k, H):
        fail(
            "`h_next` holds every step's state: return only the last one, h[:, -1], of shape (N, H)",
            key="h_next_holds_every_step",
        )
    expect_shape("h_next", h_next, (N, H), hint="the hidden state after the chunk's last step, h[:, -1]")
    if not np.array_equal(h_given, h_carry):
        fail(
            "`h_carry` was changed in place: the previous chunk's state is a constant here, truncated BPTT sends "
            "no gradient into it",
            key="mutated_input",
        )

    loss_ref, grads, h_last = _char_rnn.char_rnn_loss(params, x, y, h_carry)
    zeros = np.zeros_like(h_carry)
    loss_zero, grads_zero, h_last_zero = _char_rnn.char_rnn_loss(params, x, y, zeros)
    if is_close(loss, loss_zero) or is_close(h_next, h_last_zero):
        fail(
            "you started the chunk from zeros: start from h_carry, the state carried over from the previous chunk",
            key="ignored_h0",
        )
    hint = "the loss is rnnlab.nn.temporal_softmax_loss of the scores h @ Wy + by, before the update"
    expect_close("loss", loss, loss_ref, hint=hint, key="wrong_loss")
    if is_close(h_next, h_carry):
        fail("`h_next` is h_carry: return the new state after the chunk, h[:, -1]", key="returned_h_carry")
    if is_close(h_next, _char_rnn.char_rnn_loss(params, x[:, :1], y[:, :1], h_carry)[2]):
        fail(
            "`h_next` is the state after the first step: return the state after the last step, h[:, -1]",
            key="h_next_after_first_step",
        )
    expect_close(
        "h_next", h_next, h_last, hint="h_next is h[:, -1], from this chunk's forward pass before the update",
        key="wrong_h_next",
    )

    names = _char_rnn.PARAM_NAMES
    missing = [name for name in names if name not in student_params]
    if missing:
        fail(
            f"params lost key(s) {', '.join(missing)}: update the arrays in place, params[name] -= lr * grad",
            key="dropped_param_keys",
        )
    new = {name: as_array(f"params[{name!r}]", student_params[name]) for name in names}
    if all(np.array_equal(new[name], params[name]) for name in names):
        fail(
            "params were not updated: change them in place, params[name] -= lr * grads[name]",
            key="params_not_updated",
        )
    if all(is_close(new[name], params[name] + lr * grads[name]) for name in names):
        fail("you stepped up the gradient: subtract it, params[name] -= lr * grads[name]", key="gradient_ascent")
    if all(is_close(new[name], params[name] - grads[name]) for name in names):
        fail("the update forgets the learning rate: params[name] -= lr * grads[name]", key="forgot_learning_rate")
    if all(is_close(new[name], params[name] - lr * grads_zero[name]) for name in names):
        fail(
            "your gradients come from a forward pass started at zeros: start it from h_carry",
            key="grads_from_zero_state",
        )
    wrong = [name for name in names if not is_close(new[name], params[name] - lr * grads[name])]
    if wrong:
        fail(
            f"after the update params {', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} wrong: check the "
            "backward pass, temporal_affine_backward then rnn_backward, and that every parameter gets its gradient",
            key="wrong_grads",
        )
    _check_the_cut(tbptt_step, params, lr)
    passed("tbptt_step: starts from h_carry, updates every parameter by SGD, and cuts the gradient at the chunk")


def _check_the_cut(tbptt_step, params, lr) -> None:
    """Against numerical gradients (not rnnlab's backward pass): one chunk of the whole sequence is full BPTT, and a
    second chunk's update is the gradient of its own loss with the carried state held constant."""
    __tracebackhide__ = True
    rng = np.random.default_rng(22)
    V = params["Wy"].shape[1]
    N, H = 2, params["Wh"].shape[0]
    x, y = rng.integers(0, V, size=(N, 6)), rng.integers(0, V, size=(N, 6))
    zeros = np.zeros((N, H))

    def numeric_update(x_chunk, y_chunk, h_start):
        """-lr * d(loss of the chunk)/d(params) by centred differences, the chunk started from h_start."""
        probe = _copy(params)

        def loss(_):
            return _char_rnn.char_rnn_loss(probe, x_chunk, y_chunk, h_start)[0]

        return {name: -lr * numerical_gradient(loss, probe[name]) for name in _char_rnn.PARAM_NAMES}

    def student_update(x_chunk, y_chunk, h_carry):
        mine = _copy(params)
        call_student(tbptt_step, "tbptt_step(params, x_chunk, y_chunk, h_carry, lr)", mine, x_chunk.copy(),
                     y_chunk.copy(), h_carry.copy(), lr)
        return {name: mine[name] - params[name] for name in _char_rnn.PARAM_NAMES}

    def differ(mine, truth):
        return [name for name in _char_rnn.PARAM_NAMES if rel_error(mine[name], truth[name]) > 1e-5]

    wrong = differ(student_update(x, y, zeros), numeric_update(x, y, zeros))
    if wrong:
        fail(
            f"with one chunk holding the whole sequence (k = T, started from zeros) truncated BPTT is full BPTT, but "
            f"your update of {', '.join(wrong)} differs from the numerical gradient of the loss: check the backward "
            "pass through every step",
            key="incomplete_bptt",
        )
    h_carry = _char_rnn.char_rnn_loss(params, x[:, :3], y[:, :3], zeros)[2]  # the state after a first chunk
    mine = student_update(x[:, 3:], y[:, 3:], h_carry)
    wrong = differ(mine, numeric_update(x[:, 3:], y[:, 3:], h_carry))
    if wrong:
        fail(
            f"on a second chunk your update of {', '.join(wrong)} is not the numerical gradient of that chunk's loss "
            "with h_carry held constant: the gradient stops at the chunk's start (drop rnn_backward's dh0)",
            key="gradient_not_truncated",
        )


def _tbptt_problem():
    """params for V = 5 characters and H = 4 units (random biases), x, y (2, 3) and a nonzero h_carry (2, 4)."""
    rng = np.random.default_rng(21)
    V, H, N, k = 5, 4, 2, 3
    params = _char_rnn.init_char_rnn(V, H, rng=rng)
    params["b"] = 0.3 * rng.standard_normal(H)
    params["by"] = 0.3 * rng.standard_normal(V)
    x = rng.integers(0, V, size=(N, k))
    y = rng.integers(0, V, size=(N, k))
    return params, x, y, np.tanh(rng.standard_normal((N, H)))


# ---------------------------------------------------------------------------------------------------


def _summary(wrong, right, hints: dict, note: str) -> str:
    verb = "is" if len(wrong) == 1 else "are"
    text = f"{', '.join(wrong)} {verb} wrong"
    if right:
        text += f" while {', '.join(right)} {'is' if len(right) == 1 else 'are'} right"
    return f"{text}: check " + "; ".join(hints[name] for name in wrong) + f" {note}"


def _copies(arrays):
    return tuple(a.copy() for a in arrays)


def _copy(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: value.copy() for name, value in params.items()}


def references():
    """The trusted references of notebook 04's hidden tests (see ``_common.references``)."""
    return _references(
        step_forward=_rnn.rnn_step_forward, step_backward=_rnn.rnn_step_backward, rnn_forward=_rnn.rnn_forward,
        rnn_backward=_rnn.rnn_backward, softmax_loss=_losses.temporal_softmax_loss,
        init_char_rnn=_char_rnn.init_char_rnn, char_rnn_loss=_char_rnn.char_rnn_loss, tbptt_step=_char_rnn.tbptt_step,
    )
