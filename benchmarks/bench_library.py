"""Speed and size of the music library at scale (no audio: synthetic tracks).

Builds a library of ``--n`` synthetic tracks (random points in [-1, 1]^3, metadata, and
optionally ``--dims`` float32 descriptors each), then, in fresh processes (so that the
numbers are those of a program that opens the library and matches one photo):

- the first open after a raw ``upsert_many`` (no points snapshot yet: the points are read
  from the covering index and the snapshot stored), and a later open, which reads the
  snapshot (as after :meth:`MusicLibrary.index` or :meth:`MusicLibrary.repredict`, which
  store it when they finish);
- the k-d tree build, the first match, and the median and 99th percentile latency of
  :meth:`MusicLibrary.nearest` for k=5 and k=50 (including fetching the k tracks' fields);
- peak resident memory (``resource.getrusage``) of the build and of each query process,
  and the size of the database on disk.

Targets: open plus first match under 3 s, a match under 1 ms (median), under 1 GB of
memory, for 1,000,000 tracks::

    python benchmarks/bench_library.py              # 1M tracks, ~2 min
    python benchmarks/bench_library.py --n 100000 --dims 64
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

from affect_features.library import MusicLibrary


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (ru_maxrss is KiB on Linux)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / 2**20


def synthetic_rows(n: int, dims: int, seed: int = 0):
    """Tracks in scan order (sorted paths), as an indexer would write them."""
    rng = np.random.default_rng(seed)
    chunk = 10_000
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        pts = rng.uniform(-1, 1, (m, 3)).tolist()
        sizes = rng.integers(1_000_000, 12_000_000, m).tolist()
        hashes = rng.bytes(16 * m).hex()
        desc = rng.standard_normal((m, dims)).astype(np.float32) if dims else None
        for j in range(m):
            i = start + j
            artist, album = i // 120, i // 12
            yield {
                "path": f"/home/user/Music/Artist {artist:06d}/Album {album:07d}/"
                        f"{i % 12 + 1:02d} Song number {i}.mp3",
                "size": sizes[j], "mtime_ns": 1_700_000_000_000_000_000 + i,
                "content_hash": hashes[32 * j:32 * j + 32],
                "title": f"Song number {i}", "artist": f"Artist {artist}",
                "album": f"Album {album}",
                "valence": pts[j][0], "arousal": pts[j][1], "dominance": pts[j][2],
                "model_version": "bench-1",
                "descriptors": None if desc is None else desc[j],
                "descriptor_schema": "audio-bench" if dims else None,
            }


def db_size_mb(path: str) -> float:
    return sum(os.path.getsize(path + s) for s in ("", "-wal", "-shm")
               if os.path.exists(path + s)) / 1e6


def measure_open(path: str, queries: int, seed: int = 1) -> dict:
    """Open, load, build, first match, then match latencies (run in a fresh process)."""
    rng = np.random.default_rng(seed)
    out = {}
    t = time.perf_counter()
    import scipy.spatial  # noqa: F401 - imported by the first match; timed apart
    out["import_s"] = time.perf_counter() - t
    t0 = time.perf_counter()
    lib = MusicLibrary(path)
    out["open_s"] = time.perf_counter() - t0
    t = time.perf_counter()
    ids, _ = lib.points()
    out["load_s"] = time.perf_counter() - t
    out["open_load_s"] = time.perf_counter() - t0
    out["n_points"] = int(len(ids))
    t = time.perf_counter()
    lib._tree((1.0, 1.0, 1.0), lib.points()[1])
    out["tree_s"] = time.perf_counter() - t
    t = time.perf_counter()
    lib.nearest(rng.uniform(-1, 1, 3), k=5)
    out["first_match_s"] = time.perf_counter() - t
    out["open_to_first_match_s"] = time.perf_counter() - t0
    for k in (5, 50):
        lat = []
        for q in rng.uniform(-1, 1, (queries, 3)):
            t = time.perf_counter()
            res = lib.nearest(q, k=k)
            lat.append(time.perf_counter() - t)
        assert len(res) == k
        out[f"k{k}_median_ms"] = 1e3 * float(np.median(lat))
        out[f"k{k}_p99_ms"] = 1e3 * float(np.percentile(lat, 99))
    lib.close()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def run_measure_subprocess(path: str, queries: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--measure", path,
                           "--queries", str(queries)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="tracks (default 1,000,000)")
    ap.add_argument("--dims", type=int, default=0,
                    help="float32 descriptors per track (default 0: points and metadata)")
    ap.add_argument("--queries", type=int, default=2000, help="matches timed per k")
    ap.add_argument("--dir", default=None, help="folder for the database (default: temp)")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.measure:
        print(json.dumps(measure_open(args.measure, args.queries)))
        return

    folder = args.dir or tempfile.mkdtemp(prefix="bench_library_")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "library.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    print(f"building {args.n:,} synthetic tracks ({args.dims} descriptors each) in {path}",
          file=sys.stderr)
    t = time.perf_counter()
    for _ in synthetic_rows(args.n, args.dims):
        pass
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    with MusicLibrary(path) as lib:
        lib.upsert_many(synthetic_rows(args.n, args.dims))
    insert_s = time.perf_counter() - t
    build_rss = peak_rss_mb()

    first = run_measure_subprocess(path, args.queries)   # rebuilds the snapshot
    again = run_measure_subprocess(path, args.queries)   # reads the snapshot
    size = db_size_mb(path)

    rows = [
        ("tracks", f"{args.n:,}"),
        ("descriptors per track", f"{args.dims}"),
        ("insert (upsert_many, 500 rows/transaction)",
         f"{insert_s:.1f} s ({args.n / insert_s:,.0f} rows/s)"),
        ("  of which making the synthetic rows", f"{gen_s:.1f} s"),
        ("database size on disk", f"{size:.0f} MB"),
        ("peak memory, build", f"{build_rss:.0f} MB"),
        ("import scipy.spatial (once per process)", f"{again['import_s']:.2f} s"),
        ("open after raw upsert_many (no snapshot): open + load",
         f"{first['open_load_s']:.2f} s (load from covering index + store snapshot)"),
        ("  + k-d tree build + first match", f"{first['open_to_first_match_s']:.2f} s"),
        ("open after index()/repredict(), or any later open: open",
         f"{again['open_s'] * 1e3:.1f} ms"),
        ("  load points (snapshot)", f"{again['load_s']:.3f} s"),
        ("  k-d tree build", f"{again['tree_s']:.2f} s"),
        ("  open + load + tree + first match", f"{again['open_to_first_match_s']:.2f} s"),
        ("match k=5: median / p99",
         f"{again['k5_median_ms']:.3f} / {again['k5_p99_ms']:.3f} ms"),
        ("match k=50: median / p99",
         f"{again['k50_median_ms']:.3f} / {again['k50_p99_ms']:.3f} ms"),
        ("peak memory, open + matches",
         f"{first['peak_rss_mb']:.0f} MB (first), {again['peak_rss_mb']:.0f} MB (later)"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")

    if not args.keep and args.dir is None:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        os.rmdir(folder)


if __name__ == "__main__":
    main()
