"""Region mentions in a message: codes, English and Japanese names, with corrections marked.

The names come from ``bench.aws.regions`` (botocore's descriptions plus the project's Japanese table);
this module only finds them in running text and decides whether each is asserted or denied ("Not
Seoul! Tokyo!", "ソウルじゃないよ！東京だよ！", "use Tokyo instead of Seoul"), so that the latest
asserted Region wins across turns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bench.aws.regions import all_regions, region_name_index


@dataclass(frozen=True)
class RegionMention:
    code: str
    start: int
    end: int
    negated: bool
    text: str


_NEG_BEFORE = re.compile(
    r"(?:\bnot|\bnot in|\binstead of|\brather than|\breplace|\bexcept|\bnot the|\bisn't|\baren't)"
    r"\s*(?:the\s+)?$",
    re.IGNORECASE,
)
_NEG_AFTER = re.compile(
    r"^\s*(?:region|リージョン)?\s*"
    r"(?:じゃな|ではな|ではありません|じゃありません|以外|is wrong|was wrong|is not right)",
    re.IGNORECASE,
)
_SEP = r"[\s._()\-]+"


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    names = set(region_name_index())
    parts = []
    for name in sorted(names, key=len, reverse=True):
        words = [re.escape(w) for w in name.split(" ") if w]
        body = _SEP.join(words)
        if name.isascii():
            # Not inside an id or a name: "us-east-1a", "app-tokyo" are not Region mentions.
            parts.append(rf"(?<![A-Za-z0-9])(?<![A-Za-z0-9][-_.]){body}(?![-_.]?[A-Za-z0-9])")
        else:
            parts.append(body)
    return re.compile("|".join(parts), re.IGNORECASE)


def _code_for(text: str) -> str | None:
    key = re.sub(r"[\s._()\-]+", " ", text.lower()).strip()
    return region_name_index().get(key)


def find_regions(text: str) -> list[RegionMention]:
    """Every Region named in ``text``, in order, with ``negated`` for the ones being corrected away."""
    out: list[RegionMention] = []
    for m in _pattern().finditer(text):
        code = _code_for(m.group(0))
        if code is None or code not in all_regions():
            continue
        before = text[max(0, m.start() - 20) : m.start()]
        after = text[m.end() : m.end() + 20]
        negated = bool(_NEG_BEFORE.search(before) or _NEG_AFTER.search(after))
        out.append(RegionMention(code, m.start(), m.end(), negated, m.group(0)))
    return out


def asserted_region(mentions: list[RegionMention]) -> str | None:
    """The Region a message settles on: the last one not denied."""
    kept = [m.code for m in mentions if not m.negated]
    return kept[-1] if kept else None
