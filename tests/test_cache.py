"""Tests of affect_features.cache: the feature cache of training."""

import os

import numpy as np
import pytest

from affect_features.batch import Failure
from affect_features.cache import cached_features
from affect_features.errors import SchemaError
from affect_features.features import FeatureVector


def touch(path, data=b"x"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    return str(path)


class Extractor:
    """Features = (size, first byte); records which paths it was asked for."""

    def __init__(self, fail=()):
        self.calls = []
        self.fail = set(fail)

    def __call__(self, paths):
        self.calls.append(list(paths))
        out = []
        for p in paths:
            if os.path.basename(p) in self.fail:
                out.append(Failure(p, "cannot decode"))
            else:
                data = open(p, "rb").read()
                out.append(FeatureVector(("n.size", "n.first"), [len(data), data[0]], "t-1"))
        return out


def test_cache_extracts_only_new_or_changed(tmp_path):
    files = [touch(tmp_path / f"{i}.bin", bytes([i + 1]) * (i + 1)) for i in range(3)]
    cache = str(tmp_path / "cache" / "features.npz")
    ex = Extractor()
    t = cached_features(files, ex, cache, "t-1")
    assert ex.calls == [files] and t.n_extracted == 3
    np.testing.assert_array_equal(t.X, [[1, 1], [2, 2], [3, 3]])
    assert t.ok.all() and t.names == ("n.size", "n.first") and t.schema == "t-1"
    with np.load(cache, allow_pickle=False) as z:  # no pickle in the cache
        assert sorted(z.files) == ["X", "keys", "mtimes", "names", "schema", "sizes"]
    # Nothing new: the extractor is not called at all.
    t2 = cached_features(files, ex, cache, "t-1")
    assert len(ex.calls) == 1 and t2.n_extracted == 0
    np.testing.assert_array_equal(t2.X, t.X)
    # One file changes (size and mtime): only it is extracted again.
    touch(files[1], b"\x09" * 5)
    os.utime(files[1], ns=(10**18, 10**18))
    t3 = cached_features(files, ex, cache, "t-1")
    assert ex.calls[-1] == [os.path.abspath(files[1])] and t3.n_extracted == 1
    np.testing.assert_array_equal(t3.X[1], [5, 9])
    # A new schema makes every entry stale.
    ex2 = Extractor()
    with pytest.raises(SchemaError):
        cached_features(files, ex2, cache, "t-2")  # the extractor still says t-1
    assert ex2.calls == [[os.path.abspath(f) for f in files]]


def test_cache_failures_are_not_cached(tmp_path):
    files = [touch(tmp_path / f"{i}.bin", bytes([7])) for i in range(2)]
    missing = str(tmp_path / "gone.bin")
    cache = str(tmp_path / "c.npz")
    ex = Extractor(fail={"1.bin"})
    t = cached_features(files + [missing], ex, cache, "t-1")
    assert t.ok.tolist() == [True, False, False]
    assert t.failures[files[1]] == "cannot decode"
    assert "cannot read" in t.failures[missing]
    assert np.isnan(t.X[1]).all() and np.isnan(t.X[2]).all()
    ex.fail.clear()
    t = cached_features(files + [missing], ex, cache, "t-1")
    assert ex.calls[-1] == [os.path.abspath(files[1])]  # retried, the good one cached
    assert t.ok.tolist() == [True, True, False]


def test_cache_pairs_arrays_and_chunks(tmp_path):
    files = [touch(tmp_path / f"{i}.bin", bytes([i + 1])) for i in range(5)]
    cache = str(tmp_path / "c.npz")
    calls = []

    def pairs(paths):  # like batch.map_files: (path, result) pairs, bare arrays
        calls.append(len(paths))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return [(p, np.array([float(os.path.getsize(p)), 1.0])) for p in paths]

    with pytest.raises(KeyboardInterrupt):
        cached_features(files, pairs, cache, "t-1", names=("a.b", "a.c"), chunk_size=2)
    # The first chunk was saved before the interruption: a re-run extracts the rest.
    t = cached_features(files, pairs, cache, "t-1", names=("a.b", "a.c"), chunk_size=2)
    assert calls == [2, 2, 2, 1] and t.n_extracted == 3 and t.ok.all()
    np.testing.assert_array_equal(t.X, [[1, 1]] * 5)
    with pytest.raises(SchemaError, match="3 features"):
        touch(files[0], b"zz")
        os.utime(files[0], ns=(10**18, 10**18))
        cached_features(files, lambda ps: [np.zeros(3) for _ in ps], cache, "t-1",
                        names=("a.b", "a.c"))
