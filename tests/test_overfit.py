"""CS231n's sanity check: a small recurrent language model can memorise a tiny fixed batch."""

import numpy as np
import pytest

from rnnlab.modules import LanguageModel
from rnnlab.optim import Adam
from rnnlab.train import fit


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_language_model_overfits_a_tiny_batch(cell):
    """Embedding + recurrent layer + temporal affine + temporal softmax loss, trained with Adam."""
    rng = np.random.default_rng(0)
    V, N, T = 10, 4, 12
    x = rng.integers(0, V, (N, T))
    y = rng.integers(0, V, (N, T))  # random targets: only memorisation can fit them
    model = LanguageModel(V, 16, 32, rng=rng, cell=cell)
    history = fit(model, Adam(model.parameters(), lr=2e-2), [(x, y)] * 300, lambda m, b: m.loss(*b),
                  progress=False)  # fmt: skip
    assert history.loss[0] > 20  # about T log V = 27.6 at the start (loss summed over time)
    assert min(history.loss) < 0.01
    assert history.loss[-1] < 0.01
