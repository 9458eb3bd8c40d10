"""Peak memory of the image features of a legal 100-megapixel image, by format.

Writes 10,000 x 10,000 PNGs (RGB, RGBA with varying transparency, grey) into a
temporary folder, then, in a fresh process each, measures the peak resident memory
(``resource.getrusage``) of

- the baseline: Pillow decoding the file, nothing else (the decoded image itself);
- ``extract_image_features(path)``: all 100+ features from the file.

The target: memory bounded by the image, not the format: an RGBA image within the
memory of an RGB one or better (before: 3.9 GB for RGBA, 1.0 GB for RGB)::

    python benchmarks/bench_image_memory.py            # ~2 min, ~1.5 GB of disk
    python benchmarks/bench_image_memory.py --side 6000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

MEASURE = r"""
import json, resource, sys
kind, path = sys.argv[1], sys.argv[2]
if kind == "decode":
    from PIL import Image
    Image.MAX_IMAGE_PIXELS = None
    with Image.open(path) as im:
        im.load()
else:
    from affect_features.image import extract_image_features
    extract_image_features(path)
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
"""


def make_png(path: str, side: int, mode: str) -> None:
    """A side x side PNG: a colour gradient with noise (and an alpha ramp for RGBA),
    written a row block at a time into one array, compressed fast."""
    from PIL import Image

    rng = np.random.default_rng(0)
    channels = {"RGB": 3, "RGBA": 4, "L": 1}[mode]
    a = np.empty((side, side, channels), np.uint8)
    x = np.linspace(0, 255, side, dtype=np.float32)
    for r in range(0, side, 500):
        rows = min(500, side - r)
        y = np.linspace(r, r + rows, rows, dtype=np.float32)[:, None] * 255.0 / side
        noise = rng.integers(0, 16, (rows, side), dtype=np.uint8)
        for c in range(channels):
            plane = (x[None, :] * (c + 1) / channels + y * (channels - c) / channels) % 256
            a[r:r + rows, :, c] = plane.astype(np.uint8) + noise
    im = Image.fromarray(a[:, :, 0] if channels == 1 else a, mode)
    im.save(path, compress_level=1)


def peak_mb(kind: str, path: str) -> float:
    out = subprocess.run([sys.executable, "-c", MEASURE, kind, path], check=True,
                         capture_output=True, text=True).stdout
    return float(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--side", type=int, default=10_000, help="pixels per side")
    ap.add_argument("--make", nargs=2, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.make:
        make_png(args.make[0], args.side, args.make[1])
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("RGB", "RGBA", "L"):
            path = os.path.join(tmp, f"big_{mode}.png")
            # Made in another process: Linux carries a process's peak memory across
            # fork and exec, so this one must stay small for its children's peaks.
            subprocess.run([sys.executable, __file__, "--make", path, mode,
                            "--side", str(args.side)], check=True)
            base = peak_mb("decode", path)
            full = peak_mb("features", path)
            rows.append((mode, os.path.getsize(path) / 1e6, base, full))
            os.remove(path)
    mp = args.side * args.side / 1e6
    print(f"{mp:.0f}-megapixel PNG | file MB | peak MB, Pillow decode only | "
          f"peak MB, all features | x decode")
    print("---|---:|---:|---:|---:")
    for mode, size, base, full in rows:
        print(f"{mode} | {size:.0f} | {base:.0f} | {full:.0f} | {full / base:.2f}")


if __name__ == "__main__":
    main()
