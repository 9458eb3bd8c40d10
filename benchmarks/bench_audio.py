"""Speed of the audio descriptors on real clips (a script that prints tables; not a test).

Measures, on N clips of the 4Q set ($AFFECT_DATA/4q/audio, default ../shared/data
relative to the repository):

1. per clip, on one core (BLAS limited to one thread), interleaved file by file:
   decoding alone, each descriptor group alone from the decoded signal (with the
   shared representations it needs), all groups, and the whole extraction from the
   file; medians, the real-time factor (clip seconds per second of compute) and the
   median over files of each step's time divided by that same file's decoding time;
2. the naive way, in the same run: ``librosa.load`` then each librosa function called
   on the raw signal (``melspectrogram(y=)``, ``mfcc(y=)``, ``chroma_stft(y=)``,
   ``spectral_*(y=)``, ``beat_track(y=)``, ``tonnetz(y=)``, ``effects.hpss(y)``, ...),
   and the speed ratio;
3. throughput over files with joblib, 1 and 2 jobs;
4. the cold start: a fresh Python process extracting one clip;
5. peak memory of a fresh process (its VmHWM) on a generated 10-minute file.

Usage::

    python benchmarks/bench_audio.py [--n 100] [--jobs 2] [--naive 10] [--schema audio-2]

The machine may be shared: the load average is printed, and per-clip CPU time
(``time.thread_time``) is shown beside wall-clock time.
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def _data_dir() -> Path:
    root = os.environ.get("AFFECT_DATA") or str(REPO / ".." / "shared" / "data")
    return Path(root).resolve() / "4q" / "audio"


def _clips(n: int) -> list[str]:
    files = sorted(glob.glob(str(_data_dir() / "Q*" / "*.mp3")))
    if not files:
        sys.exit(f"no 4Q clips under {_data_dir()} (set AFFECT_DATA)")
    # spread over the quadrants: every k-th file of the sorted list
    step = max(1, len(files) // n)
    return files[::step][:n]


def _timed(fn):
    w, c = time.perf_counter(), time.thread_time()
    out = fn()
    return out, time.perf_counter() - w, time.thread_time() - c


def _row(label, wall, cpu, clip_s, decode_wall=None):
    """One table row; `decode_wall`: the same files' decoding times (per-file ratios)."""
    w, c = float(np.median(wall)), float(np.median(cpu))
    rtf = clip_s / w if w > 0 else float("inf")
    ratio = (f"{np.median(np.asarray(wall) / np.asarray(decode_wall)):8.2f}"
             if decode_wall is not None else " " * 8)
    print(f"  {label:<32s} {w * 1000:9.1f} {c * 1000:9.1f} {rtf:9.0f}x {ratio}")


def bench_per_clip(clips, schema):
    from threadpoolctl import threadpool_limits

    from affect_features.audio import AUDIO_SCHEMAS, audio_groups, extract_audio_features
    from affect_features.audio.analysis import AudioAnalysis
    from affect_features.audio.decode import load_audio

    groups = audio_groups(schema)
    n_values = len(extract_audio_features(clips[0], schema=schema))  # warm caches
    total_key = f"TOTAL (file -> {n_values} values)"
    others = {s: f"  {s} (file -> {len(extract_audio_features(clips[0], schema=s))} values)"
              for s in AUDIO_SCHEMAS if s != schema}   # the other schemas, for comparison
    rec: dict[str, tuple[list, list]] = {}

    def add(key, w, c):
        rec.setdefault(key, ([], []))
        rec[key][0].append(w)
        rec[key][1].append(c)

    durations = []
    with threadpool_limits(1):
        for path in clips:
            (y, sr), w, c = _timed(lambda: load_audio(path))
            durations.append(len(y) / sr)
            add("decode", w, c)
            for g, fn in groups.items():
                a = AudioAnalysis.from_signal(y)
                _, w, c = _timed(lambda: fn(a))
                add(f"group {g} (alone)", w, c)
            a = AudioAnalysis.from_signal(y)
            _, w, c = _timed(lambda: [fn(a) for fn in groups.values()])
            add("all groups (no decode)", w, c)
            _, w, c = _timed(lambda: extract_audio_features(path, schema=schema))
            add(total_key, w, c)
            for other, key in others.items():
                _, w, c = _timed(lambda: extract_audio_features(path, schema=other))
                add(key, w, c)
    clip_s = float(np.median(durations))
    dec = rec["decode"][0]
    print(f"\n1. Per clip, one core, schema {schema}: {len(clips)} clips, median length "
          f"{clip_s:.1f} s")
    print(f"  {'step':<32s} {'wall ms':>9s} {'cpu ms':>9s} {'realtime':>10s} {'x decode':>8s}")
    for key, (w, c) in rec.items():
        _row(key, w, c, clip_s, dec)
    total = np.asarray(rec[total_key][0])
    print(f"  real time / total, median of per-file ratios: "
          f"{np.median(np.asarray(durations) / total):.0f}x")
    return clip_s, float(np.median(total))


def _naive_features(path):
    """Each librosa descriptor computed from the raw signal, as in a first attempt."""
    import librosa

    y, sr = librosa.load(path, sr=22050, mono=True, duration=30.0)
    out = []
    out.append(librosa.feature.melspectrogram(y=y, sr=sr))
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20)
    out += [mfcc, librosa.feature.delta(mfcc)]
    out.append(librosa.feature.chroma_stft(y=y, sr=sr))
    out.append(librosa.feature.spectral_centroid(y=y, sr=sr))
    out.append(librosa.feature.spectral_bandwidth(y=y, sr=sr))
    out.append(librosa.feature.spectral_rolloff(y=y, sr=sr))
    out.append(librosa.feature.spectral_flatness(y=y))
    out.append(librosa.feature.spectral_contrast(y=y, sr=sr))
    out.append(librosa.feature.zero_crossing_rate(y))
    out.append(librosa.feature.rms(y=y))
    out.append(librosa.onset.onset_strength(y=y, sr=sr))
    out.append(librosa.onset.onset_detect(y=y, sr=sr))
    out.append(librosa.feature.tempogram(y=y, sr=sr))
    out.append(librosa.beat.beat_track(y=y, sr=sr)[1])
    out.append(librosa.feature.tonnetz(y=y, sr=sr))
    h, p = librosa.effects.hpss(y)
    out.append(float(np.sum(h ** 2) / (np.sum(h ** 2) + np.sum(p ** 2) + 1e-12)))
    return out, len(y) / sr


def bench_naive(clips, ours_wall):
    from threadpoolctl import threadpool_limits

    t0 = time.perf_counter()
    import librosa  # noqa: F401  (import and numba loading not counted per clip)
    _naive_features(clips[0])
    warm = time.perf_counter() - t0
    walls, cpus, durs = [], [], []
    with threadpool_limits(1):
        for path in clips:
            (_, d), w, c = _timed(lambda: _naive_features(path))
            walls.append(w)
            cpus.append(c)
            durs.append(d)
    clip_s = float(np.median(durs))
    print(f"\n2. The naive way (each librosa function on the raw signal), {len(clips)} clips")
    print(f"  {'step':<32s} {'wall ms':>9s} {'cpu ms':>9s} {'realtime':>10s}")
    _row("naive librosa (load + all)", walls, cpus, clip_s)
    print(f"  speed ratio ours / naive: {np.median(walls) / ours_wall:.0f}x faster "
          f"(first naive call incl. librosa import and numba loading: {warm:.1f} s)")


def _extract_vector(path, schema=None):
    from affect_features.audio import AUDIO_SCHEMA, extract_audio_features
    return extract_audio_features(path, schema=schema or AUDIO_SCHEMA).vector


def bench_throughput(clips, max_jobs, schema):
    from joblib import Parallel, delayed

    print(f"\n3. Throughput over {len(clips)} files (joblib, processes)")
    print(f"  {'jobs':<6s} {'files/s':>8s} {'realtime':>10s}")
    for jobs in sorted({1, max_jobs}):
        if jobs == 1:
            t = time.perf_counter()
            for p in clips:
                _extract_vector(p, schema)
            dt = time.perf_counter() - t
        else:
            with Parallel(n_jobs=jobs) as par:
                par(delayed(_extract_vector)(p, schema) for p in clips[:jobs])  # start them
                t = time.perf_counter()
                par(delayed(_extract_vector)(p, schema) for p in clips)
                dt = time.perf_counter() - t
        print(f"  {jobs:<6d} {len(clips) / dt:8.1f} {len(clips) * 30.0 / dt:9.0f}x")


_COLD = textwrap.dedent("""
    import time
    t0 = time.perf_counter()
    from affect_features.audio import extract_audio_features
    t1 = time.perf_counter()
    f = extract_audio_features({path!r}, schema={schema!r})
    t2 = time.perf_counter()
    print(t1 - t0, t2 - t1)
""")


def bench_cold_start(clip, schema, repeats=3):
    print("\n4. Cold start: a fresh `python -c` extracting one clip")
    rows = []
    for _ in range(repeats):
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _COLD.format(path=clip, schema=schema)],
                              capture_output=True, text=True, check=True)
        total = time.perf_counter() - t
        imp, first = map(float, proc.stdout.split())
        rows.append((total, imp, first))
    total, imp, first = np.median(np.array(rows), axis=0)
    print(f"  process total {total:.2f} s = interpreter + imports {total - first:.2f} s "
          f"(package import {imp:.2f} s) + first extraction {first * 1000:.0f} ms "
          f"(median of {repeats})")


_MEM = textwrap.dedent("""
    import resource, sys, time

    def peak_bytes():
        # VmHWM: this process's own high-water mark. ru_maxrss would also count the
        # parent's memory at fork time (Linux keeps it across exec), here hundreds of MB.
        try:
            with open("/proc/self/status") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    from affect_features.audio import extract_audio_features
    import av, soxr  # imported by the first extraction anyway
    base = peak_bytes()
    t = time.perf_counter()
    kw = {{"schema": {schema!r}}} if {window!r} == "default" else {{"max_duration": None,
                                                                "schema": {schema!r}}}
    f = extract_audio_features(sys.argv[1], **kw)
    dt = time.perf_counter() - t
    print(base, peak_bytes(), dt)
""")


def _write_long(path, seconds, sr=44100):
    """A 10-minute stereo file: a slowly changing chord over noise with a beat."""
    import av
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libmp3lame" if str(path).endswith(".mp3") else "pcm_s16le",
                         rate=sr, layout="stereo")
        block = 10 * sr
        for i in range(int(seconds * sr) // block):
            t = (i * block + np.arange(block)) / sr
            y = 0.2 * np.sin(2 * np.pi * (220 + 20 * (i % 7)) * t)
            y += 0.05 * rng.standard_normal(block) * (np.sin(2 * np.pi * 2 * t) > 0.9)
            data = np.stack([y, y]).astype(np.float32)
            fmt = "fltp" if str(path).endswith(".mp3") else "s16"
            if fmt == "s16":
                data = (np.clip(data, -1, 1) * 32767).astype(np.int16).T.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt,
                                               layout="stereo")
            frame.sample_rate = sr
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)


def bench_memory(schema, seconds=600):
    print(f"\n5. Peak memory on a generated {seconds // 60}-minute 44.1 kHz stereo file "
          "(fresh process; peak resident set, VmHWM)")
    print(f"  {'file':<10s} {'window':<12s} {'after import':>13s} {'peak':>8s} "
          f"{'extra':>8s} {'time':>7s}")
    with tempfile.TemporaryDirectory() as d:
        for ext in ("wav", "mp3"):
            path = Path(d) / f"long.{ext}"
            _write_long(path, seconds)
            for window in ("default", "whole"):
                proc = subprocess.run([sys.executable, "-c",
                                       _MEM.format(window=window, schema=schema),
                                       str(path)], capture_output=True, text=True, check=True)
                base, peak, dt = proc.stdout.split()
                base, peak = int(base) / 1e6, int(peak) / 1e6
                label = "30 s middle" if window == "default" else "whole 10 min"
                print(f"  {ext + f' {path.stat().st_size / 1e6:.0f}MB':<10s} {label:<12s} "
                      f"{base:11.0f}MB {peak:6.0f}MB {peak - base:6.0f}MB {float(dt):6.2f}s")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100, help="number of 4Q clips (default 100)")
    ap.add_argument("--jobs", type=int, default=2, help="largest joblib job count (default 2)")
    ap.add_argument("--naive", type=int, default=10,
                    help="clips for the naive librosa baseline (default 10; 0 skips it)")
    ap.add_argument("--no-memory", action="store_true", help="skip the 10-minute file")
    ap.add_argument("--schema", default="audio-2", help="audio schema (default audio-2)")
    args = ap.parse_args(argv)

    clips = _clips(args.n)
    import platform
    print(f"audio benchmark: {len(clips)} clips from {_data_dir()}")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    clip_s, ours = bench_per_clip(clips, args.schema)
    if args.naive:
        bench_naive(clips[:args.naive], ours)
    bench_throughput(clips, args.jobs, args.schema)
    bench_cold_start(clips[0], args.schema)
    if not args.no_memory:
        bench_memory(args.schema)
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
