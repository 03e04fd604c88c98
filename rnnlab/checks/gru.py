"""Checks for notebook 07_gru: gru_step_forward, gru_step_backward and gru_backward (the seeds' form).

Each check switches one term on at a time so that a failure names the likely mistake::

    from rnnlab.checks import gru
    gru.check_gru_step_forward(gru_step_forward)

Gate blocks are r, z, n; h = (1 - z) * h_prev + z * n; the step cache is rnnlab's
GRUStepCache(x, h_prev, Wx, Wh, rzn, rh, h).
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
from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.nn import gru as _gru
from rnnlab.nn.activations import sigmoid

# What the grader withholds from the student's kernel and answers outside it, seeing every call
# (rnnlab.grading.withhold): rnnlab's own answers to this notebook's exercises and what computes them too, and
# the demos' training run (one call instead of hundreds of forward and backward passes).
WITHHELD_WHILE_GRADING = (_gru.gru_step_forward, _gru.gru_forward, _gru.gru_step_backward, _gru.gru_backward,
                          _train.train_adding)

_STEP_CALL = "gru_step_forward(x, h_prev, Wx, Wh, b)"
_STEP_NAMES = ("dx", "dh_prev", "dWx", "dWh", "db")
_SEQ_NAMES = ("dx", "dh0", "dWx", "dWh", "db")


def _right(x, h_prev, Wx, Wh, b):
    return _gru.gru_step_forward(x, h_prev, Wx, Wh, b)[0]


# ---------------------------------------------------------------------------------------------------
# Exercise 1: one step forward.


def check_gru_step_forward(gru_step_forward) -> None:
    """gru_step_forward(x, h_prev, Wx, Wh, b) -> (h, cache), one term at a time."""
    __tracebackhide__ = True
    x, h_prev, Wx, Wh, b = _step_problem(N=3, D=4, H=5, seed=0)
    H = 5
    zeros_x, zeros_h, zeros_b = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    _step(gru_step_forward, (x, h_prev, Wx, Wh, b), first=True)

    # Wx = Wh = 0: z and n come from their biases alone (r has nothing to scale), so h mixes h_prev and tanh(b_n)
    h = _step(gru_step_forward, (x, h_prev, zeros_x, zeros_h, b))
    bb = np.tile(b, (3, 1))
    r, z, n = sigmoid(bb[:, :H]), sigmoid(bb[:, H:2 * H]), np.tanh(bb[:, 2 * H:])
    if is_close(h, z * h_prev + (1 - z) * n):
        fail("you used PyTorch's update rule h = z * h_prev + (1 - z) * n: in the seeds' form (this course's) "
             "z is the share of the NEW candidate, h = (1 - z) * h_prev + z * n", key="pytorch_update_rule")
    if is_close(h, (1 - r) * h_prev + r * n):
        fail("you took the update gate from the first block: the blocks are r, z, n, so z = sigmoid(a[:, H:2H])",
             key="gates_swapped")
    if is_close(h, n):
        fail("h is only the candidate n: keep part of the old state, h = (1 - z) * h_prev + z * n",
             key="forgot_old_state")
    expect_close("h", h, (1 - z) * h_prev + z * n,
                 hint="with Wx = 0 and Wh = 0, h = (1 - z) * h_prev + z * n with z = sigmoid(b_z), n = tanh(b_n)",
                 key="wrong_h")

    # Wx = 0, b = 0: the recurrent terms, where the reset gate acts
    h = _step(gru_step_forward, (x, h_prev, zeros_x, Wh, zeros_b))
    a_rz = h_prev @ Wh[:, :2 * H]
    r, z = sigmoid(a_rz[:, :H]), sigmoid(a_rz[:, H:])
    if is_close(h, (1 - z) * h_prev + z * np.tanh(r * (h_prev @ Wh[:, 2 * H:]))):
        fail("you applied the reset gate after the product, r * (h_prev @ Wh_n) (PyTorch's GRU): in the seeds' form "
             "it scales the state first, n = tanh(x @ Wx_n + (r * h_prev) @ Wh_n + b_n)", key="reset_after_product")
    if is_close(h, (1 - z) * h_prev + z * np.tanh(h_prev @ Wh[:, 2 * H:])):
        fail("the reset gate does nothing in your candidate: n = tanh(x @ Wx_n + (r * h_prev) @ Wh_n + b_n)",
             key="ignored_reset_gate")
    expect_close("h", h, _right(x, h_prev, zeros_x, Wh, zeros_b),
                 hint="with Wx = 0 and b = 0: r and z from h_prev @ Wh's first two blocks, n from (r * h_prev) @ Wh_n",
                 key="wrong_recurrent_term")

    h = _step(gru_step_forward, (x, h_prev, Wx, zeros_h, zeros_b))
    if is_close(h, _right(x, h_prev, zeros_x, zeros_h, zeros_b)):
        fail("with Wh = 0 and b = 0 your h ignores the input: add x @ Wx to every block's pre-activation",
             key="ignored_input")
    expect_close("h", h, _right(x, h_prev, Wx, zeros_h, zeros_b),
                 hint="with Wh = 0 and b = 0 the gates and the candidate come from x @ Wx: check your input term",
                 key="wrong_input_term")

    h = _step(gru_step_forward, (x, h_prev, Wx, Wh, b))
    expect_close("h", h, _right(x, h_prev, Wx, Wh, b),
                 hint="each term is right alone but not together: a = x @ Wx + b, plus the recurrent products",
                 key="wrong_preactivation")

    sizes = "right for N=3, D=4, H=5 but not for N=1, D=2, H=3: take the sizes from the arrays, not fixed numbers"
    small = _step_problem(N=1, D=2, H=3, seed=1)
    h = _step(gru_step_forward, small, sizes=sizes)
    expect_close("h", h, _right(*small), hint=sizes, key="hard_coded_sizes")
    passed("gru_step_forward: update rule, gate order, reset gate, input and recurrent terms are right")


def _step(gru_step_forward, args, first=False, sizes=""):
    """Call the student's step on copies; check the returned tuple and the shape; return h."""
    __tracebackhide__ = True
    copies = tuple(a.copy() for a in args)
    if first:
        result = assert_not_delegating(gru_step_forward, (_gru.gru_step_forward, _gru.gru_forward), *copies)
    else:
        result = call_student(gru_step_forward, _STEP_CALL, *copies)
    h, _ = expect_tuple(_STEP_CALL, result, ("h", "cache"))
    if sizes:  # the shape was right for the first problem's sizes
        expect_shape("h", h, args[1].shape, hint=sizes, key="hard_coded_sizes")
    else:
        expect_shape("h", h, args[1].shape, hint="h has one row per example and H columns, like h_prev")
    for name, original, copy in zip(("x", "h_prev", "Wx", "Wh", "b"), args, copies, strict=True):
        if not np.array_equal(original, copy):
            fail(f"your function changed its input `{name}` in place: compute new arrays instead", key="mutated_input")
    return as_array("h", h)


def _step_problem(N: int, D: int, H: int, seed: int):
    """x, h_prev, Wx, Wh, b of moderate size, so that every gate is in its curved range."""
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((N, D)),
        rng.uniform(-0.8, 0.8, (N, H)),
        0.6 * rng.standard_normal((D, 3 * H)),
        0.7 * rng.standard_normal((H, 3 * H)),
        rng.uniform(-1.0, 1.0, 3 * H),
    )


# ---------------------------------------------------------------------------------------------------
# Exercise 2: one step backward.


def check_gru_step_backward(gru_step_backward) -> None:
    """gru_step_backward(dh, cache) -> (dx, dh_prev, dWx, dWh, db), against numerical gradients."""
    __tracebackhide__ = True
    call = "gru_step_backward(dh, cache)"
    for k, size in enumerate(((3, 4, 5), (1, 2, 3))):
        inputs = _step_problem(*size, seed=10 + k)
        dh = np.random.default_rng(20 + k).standard_normal((size[0], size[2]))
        _, cache = _gru.gru_step_forward(*inputs)
        if k == 0:
            result = assert_not_delegating(gru_step_backward, (_gru.gru_step_backward, _gru.gru_backward),
                                           dh.copy(), cache)
        else:
            result = call_student(gru_step_backward, call, dh.copy(), cache)
        grads = dict(zip(_STEP_NAMES, expect_tuple(call, result, _STEP_NAMES), strict=True))
        for name, like in zip(_STEP_NAMES, inputs, strict=True):
            expect_shape(name, grads[name], like.shape, hint="a gradient has the shape of its variable")
        numeric = _numerical_step(inputs, dh)
        wrong = [n for n in _STEP_NAMES if rel_error(as_array(n, grads[n]), numeric[n]) > 1e-6]
        if not wrong:
            continue
        right = [n for n in _STEP_NAMES if n not in wrong]
        if wrong == ["dh_prev"]:
            x, h_prev, Wx, Wh, b = inputs
            z = cache.rzn[:, size[2]:2 * size[2]]
            if is_close(grads["dh_prev"] + dh * (1 - z), numeric["dh_prev"]):
                fail("`dh_prev` misses the direct path: h = (1 - z) * h_prev + z * n, so add dh * (1 - z)",
                     key="missing_direct_path")
            fail("only `dh_prev` is wrong: h_prev reaches h three ways, directly (dh * (1 - z)), through r * h_prev "
                 "(d(r * h_prev) * r) and through the gates' products h_prev @ Wh_r and h_prev @ Wh_z",
                 key="wrong_dh_prev")
        fail(f"{', '.join(wrong)} wrong" + (f" ({', '.join(right)} right)" if right else "")
             + ": dn = dh * z, dz = dh * (n - h_prev), through tanh' = 1 - n**2 and sigmoid' = s * (1 - s); "
               "the candidate's product sees r * h_prev, so dWh_n = (r * h_prev).T @ da_n and "
               "dr = (da_n @ Wh_n.T) * h_prev", key="wrong_grads")
    passed("gru_step_backward: every gradient matches the numerical one")


def _numerical_step(inputs, dh):
    """Numerical gradients of sum(dh * h) with respect to each input of one step."""

    def loss_of(k):
        def f(value):
            args = list(inputs)
            args[k] = value
            return np.sum(dh * _right(*args))

        return f

    return {name: numerical_gradient(loss_of(k), inputs[k].copy()) for k, name in enumerate(_STEP_NAMES)}


# ---------------------------------------------------------------------------------------------------
# Exercise 3: a whole sequence backward.


def check_gru_backward(gru_backward) -> None:
    """gru_backward(dh, cache) -> (dx, dh0, dWx, dWh, db), carrying dh back through time."""
    __tracebackhide__ = True
    rng = np.random.default_rng(30)
    x = rng.standard_normal((2, 5, 3))
    _, h0, Wx, Wh, b = _step_problem(N=2, D=3, H=4, seed=31)
    inputs = (x, h0, Wx, Wh, b)
    call = "gru_backward(dh, cache)"
    for case in ("last step", "every step"):
        dh = np.zeros((2, 5, 4))
        dh[:, -1] = rng.standard_normal((2, 4))
        if case == "every step":
            dh = rng.standard_normal((2, 5, 4))
        _, cache = _gru.gru_forward(*inputs)
        if case == "last step":
            result = assert_not_delegating(gru_backward, _gru.gru_backward, dh.copy(), cache)
        else:
            result = call_student(gru_backward, call, dh.copy(), cache)
        grads = dict(zip(_SEQ_NAMES, expect_tuple(call, result, _SEQ_NAMES), strict=True))
        for name, like in zip(_SEQ_NAMES, inputs, strict=True):
            expect_shape(name, grads[name], like.shape, hint="a gradient has the shape of its variable")
        right = dict(zip(_SEQ_NAMES, _gru.gru_backward(dh, cache), strict=True))
        wrong = [n for n in _SEQ_NAMES if rel_error(as_array(n, grads[n]), right[n]) > 1e-6]
        if not wrong:
            continue
        only_last = _gru.gru_backward(_only_last(dh), cache)
        if case == "every step" and all(is_close(grads[n], e) for n, e in zip(_SEQ_NAMES, only_last, strict=True)):
            fail("only the last step's dh reached the weights: add the upstream dh[:, t] at every step, "
                 "dh_t = dh[:, t] + dh_prev of step t + 1", key="missing_upstream_grad")
        if is_close(grads["dh0"], 0 * right["dh0"]):
            fail("`dh0` is 0: carry dh_prev from each step to the step before, and return the last one as dh0",
                 key="missing_recurrent_grad")
        fine = [n for n in _SEQ_NAMES if n not in wrong]
        fail(f"with the loss on {case}: {', '.join(wrong)} wrong" + (f" ({', '.join(fine)} right)" if fine else "")
             + ": dx[:, t] is step t's dx, dh0 the last dh_prev, and the weight gradients are summed over t",
             key="wrong_grads")
    passed("gru_backward: dh is carried back through time, weight gradients summed over the steps")


def _only_last(dh):
    out = np.zeros_like(dh)
    out[:, -1] = dh[:, -1]
    return out


def references():
    """The trusted references of notebook 07's hidden tests (see ``_common.references``)."""
    return _references(
        step_forward=_gru.gru_step_forward, step_backward=_gru.gru_step_backward, gru_forward=_gru.gru_forward,
        gru_backward=_gru.gru_backward,
    )
