"""Build a scenario's topology through boto3 against moto, deterministically.

Everything goes through the public EC2/RDS/Auto Scaling/Lambda APIs, as a user's own IaC would, so the
snapshot read afterwards is what those APIs report. Determinism: moto's random source is seeded before
the first call, and botocore's idempotency tokens (normally uuid4) are filled from a counter.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
import botocore.session

from bench.scenarios.context import BuildContext, Ref
from bench.scenarios.services import (
    AMI,  # noqa: E402  (one AMI for all)
    ServicesMixin,
)
from bench.scenarios.spec import (
    InstanceSpec,
    ScenarioSource,
    SgRuleSpec,
    VpcSpec,
)
from bench.scenarios.transit import TransitMixin, tag_spec

_PROTO_NUM = {"all": "-1", "-1": "-1", "tcp": "6", "udp": "17", "icmp": "1"}
_PROTO_SG = {"all": "-1", "-1": "-1", "tcp": "tcp", "udp": "udp", "icmp": "icmp"}


def parse_ports(ports: int | str | None) -> tuple[int, int] | None:
    if ports is None:
        return None
    if isinstance(ports, int):
        return ports, ports
    text = str(ports).strip()
    lo, sep, hi = text.partition("-")
    try:
        return (int(lo), int(hi)) if sep else (int(lo), int(lo))
    except ValueError:
        raise ValueError(f"ports must be N or N-M, got {ports!r}") from None


@lru_cache(maxsize=1)
def _botocore_session() -> botocore.session.Session:
    """One botocore session per process: its loader caches service models, which makes clients cheap."""
    return botocore.session.get_session()


class _Tokens:
    """Deterministic idempotency tokens instead of botocore's uuid4 (they show up in Describe output)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        for member in model.idempotent_members:
            if member not in params:
                self.n += 1
                params[member] = f"reachbench-{self.n:06d}"


class Builder(TransitMixin, ServicesMixin):
    """One build of one scenario's topology in the current moto backend."""

    def __init__(self, source: ScenarioSource, ctx: BuildContext) -> None:
        self.source = source
        self.spec = source.spec
        self.ctx = ctx
        self.session = boto3.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
            botocore_session=_botocore_session(),
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._tokens = _Tokens()

    # -- plumbing -------------------------------------------------------------------------------
    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            client = self.session.client(service, region_name=region)
            client.meta.events.register_first("before-parameter-build.*.*", self._tokens)
            self._clients[key] = client
        return self._clients[key]

    def ec2(self, region: str) -> Any:
        return self.client("ec2", region)

    def add(self, loc: tuple[Any, ...], name: str, ref: Ref) -> Ref:
        if name in self.ctx.refs:
            raise self.source.error(loc + ("name",), f"name {name!r} is used twice in this scenario")
        self.ctx.refs[name] = ref
        return ref

    def need(self, loc: tuple[Any, ...], name: str, kinds: tuple[str, ...]) -> Ref:
        ref = self.ctx.ref(name, kinds)
        if ref is None:
            have = self.ctx.refs.get(name)
            why = f"is a {have.kind}" if have else "is not defined in this scenario"
            raise self.source.error(loc, f"{name!r} {why}; expected one of: {', '.join(kinds)}")
        return ref

    def arn(self, region: str, kind: str, rid: str) -> str:
        return f"arn:aws:ec2:{region}:{self.ctx.account_id}:{kind}/{rid}"

    # -- build order ----------------------------------------------------------------------------
    def build(self) -> None:
        regions = self.spec.regions
        self.ctx.regions.update(regions)
        for region, rspec in regions.items():
            base = ("regions", region)
            for i, pl in enumerate(rspec.prefix_lists):
                self._prefix_list(base + ("prefix_lists", i), region, pl.name, pl.cidrs)
            for i, vpc in enumerate(rspec.vpcs):
                self._vpc(base + ("vpcs", i), region, vpc)
            for i, vpc in enumerate(rspec.vpcs):
                self._vpc_contents(base + ("vpcs", i), region, vpc)
            for i, tgw in enumerate(rspec.transit_gateways):
                self._tgw(base + ("transit_gateways", i), region, tgw)
        for i, peer in enumerate(self.spec.vpc_peerings):
            self._vpc_peering(("vpc_peerings", i), peer.name, peer.requester, peer.accepter)
        for i, peer in enumerate(self.spec.tgw_peerings):
            self._tgw_peering(("tgw_peerings", i), peer.name, peer.requester, peer.accepter)
        for region, rspec in regions.items():
            self._routes(("regions", region), region, rspec)
        for region, rspec in regions.items():
            for i, vpc in enumerate(rspec.vpcs):
                self._services(("regions", region, "vpcs", i), region, vpc)

    def _prefix_list(self, loc: tuple[Any, ...], region: str, name: str, cidrs: list[str]) -> None:
        resp = self.ec2(region).create_managed_prefix_list(
            PrefixListName=name,
            MaxEntries=max(len(cidrs), 1),
            AddressFamily="IPv4",
            Entries=[{"Cidr": c} for c in cidrs],
            TagSpecifications=tag_spec("prefix-list", name),
        )
        pl_id = resp["PrefixList"]["PrefixListId"]
        self.add(loc, name, Ref("pl", pl_id, region, arn=self.arn(region, "prefix-list", pl_id)))

    def _vpc(self, loc: tuple[Any, ...], region: str, vpc: VpcSpec) -> None:
        ec2 = self.ec2(region)
        vpc_id = ec2.create_vpc(CidrBlock=vpc.cidr, TagSpecifications=tag_spec("vpc", vpc.name, vpc.tags))[
            "Vpc"
        ]["VpcId"]
        self.add(loc, vpc.name, Ref("vpc", vpc_id, region, vpc_id, self.arn(region, "vpc", vpc_id)))
        for cidr in vpc.secondary_cidrs:
            ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock=cidr)
        for kind, rid in self._vpc_defaults(region, vpc_id).items():
            ec2.create_tags(Resources=[rid], Tags=[{"Key": "Name", "Value": f"{vpc.name}-{kind}"}])
            self.ctx.refs[f"{vpc.name}/{kind}"] = Ref(
                {"default-sg": "sg", "main-rt": "rtb", "default-nacl": "nacl"}[kind], rid, region, vpc_id
            )
        if vpc.internet_gateway:
            igw = ec2.create_internet_gateway(
                TagSpecifications=tag_spec("internet-gateway", vpc.internet_gateway)
            )["InternetGateway"]["InternetGatewayId"]
            ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
            self.add(loc + ("internet_gateway",), vpc.internet_gateway, Ref("igw", igw, region, vpc_id))
        for i, sub in enumerate(vpc.subnets):
            sloc = loc + ("subnets", i)
            az = sub.az if len(sub.az) > 2 else f"{region}{sub.az}"
            try:
                subnet_id = ec2.create_subnet(
                    VpcId=vpc_id,
                    CidrBlock=sub.cidr,
                    AvailabilityZone=az,
                    TagSpecifications=tag_spec("subnet", sub.name, sub.tags),
                )["Subnet"]["SubnetId"]
            except Exception as exc:  # moto reports bad zones/overlaps as ClientError
                raise self.source.error(sloc, f"cannot create subnet: {exc}") from None
            if sub.public:
                ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
            self.add(
                sloc,
                sub.name,
                Ref(
                    "subnet",
                    subnet_id,
                    region,
                    vpc_id,
                    self.arn(region, "subnet", subnet_id),
                    {"cidr": sub.cidr, "az": az, "public": sub.public},
                ),
            )
        if vpc.vpn_gateway:
            vgw_spec = vpc.vpn_gateway
            vgw = ec2.create_vpn_gateway(
                Type="ipsec.1",
                AmazonSideAsn=vgw_spec.asn,
                TagSpecifications=tag_spec("vpn-gateway", vgw_spec.name, vgw_spec.tags),
            )["VpnGateway"]["VpnGatewayId"]
            ec2.attach_vpn_gateway(VpcId=vpc_id, VpnGatewayId=vgw)
            self.add(loc + ("vpn_gateway",), vgw_spec.name, Ref("vgw", vgw, region, vpc_id))

    def _vpc_defaults(self, region: str, vpc_id: str) -> dict[str, str]:
        ec2 = self.ec2(region)
        flt = [{"Name": "vpc-id", "Values": [vpc_id]}]
        sg = ec2.describe_security_groups(Filters=flt + [{"Name": "group-name", "Values": ["default"]}])
        rt = ec2.describe_route_tables(Filters=flt + [{"Name": "association.main", "Values": ["true"]}])
        na = ec2.describe_network_acls(Filters=flt + [{"Name": "default", "Values": ["true"]}])
        return {
            "default-sg": sg["SecurityGroups"][0]["GroupId"],
            "main-rt": rt["RouteTables"][0]["RouteTableId"],
            "default-nacl": na["NetworkAcls"][0]["NetworkAclId"],
        }

    def _vpc_contents(self, loc: tuple[Any, ...], region: str, vpc: VpcSpec) -> None:
        ec2 = self.ec2(region)
        vpc_id = self.ctx.refs[vpc.name].id
        for i, rt in enumerate(vpc.route_tables):
            rloc = loc + ("route_tables", i)
            if rt.main:
                rt_id = self.ctx.refs[f"{vpc.name}/main-rt"].id
                ec2.create_tags(Resources=[rt_id], Tags=[{"Key": "Name", "Value": rt.name}])
            else:
                rt_id = ec2.create_route_table(
                    VpcId=vpc_id, TagSpecifications=tag_spec("route-table", rt.name, rt.tags)
                )["RouteTable"]["RouteTableId"]
            self.add(rloc, rt.name, Ref("rtb", rt_id, region, vpc_id))
        for i, sub in enumerate(vpc.subnets):
            if sub.route_table:
                rt_ref = self.need(loc + ("subnets", i, "route_table"), sub.route_table, ("rtb",))
                if rt_ref.id != self.ctx.refs[f"{vpc.name}/main-rt"].id:
                    ec2.associate_route_table(RouteTableId=rt_ref.id, SubnetId=self.ctx.refs[sub.name].id)
        for i, sg in enumerate(vpc.security_groups):
            sg_id = ec2.create_security_group(
                VpcId=vpc_id,
                GroupName=sg.name,
                Description=sg.description or sg.name,
                TagSpecifications=tag_spec("security-group", sg.name, sg.tags),
            )["GroupId"]
            self.add(
                loc + ("security_groups", i),
                sg.name,
                Ref("sg", sg_id, region, vpc_id, self.arn(region, "security-group", sg_id)),
            )
        for i, sg in enumerate(vpc.security_groups):
            gloc = loc + ("security_groups", i)
            sg_id = self.ctx.refs[sg.name].id
            if sg.ingress:
                perms = [self.permission(gloc + ("ingress", j), r, region) for j, r in enumerate(sg.ingress)]
                ec2.authorize_security_group_ingress(GroupId=sg_id, IpPermissions=perms)
            if sg.egress is not None:
                ec2.revoke_security_group_egress(
                    GroupId=sg_id, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
                )
                if sg.egress:
                    perms = [
                        self.permission(gloc + ("egress", j), r, region) for j, r in enumerate(sg.egress)
                    ]
                    ec2.authorize_security_group_egress(GroupId=sg_id, IpPermissions=perms)
        for i, acl in enumerate(vpc.network_acls):
            self._nacl(loc + ("network_acls", i), region, vpc_id, acl)
        for i, inst in enumerate(vpc.instances):
            self._instance(loc + ("instances", i), region, vpc_id, inst)
        for i, nat in enumerate(vpc.nat_gateways):
            nloc = loc + ("nat_gateways", i)
            subnet = self.need(nloc + ("subnet",), nat.subnet, ("subnet",))
            kwargs: dict[str, Any] = {"SubnetId": subnet.id, "ConnectivityType": nat.connectivity}
            if nat.connectivity == "public":
                kwargs["AllocationId"] = ec2.allocate_address(
                    Domain="vpc", TagSpecifications=tag_spec("elastic-ip", f"{nat.name}-eip")
                )["AllocationId"]
            nat_id = ec2.create_nat_gateway(
                TagSpecifications=tag_spec("natgateway", nat.name, nat.tags), **kwargs
            )["NatGateway"]["NatGatewayId"]
            self.add(nloc, nat.name, Ref("nat", nat_id, region, vpc_id, extra={"subnet": subnet.id}))
            if nat.ip:
                self.ctx.fixed_ips[nat_id] = self._check_ip(nloc + ("ip",), nat.ip, subnet)
        for i, ep in enumerate(vpc.endpoints):
            self._endpoint(loc + ("endpoints", i), region, vpc_id, ep)

    def permission(self, loc: tuple[Any, ...], rule: SgRuleSpec, region: str) -> dict[str, Any]:
        proto = _PROTO_SG.get(rule.protocol.lower(), rule.protocol)
        perm: dict[str, Any] = {"IpProtocol": proto}
        if proto == "icmp":
            perm["FromPort"], perm["ToPort"] = rule.icmp_type, rule.icmp_code
        elif proto != "-1":
            try:
                ports = parse_ports(rule.ports) or (0, 65535)
            except ValueError as exc:
                raise self.source.error(loc + ("ports",), str(exc)) from None
            perm["FromPort"], perm["ToPort"] = ports
        peers = [p for p in (rule.cidr, rule.group, rule.prefix_list) if p]
        if len(peers) != 1:
            raise self.source.error(loc, "a rule needs exactly one of cidr, group, prefix_list")
        desc = {"Description": rule.description} if rule.description else {}
        if rule.cidr:
            perm["IpRanges"] = [{"CidrIp": rule.cidr, **desc}]
        elif rule.group:
            perm["UserIdGroupPairs"] = [
                {"GroupId": self.need(loc + ("group",), rule.group, ("sg",)).id, **desc}
            ]
        else:
            perm["PrefixListIds"] = [
                {
                    "PrefixListId": self.prefix_list_id(
                        loc + ("prefix_list",), rule.prefix_list or "", region
                    ),
                    **desc,
                }
            ]
        return perm

    def prefix_list_id(self, loc: tuple[Any, ...], name: str, region: str) -> str:
        ref = self.ctx.ref(name, ("pl",))
        if ref:
            return ref.id
        service = name if name.startswith("com.amazonaws.") else f"com.amazonaws.{region}.{name}"
        for pl in self.ec2(region).describe_prefix_lists()["PrefixLists"]:
            if pl["PrefixListName"] == service:
                return str(pl["PrefixListId"])
        raise self.source.error(loc, f"no prefix list named {name!r} (scenario list or AWS service)")

    def _nacl(self, loc: tuple[Any, ...], region: str, vpc_id: str, acl: Any) -> None:
        ec2 = self.ec2(region)
        acl_id = ec2.create_network_acl(
            VpcId=vpc_id, TagSpecifications=tag_spec("network-acl", acl.name, acl.tags)
        )["NetworkAcl"]["NetworkAclId"]
        self.add(loc, acl.name, Ref("nacl", acl_id, region, vpc_id))
        for j, entry in enumerate(acl.entries):
            self.nacl_entry(loc + ("entries", j), region, acl_id, entry)
        for j, name in enumerate(acl.subnets):
            subnet = self.need(loc + ("subnets", j), name, ("subnet",))
            self.swap_nacl(region, subnet.id, acl_id)

    def nacl_entry(self, loc: tuple[Any, ...], region: str, acl_id: str, entry: Any) -> None:
        proto = _PROTO_NUM.get(entry.protocol.lower(), entry.protocol)
        kwargs: dict[str, Any] = {
            "NetworkAclId": acl_id,
            "RuleNumber": entry.rule,
            "Protocol": proto,
            "RuleAction": entry.action,
            "Egress": entry.egress,
            "CidrBlock": entry.cidr,
        }
        if proto in ("6", "17"):
            try:
                lo, hi = parse_ports(entry.ports) or (0, 65535)
            except ValueError as exc:
                raise self.source.error(loc + ("ports",), str(exc)) from None
            kwargs["PortRange"] = {"From": lo, "To": hi}
        elif proto == "1":
            kwargs["IcmpTypeCode"] = {"Type": entry.icmp_type, "Code": entry.icmp_code}
        self.ec2(region).create_network_acl_entry(**kwargs)
        if proto == "1":  # moto drops IcmpTypeCode; corrections put it back from this record
            self.ctx.icmp[(acl_id, entry.rule, entry.egress)] = (entry.icmp_type, entry.icmp_code)

    def swap_nacl(self, region: str, subnet_id: str, acl_id: str) -> str:
        """Associate ``acl_id`` with the subnet; returns the NACL it replaced."""
        ec2 = self.ec2(region)
        acls = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])
        for acl in acls["NetworkAcls"]:
            for assoc in acl["Associations"]:
                if assoc["SubnetId"] == subnet_id:
                    ec2.replace_network_acl_association(
                        AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl_id
                    )
                    return str(acl["NetworkAclId"])
        raise RuntimeError(f"subnet {subnet_id} has no network ACL association")

    def _check_ip(self, loc: tuple[Any, ...], ip: str, subnet: Ref) -> str:
        import ipaddress

        if ipaddress.ip_address(ip) not in ipaddress.ip_network(subnet.extra["cidr"]):
            raise self.source.error(loc, f"{ip} is outside subnet {subnet.extra['cidr']}")
        return ip

    def _instance(self, loc: tuple[Any, ...], region: str, vpc_id: str, inst: InstanceSpec) -> None:
        subnet = self.need(loc + ("subnet",), inst.subnet, ("subnet",))
        groups = [self.need(loc + ("groups", j), g, ("sg",)).id for j, g in enumerate(inst.groups)]
        nic: dict[str, Any] = {"DeviceIndex": 0, "SubnetId": subnet.id}
        if groups:
            nic["Groups"] = groups
        if inst.ip:
            nic["PrivateIpAddress"] = self._check_ip(loc + ("ip",), inst.ip, subnet)
        public = subnet.extra["public"] if inst.public_ip is None else inst.public_ip
        nic["AssociatePublicIpAddress"] = public
        iid = self.ec2(region).run_instances(
            ImageId=AMI,
            InstanceType=inst.instance_type,
            MinCount=1,
            MaxCount=1,
            NetworkInterfaces=[nic],
            TagSpecifications=tag_spec("instance", inst.name, inst.tags),
        )["Instances"][0]["InstanceId"]
        if not inst.source_dest_check:
            self.ec2(region).modify_instance_attribute(InstanceId=iid, SourceDestCheck={"Value": False})
        self.add(loc, inst.name, Ref("instance", iid, region, vpc_id, self.arn(region, "instance", iid)))

    def _endpoint(self, loc: tuple[Any, ...], region: str, vpc_id: str, ep: Any) -> None:
        service = (
            ep.service if ep.service.startswith("com.amazonaws.") else f"com.amazonaws.{region}.{ep.service}"
        )
        kwargs: dict[str, Any] = {
            "VpcId": vpc_id,
            "ServiceName": service,
            "VpcEndpointType": ep.type,
            "TagSpecifications": tag_spec("vpc-endpoint", ep.name, ep.tags),
        }
        if ep.type == "Gateway":
            kwargs["RouteTableIds"] = [
                self.need(loc + ("route_tables", j), n, ("rtb",)).id for j, n in enumerate(ep.route_tables)
            ]
        else:
            kwargs["SubnetIds"] = [
                self.need(loc + ("subnets", j), n, ("subnet",)).id for j, n in enumerate(ep.subnets)
            ]
            kwargs["SecurityGroupIds"] = [
                self.need(loc + ("groups", j), n, ("sg",)).id for j, n in enumerate(ep.groups)
            ]
            kwargs["PrivateDnsEnabled"] = ep.private_dns
        vpce = self.ec2(region).create_vpc_endpoint(**kwargs)["VpcEndpoint"]["VpcEndpointId"]
        self.add(
            loc,
            ep.name,
            Ref(
                "vpce",
                vpce,
                region,
                vpc_id,
                self.arn(region, "vpc-endpoint", vpce),
                {"type": ep.type, "service": service},
            ),
        )
