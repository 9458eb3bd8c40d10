"""Tests of affect_features.datasets: declared training sets and the feature cache."""

import collections
import os

import numpy as np
import pytest

from affect_features.batch import Failure
from affect_features.datasets import (
    Dataset,
    DatasetError,
    cached_features,
    load_dataset,
    parse_spec,
)
from affect_features.errors import ParameterError, SchemaError
from affect_features.features import FeatureVector


def nrc(v, a, d):
    """An NRC-VAD row (0-1) as a point of the space."""
    return np.array([2 * v - 1, 2 * a - 1, 2 * d - 1])


# NRC-VAD rows of the label words (Mohammad 2018), as in affect_features/data.
AMUSEMENT = nrc(0.929, 0.837, 0.803)
ANGER = nrc(0.167, 0.865, 0.657)
CONTENT = nrc(0.764, 0.296, 0.559)  # places Mikels "contentment"
FEAR = nrc(0.073, 0.840, 0.293)
HAPPY = nrc(1.000, 0.735, 0.772)
JOY = nrc(0.980, 0.824, 0.794)
SAD = nrc(0.225, 0.333, 0.149)
SCARY = nrc(0.062, 0.952, 0.528)
TENDERNESS = nrc(0.949, 0.276, 0.367)  # places AudioSet "tender"


def touch(path, data=b"x"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    return str(path)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return str(path)


# ----------------------------------------------------------------------- specs

def test_parse_spec():
    kind, path, opts = parse_spec("csv:some/file.csv?scale=sam9&modality=image")
    assert kind == "csv" and path == os.path.abspath("some/file.csv")
    assert opts == {"scale": "sam9", "modality": "image"}
    assert parse_spec("EMOTION6:/d")[:2] == ("emotion6", "/d")
    for bad in ("nocolon", "video:/x", "csv:", "csv:/x?novalue"):
        with pytest.raises(ParameterError):
            parse_spec(bad)


def test_unknown_option_is_refused(tmp_path):
    with pytest.raises(ParameterError, match="no option"):
        load_dataset(f"emotion6:{tmp_path}?scale=sam9")


# -------------------------------------------------------------------- emotion6

EMOTION6_HEADER = ("[image_filename]\t[valence]\t[arousal]\t[prob. anger]\t[prob. disgust]\t"
                   "[prob. fear]\t[prob. joy]\t[prob. sadness]\t[prob. surprise]\t"
                   "[prob. neutral]\n")


def test_emotion6(tmp_path):
    root = tmp_path / "e6"
    write(root / "ground_truth.txt", EMOTION6_HEADER
          + "joy/1.jpg\t8\t4.5\t0\t0\t0\t1\t0\t0\t0\n"
          + "anger/2.jpg\t2.5\t7\t0.5\t0\t0\t0\t0\t0\t0.5\n"
          + "fear/3.jpg\t5\t5\t0\t0\t1\t0\t0\t0\t0\n")
    touch(root / "images" / "joy" / "1.jpg")
    touch(root / "images" / "anger" / "2.jpg")  # fear/3.jpg is missing: skipped
    ds = load_dataset(f"emotion6:{root}")
    assert isinstance(ds, Dataset) and len(ds) == 2
    assert ds.modality == "image" and ds.taxonomy == "emotion6"
    assert ds.paths == [str(root / "images" / "joy" / "1.jpg"),
                        str(root / "images" / "anger" / "2.jpg")]
    # V, A from SAM 1-9: (x - 5) / 4; D: dominance of the distribution's mean point
    # (joy alone; half anger, half neutral = the origin).
    np.testing.assert_allclose(ds.points, [[0.75, -0.125, JOY[2]],
                                           [-0.625, 0.5, ANGER[2] / 2]], atol=1e-12)
    assert ds.labels == ["joy", "anger"]  # a tie goes to the first column
    assert ds.extra["distributions"].shape == (2, 7)
    assert ds.extra["keywords"] == ["joy", "anger"]
    assert ds.extra["missing"] == (str(root / "images" / "fear" / "3.jpg"),)


def test_emotion6_errors(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(f"emotion6:{tmp_path / 'nowhere'}")
    root = tmp_path / "e6"
    gt = write(root / "ground_truth.txt", "[image_filename]\t[valence]\n")
    with pytest.raises(DatasetError, match="bad header") as info:
        load_dataset(f"emotion6:{root}")
    assert gt in str(info.value) and "\n" not in str(info.value)
    write(root / "ground_truth.txt", EMOTION6_HEADER + "a.jpg\tx\t5\t0\t0\t0\t1\t0\t0\t0\n")
    with pytest.raises(DatasetError, match="line 2: valence"):
        load_dataset(f"emotion6:{root}")
    write(root / "ground_truth.txt", EMOTION6_HEADER + "a.jpg\t5\t5\t0\t0\t0\t1\t0\t0\t0\n")
    with pytest.raises(DatasetError, match="none of the 1 listed media files"):
        load_dataset(f"emotion6:{root}")


# -------------------------------------------------------------------------- 4Q

FOURQ_META = ("Song,Artist,Title,Quadrant,PQuad,MoodsFoundStr,MoodsStrSplit,GenresStr\n"
              "S1,Ann,One,Q1,1,happy; lively,Happy; Lively,Pop\n"
              "S2,Bob,\"Two, with a comma\",Q3,0.75,gloomy; notaword,Gloomy,Blues\n"
              "S3,Cy,Three,Q4,0.5,,,Jazz\n")
WARRINER = (",Word,V.Mean.Sum,V.SD.Sum,V.Rat.Sum,A.Mean.Sum,A.SD.Sum,A.Rat.Sum,D.Mean.Sum\n"
            "1,happy,9,1,20,7,1,20,7\n"
            "2,lively,7,1,20,9,1,20,5\n"
            "3,gloomy,1,1,20,3,1,20,4\n")


def _fourq(tmp_path):
    root = tmp_path / "4q"
    write(root / "metadata.csv", FOURQ_META)
    for q, song in (("Q1", "S1"), ("Q3", "S2"), ("Q4", "S3")):
        touch(root / "audio" / q / f"{song}.mp3")
    write(tmp_path / "lexicon" / "Ratings_Warriner_et_al.csv", WARRINER)
    return root


def test_4q(tmp_path):
    root = _fourq(tmp_path)
    ds = load_dataset(f"4q:{root}")
    assert ds.modality == "audio" and ds.taxonomy == "russell"
    assert ds.labels == ["Q1", "Q3", "Q4"]
    assert ds.paths[1] == str(root / "audio" / "Q3" / "S2.mp3")
    # S1: mean of happy (9, 7, 7) and lively (7, 9, 5) = (8, 8, 6) on 1-9;
    # S2: gloomy only (the other word is not in the norms); S3: no word, Q4's point.
    np.testing.assert_allclose(ds.points, [[0.75, 0.75, 0.25], [-1.0, -0.5, -0.25],
                                           [0.5, -0.5, 0.0]], atol=1e-12)
    assert ds.extra["artists"] == ["Ann", "Bob", "Cy"]
    assert ds.extra["titles"][1] == "Two, with a comma"
    assert ds.extra["song_ids"] == ["S1", "S2", "S3"]
    assert ds.extra["n_moods_found"].tolist() == [2, 1, 0]
    assert ds.extra["n_fallback"] == 1
    np.testing.assert_allclose(ds.extra["pquad"], [1, 0.75, 0.5])
    # The subset keeps the per-item extras aligned.
    sub = ds.subset(np.array([False, True, True]))
    assert sub.extra["song_ids"] == ["S2", "S3"] and sub.labels == ["Q3", "Q4"]
    assert sub.extra["n_fallback"] == 1


def test_4q_lexicon_options(tmp_path):
    root = _fourq(tmp_path)
    other = write(tmp_path / "elsewhere" / "norms.csv",
                  WARRINER.replace("1,happy,9,1,20,7,1,20,7", "1,happy,1,1,20,1,1,20,1"))
    ds = load_dataset(f"4q:{root}", lexicon=other)
    np.testing.assert_allclose(ds.points[0], [-0.25, 0.0, -0.5], atol=1e-12)  # (4, 5, 3)
    ds = load_dataset(f"4q:{root}?lexicon=none")
    np.testing.assert_allclose(ds.points, [[0.5, 0.5, 0], [-0.5, -0.5, 0], [0.5, -0.5, 0]])
    os.remove(tmp_path / "lexicon" / "Ratings_Warriner_et_al.csv")
    with pytest.raises(DatasetError, match="Ratings_Warriner_et_al.csv: Warriner norms not"):
        load_dataset(f"4q:{root}")


def test_4q_bad_quadrant(tmp_path):
    root = _fourq(tmp_path)
    write(root / "metadata.csv", FOURQ_META.replace(",Q3,", ",Q7,"))
    with pytest.raises(DatasetError, match="line 3: Quadrant 'Q7'"):
        load_dataset(f"4q:{root}")


# -------------------------------------------------------------------- ArtPhoto

def test_artphoto(tmp_path):
    root = tmp_path / "art"
    for name in ("amusement_1.jpg", "sad_02.JPG", "contentment_3.png", "content_4.jpg",
                 "foo_5.jpg"):
        touch(root / name)
    write(root / "notes.txt", "not an image")
    ds = load_dataset(f"artphoto:{root}")
    assert ds.taxonomy == "mikels" and ds.modality == "image"
    assert [os.path.basename(p) for p in ds.paths] == [
        "amusement_1.jpg", "content_4.jpg", "contentment_3.png", "sad_02.JPG"]
    assert ds.labels == ["amusement", "contentment", "contentment", "sad"]
    np.testing.assert_allclose(ds.points, [AMUSEMENT, CONTENT, CONTENT, SAD], atol=1e-12)
    assert [os.path.basename(p) for p in ds.extra["skipped"]] == ["foo_5.jpg"]
    os.makedirs(tmp_path / "empty")
    with pytest.raises(DatasetError, match="no ArtPhoto images"):
        load_dataset(f"artphoto:{tmp_path / 'empty'}")


# -------------------------------------------------------------------- Abstract

def test_abstract(tmp_path):
    root = tmp_path / "abstract"
    write(root / "ABSTRACT_groundTruth.csv",
          "'ID','Amusement','Anger','Awe','Content','Disgust','Excitement','Fear','Sad'\n"
          "'abstr_1.jpg',3,0,0,0,0,0,0,1\n"
          "'abstr_2',0,0,0,0,0,0,0,0\n"
          "abstr_3,0,2,0,0,0,0,2,0\n")
    touch(root / "images" / "abstr_1.jpg")
    touch(root / "abstr_3.PNG")
    ds = load_dataset(f"abstract:{root}")
    assert [os.path.basename(p) for p in ds.paths] == ["abstr_1.jpg", "abstr_3.PNG"]
    np.testing.assert_allclose(ds.points, [0.75 * AMUSEMENT + 0.25 * SAD,
                                           (ANGER + FEAR) / 2], atol=1e-12)
    assert ds.labels == ["amusement", "anger"]  # tie: the first in Mikels order
    assert ds.extra["votes"].tolist()[1] == [0, 2, 0, 0, 0, 0, 2, 0]
    assert ds.extra["skipped_no_votes"] == ("abstr_2",)
    # The CSV itself as the path, semicolons and no header: name then the eight counts.
    write(root / "plain.csv", "abstr_1;0;0;0;1;0;0;0;0\n")
    ds = load_dataset(f"abstract:{root / 'plain.csv'}")
    np.testing.assert_allclose(ds.points, [CONTENT], atol=1e-12)
    write(root / "bad.csv", "'ID','Amusement','Anger','Awe','Content','Disgust'\n")
    with pytest.raises(DatasetError, match="bad header: no column excitement"):
        load_dataset(f"abstract:{root / 'bad.csv'}")


# -------------------------------------------------------------------- AudioSet

def test_audioset(tmp_path):
    root = tmp_path / "as"
    csv_path = write(root / "segments.csv",
                     "# Segments csv created Sun Mar  5 10:54:31 2017\n"
                     "# YTID, start_seconds, end_seconds, positive_labels\n"
                     "ab_c-d12345, 30.000, 40.000, \"/m/04rlf,/t/dd00031\"\n"
                     "nomood00000, 0.000, 10.000, \"/m/04rlf\"\n"
                     "noclip00000, 10.000, 20.000, \"/t/dd00033\"\n"
                     "both0000000, 5.000, 15.000, \"/t/dd00033,/t/dd00034\"\n"
                     "scary000000, 15.000, 25.000, \"/t/dd00037\"\n"
                     "both0000000, 50.000, 60.000, \"/t/dd00033\"\n")
    touch(root / "clips" / "ab_c-d12345_30.000.wav")
    touch(root / "both0000000.mp3")
    touch(root / "Yscary000000_15000_25000.flac")
    touch(root / "nomood00000.wav")
    ds = load_dataset(f"audioset:{csv_path}")
    assert ds.modality == "audio" and ds.taxonomy == "audioset_mood"
    assert ds.extra["ytids"] == ["ab_c-d12345", "both0000000", "scary000000"]
    assert ds.labels == ["happy", "sad", "scary"]
    np.testing.assert_allclose(ds.points, [HAPPY, (SAD + TENDERNESS) / 2, SCARY],
                               atol=1e-12)
    assert ds.extra["moods"][1] == ["sad", "tender"]
    assert ds.extra["starts"].tolist() == [30.0, 5.0, 15.0]
    assert (ds.extra["skipped_no_mood"], ds.extra["skipped_no_clip"],
            ds.extra["skipped_duplicate"]) == (1, 1, 1)
    write(root / "broken.csv", "only, two\n")
    with pytest.raises(DatasetError, match="broken.csv: line 1"):
        load_dataset(f"audioset:{root / 'broken.csv'}")


# ------------------------------------------------------------------ generic CSV

def test_csv_ratings(tmp_path):
    root = tmp_path / "t"
    touch(root / "a.jpg")
    touch(root / "sub" / "b.jpg")
    table = write(root / "r.csv", "path,valence,arousal,dominance\n"
                                  "a.jpg,7,3,\nsub/b.jpg,1,9,5\n")
    ds = load_dataset(f"csv:{table}?scale=sam9")
    assert ds.paths == [str(root / "a.jpg"), str(root / "sub" / "b.jpg")]
    np.testing.assert_allclose(ds.points, [[0.5, -0.5, np.nan], [-1, 1, 0]])
    assert ds.modality == "image" and ds.labels is None
    with pytest.raises(DatasetError, match="no rating scale declared"):
        load_dataset(f"csv:{table}")
    # The scale as a column, row by row; a label column is kept alongside.
    table = write(root / "s.csv", "path,valence,arousal,scale,label\n"
                                  "a.jpg,0.75,0.25,unit,joy\nsub/b.jpg,7,1,likert7,\n")
    ds = load_dataset(f"csv:{table}")
    np.testing.assert_allclose(ds.points, [[0.5, -0.5, np.nan], [1, -1, np.nan]])
    assert ds.labels == ["joy", None]
    table = write(root / "u.csv", "path,valence,arousal\na.jpg,3,3\n")
    with pytest.raises(DatasetError, match="u.csv: line 2: unknown rating scale"):
        load_dataset(f"csv:{table}?scale=stars5")


def test_csv_labels_and_modality(tmp_path):
    root = tmp_path / "t"
    touch(root / "a.mp3")
    touch(root / "b.wav")
    table = write(root / "l.csv", "path,label\na.mp3,Sad\nb.wav,Q4\n")
    with pytest.raises(DatasetError, match="no label taxonomy declared"):
        load_dataset(f"csv:{table}")
    with pytest.raises(DatasetError, match="line 3: unknown mikels label 'Q4'"):
        load_dataset(f"csv:{table}?taxonomy=mikels")
    table = write(root / "m.csv", "path,label,taxonomy\na.mp3,Sad,mikels\nb.wav,Q4,russell\n")
    ds = load_dataset(f"csv:{table}")
    assert ds.modality == "audio" and ds.labels == ["sad", "Q4"] and ds.taxonomy is None
    assert ds.extra["taxonomies"] == ["mikels", "russell"]
    np.testing.assert_allclose(ds.points, [SAD, [0.5, -0.5, 0.0]], atol=1e-12)
    touch(root / "c.jpg")
    table = write(root / "x.csv", "path,label\na.mp3,sad\nc.jpg,sad\n")
    with pytest.raises(DatasetError, match="declare modality"):
        load_dataset(f"csv:{table}?taxonomy=mikels")
    ds = load_dataset(f"csv:{table}?taxonomy=mikels", modality="image")
    assert ds.modality == "image"
    no_path = write(root / "n.csv", "file,label\n")
    with pytest.raises(DatasetError, match="no 'path' column"):
        load_dataset(f"csv:{no_path}")
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(f"csv:{root / 'absent.csv'}")


# ------------------------------------------------------------------ real data

@pytest.fixture
def data_dir():
    path = os.environ.get("AFFECT_DATA")
    if not path:
        pytest.skip("AFFECT_DATA not set")
    return path


def test_real_emotion6(data_dir):
    ds = load_dataset(f"emotion6:{os.path.join(data_dir, 'emotion6')}")
    assert len(ds) == 1615 and not ds.extra["missing"]
    assert np.all(np.isfinite(ds.points)) and np.all(np.abs(ds.points) <= 1)
    # The folder is the keyword, not the label: they agree for about half the photos.
    agree = np.mean([k == lb for k, lb in zip(ds.extra["keywords"], ds.labels)])
    assert 0.3 < agree < 0.8


def test_real_4q(data_dir):
    ds = load_dataset(f"4q:{os.path.join(data_dir, '4q')}")
    assert len(ds) == 724 and not ds.extra["missing"]
    assert collections.Counter(ds.labels) == {"Q1": 191, "Q2": 180, "Q3": 166, "Q4": 187}
    from affect_features.space import quadrant
    # The tag norms mostly fall in the song's own quadrant.
    assert np.mean(quadrant(ds.points) == np.array(ds.labels)) > 0.8


# --------------------------------------------------------------- feature cache

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


# ---------------------------------------------------------------------- Emotify

EMOTIFY_HEADER = ("track id, genre, amazement, solemnity, tenderness, nostalgia, calmness, "
                  "power, joyful_activation, tension, sadness, mood, liked, disliked, age, "
                  "gender, mother tongue")


def _emotify(tmp_path, rows, files):
    """An Emotify folder: data.csv (one listener per row) and emotifymusic/<genre>/<n>.mp3."""
    lines = [EMOTIFY_HEADER] + [", ".join(str(c) for c in r) + ", 3, 1, 0, 25, 1, English"
                                for r in rows]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for f in files:
        touch(str(tmp_path / "emotifymusic" / f))
    return tmp_path


def test_emotify(tmp_path):
    from affect_features.space import label_point

    tension, sadness, calm = (label_point(e, "gems") for e in ("tension", "sadness",
                                                                 "calmness"))
    #            track genre        am so te no ca po jo te sa
    rows = [(150, "rock",        0, 0, 0, 0, 0, 0, 0, 1, 0),
            (150, "rock",        0, 0, 0, 0, 0, 0, 0, 1, 1),
            (150, "rock",        0, 0, 0, 0, 0, 0, 0, 1, 1),
            (3, "classical",     0, 0, 0, 0, 1, 0, 0, 0, 0),
            (3, "classical",     0, 0, 0, 0, 0, 0, 0, 0, 0),   # chose nothing
            (301, "pop",         1, 0, 0, 0, 0, 0, 1, 0, 0),
            (250, "electronic",  0, 0, 0, 0, 0, 1, 0, 0, 0)]   # its file is missing
    root = _emotify(tmp_path, rows, ["rock/50.mp3", "classical/3.mp3", "pop/1.mp3"])
    ds = load_dataset(f"emotify:{root}")
    assert ds.modality == "audio" and ds.taxonomy == "gems" and len(ds) == 3
    assert list(ds.extra["track_ids"]) == [3, 150, 301]                # sorted by id
    assert [os.path.relpath(p, root) for p in ds.paths] == [
        os.path.join("emotifymusic", "classical", "3.mp3"),
        os.path.join("emotifymusic", "rock", "50.mp3"),               # 150 - 100
        os.path.join("emotifymusic", "pop", "1.mp3")]                 # 301 - 300
    assert ds.extra["missing"] == (str(root / "emotifymusic" / "electronic" / "50.mp3"),)
    assert list(ds.extra["n_listeners"]) == [2, 3, 1]
    # rock 150: tension chosen by 3/3 listeners, sadness by 2/3 -> weights 1 and 2/3
    np.testing.assert_allclose(ds.extra["shares"][1, 7:], [1.0, 2 / 3])
    np.testing.assert_allclose(ds.points[1], (tension + 2 / 3 * sadness) / (5 / 3))
    # one listener of two chose calmness, the other nothing: the point is calmness's
    np.testing.assert_allclose(ds.points[0], calm)
    assert ds.labels == ["calmness", "tension", "amazement"]          # tie: GEMS order
    assert ds.extra["genres"] == ["classical", "rock", "pop"]


@pytest.mark.parametrize("row, match", [
    ((101, "classical", 0, 0, 0, 0, 0, 0, 0, 1, 0), "track id '101' is not in 1-100"),
    ((5, "jazz", 0, 0, 0, 0, 0, 0, 0, 1, 0), "genre 'jazz'"),
    ((5, "classical", 0, 0, 0, 0, 0, 0, 0, 2, 0), "emotion columns must be 0 or 1"),
    ((5, "classical", 0, 0, 0, 0, 0, 0, 0, "x", 0), "tension ' ?x' is not a number"),
])
def test_emotify_bad_rows_name_file_and_line(tmp_path, row, match):
    root = _emotify(tmp_path, [row], ["classical/5.mp3"])
    with pytest.raises(DatasetError, match=f"data.csv: line 2: {match}"):
        load_dataset(f"emotify:{root}")


def test_emotify_bad_header_and_no_folder(tmp_path):
    (tmp_path / "data.csv").write_text("track id, genre, amazement\n1, classical, 1\n",
                                       encoding="utf-8")
    with pytest.raises(DatasetError, match="no column solemnity"):
        load_dataset(f"emotify:{tmp_path}")
    with pytest.raises(DatasetError, match="emotify folder not found"):
        load_dataset(f"emotify:{tmp_path / 'nowhere'}")


# ------------------------------------------------------------------------ GAPED

def test_gaped(tmp_path):
    root = tmp_path / "gaped"
    write(root / "ratings.csv",
          "file,category,valence,valence_sd,arousal,arousal_sd,internal_norms,external_norms\n"
          "A/A002.jpg,A,25,16.01,75,25.21,75.412,78.69\n"
          "P/P001.jpg,P,100,10,50,12,,\n"
          "Sp/Sp003.jpg,Sp,0,5,0,5,,\n")
    touch(root / "images" / "A" / "A002.jpg")
    touch(root / "images" / "P" / "P001.jpg")   # Sp/Sp003.jpg missing: skipped
    ds = load_dataset(f"gaped:{root}")
    assert ds.kind == "gaped" and ds.modality == "image" and len(ds) == 2
    assert ds.labels is None and ds.taxonomy is None
    # 0-100 with 50 neutral: (x - 50) / 50; dominance not rated
    np.testing.assert_allclose(ds.points[:, :2], [[-0.5, 0.5], [1.0, 0.0]])
    assert np.isnan(ds.points[:, 2]).all()
    assert ds.extra["categories"] == ["A", "P"]
    np.testing.assert_allclose(ds.extra["rating_sd"], [[16.01, 25.21], [10, 12]])
    assert ds.extra["missing"] == (str(root / "images" / "Sp" / "Sp003.jpg"),)


def test_gaped_errors(tmp_path):
    root = tmp_path / "gaped"
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(f"gaped:{root}")
    write(root / "ratings.csv", "file,category,valence\nA/A1.jpg,A,20\n")
    with pytest.raises(DatasetError, match="no column arousal"):
        load_dataset(f"gaped:{root}")
    write(root / "ratings.csv", "file,category,valence,arousal\nA/A1.jpg,A,120,20\n")
    with pytest.raises(DatasetError, match="0-100"):
        load_dataset(f"gaped:{root}")
    write(root / "ratings.csv", "file,category,valence,arousal\nA/A1.jpg,A,x,20\n")
    with pytest.raises(DatasetError, match="line 2: valence"):
        load_dataset(f"gaped:{root}")


def test_real_gaped(data_dir):
    ds = load_dataset(f"gaped:{os.path.join(data_dir, 'gaped')}")
    assert len(ds) == 574 and not ds.extra["missing"]
    assert collections.Counter(ds.extra["categories"]) == {
        "A": 104, "H": 84, "N": 66, "P": 97, "Sn": 100, "Sp": 123}
    from affect_features.space import quadrant
    # the data README's counts of the rating quadrants
    assert collections.Counter(quadrant(ds.points[:, :2])) == {
        "Q2": 287, "Q4": 193, "Q3": 82, "Q1": 12}
