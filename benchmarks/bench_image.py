"""Image feature extraction speed on real photos (a script that prints tables).

    python benchmarks/bench_image.py [--n 100] [--data ../shared/data] [--clock wall|cpu]
                                     [--no-parallel]

For each of N Emotion6 photos, interleaved on the same file: JPEG decoding alone (PIL),
the shared analysis (decode, resize, border crop, the 40,000-pixel IHLS, grey and RGB
planes), the segmentation, each feature group on that prepared analysis, and the whole
vector from the file. Each step's time is divided by the decode time *of the same file
measured just before it*, and the table reports the median of those per-file ratios
beside the median milliseconds: on this shared, noisy machine a ratio measured within
a few milliseconds is far steadier than a ratio of two medians taken minutes apart.
One core: OpenCV's own threads are switched off (``cv2.setNumThreads(1)``).
``--clock cpu`` times with this thread's CPU time (``time.thread_time``) instead of the
wall clock: the same work, but blind to other processes taking the cores, which on a
loaded machine inflate long steps far more than the 1.5-ms decode. Then images per
second (wall clock) with 1 and 2 worker processes.
"""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import sys
import time

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--data", default=os.environ.get("AFFECT_DATA", "../shared/data"))
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--no-parallel", action="store_true")
    args = ap.parse_args(argv)

    import cv2

    cv2.setNumThreads(1)
    clock = time.perf_counter if args.clock == "wall" else time.thread_time

    from PIL import Image

    from affect_features.batch import map_files
    from affect_features.image import (IMAGE_GROUPS, _group_function, image_feature_names,
                                       image_vector)
    from affect_features.image.analysis import SEGMENT_PIXELS, WORK_PIXELS, ImageAnalysis

    files = sorted(glob.glob(os.path.join(args.data, "emotion6", "images", "*", "*.jpg")))
    if not files:
        sys.exit(f"no Emotion6 images under {args.data}")
    step = max(1, len(files) // args.n)
    files = files[::step][: args.n]
    image_vector(files[0])  # warm imports, cascades and tables

    def decode(p):
        with Image.open(p) as im:
            np.asarray(im.convert("RGB"))

    def analysis(p):
        a = ImageAnalysis(p)
        w = a.at(WORK_PIXELS)
        w.ihls, w.gray, w.gray_u8, w.rgb_u8
        return a

    def segmentation(a):
        a.segments
        a.at(SEGMENT_PIXELS).ihls

    def timed(fn, x):
        t = clock()
        out = fn(x)
        return clock() - t, out

    steps = (["analysis: decode, resize, border crop, 40k IHLS/grey/RGB planes",
              f"segmentation ({SEGMENT_PIXELS:,} pixels) and its IHLS plane"]
             + [f"{g} group" for g in IMAGE_GROUPS]
             + [f"**total: {len(image_feature_names())} features from the file**"])
    ms = {s: [] for s in steps}
    ratio = {s: [] for s in steps}
    dec_ms = []
    for p in files:
        # decode right before each measured step, on the same (cached) file
        def record(name, fn, x):
            d, _ = timed(decode, p)
            t, out = timed(fn, x)
            dec_ms.append(d)
            ms[name].append(t)
            ratio[name].append(t / d)
            return out

        a = record(steps[0], analysis, p)
        record(steps[1], segmentation, a)
        for g, name in zip(IMAGE_GROUPS, steps[2:-1]):
            record(name, _group_function(g), a)
        record(steps[-1], image_vector, p)

    med = statistics.median
    print(f"# image features: {len(files)} Emotion6 photos, one core, {args.clock} clock; "
          "ratios are medians of per-file ratios to that file's decode, measured just "
          "before each step")
    print("| step | median ms/image | x JPEG decode (median of per-file ratios) |")
    print("|---|---:|---:|")
    print(f"| decode JPEG only (PIL) | {1000 * med(dec_ms):.2f} | 1.0 |")
    for name in steps:
        print(f"| {name} | {1000 * med(ms[name]):.2f} | {med(ratio[name]):.1f} |")
    parts = sum(med(ratio[n]) for n in steps[:-1])
    print(f"\nsum of the step medians: {parts:.1f} x decode (the total measured whole: "
          f"{med(ratio[steps[-1]]):.1f} x)")
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
