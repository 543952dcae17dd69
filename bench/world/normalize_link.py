"""Cross-section links that AWS leaves implicit: which ENI is an RDS instance's, which is a Lambda's,
and which resource owns each managed ENI.

RDS ENI rule (DescribeDBInstances names no ENI; AWS gives the DB's ENI the description
"RDSNetworkInterface", requester "amazon-rds", the DB's VPC security groups, and a subnet of its DB
subnet group). Candidates are RDS-kind ENIs in the DB's VPC and subnet group that no other DB has
claimed. Preference, in order:
  1. the ENI whose private IP is what the snapshot's DNS table gives for the DB's endpoint address;
  2. an ENI whose group set equals the DB's ``VpcSecurityGroups`` and whose subnet is in the DB's
     ``AvailabilityZone`` (the primary's AZ);
  3. an ENI whose group set equals the DB's groups;
  4. any remaining candidate.
Ties break by ENI id; DBs are linked in identifier order, so the result is deterministic. A DB with no
candidate is left out of the world with a note (the engine cannot place it).
"""

from __future__ import annotations

from typing import Any

from bench.world.model import DbInstance, NetworkInterface, OtherResource, Subnet
from bench.world.normalize_common import build


def link_rds(
    dbs: list[dict[str, Any]],
    enis: dict[str, NetworkInterface],
    subnets: dict[str, Subnet],
    dns: dict[str, tuple[str, ...]],
    notes: list[str],
) -> tuple[dict[str, DbInstance], dict[str, str]]:
    """DB instances with their ENI; also ``eni id -> DB identifier`` for the ENIs' ``attached_to``."""
    rds_enis = sorted((e for e in enis.values() if e.kind == "rds"), key=lambda e: e.id)
    claimed: dict[str, str] = {}
    out: dict[str, DbInstance] = {}
    for db in sorted(dbs, key=lambda d: d["id"]):
        in_group = set(db["subnet_ids"])
        cands = [
            e
            for e in rds_enis
            if e.id not in claimed and e.vpc_id == db["vpc_id"] and (not in_group or e.subnet_id in in_group)
        ]
        addrs = set(dns.get(str(db.get("endpoint_address") or "").lower().rstrip("."), ()))
        groups = set(db["group_ids"])
        az = db.get("_az")

        def rank(e: NetworkInterface, addrs=addrs, groups=groups, az=az) -> tuple[int, str]:
            if addrs & set(e.private_ips):
                return 0, e.id
            same_groups = set(e.group_ids) == groups
            sub = subnets.get(e.subnet_id)
            if same_groups and az and sub is not None and sub.availability_zone == az:
                return 1, e.id
            return (2 if same_groups else 3), e.id

        if not cands:
            notes.append(
                f"rds {db['id']} ({db['region']}): no RDS network interface found in its subnet "
                f"group; left out of the world"
            )
            continue
        eni = min(cands, key=rank)
        claimed[eni.id] = db["id"]
        fields = {k: v for k, v in db.items() if not k.startswith("_")}
        out[db["id"]] = build(
            DbInstance, **fields, subnet_id=eni.subnet_id, eni_id=eni.id, private_ip=eni.private_ips[0]
        )
    return out, claimed


def link_lambda(
    functions: list[dict[str, Any]], enis: dict[str, NetworkInterface]
) -> tuple[dict[str, OtherResource], dict[str, str]]:
    """Lambda functions with the Hyperplane ENIs they use: lambda-kind ENIs in the function's subnets
    carrying exactly its security groups (AWS shares one ENI per subnet + group set)."""
    lambda_enis = [e for e in enis.values() if e.kind == "lambda"]
    owner: dict[str, str] = {}
    out: dict[str, OtherResource] = {}
    for fn in sorted(functions, key=lambda f: f["id"]):
        groups, subs = set(fn["_groups"]), set(fn["subnet_ids"])
        mine = sorted(
            (e for e in lambda_enis if e.subnet_id in subs and set(e.group_ids) == groups), key=lambda e: e.id
        )
        named = [e for e in mine if e.attached_to in (None, fn["id"])]
        for e in named:
            owner.setdefault(e.id, fn["id"])
        fields = {k: v for k, v in fn.items() if not k.startswith("_")}
        fields["name"] = fields.get("name") or fn["id"]
        out[fn["id"]] = build(
            OtherResource,
            **fields,
            eni_ids=tuple(e.id for e in mine),
            private_ips=tuple(sorted({e.private_ips[0] for e in mine})),
        )
    return out, owner


def set_owners(
    enis: dict[str, NetworkInterface], owners: dict[str, tuple[str, str]]
) -> dict[str, NetworkInterface]:
    """Apply ``eni id -> (kind, owner id)`` learnt from the owning resources' own records."""
    out = dict(enis)
    for eni_id, (kind, owner) in owners.items():
        eni = out.get(eni_id)
        if eni is not None and (eni.kind != kind or eni.attached_to != owner):
            out[eni_id] = eni.model_copy(update={"kind": kind, "attached_to": owner})
    return out


def cluster_dns(
    clusters: list[dict[str, Any]], dbs: dict[str, DbInstance], dns: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """The DNS table with each Aurora cluster's endpoints: the cluster (writer) endpoint resolves to the
    writer instance, the reader endpoint to the Aurora Replicas, or to the writer when the cluster has
    none (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Overview.Endpoints.html).
    A name the table already holds keeps its addresses."""
    out = dict(dns)
    for c in sorted(clusters, key=lambda c: c["id"]):
        writers = [dbs[i].private_ip for i in c["writers"] if i in dbs]
        readers = [dbs[i].private_ip for i in c["readers"] if i in dbs] or writers
        for name, addrs in ((c["endpoint"], writers), (c["reader_endpoint"], readers)):
            key = str(name or "").lower().rstrip(".")
            if key and addrs and key not in out:
                out[key] = tuple(sorted(set(addrs)))
    return dict(sorted(out.items()))
