"""AWS CLI output as users have it -> a world snapshot (``reachbench worlds import DIR``).

A user's capture is a folder of JSON files, one per describe call, as ``aws ec2 describe-vpcs > Vpcs.json``
writes them. File names vary (``Vpcs.json``, ``describe-vpcs.json``, ``vpcs-prod.json``), so each file is
recognised by the response's **top-level key** (``Vpcs``, ``Reservations``, ``RouteTables`` ...), never by
its name. Three layouts are read:

* flat: the files directly in DIR (or in ``DIR/aws_configs``), one Region (taken from the subnets'
  Availability Zones, or ``--region``);
* one folder per Region: ``DIR/us-east-1/*.json``, ``DIR/eu-west-1/*.json``;
* several accounts: ``DIR/accounts/<account id>/<region>/*.json``.

Several accounts' responses for one Region are concatenated (AWS ids are global); each resource keeps
the account that reported it in ``owners`` (``World`` resources' ``owner_id``). Responses the engine
does not model (load balancers, Direct Connect, OpenSearch domains) are listed in the world's notes, and
files that are not AWS responses are reported, never fatal. Output is a snapshot as ``worlds read``
writes it, so both give the same world for the same account (docs/world-model.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.aws.regions import all_regions
from bench.world.reader import clean
from bench.world.snapshot import FORMAT, SNAPSHOT_SCHEMA_VERSION, SnapshotError

# Top-level key of a response -> the snapshot key of the call that returns it.
REGION_KEYS: dict[str, str] = {
    "Vpcs": "ec2:DescribeVpcs",
    "Subnets": "ec2:DescribeSubnets",
    "RouteTables": "ec2:DescribeRouteTables",
    "NetworkAcls": "ec2:DescribeNetworkAcls",
    "SecurityGroups": "ec2:DescribeSecurityGroups",
    "NetworkInterfaces": "ec2:DescribeNetworkInterfaces",
    "Reservations": "ec2:DescribeInstances",
    "InternetGateways": "ec2:DescribeInternetGateways",
    "NatGateways": "ec2:DescribeNatGateways",
    "VpcEndpoints": "ec2:DescribeVpcEndpoints",
    "VpcPeeringConnections": "ec2:DescribeVpcPeeringConnections",
    "TransitGateways": "ec2:DescribeTransitGateways",
    "TransitGatewayAttachments": "ec2:DescribeTransitGatewayAttachments",
    "TransitGatewayVpcAttachments": "ec2:DescribeTransitGatewayVpcAttachments",
    "TransitGatewayPeeringAttachments": "ec2:DescribeTransitGatewayPeeringAttachments",
    "TransitGatewayRouteTables": "ec2:DescribeTransitGatewayRouteTables",
    "VpnGateways": "ec2:DescribeVpnGateways",
    "VpnConnections": "ec2:DescribeVpnConnections",
    "CustomerGateways": "ec2:DescribeCustomerGateways",
    "DBInstances": "rds:DescribeDBInstances",
    "DBSubnetGroups": "rds:DescribeDBSubnetGroups",
    "DBClusters": "rds:DescribeDBClusters",
    "AutoScalingGroups": "autoscaling:DescribeAutoScalingGroups",
    "Functions": "lambda:ListFunctions",
}
# Per-route-table lists some tools write as one file: ``[{"TransitGatewayRouteTableId": ..., <body>}]``.
PER_TABLE_KEYS: dict[str, str] = {
    "TransitGatewayStaticRoutes": "ec2:SearchTransitGatewayRoutes",
    "TransitGatewayRoutes": "ec2:SearchTransitGatewayRoutes",
    "TransitGatewayPropagations": "ec2:GetTransitGatewayRouteTablePropagations",
    "TransitGatewayAssociations": "ec2:GetTransitGatewayRouteTableAssociations",
    # ``[{"PrefixListId": ..., "Entries": [...]}]``: get-managed-prefix-list-entries per list.
    "ManagedPrefixListEntries": "ec2:GetManagedPrefixListEntries",
}
# Services in the capture that reachability here does not analyse: named in the world's notes.
NOT_MODELLED: dict[str, str] = {
    "LoadBalancers": "Elastic Load Balancing load balancers",
    "LoadBalancerDescriptions": "Classic Load Balancers",
    "TargetGroups": "Elastic Load Balancing target groups",
    "LoadBalancerListeners": "Elastic Load Balancing listeners",
    "Listeners": "Elastic Load Balancing listeners",
    "DirectConnectGateways": "Direct Connect gateways",
    "DirectConnectGatewayAssociations": "Direct Connect gateway associations",
    "VirtualInterfaces": "Direct Connect virtual interfaces",
    "Connections": "Direct Connect connections",
    "DomainStatusList": "OpenSearch (Elasticsearch) domains",
    "NetworkFirewalls": "AWS Network Firewall",
    "FirewallPolicies": "AWS Network Firewall policies",
    "ServiceNetworks": "VPC Lattice service networks",
    "CacheClusters": "ElastiCache clusters",
}
# Responses that describe nothing the world needs (read, recognised, not noted).
IGNORED = frozenset(
    {
        "AvailabilityZones",
        "DhcpOptions",
        "Tags",
        "Addresses",
        "PlacementGroups",
        "Hosts",
        "InstanceStatuses",
        "MovingAddressStatuses",
        "ServiceNames",
        "ServiceDetails",
        "Instances",
        "LoadBalancerAttributes",
        "LoadBalancerTargetHealth",
        "TargetHealthDescriptions",
        "KeyPairs",
        "Images",
        "Volumes",
    }
)


@dataclass
class Imported:
    """The snapshot built from a folder, with what was read and what was not."""

    raw: dict[str, Any]
    files: list[str] = field(default_factory=list)  # read, relative to the folder
    skipped: list[str] = field(default_factory=list)  # "file: reason"
    not_modelled: list[str] = field(default_factory=list)
    # (Region, "service:Operation") -> the files that fed it, to name them in errors.
    origin: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def files_of(self, message: str) -> list[str]:
        """The files behind the section a normalization error names (``regions.<R>.<call>``)."""
        m = re.search(r"regions\.([a-z0-9-]+)\.([a-z0-9-]+:[A-Za-z]+)", message)
        return self.origin.get((m.group(1), m.group(2)), []) if m else []


def _is_region(name: str) -> bool:
    return name in all_regions()


def _layout(root: Path) -> list[tuple[str | None, str | None, Path]]:
    """(account, region or None, folder) for each folder of JSON files."""
    if (root / "aws_configs").is_dir() and not any(root.glob("*.json")):
        root = root / "aws_configs"
    found: list[tuple[str | None, str | None, Path]] = []
    accounts = root / "accounts"
    if accounts.is_dir():
        for acc in sorted(p for p in accounts.iterdir() if p.is_dir()):
            for reg in sorted(p for p in acc.iterdir() if p.is_dir()):
                found.append((acc.name, reg.name, reg))
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and _is_region(p.name)):
        found.append((None, sub.name, sub))
    if any(root.glob("*.json")):
        found.append((None, None, root))
    return found


def _region_of(bodies: dict[str, Any]) -> str | None:
    zones = set()
    for s in (bodies.get("ec2:DescribeSubnets") or {}).get("Subnets", []):
        if isinstance(s, dict) and isinstance(s.get("AvailabilityZone"), str):
            zones.add(s["AvailabilityZone"])
    for z in bodies.get("_zones", []):
        zones.add(z)
    regions = {re.sub(r"[a-z]$", "", z) for z in zones}
    regions = {r for r in regions if _is_region(r)}
    return sorted(regions)[0] if len(regions) == 1 else None


_OWN_ID = {
    "ec2:DescribeVpcs": "VpcId",
    "ec2:DescribeSubnets": "SubnetId",
    "ec2:DescribeRouteTables": "RouteTableId",
    "ec2:DescribeNetworkAcls": "NetworkAclId",
    "ec2:DescribeSecurityGroups": "GroupId",
    "ec2:DescribeNetworkInterfaces": "NetworkInterfaceId",
    "ec2:DescribeInternetGateways": "InternetGatewayId",
    "ec2:DescribeNatGateways": "NatGatewayId",
    "ec2:DescribeVpcEndpoints": "VpcEndpointId",
    "ec2:DescribeVpcPeeringConnections": "VpcPeeringConnectionId",
    "ec2:DescribeTransitGateways": "TransitGatewayId",
    "ec2:DescribeTransitGatewayAttachments": "TransitGatewayAttachmentId",
    "ec2:DescribeTransitGatewayRouteTables": "TransitGatewayRouteTableId",
    "ec2:DescribeVpnGateways": "VpnGatewayId",
    "rds:DescribeDBInstances": "DBInstanceIdentifier",
    "rds:DescribeDBClusters": "DBClusterIdentifier",
}


def _own_ids(key: str, body: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(id, the owner account the item names, if any) of each resource a response lists."""
    field_name = _OWN_ID.get(key)
    items = body.get(next(iter(body), ""), []) if body else []
    if key == "ec2:DescribeInstances":
        return [
            (i["InstanceId"], r.get("OwnerId"))
            for r in items
            if isinstance(r, dict)
            for i in r.get("Instances") or []
            if isinstance(i, dict) and isinstance(i.get("InstanceId"), str)
        ]
    if field_name is None or not isinstance(items, list):
        return []
    return [
        (i[field_name], i.get("OwnerId") if isinstance(i.get("OwnerId"), str) else None)
        for i in items
        if isinstance(i, dict) and isinstance(i.get(field_name), str)
    ]


def _read_folder(folder: Path, root: Path, out: Imported) -> dict[str, Any]:
    bodies: dict[str, Any] = {}
    seen: dict[str, list[str]] = bodies.setdefault("_origin", {})
    for path in sorted(folder.glob("*.json")):
        rel = str(path.relative_to(root))
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            out.skipped.append(f"{rel}: cannot read ({type(exc).__name__})")
            continue
        except json.JSONDecodeError as exc:
            out.skipped.append(f"{rel}: line {exc.lineno}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(doc, dict):
            out.skipped.append(f"{rel}: not an AWS response (top level is not an object)")
            continue
        doc = {k: v for k, v in doc.items() if k not in ("ResponseMetadata", "NextToken")}
        keys = sorted(doc)
        recognised = False
        for key in keys:
            if key in REGION_KEYS:
                recognised = True
                _merge(bodies, REGION_KEYS[key], {key: doc[key]})
                seen.setdefault(REGION_KEYS[key], []).append(rel)
            elif key == "PrefixLists":
                recognised = True
                items = doc[key] if isinstance(doc[key], list) else []
                service = [p for p in items if isinstance(p, dict) and "Cidrs" in p]
                managed = [p for p in items if isinstance(p, dict) and "Cidrs" not in p]
                if service:
                    _merge(bodies, "ec2:DescribePrefixLists", {key: service})
                if managed:
                    _merge(bodies, "ec2:DescribeManagedPrefixLists", {key: managed})
            elif key in PER_TABLE_KEYS:
                recognised = True
                per = bodies.setdefault(PER_TABLE_KEYS[key], {})
                id_field = (
                    "PrefixListId" if key == "ManagedPrefixListEntries" else "TransitGatewayRouteTableId"
                )
                for entry in doc[key] if isinstance(doc[key], list) else []:
                    rtb = entry.get(id_field) if isinstance(entry, dict) else None
                    if isinstance(rtb, str):
                        body = {k: v for k, v in entry.items() if k != id_field}
                        have = per.setdefault(rtb, {})
                        for k, v in body.items():
                            if isinstance(v, list):
                                have.setdefault(k, []).extend(v)
                            else:
                                have.setdefault(k, v)
            elif key in NOT_MODELLED:
                recognised = True
                count = len(doc[key]) if isinstance(doc[key], list) else 0
                if count:
                    out.not_modelled.append(f"{NOT_MODELLED[key]} ({count}, {rel})")
            elif key in IGNORED:
                recognised = True
                if key == "AvailabilityZones" and isinstance(doc[key], list):
                    bodies.setdefault("_zones", []).extend(
                        z.get("ZoneName") for z in doc[key] if isinstance(z, dict) and z.get("ZoneName")
                    )
        if recognised:
            out.files.append(rel)
        else:
            out.skipped.append(f"{rel}: not a recognised AWS response (top-level keys {keys[:4]})")
    return bodies


def _merge(bodies: dict[str, Any], call: str, body: dict[str, Any]) -> None:
    have = bodies.setdefault(call, {})
    for k, v in body.items():
        if isinstance(v, list):
            have.setdefault(k, []).extend(v)
        else:
            have[k] = v


def import_folder(
    folder: str | Path, name: str | None = None, region: str | None = None, account: str | None = None
) -> Imported:
    """Read ``folder`` (see the module docstring) into a snapshot. ``SnapshotError`` when nothing in it
    is an AWS response, or a flat folder's Region cannot be told (then pass ``region``)."""
    root = Path(folder)
    if not root.is_dir():
        raise SnapshotError(f"{root}: not a folder")
    out = Imported(raw={})
    regions: dict[str, dict[str, Any]] = {}
    owners: dict[str, str] = {}
    accounts: list[str] = []
    for acc, reg, sub in _layout(root):
        bodies = _read_folder(sub, root, out)
        zones = bodies.pop("_zones", [])
        origin = bodies.pop("_origin", {})
        if not bodies:
            continue  # nothing this folder holds is part of a world
        here = reg or region or _region_of({**bodies, "_zones": zones})
        if here is None:
            raise SnapshotError(
                f"{sub}: cannot tell the Region of a flat folder (no subnet names an Availability Zone); "
                "pass --region"
            )
        if not _is_region(here):
            raise SnapshotError(f"{sub}: {here!r} is not an AWS Region code")
        section = regions.setdefault(here, {})
        for call, files in origin.items():
            out.origin.setdefault((here, call), []).extend(files)
        for call, body in bodies.items():
            if call.startswith(("ec2:Search", "ec2:Get")):
                per = section.setdefault(call, {})
                for rid, b in body.items():
                    per.setdefault(rid, {})
                    for k, v in b.items():
                        if isinstance(v, list):
                            per[rid].setdefault(k, []).extend(v)
                        else:
                            per[rid][k] = v
            else:
                _merge(section, call, body)
                if acc:  # a shared resource (a TGW shared through RAM) names its owner itself
                    for rid, owner in _own_ids(call, body):
                        owners[rid] = owner or owners.get(rid) or acc
        if acc and acc not in accounts:
            accounts.append(acc)
    if not out.files:
        raise SnapshotError(f"{root}: no AWS CLI response found (files are matched by their top-level key)")
    account_id = account or (accounts[0] if len(accounts) == 1 else "")
    if not account_id:
        account_id = _account_from(regions) or ("+".join(accounts) if accounts else "")
    notes = [f"not modelled: {n}" for n in sorted(out.not_modelled)]
    if len(accounts) > 1:
        notes.append(f"accounts: {', '.join(accounts)}")
    raw: dict[str, Any] = {
        "format": FORMAT,
        "schema_version": SNAPSHOT_SCHEMA_VERSION,
        "name": name or root.resolve().name,
        "account_id": account_id,
        "regions": {r: clean(regions[r]) for r in sorted(regions)},
        "provenance": {
            "source": "reachbench worlds import",
            "regions": sorted(regions),
            "files": sorted(out.files),
            "skipped": sorted(out.skipped),
            "notes": notes,
        },
    }
    if len(accounts) > 1:
        raw["owners"] = dict(sorted(owners.items()))
    out.raw = raw
    return out


def _account_from(regions: dict[str, dict[str, Any]]) -> str | None:
    for section in regions.values():
        for v in (section.get("ec2:DescribeVpcs") or {}).get("Vpcs", []):
            if isinstance(v, dict) and isinstance(v.get("OwnerId"), str):
                return str(v["OwnerId"])
    return None


def export_folder(raw: dict[str, Any], folder: str | Path) -> list[Path]:
    """Write a snapshot's Region-wide responses as AWS CLI files, one folder per Region
    (``<Region>/<TopLevelKey>.json``), per-table TGW calls as the per-table list files: what
    ``import_folder`` reads back (the round-trip test)."""
    root = Path(folder)
    written: list[Path] = []
    by_call = {v: k for k, v in REGION_KEYS.items()}
    by_call["ec2:DescribePrefixLists"] = "PrefixLists"
    per_table = {
        "ec2:SearchTransitGatewayRoutes": "TransitGatewayRoutes",
        "ec2:GetTransitGatewayRouteTablePropagations": "TransitGatewayPropagations",
        "ec2:GetTransitGatewayRouteTableAssociations": "TransitGatewayAssociations",
        "ec2:GetManagedPrefixListEntries": "ManagedPrefixListEntries",
    }
    for region, section in sorted(raw["regions"].items()):
        d = root / region
        d.mkdir(parents=True, exist_ok=True)
        managed = (section.get("ec2:DescribeManagedPrefixLists") or {}).get("PrefixLists", [])
        for call, body in sorted(section.items()):
            if call in per_table:
                id_field = (
                    "PrefixListId"
                    if call == "ec2:GetManagedPrefixListEntries"
                    else "TransitGatewayRouteTableId"
                )
                items = [{id_field: rid, **b} for rid, b in sorted(body.items())]
                doc: dict[str, Any] = {per_table[call]: items}
                fname = per_table[call]
            elif call == "ec2:DescribePrefixLists":
                doc = {"PrefixLists": [*body.get("PrefixLists", []), *managed]}
                fname = "PrefixLists"
            elif call in by_call:
                doc, fname = body, by_call[call]
            else:
                continue
            path = d / f"{fname}.json"
            path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            written.append(path)
        if managed and "ec2:DescribePrefixLists" not in section:
            path = d / "PrefixLists.json"
            path.write_text(json.dumps({"PrefixLists": managed}, indent=1, sort_keys=True) + "\n", "utf-8")
            written.append(path)
    return written
