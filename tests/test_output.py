"""Feature tables: exact round trips, resumption, one writer at a time."""

import os

import numpy as np
import pytest

from affect_features.errors import AffectError, ParameterError
from affect_features.output import TableWriter, format_of, read_table

NAMES = ["a.x", "a.y", "b.z"]


def _rows(n=5, seed=0):
    rng = np.random.default_rng(seed)
    return [f"/photos/{i} ünï,code.jpg" for i in range(n)], rng.normal(size=(n, 3)) * 1e3


@pytest.mark.parametrize("ext", ["csv", "jsonl", "npz"])
def test_round_trip_exact(tmp_path, ext):
    out = tmp_path / f"f.{ext}"
    paths, X = _rows()
    with TableWriter(str(out), NAMES) as w:
        for p, x in zip(paths, X):
            w.write(p, x)
    names, paths2, X2 = read_table(str(out))
    assert names == NAMES and paths2 == paths
    np.testing.assert_array_equal(X2, X)  # bit-exact, not just close
    assert not (tmp_path / f"f.{ext}.partial").exists()


def test_no_output_file_until_closed(tmp_path):
    out = tmp_path / "f.csv"
    w = TableWriter(str(out), NAMES)
    w.write("p", [1, 2, 3])
    assert not out.exists()  # rows go to the .partial file
    w.close()
    assert out.exists()


@pytest.mark.parametrize("ext", ["csv", "jsonl", "npz", "parquet"])
def test_resume_skips_done_paths_and_keeps_rows(tmp_path, ext):
    if ext == "parquet":
        pytest.importorskip("pyarrow")
    out = str(tmp_path / f"f.{ext}")
    paths, X = _rows(6)
    with TableWriter(out, NAMES) as w:
        for p, x in zip(paths[:3], X[:3]):
            w.write(p, x)
    w2 = TableWriter(out, NAMES)
    assert w2.done == set(paths[:3])
    for p, x in zip(paths[3:], X[3:]):
        w2.write(p, x)
    w2.close()
    names, paths2, X2 = read_table(out)
    assert paths2 == paths
    np.testing.assert_array_equal(X2, X)


def test_resume_reads_partial_left_by_killed_run(tmp_path):
    out = str(tmp_path / "f.jsonl")
    paths, X = _rows(3)
    w = TableWriter(out, NAMES)
    for p, x in zip(paths, X):
        w.write(p, x)
    # simulate a kill: no close(), the kernel drops the lock (its file stays); append
    # half a line
    os.close(w._lock_fd)
    w._lock_fd = None
    with open(out + ".partial", "a") as fh:
        fh.write('{"path": "/half')
    w2 = TableWriter(out, NAMES)
    assert w2.done == set(paths)
    w2.close()
    assert read_table(out)[1] == paths


def test_resume_refuses_other_columns(tmp_path):
    out = str(tmp_path / "f.csv")
    with TableWriter(out, NAMES) as w:
        w.write("p", [1, 2, 3])
    with pytest.raises(AffectError, match="other feature columns"):
        TableWriter(out, ["other"])
    TableWriter(out, ["other"], resume=False).close()  # --overwrite


def test_format_of():
    assert format_of(None) == "csv" and format_of("x.NPZ") == "npz"
    with pytest.raises(ParameterError, match="unknown output format"):
        format_of("x.xlsx")


def test_missing_output_folder(tmp_path):
    with pytest.raises(AffectError, match="does not exist"):
        TableWriter(str(tmp_path / "no" / "f.csv"), NAMES)


def test_parquet_round_trip_in_row_groups(tmp_path, monkeypatch):
    pq = pytest.importorskip("pyarrow.parquet")
    import affect_features.output as output

    monkeypatch.setattr(output, "PARQUET_ROW_GROUP", 4)
    out = tmp_path / "f.parquet"
    paths, X = _rows(10)
    with TableWriter(str(out), NAMES) as w:
        for p, x in zip(paths, X):
            w.write(p, x)
            assert len(w._npz_rows) < 4  # flushed as row groups, never all in memory
    assert pq.ParquetFile(str(out)).num_row_groups == 3
    names, paths2, X2 = read_table(str(out))
    assert names == NAMES and paths2 == paths
    np.testing.assert_array_equal(X2, X)


def test_unreadable_table_is_one_line_error(tmp_path):
    bad = tmp_path / "f.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(AffectError) as info:
        read_table(str(bad))
    assert "\n" not in str(info.value) and str(bad) in str(info.value)


# -- outputs that never destroy ----------------------------------------------------------

def _table(path, paths):
    with TableWriter(str(path), NAMES) as w:
        for i, p in enumerate(paths):
            w.write(p, [i, i, i])


def test_interrupted_overwrite_keeps_the_old_output(tmp_path):
    """--overwrite interrupted: the old output stays as it was, the new rows wait in
    .partial; without --overwrite the new file holds the old rows too, so it replaces."""
    out = tmp_path / "f.csv"
    _table(out, ["old1", "old2"])
    before = out.read_bytes()
    w = TableWriter(str(out), NAMES, resume=False)
    w.write("new1", [9, 9, 9])
    w.close(complete=False)
    assert w.kept_partial and out.read_bytes() == before
    assert read_table(str(out) + ".partial")[1] == ["new1"]
    os.remove(str(out) + ".partial")
    w = TableWriter(str(out), NAMES)
    w.write("new2", [9, 9, 9])
    w.close(complete=False)
    assert not w.kept_partial and read_table(str(out))[1] == ["old1", "old2", "new2"]


@pytest.mark.parametrize("resume", [True, False])
def test_abort_never_touches_the_output(tmp_path, resume):
    out = tmp_path / "f.jsonl"
    _table(out, ["old"])
    before = out.read_bytes()
    w = TableWriter(str(out), NAMES, resume=resume)
    w.abort()  # a fatal error before any row
    assert out.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["f.jsonl"]
    w = TableWriter(str(out), NAMES, resume=resume)
    w.write("new", [1, 2, 3])
    w.abort()  # after a row: kept for a resume, the output still untouched
    assert out.read_bytes() == before
    assert read_table(str(out) + ".partial", tolerant=True)[1][-1] == "new"


def test_context_manager_aborts_on_error_and_keeps_rows_on_interrupt(tmp_path):
    out = tmp_path / "f.csv"
    _table(out, ["old"])
    before = out.read_bytes()
    with pytest.raises(RuntimeError):
        with TableWriter(str(out), NAMES, resume=False):
            raise RuntimeError("fatal")
    assert out.read_bytes() == before and not os.path.exists(str(out) + ".partial")
    with pytest.raises(KeyboardInterrupt):
        with TableWriter(str(out), NAMES, resume=False) as w:
            w.write("new", [1, 2, 3])
            raise KeyboardInterrupt
    assert out.read_bytes() == before
    assert read_table(str(out) + ".partial")[1] == ["new"]


def test_lock_is_exclusive_and_released(tmp_path):
    out = tmp_path / "f.csv"
    w = TableWriter(str(out), NAMES)
    assert os.path.exists(str(out) + ".lock")
    with pytest.raises(AffectError, match="another run is writing"):
        TableWriter(str(out), NAMES)
    w.close()
    assert not os.path.exists(str(out) + ".lock")
    TableWriter(str(out), NAMES).close()  # free again


def test_read_table_refuses_a_fifo_at_once(tmp_path):
    fifo = tmp_path / "f.csv"
    os.mkfifo(fifo)
    with pytest.raises(AffectError, match="FIFO"):
        read_table(str(fifo))


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "npz"])
def test_a_row_with_a_non_finite_value_is_never_read_as_a_number(tmp_path, fmt):
    """The writer never writes NaN or inf, so a table holding one was edited or damaged:
    read strictly it is an error naming the row; read tolerantly (a .partial) the row is
    dropped, so that a resume computes its file again. It never becomes 0."""
    out = tmp_path / f"t.{fmt}"
    with TableWriter(str(out), NAMES) as w:
        w.write("a.jpg", np.array([1.0, 2.0, 3.0]))
        w.write("b.jpg", np.array([4.0, 5.0, 6.0]))
    if fmt == "csv":
        lines = out.read_text().splitlines()
        lines[2] = "b.jpg,4,nan,6"
        out.write_text("\n".join(lines) + "\n")
    elif fmt == "jsonl":
        out.write_text(out.read_text().replace("5.0", "NaN").replace(": 5", ": NaN"))
    else:
        with np.load(out, allow_pickle=False) as z:
            parts = {k: z[k] for k in z.files}
        parts["X"] = parts["X"].copy()
        parts["X"][1, 1] = np.inf
        np.savez(out, **parts)
    with pytest.raises(AffectError, match=r"(row|line) \d+ holds a value that is not a finite"):
        read_table(str(out))
    names, paths, X = read_table(str(out), tolerant=True)
    assert paths == ["a.jpg"] and X.tolist() == [[1.0, 2.0, 3.0]]
