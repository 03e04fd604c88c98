"""The adding-problem experiments of notebooks 05 to 07: the regressor's gradients, training and the input probe."""

import numpy as np
import pytest

from rnnlab.analysis import input_gradient_norm
from rnnlab.data import ADDING_BASELINE_MSE, adding_problem
from rnnlab.gradcheck import numerical_gradient, rel_error
from rnnlab.models.regressor import LastStateRegressor
from rnnlab.train import adding_test_mse, train_adding


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_regressor_gradients_match_numerical_ones(cell):
    model = LastStateRegressor(cell, 2, 4, rng=np.random.default_rng(0))
    x, _ = adding_problem(3, 5, rng=np.random.default_rng(1))
    dy = np.random.default_rng(2).standard_normal(3)
    model.forward(x)
    dx = model.backward(dy)
    assert rel_error(dx, numerical_gradient(model.forward, x, dy)) < 1e-7
    for name, param in model.parameters().items():
        numeric = numerical_gradient(lambda _: model.forward(x), param, dy)
        assert rel_error(model.gradients()[name], numeric) < 1e-7, name


def test_regressor_names_an_unknown_cell():
    with pytest.raises(ValueError, match="cell: expected one of"):
        LastStateRegressor("transformer", 2, 4, rng=np.random.default_rng(0))


def test_training_is_deterministic_and_at_t50_the_gated_cells_learn_where_the_rnn_does_not():
    runs = {cell: train_adding(cell, 50, progress=False) for cell in ("rnn", "gru")}
    assert runs["rnn"].test_mse > 0.7 * ADDING_BASELINE_MSE  # the RNN stays near "always predict 1"
    assert runs["gru"].test_mse < 0.1 * ADDING_BASELINE_MSE
    model = LastStateRegressor("gru", 2, 32, rng=np.random.default_rng(0))
    for name, value in runs["gru"].params.items():
        model.parameters()[name][...] = value
    assert runs["gru"].test_mse == adding_test_mse(model, 50)  # the params are the trained model's
    assert train_adding("rnn", 50, steps=20, progress=False).loss == train_adding("rnn", 50, steps=20,
                                                                                  progress=False).loss


def test_input_gradient_norm_is_the_gradient_of_the_prediction_on_the_first_input():
    model = LastStateRegressor("lstm", 2, 8, rng=np.random.default_rng(0), forget_bias=2.0)
    x, _ = adding_problem(16, 6, rng=np.random.default_rng(1))
    numeric = numerical_gradient(model.forward, x, np.ones(16))
    expected = np.mean(np.linalg.norm(numeric[:, 0], axis=1))
    assert input_gradient_norm("lstm", 6, H=8, forget_bias=2.0) == pytest.approx(expected, rel=1e-6)


def test_a_larger_forget_bias_lets_more_gradient_reach_the_first_step():
    norms = [input_gradient_norm("lstm", 100, forget_bias=fb) for fb in (0.0, 1.0, 3.0)]
    assert norms[0] < 1e-10 < norms[1] < norms[2]
    assert input_gradient_norm("rnn", 100) < norms[2]
