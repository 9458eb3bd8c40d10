"""``train`` (:func:`training.train_from_specs`) and ``evaluate``
(:func:`training.evaluate_sets`): models from labelled data sets, and their measures
beside chance.
"""

from __future__ import annotations

import sys

import click

from ._base import _err, _require_matplotlib, _usage


def _check_specs(specs, option: str, modality: str) -> None:
    """:func:`training.check_specs` (every listing before any extraction), its errors
    as usage errors naming the option."""
    from ..errors import ParameterError
    from ..training import check_specs

    try:
        check_specs(specs, modality)
    except ParameterError as exc:
        raise _usage(str(exc), option) from None


@click.command("train", short_help="Train an emotion model on labelled data sets.")
@click.argument("modality", type=click.Choice(["image", "audio"]))
@click.option("--dataset", "datasets", multiple=True, required=True, metavar="KIND:PATH",
              help="Training set, e.g. emotion6:DIR, 4q:DIR, artphoto:DIR, abstract:DIR, "
                   "audioset:SEGMENTS.csv, csv:FILE?scale=sam9. Repeatable.")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="Model path: writes OUTPUT.npz and OUTPUT.json.")
@click.option("--seeds", type=int, default=5, show_default=True,
              help="Networks averaged in the ensemble.")
@click.option("--cv", type=int, default=5, show_default=True,
              help="Folds of the hyper-parameter search.")
@click.option("--evaluate-folds", type=int, default=0,
              help="Also run a nested k-fold CV (K >= 2) and record its metrics in the "
                   "card (and print them).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed of folds and networks.")
@click.option("-j", "--jobs", type=int, default=0, help="Extraction processes (0: all cores).")
@click.option("--cache", type=click.Path(), default=None,
              help="Feature cache folder (default: AFFECT_CACHE or the user cache).")
@click.option("--kind", type=click.Choice(["mlp", "ridge"]), default="mlp",
              show_default=True, help="MLP ensemble or ridge regression.")
@click.option("--groups", default=None, metavar="G1,G2",
              help="Train on these feature groups only (default: all of the schema).")
@click.option("--targets", type=click.Choice(["ratings", "per_set"]), default="ratings",
              show_default=True,
              help="Train on the ratings as declared, or standardised per data set.")
@click.option("--no-cross-set", is_flag=True,
              help="With several data sets, skip the leave-one-dataset-out evaluation "
                   "(it measures the reliability that weights matching).")
def train_cmd(modality, datasets, output, seeds, cv, evaluate_folds, seed, jobs, cache,
              kind, groups, targets, no_cross_set):
    """Train an emotion model (features -> valence, arousal, dominance).

    With two or more --dataset, each set is also predicted by a model trained on the
    others (leave-one-dataset-out): the card records these cross-set figures and the
    per-axis reliability that `affect match` weights the axes by. Prints a summary: the
    data, the chosen settings and the measured figures beside chance and the majority
    answer. The full record is the model card, OUTPUT.json.
    """
    from ..reports import majority_share, training_summary
    from ..training import train_from_specs

    if cv < 2:
        raise _usage("needs at least 2 folds", "--cv")
    if evaluate_folds == 1 or evaluate_folds < 0:
        raise _usage("0 (none) or at least 2 folds", "--evaluate-folds")
    if seeds < 1:
        raise _usage("must be at least 1", "--seeds")
    _check_specs(datasets, "--dataset", modality)
    model, data, cvres = train_from_specs(
        modality, datasets, cache_dir=cache, n_jobs=jobs, cv=cv, n_seeds=seeds,
        random_state=seed, evaluate_folds=evaluate_folds, progress=sys.stderr.isatty(),
        kind=kind, feature_groups=groups, targets=targets, cross_set=not no_cross_set)
    if "reliability" not in model.card:
        _err("warning: no cross-validation and a single data set: the model has no "
             "measured reliability, so `affect match` will use neutral weights and call "
             "every axis uncertain (add --evaluate-folds K or a second --dataset)")
    for f in data.failures:
        _err(f"skipped: {f}")
    npz, card = model.save(output)
    _err(f"wrote {npz} and {card}")
    for line in training_summary(model.card, majority=majority_share(data.quadrants)):
        click.echo(line)


@click.command("evaluate", short_help="Measure the models and the matching beside chance.")
@click.option("--images", "image_specs", multiple=True, metavar="KIND:PATH",
              help="Labelled photos (e.g. emotion6:DIR). Repeatable.")
@click.option("--music", "music_specs", multiple=True, metavar="KIND:PATH",
              help="Labelled music (e.g. 4q:DIR). Repeatable.")
@click.option("--cv", "folds", type=int, default=10, show_default=True,
              help="Cross-validated evaluation with this many folds (0: use the given "
                   "or shipped models on the given sets as held-out data).")
@click.option("--image-model", type=click.Path(), default=None,
              help="Image model for --cv 0 (default: the shipped one).")
@click.option("--audio-model", type=click.Path(), default=None,
              help="Audio model for --cv 0 (default: the shipped one).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the full report as JSON to this file.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="What to print: the summary table or the full JSON.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, metavar="FILE.png",
              help="Draw the valence-arousal plane with the photos and songs (needs "
                   "matplotlib: the plot extra).")
@click.option("-j", "--jobs", type=int, default=0, help="Processes (0: all cores).")
@click.option("--cache", type=click.Path(file_okay=False), default=None,
              help="Feature cache folder (default: AFFECT_CACHE or the user cache).")
@click.option("--kinds", default="mlp,ridge", show_default=True, metavar="K1,K2",
              help="Model kinds to evaluate side by side (mlp, ridge).")
@click.option("--targets", type=click.Choice(["ratings", "per_set"]), default="ratings",
              show_default=True,
              help="Train on the ratings as declared, or standardised per data set.")
@click.option("--groups", default=None, metavar="G1,G2",
              help="Image feature groups to train on (default: all of the schema).")
@click.option("--methods", default="vad,joint", show_default=True, metavar="M1,M2",
              help="Matching routes to evaluate side by side: vad (the emotion space), "
                   "joint (the joint embedding; cross-validated runs only).")
def evaluate_cmd(image_specs, music_specs, folds, image_model, audio_model, output, fmt,
                 plot, jobs, cache, kinds, targets, groups, methods):
    """Per-modality errors and photo-to-song categorical agreement, beside chance.

    With two or more --images sets the first figures are leave-one-dataset-out (each
    set predicted by models trained on the others only: photos from a source the model
    never saw); in-domain cross-validation within each set stands beside them.

    Prints a summary table (each measure beside chance and the majority answer); -o
    writes the full report as JSON.
    """
    import json as _json

    from ..reports import evaluation_summary
    from ..training import evaluate_sets

    if not image_specs and not music_specs:
        raise click.UsageError("give --images and/or --music data sets")
    if folds == 1 or folds < 0:
        raise _usage("0 (the given models on held-out data) or at least 2 folds", "--cv")
    if plot:
        _require_matplotlib("--plot")
    from ..matching import METHODS
    from ..models import KINDS

    kind_list = tuple(k.strip() for k in kinds.split(",") if k.strip())
    if not kind_list or any(k not in KINDS for k in kind_list):
        raise _usage(f"expected kinds among {', '.join(KINDS)}, got {kinds!r}", "--kinds")
    _check_specs(image_specs, "--images", "image")
    from ..training import labels_only_spec
    # held out (--cv 0), the songs' labels are enough: evaluate_sets drops the norms
    _check_specs([labels_only_spec(sp) if not folds else sp for sp in music_specs],
                 "--music", "audio")
    method_list = tuple(m.strip() for m in methods.split(",") if m.strip())
    if not method_list or any(m not in METHODS for m in method_list):
        raise _usage(f"expected methods among {', '.join(METHODS)}, got {methods!r}",
                     "--methods")
    report = evaluate_sets(image_specs, music_specs, folds=folds, image_model=image_model,
                           audio_model=audio_model, cache_dir=cache, n_jobs=jobs,
                           plot=plot, progress=sys.stderr.isatty(), kinds=kind_list,
                           targets=targets, image_groups=groups, methods=method_list)
    text = _json.dumps(report, indent=1, default=float)
    if output:
        from ..writing import atomic_write_text
        atomic_write_text(output, text + "\n")
    if fmt == "json":
        click.echo(text)
    else:
        for line in evaluation_summary(report):
            click.echo(line)
