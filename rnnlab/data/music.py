"""Generated folk-like melodies, their tokens, and their sound.

No corpus ships with rnnlab. The encodings in music21's corpus (checked in version 10.5.1) carry no licence that
clearly allows redistributing them in an MIT project: the Essen folksongs are licensed for non-commercial use in
music21, the ABC transcriptions of Ryan's Mammoth Collection (1883) state no terms, and the Bach chorales' files
carry no rights statement. So melodies are generated in code, the way a simple folk tune is built: 4 bars of
4/4 in C major, each bar one of a few common rhythms, pitches from a Markov chain that prefers steps to leaps,
and a long tonic at the end.

A note is (degree, eighths): degree 0 .. 7 of the C major scale from C4 to C5, duration 1 .. 4 eighth notes.
A melody is an integer array of shape (n_notes, 2). Tokens number the notes for a language model::

    melodies = generate_melodies(np.random.default_rng(0), 100)
    tokens = melody_to_tokens(melodies[0])         # ids in 0 .. VOCAB_SIZE - 1, END last
    audio = synthesize(melodies[0])                # float32 samples at SAMPLE_RATE, for IPython.display.Audio
"""

from __future__ import annotations

import numpy as np

from rnnlab._validate import check_count, check_rng

MIDI = np.array([60, 62, 64, 65, 67, 69, 71, 72])  # C4 D4 E4 F4 G4 A4 B4 C5
NOTE_NAMES = ("C4", "D4", "E4", "F4", "G4", "A4", "B4", "C5")
DURATIONS = (1, 2, 3, 4)  # eighth notes
END = len(MIDI) * len(DURATIONS)  # the token that ends a melody
VOCAB_SIZE = END + 1
SAMPLE_RATE = 8000

BAR = 8  # eighths in a 4/4 bar
_RHYTHMS = ((2, 2, 2, 2), (4, 2, 2), (2, 2, 4), (1, 1, 2, 2, 2), (3, 1, 2, 2), (2, 1, 1, 4), (2, 2, 1, 1, 2))
_FINAL_RHYTHMS = ((2, 2, 4), (4, 4), (2, 2, 2, 2))  # the last note of the bar is the final tonic
_STEPS = np.array([-4, -3, -2, -1, 0, 1, 2, 3, 4])
_STEP_PROBS = np.array([0.02, 0.04, 0.15, 0.26, 0.06, 0.26, 0.15, 0.04, 0.02])


def generate_melodies(rng: np.random.Generator, count: int, *, bars: int = 4) -> list[np.ndarray]:
    """``count`` melodies of ``bars`` bars; each an integer array (n_notes, 2) of (degree, eighths)."""
    check_rng(rng)
    check_count("count", count, minimum=0)
    check_count("bars", bars)
    melodies = []
    for _ in range(count):
        rhythm = [d for _ in range(bars - 1) for d in _RHYTHMS[rng.integers(len(_RHYTHMS))]]
        rhythm += _FINAL_RHYTHMS[rng.integers(len(_FINAL_RHYTHMS))]
        degree = int(rng.choice([0, 2, 4]))  # start on a note of the tonic chord
        degrees = [degree]
        for _ in range(len(rhythm) - 2):
            degree = int(np.clip(degree + rng.choice(_STEPS, p=_STEP_PROBS), 0, len(MIDI) - 1))
            degrees.append(degree)
        degrees.append(0 if degree < 4 else len(MIDI) - 1)  # end on the nearer tonic, C4 or C5
        melodies.append(np.array([degrees, rhythm]).T)
    return melodies


def melody_to_tokens(melody: np.ndarray) -> np.ndarray:
    """Token ids of a melody (n_notes, 2), one per note, then END: shape (n_notes + 1,)."""
    melody = _check_melody(melody)
    return np.append(melody[:, 0] * len(DURATIONS) + (melody[:, 1] - 1), END)


def tokens_to_melody(tokens) -> np.ndarray:
    """The melody (n_notes, 2) of token ids, up to the first END (ids of notes only otherwise)."""
    tokens = np.asarray(tokens, dtype=np.int64)
    if tokens.ndim != 1 or tokens.size and (tokens.min() < 0 or tokens.max() > END):
        raise ValueError(f"tokens: expected a 1-d sequence of ids in 0 .. {END}, got {tokens!r}")
    ends = np.flatnonzero(tokens == END)
    notes = tokens[: ends[0]] if ends.size else tokens
    return np.stack([notes // len(DURATIONS), notes % len(DURATIONS) + 1], axis=1)


def note_frequencies(melody: np.ndarray) -> np.ndarray:
    """The pitch of every note in Hz (equal temperament, A4 = 440 Hz): shape (n_notes,)."""
    melody = _check_melody(melody)
    return 440.0 * 2.0 ** ((MIDI[melody[:, 0]] - 69) / 12)


def synthesize(melody: np.ndarray, *, tempo: float = 120.0, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The melody as sound: each note a sine with a softer octave above it, a 10 ms attack and an exponential
    decay; ``tempo`` quarter notes per minute. Returns float32 samples in [-1, 1], shape (n_samples,)."""
    melody = _check_melody(melody)
    eighth = 30.0 / tempo  # seconds
    pieces = []
    for frequency, eighths in zip(note_frequencies(melody), melody[:, 1], strict=True):
        t = np.arange(int(round(eighths * eighth * sample_rate))) / sample_rate
        envelope = np.minimum(t / 0.01, 1.0) * np.exp(-3.0 * t)
        pieces.append(envelope * (np.sin(2 * np.pi * frequency * t) + 0.3 * np.sin(4 * np.pi * frequency * t)))
    audio = np.concatenate(pieces) if pieces else np.zeros(0)
    return (0.7 * audio / 1.3).astype(np.float32)


def _check_melody(melody) -> np.ndarray:
    melody = np.asarray(melody)
    if melody.ndim != 2 or melody.shape[1] != 2 or not np.issubdtype(melody.dtype, np.integer):
        raise ValueError(f"melody: expected an integer array of shape (n_notes, 2), got {melody.dtype} {melody.shape}")
    if melody.size and (melody[:, 0].min() < 0 or melody[:, 0].max() >= len(MIDI)):
        raise ValueError(f"melody: degrees must lie in 0 .. {len(MIDI) - 1}")
    if melody.size and (melody[:, 1].min() < 1 or melody[:, 1].max() > max(DURATIONS)):
        raise ValueError(f"melody: durations must lie in 1 .. {max(DURATIONS)} eighths")
    return melody
