"""AR(p) least squares and recursive forecasts, checked against closed forms and simulated truths."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data import AR2_COEFS, ar_series
from rnnlab.models import ar_predict, fit_ar, forecast, forecast_errors


def noiseless_ar1(T=30, phi=0.5, c=1.0, x0=0.0):
    x = [x0]
    for _ in range(T - 1):
        x.append(phi * x[-1] + c)
    return np.array(x)


def test_exact_recovery_on_noiseless_ar1_with_intercept():
    w, c = fit_ar(noiseless_ar1(), 1)
    assert w.shape == (1,) and isinstance(c, float)
    assert w[0] == pytest.approx(0.5, abs=1e-10)
    assert c == pytest.approx(1.0, abs=1e-10)


def test_recovers_ar2_coefficients_and_intercept_from_a_long_noisy_series():
    mean = 2.0
    x = mean + ar_series(20_000, AR2_COEFS, noise=0.5, rng=np.random.default_rng(0))
    w, c = fit_ar(x, 2)
    # w lists the oldest lag first. OLS standard errors are ~0.004 here, so 0.03 is about 7 of them.
    np.testing.assert_allclose(w[::-1], AR2_COEFS, atol=0.03)
    # x_t - mean = sum phi (x_{t-k} - mean) + e  =>  c = mean * (1 - sum phi) = 0.4; its sd is ~0.01.
    assert c == pytest.approx(mean * (1 - sum(AR2_COEFS)), abs=0.05)


def test_ar_predict_is_the_affine_map():
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    np.testing.assert_allclose(ar_predict(X, np.array([0.5, -2.0]), 1.0), [1.0 * 0.5 - 4 + 1, 1.5 + 2 + 1])


@pytest.mark.parametrize(
    ("X", "w", "c", "match"),
    [
        (np.ones(3), np.ones(3), 0.0, "X"),
        (np.ones((2, 3)), np.ones(2), 0.0, "w"),
        (np.ones((2, 3)), np.ones(3), np.ones(1), "c"),
        (np.ones((2, 3), dtype=int), np.ones(3), 0.0, "X"),
    ],
)
def test_ar_predict_rejects_bad_shapes(X, w, c, match):
    with pytest.raises(ValueError, match=match):
        ar_predict(X, w, c)


def test_forecast_of_ar1_equals_the_closed_form():
    phi, c = 0.8, 1.0
    mean = c / (1 - phi)
    history = np.array([0.3, -1.0, 7.0])
    got = forecast(lambda X: ar_predict(X, np.array([phi]), c), history, 10, 1)
    j = np.arange(1, 11)
    np.testing.assert_allclose(got, mean + phi**j * (history[-1] - mean))  # E[x_{T+j}] for AR(1)


def test_forecast_feeds_predictions_back_in_time_order():
    def extrapolate(X):  # continue the line through the window's two points
        return 2 * X[:, -1] - X[:, 0]

    np.testing.assert_allclose(forecast(extrapolate, np.array([5.0, 1.0, 2.0]), 3, 2), [3.0, 4.0, 5.0])


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((lambda X: X[:, -1], np.ones(2), 3, 3), "history"),
        ((lambda X: X[:, -1], np.ones((2, 3)), 3, 3), "history"),
        ((lambda X: X, np.ones(5), 3, 2), "predict"),
        (("not a function", np.ones(5), 3, 2), "predict"),
        ((lambda X: X[:, -1], np.ones(5), 0, 2), "k"),
        ((lambda X: X[:, -1], np.ones(5), 3, 0), "p"),
    ],
)
def test_forecast_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        forecast(*args)


def test_forecast_errors_match_forecasts_made_one_origin_at_a_time():
    x = ar_series(120, AR2_COEFS, rng=np.random.default_rng(1))
    w, c = fit_ar(x, 3)

    def predict(X):
        return ar_predict(X, w, c)

    errors = forecast_errors(x, predict, 3, horizons=(1, 5), start=40)
    origins = range(40, x.size - 5 + 1)
    for k in (1, 5):
        sq = [(forecast(predict, x[:o], k, 3)[-1] - x[o + k - 1]) ** 2 for o in origins]
        assert errors[k] == pytest.approx(np.sqrt(np.mean(sq)))


def test_forecast_errors_grow_with_horizon_on_noisy_data():
    noise = 0.5
    x = ar_series(5000, AR2_COEFS, noise=noise, rng=np.random.default_rng(2))
    w, c = fit_ar(x[:2500], 2)
    errors = forecast_errors(x, lambda X: ar_predict(X, w, c), 2, start=2500)
    assert list(errors) == [1, 4, 16, 64]
    assert errors[1] < errors[4] < errors[16]
    assert errors[1] == pytest.approx(noise, rel=0.1)  # the one-step error of the true model is the noise
    assert errors[64] == pytest.approx(x.std(), rel=0.15)  # far ahead the forecast is the mean


def test_forecast_errors_are_zero_for_a_perfect_model():
    x = noiseless_ar1(T=100, x0=-3.0)
    errors = forecast_errors(x, lambda X: 0.5 * X[:, -1] + 1.0, 1, horizons=(1, 8))
    assert errors == {1: pytest.approx(0.0, abs=1e-12), 8: pytest.approx(0.0, abs=1e-12)}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"horizons": ()}, "horizons"),
        ({"horizons": (0, 4)}, "horizons"),
        ({"start": 1}, "start"),
        ({"start": 95}, "series"),
        ({"horizons": (200,)}, "series"),
    ],
)
def test_forecast_errors_reject_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        forecast_errors(np.zeros(100), lambda X: X[:, -1], 3, **kwargs)
