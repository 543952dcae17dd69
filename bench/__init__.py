"""reachbench: an evaluation benchmark for natural-language-to-reachability translation.

Stages live in sub-packages and import only downwards:
``model`` (shared contracts) <- ``aws`` (offline AWS facts) <- ``world`` <- ``scenarios``;
``world`` <- ``engine`` <- ``cases``; ``model`` <- ``translators``; ``scorers`` (top level) reads
``model`` (and ``aws`` facts) only; ``runner`` and ``reports`` sit on top and ``cli`` is a thin layer
over all of them. ``tests/test_architecture.py`` enforces this.
"""

from pathlib import Path as _Path

__version__ = "0.1.0"

#: Where a wheel or sdist install keeps the repository's ``cases/`` tree (suites, worlds, scenarios,
#: templates): ``setup.py`` maps it into the package as ``bench/_corpus``.
PACKAGED_CORPUS = "_corpus"


def corpus_dir() -> _Path:
    """The ``cases/`` tree: the installed package's copy, else the checkout's top-level ``cases/``.

    Callers apply their own overrides first (``REACHBENCH_CASES``, ``REACHBENCH_WORLDS``,
    ``REACHBENCH_SCENARIOS``, ``reachbench --cases-dir``): an explicit folder always wins.
    """
    here = _Path(__file__).resolve().parent
    packaged = here / PACKAGED_CORPUS
    if packaged.is_dir():
        return packaged
    return here.parent / "cases"
