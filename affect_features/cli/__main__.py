"""``python -m affect_features.cli``: the ``affect`` command."""

from . import main

main()
