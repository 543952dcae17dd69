"""reachbench: an evaluation benchmark for natural-language-to-reachability translation.

Stages live in sub-packages and import only downwards:
``model`` (shared contracts) <- ``aws`` (offline AWS facts) <- ``world`` <- ``scenarios``;
``world`` <- ``engine`` <- ``cases``; ``model`` <- ``translators``; ``scorers`` (top level) reads
``model`` (and ``aws`` facts) only; ``runner`` and ``reports`` sit on top and ``cli`` is a thin layer
over all of them. ``tests/test_architecture.py`` enforces this.
"""

__version__ = "0.1.0"
