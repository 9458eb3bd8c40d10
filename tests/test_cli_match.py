"""The product end to end: `affect match`, `predict`, `labels` with the models and
catalogue shipped in the package (no data set needed), and with a user's library."""

import csv
import io
import json
import struct

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from affect_features.cli import cli
from affect_features.library import MusicLibrary


def _run(args, env=None):
    return CliRunner().invoke(cli, args, catch_exceptions=False, env=env)


@pytest.fixture()
def photo(tmp_path):
    rng = np.random.default_rng(0)
    img = (rng.random((120, 160, 3)) * 60).astype(np.uint8)
    img[:, :, 0] += 180  # warm, saturated, bright
    p = tmp_path / "sunset.jpg"
    Image.fromarray(img).save(p, quality=92)
    return p


@pytest.fixture(scope="module")
def image_model(tmp_path_factory):
    """A small ridge model of the current image schema (independent of the shipped
    model's training state): features of a few synthetic photos, jittered."""
    from affect_features.image import IMAGE_SCHEMA, extract_image_features
    from affect_features.models import train_model

    rng = np.random.default_rng(1)
    base = []
    for i in range(4):
        img = (rng.random((80, 100, 3)) * 255).astype(np.uint8)
        img[: 20 * (i + 1)] = (50 * i, 200 - 40 * i, 90)
        base.append(extract_image_features(img))
    names = base[0].names
    V = np.array([f.vector for f in base])
    X = V[rng.integers(0, 4, 60)] * (1 + 0.05 * rng.normal(size=(60, V.shape[1])))
    Y = np.tanh(rng.normal(size=(60, 3)) * 0.3)
    model = train_model(X, Y, names=names, schema=IMAGE_SCHEMA, modality="image",
                        kind="ridge", cv=3, n_jobs=1)
    npz, _ = model.save(tmp_path_factory.mktemp("model") / "img")
    return npz


@pytest.fixture()
def own_library(tmp_path):
    """A user's library of four songs, one per quadrant, with files."""
    path = tmp_path / "mine.sqlite"
    rows = [("happy.mp3", "A", "Sunny", (0.6, 0.5, 0.2)),
            ("angry.mp3", "B", "Storm", (-0.6, 0.6, 0.3)),
            ("sad.mp3", "C", "Rain", (-0.5, -0.5, -0.2)),
            ("calm.mp3", "D", "Lake", (0.5, -0.6, -0.1))]
    with MusicLibrary(path) as lib:
        lib.upsert_many([{"path": str(tmp_path / f), "artist": a, "title": t,
                          "valence": v, "arousal": ar, "dominance": d,
                          "model_version": "m"} for f, a, t, (v, ar, d) in rows])
    return path


def test_match_default_catalogue_returns_k_songs(photo, image_model):
    res = _run(["match", str(photo), "-k", "5", "--format", "jsonl", "--model",
                str(image_model)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout.splitlines()[0])
    assert len(out["songs"]) == 5
    assert all(s["artist"] and s["title"] for s in out["songs"])
    d = [s["distance"] for s in out["songs"]]
    assert d == sorted(d)
    assert all(-1 <= out[a] <= 1 for a in ("valence", "arousal", "dominance"))
    assert out["quadrant"] in {"Q1", "Q2", "Q3", "Q4"} and out["mood"]
    assert out["library"] == "catalogue:catalogue_4q.csv"
    # the distance is the Euclidean distance between the two points
    s = out["songs"][0]
    p = np.array(out["match_point"])
    q = np.array([s["valence"], s["arousal"], s["dominance"]])
    assert abs(np.linalg.norm(p - q) - s["distance"]) < 1e-6
    # each song's quadrant is that of its point, not its data set label
    from affect_features.space import quadrant
    for s in out["songs"]:
        assert s["quadrant"] == quadrant([s["valence"], s["arousal"]])


def test_json_is_one_array_and_jsonl_one_object_per_line(photo, image_model, tmp_path):
    other = tmp_path / "other.png"
    Image.fromarray(np.full((50, 60, 3), (20, 40, 160), np.uint8)).save(other)
    args = ["match", str(photo), str(other), "-k", "2", "--model", str(image_model)]
    arr = json.loads(_run(args + ["--format", "json"]).stdout)
    assert isinstance(arr, list) and [o["path"] for o in arr] == [str(photo), str(other)]
    lines = _run(args + ["--format", "jsonl"]).stdout.splitlines()
    assert [json.loads(l)["path"] for l in lines] == [str(photo), str(other)]
    assert [json.loads(l) for l in lines] == arr


def test_match_table_says_which_library_and_names_quadrants(photo, image_model):
    res = _run(["match", str(photo), "--explain", "-k", "3", "--model", str(image_model)])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("songs from the shipped catalogue catalogue_4q.csv")
    assert lines[1] == str(photo) and "valence" in lines[2]
    songs = [l for l in lines if l.strip()[:2] in ("1.", "2.", "3.")]
    assert len(songs) == 3
    names = ("happy/excited", "angry/tense", "sad/depressed", "calm/relaxed")
    assert any(n in lines[2] for n in names)
    assert all(any(n in l for n in names) for l in songs)
    assert not any("; )" in l for l in lines)
    assert any(l.strip().startswith(("color.", "texture.", "composition.", "content."))
               for l in lines)


def test_match_uses_the_default_library_when_it_exists(photo, image_model, own_library,
                                                       tmp_path):
    env = {"AFFECT_LIBRARY": str(own_library)}
    res = _run(["match", str(photo), "-k", "4", "--format", "jsonl", "--model",
                str(image_model)], env=env)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["library"] == str(own_library)
    assert {s["title"] for s in out["songs"]} == {"Sunny", "Storm", "Rain", "Lake"}
    assert f"songs from {own_library} (4 songs)" in res.stderr
    # table: the user's songs have no data set label: no dangling "; )"
    table = _run(["match", str(photo), "-k", "4", "--model", str(image_model)], env=env)
    assert table.stdout.startswith(f"songs from {own_library}")
    assert "; )" not in table.stdout and ", labelled" not in table.stdout
    # --catalogue: the shipped songs even though a library exists
    res = _run(["match", str(photo), "--catalogue", "--format", "jsonl", "--model",
                str(image_model)], env=env)
    assert json.loads(res.stdout)["library"] == "catalogue:catalogue_4q.csv"


def test_missing_or_empty_library_is_a_clear_error(tmp_path):
    res = _run(["match", "--mood", "calm", "--library", str(tmp_path / "nope.sqlite")])
    assert res.exit_code == 2
    assert "no such music library" in res.output and "affect index" in res.output
    empty = tmp_path / "empty.sqlite"
    MusicLibrary(empty).close()
    res = _run(["match", "--mood", "calm", "--library", str(empty)])
    assert res.exit_code == 2
    assert "no songs to match" in res.output and f"affect index FOLDER --library {empty}" \
        in res.output
    assert "Traceback" not in res.output


def test_match_by_mood_and_point_without_a_photo(own_library):
    lib = ["--library", str(own_library)]
    out = json.loads(_run(["match", "--mood", "calm", "-k", "1", "--format", "jsonl",
                           *lib]).stdout)
    assert out["query"] == "mood:calm" and out["quadrant"] == "Q4"
    assert out["songs"][0]["title"] == "Lake"
    out = json.loads(_run(["match", "--point", "-0.5,0.5", "-k", "2", "--format",
                           "jsonl", *lib]).stdout)
    assert [s["title"] for s in out["songs"]] == ["Storm", "Rain"]
    # two values: dominance ignored, so the distance is the one in the plane
    s = out["songs"][0]
    assert s["distance"] == pytest.approx(np.hypot(-0.6 + 0.5, 0.6 - 0.5))
    res = _run(["match", "--point", "0.5,-0.6,-0.1", *lib])
    assert res.exit_code == 0
    assert res.stdout.splitlines()[1] == "point 0.5,-0.6,-0.1"
    assert "1. D - Lake" in res.stdout and "calm/relaxed" in res.stdout


@pytest.mark.parametrize("args, option", [
    (["--point", "2,0"], "--point"),
    (["--point", "a,b"], "--point"),
    (["--point", "0.1"], "--point"),
    (["--mood", "flibbertigibbet"], "--mood"),
    (["--mood", "calm", "--point", "0,0"], "--mood"),
    (["--mood", "calm", "-k", "0"], "--top-k"),
    (["--mood", "calm", "--weights", "1,1"], "--weights"),
])
def test_match_usage_errors_name_the_option(args, option):
    res = _run(["match", *args])
    assert res.exit_code == 2, res.output
    assert option in res.output and "Traceback" not in res.output


def test_match_without_anything_is_a_usage_error():
    res = _run(["match"])
    assert res.exit_code == 2 and "--mood" in res.output


def _png_size(path):
    data = open(path, "rb").read(24)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_match_plot_and_playlist(own_library, tmp_path):
    pytest.importorskip("matplotlib")
    png, m3u = tmp_path / "m.png", tmp_path / "m.m3u"
    res = _run(["match", "--mood", "calm", "-k", "2", "--library", str(own_library),
                "--plot", str(png), "--m3u", str(m3u)])
    assert res.exit_code == 0, res.output
    w, h = _png_size(png)
    assert w > 800 and h > 400
    lines = m3u.read_text().splitlines()
    assert lines[0] == "#EXTM3U"
    assert lines[1] == "#EXTINF:-1,D - Lake" and lines[2] == str(tmp_path / "calm.mp3")
    assert len(lines) == 5


def test_match_plot_needs_one_photo(photo, image_model, tmp_path):
    pytest.importorskip("matplotlib")
    other = tmp_path / "other.png"
    Image.fromarray(np.full((50, 60, 3), (20, 40, 160), np.uint8)).save(other)
    res = _run(["match", str(photo), str(other), "--plot", str(tmp_path / "x.png"),
                "--model", str(image_model)])
    assert res.exit_code == 2 and "--plot" in res.output


def test_plot_without_matplotlib_says_how_to_get_it(monkeypatch, tmp_path):
    import builtins

    real = builtins.__import__

    def no_matplotlib(name, *a, **k):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("no matplotlib")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    res = _run(["match", "--mood", "calm", "--plot", str(tmp_path / "x.png")])
    assert res.exit_code == 2
    assert "--plot needs matplotlib: pip install 'affect-features[plot]'" in res.output
    assert not (tmp_path / "x.png").exists()


def test_match_is_deterministic(photo, image_model):
    args = ["match", str(photo), "--format", "csv", "--model", str(image_model)]
    a, b = _run(args).stdout, _run(args).stdout
    rows = list(csv.DictReader(io.StringIO(a)))
    assert a == b and len(rows) == 5
    assert rows[0]["song_quadrant"] in {"Q1", "Q2", "Q3", "Q4"} and rows[0]["song_mood"]


def test_match_bad_photo_one_line_error(tmp_path):
    bad = tmp_path / "x.jpg"
    bad.write_text("hello")
    res = _run(["match", str(bad)])
    assert res.exit_code == 1
    assert f"{bad}: not a recognised image format" in res.output
    assert "Traceback" not in res.output


def test_predict_csv_columns(photo, image_model):
    res = _run(["predict", str(photo), "--format", "csv", "--image-model",
                str(image_model)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert list(rows[0]) == ["path", "valence", "arousal", "dominance", "quadrant", "mood"]
    from affect_features.space import quadrant
    v, a, d = (float(rows[0][k]) for k in ("valence", "arousal", "dominance"))
    assert rows[0]["quadrant"] == quadrant(np.array([v, a, d]))


def test_predict_output_file_and_format_from_suffix(photo, image_model, tmp_path):
    out = tmp_path / "points.json"
    res = _run(["predict", str(photo), str(photo), "-o", str(out), "--image-model",
                str(image_model), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert res.stdout == ""
    arr = json.loads(out.read_text())
    assert isinstance(arr, list) and arr[0]["path"] == str(photo)
    out_csv = tmp_path / "points.csv"
    _run(["predict", str(photo), "-o", str(out_csv), "--image-model", str(image_model)])
    assert out_csv.read_text().startswith("path,valence,arousal,dominance,quadrant,mood\n")


def test_predict_progress_bar_and_default_jobs(photo, image_model):
    from affect_features.cli import predict

    jobs = next(p for p in predict.params if p.name == "jobs")
    assert jobs.default == 0  # all cores, as extraction
    res = _run(["predict", str(photo), "--progress", "--image-model", str(image_model),
                "-j", "1"])
    assert "predict [" in res.stderr and "1/1" in res.stderr


def test_labels_table_and_map():
    res = _run(["labels", "--taxonomy", "mikels"])
    rows = [l.split("\t") for l in res.output.splitlines()[1:]]
    quads = {r[1]: r[-1] for r in rows}
    assert quads["contentment"] == "Q4" and quads["fear"] == "Q2" and quads["sad"] == "Q3"
    res = _run(["labels", "--map", "mikels:audioset_mood"])
    mapping = dict(l.split("\t") for l in res.output.splitlines())
    assert mapping["fear"] == "scary" and mapping["contentment"] == "tender"


def test_labels_gems_taxonomy_and_its_map():
    rows = [l.split("\t") for l in _run(["labels", "--taxonomy", "gems"])
            .output.splitlines()[1:]]
    quads = {r[1]: r[-1] for r in rows}
    assert len(rows) == 9
    assert quads["calmness"] == "Q4" and quads["tension"] == "Q2"
    assert quads["sadness"] == "Q3" and quads["joyful activation"] == "Q1"
    mapping = dict(l.split("\t") for l in _run(["labels", "--map", "gems:mikels"])
                   .output.splitlines())
    # shared concepts (Zentner et al.'s amazement is Mikels' awe) before nearest points
    assert mapping["amazement"] == "awe" and mapping["sadness"] == "sad"


def test_labels_neutral_has_no_quadrant():
    rows = [l.split("\t") for l in _run(["labels", "--taxonomy", "emotion6"])
            .output.splitlines()[1:]]
    assert {r[1]: r[-1] for r in rows}["neutral"] == "-"
    mapping = dict(l.split("\t") for l in
                   _run(["labels", "--map", "emotion6:russell"]).output.splitlines())
    assert mapping["neutral"] == "-" and mapping["joy"] == "Q1"


def test_labels_lists_the_mood_words():
    from affect_features.space import MOOD_WORDS, quadrant, word_point

    lines = _run(["labels", "--moods"]).output.splitlines()
    assert lines[0].split("\t")[0] == "word"
    rows = [l.split("\t") for l in lines[1:]]
    assert tuple(r[0] for r in rows) == MOOD_WORDS
    calm = next(r for r in rows if r[0] == "calm")
    assert calm[4] == quadrant(word_point("calm")) == "Q4" and calm[5] == "calm/relaxed"


def test_shipped_models_have_cards_with_cv_metrics():
    from affect_features.models import EmotionModel

    for modality in ("image", "audio"):
        m = EmotionModel.default(modality)
        assert m.modality == modality
        assert m.card["training_sets"] and m.card.get("metrics")
