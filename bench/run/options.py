"""What a run is asked to do (a frozen config passed down) and which cases it selects.

Selection is deterministic so that shards, limits and resumed runs agree on the same cases: split
filter, tag filter, sort by case id, limit, then shard by a stable hash of the id.
"""

from __future__ import annotations

import fnmatch
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.cases.schema import Case
from bench.run.crossworld import DEFAULT_SUITE_SEED, DEFAULT_VARIANTS
from scorers import DEFAULT_RESAMPLES, DEFAULT_SEED

DEFAULT_OUT = Path("results/runs")


class RunOptionsError(ValueError):
    """Options that cannot make a run (bad shard, no cases selected, ...)."""


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"2/4"`` -> (2, 4): the second of four shards (1-based)."""
    if text is None or text == "":
        return None
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not m:
        raise RunOptionsError(f"--shard {text!r}: expected i/n, e.g. 1/4")
    index, count = int(m.group(1)), int(m.group(2))
    if count < 1 or not 1 <= index <= count:
        raise RunOptionsError(f"--shard {text!r}: i must be between 1 and n (shards are numbered from 1)")
    return index, count


def shard_of(case_id: str, count: int) -> int:
    """The 1-based shard a case belongs to: a stable hash, so adding cases never moves old ones."""
    return zlib.crc32(case_id.encode("utf-8")) % count + 1


@dataclass(frozen=True)
class RunOptions:
    """Everything that decides a run's cases and outputs; recorded in run.json (``options``)."""

    translator: str = "rules"
    suite: str = "core"
    splits: tuple[str, ...] = ("test",)
    limit: int | None = None
    tags: tuple[str, ...] = ()
    jobs: int = 4
    shard: tuple[int, int] | None = None
    out: Path = DEFAULT_OUT
    run_id: str | None = None
    cache: str = "use"  # use | refresh | off
    cache_path: Path | None = None
    seed: int = DEFAULT_SEED
    n_resamples: int = DEFAULT_RESAMPLES
    timeout: float | None = None
    compress: bool = False  # write samples.jsonl.gz when the run completes (published runs)
    overwrite: bool = False  # replace an existing run directory named by run_id (else: an error)
    max_error_rate: float | None = None  # None: bench.run.guard.DEFAULT_MAX_ERROR_RATE
    name: str | None = None  # display name on leaderboards (default: the translator's name)
    suite_variants: int = DEFAULT_VARIANTS  # test-suite accuracy: path-cutting variants per case
    suite_seed: int = DEFAULT_SUITE_SEED
    extra: dict[str, Any] = field(default_factory=dict)

    def recorded(self) -> dict[str, Any]:
        """The options as run.json keeps them (enough to resume the same selection)."""
        return {
            "limit": self.limit,
            "tags": list(self.tags),
            "shard": None if self.shard is None else f"{self.shard[0]}/{self.shard[1]}",
            "jobs": self.jobs,
            "splits": list(self.splits),
            "timeout": self.timeout,
            "cache": self.cache,
            "compress": self.compress,
            "max_error_rate": self.max_error_rate,
        }


def tag_matches(case_tags: Sequence[str], wanted: str) -> bool:
    """A wanted tag matches exactly or as a glob (``fault:*``, ``dest:fqdn``)."""
    return any(fnmatch.fnmatchcase(tag, wanted) for tag in case_tags)


def select_cases(cases: Sequence[Case], options: RunOptions) -> list[Case]:
    """The run's cases: in the splits, carrying every wanted tag, sorted by id, limited, sharded."""
    chosen = [c for c in cases if c.split in options.splits]
    for wanted in options.tags:
        chosen = [c for c in chosen if tag_matches(c.tags, wanted)]
    chosen.sort(key=lambda c: c.id)
    if options.limit is not None:
        if options.limit < 0:
            raise RunOptionsError("--limit must not be negative")
        chosen = chosen[: options.limit]
    if options.shard is not None:
        index, count = options.shard
        chosen = [c for c in chosen if shard_of(c.id, count) == index]
    return chosen


def check_cases(translator: Any, suite: Any) -> None:
    """Translators that replay answers by case id (``predictions:``) check the ids against the suite
    before anything runs: an id the suite never issued is an error, not a silent skip. Ids of the
    suite's other splits (its ``ids.txt`` registry) are known, just not selected."""
    check = getattr(translator, "check_cases", None)
    if not callable(check):
        return
    known = {c.id for c in suite.cases}
    if suite.path is not None and (suite.path / "ids.txt").is_file():
        from bench.cases.ids import IdRegistry

        try:
            known |= set(IdRegistry(suite.path / "ids.txt").issued)
        except ValueError:
            pass  # a damaged registry: fall back to the loaded cases (validate reports it)
    check(known, suite.name, suite.splits)


def display_name(spec: str, described: dict[str, Any]) -> str:
    """Leaderboard name: the translator's, or for ``command:`` the program's file name."""
    name = str(described.get("name"))
    if name == "command":
        from bench.translators.registry import parse_spec

        program = (parse_spec(spec).positional or "").split()
        if program:
            return f"command:{Path(program[-1] if len(program) > 1 else program[0]).name}"
    return name
