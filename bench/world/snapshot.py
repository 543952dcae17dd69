"""The on-disk world: what AWS returns, per Region, plus the DNS table and the ip-ranges subset.

A snapshot keeps the raw Describe*/List*/Get* responses (pages merged, ``ResponseMetadata`` stripped),
the shape the AWS CLI prints and Batfish reads, so a real account captured with the CLI or with
``reachbench worlds read`` is a world exactly like one built in moto. The normalized ``World`` is derived
from it on load (``bench.world.normalize``). Writing is deterministic: sorted keys, stable list order,
no timestamps, so a rebuild is byte-identical.

Layout::

    {
      "format": "reachbench-world",
      "schema_version": 1,
      "name": "field-test__baseline",
      "account_id": "123456789012",
      "regions": {
        "us-east-1": {
          "ec2:DescribeVpcs": {"Vpcs": [...]},
          "ec2:SearchTransitGatewayRoutes": {"tgw-rtb-...": {"Routes": [...]}},   # per-resource calls
          ...
        }
      },
      "dns": {"s3.ap-northeast-1.amazonaws.com": ["35.78.9.203", ...]},
      "ip_ranges": {"syncToken": "...", "createDate": "...", "prefixes": [...]},   # ip-ranges.json shape
      "provenance": {"scenario": "...", "faults": [...], "notes": [...], "corrections": [...]}
    }
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

FORMAT = "reachbench-world"
SNAPSHOT_SCHEMA_VERSION = 1


class SnapshotError(ValueError):
    """A snapshot file that cannot be used; the message names the file and the field."""


def _default(value: Any) -> Any:
    if isinstance(value, _dt.datetime | _dt.date):
        # Timestamps never belong in a snapshot; callers strip them. Keep the file writable anyway.
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps_snapshot(raw: dict[str, Any]) -> str:
    """Deterministic JSON text of a snapshot (sorted keys, 1-space indent, trailing newline)."""
    return json.dumps(raw, sort_keys=True, indent=1, ensure_ascii=False, default=_default) + "\n"


def write_snapshot(raw: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = dumps_snapshot(raw)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def read_snapshot(path: str | Path) -> dict[str, Any]:
    """Read and shallowly validate a snapshot; errors name the file and the field."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no such world snapshot") from None
    except UnicodeDecodeError as exc:
        raise SnapshotError(f"{path}: not UTF-8 text (byte offset {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(raw, dict):
        raise SnapshotError(f"{path}: top level must be an object")
    if raw.get("format") != FORMAT:
        raise SnapshotError(f"{path}: field 'format' must be {FORMAT!r}, got {raw.get('format')!r}")
    version = raw.get("schema_version")
    if version != SNAPSHOT_SCHEMA_VERSION:
        raise SnapshotError(
            f"{path}: field 'schema_version' is {version!r}; this reachbench reads {SNAPSHOT_SCHEMA_VERSION}"
        )
    for key in ("name", "account_id", "regions"):
        if key not in raw:
            raise SnapshotError(f"{path}: missing field {key!r}")
    if not isinstance(raw["regions"], dict):
        raise SnapshotError(f"{path}: field 'regions' must map Region code to responses")
    return raw
