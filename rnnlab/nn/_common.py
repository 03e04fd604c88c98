"""Small helpers shared by the recurrent layers (not part of the public API)."""

from __future__ import annotations

import numpy as np

from rnnlab._validate import check_float, check_shapes


def check_recurrent(
    x: np.ndarray,
    h: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    gates: int,
    *,
    sequence: bool,
    h_name: str = "h0",
) -> dict[str, int]:
    """Validate the inputs of a recurrent layer with ``gates`` blocks of H columns (1 RNN, 4 LSTM, 3 GRU).

    Returns the sizes {"N", "T" (sequences only), "D", "H", "GH"}; raises ValueError naming the argument.
    """
    check_float(x=x, **{h_name: h}, Wx=Wx, Wh=Wh, b=b)
    dims = check_shapes(x=(x, "N T D" if sequence else "N D"), **{h_name: (h, "N H")})
    gh = "H" if gates == 1 else f"{gates}H"
    dims[gh] = gates * dims["H"]
    check_shapes(dims, Wx=(Wx, f"D {gh}"), Wh=(Wh, f"H {gh}"), b=(b, gh))
    dims["GH"] = dims[gh]
    if sequence and dims["T"] == 0:
        raise ValueError(f"x: expected at least one time step (T >= 1), got shape {x.shape}")
    return dims


def check_upstream(name: str, d: np.ndarray, like: np.ndarray | tuple) -> None:
    """Raise ValueError unless the upstream gradient ``d`` is a float array shaped like ``like``
    (an array or a shape tuple)."""
    shape = like.shape if isinstance(like, np.ndarray) else tuple(like)
    if not isinstance(d, np.ndarray) or d.shape != shape:
        got = d.shape if isinstance(d, np.ndarray) else type(d).__name__
        raise ValueError(f"{name}: expected shape {shape} (the shape of the forward output), got {got}")
    check_float(**{name: d})


def shifted_states(h0: np.ndarray, h: np.ndarray) -> np.ndarray:
    """The previous state of every step, (N, T, H): h_prev[:, 0] = h0 and h_prev[:, t] = h[:, t - 1]."""
    h_prev = np.empty_like(h)
    h_prev[:, 0] = h0
    h_prev[:, 1:] = h[:, :-1]
    return h_prev


def result_dtype(*arrays: np.ndarray) -> np.dtype:
    """Floating dtype of a computation on ``arrays`` (float32 stays float32, anything wider -> float64)."""
    return np.result_type(*arrays, np.float32)
