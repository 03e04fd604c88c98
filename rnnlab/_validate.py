"""Input checks shared by every public function: clear ValueErrors that name the argument.

``check_shapes`` matches arrays against symbolic shapes such as ``"N D"`` and makes sure a symbol
means the same size everywhere it appears::

    dims = check_shapes(x=(x, "N D"), Wx=(Wx, "D H"), b=(b, "H"))
    dims["H"]  # -> hidden size
"""

from __future__ import annotations

import numpy as np


def check_shapes(dims: dict[str, int] | None = None, **specs) -> dict[str, int]:
    """Check each ``name=(array, "SYM SYM ...")``; return the symbol sizes (updated ``dims``).

    A symbol may be an integer literal (``"N 1"``) or ``*`` for "any size".
    Raises ValueError naming the argument, the expected and the received shape.
    """
    dims = {} if dims is None else dims
    for name, (arr, spec) in specs.items():
        if not isinstance(arr, np.ndarray):
            raise ValueError(f"{name}: expected a numpy array of shape ({_fmt(spec)}), got {type(arr).__name__}")
        symbols = spec.split()
        if arr.ndim != len(symbols):
            raise ValueError(
                f"{name}: expected {len(symbols)}-d array of shape ({_fmt(spec)}), got shape {arr.shape}"
            )
        for axis, (sym, size) in enumerate(zip(symbols, arr.shape, strict=True)):
            if sym == "*":
                continue
            expected = int(sym) if sym.isdigit() else dims.setdefault(sym, size)
            if size != expected:
                wanted = ", ".join(str(_resolve(s, dims)) for s in symbols)
                raise ValueError(
                    f"{name}: expected shape ({_fmt(spec)}) = ({wanted}), got {arr.shape} "
                    f"(axis {axis} should be {expected})"
                )
    return dims


def check_float(**arrays) -> None:
    """Raise ValueError unless every array has a floating dtype (float32 or float64)."""
    for name, arr in arrays.items():
        if not np.issubdtype(np.asarray(arr).dtype, np.floating):
            raise ValueError(f"{name}: expected a float32 or float64 array, got dtype {np.asarray(arr).dtype}")


def check_int(**arrays) -> None:
    """Raise ValueError unless every array has an integer dtype (e.g. token indices)."""
    for name, arr in arrays.items():
        if not np.issubdtype(np.asarray(arr).dtype, np.integer):
            raise ValueError(f"{name}: expected an integer array, got dtype {np.asarray(arr).dtype}")


def check_count(name: str, value, minimum: int = 1) -> None:
    """Raise ValueError unless ``value`` is an integer >= minimum (bools are not counts)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")


def check_positive(name: str, value) -> None:
    """Raise ValueError unless ``value`` is a real number > 0."""
    if not _is_real_number(value) or not value > 0:
        raise ValueError(f"{name}: expected a positive number, got {value!r}")


def check_nonnegative(name: str, value) -> None:
    """Raise ValueError unless ``value`` is a real number >= 0."""
    if not _is_real_number(value) or not value >= 0:
        raise ValueError(f"{name}: expected a number >= 0, got {value!r}")


def _is_real_number(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)


def check_rng(rng) -> None:
    """Raise ValueError unless ``rng`` is a numpy.random.Generator (no global random state)."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng: expected a numpy.random.Generator, e.g. np.random.default_rng(0), got {type(rng).__name__}"
        )


def _fmt(spec: str) -> str:
    return ", ".join(spec.split())


def _resolve(sym: str, dims: dict[str, int]):
    if sym.isdigit():
        return int(sym)
    return dims.get(sym, sym)
