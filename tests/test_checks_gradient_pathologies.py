"""The notebook-05 checks pass correct answers and name the typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.analysis import grad_norms_through_time as library_probe
from rnnlab.analysis import scale_to_radius as library_scale_to_radius
from rnnlab.analysis import spectral_radius as library_spectral_radius
from rnnlab.checks import gradient_pathologies as checks
from rnnlab.nn import rnn_backward, rnn_forward
from rnnlab.optim import clip_grad_norm as library_clip_grad_norm
from rnnlab.optim import global_norm as library_global_norm


def scale_to_radius(W, rho, *, radius=None):
    radius = np.max(np.abs(np.linalg.eigvals(W))) if radius is None else radius(W)
    return W * (rho / radius)


def grad_norms_through_time(
    x, h0, Wx, Wh, b, activation="tanh", *, transpose=True, derivative="current", reduce="mean", record="before"
):
    h, _ = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
    d = (h > 0).astype(float) if activation == "relu" else 1 - h**2
    N, T, H = h.shape
    dh = np.ones((N, H)) / np.sqrt(H)
    norms = np.empty(T)
    for t in reversed(range(T)):
        if record in ("before", "reversed"):
            norms[t] = np.linalg.norm(dh) if reduce == "global" else getattr(np, reduce)(np.linalg.norm(dh, axis=1))
        factor = d[:, t] if derivative == "current" else 1.0
        dh = (dh * factor) @ (Wh.T if transpose else Wh)
        if derivative == "after":
            dh = dh * d[:, t]
        if record == "after":
            norms[t] = np.mean(np.linalg.norm(dh, axis=1))
    return norms[::-1].copy() if record == "reversed" else norms


def clip_grad_norm(grads, max_norm):
    total_norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    scale = min(1.0, max_norm / total_norm)
    return {name: g * scale for name, g in grads.items()}, total_norm


def returns_none(*args, **kwargs):
    return None


def raises(*args, **kwargs):
    raise KeyError("Wh")


def not_implemented(*args, **kwargs):
    raise NotImplementedError()


@pytest.mark.parametrize(
    ("check", "student"),
    [
        (checks.check_scale_to_radius, scale_to_radius),
        (checks.check_grad_norms_through_time, grad_norms_through_time),
        (checks.check_clip_grad_norm, clip_grad_norm),
    ],
)
def test_correct_answers_pass_with_one_success_line(check, student, capsys):
    check(student)
    out = capsys.readouterr().out
    assert out.startswith("✔") and out.count("\n") == 1


def test_the_probe_check_accepts_a_loop_over_the_sequences():
    def one_sequence_at_a_time(x, h0, Wx, Wh, b, activation="tanh"):
        runs = [grad_norms_through_time(x[n : n + 1], h0[n : n + 1], Wx, Wh, b, activation) for n in range(len(x))]
        return np.mean(runs, axis=0)

    checks.check_grad_norms_through_time(one_sequence_at_a_time)


def scale_bugs():
    def inverted(W, rho):
        return W * (np.max(np.abs(np.linalg.eigvals(W))) / rho)

    def frobenius(W, rho):
        return scale_to_radius(W, rho, radius=np.linalg.norm)

    def no_abs(W, rho):
        return scale_to_radius(W, rho, radius=lambda W: np.max(np.linalg.eigvals(W).real))

    def real_part_of_modulus_order(W, rho):
        eig = np.linalg.eigvals(W)
        return W * (rho / np.abs(eig.real).max())

    def no_abs_complex(W, rho):
        return W * (rho / np.max(np.linalg.eigvals(W)))

    def dominant_eigenvalue(W, rho):
        eigenvalues = np.linalg.eigvals(W)
        return W * (rho / eigenvalues[np.argmax(np.abs(eigenvalues))])

    def complex_when_rotating(W, rho):  # right on real spectra, complex on a rotation
        eigenvalues = np.linalg.eigvals(W)
        largest = eigenvalues[np.argmax(np.abs(eigenvalues))]
        return W * (rho / (largest if np.iscomplexobj(largest) else abs(largest)))

    def singular_value(W, rho):
        return scale_to_radius(W, rho, radius=lambda W: np.linalg.norm(W, 2))

    def in_place(W, rho):
        W *= rho / np.max(np.abs(np.linalg.eigvals(W)))
        return W

    def hard_coded_rho(W, rho):
        return scale_to_radius(W, 1.0)

    return [
        (inverted, "should be rho / spectral_radius"),
        (frobenius, "the Frobenius norm"),
        (no_abs, "take np.abs of the eigenvalues before the max"),
        (real_part_of_modulus_order, "you used the real part 0.4"),
        (no_abs_complex, "take np.abs of the eigenvalues before the max"),
        (dominant_eigenvalue, "you divided by the eigenvalue -2 itself"),
        (complex_when_rotating, "your result has complex entries"),
        (singular_value, "largest singular value"),
        (in_place, "you changed W in place"),
        (hard_coded_rho, "you ignored rho"),
        (library_scale_to_radius, "calls rnnlab's own `scale_to_radius`"),
        (lambda W, rho: W * (rho / library_spectral_radius(W)), "calls rnnlab's own `spectral_radius`"),
        (not_implemented, "is not implemented yet"),
        (returns_none, "did you forget a `return` statement?"),
        (raises, "raised KeyError: 'Wh'"),
    ]


def probe_bugs():
    def per_sequence_norms(x, h0, Wx, Wh, b, activation="tanh"):
        h, _ = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
        return np.ones(h.shape[:2])

    def gradients_not_norms(x, h0, Wx, Wh, b, activation="tanh"):
        h, _ = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
        return np.ones((h.shape[1], h.shape[2]))

    def ignores_activation(x, h0, Wx, Wh, b, activation="tanh"):
        return grad_norms_through_time(x, h0, Wx, Wh, b)

    def tanh_derivative_for_relu(x, h0, Wx, Wh, b, activation="tanh"):
        h, _ = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
        dh, norms = np.ones((x.shape[0], h.shape[2])) / np.sqrt(h.shape[2]), np.empty(h.shape[1])
        for t in reversed(range(h.shape[1])):
            norms[t] = np.mean(np.linalg.norm(dh, axis=1))
            dh = (dh * (1 - h[:, t] ** 2)) @ Wh.T
        return norms

    def previous_state_derivative(x, h0, Wx, Wh, b, activation="tanh"):
        h, _ = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
        h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
        dh, norms = np.ones((x.shape[0], h.shape[2])) / np.sqrt(h.shape[2]), np.empty(h.shape[1])
        for t in reversed(range(h.shape[1])):
            norms[t] = np.mean(np.linalg.norm(dh, axis=1))
            dh = (dh * (1 - h_prev[:, t] ** 2)) @ Wh.T
        return norms

    def calls_rnn_backward(x, h0, Wx, Wh, b, activation="tanh"):
        h, cache = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
        rnn_backward(np.ones_like(h), cache)
        return grad_norms_through_time(x, h0, Wx, Wh, b, activation)

    def bug(**kwargs):
        return lambda x, h0, Wx, Wh, b, activation="tanh": grad_norms_through_time(
            x, h0, Wx, Wh, b, activation, **kwargs
        )

    return [
        (per_sequence_norms, "average the norms over the N sequences"),
        (gradients_not_norms, "store the length ||dh_t|| of each gradient"),
        (bug(record="reversed"), "your norms are in reverse order"),
        (bug(record="after"), "you record it one step too late"),
        (bug(transpose=False), "multiply by Wh.T, not Wh"),
        (bug(derivative="none"), "you forgot the derivative"),
        (bug(derivative="after"), "multiply by tanh'(a_t) first and then by Wh.T"),
        (previous_state_derivative, "not 1 - h_{t-1}**2"),
        (bug(reduce="sum"), "you added the norms of the N sequences"),
        (bug(reduce="global"), "take the norm of each row"),
        (tanh_derivative_for_relu, "the derivative is relu'(a_t) = 1 where h_t > 0"),
        (ignores_activation, "you ignored `activation`"),
        (library_probe, "calls rnnlab's own `grad_norms_through_time`"),
        (calls_rnn_backward, "calls rnnlab's own `rnn_backward`"),
        (not_implemented, "is not implemented yet"),
        (returns_none, "is None: did you forget a `return` statement?"),
        (raises, "raised KeyError"),
    ]


def clip_bugs():
    def norm(grads):
        return np.sqrt(sum(np.sum(g**2) for g in grads.values()))

    def no_sqrt(grads, max_norm):
        clipped, total_norm = clip_grad_norm(grads, max_norm)
        return clipped, total_norm**2

    def sum_of_norms(grads, max_norm):
        clipped, _ = clip_grad_norm(grads, max_norm)
        return clipped, sum(np.linalg.norm(g) for g in grads.values())

    def always_scales(grads, max_norm):
        total_norm = norm(grads)
        return {k: g * max_norm / total_norm for k, g in grads.items()}, total_norm

    def per_tensor(grads, max_norm):
        return {k: g * min(1.0, max_norm / np.linalg.norm(g)) for k, g in grads.items()}, norm(grads)

    def by_value(grads, max_norm):
        return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}, norm(grads)

    def norm_after(grads, max_norm):
        clipped, _ = clip_grad_norm(grads, max_norm)
        return clipped, norm(clipped)

    def in_place(grads, max_norm):
        total_norm = norm(grads)
        for g in grads.values():
            g *= min(1.0, max_norm / total_norm)
        return grads, total_norm

    def returns_list(grads, max_norm):
        clipped, total_norm = clip_grad_norm(grads, max_norm)
        return list(clipped.values()), total_norm

    def drops_a_key(grads, max_norm):
        clipped, total_norm = clip_grad_norm(grads, max_norm)
        del clipped["b"]
        return clipped, total_norm

    def calls_library_norm(grads, max_norm):
        total_norm = library_global_norm(grads)
        return {k: g * min(1.0, max_norm / total_norm) for k, g in grads.items()}, total_norm

    def calls_library_clip(grads, max_norm):
        grads = {k: g.copy() for k, g in grads.items()}
        return grads, library_clip_grad_norm(grads, max_norm)

    return [
        (no_sqrt, "you forgot the square root"),
        (sum_of_norms, "you added the norms of the tensors"),
        (always_scales, "clipping only ever shrinks them"),
        (per_tensor, "you clipped each tensor by its own norm"),
        (by_value, "you clipped each entry by value"),
        (norm_after, "the norm BEFORE clipping"),
        (in_place, "you changed the input grads['Wx'] in place"),
        (returns_list, "`clipped` should be a dict"),
        (drops_a_key, "`clipped` is missing key(s) b"),
        (calls_library_norm, "calls rnnlab's own `global_norm`"),
        (calls_library_clip, "calls rnnlab's own `clip_grad_norm`"),
        (not_implemented, "is not implemented yet"),
        (returns_none, "returned None but should return a tuple (clipped, norm)"),
        (raises, "raised KeyError"),
    ]


@pytest.mark.parametrize(("student", "phrase"), scale_bugs(), ids=lambda v: getattr(v, "__name__", None))
def test_scale_to_radius_check_names_the_mistake(student, phrase):
    with pytest.raises(AssertionError) as info:
        checks.check_scale_to_radius(student)
    assert phrase in str(info.value)


@pytest.mark.parametrize(("student", "phrase"), probe_bugs(), ids=lambda v: getattr(v, "__name__", None))
def test_probe_check_names_the_mistake(student, phrase):
    with pytest.raises(AssertionError) as info:
        checks.check_grad_norms_through_time(student)
    assert phrase in str(info.value)


@pytest.mark.parametrize(("student", "phrase"), clip_bugs(), ids=lambda v: getattr(v, "__name__", None))
def test_clip_check_names_the_mistake(student, phrase):
    with pytest.raises(AssertionError) as info:
        checks.check_clip_grad_norm(student)
    assert phrase in str(info.value)


def test_numerical_grad_norms_match_the_closed_form_of_a_linear_regime():
    # A state pinned at 0 (Wx = 0, b = 0, h0 = 0) keeps tanh' = 1, so dh_t = u (Wh^T)^(T-1-t) exactly.
    rng = np.random.default_rng(3)
    H, T = 3, 5
    Wh = rng.standard_normal((H, H))
    x, h0, Wx, b = rng.standard_normal((1, T, 2)), np.zeros((1, H)), np.zeros((2, H)), np.zeros(H)
    u = np.ones(H) / np.sqrt(H)
    expected = [np.linalg.norm(u @ np.linalg.matrix_power(Wh.T, T - 1 - t)) for t in range(T)]
    np.testing.assert_allclose(checks.numerical_grad_norms(x, h0, Wx, Wh, b), expected, rtol=1e-7)
