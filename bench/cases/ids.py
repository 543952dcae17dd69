"""Stable case ids that are never reused.

An id is ``<suite>-<first 12 hex of sha256(content key)>`` where the content key is what a translator
sees and what makes the question (world, home Region, turns). The same question therefore always gets
the same id, on every machine and every regeneration, and a different question cannot get it unless
the 48-bit prefixes collide. To make even that impossible across the corpus's history, each suite keeps
a registry (``cases/<suite>/ids.txt``: ``<id> <full sha256>``, sorted, append-only): an id once issued
for one content is never issued for another; on a prefix collision the id is lengthened.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

PREFIX_LEN = 12


def content_key(world: str, home_region: str, turns: tuple[str, ...]) -> str:
    blob = json.dumps(
        {"world": world, "home_region": home_region, "turns": list(turns)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class IdRegistry:
    """The issued ids of one suite: id -> full content hash."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.issued: dict[str, str] = {}
        if path is not None and path.exists():
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if not line.strip():
                    continue
                parts = line.split()
                if len(parts) != 2:
                    raise ValueError(f"{path}:{lineno}: expected '<id> <sha256>'")
                self.issued[parts[0]] = parts[1]
        self._by_hash = {h: i for i, h in self.issued.items()}

    def issue(self, suite: str, digest: str) -> str:
        """The id for content ``digest``: the one issued before, or a new one that was never issued."""
        known = self._by_hash.get(digest)
        if known is not None:
            return known
        length = PREFIX_LEN
        while True:
            candidate = f"{suite}-{digest[:length]}"
            if candidate not in self.issued:
                break
            length += 2  # a collision with another content: lengthen, never reuse
        self.issued[candidate] = digest
        self._by_hash[digest] = candidate
        return candidate

    def check(self, case_id: str, digest: str) -> str | None:
        """None if ``case_id`` is the id issued for ``digest``; otherwise what is wrong."""
        stored = self.issued.get(case_id)
        if stored is None:
            return f"id {case_id} is not in the registry"
        if stored != digest:
            return f"id {case_id} was issued for other content (reused id)"
        return None

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{i} {h}\n" for i, h in sorted(self.issued.items())]
        self.path.write_text("".join(lines), encoding="utf-8")


def split_of(case_id: str, dev_share: int = 20) -> str:
    """dev for about ``dev_share`` % of ids, test otherwise: a stable hash, independent of order."""
    value = int(hashlib.sha256(case_id.encode("utf-8")).hexdigest()[:8], 16)
    return "dev" if value % 100 < dev_share else "test"
