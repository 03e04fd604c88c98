"""Inputs shared by the recurrent-layer tests."""

import math


def sig(a: float) -> float:
    """The logistic function on one number, written out independently of rnnlab."""
    return 1.0 / (1.0 + math.exp(-a))


def recurrent_inputs(rng, gates: int, N: int, T: int, D: int, H: int, scale: float = 0.5):
    """Random (x (N, T, D), h0 (N, H), Wx (D, G H), Wh (H, G H), b (G H,)) for a cell with G gate blocks."""
    return (
        rng.standard_normal((N, T, D)),
        rng.standard_normal((N, H)),
        scale * rng.standard_normal((D, gates * H)),
        scale * rng.standard_normal((H, gates * H)),
        scale * rng.standard_normal(gates * H),
    )
