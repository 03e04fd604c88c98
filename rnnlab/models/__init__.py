"""Models of the notebooks: autoregressive baselines and the window MLP (01), linear dynamical systems and
HMMs (02), the character-level RNN language model trained with truncated BPTT (04), the recurrent tagger (08),
the sequence classifier, its bag-of-words baseline and the encoder–decoder (09)."""

from rnnlab.models.autoregressive import ar_predict, fit_ar, forecast, forecast_errors
from rnnlab.models.char_rnn import char_rnn_loss, init_char_rnn, tbptt_step
from rnnlab.models.classifier import SequenceClassifier, bag_of_words, fit_bag_of_words
from rnnlab.models.hmm import (
    casino_hmm,
    hmm_brute_force,
    hmm_forward,
    hmm_smooth,
    sample_hmm,
    sample_hmm_batch,
    viterbi,
)
from rnnlab.models.lds import kalman_filter, kalman_step, simulate_lds
from rnnlab.models.seq2seq import Seq2Seq
from rnnlab.models.tagger import Tagger
from rnnlab.models.window_mlp import (
    init_window_mlp,
    train_window_mlp,
    window_mlp_backward,
    window_mlp_forward,
)

__all__ = [
    "Seq2Seq",
    "SequenceClassifier",
    "Tagger",
    "ar_predict",
    "bag_of_words",
    "casino_hmm",
    "char_rnn_loss",
    "fit_ar",
    "fit_bag_of_words",
    "forecast",
    "forecast_errors",
    "hmm_brute_force",
    "hmm_forward",
    "hmm_smooth",
    "init_char_rnn",
    "init_window_mlp",
    "kalman_filter",
    "kalman_step",
    "sample_hmm",
    "sample_hmm_batch",
    "simulate_lds",
    "tbptt_step",
    "train_window_mlp",
    "viterbi",
    "window_mlp_backward",
    "window_mlp_forward",
]
