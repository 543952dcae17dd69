"""Environment words: "prod batch-1", "payments-api-1 (prod)", "検証のapp-2", "jp-stg の app-1".

Accounts repeat names across environments (a prod and a staging ``api-1``). An environment word written
next to a name, or the only environment the conversation names ("the prod one obviously"), picks the
candidate whose ``Env`` tag (or its VPC's) says that environment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bench.cases.schema import InventoryItem

_ENV_WORDS: tuple[tuple[str, str], ...] = (
    ("prod", r"prod|production|prd|本番(?:環境)?"),
    ("stg", r"stg|staging|stage|検証(?:環境)?|ステージング"),
    ("dev", r"dev|development|開発(?:環境)?"),
    ("shared", r"shared|共有"),
)
# Hyphen allowed before ("jp-stg") but not after ("dev-box", "prod-vpc" are names).
_ENV_RE = re.compile(
    "|".join(rf"(?P<{env}>(?<![A-Za-z0-9_])(?:{p})(?![A-Za-z0-9_\-]))" for env, p in _ENV_WORDS),
    re.IGNORECASE,
)
_NORMAL = {"production": "prod", "prd": "prod", "staging": "stg", "stage": "stg", "development": "dev"}
NEAR = 24  # characters between an environment word and the name it qualifies


def env_words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, env) of every environment word in ``text`` (mention spans should be blanked)."""
    return [(m.start(), m.end(), m.lastgroup or "") for m in _ENV_RE.finditer(text)]


def env_near(words: Sequence[tuple[int, int, str]], start: int, end: int) -> str | None:
    """The environment word closest to the span [start, end), within ``NEAR`` characters."""
    best: tuple[int, str] | None = None
    for a, b, env in words:
        gap = start - b if b <= start else a - end if a >= end else 0
        if 0 <= gap <= NEAR and (best is None or gap < best[0]):
            best = (gap, env)
    return best[1] if best else None


def item_env(item: InventoryItem, by_id: dict[str, InventoryItem]) -> str | None:
    """The environment of an inventory item: its ``Env`` tag, else its VPC's."""
    env = item.tags.get("Env") or (by_id[item.vpc_id].tags.get("Env") if item.vpc_id in by_id else None)
    if not env:
        return None
    env = env.lower()
    return _NORMAL.get(env, env)


def narrow_by_env(
    cands: list[InventoryItem], env: str | None, by_id: dict[str, InventoryItem]
) -> list[InventoryItem]:
    """The candidates in environment ``env``, or all of them when none (or no env) fits."""
    if env is None or len(cands) < 2:
        return cands
    return [c for c in cands if item_env(c, by_id) == env] or cands
