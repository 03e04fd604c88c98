"""The attention heatmap, rendered headless with Agg."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlab.viz.attention import plot_attention


def test_the_heatmap_has_a_row_per_output_and_a_column_per_source_character():
    weights = np.eye(3, 4)
    ax = plot_attention(weights, "ab c", "xyz")
    np.testing.assert_array_equal(ax.images[0].get_array(), weights)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "␣", "c"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y", "z"]
    plt.close(ax.figure)


def test_a_wrong_shape_names_the_argument():
    with pytest.raises(ValueError, match=r"weights: expected shape \(len\(output\), len\(source\)\) = \(2, 3\)"):
        plot_attention(np.ones((3, 2)), "abc", "xy")
