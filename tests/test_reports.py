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
