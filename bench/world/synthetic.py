"""A large synthetic world for performance work, written straight in the on-disk snapshot shape.

moto needs minutes for thousands of instances, so this writes the Describe* responses AWS would return
for such an account directly; the result goes through ``normalize`` like any captured world. It is
generated on demand from ``(vpcs, subnets, instances, seed)`` and never checked in.

Shape of each VPC (10.<k>.0.0/16, Regions round-robin): an IGW; public subnets (about a quarter,
explicitly on a public route table with 0.0.0.0/0 -> IGW) and private subnets (on the *main* route table,
so the main-table fallback is exercised, with 0.0.0.0/0 -> NAT gateway); a custom NACL on the private
subnets (allow the VPC's peers and return traffic, deny RDP, sometimes deny another VPC's CIDR); security
groups web/app/db/bastion referencing each other and CIDRs; most VPCs attached to their Region's transit
gateway (propagated routes, one blackhole static route); Regions' TGWs peered; some VPC peerings; a few
blackhole routes; instances with ENIs, and public IPs on public subnets (from the Region's EC2 ranges in
the shipped ip-ranges, as AWS assigns them).
"""

from __future__ import annotations

import random
from typing import Any

from bench.aws.public_ips import PublicPool
from bench.world.snapshot import FORMAT, SNAPSHOT_SCHEMA_VERSION

ACCOUNT = "111122223333"
DEFAULT_REGIONS = ("us-east-1", "us-west-2")
MAX_VPCS = 256  # 10.<k>.0.0/16
MAX_SUBNETS_PER_VPC = 256  # 10.<k>.<j>.0/24
MAX_INSTANCES_PER_SUBNET = 240  # .10 - .249


class _Ids:
    """Deterministic, unique, real-looking ids (17 hex digits, like current EC2 ids)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng, self._seen = rng, set()

    def __call__(self, prefix: str) -> str:
        while True:
            value = f"{prefix}-{self._rng.getrandbits(68):017x}"
            if value not in self._seen:
                self._seen.add(value)
                return value


def _tags(name: str, **extra: str) -> list[dict[str, str]]:
    return [{"Key": "Name", "Value": name}, *({"Key": k, "Value": v} for k, v in sorted(extra.items()))]


def _perm(proto: str, lo: int | None, hi: int | None, cidrs=(), groups=(), pls=()) -> dict[str, Any]:
    p: dict[str, Any] = {
        "IpProtocol": proto,
        "IpRanges": [{"CidrIp": c} for c in cidrs],
        "Ipv6Ranges": [],
        "PrefixListIds": [{"PrefixListId": x} for x in pls],
        "UserIdGroupPairs": [{"GroupId": g, "UserId": ACCOUNT} for g in groups],
    }
    if lo is not None:
        p["FromPort"], p["ToPort"] = lo, hi
    return p


def _acl_entry(
    n: int, egress: bool, proto: str, action: str, cidr: str, ports=None, icmp=None
) -> dict[str, Any]:
    e: dict[str, Any] = {
        "CidrBlock": cidr,
        "Egress": egress,
        "Protocol": proto,
        "RuleAction": action,
        "RuleNumber": n,
    }
    if ports:
        e["PortRange"] = {"From": ports[0], "To": ports[1]}
    if icmp:
        e["IcmpTypeCode"] = {"Type": icmp[0], "Code": icmp[1]}
    return e


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _region_body() -> dict[str, Any]:
    keys = {
        "ec2:DescribeVpcs": "Vpcs",
        "ec2:DescribeSubnets": "Subnets",
        "ec2:DescribeRouteTables": "RouteTables",
        "ec2:DescribeNetworkAcls": "NetworkAcls",
        "ec2:DescribeSecurityGroups": "SecurityGroups",
        "ec2:DescribeNetworkInterfaces": "NetworkInterfaces",
        "ec2:DescribeInstances": "Reservations",
        "ec2:DescribeInternetGateways": "InternetGateways",
        "ec2:DescribeNatGateways": "NatGateways",
        "ec2:DescribeVpcEndpoints": "VpcEndpoints",
        "ec2:DescribePrefixLists": "PrefixLists",
        "ec2:DescribeVpcPeeringConnections": "VpcPeeringConnections",
        "ec2:DescribeTransitGateways": "TransitGateways",
        "ec2:DescribeTransitGatewayAttachments": "TransitGatewayAttachments",
        "ec2:DescribeTransitGatewayVpcAttachments": "TransitGatewayVpcAttachments",
        "ec2:DescribeTransitGatewayPeeringAttachments": "TransitGatewayPeeringAttachments",
        "ec2:DescribeTransitGatewayRouteTables": "TransitGatewayRouteTables",
    }
    body: dict[str, Any] = {k: {v: []} for k, v in keys.items()}
    for k in (
        "ec2:SearchTransitGatewayRoutes",
        "ec2:GetTransitGatewayRouteTableAssociations",
        "ec2:GetTransitGatewayRouteTablePropagations",
    ):
        body[k] = {}
    return body


class _Gen:
    def __init__(self, vpcs: int, subnets: int, instances: int, seed: int, regions: tuple[str, ...]) -> None:
        self.rng = random.Random(seed)
        self.new_id = _Ids(self.rng)
        self.n_vpcs, self.n_subnets, self.n_instances, self.regions = vpcs, subnets, instances, regions
        self.out = {r: _region_body() for r in regions}
        self.vpcs: list[dict[str, Any]] = []  # per VPC facts used across steps
        self.tgw: dict[str, dict[str, str]] = {}
        self.pools: dict[str, PublicPool] = {}

    def add(self, region: str, key: str, item: dict[str, Any]) -> None:
        body = self.out[region][key]
        next(iter(body.values())).append(item)

    def eni(self, region: str, vpc: dict, subnet: dict, ip: str, groups: list[str], **kw: Any) -> dict:
        eni_id = self.new_id("eni")
        item: dict[str, Any] = {
            "NetworkInterfaceId": eni_id,
            "SubnetId": subnet["id"],
            "VpcId": vpc["id"],
            "AvailabilityZone": subnet["az"],
            "InterfaceType": kw.get("itype", "interface"),
            "Description": kw.get("description", ""),
            "OwnerId": ACCOUNT,
            "PrivateIpAddress": ip,
            "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
            "Groups": [{"GroupId": g, "GroupName": vpc["sg_names"][g]} for g in groups],
            "SourceDestCheck": kw.get("sdc", True),
            "Status": "in-use",
            "TagSet": [],
        }
        if kw.get("requester"):
            item["RequesterId"], item["RequesterManaged"] = kw["requester"], True
        if kw.get("public_ip"):
            assoc = {"PublicIp": kw["public_ip"], "IpOwnerId": "amazon"}
            item["Association"] = assoc
            item["PrivateIpAddresses"][0]["Association"] = assoc
        if kw.get("instance_id"):
            item["Attachment"] = {
                "AttachmentId": self.new_id("eni-attach"),
                "DeviceIndex": 0,
                "InstanceId": kw["instance_id"],
                "InstanceOwnerId": ACCOUNT,
                "Status": "attached",
            }
        self.add(region, "ec2:DescribeNetworkInterfaces", item)
        return item

    # -- VPC skeleton ---------------------------------------------------------------------------------
    def vpc(self, k: int, region: str, n_subnets: int) -> None:
        rng, new = self.rng, self.new_id
        cidr = f"10.{k}.0.0/16"
        vpc_id = new("vpc")
        name = f"vpc-{k:03d}"
        self.add(
            region,
            "ec2:DescribeVpcs",
            {
                "VpcId": vpc_id,
                "CidrBlock": cidr,
                "State": "available",
                "OwnerId": ACCOUNT,
                "IsDefault": False,
                "InstanceTenancy": "default",
                "DhcpOptionsId": "dopt-00000000000000000",
                "CidrBlockAssociationSet": [
                    {
                        "AssociationId": new("vpc-cidr-assoc"),
                        "CidrBlock": cidr,
                        "CidrBlockState": {"State": "associated"},
                    }
                ],
                "Tags": _tags(name, env=rng.choice(["prod", "staging", "dev"])),
            },
        )
        azs = [f"{region}{z}" for z in "abc"]
        n_public = max(1, n_subnets // 4) if n_subnets > 1 else 1
        subnets = []
        for j in range(n_subnets):
            public = j < n_public
            s = {
                "id": new("subnet"),
                "cidr": f"10.{k}.{j}.0/24",
                "az": azs[j % 3],
                "public": public,
                "j": j,
                "next_host": 10,
            }
            subnets.append(s)
            self.add(
                region,
                "ec2:DescribeSubnets",
                {
                    "SubnetId": s["id"],
                    "VpcId": vpc_id,
                    "CidrBlock": s["cidr"],
                    "AvailabilityZone": s["az"],
                    "AvailableIpAddressCount": 251,
                    "MapPublicIpOnLaunch": public,
                    "State": "available",
                    "DefaultForAz": False,
                    "OwnerId": ACCOUNT,
                    "Tags": _tags(f"{name}-{'public' if public else 'private'}-{j}"),
                },
            )
        # Security groups, referencing each other.
        sg = {n: new("sg") for n in ("default", "web", "app", "db", "bastion")}
        names = {sg[n]: f"{name}-{n}-sg" for n in ("web", "app", "db", "bastion")}
        names[sg["default"]] = "default"
        all_out = [_perm("-1", None, None, cidrs=["0.0.0.0/0"])]
        rules = {
            "default": [_perm("-1", None, None, groups=[sg["default"]])],
            "web": [
                _perm("tcp", 443, 443, cidrs=["0.0.0.0/0"]),
                _perm("tcp", 80, 80, cidrs=["0.0.0.0/0"]),
                _perm("tcp", 22, 22, groups=[sg["bastion"]]),
            ],
            "app": [
                _perm("tcp", 8080, 8080, groups=[sg["web"], sg["app"]]),
                _perm("icmp", -1, -1, cidrs=["10.0.0.0/8"]),
                _perm("tcp", 22, 22, groups=[sg["bastion"]]),
            ],
            "db": [
                _perm("tcp", 5432, 5432, groups=[sg["app"]]),
                _perm("tcp", 3306, 3306, cidrs=[f"10.{rng.randrange(self.n_vpcs)}.0.0/16"]),
            ],
            "bastion": [_perm("tcp", 22, 22, cidrs=["203.0.113.0/24", "198.51.100.0/24"])],
        }
        for n, perms in rules.items():
            self.add(
                region,
                "ec2:DescribeSecurityGroups",
                {
                    "GroupId": sg[n],
                    "GroupName": names[sg[n]],
                    "Description": f"{n} tier",
                    "VpcId": vpc_id,
                    "OwnerId": ACCOUNT,
                    "IpPermissions": perms,
                    "IpPermissionsEgress": all_out,
                    "Tags": [] if n == "default" else _tags(names[sg[n]]),
                },
            )
        self.vpcs.append(
            {
                "k": k,
                "id": vpc_id,
                "cidr": cidr,
                "name": name,
                "region": region,
                "subnets": subnets,
                "sg": sg,
                "sg_names": names,
                "igw": new("igw"),
            }
        )

    def gateways_and_tables(self, v: dict[str, Any]) -> None:
        rng, new, region = self.rng, self.new_id, v["region"]
        pub = [s for s in v["subnets"] if s["public"]]
        priv = [s for s in v["subnets"] if not s["public"]]
        self.add(
            region,
            "ec2:DescribeInternetGateways",
            {
                "InternetGatewayId": v["igw"],
                "OwnerId": ACCOUNT,
                "Tags": _tags(f"{v['name']}-igw"),
                "Attachments": [{"State": "available", "VpcId": v["id"]}],
            },
        )
        nat_id = new("nat")
        nat_ip = f"10.{v['k']}.{pub[0]['j']}.5"
        nat_eni = self.eni(
            region,
            v,
            pub[0],
            nat_ip,
            [],
            itype="nat_gateway",
            sdc=False,
            requester="amazon",
            description=f"Interface for NAT Gateway {nat_id}",
        )
        self.add(
            region,
            "ec2:DescribeNatGateways",
            {
                "NatGatewayId": nat_id,
                "SubnetId": pub[0]["id"],
                "VpcId": v["id"],
                "State": "available",
                "ConnectivityType": "public",
                "Tags": _tags(f"{v['name']}-nat"),
                "NatGatewayAddresses": [
                    {
                        "AllocationId": new("eipalloc"),
                        "NetworkInterfaceId": nat_eni["NetworkInterfaceId"],
                        "PrivateIp": nat_ip,
                        "PublicIp": self.public_ip(region),
                        "IsPrimary": True,
                        "Status": "succeeded",
                    }
                ],
            },
        )
        local = {
            "DestinationCidrBlock": v["cidr"],
            "GatewayId": "local",
            "Origin": "CreateRouteTable",
            "State": "active",
        }
        v["public_rt"], v["private_rt"] = new("rtb"), new("rtb")
        public_routes = [
            local,
            {
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": v["igw"],
                "Origin": "CreateRoute",
                "State": "active",
            },
        ]
        private_routes = [
            local,
            {
                "DestinationCidrBlock": "0.0.0.0/0",
                "NatGatewayId": nat_id,
                "Origin": "CreateRoute",
                "State": "active",
            },
        ]
        if rng.random() < 0.15:  # a route whose target is gone: AWS reports it as a blackhole
            private_routes.append(
                {
                    "DestinationCidrBlock": f"10.{rng.randrange(self.n_vpcs)}.128.0/17",
                    "NatGatewayId": new("nat"),
                    "Origin": "CreateRoute",
                    "State": "blackhole",
                }
            )
        v["private_routes"], v["public_routes"] = private_routes, public_routes
        self.add(
            region,
            "ec2:DescribeRouteTables",
            {
                "RouteTableId": v["public_rt"],
                "VpcId": v["id"],
                "OwnerId": ACCOUNT,
                "PropagatingVgws": [],
                "Routes": public_routes,
                "Tags": _tags(f"{v['name']}-public-rt"),
                "Associations": [
                    {
                        "Main": False,
                        "RouteTableAssociationId": new("rtbassoc"),
                        "RouteTableId": v["public_rt"],
                        "SubnetId": s["id"],
                        "AssociationState": {"State": "associated"},
                    }
                    for s in pub
                ],
            },
        )
        # The private table is the VPC's main table: private subnets use it by fallback.
        self.add(
            region,
            "ec2:DescribeRouteTables",
            {
                "RouteTableId": v["private_rt"],
                "VpcId": v["id"],
                "OwnerId": ACCOUNT,
                "PropagatingVgws": [],
                "Routes": private_routes,
                "Tags": _tags(f"{v['name']}-private-rt"),
                "Associations": [
                    {
                        "Main": True,
                        "RouteTableAssociationId": new("rtbassoc"),
                        "RouteTableId": v["private_rt"],
                        "AssociationState": {"State": "associated"},
                    }
                ],
            },
        )
        self.nacls(v, pub, priv)

    def nacls(self, v: dict[str, Any], pub: list[dict], priv: list[dict]) -> None:
        rng, new, region = self.rng, self.new_id, v["region"]
        implicit = [_acl_entry(32767, e, "-1", "deny", "0.0.0.0/0") for e in (False, True)]
        default = [_acl_entry(100, e, "-1", "allow", "0.0.0.0/0") for e in (False, True)] + implicit
        custom = [
            _acl_entry(50, False, "6", "deny", "0.0.0.0/0", ports=(3389, 3389)),
            _acl_entry(100, False, "-1", "allow", "10.0.0.0/8"),
            _acl_entry(110, False, "6", "allow", "0.0.0.0/0", ports=(1024, 65535)),
            _acl_entry(120, False, "17", "allow", "0.0.0.0/0", ports=(1024, 65535)),
            _acl_entry(130, False, "1", "allow", "0.0.0.0/0", icmp=(0, -1)),
            _acl_entry(100, True, "-1", "allow", "0.0.0.0/0"),
            *implicit,
        ]
        if rng.random() < 0.2:  # an explicit deny of another VPC, ahead of the allow
            custom.append(_acl_entry(40, False, "-1", "deny", f"10.{rng.randrange(self.n_vpcs)}.0.0/16"))
        for acl_id, entries, subs, is_default in (
            (new("acl"), default, pub, True),
            (new("acl"), custom, priv, False),
        ):
            self.add(
                region,
                "ec2:DescribeNetworkAcls",
                {
                    "NetworkAclId": acl_id,
                    "VpcId": v["id"],
                    "IsDefault": is_default,
                    "OwnerId": ACCOUNT,
                    "Entries": entries,
                    "Tags": [] if is_default else _tags(f"{v['name']}-private-acl"),
                    "Associations": [
                        {
                            "NetworkAclAssociationId": new("aclassoc"),
                            "NetworkAclId": acl_id,
                            "SubnetId": s["id"],
                        }
                        for s in subs
                    ],
                },
            )

    def public_ip(self, region: str) -> str:
        """A fresh address from the Region's EC2 ranges (shipped ip-ranges), as AWS assigns; no repeats."""
        if region not in self.pools:
            self.pools[region] = PublicPool(region)
        return self.pools[region].take(self.rng.getrandbits(40))

    # -- connectivity between VPCs --------------------------------------------------------------------
    def transit(self) -> None:
        """One TGW per Region, most VPCs attached (propagation), Regions peered from the first Region."""
        rng, new = self.rng, self.new_id
        attached: dict[str, list[dict[str, Any]]] = {r: [] for r in self.regions}
        for region in self.regions:
            tgw_id, rtb = new("tgw"), new("tgw-rtb")
            self.tgw[region] = {"id": tgw_id, "rtb": rtb}
            self.add(
                region,
                "ec2:DescribeTransitGateways",
                {
                    "TransitGatewayId": tgw_id,
                    "State": "available",
                    "OwnerId": ACCOUNT,
                    "Tags": _tags(f"{region}-tgw"),
                    "Options": {
                        "AmazonSideAsn": 64512,
                        "DefaultRouteTableAssociation": "enable",
                        "AssociationDefaultRouteTableId": rtb,
                        "DefaultRouteTablePropagation": "enable",
                        "PropagationDefaultRouteTableId": rtb,
                    },
                },
            )
            self.add(
                region,
                "ec2:DescribeTransitGatewayRouteTables",
                {
                    "TransitGatewayRouteTableId": rtb,
                    "TransitGatewayId": tgw_id,
                    "State": "available",
                    "DefaultAssociationRouteTable": True,
                    "DefaultPropagationRouteTable": True,
                },
            )
        for v in self.vpcs:
            if rng.random() < 0.8:
                attached[v["region"]].append(v)
                for table in ("private_routes", "public_routes"):
                    v[table].append(
                        {
                            "DestinationCidrBlock": "10.0.0.0/8",
                            "Origin": "CreateRoute",
                            "TransitGatewayId": self.tgw[v["region"]]["id"],
                            "State": "active",
                        }
                    )
        peer_ids: dict[str, str] = {}
        home = self.regions[0]
        for region in self.regions[1:]:
            aid = new("tgw-attach")
            peer_ids[region] = aid
            info = {
                "TransitGatewayAttachmentId": aid,
                "State": "available",
                "Status": {"Code": "available"},
                "RequesterTgwInfo": {
                    "TransitGatewayId": self.tgw[home]["id"],
                    "OwnerId": ACCOUNT,
                    "Region": home,
                },
                "AccepterTgwInfo": {
                    "TransitGatewayId": self.tgw[region]["id"],
                    "OwnerId": ACCOUNT,
                    "Region": region,
                },
            }
            for side, other in ((home, region), (region, home)):
                self.add(side, "ec2:DescribeTransitGatewayPeeringAttachments", info)
                self.add(
                    side,
                    "ec2:DescribeTransitGatewayAttachments",
                    {
                        "TransitGatewayAttachmentId": aid,
                        "TransitGatewayId": self.tgw[side]["id"],
                        "TransitGatewayOwnerId": ACCOUNT,
                        "ResourceOwnerId": ACCOUNT,
                        "ResourceType": "peering",
                        "ResourceId": self.tgw[other]["id"],
                        "State": "available",
                        "Association": {
                            "TransitGatewayRouteTableId": self.tgw[side]["rtb"],
                            "State": "associated",
                        },
                    },
                )
        for region in self.regions:
            rtb = self.tgw[region]["rtb"]
            routes, assocs, props = [], [], []
            for v in attached[region]:
                aid = new("tgw-attach")
                subnet = (v["subnets"][1:] or v["subnets"])[0]
                self.eni(
                    region,
                    v,
                    subnet,
                    f"10.{v['k']}.{subnet['j']}.6",
                    [],
                    itype="transit_gateway",
                    requester="amazon",
                    sdc=False,
                    description=f"Network Interface for Transit Gateway Attachment {aid}",
                )
                ref = {"TransitGatewayAttachmentId": aid, "ResourceId": v["id"], "ResourceType": "vpc"}
                self.add(
                    region,
                    "ec2:DescribeTransitGatewayAttachments",
                    {
                        **ref,
                        "TransitGatewayId": self.tgw[region]["id"],
                        "TransitGatewayOwnerId": ACCOUNT,
                        "ResourceOwnerId": ACCOUNT,
                        "State": "available",
                        "Association": {"TransitGatewayRouteTableId": rtb, "State": "associated"},
                        "Tags": _tags(f"{v['name']}-attach"),
                    },
                )
                self.add(
                    region,
                    "ec2:DescribeTransitGatewayVpcAttachments",
                    {
                        "TransitGatewayAttachmentId": aid,
                        "TransitGatewayId": self.tgw[region]["id"],
                        "VpcId": v["id"],
                        "VpcOwnerId": ACCOUNT,
                        "State": "available",
                        "SubnetIds": [subnet["id"]],
                    },
                )
                routes.append(
                    {
                        "DestinationCidrBlock": v["cidr"],
                        "Type": "propagated",
                        "State": "active",
                        "TransitGatewayAttachments": [ref],
                    }
                )
                assocs.append({**ref, "State": "associated"})
                props.append({**ref, "State": "enabled"})
            for other in self.regions:
                if other == region or home not in (region, other):
                    continue  # Regions are peered with the first Region only
                aid = peer_ids[other if region == home else region]
                peer = {
                    "TransitGatewayAttachmentId": aid,
                    "ResourceId": self.tgw[other]["id"],
                    "ResourceType": "peering",
                }
                assocs.append({**peer, "State": "associated"})
                routes.extend(
                    {
                        "DestinationCidrBlock": v["cidr"],
                        "Type": "static",
                        "State": "active",
                        "TransitGatewayAttachments": [peer],
                    }
                    for v in attached[other]
                )
            if attached[region]:
                routes.append(
                    {
                        "DestinationCidrBlock": f"10.{rng.randrange(self.n_vpcs)}.200.0/24",
                        "Type": "static",
                        "State": "blackhole",
                    }
                )
            routes.sort(key=lambda r: r["DestinationCidrBlock"])
            self.out[region]["ec2:SearchTransitGatewayRoutes"][rtb] = {
                "Routes": routes,
                "AdditionalRoutesAvailable": False,
            }
            self.out[region]["ec2:GetTransitGatewayRouteTableAssociations"][rtb] = {"Associations": assocs}
            self.out[region]["ec2:GetTransitGatewayRouteTablePropagations"][rtb] = {
                "TransitGatewayRouteTablePropagations": props
            }

    def peerings_and_endpoints(self) -> None:
        new = self.new_id
        by_region: dict[str, list[dict[str, Any]]] = {}
        for v in self.vpcs:
            by_region.setdefault(v["region"], []).append(v)
        for vs in by_region.values():
            for a, b in zip(vs[::7], vs[1::7], strict=False):
                pcx = new("pcx")
                self.add(
                    a["region"],
                    "ec2:DescribeVpcPeeringConnections",
                    {
                        "VpcPeeringConnectionId": pcx,
                        "Status": {"Code": "active", "Message": "Active"},
                        "RequesterVpcInfo": {
                            "VpcId": a["id"],
                            "OwnerId": ACCOUNT,
                            "Region": a["region"],
                            "CidrBlock": a["cidr"],
                            "CidrBlockSet": [{"CidrBlock": a["cidr"]}],
                        },
                        "AccepterVpcInfo": {
                            "VpcId": b["id"],
                            "OwnerId": ACCOUNT,
                            "Region": b["region"],
                            "CidrBlock": b["cidr"],
                            "CidrBlockSet": [{"CidrBlock": b["cidr"]}],
                        },
                        "Tags": _tags(f"{a['name']}-to-{b['name']}"),
                    },
                )
                for x, y in ((a, b), (b, a)):
                    x["private_routes"].append(
                        {
                            "DestinationCidrBlock": y["cidr"],
                            "Origin": "CreateRoute",
                            "VpcPeeringConnectionId": pcx,
                            "State": "active",
                        }
                    )
        for region in self.regions:
            pl = {
                "PrefixListId": new("pl"),
                "PrefixListName": f"com.amazonaws.{region}.s3",
                "Cidrs": ["3.5.0.0/19", "52.216.0.0/15", "54.231.0.0/16"],
            }
            self.add(region, "ec2:DescribePrefixLists", pl)
            for v in by_region.get(region, [])[::3]:
                vpce = new("vpce")
                self.add(
                    region,
                    "ec2:DescribeVpcEndpoints",
                    {
                        "VpcEndpointId": vpce,
                        "VpcEndpointType": "Gateway",
                        "VpcId": v["id"],
                        "ServiceName": pl["PrefixListName"],
                        "State": "available",
                        "RouteTableIds": [v["private_rt"]],
                        "SubnetIds": [],
                        "Groups": [],
                        "NetworkInterfaceIds": [],
                        "DnsEntries": [],
                        "OwnerId": ACCOUNT,
                        "Tags": _tags(f"{v['name']}-s3"),
                    },
                )
                v["private_routes"].append(
                    {
                        "DestinationPrefixListId": pl["PrefixListId"],
                        "GatewayId": vpce,
                        "Origin": "CreateRoute",
                        "State": "active",
                    }
                )

    def instances(self) -> None:
        rng, new = self.rng, self.new_id
        all_subnets = [(v, s) for v in self.vpcs for s in v["subnets"]]
        counts = _split(self.n_instances, len(all_subnets))
        for (v, s), count in zip(all_subnets, counts, strict=True):
            if count > MAX_INSTANCES_PER_SUBNET:
                raise ValueError(
                    f"at most {MAX_INSTANCES_PER_SUBNET} instances per subnet; ask for more subnets"
                )
            for n in range(count):
                iid, ip = new("i"), f"10.{v['k']}.{s['j']}.{10 + n}"
                if s["public"]:
                    groups = [v["sg"]["bastion"]] if n == 0 else [v["sg"]["web"]]
                else:
                    groups = [v["sg"]["db"]] if n % 5 == 4 else [v["sg"]["app"]]
                public_ip = self.public_ip(v["region"]) if s["public"] else None
                eni = self.eni(v["region"], v, s, ip, groups, instance_id=iid, public_ip=public_ip)
                role = "bastion" if s["public"] and n == 0 else ("web" if s["public"] else "app")
                inst: dict[str, Any] = {
                    "InstanceId": iid,
                    "ImageId": "ami-0abcdef1234567890",
                    "InstanceType": rng.choice(["t3.micro", "t3.small", "m5.large"]),
                    "PrivateIpAddress": ip,
                    "SubnetId": s["id"],
                    "VpcId": v["id"],
                    "State": {"Code": 16, "Name": "running"},
                    "Placement": {"AvailabilityZone": s["az"]},
                    "SecurityGroups": eni["Groups"],
                    "SourceDestCheck": True,
                    "NetworkInterfaces": [
                        {
                            **{
                                k: eni[k]
                                for k in (
                                    "NetworkInterfaceId",
                                    "PrivateIpAddress",
                                    "PrivateIpAddresses",
                                    "Groups",
                                    "SubnetId",
                                    "VpcId",
                                    "Status",
                                    "Description",
                                )
                            },
                            "Attachment": eni["Attachment"],
                        }
                    ],
                    "Tags": _tags(f"{v['name']}-{role}-{s['j']}-{n}", role=role),
                }
                if public_ip:
                    inst["PublicIpAddress"] = public_ip
                self.add(
                    v["region"],
                    "ec2:DescribeInstances",
                    {"ReservationId": new("r"), "OwnerId": ACCOUNT, "Groups": [], "Instances": [inst]},
                )


def generate_snapshot(
    vpcs: int,
    subnets: int,
    instances: int,
    seed: int = 0,
    regions: tuple[str, ...] | list[str] = DEFAULT_REGIONS,
) -> dict[str, Any]:
    """A raw snapshot (``bench.world.snapshot`` layout) for ``vpcs`` VPCs, ``subnets`` subnets in all and
    ``instances`` instances, spread evenly; the same arguments always give the same snapshot."""
    regions = tuple(regions)
    if not 1 <= vpcs <= MAX_VPCS:
        raise ValueError(f"vpcs must be 1..{MAX_VPCS}, got {vpcs}")
    if subnets < vpcs:
        raise ValueError(f"need at least one subnet per VPC: subnets={subnets} < vpcs={vpcs}")
    if subnets > vpcs * MAX_SUBNETS_PER_VPC:
        raise ValueError(f"at most {MAX_SUBNETS_PER_VPC} subnets per VPC")
    if instances < 0 or not regions:
        raise ValueError("instances must be >= 0 and at least one Region given")
    gen = _Gen(vpcs, subnets, instances, seed, regions)
    for k, n_sub in enumerate(_split(subnets, vpcs)):
        gen.vpc(k, regions[k % len(regions)], n_sub)
    for v in gen.vpcs:
        gen.gateways_and_tables(v)
    gen.transit()
    gen.peerings_and_endpoints()
    gen.instances()
    name = f"synthetic-{vpcs}v-{subnets}s-{instances}i-seed{seed}"
    return {
        "format": FORMAT,
        "schema_version": SNAPSHOT_SCHEMA_VERSION,
        "name": name,
        "account_id": ACCOUNT,
        "regions": gen.out,
        "dns": {},
        "ip_ranges": {"syncToken": "", "createDate": "", "prefixes": []},
        "provenance": {
            "scenario": "synthetic",
            "faults": [],
            "corrections": [],
            "notes": [
                f"generated by bench.world.synthetic (vpcs={vpcs}, subnets={subnets}, "
                f"instances={instances}, seed={seed}, regions={','.join(regions)})"
            ],
        },
    }
