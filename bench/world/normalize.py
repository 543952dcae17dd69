"""Raw snapshot (AWS responses per Region) -> normalized ``World``.

A snapshot captured from a real account and one built in moto are the same shape, so this is the one
place that knows how AWS lays out its Describe* responses. Per Region, each response is parsed by the
``normalize_*`` modules; then resources are merged across Regions by id (ids are global in AWS; the
few resources both Regions report — cross-Region VPC peerings and TGW peering attachments — keep the
requester's view), and the links AWS leaves implicit are resolved:

* subnet -> route table: the explicit association, else the VPC's main route table;
* subnet -> network ACL: the ACL whose ``Associations`` list the subnet, else the VPC's default ACL;
* ENI -> owner: NAT gateway addresses, interface endpoints' ENI lists, the RDS rule
  (``normalize_link``), Lambda Hyperplane ENIs;
* gateway endpoint -> prefix list: the service's list, else the prefix list of the routes it owns;
* TGW attachment -> route table: ``GetTransitGatewayRouteTableAssociations`` when captured, else the
  attachment's own ``Association`` field.

Everything is sorted, so the same snapshot always gives an equal ``World``. See docs/world-model.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import ValidationError

from bench.world import normalize_compute as compute
from bench.world import normalize_ec2 as ec2
from bench.world import normalize_tgw as tgw
from bench.world.model import (
    IpRange,
    NetworkInterface,
    Subnet,
    TransitGatewayAttachment,
    TransitGatewayRouteTable,
    VpcEndpoint,
    VpcPeeringConnection,
    World,
)
from bench.world.normalize_common import Ctx, build
from bench.world.normalize_link import cluster_dns, link_lambda, link_rds, set_owners
from bench.world.snapshot import SnapshotError

__all__ = ["normalize", "SnapshotError"]

R = TypeVar("R")


def _put(into: dict[str, R], found: Iterable[R]) -> None:
    """Add resources by id; the first Region (sorted order) to report an id wins."""
    for res in found:
        into.setdefault(res.id, res)  # type: ignore[attr-defined]


def _sorted(d: dict[str, R]) -> dict[str, R]:
    keys = list(d)
    order = sorted(keys)  # keys are unique: sorting them alone gives the items' order, ~3x faster
    return d if order == keys else {k: d[k] for k in order}


def _merge_peering(
    into: dict[str, VpcPeeringConnection], found: list[VpcPeeringConnection], region: str
) -> None:
    for p in found:
        have = into.get(p.id)
        if have is None:
            into[p.id] = p
            continue
        # Both Regions report a cross-Region peering; keep the requester Region's record, CIDRs united.
        keep, other = (p, have) if region == p.requester_region else (have, p)
        into[p.id] = keep.model_copy(
            update={
                "requester_cidrs": tuple(sorted(set(keep.requester_cidrs) | set(other.requester_cidrs))),
                "accepter_cidrs": tuple(sorted(set(keep.accepter_cidrs) | set(other.accepter_cidrs))),
            }
        )


def _subnets(raw_subnets: list[dict[str, Any]], world: dict[str, Any], notes: list[str]) -> dict[str, Subnet]:
    """Subnets with their route table and ACL. A partial snapshot (no route tables, no ACLs) still
    loads: the link is None, the engine assumes what AWS guarantees (the local route; for ACLs, none
    known, so none applied) and names the gap in the verdict; every gap is in ``World.notes``."""
    explicit, main = {}, {}
    for t in world["route_tables"].values():
        for sid in t.subnet_ids:
            explicit[sid] = t.id
        if t.is_main:
            main[t.vpc_id] = t.id
    nacl_of, default_nacl = {}, {}
    for n in world["network_acls"].values():
        for sid in n.subnet_ids:
            nacl_of[sid] = n.id
        if n.is_default:
            default_nacl[n.vpc_id] = n.id
    out: dict[str, Subnet] = {}
    no_rtb: list[str] = []
    no_acl: list[str] = []
    for s in raw_subnets:
        if s["id"] in out:
            continue
        if not s.get("cidr"):
            notes.append(f"subnet {s['id']} ({s['region']}) is IPv6-only: not modelled (IPv4 analysis)")
            continue
        rtb = explicit.get(s["id"]) or main.get(s["vpc_id"])
        nacl = nacl_of.get(s["id"]) or default_nacl.get(s["vpc_id"])
        if rtb is None:
            no_rtb.append(s["id"])
        if nacl is None:
            no_acl.append(s["id"])
        out[s["id"]] = build(
            Subnet, **s, route_table_id=rtb, route_table_explicit=s["id"] in explicit, network_acl_id=nacl
        )
    if no_rtb:
        notes.append(
            f"missing route tables: {len(no_rtb)} subnet(s) with no route table association and no main "
            f"route table in the snapshot ({_few(no_rtb)}); only the VPC's local route is assumed"
        )
    if no_acl:
        notes.append(
            f"missing network ACLs: {len(no_acl)} subnet(s) with no network ACL in the snapshot "
            f"({_few(no_acl)}); no ACL is applied to them"
        )
    return out


def _few(ids: list[str]) -> str:
    return ", ".join(sorted(ids)[:5]) + ("..." if len(ids) > 5 else "")


def _dangling(fields: dict[str, Any], notes: list[str]) -> None:
    """Drop what points at a subnet or VPC the world lacks (an IPv6-only subnet, a partial capture), so
    the engine never meets an id it cannot resolve; each drop is noted."""
    subnets, vpcs = fields["subnets"], fields["vpcs"]

    def placed(res: Any) -> bool:
        return res.subnet_id in subnets and (res.vpc_id in vpcs or not vpcs)

    for kind in ("network_interfaces", "instances", "nat_gateways"):
        found = fields[kind]
        if all(map(placed, found.values())):
            continue  # nothing dangles (the usual case): the mapping is kept as it is
        kept = {}
        for rid, res in found.items():
            if placed(res):
                kept[rid] = res
            else:
                notes.append(
                    f"{rid}: its subnet {res.subnet_id} is not in the world (not captured, or IPv6-only); "
                    "left out"
                )
        fields[kind] = kept
    enis = fields["network_interfaces"]
    if not all(e in enis for v in fields["instances"].values() for e in v.eni_ids):
        fields["instances"] = {
            k: v
            if all(e in enis for e in v.eni_ids)
            else v.model_copy(update={"eni_ids": tuple(e for e in v.eni_ids if e in enis)})
            for k, v in fields["instances"].items()
        }
    fields["nat_gateways"] = {k: v for k, v in fields["nat_gateways"].items() if v.eni_id in enis}


def _endpoints(eps: dict[str, VpcEndpoint], route_tables: dict[str, Any]) -> dict[str, VpcEndpoint]:
    """Fill a gateway endpoint's prefix list / route tables from the routes that point at it."""
    via_routes: dict[str, tuple[set[str], set[str]]] = {}
    for t in route_tables.values():
        for r in t.routes:
            if r.target_type == "vpce" and r.target_id in eps:
                pls, tables = via_routes.setdefault(r.target_id, (set(), set()))
                if r.destination_prefix_list_id:
                    pls.add(r.destination_prefix_list_id)
                tables.add(t.id)
    out = {}
    for eid, ep in eps.items():
        pls, tables = via_routes.get(eid, (set(), set()))
        update: dict[str, Any] = {}
        if ep.endpoint_type == "Gateway" and ep.prefix_list_id is None and pls:
            update["prefix_list_id"] = sorted(pls)[0]
        if ep.endpoint_type == "Gateway" and not ep.route_table_ids and tables:
            update["route_table_ids"] = tuple(sorted(tables))
        out[eid] = ep.model_copy(update=update) if update else ep
    return out


def _tgw_links(
    seen: list[tuple[str, TransitGatewayAttachment, bool]],
    tables: dict[str, TransitGatewayRouteTable],
    authoritative_regions: set[str],
) -> tuple[dict[str, TransitGatewayAttachment], dict[str, TransitGatewayRouteTable]]:
    tables = dict(tables)
    # Regions without GetTransitGatewayRouteTableAssociations: the attachment's Association field.
    for region, att, _ in seen:
        rtb = att.association_route_table_id
        if region not in authoritative_regions and rtb in tables:
            t = tables[rtb]
            if att.id not in t.association_attachment_ids:
                ids = tuple(sorted({*t.association_attachment_ids, att.id}))
                tables[rtb] = t.model_copy(update={"association_attachment_ids": ids})
    assoc_of = {
        (t.transit_gateway_id, aid): t.id for t in tables.values() for aid in t.association_attachment_ids
    }
    atts: dict[str, TransitGatewayAttachment] = {}
    for _region, att, _requester in sorted(seen, key=lambda x: (not x[2], x[0])):
        if att.id in atts:
            continue
        atts[att.id] = att.model_copy(
            update={"association_route_table_id": assoc_of.get((att.transit_gateway_id, att.id))}
        )
    # Peerings reported under two ids (one per side) point at each other.
    by_pair: dict[frozenset[str], list[str]] = {}
    for att in atts.values():
        if att.resource_type == "peering" and att.peer_transit_gateway_id:
            by_pair.setdefault(frozenset((att.transit_gateway_id, att.peer_transit_gateway_id)), []).append(
                att.id
            )
    for ids in by_pair.values():
        if len(ids) == 2:
            a, b = sorted(ids)
            atts[a] = atts[a].model_copy(update={"peer_attachment_id": b})
            atts[b] = atts[b].model_copy(update={"peer_attachment_id": a})
    return atts, tables


def _owners(fields: dict[str, Any], owners: Any, source: str | None) -> None:
    """A multi-account import's ``owners`` (resource id -> account id) onto each resource."""
    if not owners:
        return
    if not isinstance(owners, dict):
        raise SnapshotError(
            f"{source + ': ' if source else ''}field 'owners' must map resource id -> account id"
        )
    for kind, value in fields.items():
        if isinstance(value, dict) and kind != "dns":
            fields[kind] = {
                k: v.model_copy(update={"owner_id": str(owners[k])})
                if k in owners and hasattr(v, "owner_id")
                else v
                for k, v in value.items()
            }


def _provenance_list(values: Any) -> tuple[str, ...]:
    out = []
    for v in values or []:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict) and isinstance(v.get("name") or v.get("id"), str):
            out.append(v.get("name") or v.get("id"))
        else:
            out.append(json.dumps(v, sort_keys=True))
    return tuple(out)


def _dns(raw: dict[str, Any], source: str | None) -> dict[str, tuple[str, ...]]:
    dns = raw.get("dns") or {}
    if not isinstance(dns, dict):
        raise SnapshotError(f"{source + ': ' if source else ''}field 'dns' must map name -> addresses")
    out: dict[str, set[str]] = {}
    for name, addrs in dns.items():
        if isinstance(addrs, str) or not isinstance(addrs, list):
            raise SnapshotError(f"{source + ': ' if source else ''}dns.{name}: expected a list of addresses")
        out.setdefault(str(name).lower().rstrip("."), set()).update(str(a) for a in addrs)
    return {k: tuple(sorted(v)) for k, v in sorted(out.items())}


def _ip_ranges(raw: dict[str, Any], source: str | None) -> tuple[IpRange, ...]:
    doc = raw.get("ip_ranges") or {}
    try:
        found = {
            (str(p["ip_prefix"]), str(p["region"]), str(p["service"]), p.get("network_border_group"))
            for p in doc.get("prefixes") or []
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise SnapshotError(f"{source + ': ' if source else ''}ip_ranges.prefixes: {exc!r}") from None
    return tuple(
        build(IpRange, prefix=p, region=r, service=s, network_border_group=n)
        for p, r, s, n in sorted(found, key=lambda x: (x[0], x[1], x[2], x[3] or ""))
    )


_KINDS = (
    "vpcs",
    "route_tables",
    "network_acls",
    "security_groups",
    "network_interfaces",
    "instances",
    "autoscaling_groups",
    "internet_gateways",
    "nat_gateways",
    "vpc_endpoints",
    "vpc_peering_connections",
    "transit_gateways",
    "transit_gateway_route_tables",
    "vpn_gateways",
    "prefix_lists",
)


def normalize(raw: dict[str, Any], source: str | None = None) -> World:
    """Build the normalized ``World`` from a raw snapshot (``snapshot.read_snapshot`` layout).

    ``source`` (usually the file path) prefixes error messages. Missing optional sections are empty;
    a malformed one raises ``SnapshotError`` naming the file, Region, key, item and reason.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("regions"), dict):
        raise SnapshotError(
            f"{source + ': ' if source else ''}field 'regions' must map Region code to responses"
        )
    w: dict[str, dict[str, Any]] = {k: {} for k in _KINDS}
    raw_subnets: list[dict[str, Any]] = []
    dbs: list[dict[str, Any]] = []
    functions: list[dict[str, Any]] = []
    clusters: list[dict[str, Any]] = []
    seen_atts: list[tuple[str, TransitGatewayAttachment, bool]] = []
    authoritative: set[str] = set()
    for region in sorted(raw["regions"]):
        section = raw["regions"][region]
        ctx = Ctx(source, region)
        if not isinstance(section, dict):
            raise ctx.error("expected an object mapping '<service>:<Operation>' to the response")
        pls, by_service = ec2.prefix_lists(ctx, section)
        _put(w["prefix_lists"], pls)
        _put(w["vpcs"], ec2.vpcs(ctx, section))
        raw_subnets.extend(ec2.subnets_raw(ctx, section))
        _put(w["route_tables"], ec2.route_tables(ctx, section))
        _put(w["network_acls"], ec2.network_acls(ctx, section))
        _put(w["security_groups"], ec2.security_groups(ctx, section))
        _put(w["network_interfaces"], compute.network_interfaces(ctx, section))
        _put(w["instances"], compute.instances(ctx, section))
        _put(w["autoscaling_groups"], compute.autoscaling_groups(ctx, section))
        _put(w["internet_gateways"], ec2.internet_gateways(ctx, section))
        _put(w["nat_gateways"], ec2.nat_gateways(ctx, section))
        _put(w["vpc_endpoints"], ec2.vpc_endpoints(ctx, section, by_service))
        _merge_peering(w["vpc_peering_connections"], ec2.peering_connections(ctx, section), region)
        _put(w["vpn_gateways"], ec2.vpn_gateways(ctx, section))
        _put(w["transit_gateways"], tgw.transit_gateways(ctx, section))
        seen_atts.extend((region, a, req) for a, req in tgw.attachments(ctx, section))
        tables, has_assoc = tgw.route_tables(ctx, section)
        _put(w["transit_gateway_route_tables"], tables)
        if has_assoc:
            authoritative.add(region)
        dbs.extend(compute.db_instances_raw(ctx, section))
        clusters.extend(compute.db_clusters_raw(ctx, section))
        functions.extend(compute.lambda_functions_raw(ctx, section))

    try:
        return _link(raw, source, w, raw_subnets, dbs, functions, seen_atts, authoritative, clusters)
    except ValidationError as exc:  # a value the parsers passed through that the model refuses
        raise SnapshotError(f"{source + ': ' if source else ''}{exc}") from None


def _link(
    raw: dict[str, Any],
    source: str | None,
    w: dict[str, dict[str, Any]],
    raw_subnets: list[dict[str, Any]],
    dbs: list[dict[str, Any]],
    functions: list[dict[str, Any]],
    seen_atts: list[tuple[str, TransitGatewayAttachment, bool]],
    authoritative: set[str],
    clusters: list[dict[str, Any]],
) -> World:
    """Second phase: resolve the implicit links and assemble the World."""
    notes = list(_provenance_list((raw.get("provenance") or {}).get("notes")))
    dns = _dns(raw, source)
    subnets = _subnets(raw_subnets, w, notes)
    endpoints = _endpoints(w["vpc_endpoints"], w["route_tables"])
    atts, tgw_tables = _tgw_links(seen_atts, w["transit_gateway_route_tables"], authoritative)

    enis: dict[str, NetworkInterface] = w["network_interfaces"]
    owners: dict[str, tuple[str, str]] = {}
    for n in w["nat_gateways"].values():
        owners[n.eni_id] = ("nat_gateway", n.id)
    for ep in endpoints.values():
        for eni_id in ep.eni_ids:
            owners[eni_id] = ("vpc_endpoint", ep.id)
    enis = set_owners(enis, owners)
    db_instances, db_enis = link_rds(dbs, enis, subnets, dns, notes)
    dns = cluster_dns(clusters, db_instances, dns)
    lambdas, lambda_enis = link_lambda(functions, enis)
    enis = set_owners(
        enis,
        {**{k: ("rds", v) for k, v in db_enis.items()}, **{k: ("lambda", v) for k, v in lambda_enis.items()}},
    )

    provenance = raw.get("provenance") or {}
    replaced = ("vpc_endpoints", "network_interfaces", "transit_gateway_route_tables")
    fields: dict[str, Any] = {k: _sorted(v) for k, v in w.items() if k not in replaced}
    fields.update(
        subnets=_sorted(subnets),
        vpc_endpoints=_sorted(endpoints),
        network_interfaces=_sorted(enis),
        transit_gateway_attachments=_sorted(atts),
        transit_gateway_route_tables=_sorted(tgw_tables),
        db_instances=_sorted(db_instances),
        other_resources=_sorted(lambdas),
        dns=dns,
        ip_ranges=_ip_ranges(raw, source),
        faults=_provenance_list(provenance.get("faults")),
        notes=tuple(notes),
    )
    _dangling(fields, notes)
    fields["notes"] = tuple(notes)
    _owners(fields, raw.get("owners"), source)
    return build(
        World,
        name=str(raw.get("name") or (source or "world")),
        account_id=str(raw.get("account_id") or ""),
        regions=tuple(sorted(raw["regions"])),
        **fields,
    )
