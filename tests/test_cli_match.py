"""The product end to end: `affect match`, `predict`, `labels`, `index` with the
models and catalogue shipped in the package (no data set needed)."""

import csv
import io
import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from affect_features.cli import cli


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


def test_match_default_catalogue_returns_k_songs(photo):
    res = _run(["match", str(photo), "-k", "5", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.splitlines()[0])
    assert len(out["songs"]) == 5
    assert all(s["artist"] and s["title"] for s in out["songs"])
    d = [s["distance"] for s in out["songs"]]
    assert d == sorted(d)
    assert all(-1 <= out[a] <= 1 for a in ("valence", "arousal", "dominance"))
    assert out["quadrant"] in {"Q1", "Q2", "Q3", "Q4"} and out["mood"]
    # the distance is the Euclidean distance between the two points
    s = out["songs"][0]
    p = np.array(out["match_point"])
    q = np.array([s["valence"], s["arousal"], s["dominance"]])
    assert abs(np.linalg.norm(p - q) - s["distance"]) < 1e-6


def test_match_table_and_explain(photo):
    res = _run(["match", str(photo), "--explain", "-k", "3"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == str(photo) and "valence" in lines[1]
    assert sum(1 for l in lines if l.strip()[:2] in ("1.", "2.", "3.")) == 3
    assert any(l.strip().startswith(("color.", "texture.", "composition.", "content."))
               for l in lines)


def test_match_is_deterministic(photo):
    a = _run(["match", str(photo), "--format", "csv"]).output
    b = _run(["match", str(photo), "--format", "csv"]).output
    assert a == b and len(list(csv.reader(io.StringIO(a)))) == 6


def test_match_bad_photo_one_line_error(tmp_path):
    bad = tmp_path / "x.jpg"
    bad.write_text("hello")
    res = _run(["match", str(bad)])
    assert res.exit_code == 1
    assert f"{bad}: not a recognised image format" in res.output
    assert "Traceback" not in res.output


def test_predict_csv_columns(photo):
    res = _run(["predict", str(photo), "--format", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert list(rows[0]) == ["path", "valence", "arousal", "dominance", "quadrant"]
    from affect_features.space import quadrant
    v, a, d = (float(rows[0][k]) for k in ("valence", "arousal", "dominance"))
    assert rows[0]["quadrant"] == quadrant(np.array([v, a, d]))


def test_labels_table_and_map():
    res = _run(["labels", "--taxonomy", "mikels"])
    rows = [l.split("\t") for l in res.output.splitlines()[1:]]
    quads = {r[1]: r[-1] for r in rows}
    assert quads["contentment"] == "Q4" and quads["fear"] == "Q2" and quads["sad"] == "Q3"
    res = _run(["labels", "--map", "mikels:audioset_mood"])
    mapping = dict(l.split("\t") for l in res.output.splitlines())
    assert mapping["fear"] == "scary" and mapping["contentment"] == "tender"


def test_shipped_models_have_cards_with_cv_metrics():
    from affect_features.models import EmotionModel

    for modality in ("image", "audio"):
        m = EmotionModel.default(modality)
        assert m.modality == modality
        assert m.card["training_sets"] and m.card.get("metrics")
