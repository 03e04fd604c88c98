"""Checks for notebook 05_gradient_pathologies: scale_to_radius, grad_norms_through_time, clip_grad_norm.

Each check isolates one term at a time so a failure names the likely mistake, prints one line on success and
raises AssertionError with a message for the student otherwise::

    from rnnlab.checks import gradient_pathologies
    gradient_pathologies.check_clip_grad_norm(clip_grad_norm)
"""

from __future__ import annotations

import numpy as np

from rnnlab import analysis as _analysis
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
from rnnlab.init import orthogonal
from rnnlab.nn.rnn import rnn_backward, rnn_forward
from rnnlab.optim import clip_grad_norm as _library_clip_grad_norm
from rnnlab.optim import global_norm as _library_global_norm

# Gradients whose norms are 2, 3 and 6, so the global norm is sqrt(4 + 9 + 36) = 7.
_GRADS = {
    "Wx": np.array([[1.0, 1.0, 1.0], [-1.0, 0.0, 0.0]]),
    "Wh": np.array([[1.0, -2.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]),
    "b": np.array([2.0, -4.0, 4.0]),
}


def check_scale_to_radius(scale_to_radius) -> None:
    """scale_to_radius(W, rho) -> W * rho / max|eigenvalue of W|, a new (H, H) array."""
    __tracebackhide__ = True
    W = np.diag([2.0, 0.5, -1.0])
    assert_not_delegating(scale_to_radius, (_analysis.scale_to_radius, _analysis.spectral_radius), W.copy(), 1.0)
    scaled = _scaled(scale_to_radius, W, 1.0)
    if is_close(scaled, W * 2.0):
        fail(
            "you multiplied W by spectral_radius / rho; it should be rho / spectral_radius (W is made smaller here)",
            key="inverted_ratio",
        )
    if is_close(scaled, W):
        fail("W came back unchanged: multiply it by rho / spectral_radius(W)", key="w_not_scaled")
    if is_close(scaled, W / np.linalg.norm(W)):
        fail(
            "you divided by np.linalg.norm(W), the Frobenius norm (all entries squared); the spectral radius is "
            "the largest |eigenvalue|: np.max(np.abs(np.linalg.eigvals(W)))",
            key="used_frobenius_norm",
        )
    expect_close(
        "scale_to_radius(diag(2, 0.5, -1), 1.0)",
        scaled,
        W / 2.0,
        hint="the eigenvalues of a diagonal matrix are its diagonal entries, so the radius is 2 and W / 2 has radius 1",
        key="wrong_scaled_w",
    )

    W = np.diag([-2.0, 1.0])
    scaled = _scaled(scale_to_radius, W, 0.6)
    if is_close(scaled, W * 0.6):
        fail(
            "the eigenvalues of diag(-2, 1) are -2 and 1; you took the largest (1) but the radius is the largest "
            "modulus |-2| = 2: take np.abs of the eigenvalues before the max",
            key="max_without_abs",
        )
    if is_close(scaled, -W * 0.3):
        fail(
            "you divided by the eigenvalue -2 itself, which flips the sign of W: divide by its modulus |-2| = 2",
            key="divided_by_signed_eigenvalue",
        )
    if is_close(scaled, W * 0.5):
        fail(
            "you ignored rho: the result should have spectral radius rho (0.6 here), so multiply by rho / radius",
            key="ignored_rho",
        )
    expect_close(
        "scale_to_radius(diag(-2, 1), 0.6)", scaled, W * 0.3, hint="the radius of diag(-2, 1) is |-2| = 2",
        key="wrong_scaled_w",
    )

    angle = np.pi / 3
    W = 0.8 * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    scaled = _scaled(scale_to_radius, W, 1.0)
    if is_close(scaled, W / 0.4):
        fail(
            "this rotation has complex eigenvalues 0.4 +- 0.69i; you used the real part 0.4, but the radius is the "
            "modulus 0.8: take np.abs of the eigenvalues",
            key="used_real_part",
        )
    expect_close(
        "scale_to_radius(0.8 * rotation by 60 degrees, 1.0)",
        scaled,
        W / 0.8,
        hint="a rotation scaled by 0.8 has eigenvalues of modulus 0.8: np.abs(np.linalg.eigvals(W)).max() = 0.8",
        key="wrong_scaled_w",
    )

    W = np.array([[0.5, 1.0], [0.0, 0.5]])
    scaled = _scaled(scale_to_radius, W, 1.0)
    if is_close(scaled, W / np.linalg.norm(W, 2)):
        fail(
            "you divided by the largest singular value (np.linalg.norm(W, 2), the spectral norm). The spectral "
            "radius is the largest |eigenvalue|: 0.5 for [[0.5, 1], [0, 0.5]], whose largest singular value is "
            "1.21. The two agree only for symmetric or orthogonal matrices",
            key="used_singular_value",
        )
    expect_close(
        "scale_to_radius([[0.5, 1], [0, 0.5]], 1.0)",
        scaled,
        W * 2.0,
        hint="the eigenvalues of a triangular matrix are its diagonal entries, so the radius is 0.5",
        key="wrong_scaled_w",
    )

    W = np.random.default_rng(5).standard_normal((5, 5))
    W_before = W.copy()
    scaled = _scaled(scale_to_radius, W, 0.9, copy=False)
    if not np.array_equal(W, W_before):
        fail(
            "you changed W in place: return a new array, e.g. W * (rho / radius), and leave W as it was",
            key="mutated_input",
        )
    expect_close(
        "scale_to_radius(W, 0.9)",
        scaled,
        _analysis.scale_to_radius(W_before, 0.9),
        hint="right on the small examples but not on a random 5x5 matrix: use the W and rho you are given",
        key="hard_coded_inputs",
    )
    passed("scale_to_radius: moduli of negative and complex eigenvalues, eigenvalues not singular values")


def check_grad_norms_through_time(grad_norms_through_time) -> None:
    """grad_norms_through_time(x, h0, Wx, Wh, b, activation) -> norms (T,), checked one ingredient at a time."""
    __tracebackhide__ = True
    rng = np.random.default_rng(0)
    problem = _random_problem(rng, N=2, T=6, H=4)
    assert_not_delegating(grad_norms_through_time, (_analysis.grad_norms_through_time, rnn_backward),
                          *_copies(problem))
    N, T, H = 2, 6, 4
    norms = as_array("norms", call_student(grad_norms_through_time, _CALL, *_copies(problem)))
    if norms.shape == (N, T):
        fail(
            "`norms` has shape (N, T): average the norms over the N sequences so that norms has shape (T,)",
            key="not_averaged_over_batch",
        )
    if norms.shape in ((T, H), (N, T, H), (T, N, H)):
        fail(
            f"`norms` has shape {norms.shape}: store the length ||dh_t|| of each gradient, not the gradient itself",
            key="stored_gradient_not_norm",
        )
    expect_shape("norms", norms, (T,), hint="one norm per time step: norms has shape (T,)")

    # One sequence, Wx = 0 and b = 0: the state stays 0, tanh'(0) = 1 and each step back multiplies by Wh.T.
    T, H = 7, 4
    Wh = 0.5 * orthogonal(H, H, rng=rng)
    zero_state = (rng.standard_normal((1, T, 3)), np.zeros((1, H)), np.zeros((3, H)), Wh, np.zeros(H))
    norms = _norms(grad_norms_through_time, zero_state, T)
    steps_back = T - 1 - np.arange(T)
    if is_close(norms, 0.5 ** np.arange(T)):
        fail(
            "your norms are in reverse order: norms[t] belongs to h_t, so norms[T-1] = 1 and norms[0] is the smallest",
            key="norms_reversed",
        )
    if is_close(norms, 0.5 ** (steps_back + 1)):
        fail(
            "norms[T-1] should be 1, the unit gradient on h_T itself: record ||dh_t|| first, then step back "
            "through step t (you record it one step too late)",
            key="recorded_too_late",
        )
    if not is_close(norms[-1], 1.0):
        fail(
            f"norms[T-1] should be 1, the length of the unit gradient u = ones(H) / sqrt(H), got {norms[-1]:.4g}",
            key="wrong_unit_gradient",
        )
    expect_close(
        "norms",
        norms,
        0.5**steps_back,
        hint="with Wx = 0 and b = 0 the state stays 0, tanh' = 1, and Wh = 0.5 x an orthogonal matrix multiplies "
        "every norm by 0.5 per step back: norms[t] = 0.5 ** (T - 1 - t)",
        key="wrong_norms",
    )

    Wh = _analysis.scale_to_radius(rng.standard_normal((H, H)), 0.9)
    zero_state = zero_state[:3] + (Wh, zero_state[4])
    norms = _norms(grad_norms_through_time, zero_state, T)
    expected = _probe_variant(*zero_state)
    if is_close(norms, _probe_variant(*zero_state, transpose=False)) and not is_close(norms, expected):
        fail(
            "multiply by Wh.T, not Wh: a_t = x_t @ Wx + h_{t-1} @ Wh + b gives dh_{t-1} = da_t @ Wh.T",
            key="forgot_wh_transpose",
        )
    expect_close(
        "norms",
        norms,
        expected,
        hint="with the state at 0 (tanh' = 1) each step back is dh = dh @ Wh.T; check your loop over t",
        key="wrong_norms",
    )

    # One sequence in the saturated range of tanh: now the derivative matters.
    saturated = _random_problem(rng, N=1, T=T, H=H, bias=1.5)
    norms = _norms(grad_norms_through_time, saturated, T)
    expected = _probe_variant(*saturated)
    if is_close(norms, _probe_variant(*saturated, derivative="none")):
        fail(
            "you forgot the derivative: multiply by tanh'(a_t) = 1 - h_t**2 before going back through Wh.T",
            key="forgot_tanh_derivative",
        )
    if is_close(norms, _probe_variant(*saturated, derivative="after")):
        fail(
            "multiply by tanh'(a_t) first and then by Wh.T: da_t = dh_t * (1 - h_t**2), dh_{t-1} = da_t @ Wh.T",
            key="derivative_after_wh",
        )
    if is_close(norms, _probe_variant(*saturated, derivative="previous")):
        fail(
            "use the derivative of the step you go back through, 1 - h[:, t]**2 (its output h_t), not 1 - h_{t-1}**2",
            key="derivative_of_previous_state",
        )
    hint = "right while tanh' = 1 but not when tanh saturates: check tanh'(a_t) = 1 - h_t**2"
    expect_close("norms", norms, expected, hint=hint, key="wrong_tanh_derivative")

    batch = _random_problem(rng, N=3, T=T, H=H)
    norms = _norms(grad_norms_through_time, batch, T)
    expected = _probe_variant(*batch)
    if is_close(norms, 3 * expected):
        fail("you added the norms of the N sequences: average them (np.mean) instead", key="summed_over_batch")
    if is_close(norms, _probe_variant(*batch, reduce="global")):
        fail(
            "you took one norm of the whole (N, H) array, which mixes the sequences: take the norm of each row "
            "(np.linalg.norm(dh, axis=1)) and average over the N sequences",
            key="norm_of_whole_batch",
        )
    expect_close(
        "norms", norms, expected, hint="right for one sequence but not for N = 3: average ||dh_t[n]|| over n",
        key="wrong_batch_average",
    )

    relu = _random_problem(rng, N=2, T=T, H=H, bias=0.3)
    norms = _norms(grad_norms_through_time, relu, T, activation="relu")
    expected = _probe_variant(*relu, activation="relu")
    if is_close(norms, _probe_variant(*relu, activation="relu", derivative_of="tanh")):
        fail(
            "with activation='relu' the derivative is relu'(a_t) = 1 where h_t > 0, else 0 (not 1 - h_t**2)",
            key="tanh_derivative_for_relu",
        )
    if is_close(norms, _probe_variant(*relu, activation="tanh")) or is_close(
        norms, _probe_variant(*relu, activation="tanh", derivative_of="relu")
    ):
        fail(
            "you ignored `activation`: run the forward pass with it, rnn_forward(..., activation=activation)",
            key="ignored_activation",
        )
    expect_close(
        "norms", norms, expected, hint="right for tanh but not for relu, whose derivative is (h_t > 0)",
        key="wrong_relu_derivative",
    )
    passed("grad_norms_through_time: order of t, Wh.T, the derivative f'(a_t), the batch average and relu are right")


def check_clip_grad_norm(clip_grad_norm) -> None:
    """clip_grad_norm(grads, max_norm) -> (clipped, total_norm) by the global norm, without touching grads."""
    __tracebackhide__ = True
    assert_not_delegating(clip_grad_norm, (_library_clip_grad_norm, _library_global_norm), _copy(_GRADS), 3.5)

    clipped, total_norm = _clip(clip_grad_norm, _copy(_GRADS), 10.0)
    total_norm = float(as_array("total_norm", total_norm))
    wrong = "`total_norm` is {:g} but should be 7 for gradients with norms 2, 3 and 6: {}"
    if np.isclose(total_norm, 49.0):
        fail(
            wrong.format(49.0, "you forgot the square root: total_norm = sqrt(sum of the squares of every entry)"),
            key="forgot_sqrt",
        )
    if np.isclose(total_norm, 11.0):
        fail(
            wrong.format(
                11.0, "you added the norms of the tensors (2 + 3 + 6); take the square root of the sum of ALL squares"
            ),
            key="summed_tensor_norms",
        )
    if np.isclose(total_norm, 6.0):
        fail(
            wrong.format(
                6.0, "you returned the largest norm of one tensor; total_norm is the norm of all gradients together"
            ),
            key="largest_tensor_norm",
        )
    expect_close(
        "total_norm", total_norm, 7.0, hint="for gradients with norms 2, 3 and 6 it is sqrt(4 + 9 + 36) = 7",
        key="wrong_total_norm",
    )
    if all(is_close(clipped[name], 10.0 / 7.0 * _GRADS[name]) for name in _GRADS):
        fail(
            "the norm 7 is below max_norm = 10, so leave the gradients alone: clipping only ever shrinks them",
            key="scaled_up_below_max_norm",
        )
    for name, g in _GRADS.items():
        expect_close(
            f"clipped[{name!r}]",
            clipped[name],
            g,
            hint="the norm 7 is below max_norm = 10: return them unchanged (clip only if total_norm > max_norm)",
            key="changed_below_max_norm",
        )

    grads = _copy(_GRADS)
    clipped, total_norm = _clip(clip_grad_norm, grads, 3.5)
    if np.isclose(float(as_array("total_norm", total_norm)), 3.5):
        fail("`total_norm` should be the norm BEFORE clipping (7 here), not after it (3.5)", key="norm_after_clipping")
    expect_close(
        "total_norm", total_norm, 7.0, hint="total_norm is the global norm before clipping, 7 here",
        key="wrong_total_norm",
    )
    per_tensor = {name: g * min(1.0, 3.5 / np.linalg.norm(g)) for name, g in _GRADS.items()}
    if all(is_close(clipped[name], per_tensor[name]) for name in _GRADS):
        fail(
            "you clipped each tensor by its own norm (only b, with norm 6 > 3.5, changed). That changes the "
            "direction of the whole gradient: multiply EVERY tensor by the same factor max_norm / total_norm",
            key="clipped_per_tensor",
        )
    if all(is_close(clipped[name], np.clip(g, -3.5, 3.5)) for name, g in _GRADS.items()):
        fail(
            "you clipped each entry by value (np.clip), which changes the direction; rescale by max_norm / total_norm",
            key="clipped_by_value",
        )
    for name, g in _GRADS.items():
        expect_close(
            f"clipped[{name!r}]",
            clipped[name],
            0.5 * g,
            hint="with total_norm 7 > max_norm 3.5 every gradient is multiplied by the same factor 3.5 / 7 = 0.5",
            key="wrong_clipped",
        )
    for name, g in _GRADS.items():
        if not np.array_equal(grads[name], g):
            fail(
                f"you changed the input grads[{name!r}] in place: compute new arrays (g * scale) and return them "
                "in a new dict, leaving grads as it was",
                key="mutated_input",
            )
    passed("clip_grad_norm: global norm, nothing clipped below max_norm, one common factor above it, grads untouched")


def numerical_grad_norms(x, h0, Wx, Wh, b, activation: str = "tanh") -> np.ndarray:
    """The probe computed without backpropagation, by centred differences (slow, small problems only).

    For every t, perturb h_t, run the rest of the sequence forward and see how u . h_{T-1} changes, with
    u = ones(H) / sqrt(H). Returns norms (T,) as grad_norms_through_time does.
    """
    h, _ = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
    N, T, H = h.shape
    u = np.full((N, H), 1.0 / np.sqrt(H))
    norms = np.empty(T)
    norms[-1] = np.mean(np.linalg.norm(u, axis=1))
    for t in range(T - 1):

        def last_state(h_t, t=t):
            return rnn_forward(x[:, t + 1 :], h_t, Wx, Wh, b, activation=activation)[0][:, -1]

        dh_t = numerical_gradient(last_state, h[:, t].copy(), u)
        norms[t] = np.mean(np.linalg.norm(dh_t, axis=1))
    return norms


_CALL = "grad_norms_through_time(x, h0, Wx, Wh, b)"


def _scaled(scale_to_radius, W: np.ndarray, rho: float, copy: bool = True) -> np.ndarray:
    """Call the student's scale_to_radius on W (a copy by default); check the result is real and shaped like W."""
    __tracebackhide__ = True
    result = call_student(scale_to_radius, f"scale_to_radius(W, {rho})", W.copy() if copy else W, rho)
    if np.iscomplexobj(result):
        fail(
            "your result has complex entries: eigenvalues of a real matrix can be complex, and dividing by one "
            "makes W complex. Use the modulus, np.abs(np.linalg.eigvals(W)), before taking the max",
            key="divided_by_complex_eigenvalue",
        )
    expect_shape("scale_to_radius(W, rho)", result, W.shape, hint="the scaled matrix has the shape of W")
    return as_array("scale_to_radius(W, rho)", result)


def _norms(grad_norms_through_time, problem, T: int, activation: str | None = None) -> np.ndarray:
    __tracebackhide__ = True
    kwargs = {} if activation is None else {"activation": activation}
    norms = call_student(grad_norms_through_time, _CALL, *_copies(problem), **kwargs)
    expect_shape("norms", norms, (T,), hint="one norm per time step: norms has shape (T,)")
    return as_array("norms", norms)


def _random_problem(rng, N: int, T: int, H: int, bias: float = 0.0, D: int = 3) -> tuple[np.ndarray, ...]:
    """x, h0, Wx, Wh, b with an input drive of about 1 per unit and Wh of spectral radius 0.9."""
    x = rng.standard_normal((N, T, D))
    h0 = 0.5 * rng.standard_normal((N, H))
    Wx = rng.standard_normal((D, H)) / np.sqrt(D)
    Wh = _analysis.scale_to_radius(rng.standard_normal((H, H)), 0.9)
    b = bias + 0.1 * rng.standard_normal(H)
    return x, h0, Wx, Wh, b


def _probe_variant(
    x,
    h0,
    Wx,
    Wh,
    b,
    *,
    activation: str = "tanh",
    derivative_of: str | None = None,
    derivative: str = "current",
    transpose: bool = True,
    reduce: str = "mean",
) -> np.ndarray:
    """The probe, correct by default or with one typical mistake switched on (to recognise it).

    activation: the forward pass; derivative_of: whose derivative is used ("tanh" or "relu", default the same).
    derivative: "current" (f'(a_t) before Wh.T), "after" (after Wh.T), "previous" (f' at h_{t-1}), "none".
    transpose: multiply by Wh.T (right) or Wh. reduce: "mean" of the row norms or one "global" norm of dh.
    """
    h, _ = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    if (derivative_of or activation) == "relu":
        d, d_prev = (h > 0).astype(float), (h_prev > 0).astype(float)
    else:
        d, d_prev = 1.0 - h**2, 1.0 - h_prev**2
    W = Wh.T if transpose else Wh
    N, T, H = h.shape
    dh = np.full((N, H), 1.0 / np.sqrt(H))
    norms = np.empty(T)
    for t in reversed(range(T)):
        norms[t] = np.linalg.norm(dh) if reduce == "global" else np.mean(np.linalg.norm(dh, axis=1))
        before = {"current": d[:, t], "previous": d_prev[:, t]}.get(derivative, 1.0)
        dh = (dh * before) @ W
        if derivative == "after":
            dh = dh * d[:, t]
    return norms


def _copies(arrays) -> tuple[np.ndarray, ...]:
    return tuple(a.copy() for a in arrays)


def _copy(grads: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: g.copy() for name, g in grads.items()}


def _clip(clip_grad_norm, grads: dict[str, np.ndarray], max_norm: float) -> tuple[dict, object]:
    """Call the student's clip_grad_norm; check it returns (dict with the same keys and shapes, a number)."""
    __tracebackhide__ = True
    call = f"clip_grad_norm(grads, {max_norm:g})"
    clipped, total_norm = expect_tuple(call, call_student(clip_grad_norm, call, grads, max_norm), ("clipped", "norm"))
    if not isinstance(clipped, dict):
        fail(
            f"`clipped` should be a dict like grads (name -> array), got {type(clipped).__name__}",
            key="clipped_not_dict",
        )
    missing = [name for name in grads if name not in clipped]
    if missing:
        fail(
            f"`clipped` is missing key(s) {', '.join(missing)}: return one clipped array per key of grads",
            key="clipped_missing_keys",
        )
    for name, g in grads.items():
        expect_shape(f"clipped[{name!r}]", clipped[name], g.shape, hint="each clipped gradient has its input's shape")
    if np.ndim(as_array("total_norm", total_norm)) != 0:
        fail(f"`total_norm` should be a single number, got shape {np.shape(total_norm)}", key="total_norm_not_scalar")
    return clipped, total_norm


def references():
    """The trusted references of notebook 05's hidden tests (see ``_common.references``)."""
    return _references(
        scale_to_radius=_analysis.scale_to_radius, spectral_radius=_analysis.spectral_radius,
        grad_norms=_analysis.grad_norms_through_time, rnn_backward=rnn_backward,
        numerical_grad_norms=numerical_grad_norms, clip_grad_norm=_library_clip_grad_norm,
        global_norm=_library_global_norm, eye_shift=np.roll(np.eye(5), 1, axis=0),
    )


# What the grader withholds from the student's kernel and answers outside it, seeing every call
# (rnnlab.grading.withhold): rnnlab's own answers to this notebook's exercises and what computes them too.
WITHHELD_WHILE_GRADING = (_analysis.scale_to_radius, _analysis.spectral_radius, _analysis.grad_norms_through_time,
                          rnn_backward, _library_clip_grad_norm, _library_global_norm,
                          numerical_grad_norms)
