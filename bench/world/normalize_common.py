"""Shared plumbing for normalization: where-am-I context for errors, tags, protocols, model building.

Every parser reads one AWS response body. A malformed body must fail with a message a user can act
on (file, Region, key, item index and id, reason), never with a bare ``KeyError`` from deep inside,
so parsers run item by item through :func:`each`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from bench.world.snapshot import SnapshotError

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

# Models are validated (``model_validate``), not built with ``model_construct``: measured on the
# 10k-instance synthetic world, pydantic-core validation of these flat models is *faster* than
# ``model_construct`` (~2.2 us vs ~3.7 us per ENI; construct loops over fields in Python), and it checks
# every Literal and type on the way. ``bench/perf/world_load.py`` re-measures both; flip to compare.
VALIDATE = True


def build(cls: type[M], **fields: Any) -> M:
    """Instantiate a world model, validated (default) or constructed according to ``VALIDATE``."""
    if VALIDATE:
        return cls.model_validate(fields)
    return cls.model_construct(**fields)


@dataclass(frozen=True)
class Ctx:
    """Where a parser is reading: file (when known), Region and raw key."""

    source: str | None
    region: str
    key: str = ""

    def at(self, key: str) -> Ctx:
        return Ctx(self.source, self.region, key)

    def where(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        return f"{prefix}regions.{self.region}.{self.key}"

    def error(self, detail: str) -> SnapshotError:
        return SnapshotError(f"{self.where()}: {detail}")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return f"{type(exc).__name__}: {exc}"


def body_of(ctx: Ctx, section: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The response body stored under ``key``; None when the section is absent (a capture may lack it)."""
    body = section.get(key)
    if body is None:
        return None
    if not isinstance(body, dict):
        raise ctx.at(key).error(f"expected a response object, got {type(body).__name__}")
    return body


def items(ctx: Ctx, body: dict[str, Any] | None, list_key: str) -> list[Any]:
    if body is None:
        return []
    value = body.get(list_key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise ctx.error(f"field {list_key!r} must be a list, got {type(value).__name__}")
    return value


def each(
    ctx: Ctx, body: dict[str, Any] | None, list_key: str, fn: Callable[[Any], T], id_key: str = ""
) -> Iterator[T]:
    """Apply ``fn`` to every item of ``body[list_key]``; failures name the item and the reason."""
    for index, item in enumerate(items(ctx, body, list_key)):
        try:
            if not isinstance(item, dict):
                raise TypeError(f"expected an object, got {type(item).__name__}")
            yield fn(item)
        except SnapshotError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            ident = item.get(id_key) if isinstance(item, dict) and id_key else None
            label = f"{list_key}[{index}]" + (f" ({ident})" if ident else "")
            raise ctx.error(f"{label}: {_reason(exc)}") from None


def per_resource(ctx: Ctx, section: dict[str, Any], key: str) -> dict[str, dict[str, Any]] | None:
    """Bodies of a per-resource call (resource id -> response body), or None when not captured."""
    value = section.get(key)
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ctx.at(key).error("expected an object mapping resource id -> response body")
    return value


def tags_of(item: dict[str, Any], key: str = "Tags") -> dict[str, str]:
    """``[{"Key","Value"}]`` -> dict (EC2 uses ``Tags``, ENIs ``TagSet``, RDS ``TagList``)."""
    raw = item.get(key) or []
    if not raw:  # most interfaces carry no tags
        return {}
    if isinstance(raw, dict):  # Lambda and a few others return a plain mapping
        return {str(k): str(v) for k, v in sorted(raw.items())}
    return {str(t["Key"]): str(t.get("Value", "")) for t in sorted(raw, key=lambda t: str(t["Key"]))}


def res_fields(item_id: str, region: str, tags: dict[str, str]) -> dict[str, Any]:
    return {"id": item_id, "region": region, "name": tags.get("Name"), "tags": tags}


_PROTOCOLS = {
    "-1": "all",
    "all": "all",
    "6": "tcp",
    "tcp": "tcp",
    "17": "udp",
    "udp": "udp",
    "1": "icmp",
    "icmp": "icmp",
}


def protocol(value: Any) -> str:
    """AWS protocol (number string, name, or -1) -> ``all|tcp|udp|icmp`` or the IANA number."""
    text = str(value).strip().lower()
    if text in _PROTOCOLS:
        return _PROTOCOLS[text]
    if text == "icmpv6" or text == "58":
        return "58"
    number = int(text)  # ValueError names the bad value
    if not 0 <= number <= 255:
        raise ValueError(f"protocol {value!r} out of range")
    return str(number)


def opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def is_ipv4_cidr(cidr: str | None) -> bool:
    return bool(cidr) and ":" not in str(cidr)
