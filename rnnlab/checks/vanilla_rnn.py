"""Checks for notebook 03_vanilla_rnn: rnn_step_forward, rnn_forward, embedding_forward and embedding_backward.

Each check looks at the shapes first, then switches the terms on one at a time so that a failure names the
likely mistake (the bias, the input term, the recurrent term, the tanh, the initial state, the time axis).
It prints one line on success and raises AssertionError with a message for the student otherwise::

    from rnnlab.checks import vanilla_rnn
    vanilla_rnn.check_rnn_step_forward(rnn_step_forward)
"""

from __future__ import annotations

import numpy as np

from rnnlab.checks._common import (
    StudentCallError,
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
from rnnlab.nn import embedding as _embedding
from rnnlab.nn import rnn as _rnn

# What the grader withholds from the student's kernel and answers outside it, seeing every call
# (rnnlab.grading.withhold): rnnlab's own answers to this notebook's exercises and what computes them too.
WITHHELD_WHILE_GRADING = (_rnn.rnn_step_forward, _rnn.rnn_forward, _embedding.embedding_forward,
                          _embedding.embedding_backward)

_STEP_CALL = "rnn_step_forward(x, h_prev, Wx, Wh, b)"
_FORWARD_CALL = "rnn_forward(x, h0, Wx, Wh, b)"
_EMBED_CALL = "embedding_forward(idx, W)"
_EMBED_BACK_CALL = "embedding_backward(dout, cache)"
_COLUMNS = "you picked columns of W: the word vectors are the ROWS of W, so use W[idx], not W[:, idx]"
_PRODUCTS = (
    "in the course's row-vector form the products are x @ Wx, (N, D) @ (D, H), and h_prev @ Wh, (N, H) @ (H, H); "
    "the textbook's W_xh x_t is x @ Wx here"
)


# ---------------------------------------------------------------------------------------------------
# rnn_step_forward


def check_rnn_step_forward(rnn_step_forward) -> None:
    """rnn_step_forward(x, h_prev, Wx, Wh, b) -> (h (N, H), cache) with h = tanh(x @ Wx + h_prev @ Wh + b)."""
    __tracebackhide__ = True
    x, h_prev, Wx, Wh, b = _step_problem(N=3, D=4, H=5, seed=0)
    zeros_x, zeros_h = np.zeros_like(Wx), np.zeros_like(Wh)
    _step_h(rnn_step_forward, x, h_prev, Wx, Wh, b, first=True)  # delegation, return value, shape

    h = _step_h(rnn_step_forward, x, h_prev, zeros_x, zeros_h, b)
    expected = np.tile(np.tanh(b), (3, 1))
    if is_close(h, np.tanh(h_prev + b)):
        fail("with Wx = 0 and Wh = 0 your h equals tanh(h_prev + b): multiply the previous state by Wh, h_prev @ Wh",
             key="forgot_wh")
    if is_close(h, np.zeros_like(expected)):
        fail("with Wx = 0 and Wh = 0 every row of h should be tanh(b), yours is 0: you forgot the bias b",
             key="forgot_bias")
    if is_close(h, np.tile(b, (3, 1))):
        fail("with Wx = 0 and Wh = 0 your h equals b instead of tanh(b): you forgot the tanh", key="forgot_tanh")
    expect_close("h", h, expected, hint="with Wx = 0 and Wh = 0 every row of h should be tanh(b): check your bias b",
                 key="wrong_bias")

    h = _step_h(rnn_step_forward, x, h_prev, Wx, zeros_h, np.zeros_like(b))
    if is_close(h, x @ Wx):
        fail("with Wh = 0 and b = 0 your h equals x @ Wx instead of tanh(x @ Wx): you forgot the tanh",
             key="forgot_tanh")
    if is_close(h, np.zeros((3, 5))):
        fail("with Wh = 0 and b = 0 your h is 0 but should be tanh(x @ Wx): you left out the input term x @ Wx",
             key="ignored_input")
    expect_close(
        "h", h, np.tanh(x @ Wx), hint="with Wh = 0 and b = 0 the output should be tanh(x @ Wx): check your input term",
        key="wrong_input_term",
    )

    h = _step_h(rnn_step_forward, x, h_prev, zeros_x, Wh, np.zeros_like(b))
    if is_close(h, np.tanh(h_prev @ Wh.T)):
        fail(
            "with Wx = 0 and b = 0 your h equals tanh(h_prev @ Wh.T): you used Wh transposed. Write h_prev @ Wh; "
            "Wh[i, j] is the weight from unit i of h_prev to unit j of h",
            key="wh_transposed",
        )
    if is_close(h, np.zeros((3, 5))):
        fail("with Wx = 0 and b = 0 your h is 0 but should be tanh(h_prev @ Wh): you left out the recurrent term",
             key="ignored_h_prev")
    if is_close(h, np.tanh(h_prev)):
        fail("with Wx = 0 and b = 0 your h equals tanh(h_prev): multiply the previous state by Wh, h_prev @ Wh",
             key="forgot_wh")
    expect_close(
        "h",
        h,
        np.tanh(h_prev @ Wh),
        hint="with Wx = 0 and b = 0 the output should be tanh(h_prev @ Wh): check your recurrent term",
        key="wrong_recurrent_term",
    )

    h = _step_h(rnn_step_forward, x, h_prev, Wx, Wh, b)
    if is_close(h, np.tanh(x @ Wx) + np.tanh(h_prev @ Wh) + np.tanh(b)):
        fail("you applied tanh to each term separately: add the three terms first, then take one tanh",
             key="tanh_per_term")
    expect_close(
        "h",
        h,
        np.tanh(x @ Wx + h_prev @ Wh + b),
        hint="each term is right on its own but not all together: h = tanh(x @ Wx + h_prev @ Wh + b)",
        key="wrong_preactivation",
    )

    x1, h1, Wx1, Wh1, b1 = _step_problem(N=1, D=2, H=3, seed=1)
    sizes = "right for N=3, D=4, H=5 but not for N=1, D=2, H=3: take the sizes from the arrays, not fixed numbers"
    h = _step_h(rnn_step_forward, x1, h1, Wx1, Wh1, b1, sizes=sizes)
    expect_close("h", h, np.tanh(x1 @ Wx1 + h1 @ Wh1 + b1), hint=sizes, key="hard_coded_sizes")
    passed("rnn_step_forward: shapes, bias, input term, recurrent term and tanh are right")


def _step_problem(N: int, D: int, H: int, seed: int) -> tuple[np.ndarray, ...]:
    """x (N, D), h_prev (N, H), Wx (D, H), Wh (H, H), b (H,): every term of size about 1 (tanh in its curve)."""
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((N, D)),
        rng.uniform(-0.9, 0.9, (N, H)),
        rng.standard_normal((D, H)) / np.sqrt(D),
        rng.standard_normal((H, H)) / np.sqrt(H),
        rng.uniform(-1.0, 1.0, H),
    )


def _step_h(rnn_step_forward, x, h_prev, Wx, Wh, b, first: bool = False, sizes: str = "") -> np.ndarray:
    """Call the student's step on copies and return h after checking the tuple, the shape and the inputs.

    first: also check that it does not call rnnlab's rnn_step_forward; sizes: the hint for a problem whose
    sizes differ from the first one (a failure there means fixed sizes in the student's code)."""
    __tracebackhide__ = True
    args = tuple(a.copy() for a in (x, h_prev, Wx, Wh, b))
    try:
        if first:
            result = assert_not_delegating(rnn_step_forward, (_rnn.rnn_step_forward, _rnn.rnn_forward), *args)
        else:
            result = call_student(rnn_step_forward, _STEP_CALL, *args)
    except StudentCallError as err:
        if err.raised is not ValueError:
            raise
        error = err
    else:
        error = None
    if error is not None:  # outside the except block, so no chained traceback
        if sizes:
            fail(f"{error}\n{sizes}", key="hard_coded_sizes")
        _explain_products(rnn_step_forward, error)
    h, _ = expect_tuple(_STEP_CALL, result, ("h", "cache"))
    N, H = h_prev.shape
    shape = as_array("h", h).shape
    if shape == (H, N) and shape != (N, H):
        fail(
            f"`h` has shape {shape} but should be {(N, H)}: the column-vector form gives h.T; use x @ Wx + h_prev @ Wh",
            key="column_vector_form",
        )
    if sizes:  # the shape was right for the first problem's sizes
        expect_shape("h", h, (N, H), hint=sizes, key="hard_coded_sizes")
    expect_shape("h", h, (N, H), hint="one row per example and one column per hidden unit")
    _expect_unchanged(args, (x, h_prev, Wx, Wh, b), ("x", "h_prev", "Wx", "Wh", "b"))
    return as_array("h", h)


def _explain_products(rnn_step_forward, error: StudentCallError) -> None:
    """Fail with ``error``, a shape error in a product, and its likely cause: rerun with D = H, where a swap or a
    transpose does not raise."""
    __tracebackhide__ = True
    x, h_prev, Wx, Wh, b = _step_problem(N=2, D=3, H=3, seed=2)
    try:
        h, _ = call_student(rnn_step_forward, _STEP_CALL, x.copy(), h_prev.copy(), Wx.copy(), Wh.copy(), b.copy())
    except (StudentCallError, TypeError, ValueError):
        h = None
    if is_close(h, np.tanh(x @ Wh + h_prev @ Wx + b)):
        fail(
            f"{error}\nYou swapped Wx and Wh: the input goes through Wx (x @ Wx), the previous state through Wh "
            "(h_prev @ Wh)",
            key="wx_wh_swapped",
        )
    if is_close(h, np.tanh(x @ Wx.T + h_prev @ Wh + b)):
        fail(f"{error}\nYou used Wx transposed: {_PRODUCTS}", key="wx_transposed")
    fail(f"{error}\nA product has mismatched shapes: {_PRODUCTS}", key="wrong_products")


def _expect_unchanged(copies, originals, names) -> None:
    __tracebackhide__ = True
    for copy, original, name in zip(copies, originals, names, strict=True):
        if not is_close(copy, original, atol=0, rtol=0):
            fail(f"your function changed its input `{name}` in place: compute new arrays (e.g. a = x @ Wx + ...)",
                 key="mutated_input")


# ---------------------------------------------------------------------------------------------------
# rnn_forward


def check_rnn_forward(rnn_forward) -> None:
    """rnn_forward(x, h0, Wx, Wh, b) -> (h (N, T, H), cache): h[:, t] is the state after reading x[:, t]."""
    __tracebackhide__ = True
    x, h0, Wx, Wh, b = _sequence_problem(N=2, T=5, D=3, H=4, seed=0)
    h = _forward_h(rnn_forward, x, h0, Wx, Wh, b, first=True)
    ref = _rnn.rnn_forward(x, h0, Wx, Wh, b)[0]

    if is_close(h, np.concatenate([h0[:, None], ref[:, :-1]], axis=1)):
        fail(
            "your h[:, t] is the state BEFORE step t (h[:, 0] equals h0): store the new state after reading "
            "x[:, t], so h[:, 0] = tanh(x[:, 0] @ Wx + h0 @ Wh + b)",
            key="state_before_step",
        )
    if is_close(h, _rnn.rnn_forward(x, np.zeros_like(h0), Wx, Wh, b)[0]):
        fail("your hidden states are those of h0 = 0: you ignored h0. Start the loop with h_prev = h0",
             key="ignored_h0")
    if is_close(h, np.tanh(x @ Wx + (h0 @ Wh)[:, None] + b)):
        fail("every step used h0 as its previous state: after each step, pass the new h on as h_prev of the next step",
             key="hidden_state_not_carried")
    if is_close(h, _rnn.rnn_forward(x[:, ::-1], h0, Wx, Wh, b)[0][:, ::-1]):
        fail("you ran through the sequence backwards: step t = 0, 1, ..., T - 1 in that order", key="reversed_time")
    N = x.shape[0]
    if is_close(h[:, :N], ref[:, :N]) and is_close(h[:, N:], np.zeros_like(ref[:, N:])):
        fail(f"only the first {N} steps are filled in: loop over T = x.shape[1] steps, not N = x.shape[0]",
             key="looped_over_batch")
    expect_close(
        "h",
        h,
        ref,
        hint="h[:, t] should be tanh(x[:, t] @ Wx + h[:, t-1] @ Wh + b) with h[:, -1] meaning h0 at t = 0; "
        "if you call your own rnn_step_forward, make its check pass first",
        key="wrong_h",
    )

    for N, T, D, H, seed in [(3, 1, 2, 3, 1), (1, 7, 4, 2, 2)]:
        x, h0, Wx, Wh, b = _sequence_problem(N=N, T=T, D=D, H=H, seed=seed)
        sizes = (
            f"right for N=2, T=5, D=3, H=4 but not for N={N}, T={T}, D={D}, H={H}: take every size from the "
            "shapes of the arrays"
        )
        h = _forward_h(rnn_forward, x, h0, Wx, Wh, b, sizes=sizes)
        expect_close("h", h, _rnn.rnn_forward(x, h0, Wx, Wh, b)[0], hint=sizes, key="hard_coded_sizes")
    passed("rnn_forward: shapes, initial state, time order and every hidden state are right")


def _sequence_problem(N: int, T: int, D: int, H: int, seed: int) -> tuple[np.ndarray, ...]:
    """x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,), with a clearly nonzero h0."""
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((N, T, D)),
        rng.uniform(-0.9, 0.9, (N, H)),
        rng.standard_normal((D, H)) / np.sqrt(D),
        1.2 * rng.standard_normal((H, H)) / np.sqrt(H),  # long enough memory that h0 matters for every step
        rng.uniform(-0.5, 0.5, H),
    )


def _forward_h(rnn_forward, x, h0, Wx, Wh, b, first: bool = False, sizes: str = "") -> np.ndarray:
    """Call the student's rnn_forward on copies and return h after checking the tuple, the shape and the inputs.

    first: also check that it does not call rnnlab's rnn_forward; sizes: the hint for a problem whose sizes
    differ from the first one."""
    __tracebackhide__ = True
    N, T, _ = x.shape
    H = h0.shape[1]
    args = tuple(a.copy() for a in (x, h0, Wx, Wh, b))
    try:
        if first:
            result = assert_not_delegating(rnn_forward, _rnn.rnn_forward, *args)
        else:
            result = call_student(rnn_forward, _FORWARD_CALL, *args)
    except StudentCallError as err:
        if err.raised not in (IndexError, ValueError):
            raise
        error = err
    else:
        error = None
    if error is not None:  # outside the except block, so no chained traceback
        if sizes:
            fail(f"{error}\n{sizes}", key="hard_coded_sizes")
        _explain_axes(rnn_forward, error)
    h, _ = expect_tuple(_FORWARD_CALL, result, ("h", "cache"))
    shape = as_array("h", h).shape
    wrong = f"`h` has shape {shape} but should be {(N, T, H)}"
    if shape != (N, T, H):
        if shape == (N, T + 1, H):
            fail(f"{wrong}: you included h0: h[:, t] is the state after reading x[:, t], so h0 is not part of the "
                 "output", key="included_h0")
        if shape == (T, N, H):
            fail(f"{wrong}: time and batch are swapped: stack the states along axis 1, h[:, t] = state of step t",
                 key="time_batch_swapped")
        if shape == (N, H):
            fail(f"{wrong}: you returned only the last state: return every hidden state, h of shape (N, T, H)",
                 key="returned_last_state")
    if sizes:  # the shape was right for the first problem's sizes
        expect_shape("h", h, (N, T, H), hint=sizes, key="hard_coded_sizes")
    expect_shape("h", h, (N, T, H), hint="one hidden state (N, H) per time step, stacked along axis 1")
    _expect_unchanged(args, (x, h0, Wx, Wh, b), ("x", "h0", "Wx", "Wh", "b"))
    return as_array("h", h)


def _explain_axes(rnn_forward, error: StudentCallError) -> None:
    """Fail with ``error``, an index or shape error, explained if it comes from reading x[t] as step t (rerun with
    N = T, where that does not raise); otherwise raise ``error`` itself."""
    __tracebackhide__ = True
    x, h0, Wx, Wh, b = _sequence_problem(N=3, T=3, D=2, H=4, seed=3)
    try:
        h, _ = call_student(rnn_forward, _FORWARD_CALL, x.copy(), h0.copy(), Wx.copy(), Wh.copy(), b.copy())
    except (StudentCallError, TypeError, ValueError):
        h = None
    swapped = _rnn.rnn_forward(x.swapaxes(0, 1), h0, Wx, Wh, b)[0]  # step t reads x[t], sequence t
    if error.raised is IndexError or is_close(h, swapped) or is_close(h, swapped.swapaxes(0, 1)):
        fail(
            f"{error}\nx has shape (N, T, D): the inputs of step t are x[:, t], of shape (N, D), not x[t] (sequence t)",
            key="batch_as_time",
        )
    raise error


# ---------------------------------------------------------------------------------------------------
# embedding_forward


def check_embedding_forward(embedding_forward) -> None:
    """embedding_forward(idx, W) -> (out (N, T, D), cache) with out[n, t] = W[idx[n, t]]."""
    __tracebackhide__ = True
    W = np.random.default_rng(0).standard_normal((7, 3))
    idx = np.array([[0, 3, 5, 3], [2, 2, 1, 4]])  # repeats, and not the last word: V = 7 > idx.max() + 1
    out = _embedding_out(embedding_forward, idx, W, first=True)
    expect_close(
        "out",
        out,
        W[idx],
        hint="out[n, t] should be row idx[n, t] of W; for idx[0, 1] = 3 that is W[3], yours is "
        f"{np.round(out[0, 1], 4)}",
        key="wrong_out",
    )

    W = np.random.default_rng(1).standard_normal((5, 2))
    idx = np.array([[4], [0], [4]])
    sizes = "right for idx (2, 4), W (7, 3) but not for idx (3, 1), W (5, 2): take the sizes from the arrays"
    out = _embedding_out(embedding_forward, idx, W, sizes=sizes)
    expect_close("out", out, W[idx], hint=sizes, key="hard_coded_sizes")
    passed("embedding_forward: out[n, t] = W[idx[n, t]] at every position, with the right shape")


def _embedding_out(embedding_forward, idx, W, first: bool = False, sizes: str = "") -> np.ndarray:
    """Call the student's embedding on copies; explain index errors and wrong shapes; return out.

    first: also check that it does not call rnnlab's embedding_forward; sizes: the hint for a problem whose
    sizes differ from the first one."""
    __tracebackhide__ = True
    args = (idx.copy(), W.copy())
    try:
        if first:
            result = assert_not_delegating(embedding_forward, _embedding.embedding_forward, *args)
        else:
            result = call_student(embedding_forward, _EMBED_CALL, *args)
    except StudentCallError as err:
        if "out of bounds for axis 1" not in str(err) and err.raised not in (IndexError, ValueError):
            raise
        error = err
    else:
        error = None
    if error is not None:  # outside the except block, so no chained traceback
        if "out of bounds for axis 1" in str(error):
            fail(f"{error}\n{_COLUMNS}", key="used_columns")
        if error.raised is IndexError:
            fail(
                f"{error}\nindex W with the integer array idx itself, W[idx]: only integer arrays can be indices, "
                "and one-hot vectors are floats (to use them, multiply: one_hot @ W)",
                key="float_indices",
            )
        if sizes:
            fail(f"{error}\n{sizes}", key="hard_coded_sizes")
        fail(
            f"{error}\nif you build one-hot vectors, give them length V = W.shape[0] = {W.shape[0]}, the vocabulary "
            "size, not idx.max() + 1",
            key="vocab_from_idx_max",
        )
    out, _ = expect_tuple(_EMBED_CALL, result, ("out", "cache"))
    (N, T), (V, D) = idx.shape, W.shape
    shape = as_array("out", out).shape
    wrong = f"`out` has shape {shape} but should be {(N, T, D)}"
    if shape != (N, T, D):  # where two of these shapes coincide, the first one's hint wins
        if shape == (N, T, V):
            fail(f"{wrong}: these look like one-hot vectors: multiply them by W to get the word vectors",
                 key="one_hot_not_multiplied")
        if shape == (N, D):
            fail(f"{wrong}: you combined the positions of each sequence: keep one vector per position, out (N, T, D)",
                 key="combined_positions")
        if shape == (T, N, D):
            fail(f"{wrong}: time and batch are swapped: out[n, t] = W[idx[n, t]], the same layout as idx",
                 key="time_batch_swapped")
        if shape == (D, N, T):
            fail(f"{wrong}: {_COLUMNS}", key="used_columns")
    if sizes:  # the shape was right for the first problem's sizes
        expect_shape("out", out, (N, T, D), hint=sizes, key="hard_coded_sizes")
    expect_shape("out", out, (N, T, D), hint="one vector of length D for every position of idx")
    _expect_unchanged(args, (idx, W), ("idx", "W"))
    return as_array("out", out)


# ---------------------------------------------------------------------------------------------------
# embedding_backward


def check_embedding_backward(embedding_backward) -> None:
    """embedding_backward(dout, cache) -> dW (V, D): row v of dW adds up dout[n, t] over every idx[n, t] == v."""
    __tracebackhide__ = True
    rng = np.random.default_rng(3)
    W = rng.standard_normal((7, 3))  # V = 7: the last token is never used, so dW must still have 7 rows
    idx = np.array([[0, 4], [2, 5]])  # every token at most once
    dout = rng.standard_normal((2, 2, 3))
    dW = _embedding_dW(embedding_backward, dout, idx, W, first=True)
    once = np.zeros_like(W)
    once[idx] = dout
    if is_close(dW, np.zeros_like(W)):
        fail("`dW` is all zeros: row idx[n, t] of dW should receive dout[n, t]", key="dw_left_zero")
    expect_close("dW", dW, once, hint="with every token used once, row idx[n, t] of dW should be dout[n, t], and the "
                 "rows of tokens that do not occur stay 0", key="wrong_dw")

    idx = np.array([[1, 3, 1], [3, 3, 0]])  # token 3 three times, token 1 twice
    dout = rng.standard_normal((2, 3, 3))
    dW = _embedding_dW(embedding_backward, dout, idx, W)
    summed = np.zeros_like(W)
    np.add.at(summed, idx, dout)
    buffered = np.zeros_like(W)
    buffered[idx] += dout  # the classic slip: numpy writes each repeated row once
    if not is_close(dW, summed) and is_close(dW, buffered):
        fail(
            "token 3 occurs three times in idx, but its row of dW holds only one of its gradients: `dW[idx] += dout` "
            "writes a repeated row once (numpy buffers the update). Use np.add.at(dW, idx, dout), which adds "
            "every occurrence",
            key="buffered_add",
        )
    expect_close("dW", dW, summed, hint="row v of dW should be the SUM of dout[n, t] over every position where "
                 "idx[n, t] == v (token 3 occurs three times here)",
                 key="repeats_not_summed")

    # An independent truth: the numerical gradient of sum(dout * out) with respect to W
    numeric = numerical_gradient(lambda table: table[idx], W.copy(), dout)
    expect_close("dW", dW, numeric, hint="dW should equal the numerical gradient of sum(dout * W[idx])",
                 key="wrong_grads")
    passed("embedding_backward: every occurrence of a token adds its gradient to that token's row")


def _embedding_dW(embedding_backward, dout, idx, W, first: bool = False) -> np.ndarray:
    """Call the student's backward on copies with the cache (idx, W); check it changes nothing; return dW."""
    __tracebackhide__ = True
    args = (dout.copy(), (idx.copy(), W.copy()))
    if first:
        result = assert_not_delegating(embedding_backward, _embedding.embedding_backward, *args)
    else:
        result = call_student(embedding_backward, _EMBED_BACK_CALL, *args)
    if isinstance(result, tuple):
        fail(f"`{_EMBED_BACK_CALL}` should return the array dW alone, not a tuple of {len(result)} values",
             key="wrong_return")
    if not np.array_equal(args[0], dout):
        fail("`dout` was changed in place: build dW in a new array, e.g. dW = np.zeros_like(W)", key="mutated_input")
    V, D = W.shape
    if as_array("dW", result).shape == (int(idx.max()) + 1, D) and idx.max() + 1 != V:
        fail(f"`dW` has {idx.max() + 1} rows but W has V = {V}: make dW the shape of W, np.zeros_like(W); tokens "
             "that do not occur in idx get zero rows", key="vocab_from_idx_max")
    expect_shape("dW", result, (V, D), hint="dW has the shape of the table W, (V, D)")
    return result


def references():
    """The trusted references of notebook 03's hidden tests (see ``_common.references``)."""
    return _references(
        rnn_step_forward=_rnn.rnn_step_forward, rnn_forward=_rnn.rnn_forward,
        embedding_forward=_embedding.embedding_forward, embedding_backward=_embedding.embedding_backward,
        EmbeddingCache=_embedding.EmbeddingCache,
    )
