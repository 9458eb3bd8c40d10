"""The batch engine on a Dask distributed cluster (a LocalCluster started here).

Same rows as a local run, in the same order; a worker killed mid-run loses and
duplicates nothing; a re-run resumes.
"""

import os
import signal
import time

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

distributed = pytest.importorskip("distributed")

from affect_features.batch import Failure, map_files  # noqa: E402
from affect_features.cli import cli  # noqa: E402
from affect_features.output import read_table  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=50) as c:
        yield c


@pytest.fixture()
def photos(tmp_path):
    rng = np.random.default_rng(0)
    d = tmp_path / "photos"
    d.mkdir()
    for i in range(10):
        img = (rng.random((48, 64, 3)) * 255).astype(np.uint8)
        img[: 10 + 2 * i] = [30 * i % 255, 80, 200]
        Image.fromarray(img).save(d / f"{i:02d}.png")
    (d / "broken.jpg").write_bytes(b"not a photo")
    return d


def _slow_square(path):
    time.sleep(0.15)
    if path.endswith("bad"):
        raise ValueError("bad input")
    return int(os.path.basename(path)) ** 2


def test_cluster_run_gives_the_local_rows(cluster, photos, tmp_path):
    runner = CliRunner()
    local, remote = tmp_path / "local.csv", tmp_path / "remote.csv"
    args = ["extract-image", str(photos), "--groups", "color,composition", "--jobs", "1"]
    r1 = runner.invoke(cli, [*args, "-o", str(local)], catch_exceptions=False)
    r2 = runner.invoke(cli, [*args, "-o", str(remote), "--scheduler",
                             cluster.scheduler_address], catch_exceptions=False)
    assert r1.exit_code == r2.exit_code == 1  # the broken file, reported by both
    assert "broken.jpg: not a recognised image format" in r2.output
    n1, p1, X1 = read_table(str(local))
    n2, p2, X2 = read_table(str(remote))
    assert n1 == n2 and p1 == p2 and len(p1) == 10
    np.testing.assert_array_equal(X1, X2)


def test_killed_worker_loses_and_duplicates_nothing(cluster, tmp_path):
    paths = [str(tmp_path / str(i)) for i in range(24)] + [str(tmp_path / "bad")]
    with distributed.Client(cluster.scheduler_address) as client:
        pids = client.run(os.getpid)
    out = []
    for path, res in map_files(_slow_square, paths, scheduler=cluster.scheduler_address):
        out.append((path, res))
        if len(out) == 4:
            os.kill(next(iter(pids.values())), signal.SIGKILL)  # one worker dies
    assert [p for p, _ in out] == paths
    assert [r for _, r in out[:24]] == [i * i for i in range(24)]
    assert isinstance(out[24][1], Failure) and "bad input" in out[24][1].reason


def test_cluster_run_resumes(cluster, photos, tmp_path):
    runner = CliRunner()
    out = tmp_path / "f.jsonl"
    first = sorted(photos.glob("0[0-4].png"))
    base = ["--groups", "color", "-o", str(out), "--scheduler", cluster.scheduler_address]
    runner.invoke(cli, ["extract-image", *map(str, first), *base], catch_exceptions=False)
    res = runner.invoke(cli, ["extract-image", str(photos), *base], catch_exceptions=False)
    assert "resuming: 5 file(s)" in res.output
    names, paths, X = read_table(str(out))
    assert len(paths) == 10 == len(set(paths))


def test_unreachable_scheduler_is_one_line_error(photos):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "affect_features.cli", "extract-image",
                           str(photos / "00.png"), "--groups", "color", "--scheduler",
                           "tcp://127.0.0.1:9"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "AFFECT_DASK_CONNECT_TIMEOUT": "2"})
    assert proc.returncode == 2
    assert "cannot reach the Dask scheduler" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_index_on_the_cluster(cluster, tmp_path):
    import soundfile as sf

    from affect_features.library import MusicLibrary

    music = tmp_path / "music"
    music.mkdir()
    t = np.arange(22050 * 2) / 22050
    for i, f in enumerate((220, 440, 880)):
        sf.write(music / f"{i}.wav", (0.3 * np.sin(2 * np.pi * f * t)).astype(np.float32),
                 22050)
    lib = tmp_path / "lib.sqlite"
    res = CliRunner().invoke(cli, ["index", str(music), "--library", str(lib),
                                   "--scheduler", cluster.scheduler_address],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    with MusicLibrary(str(lib)) as db:
        ids, pts = db.points()
        assert len(ids) == 3 and np.all(np.isfinite(pts))
