"""affect_features.reports: the summary tables of `affect train` and `affect evaluate`."""

from affect_features.reports import evaluation_summary, format_table, training_summary


def test_format_table_aligns_and_shows_missing_as_dash():
    lines = format_table(["measure", "a", "chance"],
                         [["valence r", 0.48213, 0.0], ["MRR", float("nan"), None]])
    assert lines == ["measure        a  chance",
                     "valence r  0.482   0.000",
                     "MRR            -       -"]


REG = {"n": 10, "quadrant_accuracy": 0.4, "quadrant_chance": 0.3,
       "valence": {"pearson_r": 0.5, "r2": 0.2, "binary_accuracy": 0.7},
       "arousal": {"pearson_r": 0.1, "r2": 0.01, "binary_accuracy": 0.55}}
MATCH = {"n_queries": 10, "n_items": 5, "precision_at_1": 0.35, "precision_at_5": 0.3,
         "mrr": 0.47, "chance": 0.25, "majority": 0.32, "balanced_chance": 0.25,
         "balanced_majority": 0.25, "balanced_precision_at_1": 0.3}


def test_evaluation_summary_every_measure_beside_chance_and_majority():
    report = {"folds": 10,
              "image": {"sets": [{"spec": "emotion6:D", "n_items": 10}], "n_failed": 1,
                        "in_domain": {"emotion6:D": {"mlp": REG, "ridge": REG}}},
              "matching": {"in_domain": {"emotion6:D": {"mlp": MATCH}}}}
    text = "\n".join(evaluation_summary(report))
    assert "10-fold cross-validation, out-of-fold" in text
    assert "photos: emotion6:D (10 items); 1 unreadable" in text
    lines = {l.split("  ")[0]: l.split() for l in text.splitlines() if l}
    assert lines["valence r"][-4:] == ["0.500", "0.500", "0.000", "-"]
    assert lines["quadrant accuracy"][-4:] == ["0.400", "0.400", "0.250", "0.300"]
    assert lines["P@1"][-3:] == ["0.350", "0.250", "0.320"]
    assert lines["MRR"][-3:] == ["0.470", "-", "-"]


def test_evaluation_summary_held_out_and_flat_layouts():
    flat = {"folds": 0, "audio": {"sets": [{"spec": "4q:D", "n_items": 5}],
                                  "model": REG},
            "matching": {"model": dict(MATCH, aligned={"precision_at_1": 0.4})}}
    text = "\n".join(evaluation_summary(flat))
    assert "held-out data" in text and "songs: 4q:D (5 items)" in text
    # as `affect match` ranks, and beside it without the reliability weights
    assert "model unweighted" in text
    p1 = next(l for l in text.splitlines() if l.startswith("P@1"))
    assert p1.split()[1:3] == ["0.350", "0.400"]


def test_evaluation_summary_puts_left_out_sets_first():
    report = {"folds": 10,
              "image": {"sets": [{"spec": "a:D", "n_items": 10}, {"spec": "b:D", "n_items": 10}],
                        "in_domain": {"a:D": {"mlp": REG}},
                        "cross_set": {"a:D": {"mlp": dict(REG, quadrant_balanced_accuracy=0.3,
                                                          quadrant_balanced_chance=0.25)}}}}
    text = "\n".join(evaluation_summary(report))
    assert text.index("left out") < text.index("in-domain")
    bal = next(l for l in text.splitlines() if l.startswith("quadrant balanced"))
    assert bal.split()[-3:] == ["0.300", "0.250", "0.250"]


def test_training_summary():
    card = {"modality": "image", "kind": "mlp", "n_train": 100,
            "training_sets": [["emotion6:D", 100]], "npz_sha256": "ab" * 32,
            "hyperparameters": {"cv": 5, "selection_score": "mean R2"},
            "heads": [{"axes": ["valence", "arousal"], "cv_score": 0.21,
                       "params": {"hidden_layer_sizes": [64], "alpha": 0.01}}],
            "metrics": {"cv": 10, "grouped": True,
                        "mlp": {"valence": {"r": 0.5, "r2": 0.2},
                                "quadrant_accuracy": 0.41},
                        "ridge": {"valence": {"r": 0.45, "r2": 0.18},
                                  "quadrant_accuracy": 0.39}}}
    text = "\n".join(training_summary(card, majority=0.32))
    assert "image model (mlp) trained on 100 items: emotion6:D (100)" in text
    assert "version abababababab" in text
    assert "valence/arousal: hidden_layer_sizes [64], alpha 0.01; 5-fold score 0.210" in text
    row = next(l for l in text.splitlines() if l.startswith("quadrant accuracy")).split()
    assert row[-4:] == ["0.410", "0.390", "0.250", "0.320"]
    assert "--evaluate-folds" in "\n".join(training_summary({**card, "metrics": {}}))


# ------------------------------------------------------------------ matches and songs

def test_majority_share():
    from affect_features.reports import majority_share

    assert majority_share(["Q1", "Q1", "Q2", None, ""]) == 2 / 3
    assert majority_share([None, ""]) is None


def test_song_line_says_who_where_and_the_point():
    from affect_features.reports import song_line

    song = {"artist": "A", "title": "T", "path": "/m/a\nb.mp3", "distance": 0.1234,
            "valence": 0.5, "arousal": -0.25, "dominance": 0.0, "quadrant": "Q4",
            "label": "Q1"}
    assert song_line(2, song) == ("  2. A - T  [/m/a\\nb.mp3]  (distance 0.12; V +0.50 "
                                  "A -0.25 D +0.00; Q4 calm/relaxed, labelled Q1)")
    bare = {"source_id": "MT1", "distance": 1.0, "valence": 0.0, "arousal": 0.0,
            "dominance": 0.0, "quadrant": None}
    assert song_line(1, bare) == ("  1. MT1  (distance 1.00; V +0.00 A +0.00 "
                                  "D +0.00)")


def test_track_line_for_a_point_a_failure_and_no_point():
    from affect_features.reports import track_line

    row = {"id": 1, "path": "/m/x.mp3", "artist": None, "title": "X", "valence": -0.5,
           "arousal": 0.5, "dominance": 0.1, "quadrant": "Q2", "mood": "tense",
           "label": None, "distance": 0.25}
    assert track_line(row) == ("X  [/m/x.mp3]  (distance 0.25; V -0.50 A +0.50 "
                               "D +0.10; Q2 angry/tense; tense)")
    failed = {"id": 2, "path": "/m/y.mp3", "valence": None, "error": "bad data"}
    assert track_line(failed) == "y.mp3  [/m/y.mp3]\n  failed: bad data"
    assert track_line({"id": 3, "path": None, "valence": None}) == \
        "3  (no point yet: `affect index` predicts it)"


def test_library_stats_lines_and_sizes():
    from affect_features.reports import human_bytes, library_stats_lines

    assert [human_bytes(n) for n in (999, 1500, 2_000_000, 3.1e9, 5e12)] == \
        ["999 B", "1.5 kB", "2.0 MB", "3.1 GB", "5000.0 GB"]
    st = {"path": "/l.sqlite", "tracks": 4, "files": 4, "with_point": 3, "failed": 1,
          "quadrants": {"Q1": 3, "Q2": 0, "Q3": 0, "Q4": 0},
          "model_versions": {"abcdef0123456789ffff": 3}, "descriptor_schemas": {None: 1},
          "library_schema": 1, "metadata": {}, "size_bytes": 65536}
    lines = library_stats_lines(st)
    # keys padded to the longest ("  Q3 sad/depressed", 18), then two spaces
    assert lines[0] == "library" + " " * 13 + "/l.sqlite"
    assert "failed" + " " * 14 + "1 (`affect library list --failed`)" in lines
    assert "  Q1 happy/excited  3 (100%)" in lines
    assert "model version" + " " * 7 + "abcdef0123456789: 3 points" in lines
    assert "descriptor schema   none: 1 tracks" in lines
    assert lines[-1] == "size on disk" + " " * 8 + "65.5 kB"


def test_match_lines_of_a_query():
    import numpy as np

    from affect_features.matching import QueryMatch
    from affect_features.reports import match_lines

    res = QueryMatch(query="mood:calm", name="mood 'calm'", point=np.array([0.5, -0.5, 0]),
                     quadrant="Q4", mood_word="calm", songs=[
                         {"title": "Lake", "distance": 0.1, "valence": 0.6,
                          "arousal": -0.4, "dominance": 0.0, "quadrant": "Q4"}])
    assert match_lines(res) == [
        "mood 'calm'\n  point  valence +0.50  arousal -0.50  dominance +0.00   Q4 "
        "calm/relaxed",
        "  1. Lake  (distance 0.10; V +0.60 A -0.40 D +0.00; Q4 calm/relaxed)"]
