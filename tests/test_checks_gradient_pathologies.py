"""The notebook-05 checks pass correct answers and name the typical mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.analysis import grad_norms_through_time as library_probe
from rnnlab.analysis import scale_to_radius as library_scale_to_radius
from rnnlab.analysis import spectral_radius as library_spectral_radius
from rnnlab.checks import gradient_pathologies as checks
from rnnlab.checks._common import CheckFailed
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

    def unchanged(W, rho):
        return W.copy()

    def divided_by_three(W, rho):
        return W * rho / 3

    def top_left_block(W, rho):  # right on every 2x2 example and on diag(2, 0.5, -1)
        return W * (rho / np.max(np.abs(np.linalg.eigvals(W[:2, :2]))))

    return [
        (inverted, "should be rho / spectral_radius", "inverted_ratio"),
        (frobenius, "the Frobenius norm", "used_frobenius_norm"),
        (no_abs, "take np.abs of the eigenvalues before the max", "max_without_abs"),
        (real_part_of_modulus_order, "you used the real part 0.4", "used_real_part"),
        (no_abs_complex, "take np.abs of the eigenvalues before the max", "max_without_abs"),
        (dominant_eigenvalue, "you divided by the eigenvalue -2 itself", "divided_by_signed_eigenvalue"),
        (complex_when_rotating, "your result has complex entries", "divided_by_complex_eigenvalue"),
        (singular_value, "largest singular value", "used_singular_value"),
        (in_place, "you changed W in place", "mutated_input"),
        (hard_coded_rho, "you ignored rho", "ignored_rho"),
        (unchanged, "W came back unchanged", "w_not_scaled"),
        (divided_by_three, "the eigenvalues of a diagonal matrix are its diagonal entries", "wrong_scaled_w"),
        (top_left_block, "use the W and rho you are given", "hard_coded_inputs"),
        (library_scale_to_radius, "calls rnnlab's own `scale_to_radius`", "delegates"),
        (lambda W, rho: W * (rho / library_spectral_radius(W)), "calls rnnlab's own `spectral_radius`", "delegates"),
        (not_implemented, "is not implemented yet", "not_implemented"),
        (returns_none, "did you forget a `return` statement?", "returned_none"),
        (raises, "raised KeyError: 'Wh'", "raised:KeyError"),
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

    def one_minus_abs_h(x, h0, Wx, Wh, b, activation="tanh"):  # right while the state stays at 0
        h, _ = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
        dh, norms = np.ones((x.shape[0], h.shape[2])) / np.sqrt(h.shape[2]), np.empty(h.shape[1])
        for t in reversed(range(h.shape[1])):
            norms[t] = np.mean(np.linalg.norm(dh, axis=1))
            dh = (dh * (1 - np.abs(h[:, t]))) @ Wh.T
        return norms

    def unnormalised_start(x, h0, Wx, Wh, b, activation="tanh"):  # u = ones(H), of length 2
        return 2 * grad_norms_through_time(x, h0, Wx, Wh, b, activation)

    def squared_norms(x, h0, Wx, Wh, b, activation="tanh"):
        return grad_norms_through_time(x, h0, Wx, Wh, b, activation) ** 2

    def no_relu_derivative(x, h0, Wx, Wh, b, activation="tanh"):
        derivative = "none" if activation == "relu" else "current"
        return grad_norms_through_time(x, h0, Wx, Wh, b, activation, derivative=derivative)

    def calls_rnn_backward(x, h0, Wx, Wh, b, activation="tanh"):
        h, cache = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
        rnn_backward(np.ones_like(h), cache)
        return grad_norms_through_time(x, h0, Wx, Wh, b, activation)

    def bug(**kwargs):
        return lambda x, h0, Wx, Wh, b, activation="tanh": grad_norms_through_time(
            x, h0, Wx, Wh, b, activation, **kwargs
        )

    return [
        (per_sequence_norms, "average the norms over the N sequences", "not_averaged_over_batch"),
        (gradients_not_norms, "store the length ||dh_t|| of each gradient", "stored_gradient_not_norm"),
        (bug(record="reversed"), "your norms are in reverse order", "norms_reversed"),
        (bug(record="after"), "you record it one step too late", "recorded_too_late"),
        (bug(transpose=False), "multiply by Wh.T, not Wh", "forgot_wh_transpose"),
        (bug(derivative="none"), "you forgot the derivative", "forgot_tanh_derivative"),
        (bug(derivative="after"), "multiply by tanh'(a_t) first and then by Wh.T", "derivative_after_wh"),
        (previous_state_derivative, "not 1 - h_{t-1}**2", "derivative_of_previous_state"),
        (bug(reduce="sum"), "you added the norms of the N sequences", "summed_over_batch"),
        (bug(reduce="global"), "take the norm of each row", "norm_of_whole_batch"),
        (tanh_derivative_for_relu, "the derivative is relu'(a_t) = 1 where h_t > 0", "tanh_derivative_for_relu"),
        (ignores_activation, "you ignored `activation`", "ignored_activation"),
        (unnormalised_start, "the length of the unit gradient u = ones(H) / sqrt(H)", "wrong_unit_gradient"),
        (squared_norms, "norms[t] = 0.5 ** (T - 1 - t)", "wrong_norms"),
        (one_minus_abs_h, "not when tanh saturates", "wrong_tanh_derivative"),
        (bug(reduce="max"), "right for one sequence but not for N = 3", "wrong_batch_average"),
        (no_relu_derivative, "right for tanh but not for relu", "wrong_relu_derivative"),
        (library_probe, "calls rnnlab's own `grad_norms_through_time`", "delegates"),
        (calls_rnn_backward, "calls rnnlab's own `rnn_backward`", "delegates"),
        (not_implemented, "is not implemented yet", "not_implemented"),
        (returns_none, "is None: did you forget a `return` statement?", "returned_none"),
        (raises, "raised KeyError", "raised:KeyError"),
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

    def largest_norm(grads, max_norm):
        clipped, _ = clip_grad_norm(grads, max_norm)
        return clipped, max(np.linalg.norm(g) for g in grads.values())

    def norm_off_by_one(grads, max_norm):
        clipped, total_norm = clip_grad_norm(grads, max_norm)
        return clipped, total_norm + 1.0

    def always_halves(grads, max_norm):
        return {k: 0.5 * g for k, g in grads.items()}, norm(grads)

    def wrong_factor(grads, max_norm):
        return {k: g * min(1.0, 0.9 * max_norm / norm(grads)) for k, g in grads.items()}, norm(grads)

    def norm_as_vector(grads, max_norm):
        clipped, total_norm = clip_grad_norm(grads, max_norm)
        return clipped, np.array([total_norm, 0.0])

    def calls_library_norm(grads, max_norm):
        total_norm = library_global_norm(grads)
        return {k: g * min(1.0, max_norm / total_norm) for k, g in grads.items()}, total_norm

    def calls_library_clip(grads, max_norm):
        grads = {k: g.copy() for k, g in grads.items()}
        return grads, library_clip_grad_norm(grads, max_norm)

    return [
        (no_sqrt, "you forgot the square root", "forgot_sqrt"),
        (sum_of_norms, "you added the norms of the tensors", "summed_tensor_norms"),
        (always_scales, "clipping only ever shrinks them", "scaled_up_below_max_norm"),
        (per_tensor, "you clipped each tensor by its own norm", "clipped_per_tensor"),
        (by_value, "you clipped each entry by value", "clipped_by_value"),
        (norm_after, "the norm BEFORE clipping", "norm_after_clipping"),
        (in_place, "you changed the input grads['Wx'] in place", "mutated_input"),
        (returns_list, "`clipped` should be a dict", "clipped_not_dict"),
        (drops_a_key, "`clipped` is missing key(s) b", "clipped_missing_keys"),
        (largest_norm, "you returned the largest norm of one tensor", "largest_tensor_norm"),
        (norm_off_by_one, "it is sqrt(4 + 9 + 36) = 7", "wrong_total_norm"),
        (always_halves, "return them unchanged (clip only if total_norm > max_norm)", "changed_below_max_norm"),
        (wrong_factor, "the same factor 3.5 / 7 = 0.5", "wrong_clipped"),
        (norm_as_vector, "`total_norm` should be a single number", "total_norm_not_scalar"),
        (calls_library_norm, "calls rnnlab's own `global_norm`", "delegates"),
        (calls_library_clip, "calls rnnlab's own `clip_grad_norm`", "delegates"),
        (not_implemented, "is not implemented yet", "not_implemented"),
        (returns_none, "returned None but should return a tuple (clipped, norm)", "returned_none"),
        (raises, "raised KeyError", "raised:KeyError"),
    ]


@pytest.mark.parametrize(("student", "phrase", "key"), scale_bugs(), ids=lambda v: getattr(v, "__name__", None))
def test_scale_to_radius_check_names_the_mistake(student, phrase, key):
    with pytest.raises(CheckFailed) as info:
        checks.check_scale_to_radius(student)
    assert phrase in str(info.value)
    assert info.value.key == key


@pytest.mark.parametrize(("student", "phrase", "key"), probe_bugs(), ids=lambda v: getattr(v, "__name__", None))
def test_probe_check_names_the_mistake(student, phrase, key):
    with pytest.raises(CheckFailed) as info:
        checks.check_grad_norms_through_time(student)
    assert phrase in str(info.value)
    assert info.value.key == key


@pytest.mark.parametrize(("student", "phrase", "key"), clip_bugs(), ids=lambda v: getattr(v, "__name__", None))
def test_clip_check_names_the_mistake(student, phrase, key):
    with pytest.raises(CheckFailed) as info:
        checks.check_clip_grad_norm(student)
    assert phrase in str(info.value)
    assert info.value.key == key


def test_numerical_grad_norms_match_the_closed_form_of_a_linear_regime():
    # A state pinned at 0 (Wx = 0, b = 0, h0 = 0) keeps tanh' = 1, so dh_t = u (Wh^T)^(T-1-t) exactly.
    rng = np.random.default_rng(3)
    H, T = 3, 5
    Wh = rng.standard_normal((H, H))
    x, h0, Wx, b = rng.standard_normal((1, T, 2)), np.zeros((1, H)), np.zeros((2, H)), np.zeros(H)
    u = np.ones(H) / np.sqrt(H)
    expected = [np.linalg.norm(u @ np.linalg.matrix_power(Wh.T, T - 1 - t)) for t in range(T)]
    np.testing.assert_allclose(checks.numerical_grad_norms(x, h0, Wx, Wh, b), expected, rtol=1e-7)
