"""Checks for notebook 06_lstm: lstm_step_forward, lstm_step_backward and lstm_backward.

Each check switches one term on at a time so that a failure names the likely mistake::

    from rnnlab.checks import lstm
    lstm.check_lstm_step_forward(lstm_step_forward)

Gate blocks are in the order i, f, g, o (PyTorch's); the step cache is rnnlab's
LSTMStepCache(x, h_prev, c_prev, Wx, Wh, ifgo, c, tanh_c, h).
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
from rnnlab.nn import lstm as _lstm
from rnnlab.nn.activations import sigmoid

# What the grader withholds from the student's kernel and answers outside it, seeing every call
# (rnnlab.grading.withhold): rnnlab's own answers to this notebook's exercises and what computes them too, and
# the demos' training run (one call instead of hundreds of forward and backward passes).
WITHHELD_WHILE_GRADING = (_lstm.lstm_step_forward, _lstm.lstm_forward, _lstm.lstm_step_backward, _lstm.lstm_backward,
                          _train.train_adding)

_STEP_CALL = "lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)"
_STEP_NAMES = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")
_SEQ_NAMES = ("dx", "dh0", "dWx", "dWh", "db")


# ---------------------------------------------------------------------------------------------------
# Exercise 1: one step forward.


def check_lstm_step_forward(lstm_step_forward) -> None:
    """lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b) -> (h, c, cache), one term at a time."""
    __tracebackhide__ = True
    x, h_prev, c_prev, Wx, Wh, b = _step_problem(N=3, D=4, H=5, seed=0)
    H = 5
    zeros_x, zeros_h = np.zeros_like(Wx), np.zeros_like(Wh)
    _step(lstm_step_forward, (x, h_prev, c_prev, Wx, Wh, b), first=True)

    # Wx = Wh = 0: every gate is a function of its bias only, so each block can be told apart.
    h, c = _step(lstm_step_forward, (x, h_prev, c_prev, zeros_x, zeros_h, b))
    i, f, g, o = _gates(np.tile(b, (3, 1)), H)
    c_right, h_right = f * c_prev + i * g, o * np.tanh(f * c_prev + i * g)
    _diagnose_gates(h, c, i, f, g, o, c_prev, b, H)
    expect_close("c", c, c_right, hint="with Wx = 0 and Wh = 0, c = f * c_prev + i * g with each gate from its bias",
                 key="wrong_c")
    if is_close(h, o * c_right):
        fail("h = o * c is missing the tanh: the output is h = o * tanh(c)", key="forgot_tanh_c")
    if is_close(h, np.tanh(o * c_right)):
        fail("you took tanh(o * c): the tanh squashes the cell state first, h = o * tanh(c)", key="tanh_outside_gate")
    expect_close("h", h, h_right, hint="h = o * tanh(c) with o = sigmoid of the output block (the last H columns)",
                 key="wrong_h")

    h, c = _step(lstm_step_forward, (x, h_prev, c_prev, Wx, zeros_h, np.zeros_like(b)))
    if is_close(c, _forward(x, h_prev, c_prev, zeros_x, zeros_h, np.zeros_like(b))[1]):
        fail("with Wh = 0 and b = 0 your c ignores the input: add the input term x @ Wx to the gates' pre-activations",
             key="ignored_input")
    expect_close("c", c, _forward(x, h_prev, c_prev, Wx, zeros_h, np.zeros_like(b))[1],
                 hint="with Wh = 0 and b = 0 the gates come from x @ Wx: check your input term", key="wrong_input_term")

    h, c = _step(lstm_step_forward, (x, h_prev, c_prev, zeros_x, Wh, np.zeros_like(b)))
    if is_close(c, _forward(x, h_prev, c_prev, zeros_x, zeros_h, np.zeros_like(b))[1]):
        fail("with Wx = 0 and b = 0 your c ignores h_prev: add the recurrent term h_prev @ Wh to the pre-activations",
             key="ignored_h_prev")
    expect_close("c", c, _forward(x, h_prev, c_prev, zeros_x, Wh, np.zeros_like(b))[1],
                 hint="with Wx = 0 and b = 0 the gates come from h_prev @ Wh: check your recurrent term",
                 key="wrong_recurrent_term")

    h, c = _step(lstm_step_forward, (x, h_prev, c_prev, Wx, Wh, b))
    h_right, c_right = _forward(x, h_prev, c_prev, Wx, Wh, b)
    expect_close("c", c, c_right, hint="each term is right alone but not together: a = x @ Wx + h_prev @ Wh + b",
                 key="wrong_preactivation")
    expect_close("h", h, h_right, hint="each term is right alone but not together: a = x @ Wx + h_prev @ Wh + b",
                 key="wrong_preactivation")

    sizes = "right for N=3, D=4, H=5 but not for N=1, D=2, H=3: take the sizes from the arrays, not fixed numbers"
    small = _step_problem(N=1, D=2, H=3, seed=1)
    h, c = _step(lstm_step_forward, small, sizes=sizes)
    expect_close("h", h, _forward(*small)[0], hint=sizes, key="hard_coded_sizes")
    passed("lstm_step_forward: gate order, cell state, output, input and recurrent terms are right")


def _diagnose_gates(h, c, i, f, g, o, c_prev, b, H) -> None:
    """Name the gate mix-up that explains a wrong c (gates made from the bias alone)."""
    __tracebackhide__ = True
    if is_close(c, f * c_prev + i * g):
        return
    if is_close(c, i * c_prev + f * g):
        fail("you swapped the input and forget gates: the blocks are i, f, g, o, so f = sigmoid(a[:, H:2H])",
             key="gates_swapped")
    i2, f2, o2, g2 = _gates(np.tile(b, (3, 1)), H, order="ifog")
    if is_close(c, f2 * c_prev + i2 * g2):
        fail("you used the gate order i, f, o, g (CS231n's): here the blocks are i, f, g, o, so g = tanh(a[:, 2H:3H]) "
             "and o = sigmoid(a[:, 3H:])", key="wrong_gate_order")
    if is_close(c, i * g):
        fail("c forgets everything: the new cell state keeps f * c_prev, c = f * c_prev + i * g",
             key="cell_state_not_carried")
    if is_close(c, f * c_prev):
        fail("c never writes anything new: add the input gate times the candidate, c = f * c_prev + i * g",
             key="forgot_candidate")
    if is_close(c, f * c_prev + i * sigmoid(np.tile(b, (3, 1))[:, 2 * H:3 * H])):
        fail("the candidate g takes a tanh, not a sigmoid: g = tanh(a[:, 2H:3H]) can be negative",
             key="sigmoid_candidate")


def _gates(a, H, order="ifgo"):
    """The four gate values of pre-activation a (N, 4H), returned as i, f, g, o for order "ifgo" and as
    i, f, o, g read with the blocks in CS231n's order for "ifog"."""
    blocks = [a[:, k * H:(k + 1) * H] for k in range(4)]
    if order == "ifgo":
        return sigmoid(blocks[0]), sigmoid(blocks[1]), np.tanh(blocks[2]), sigmoid(blocks[3])
    return sigmoid(blocks[0]), sigmoid(blocks[1]), sigmoid(blocks[2]), np.tanh(blocks[3])


def _forward(x, h_prev, c_prev, Wx, Wh, b):
    """(h, c) of the right step."""
    h, c, _ = _lstm.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
    return h, c


def _step(lstm_step_forward, args, first=False, sizes=""):
    """Call the student's step on copies; check the returned tuple and the shapes; return (h, c)."""
    __tracebackhide__ = True
    copies = tuple(a.copy() for a in args)
    if first:
        result = assert_not_delegating(lstm_step_forward, (_lstm.lstm_step_forward, _lstm.lstm_forward), *copies)
    else:
        result = call_student(lstm_step_forward, _STEP_CALL, *copies)
    h, c, _ = expect_tuple(_STEP_CALL, result, ("h", "c", "cache"))
    N, H = args[1].shape
    if sizes:  # the shapes were right for the first problem's sizes
        expect_shape("h", h, (N, H), hint=sizes, key="hard_coded_sizes")
        expect_shape("c", c, (N, H), hint=sizes, key="hard_coded_sizes")
    else:
        hint = "h and c have one row per example and H columns, like h_prev and c_prev"
        expect_shape("h", h, (N, H), hint=hint)
        expect_shape("c", c, (N, H), hint=hint)
    for name, original, copy in zip(("x", "h_prev", "c_prev", "Wx", "Wh", "b"), args, copies, strict=True):
        if not np.array_equal(original, copy):
            fail(f"your function changed its input `{name}` in place: compute new arrays instead", key="mutated_input")
    return as_array("h", h), as_array("c", c)


def _step_problem(N: int, D: int, H: int, seed: int):
    """x, h_prev, c_prev, Wx, Wh, b of moderate size, so that every gate is in its curved range."""
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((N, D)),
        rng.uniform(-0.8, 0.8, (N, H)),
        rng.uniform(-1.5, 1.5, (N, H)),
        0.6 * rng.standard_normal((D, 4 * H)),
        0.5 * rng.standard_normal((H, 4 * H)),
        rng.uniform(-1.0, 1.0, 4 * H),
    )


# ---------------------------------------------------------------------------------------------------
# Exercise 2: one step backward.


def check_lstm_step_backward(lstm_step_backward) -> None:
    """lstm_step_backward(dh, dc, cache) -> (dx, dh_prev, dc_prev, dWx, dWh, db), against numerical gradients.

    The cache comes from rnnlab's lstm_step_forward. The upstream gradients arrive on h and on c separately: first
    on c alone (the cell path), then on h alone (which reaches c through h = o * tanh(c)), then on both."""
    __tracebackhide__ = True
    inputs = _step_problem(N=3, D=4, H=5, seed=2)
    rng = np.random.default_rng(3)
    upstream = {"dc only": (np.zeros((3, 5)), rng.standard_normal((3, 5))),
                "dh only": (rng.standard_normal((3, 5)), np.zeros((3, 5)))}
    upstream["dh and dc"] = (upstream["dh only"][0], upstream["dc only"][1])
    first = True
    for case, (dh, dc) in upstream.items():
        grads = _step_grads(lstm_step_backward, inputs, dh, dc, first)
        first = False
        numeric = _numerical_step(inputs, dh, dc)
        wrong = [n for n in _STEP_NAMES if rel_error(grads[n], numeric[n]) > 1e-6]
        if not wrong:
            continue
        if case == "dh only" and not is_close(grads["dc_prev"], numeric["dc_prev"]):
            fail("with a gradient on h only, `dc_prev` is wrong: dh reaches the cell state through h = o * tanh(c), "
                 "so the total gradient on c is dc + dh * o * (1 - tanh(c)**2), and dc_prev = that * f",
                 key="missing_dh_to_dc")
        if case == "dc only" and "dc_prev" in wrong:
            fail("with a gradient on c only, dc_prev should be dc * f: the old cell state enters "
                 "c = f * c_prev + i * g multiplied by the forget gate", key="dc_prev_missing_f")
        right = [n for n in _STEP_NAMES if n not in wrong]
        fail(f"with the upstream gradient on {case}: {', '.join(wrong)} wrong"
             + (f" ({', '.join(right)} right)" if right else "")
             + ": go back through c = f * c_prev + i * g and the gates' non-linearities, da = [di, df, dg, do] with "
               "di = dc * g * i * (1 - i), df = dc * c_prev * f * (1 - f), dg = dc * i * (1 - g**2), "
               "do = dh * tanh(c) * o * (1 - o); then dx = da @ Wx.T, dh_prev = da @ Wh.T, dWx = x.T @ da",
             key="wrong_grads")
    passed("lstm_step_backward: every gradient matches the numerical one, through h and through c")


def _step_grads(lstm_step_backward, inputs, dh, dc, first):
    __tracebackhide__ = True
    _, _, cache = _lstm.lstm_step_forward(*inputs)
    call = "lstm_step_backward(dh, dc, cache)"
    args = (dh.copy(), dc.copy(), cache)
    if first:
        result = assert_not_delegating(lstm_step_backward, (_lstm.lstm_step_backward, _lstm.lstm_backward), *args)
    else:
        result = call_student(lstm_step_backward, call, *args)
    grads = dict(zip(_STEP_NAMES, expect_tuple(call, result, _STEP_NAMES), strict=True))
    x, h_prev, c_prev, Wx, Wh, b = inputs
    shapes = {"dx": x.shape, "dh_prev": h_prev.shape, "dc_prev": c_prev.shape, "dWx": Wx.shape, "dWh": Wh.shape,
              "db": b.shape}
    for name, shape in shapes.items():
        expect_shape(name, grads[name], shape, hint="a gradient has the shape of its variable")
    return {name: as_array(name, value) for name, value in grads.items()}


def _numerical_step(inputs, dh, dc):
    """Numerical gradients of sum(dh * h + dc * c) with respect to each input of one step."""

    def loss_of(k):
        def f(value):
            args = list(inputs)
            args[k] = value
            h, c, _ = _lstm.lstm_step_forward(*args)
            return np.sum(dh * h + dc * c)

        return f

    return {name: numerical_gradient(loss_of(k), inputs[k].copy()) for k, name in enumerate(_STEP_NAMES)}


# ---------------------------------------------------------------------------------------------------
# Exercise 3: a whole sequence backward.


def check_lstm_backward(lstm_backward) -> None:
    """lstm_backward(dh, cache) -> (dx, dh0, dWx, dWh, db), carrying dh and dc back through time."""
    __tracebackhide__ = True
    x, h0, _, Wx, Wh, b = _step_problem(N=2, D=3, H=4, seed=4)
    x = np.random.default_rng(5).standard_normal((2, 5, 3))
    inputs = (x, h0, Wx, Wh, b)
    call = "lstm_backward(dh, cache)"
    for case in ("last step", "every step"):
        dh = np.zeros((2, 5, 4))
        dh[:, -1] = np.random.default_rng(6).standard_normal((2, 4))
        if case == "every step":
            dh = np.random.default_rng(7).standard_normal((2, 5, 4))
        _, cache = _lstm.lstm_forward(*inputs)
        if case == "last step":
            result = assert_not_delegating(lstm_backward, _lstm.lstm_backward, dh.copy(), cache)
        else:
            result = call_student(lstm_backward, call, dh.copy(), cache)
        grads = dict(zip(_SEQ_NAMES, expect_tuple(call, result, _SEQ_NAMES), strict=True))
        for name, like in zip(_SEQ_NAMES, inputs, strict=True):
            expect_shape(name, grads[name], like.shape, hint="a gradient has the shape of its variable")
        right = dict(zip(_SEQ_NAMES, _lstm.lstm_backward(dh, cache), strict=True))
        wrong = [n for n in _SEQ_NAMES if rel_error(as_array(n, grads[n]), right[n]) > 1e-6]
        if not wrong:
            continue
        if _matches(grads, _without_dc_carry(dh, cache)):
            fail("you did not carry the cell-state gradient back: each step's dc_prev is the next (earlier) step's dc; "
                 "start with dc = 0 at the last step and pass dc_prev along like dh_prev", key="missing_cell_grad")
        if case == "every step" and _matches(grads, _lstm.lstm_backward(_only_last(dh), cache)):
            fail("only the last step's dh reached the weights: add the upstream dh[:, t] at every step, "
                 "dh_t = dh[:, t] + dh_prev of step t + 1", key="missing_upstream_grad")
        right_names = [n for n in _SEQ_NAMES if n not in wrong]
        fail(f"with the loss on {case}: {', '.join(wrong)} wrong" + (f" ({', '.join(right_names)} right)"
             if right_names else "") + ": dx[:, t] is step t's dx, dh0 the last dh_prev, and the weight gradients "
             "are summed over t", key="wrong_grads")
    passed("lstm_backward: dh and dc are carried back through time, weight gradients summed over the steps")


def _matches(grads, expected) -> bool:
    return all(is_close(grads[n], e) for n, e in zip(_SEQ_NAMES, expected, strict=True))


def _only_last(dh):
    out = np.zeros_like(dh)
    out[:, -1] = dh[:, -1]
    return out


def _without_dc_carry(dh, cache):
    """The gradients when every step starts from dc = 0 (the cell path cut between steps)."""
    N, T, H = dh.shape
    dx, dWx, dWh, db = np.zeros_like(cache.x), np.zeros_like(cache.Wx), np.zeros_like(cache.Wh), 0.0
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        step = _lstm.lstm_step_cache(cache, t)
        dx[:, t], dh_next, _, dWx_t, dWh_t, db_t = _lstm.lstm_step_backward(dh[:, t] + dh_next, np.zeros((N, H)), step)
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dh_next, dWx, dWh, db


def references():
    """The trusted references of notebook 06's hidden tests (see ``_common.references``)."""
    return _references(
        step_forward=_lstm.lstm_step_forward, step_backward=_lstm.lstm_step_backward, lstm_forward=_lstm.lstm_forward,
        lstm_backward=_lstm.lstm_backward, sigmoid=sigmoid,
    )
