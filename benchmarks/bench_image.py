"""Image feature extraction speed on real photos (a script that prints tables).

    python benchmarks/bench_image.py [--n 200] [--data ../shared/data]

Prints, on N Emotion6 photos: median milliseconds per image for JPEG decoding alone,
the shared analysis (resize, border crop, HSV, grey, segmentation), each feature group
on a prepared analysis, and the whole vector from the file; the ratio of the total to
decoding alone, measured in the same run; and images per second with 1 and 2 worker
processes. Medians, because this machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import sys
import time

import numpy as np


def _median_ms(fn, items, repeat=1):
    times = []
    for it in items:
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            fn(it)
            best = min(best, time.perf_counter() - t)
        times.append(best)
    return 1000.0 * statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--data", default=os.environ.get("AFFECT_DATA", "../shared/data"))
    ap.add_argument("--no-parallel", action="store_true")
    args = ap.parse_args(argv)

    from PIL import Image

    from affect_features.batch import map_files
    from affect_features.image import IMAGE_GROUPS, extract_image_features, image_vector
    from affect_features.image import _group_function
    from affect_features.image.analysis import ImageAnalysis

    files = sorted(glob.glob(os.path.join(args.data, "emotion6", "images", "*", "*.jpg")))
    if not files:
        sys.exit(f"no Emotion6 images under {args.data}")
    step = max(1, len(files) // args.n)
    files = files[::step][: args.n]
    extract_image_features(files[0])  # warm imports and caches

    def decode(p):
        with Image.open(p) as im:
            np.asarray(im.convert("RGB"))

    def prepare(p):
        a = ImageAnalysis(p)
        a.hsv, a.gray, a.segments
        return a

    rows = [("decode JPEG only (PIL)", _median_ms(decode, files, repeat=3))]
    rows.append(("analysis: decode+resize+crop+HSV+grey+segments",
                 _median_ms(prepare, files)))
    prepared = [prepare(p) for p in files]
    for g in IMAGE_GROUPS:
        f = _group_function(g)
        rows.append((f"group {g}", _median_ms(f, prepared)))
    total = _median_ms(image_vector, files)
    rows.append(("total: full vector from the file", total))
    dec = rows[0][1]
    n_feat = len(extract_image_features(files[0]))
    print(f"# image features: {len(files)} Emotion6 photos, {n_feat} features, one core")
    print("| step | median ms/image | x decode |")
    print("|---|---:|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:.2f} | {ms / dec:.1f} |")
    if not args.no_parallel:
        print()
        print("| jobs | images/s |")
        print("|---:|---:|")
        for jobs in (1, 2):
            t = time.perf_counter()
            n = sum(1 for _ in map_files(image_vector, files, n_jobs=jobs))
            print(f"| {jobs} | {n / (time.perf_counter() - t):.1f} |")


if __name__ == "__main__":
    main()
