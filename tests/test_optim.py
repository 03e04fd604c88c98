"""Optimisers on a quadratic, and gradient clipping by global norm and by value."""

import math

import numpy as np
import pytest

from rnnlab.optim import SGD, Adam, clip_grad_norm, clip_grad_value, global_norm

A = np.diag([1.0, 10.0])  # an ill-conditioned quadratic f(w) = 1/2 (w - w*)^T A (w - w*)
W_STAR = np.array([3.0, -2.0])


def minimise(make_opt, steps):
    params = {"w": np.zeros(2), "b": np.array([5.0])}
    opt = make_opt(params)
    for _ in range(steps):
        grads = {"w": A @ (params["w"] - W_STAR), "b": 2 * params["b"]}
        opt.step(grads)
    return params


@pytest.mark.parametrize(
    ("make_opt", "steps"),
    [
        (lambda p: SGD(p, lr=0.1), 300),
        (lambda p: SGD(p, lr=0.02, momentum=0.9), 300),
        (lambda p: Adam(p, lr=0.1), 500),
    ],
)
def test_optimisers_minimise_a_quadratic(make_opt, steps):
    params = minimise(make_opt, steps)
    np.testing.assert_allclose(params["w"], W_STAR, atol=1e-3)
    assert abs(params["b"][0]) < 1e-3


def test_momentum_beats_plain_sgd_on_the_slow_direction():
    plain = minimise(lambda p: SGD(p, lr=0.02), 100)
    heavy = minimise(lambda p: SGD(p, lr=0.02, momentum=0.9), 100)
    assert abs(heavy["w"][0] - W_STAR[0]) < abs(plain["w"][0] - W_STAR[0])


def test_adam_first_step_has_size_lr_in_every_coordinate():
    """m_hat / sqrt(v_hat) = g / |g| after one step: each coordinate moves by lr, whatever the scale of g."""
    p = [np.zeros(3)]
    Adam(p, lr=0.01).step([np.array([1e-3, -5.0, 1e4])])
    np.testing.assert_allclose(p[0], [-0.01, 0.01, -0.01], rtol=1e-4)


def test_sgd_step_by_hand_and_float32():
    p = {"w": np.array([1.0, 2.0], dtype=np.float32)}
    opt = SGD(p, lr=0.5, momentum=0.5)
    opt.step({"w": np.array([2.0, 2.0], dtype=np.float32)})  # v = g = 2 -> w -= 1
    opt.step({"w": np.array([2.0, 2.0], dtype=np.float32)})  # v = 0.5 * 2 + 2 = 3 -> w -= 1.5
    np.testing.assert_allclose(p["w"], [-1.5, -0.5])
    assert p["w"].dtype == np.float32


def test_clip_grad_norm_rescales_jointly_and_returns_the_pre_clip_norm():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[0.0], [4.0]])}  # global norm 5
    before = np.concatenate([g["a"], g["b"].ravel()])
    norm = clip_grad_norm(g, max_norm=1.0)
    assert norm == 5.0
    after = np.concatenate([g["a"], g["b"].ravel()])
    assert math.isclose(np.linalg.norm(after), 1.0, rel_tol=1e-12)
    np.testing.assert_allclose(after, before / 5.0)  # same direction
    g2 = [np.array([0.3, 0.4])]
    assert clip_grad_norm(g2, max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(g2[0], [0.3, 0.4])  # below the threshold: untouched


def test_clip_grad_value_is_elementwise():
    g = [np.array([-3.0, 0.5, 2.0]), np.array([[10.0]])]
    norm = clip_grad_value(g, 1.0)
    assert norm == pytest.approx(math.sqrt(9 + 0.25 + 4 + 100))
    np.testing.assert_array_equal(g[0], [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(g[1], [[1.0]])
    assert global_norm(g) == pytest.approx(math.sqrt(3.25))


def test_errors():
    params = {"w": np.zeros(2)}
    opt = Adam(params)
    with pytest.raises(ValueError, match=r"grads\['w'\]: expected shape \(2,\) \(the parameter's\), got \(3,\)"):
        opt.step({"w": np.zeros(3)})
    with pytest.raises(ValueError, match=r"grads: missing gradients for parameters \['w'\]"):
        opt.step({"v": np.zeros(2)})
    with pytest.raises(ValueError, match="lr"):
        SGD(params, lr=-1)
    with pytest.raises(ValueError, match="momentum"):
        SGD(params, momentum=1.5)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm([np.zeros(2)], 0)
    with pytest.raises(ValueError, match=r"params\['w'\]: expected a float numpy array"):
        SGD({"w": np.zeros(2, dtype=int)})
