"""A readable summary of a world for ``reachbench worlds show``: what is in it, per Region, and by name.

``summarize`` returns plain data (JSON-ready, deterministic) so the CLI can print it as JSON too;
``render`` turns it into rich tables. Case writers and reviewers look worlds up by the names used in
questions ("bastion", "orders-db"), so the name index is the main part.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from bench.world.model import World

# World field -> resource type name (the query language's ResourceType values where one exists).
KINDS: dict[str, str] = {
    "vpcs": "vpc",
    "subnets": "subnet",
    "route_tables": "route-table",
    "network_acls": "network-acl",
    "security_groups": "security-group",
    "network_interfaces": "network-interface",
    "instances": "instance",
    "db_instances": "db-instance",
    "autoscaling_groups": "autoscaling-group",
    "internet_gateways": "internet-gateway",
    "nat_gateways": "nat-gateway",
    "vpc_endpoints": "vpc-endpoint",
    "vpc_peering_connections": "vpc-peering-connection",
    "transit_gateways": "transit-gateway",
    "transit_gateway_attachments": "transit-gateway-attachment",
    "transit_gateway_route_tables": "transit-gateway-route-table",
    "vpn_gateways": "vpn-gateway",
    "prefix_lists": "prefix-list",
}
# Resources whose identifier is their name (no Name tag needed to be found by name).
_NAMED_BY_ID = {"db_instances", "autoscaling_groups", "other_resources"}


def _type_of(field: str, res: Any) -> str:
    return res.resource_type if field == "other_resources" else KINDS[field]


def summarize(world: World) -> dict[str, Any]:
    """Counts per resource type per Region, resources by name, ENI kinds, DNS names, faults and notes."""
    counts: dict[str, Counter[str]] = {r: Counter() for r in world.regions}
    by_name: dict[str, list[dict[str, str]]] = {}
    eni_kinds: Counter[str] = Counter()
    for field in (*KINDS, "other_resources"):
        for res in getattr(world, field).values():
            kind = _type_of(field, res)
            counts.setdefault(res.region, Counter())[kind] += 1
            name = res.name or (res.id if field in _NAMED_BY_ID else None)
            if name:
                by_name.setdefault(name, []).append({"type": kind, "id": res.id, "region": res.region})
    for eni in world.network_interfaces.values():
        eni_kinds[eni.kind] += 1
    totals: Counter[str] = Counter()
    for c in counts.values():
        totals.update(c)
    return {
        "name": world.name,
        "account_id": world.account_id,
        "schema_version": world.schema_version,
        "regions": list(world.regions),
        "counts": {r: dict(sorted(c.items())) for r, c in sorted(counts.items())},
        "totals": dict(sorted(totals.items())),
        "network_interfaces_by_kind": dict(sorted(eni_kinds.items())),
        "by_name": {
            n: sorted(v, key=lambda x: (x["type"], x["region"], x["id"])) for n, v in sorted(by_name.items())
        },
        "dns": {n: list(a) for n, a in world.dns.items()},
        "ip_ranges": len(world.ip_ranges),
        "faults": list(world.faults),
        "notes": list(world.notes),
        "not_modelled": not_modelled(world),
    }


def not_modelled(world: World) -> list[str]:
    """What the world holds but the engine does not analyse (docs/world-model.md, "Partial data"): the
    importer's notes on services it read but does not model, and resources present in the world whose
    traffic the engine stops or cannot follow."""
    out = [n.removeprefix("not modelled: ") for n in world.notes if n.startswith("not modelled: ")]
    for ep in world.vpc_endpoints.values():
        if ep.endpoint_type in ("Resource", "ServiceNetwork", "Other", "GatewayLoadBalancer"):
            out.append(f"{ep.endpoint_type} VPC endpoint {ep.id} ({ep.service_name or 'no service name'})")
    for att in world.transit_gateway_attachments.values():
        if att.resource_type not in ("vpc", "peering"):
            out.append(f"transit gateway {att.resource_type} attachment {att.id} (UNSUPPORTED_COMPONENT)")
    for inst in world.instances.values():
        if inst.state != "running":
            out.append(f"instance {inst.id} is {inst.state} (receives nothing: BAD_STATE)")
    for pl in world.prefix_lists.values():
        if not pl.cidrs:
            out.append(f"prefix list {pl.id} ({pl.prefix_list_name}) has no entries in the snapshot")
    for r in world.other_resources.values():
        out.append(f"{r.resource_type} {r.id}")
    return out


def render(summary: dict[str, Any], max_names: int = 200) -> RenderableType:
    """Rich tables for a summary; the name index is cut at ``max_names`` rows (large synthetic worlds)."""
    parts: list[RenderableType] = []
    head = Text()
    head.append(summary["name"], style="bold")
    head.append(f"  account {summary['account_id'] or '-'}  Regions {', '.join(summary['regions']) or '-'}")
    parts.append(head)
    if summary["faults"]:
        parts.append(Text("faults: " + ", ".join(summary["faults"]), style="yellow"))
    for note in summary["notes"]:
        if not note.startswith("not modelled: "):
            parts.append(Text("note: " + note, style="dim"))
    for item in summary.get("not_modelled", ()):
        parts.append(Text("not modelled: " + item, style="yellow"))

    regions = list(summary["counts"])
    counts = Table(title="resources per Region", title_justify="left")
    counts.add_column("type")
    for r in regions:
        counts.add_column(r, justify="right")
    if len(regions) > 1:
        counts.add_column("total", justify="right", style="bold")
    for kind, total in summary["totals"].items():
        row = [str(summary["counts"][r].get(kind, 0) or "") for r in regions]
        counts.add_row(kind, *row, *([str(total)] if len(regions) > 1 else []))
    parts.append(counts)
    if summary["network_interfaces_by_kind"]:
        kinds = ", ".join(f"{k} {n}" for k, n in summary["network_interfaces_by_kind"].items())
        parts.append(Text(f"network interfaces by owner: {kinds}", style="dim"))

    names = Table(title="resources by name", title_justify="left")
    for col in ("name", "type", "id", "region"):
        names.add_column(col)
    shown = 0
    for name, entries in summary["by_name"].items():
        for e in entries:
            if shown < max_names:
                names.add_row(name, e["type"], e["id"], e["region"])
            shown += 1
    parts.append(names)
    if shown > max_names:
        parts.append(Text(f"… and {shown - max_names} more named resources", style="dim"))
    if summary["dns"]:
        dns = Table(title="DNS", title_justify="left")
        dns.add_column("name")
        dns.add_column("addresses")
        for n, addrs in summary["dns"].items():
            dns.add_row(n, ", ".join(addrs))
        parts.append(dns)
    return Group(*parts)
