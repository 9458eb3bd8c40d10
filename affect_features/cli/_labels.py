"""``labels``: the emotion labels of each taxonomy, the mood words and the maps
between taxonomies (:mod:`affect_features.space`).
"""

from __future__ import annotations

import click

from ._base import _data_file, _usage


@click.command("labels", short_help="Emotion labels, mood words and label maps.")
@click.option("--taxonomy", "taxonomies", multiple=True,
              type=click.Choice(["mikels", "emotion6", "audioset_mood", "russell", "gems"]),
              help="Only these taxonomies (repeatable).")
@click.option("--moods", is_flag=True,
              help="List the mood words `affect match` names points with (and that "
                   "`--mood` takes), with their point and quadrant.")
@click.option("--map", "map_", default=None, metavar="SRC:DST",
              help="Print the dictionary from one taxonomy's labels to another's.")
@click.option("--overrides", type=click.Path(exists=True, dir_okay=False), default=None,
              callback=_data_file("label map"),
              help="CSV of source_taxonomy,source_label,target_taxonomy,target_label "
                   "rows that replace the derived mapping.")
def labels(taxonomies, moods, map_, overrides):
    """Emotion labels of each taxonomy with their point and quadrant (tab-separated),
    the mood words (--moods), or the dictionary between two taxonomies (--map).

    A label at the origin (Emotion6 "neutral": no emotion) has no quadrant: "-".
    """
    from ..errors import ParameterError
    from ..space import (QUADRANT_NAMES, label_map, label_table, load_label_map,
                        mood_words, quadrant, word_point)

    if moods:
        click.echo("word\tvalence\tarousal\tdominance\tquadrant\tquadrant_name")
        for word in mood_words():
            v, a, d = word_point(word)
            q = quadrant(word_point(word))
            click.echo(f"{word}\t{v:+.3f}\t{a:+.3f}\t{d:+.3f}\t{q}\t{QUADRANT_NAMES[q]}")
        return
    if map_:
        src, sep, dst = map_.partition(":")
        if not sep:
            raise _usage("expected SRC:DST, e.g. mikels:audioset_mood", "--map")
        try:
            table = load_label_map(overrides) if overrides else None
        except ParameterError as exc:
            raise _usage(str(exc), "--overrides") from None
        try:
            mapping = label_map(src, dst, overrides=table)
        except ParameterError as exc:
            raise _usage(str(exc), "--map") from None
        for a, b in mapping.items():
            click.echo(f"{a}\t{b}")
        return
    click.echo("taxonomy\tlabel\tword\tvalence\tarousal\tdominance\tquadrant")
    for row in label_table(list(taxonomies) or None):
        click.echo(f"{row.taxonomy}\t{row.label}\t{row.word}\t{row.valence:+.3f}\t"
                   f"{row.arousal:+.3f}\t{row.dominance:+.3f}\t{row.quadrant}")
