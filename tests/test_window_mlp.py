"""Window MLP: initialisation, gradient check of every parameter, float32, training, input errors."""

from __future__ import annotations

import time

import numpy as np
import pytest

from rnnlab.data import make_windows, noisy_sine
from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.models import init_window_mlp, train_window_mlp, window_mlp_backward, window_mlp_forward


def problem(N=6, p=4, H=5, seed=0):
    rng = np.random.default_rng(seed)
    params = init_window_mlp(p, H, rng=rng)
    params["b1"] = 0.3 * rng.standard_normal(H)
    params["b2"] = np.array([0.2])
    return rng.standard_normal((N, p)), params


def test_init_shapes_zero_biases_and_xavier_scale():
    params = init_window_mlp(200, 300, rng=np.random.default_rng(0))
    assert {name: value.shape for name, value in params.items()} == {
        "W1": (200, 300),
        "b1": (300,),
        "W2": (300, 1),
        "b2": (1,),
    }
    assert not params["b1"].any() and not params["b2"].any()
    assert params["W1"].std() == pytest.approx(np.sqrt(2 / 500), rel=0.02)  # Glorot: var = 2 / (fan_in + fan_out)


def test_forward_matches_the_formula_written_out_per_unit():
    X, params = problem(N=2, p=2, H=2)
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    y, _ = window_mlp_forward(X, params)
    for n in range(2):
        hidden = [np.tanh(X[n, 0] * W1[0, j] + X[n, 1] * W1[1, j] + b1[j]) for j in range(2)]
        assert y[n] == pytest.approx(hidden[0] * W2[0, 0] + hidden[1] * W2[1, 0] + b2[0])


@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b2"])
def test_backward_matches_numerical_gradient(name):
    X, params = problem()
    dy = np.random.default_rng(1).standard_normal(X.shape[0])
    _, cache = window_mlp_forward(X, params)
    grads = window_mlp_backward(dy, cache)
    numeric = numerical_gradient(lambda _: window_mlp_forward(X, params)[0], params[name], dy)
    assert grads[name].shape == params[name].shape
    assert rel_error(grads[name], numeric) < 1e-7


def test_float32_forward_and_backward_stay_float32_and_close_to_float64():
    X, params = problem()
    y64, cache64 = window_mlp_forward(X, params)
    params32 = {name: value.astype(np.float32) for name, value in params.items()}
    y32, cache32 = window_mlp_forward(X.astype(np.float32), params32)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, rtol=1e-5, atol=1e-6)
    grads32 = window_mlp_backward(np.ones(X.shape[0], np.float32), cache32)
    assert all(g.dtype == np.float32 for g in grads32.values())


def sine_windows(dtype=np.float64):
    X, y = make_windows(noisy_sine(400, rng=np.random.default_rng(0)), 10)
    return X.astype(dtype), y.astype(dtype)


def test_training_beats_the_mean_predictor_quickly():
    X, y = sine_windows()
    start = time.perf_counter()
    params, losses = train_window_mlp(X, y, H=16, steps=500, rng=np.random.default_rng(1))
    elapsed = time.perf_counter() - start
    assert len(losses) == 500
    final_mse = np.mean((window_mlp_forward(X, params)[0] - y) ** 2)
    # The mean predictor's MSE is var(y) ~ 0.5; the noise floor is noise**2 = 0.01.
    assert final_mse < 0.05 * y.var()
    assert losses[-1] < losses[0]
    assert elapsed < 3.0  # about 0.1 s on one core; the margin is for a busy shared machine


def test_training_is_deterministic_and_works_in_float32():
    X, y = sine_windows(np.float32)
    params, losses = train_window_mlp(X, y, steps=50, rng=np.random.default_rng(2))
    _, again = train_window_mlp(X, y, steps=50, rng=np.random.default_rng(2))
    assert losses == again
    assert all(value.dtype == np.float32 for value in params.values())
    assert losses[-1] < losses[0]


def test_progress_bar_option_runs(capsys):
    X, y = sine_windows()
    _, losses = train_window_mlp(X, y, steps=3, rng=np.random.default_rng(0), progress=True)
    assert len(losses) == 3
    assert "training window MLP" in capsys.readouterr().err


def with_param(name, value):
    X, params = problem()
    params[name] = value
    return X, params


@pytest.mark.parametrize(
    ("X", "params", "match"),
    [
        (np.ones(4), problem()[1], "X"),
        (np.ones((6, 3)), problem()[1], "W1"),
        (*with_param("b1", np.zeros(4)), "b1"),
        (*with_param("W2", np.zeros((5, 2))), "W2"),
        (*with_param("b2", np.zeros(())), "b2"),
        (np.ones((6, 4), dtype=int), problem()[1], "X"),
        (problem()[0], {"W1": np.zeros((4, 5))}, "params: .*missing b1, W2, b2"),
        (problem()[0], [np.zeros((4, 5))], "params"),
    ],
)
def test_forward_rejects_bad_shapes_by_name(X, params, match):
    with pytest.raises(ValueError, match=match):
        window_mlp_forward(X, params)


def test_backward_rejects_dy_of_the_wrong_shape():
    X, params = problem()
    _, cache = window_mlp_forward(X, params)
    with pytest.raises(ValueError, match="dy"):
        window_mlp_backward(np.ones((X.shape[0], 1)), cache)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"y": np.ones(5)}, "y"),
        ({"H": 0}, "H"),
        ({"steps": 0}, "steps"),
        ({"lr": -0.1}, "lr"),
        ({"rng": 0}, "rng"),
    ],
)
def test_training_rejects_bad_arguments(kwargs, match):
    X, y = sine_windows()
    args = {"y": y, "rng": np.random.default_rng(0), **kwargs}
    with pytest.raises(ValueError, match=match):
        train_window_mlp(X, args.pop("y"), **args)
