"""moto corrections about network ACLs and security groups (part of ``corrections.CORRECTIONS``).

moto drops the NACLs' final deny-all entries and ICMP type/code, and the default security group's
self-referencing inbound rule; see docs/worlds.md.
"""

from __future__ import annotations

from bench.scenarios.context import BuildContext
from bench.scenarios.snapshot_edit import (
    Regions,
    each,
)


def nacl_default_denies(regions: Regions, ctx: BuildContext) -> int:
    """moto's custom NACLs lack the ``32767`` deny-all entries AWS lists in every NACL (both directions)."""
    changed = 0
    for _, acl in each(regions, "ec2:DescribeNetworkAcls", "NetworkAcls"):
        for egress in (False, True):
            if not any(e["RuleNumber"] == 32767 and e["Egress"] == egress for e in acl["Entries"]):
                acl["Entries"].append(
                    {
                        "CidrBlock": "0.0.0.0/0",
                        "Egress": egress,
                        "Protocol": "-1",
                        "RuleAction": "deny",
                        "RuleNumber": 32767,
                    }
                )
                changed += 1
        acl["Entries"].sort(key=lambda e: (e["Egress"], e["RuleNumber"]))
    return changed


def nacl_icmp_type_code(regions: Regions, ctx: BuildContext) -> int:
    """moto drops ``IcmpTypeCode`` from NACL entries; restored from what the builder created."""
    changed = 0
    for _, acl in each(regions, "ec2:DescribeNetworkAcls", "NetworkAcls"):
        for e in acl["Entries"]:
            icmp = ctx.icmp.get((acl["NetworkAclId"], e["RuleNumber"], e["Egress"]))
            if e.get("Protocol") == "1" and icmp and "IcmpTypeCode" not in e:
                e["IcmpTypeCode"] = {"Code": icmp[1], "Type": icmp[0]}
                changed += 1
    return changed


def default_sg_self_rule(regions: Regions, ctx: BuildContext) -> int:
    """moto's default security group lacks its inbound rule allowing all traffic from itself."""
    changed = 0
    for _, sg in each(regions, "ec2:DescribeSecurityGroups", "SecurityGroups"):
        if sg.get("GroupName") != "default":
            continue
        if any(
            any(p.get("GroupId") == sg["GroupId"] for p in perm.get("UserIdGroupPairs", []))
            for perm in sg.get("IpPermissions", [])
        ):
            continue
        sg.setdefault("IpPermissions", []).append(
            {
                "IpProtocol": "-1",
                "IpRanges": [],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [{"GroupId": sg["GroupId"], "UserId": sg.get("OwnerId", ctx.account_id)}],
            }
        )
        changed += 1
    return changed
