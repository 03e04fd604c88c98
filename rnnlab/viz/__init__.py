"""Plots and ipywidgets explorers for the notebooks (matplotlib; nothing here calls plt.show on its own)."""

from rnnlab.viz.attention import plot_attention
from rnnlab.viz.bptt import (
    gradient_reach,
    plot_gradient_reach,
    plot_loss_curves,
    plot_per_step,
    state_gradients,
    temperature_explorer,
    truncation_explorer,
)
from rnnlab.viz.forecast import ar_order_explorer, plot_forecasts, plot_horizon_errors, plot_series
from rnnlab.viz.gates import forget_bias_explorer, plot_gates
from rnnlab.viz.memory import kalman_explorer, plot_belief, plot_casino, stickiness_explorer
from rnnlab.viz.music import plot_piano_roll
from rnnlab.viz.pathologies import gradient_explorer, plot_clipping, plot_grad_norms
from rnnlab.viz.rnn import (
    fading_memory,
    hidden_state_explorer,
    plot_architectures,
    plot_embedding,
    plot_hidden_states,
    plot_unrolled,
)

__all__ = ["forget_bias_explorer", "plot_gates"]
__all__ += ["ar_order_explorer", "plot_forecasts", "plot_horizon_errors", "plot_series"]
__all__ += ["kalman_explorer", "plot_belief", "plot_casino", "stickiness_explorer"]
__all__ += ["fading_memory", "hidden_state_explorer", "plot_architectures", "plot_embedding", "plot_hidden_states"]
__all__ += ["plot_attention", "plot_piano_roll", "plot_unrolled"]
__all__ += [
    "gradient_explorer",
    "plot_clipping",
    "plot_grad_norms",
]
__all__ += [
    "gradient_reach",
    "plot_gradient_reach",
    "plot_loss_curves",
    "plot_per_step",
    "state_gradients",
    "temperature_explorer",
    "truncation_explorer",
]
