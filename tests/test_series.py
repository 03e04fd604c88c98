"""Series generators and make_windows, against properties known from the maths, not from the code."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data import AR2_COEFS, ar_series, mackey_glass, make_windows, noisy_sine


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize(
    "generate",
    [
        lambda r: noisy_sine(300, rng=r),
        lambda r: ar_series(300, AR2_COEFS, rng=r),
        lambda r: mackey_glass(300, rng=r),
    ],
    ids=["noisy_sine", "ar_series", "mackey_glass"],
)
def test_shape_dtype_and_seeding(generate):
    x = generate(rng(0))
    assert x.shape == (300,) and x.dtype == np.float64
    np.testing.assert_array_equal(x, generate(rng(0)))
    assert not np.allclose(x, generate(rng(1)))


def test_noisy_sine_without_noise_is_the_sine():
    t = np.arange(50)
    np.testing.assert_allclose(noisy_sine(50, period=10.0, noise=0.0, rng=rng()), np.sin(2 * np.pi * t / 10.0))


def test_noisy_sine_spectrum_peaks_at_the_period():
    T, period = 400, 40.0
    spectrum = np.abs(np.fft.rfft(noisy_sine(T, period=period, noise=0.3, rng=rng())))
    assert np.argmax(spectrum) == T / period  # frequency bin = number of periods in the series


def test_noisy_sine_noise_has_the_requested_std():
    residual = noisy_sine(20_000, noise=0.2, rng=rng()) - noisy_sine(20_000, noise=0.0, rng=rng())
    assert residual.std() == pytest.approx(0.2, rel=0.03)  # std of a 20k-sample std estimate is ~0.5 %


def test_ar2_lag1_autocorrelation_matches_yule_walker():
    x = ar_series(20_000, AR2_COEFS, rng=rng())
    phi1, phi2 = AR2_COEFS
    rho1 = np.corrcoef(x[:-1], x[1:])[0, 1]
    assert rho1 == pytest.approx(phi1 / (1 - phi2), abs=0.02)  # Yule-Walker: rho1 = phi1 / (1 - phi2)


def test_ar2_least_squares_recovers_the_coefficients():
    x = ar_series(20_000, AR2_COEFS, rng=rng(3))
    newest_first = np.column_stack([x[1:-1], x[:-2]])
    coef = np.linalg.lstsq(newest_first, x[2:], rcond=None)[0]
    # OLS standard error for AR(2) is sqrt((1 - phi2**2) / T) ~ 0.004; 0.03 is about 7 standard errors.
    np.testing.assert_allclose(coef, AR2_COEFS, atol=0.03)


def test_ar1_stationary_variance_and_noise_scale():
    x = ar_series(20_000, [0.5], noise=2.0, rng=rng(4))
    assert x.var() == pytest.approx(4.0 / (1 - 0.25), rel=0.06)  # sigma^2 / (1 - phi^2); estimate rel sd ~1.5 %


def test_ar_series_without_noise_stays_at_zero():
    np.testing.assert_array_equal(ar_series(10, AR2_COEFS, noise=0.0, rng=rng()), np.zeros(10))


def test_mackey_glass_is_normalised_bounded_and_not_periodic():
    x = mackey_glass(1000, rng=rng())
    assert x.mean() == pytest.approx(0.0, abs=1e-12)
    assert x.std() == pytest.approx(1.0)
    assert np.abs(x).max() < 5
    assert np.ptp(x) > 2
    # A periodic series repeats itself at its period; this chaotic one differs from every shifted copy.
    shifted_gaps = [np.mean(np.abs(x[:-lag] - x[lag:])) for lag in range(10, 500)]
    assert min(shifted_gaps) > 0.2


def test_mackey_glass_noise_is_added_in_normalised_units():
    clean = mackey_glass(5000, rng=rng(2))
    noisy = mackey_glass(5000, noise=0.1, rng=rng(2))
    assert (noisy - clean).std() == pytest.approx(0.1, rel=0.05)


def test_make_windows_values_and_shapes():
    series = np.arange(6.0)
    X, y = make_windows(series, 2)
    np.testing.assert_array_equal(X, [[0, 1], [1, 2], [2, 3], [3, 4]])
    np.testing.assert_array_equal(y, [2, 3, 4, 5])
    X, y = make_windows(series, 5)
    np.testing.assert_array_equal(X, [[0, 1, 2, 3, 4]])
    np.testing.assert_array_equal(y, [5])


def test_make_windows_keeps_float32_and_returns_writable_copies():
    series = np.arange(5, dtype=np.float32)
    X, y = make_windows(series, 2)
    assert X.dtype == y.dtype == np.float32
    X[0, 0] = 100
    y[0] = 100
    np.testing.assert_array_equal(series, np.arange(5))


@pytest.mark.parametrize(
    ("series", "p", "match"),
    [
        (np.zeros((4, 2)), 1, "series"),
        (np.arange(5), 1, "series"),
        ([0.0, 1.0, 2.0], 1, "series"),
        (np.zeros(5), 0, "p"),
        (np.zeros(5), 5, "p"),
        (np.zeros(5), 2.0, "p"),
    ],
)
def test_make_windows_rejects_bad_input(series, p, match):
    with pytest.raises(ValueError, match=match):
        make_windows(series, p)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: noisy_sine(0, rng=rng()), "T"),
        (lambda: noisy_sine(10, rng=0), "rng"),
        (lambda: noisy_sine(10, period=0.0, rng=rng()), "period"),
        (lambda: noisy_sine(10, noise=-1.0, rng=rng()), "noise"),
        (lambda: ar_series(10, np.ones((2, 2)), rng=rng()), "coefs"),
        (lambda: ar_series(10, [], rng=rng()), "coefs"),
        (lambda: ar_series(10, AR2_COEFS, burn_in=-1, rng=rng()), "burn_in"),
        (lambda: mackey_glass(10, tau=0.5, rng=rng()), "tau"),
        (lambda: mackey_glass(10, dt=-1.0, rng=rng()), "dt"),
        (lambda: mackey_glass(10, rng=None), "rng"),
    ],
)
def test_generators_reject_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
