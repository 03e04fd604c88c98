"""The adding-problem experiments of notebooks 05 to 07: the regressor's gradients, training and the input probe."""

import numpy as np
import pytest

from rnnlab.analysis import cell_costs, input_gradient_norm
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


def test_fixed_gru_gates_stay_open_through_training_and_the_update_bias_is_set():
    run = train_adding("gru", 10, steps=20, fixed_gates=("reset",), update_bias=-1.0, progress=False)
    H = 32
    assert np.all(run.params["rnn.b"][:H] == 30.0)
    assert not run.params["rnn.Wx"][:, :H].any() and not run.params["rnn.Wh"][:, :H].any()
    model = LastStateRegressor("gru", 2, H, rng=np.random.default_rng(0), update_bias=-1.0)
    assert np.all(model.rnn.params["b"][H:2 * H] == -1.0)


@pytest.mark.parametrize(("cell", "kwargs", "message"), [
    ("lstm", {"fixed_gates": ("reset",)}, "only a GRU's gates can be fixed"),
    ("gru", {"fixed_gates": ("forget",)}, "expected names from"),
])
def test_fixed_gates_name_what_is_wrong(cell, kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_adding(cell, 10, steps=1, progress=False, **kwargs)


@pytest.mark.parametrize(("cell", "gates", "stored"), [("rnn", 1, 1), ("lstm", 4, 7), ("gru", 3, 5)])
def test_cell_costs_count_parameters_and_the_states_kept_for_backward(cell, gates, stored):
    D, H, N, T = 2, 8, 4, 6
    costs = cell_costs(cell, D=D, H=H, N=N, T=T, repeats=1)
    assert costs["params"] == gates * H * (D + H + 1)
    extra = N * H * 8 if cell == "lstm" else 0  # the LSTM also keeps its initial cell state c0
    assert costs["cache_bytes"] == stored * N * T * H * 8 + extra
    assert costs["ms_per_step"] > 0
