"""Generated melodies: bars, endings and tokens against their definitions; the sound's pitch by its spectrum."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data.music import (
    END,
    SAMPLE_RATE,
    VOCAB_SIZE,
    generate_melodies,
    melody_to_tokens,
    note_frequencies,
    synthesize,
    tokens_to_melody,
)
from rnnlab.viz import plot_piano_roll


def test_melodies_fill_whole_bars_and_end_on_a_long_tonic():
    melodies = generate_melodies(np.random.default_rng(0), 200, bars=4)
    for melody in melodies:
        onsets = np.concatenate([[0], np.cumsum(melody[:, 1])])
        assert onsets[-1] == 32  # 4 bars of 8 eighths
        assert {8, 16, 24} <= set(onsets)  # no note is held across a bar line
        assert melody[-1, 0] in (0, 7) and melody[-1, 1] >= 2
    steps = np.abs(np.concatenate([np.diff(m[:-1, 0]) for m in melodies]))
    assert np.mean(steps <= 2) > 0.8  # mostly steps, few leaps


def test_generation_is_reproducible_from_the_seed():
    a, b = (generate_melodies(np.random.default_rng(5), 3) for _ in range(2))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_tokens_round_trip_and_end_with_end():
    melody = np.array([[0, 2], [7, 4], [3, 1], [5, 3]])
    tokens = melody_to_tokens(melody)
    np.testing.assert_array_equal(tokens, [1, 31, 12, 22, END])  # degree * 4 + (eighths - 1)
    assert VOCAB_SIZE == END + 1 == 33
    np.testing.assert_array_equal(tokens_to_melody(tokens), melody)
    np.testing.assert_array_equal(tokens_to_melody([1, 31, END, 12]), melody[:2])  # stops at the first END


def test_a_synthesized_note_sounds_at_its_pitch_for_its_duration():
    melody = np.array([[5, 4]])  # A4 for a half note
    audio = synthesize(melody, tempo=120)
    assert audio.dtype == np.float32 and len(audio) == SAMPLE_RATE  # 4 eighths at 120 quarters/min = 1 s
    assert np.abs(audio).max() <= 1
    spectrum = np.abs(np.fft.rfft(audio))
    assert np.fft.rfftfreq(len(audio), 1 / SAMPLE_RATE)[spectrum.argmax()] == pytest.approx(440, abs=1)
    assert note_frequencies(np.array([[0, 1], [7, 1]])) == pytest.approx([261.63, 523.25], abs=0.01)


def test_piano_roll_draws_one_bar_per_note():
    melody = generate_melodies(np.random.default_rng(1), 1)[0]
    ax = plot_piano_roll(melody)
    assert len(ax.patches) == len(melody)
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "C4"


def test_bad_melodies_are_named():
    with pytest.raises(ValueError, match="melody: degrees"):
        synthesize(np.array([[8, 2]]))
    with pytest.raises(ValueError, match=r"melody: expected an integer array of shape \(n_notes, 2\)"):
        melody_to_tokens(np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="tokens"):
        tokens_to_melody([40])
