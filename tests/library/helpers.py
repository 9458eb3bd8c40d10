"""Rows and files the library tests share."""

import os

import numpy as np

from affect_features.library import file_fingerprint


def write(path, data=b"audio"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def analysed_row(path, *, point=(0.1, 0.2, 0.3), model="m1", dims=4):
    """The row an indexer would store for an existing file."""
    fp = file_fingerprint(path)
    return {"path": path, "size": fp.size, "mtime_ns": fp.mtime_ns,
            "content_hash": fp.content_hash, "title": os.path.basename(path),
            "descriptors": np.arange(dims, dtype=np.float32), "descriptor_schema": "s1",
            "valence": point[0], "arousal": point[1], "dominance": point[2],
            "model_version": model}


def point_rows(points, *, model="m1", dims=4, prefix="/virtual/song"):
    return [{"path": f"{prefix}{i:06d}.mp3", "title": f"song {i}",
             "descriptors": np.full(dims, i, dtype=np.float32),
             "descriptor_schema": "s1", "valence": float(p[0]), "arousal": float(p[1]),
             "dominance": float(p[2]), "model_version": model}
            for i, p in enumerate(points)]
