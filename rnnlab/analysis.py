"""Measurements of recurrent networks: spectral radius and the gradient-norm probe of notebook 05.

- spectral_radius(W), scale_to_radius(W, rho): the largest |eigenvalue| of W, and W rescaled to a given one
- random_rnn_problem(...): inputs and weights of a random RNN whose Wh has a chosen spectral radius
- activation_derivatives(...), grad_norms_through_time(...): the factors f'(a_t) and the norms ||dh_t|| when
  the gradient on the last hidden state is a unit vector
- input_gradient_norm(cell, T, ...): ||dL/dx_0||, how much of the loss's gradient reaches the first input of an
  untrained RNN, LSTM or GRU (notebooks 06 and 07)
- cell_costs(cell, ...): parameters, memory kept for the backward pass and time per step of an RNN, LSTM or GRU
- cosine(a, b): the cosine of the angle between two arrays, to see whether clipping turned a gradient
"""

from __future__ import annotations

import numpy as np

from rnnlab._validate import check_count, check_float, check_nonnegative, check_rng, check_shapes
from rnnlab.nn.rnn import rnn_forward

ACTIVATIONS = ("tanh", "relu", "linear")


def spectral_radius(W: np.ndarray) -> float:
    """The largest modulus of an eigenvalue of the square matrix W (H, H): max_i |lambda_i|."""
    check_shapes(W=(W, "H H"))
    check_float(W=W)
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def scale_to_radius(W: np.ndarray, rho: float) -> np.ndarray:
    """W (H, H) multiplied by rho / spectral_radius(W): a new matrix with spectral radius rho >= 0."""
    check_nonnegative("rho", rho)
    radius = spectral_radius(W)
    if radius == 0:
        raise ValueError("W: every eigenvalue is 0 (spectral radius 0), so no multiple of W has radius rho")
    return W * (rho / radius)


def random_rnn_problem(
    N: int, T: int, D: int, H: int, radius: float, *, rng: np.random.Generator, input_scale: float = 1.0
) -> tuple[np.ndarray, ...]:
    """Inputs and weights of a random RNN for the gradient probe.

    x ~ N(0, 1) and Wx ~ N(0, input_scale^2 / D), so every unit receives an input drive of standard deviation
    about input_scale; Wh is a Gaussian matrix scaled to spectral radius ``radius``; h0 and b are zero.
    Returns a tuple (x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,)).
    """
    for name, value in (("N", N), ("T", T), ("D", D), ("H", H)):
        check_count(name, value)
    check_nonnegative("radius", radius)
    check_nonnegative("input_scale", input_scale)
    check_rng(rng)
    x = rng.standard_normal((N, T, D))
    Wx = rng.standard_normal((D, H)) * (input_scale / np.sqrt(D))
    Wh = scale_to_radius(rng.standard_normal((H, H)), radius)
    return x, np.zeros((N, H)), Wx, Wh, np.zeros(H)


def activation_derivatives(x, h0, Wx, Wh, b, activation: str = "tanh") -> np.ndarray:
    """f'(a_t) for every step of h_t = f(x_t @ Wx + h_{t-1} @ Wh + b), as an array (N, T, H).

    f is "tanh" (f' = 1 - h^2), "relu" (f' = 1 where h > 0, else 0) or "linear" (f' = 1, no forward pass needed).
    Inputs: x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,).
    """
    dims = check_shapes(x=(x, "N T D"), h0=(h0, "N H"), Wx=(Wx, "D H"), Wh=(Wh, "H H"), b=(b, "H"))
    check_float(x=x, h0=h0, Wx=Wx, Wh=Wh, b=b)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {ACTIVATIONS}, got {activation!r}")
    if activation == "linear":
        return np.ones((dims["N"], dims["T"], dims["H"]))
    h, _ = rnn_forward(x, h0, Wx, Wh, b, activation=activation)
    return 1.0 - h**2 if activation == "tanh" else (h > 0).astype(h.dtype)


def grad_norms_through_time(x, h0, Wx, Wh, b, activation: str = "tanh") -> np.ndarray:
    """The gradient-norm probe: how much of a unit gradient on the last hidden state reaches each step.

    The gradient on h_{T-1} is u = (1, ..., 1) / sqrt(H) for every sequence; stepping back through step t
    multiplies it by diag(f'(a_t)) Wh^T: dh_{t-1} = (dh_t * f'(a_t)) @ Wh.T.
    Inputs: x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,), activation "tanh", "relu" or "linear".
    Returns norms (T,): norms[t] = ||dh_t|| averaged over the N sequences (norms[T-1] = 1).
    """
    derivative = activation_derivatives(x, h0, Wx, Wh, b, activation)
    N, T, H = derivative.shape
    dh = np.full((N, H), 1.0 / np.sqrt(H))
    norms = np.empty(T)
    for t in reversed(range(T)):
        norms[t] = np.mean(np.linalg.norm(dh, axis=1))
        dh = (dh * derivative[:, t]) @ Wh.T
    return norms


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of the angle between two arrays of the same shape, seen as vectors: 1 means same direction."""
    if not isinstance(a, np.ndarray):
        raise ValueError(f"a: expected a numpy array, got {type(a).__name__}")
    check_shapes(b=(b, " ".join(str(n) for n in a.shape)))
    check_float(a=a, b=b)
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    if norms == 0:
        raise ValueError("a, b: the cosine is undefined for a zero vector")
    return float(np.sum(a * b) / norms)


def input_gradient_norm(cell: str, T: int, *, H: int = 32, forget_bias: float = 1.0, update_bias: float = 0.0,
                        N: int = 16, seed: int = 0) -> float:
    """||dL/dx_0|| at initialisation, averaged over N adding-problem sequences of length T.

    The network is rnnlab.models.LastStateRegressor(cell, 2, H) with the given seed (and LSTM forget-gate or GRU
    update-gate bias);
    L is its prediction (the head on h_{T-1}), so dL/dx_0 is what reaches the first step from the last one.
    """
    from rnnlab.data.tasks import adding_problem
    from rnnlab.models.regressor import LastStateRegressor

    check_count("T", T)
    model = LastStateRegressor(cell, 2, H, rng=np.random.default_rng(seed), forget_bias=forget_bias,
                               update_bias=update_bias)
    x, _ = adding_problem(N, T, rng=np.random.default_rng(seed + 1))
    model.forward(x)
    dx = model.backward(np.ones(N))
    return float(np.mean(np.linalg.norm(dx[:, 0], axis=1)))


def cell_costs(cell: str, *, D: int = 2, H: int = 32, N: int = 64, T: int = 50, repeats: int = 5) -> dict:
    """What one recurrent layer costs: {"params": number of weights and biases, "cache_bytes": the arrays its
    forward pass stores for the backward pass (gates and states, not the inputs or weights it only refers to),
    "ms_per_step": the median over ``repeats`` of the forward plus backward time for N sequences, per time step}."""
    import time

    from rnnlab.init import recurrent_weights
    from rnnlab.nn import gru_backward, gru_forward, lstm_backward, lstm_forward, rnn_backward

    layers = {"rnn": (rnn_forward, rnn_backward), "lstm": (lstm_forward, lstm_backward),
              "gru": (gru_forward, gru_backward)}
    if cell not in layers:
        raise ValueError(f"cell: expected one of {tuple(layers)}, got {cell!r}")
    forward, backward = layers[cell]
    rng = np.random.default_rng(0)
    Wx, Wh, b = recurrent_weights(D, H, cell, rng=rng)
    x, h0 = rng.standard_normal((N, T, D)), np.zeros((N, H))
    h, cache = forward(x, h0, Wx, Wh, b)
    shared = {id(a) for a in (x, h0, Wx, Wh, b)}
    cache_bytes = sum(a.nbytes for a in cache if isinstance(a, np.ndarray) and id(a) not in shared)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        h, cache = forward(x, h0, Wx, Wh, b)
        backward(np.ones_like(h), cache)
        times.append(time.perf_counter() - start)
    return {"params": Wx.size + Wh.size + b.size, "cache_bytes": int(cache_bytes),
            "ms_per_step": 1e3 * float(np.median(times)) / T}
