"""Read an account's network into the snapshot's ``regions`` section, read-only.

The same code reads moto (the scenario builder) and a real account (``reachbench worlds read``), so a
captured account is a world exactly like a built one. Every client goes through the read-only guard
(``bench.world.readonly``); calls are paginated and pages merged; ``ResponseMetadata``, pagination
tokens and timestamps are dropped and every list is put in a canonical order, so reading the same state
twice gives the same bytes.

Keys are ``"<service>:<Operation>"`` with the response body (``docs/contracts.md``); calls made once per
resource (TGW route searches, association/propagation lists, prefix-list entries) map the resource id to
the response body.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bench.world.readonly import read_only_client

log = logging.getLogger(__name__)

# (service, operation): the Region-wide calls, in reading order.
REGION_CALLS: tuple[tuple[str, str], ...] = (
    ("ec2", "DescribeVpcs"),
    ("ec2", "DescribeSubnets"),
    ("ec2", "DescribeRouteTables"),
    ("ec2", "DescribeNetworkAcls"),
    ("ec2", "DescribeSecurityGroups"),
    ("ec2", "DescribeNetworkInterfaces"),
    ("ec2", "DescribeInstances"),
    ("ec2", "DescribeInternetGateways"),
    ("ec2", "DescribeNatGateways"),
    ("ec2", "DescribeVpcEndpoints"),
    ("ec2", "DescribeVpcPeeringConnections"),
    ("ec2", "DescribeTransitGateways"),
    ("ec2", "DescribeTransitGatewayAttachments"),
    ("ec2", "DescribeTransitGatewayVpcAttachments"),
    ("ec2", "DescribeTransitGatewayPeeringAttachments"),
    ("ec2", "DescribeTransitGatewayRouteTables"),
    ("ec2", "DescribeVpnGateways"),
    ("ec2", "DescribeVpnConnections"),
    ("ec2", "DescribeCustomerGateways"),
    ("ec2", "DescribeManagedPrefixLists"),
    ("ec2", "DescribePrefixLists"),
    ("rds", "DescribeDBInstances"),
    ("rds", "DescribeDBSubnetGroups"),
    ("autoscaling", "DescribeAutoScalingGroups"),
    ("lambda", "ListFunctions"),
)

# (service, operation): the calls made per resource (keyed by its id), and the account id.
RESOURCE_CALLS: tuple[tuple[str, str], ...] = (
    ("ec2", "SearchTransitGatewayRoutes"),
    ("ec2", "GetTransitGatewayRouteTableAssociations"),
    ("ec2", "GetTransitGatewayRouteTablePropagations"),
    ("ec2", "GetManagedPrefixListEntries"),
    ("rds", "DescribeDBClusters"),  # only when a DB instance belongs to an Aurora cluster
)
ACCOUNT_CALLS: tuple[tuple[str, str], ...] = (("sts", "GetCallerIdentity"),)
#: The read-only guard's allow-list (bench.world.readonly): exactly the operations this module calls.
READ_OPERATIONS: frozenset[tuple[str, str]] = frozenset(REGION_CALLS + RESOURCE_CALLS + ACCOUNT_CALLS)

# Keys whose values are volatile (times, revision tokens) and never describe the network.
VOLATILE_KEYS = frozenset({"ResponseMetadata", "NextToken", "Marker", "NextMarker", "LastModified"})

# Error codes that mean "this account/Region cannot answer this call": skipped, reported, not fatal.
SKIPPABLE_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnsupportedOperation",
        "InvalidAction",
        "OptInRequired",
        "UnrecognizedClientException",
    }
)


def clean(value: Any) -> Any:
    """Strip volatile keys and timestamps; order lists canonically (AWS lists are unordered sets)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in VOLATILE_KEYS or isinstance(item, _dt.datetime | _dt.date):
                continue
            out[key] = clean(item)
        return out
    if isinstance(value, list):
        items = [clean(v) for v in value]
        return sorted(items, key=_sort_key)
    return value


def _sort_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, default=str)


def _call(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    """One operation, every page merged."""
    method = _snake(operation)
    if client.can_paginate(method):
        return client.get_paginator(method).paginate(**params).build_full_result()
    return getattr(client, method)(**params)


def _snake(operation: str) -> str:
    out = []
    for i, ch in enumerate(operation):
        if (
            ch.isupper()
            and i
            and (not operation[i - 1].isupper() or (i + 1 < len(operation) and operation[i + 1].islower()))
        ):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


class _RegionReader:
    def __init__(self, session: Any, region: str, on_skip: Callable[[str, str], None]) -> None:
        self.session = session
        self.region = region
        self.on_skip = on_skip
        self.clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = read_only_client(self.session, service, self.region)
        return self.clients[service]

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any] | None:
        try:
            return clean(_call(self.client(service), operation, **params))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in SKIPPABLE_CODES:
                self.on_skip(f"{service}:{operation}", f"{self.region}: {code}")
                return None
            raise
        except BotoCoreError as exc:  # e.g. a service without an endpoint in this Region
            self.on_skip(f"{service}:{operation}", f"{self.region}: {type(exc).__name__}")
            return None

    def read(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for service, operation in REGION_CALLS:
            body = self.call(service, operation)
            if body is not None:
                out[f"{service}:{operation}"] = body
        self._per_resource(out)
        return out

    def _per_resource(self, out: dict[str, Any]) -> None:
        tables = out.get("ec2:DescribeTransitGatewayRouteTables", {}).get("TransitGatewayRouteTables", [])
        searches: dict[str, Any] = {}
        assocs: dict[str, Any] = {}
        props: dict[str, Any] = {}
        for table in tables:
            rtb = table["TransitGatewayRouteTableId"]
            body = self.call(
                "ec2",
                "SearchTransitGatewayRoutes",
                TransitGatewayRouteTableId=rtb,
                Filters=[{"Name": "type", "Values": ["static", "propagated"]}],
            )
            if body is not None:
                searches[rtb] = body
            body = self.call("ec2", "GetTransitGatewayRouteTableAssociations", TransitGatewayRouteTableId=rtb)
            if body is not None:
                assocs[rtb] = body
            body = self.call("ec2", "GetTransitGatewayRouteTablePropagations", TransitGatewayRouteTableId=rtb)
            if body is not None:
                props[rtb] = body
        entries: dict[str, Any] = {}
        for plist in out.get("ec2:DescribeManagedPrefixLists", {}).get("PrefixLists", []):
            pl_id = plist["PrefixListId"]
            body = self.call("ec2", "GetManagedPrefixListEntries", PrefixListId=pl_id)
            if body is not None:
                entries[pl_id] = body
        # Aurora: the cluster endpoints (writer, reader) are the cluster's, not an instance's; read only
        # when some DB instance belongs to a cluster, so snapshots without Aurora stay as they were.
        dbs = out.get("rds:DescribeDBInstances", {}).get("DBInstances", [])
        if any(d.get("DBClusterIdentifier") for d in dbs):
            body = self.call("rds", "DescribeDBClusters")
            if body is not None:
                out["rds:DescribeDBClusters"] = body
        for key, value in (
            ("ec2:SearchTransitGatewayRoutes", searches),
            ("ec2:GetTransitGatewayRouteTableAssociations", assocs),
            ("ec2:GetTransitGatewayRouteTablePropagations", props),
            ("ec2:GetManagedPrefixListEntries", entries),
        ):
            if value:
                out[key] = value


def read_account(
    session: Any,
    regions: Iterable[str],
    on_skip: Callable[[str, str], None] | None = None,
) -> dict[str, Any]:
    """The ``regions`` section of a snapshot: Region code -> ``{"service:Operation": body}``.

    ``on_skip(call, reason)`` hears about calls the account refused (no permission, service not in the
    Region); by default they are logged as warnings. Credentials are never logged.
    """

    def _default_skip(call: str, reason: str) -> None:
        log.warning("skipped %s (%s)", call, reason)

    return {
        region: _RegionReader(session, region, on_skip or _default_skip).read()
        for region in sorted(set(regions))
    }


def account_id(session: Any, region: str) -> str:
    """The account id, read-only (STS GetCallerIdentity); used to name a captured world."""
    return str(read_only_client(session, "sts", region).get_caller_identity()["Account"])
