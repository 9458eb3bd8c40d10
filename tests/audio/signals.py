"""Synthetic signals and file writers shared by the audio tests.

Every signal is generated here, short (a few seconds at most) and deterministic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SR = 22050


def sine(freq: float, dur: float, *, sr: int = SR, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(round(dur * sr))) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def click_track(bpm: float, dur: float, *, sr: int = SR, start: float = 0.1) -> np.ndarray:
    """Short 2-kHz Hann-windowed bursts (9 ms) every 60 / bpm seconds."""
    y = np.zeros(int(dur * sr), dtype=np.float32)
    burst = (np.hanning(200) * np.sin(2 * np.pi * 2000 * np.arange(200) / sr)).astype(np.float32)
    for t in np.arange(start, dur - 0.02, 60.0 / bpm):
        i = int(round(t * sr))
        y[i:i + 200] += burst
    return 0.8 * y


def harmonic_tone(f0: float, dur: float, *, sr: int = SR, n_harm: int = 4) -> np.ndarray:
    t = np.arange(int(round(dur * sr))) / sr
    return sum((1.0 / h) * np.sin(2 * np.pi * f0 * h * t) for h in range(1, n_harm + 1))


def chord(midis, dur: float, *, sr: int = SR) -> np.ndarray:
    """A triad of harmonic tones with 10-ms attack and 50-ms release ramps."""
    y = sum(harmonic_tone(440.0 * 2 ** ((m - 69) / 12), dur, sr=sr) for m in midis)
    n = np.arange(len(y))
    env = np.minimum(1.0, np.minimum(n / (0.01 * sr), (len(y) - n) / (0.05 * sr)))
    return y * env


def progression(chords, dur: float = 1.0, *, sr: int = SR) -> np.ndarray:
    y = np.concatenate([chord(c, dur, sr=sr) for c in chords])
    return (0.1 * y).astype(np.float32)


C_MAJOR = [[60, 64, 67], [65, 69, 72], [67, 71, 74], [60, 64, 67]]   # C F G C
A_MINOR = [[57, 60, 64], [62, 65, 69], [64, 68, 71], [57, 60, 64]]   # Am Dm E Am


def white_noise(dur: float, *, sr: int = SR, amp: float = 0.3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (amp * rng.standard_normal(int(dur * sr))).astype(np.float32)


def dominant_freq(y: np.ndarray, sr: int) -> float:
    """Frequency of the largest FFT peak of `y` (Hann window)."""
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return float(np.fft.rfftfreq(len(y), 1.0 / sr)[np.argmax(spec)])


def write_av(path, y, sr: int, codec: str, *, layout: str = "mono", metadata=None,
             bit_rate: int | None = None) -> Path:
    """Encode `y` ((n,) or (channels, n) float) with PyAV's bundled FFmpeg."""
    import av

    data = np.atleast_2d(np.asarray(y, dtype=np.float32))
    n_ch = 2 if layout == "stereo" else 1
    if data.shape[0] != n_ch:
        data = np.repeat(data[:1], n_ch, axis=0)
    with av.open(str(path), "w") as c:
        if metadata:
            for k, v in metadata.items():
                c.metadata[k] = v
        s = c.add_stream(codec, rate=sr, layout=layout)
        if bit_rate:
            s.bit_rate = bit_rate
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format="fltp",
                                           layout=layout)
        frame.sample_rate = sr
        for p in s.encode(frame):
            c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    return Path(path)
