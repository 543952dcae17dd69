"""Packaging detail pyproject.toml cannot express: the top-level ``cases/`` tree ships inside the package.

The repository keeps ``cases/`` (suites, worlds, scenarios, templates) at its top level; wheels and sdists
install it as ``bench/_corpus`` so that ``pip install reachbench`` (not an editable clone) can run suites
and list worlds from any folder. ``bench.corpus_dir()`` finds whichever copy exists. Everything else is
declared in pyproject.toml.
"""

from setuptools import find_packages, setup

CORPUS = "bench._corpus"

setup(
    packages=[*find_packages(include=["bench", "bench.*", "scorers", "scorers.*"]), CORPUS],
    package_dir={CORPUS: "cases"},
    package_data={
        "bench": ["data/*.json", "data/*.yaml", "reports/templates/*"],
        CORPUS: ["*.md", "**/*.json", "**/*.jsonl", "**/*.yaml", "**/*.txt", "**/*.md"],
    },
)
