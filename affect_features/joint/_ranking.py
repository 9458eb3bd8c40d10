"""Ranking songs for photos by cosine similarity of their joint embeddings."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ._network import normalise

__all__ = ["rank_songs"]


def rank_songs(photo_emb, song_embs, k: int = 5):
    """The `k` songs most similar to each photo, by cosine similarity of embeddings.

    Parameters
    ----------
    photo_emb : array_like, shape (dim,) or (n_photos, dim)
        Photo embeddings (:meth:`JointEmbedding.embed_image`).
    song_embs : array_like, shape (n_songs, dim)
        Song embeddings (:meth:`JointEmbedding.embed_audio`).
    k : int, default 5
        Songs per photo (at most n_songs).

    Returns
    -------
    index : ndarray of int, shape (k,) or (n_photos, k)
        Song rows, most similar first; ties go to the lower row.
    similarity : ndarray, same shape
        Their cosine similarities ``e_photo . e_song / (|e_photo| |e_song|)`` in [-1, 1].

    Raises
    ------
    ParameterError
        Bad shapes, dimensions that differ, non-finite values or ``k < 1``.
    """
    p = np.asarray(photo_emb, dtype=np.float64)
    s = np.asarray(song_embs, dtype=np.float64)
    single = p.ndim == 1
    p = np.atleast_2d(p)
    if p.ndim != 2 or s.ndim != 2 or p.shape[1] != s.shape[1]:
        raise ParameterError(f"photo embeddings {p.shape} and song embeddings {s.shape} "
                             f"must be (n, dim) with the same dim")
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(s))):
        raise ParameterError("embeddings must be finite")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ParameterError(f"k must be an integer >= 1, got {k!r}")
    k = min(int(k), s.shape[0])
    sim = normalise(p)[0] @ normalise(s)[0].T
    if k < s.shape[0]:
        # The k best by partition, then sorted (stable on -sim: ties keep row order).
        part = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        # Rows tied with the k-th best may be left out by the partition: take all of them.
        kth = np.take_along_axis(sim, part, axis=1).min(axis=1, keepdims=True)
        cand = [np.flatnonzero(row >= t) for row, t in zip(sim, kth[:, 0])]
        index = np.stack([c[np.argsort(-sim[i, c], kind="stable")][:k]
                          for i, c in enumerate(cand)]) if len(cand) else \
            np.zeros((0, k), dtype=np.intp)
    else:
        index = np.argsort(-sim, axis=1, kind="stable")
    index = index.astype(np.intp)
    top = np.take_along_axis(sim, index, axis=1)
    return (index[0], top[0]) if single else (index, top)
