"""Faults: FIS experiment templates (the four network actions) and hand faults, applied through EC2.

Each FIS action is carried out with the EC2 calls FIS makes (clone a NACL, new route tables, TGW route
table disassociation, a rule-less security group) and tagged ``managedByFIS=true`` like FIS does, so the
world is the account as it looks while the experiment runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bench.aws.ipranges import shipped_ip_ranges
from bench.scenarios import fis
from bench.scenarios.builder import Builder
from bench.scenarios.spec import NaclEntrySpec, SgRuleSpec, format_path

FIS_TAG = [{"Key": "managedByFIS", "Value": "true"}]
HAND_FAULTS = (
    "revoke_sg_rule",
    "add_nacl_entry",
    "delete_route",
    "blackhole_route",
    "detach_igw",
    "delete_nat",
    "delete_peering",
)
SERVICE_RANGES = {"s3": "S3", "s3express": "S3", "dynamodb": "DYNAMODB"}


def _fis_tags(resource_type: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": list(FIS_TAG)}]


class FaultApplier:
    def __init__(self, builder: Builder) -> None:
        self.b = builder
        self.ctx = builder.ctx
        self.src = builder.source

    def apply(self, fault: str, seen: tuple[str, ...] = ()) -> None:
        steps = self.src.spec.faults.get(fault)
        if steps is None:
            raise self.src.error(("faults",), f"no fault named {fault!r}")
        for i, step in enumerate(steps):
            loc = ("faults", fault, i)
            if not isinstance(step, dict) or not step:
                raise self.src.error(loc, "a fault step must be a mapping with one kind key")
            kinds = [k for k in step if k in ("fis", "use") + HAND_FAULTS]
            if len(kinds) != 1:
                raise self.src.error(loc, f"a step needs exactly one of: fis, use, {', '.join(HAND_FAULTS)}")
            kind = kinds[0]
            if kind == "use":
                other = str(step["use"])
                if other in seen + (fault,):
                    raise self.src.error(loc + ("use",), f"fault {other!r} uses itself")
                if other not in self.src.spec.faults:
                    raise self.src.error(loc + ("use",), f"no fault named {other!r}")
                self.apply(other, seen + (fault,))
            elif kind == "fis":
                self._fis(loc, step)
            else:
                getattr(self, f"_{kind}")(loc + (kind,), step[kind] or {})

    # -- FIS --------------------------------------------------------------------------------------
    def _fis(self, loc: tuple[Any, ...], step: dict[str, Any]) -> None:
        extra = set(step) - {"fis", "region"}
        if extra:
            raise self.src.error(loc + (sorted(extra)[0],), "unknown key in a fis step (fis, region)")
        region = step.get("region") or next(iter(self.src.spec.regions))
        if region not in self.src.spec.regions:
            raise self.src.error(loc + ("region",), f"Region {region!r} is not in this scenario")
        t = fis.load_template(
            step["fis"], self.src.path.parent, f"{self.src.path}:{format_path(loc + ('fis',))}"
        )
        for action in fis.validate(t):
            if not action.modelled:
                self.ctx.notes.append(
                    f"not modelled: FIS action {action.name} ({action.action_id}) of {Path(t.name).name}"
                )
                continue
            arns = fis.select(t, action.target_name or "", self._candidates(region, action.action_id))
            label = f"fis {Path(t.name).name}: {action.name} ({action.action_id}"
            if action.parameters.get("scope"):
                label += f", scope {action.parameters['scope']}"
            if action.parameters.get("region"):
                self.ctx.fault_regions.add(action.parameters["region"])
                label += f", region {action.parameters['region']}"
            if not arns:
                if fis.empty_mode(t) == "skip":
                    self.ctx.notes.append(
                        f"{label}): no targets resolved, skipped (emptyTargetResolutionMode skip)"
                    )
                    continue
                raise t.error(
                    f"targets.{action.target_name}",
                    "matches no resource in this world "
                    "(set experimentOptions.emptyTargetResolutionMode to skip to allow this)",
                )
            ids = [a.rsplit("/", 1)[1] for a in arns]
            self.ctx.faults.append(f"{label}) on {', '.join(ids)}")
            if action.action_id == fis.DISRUPT:
                for sid in ids:
                    self.disrupt_connectivity(
                        region,
                        sid,
                        action.parameters.get("scope", "all"),
                        action.parameters.get("prefixListIdentifier"),
                        t,
                    )
            elif action.action_id == fis.RT_CROSS:
                for sid in ids:
                    self.route_table_cross_region(region, sid, action.parameters["region"])
            elif action.action_id == fis.TGW_CROSS:
                for tid in ids:
                    self.tgw_cross_region(region, tid, action.parameters["region"])
            else:
                for vid in ids:
                    self.disrupt_vpc_endpoint(region, vid)

    def _candidates(self, region: str, action_id: str) -> list[tuple[str, dict[str, Any]]]:
        ec2 = self.b.ec2(region)
        if action_id in (fis.DISRUPT, fis.RT_CROSS):
            items = ec2.describe_subnets()["Subnets"]
            return [
                (self.b.arn(region, "subnet", s["SubnetId"]), s) for s in items if not s.get("DefaultForAz")
            ]
        if action_id == fis.TGW_CROSS:
            items = ec2.describe_transit_gateways()["TransitGateways"]
            return [(self.b.arn(region, "transit-gateway", g["TransitGatewayId"]), g) for g in items]
        items = ec2.describe_vpc_endpoints()["VpcEndpoints"]
        return [
            (self.b.arn(region, "vpc-endpoint", e["VpcEndpointId"]), e)
            for e in items
            if e.get("VpcEndpointType") == "Interface"
        ]

    def disrupt_connectivity(
        self, region: str, subnet_id: str, scope: str, pl_ident: str | None, t: fis.Template
    ) -> None:
        ec2 = self.b.ec2(region)
        subnet = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
        vpc = ec2.describe_vpcs(VpcIds=[subnet["VpcId"]])["Vpcs"][0]
        allow: list[str] = []
        deny: list[str] = []
        if scope == "all":
            allow, deny = [subnet["CidrBlock"]], ["0.0.0.0/0"]
        elif scope == "vpc":
            allow = sorted(a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet", [])) or [
                vpc["CidrBlock"]
            ]
            deny = ["0.0.0.0/0"]
        elif scope == "availability-zone":
            others = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [subnet["VpcId"]]}])[
                "Subnets"
            ]
            deny = sorted(
                s["CidrBlock"] for s in others if s["AvailabilityZone"] != subnet["AvailabilityZone"]
            )
        elif scope == "prefix-list":
            deny = self._prefix_list_cidrs(region, pl_ident or "", t)
        else:
            deny = _service_cidrs(region, scope)
        old = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])
        old_entries = [e for e in old["NetworkAcls"][0]["Entries"] if e["RuleNumber"] != 32767]
        new = ec2.create_network_acl(VpcId=subnet["VpcId"], TagSpecifications=_fis_tags("network-acl"))[
            "NetworkAcl"
        ]["NetworkAclId"]
        for egress in (False, True):
            rule = 0
            for action, cidrs in (("allow", allow), ("deny", deny)):
                for cidr in cidrs:
                    rule += 1
                    ec2.create_network_acl_entry(
                        NetworkAclId=new,
                        RuleNumber=rule,
                        Protocol="-1",
                        RuleAction=action,
                        Egress=egress,
                        CidrBlock=cidr,
                    )
            mine = [e for e in old_entries if e["Egress"] == egress]
            shift = rule if mine and min(e["RuleNumber"] for e in mine) <= rule else 0
            for e in mine:
                kwargs = {k: e[k] for k in ("Protocol", "RuleAction", "Egress", "CidrBlock") if k in e}
                for k in ("PortRange", "IcmpTypeCode"):
                    if k in e:
                        kwargs[k] = e[k]
                number = min(e["RuleNumber"] + shift, 32766)
                icmp = self.ctx.icmp.get((old["NetworkAcls"][0]["NetworkAclId"], e["RuleNumber"], egress))
                if icmp is not None:
                    kwargs["IcmpTypeCode"] = {"Type": icmp[0], "Code": icmp[1]}
                    self.ctx.icmp[(new, number, egress)] = icmp
                ec2.create_network_acl_entry(NetworkAclId=new, RuleNumber=number, **kwargs)
        self.b.swap_nacl(region, subnet_id, new)

    def _prefix_list_cidrs(self, region: str, ident: str, t: fis.Template) -> list[str]:
        ec2 = self.b.ec2(region)
        for pl in ec2.describe_managed_prefix_lists()["PrefixLists"]:
            if ident in (pl["PrefixListId"], pl.get("PrefixListName"), pl.get("PrefixListArn")):
                entries = ec2.get_managed_prefix_list_entries(PrefixListId=pl["PrefixListId"])["Entries"]
                return sorted(e["Cidr"] for e in entries)
        raise t.error("parameters.prefixListIdentifier", f"no managed prefix list {ident!r} in {region}")

    def route_table_cross_region(self, region: str, subnet_id: str, target_region: str) -> None:
        ec2 = self.b.ec2(region)
        subnet = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
        vpc_id = subnet["VpcId"]
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
        explicit = next(
            ((t, a) for t in tables for a in t["Associations"] if a.get("SubnetId") == subnet_id), None
        )
        current = (
            explicit[0]
            if explicit
            else next(t for t in tables if any(a.get("Main") for a in t["Associations"]))
        )
        eni = ec2.create_network_interface(
            SubnetId=subnet_id,
            Description=f"FIS cross-Region blackhole for {target_region}",
            TagSpecifications=_fis_tags("network-interface"),
        )["NetworkInterface"]["NetworkInterfaceId"]
        new = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=_fis_tags("route-table"))["RouteTable"][
            "RouteTableId"
        ]
        peer_regions = self._peering_regions(region)
        used: set[str] = set()
        for route in current["Routes"]:
            if route.get("GatewayId") == "local" or route.get("Origin") != "CreateRoute":
                continue
            dest = {k: route[k] for k in ("DestinationCidrBlock", "DestinationPrefixListId") if k in route}
            target = {
                k: route[k]
                for k in (
                    "GatewayId",
                    "NatGatewayId",
                    "TransitGatewayId",
                    "InstanceId",
                    "VpcPeeringConnectionId",
                    "NetworkInterfaceId",
                )
                if k in route
            }
            if peer_regions.get(route.get("VpcPeeringConnectionId", "")) == target_region:
                target = {"NetworkInterfaceId": eni}  # cross-Region peering to that Region: cut
            if "InstanceId" in target:
                target = {"InstanceId": target["InstanceId"]}
            ec2.create_route(RouteTableId=new, **dest, **target)
            used.add(dest.get("DestinationCidrBlock", ""))
        for cidr in shipped_ip_ranges().region_cidrs(target_region):
            if cidr not in used:
                ec2.create_route(RouteTableId=new, DestinationCidrBlock=cidr, NetworkInterfaceId=eni)
        # Keep gateway endpoints working on the new table, as FIS does.
        for ep in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
            "VpcEndpoints"
        ]:
            if current["RouteTableId"] in ep.get("RouteTableIds", []):
                ec2.modify_vpc_endpoint(VpcEndpointId=ep["VpcEndpointId"], AddRouteTableIds=[new])
        if explicit:
            ec2.replace_route_table_association(
                AssociationId=explicit[1]["RouteTableAssociationId"], RouteTableId=new
            )
        else:
            ec2.associate_route_table(RouteTableId=new, SubnetId=subnet_id)

    def _peering_regions(self, region: str) -> dict[str, str]:
        """Peering id -> the Region of the *other* side, for peerings seen from ``region``."""
        out = {}
        for pcx in self.b.ec2(region).describe_vpc_peering_connections()["VpcPeeringConnections"]:
            req, acc = pcx["RequesterVpcInfo"], pcx["AccepterVpcInfo"]
            other = acc if req.get("Region", region) == region else req
            out[pcx["VpcPeeringConnectionId"]] = other.get("Region", region)
        return out

    def tgw_cross_region(self, region: str, tgw_id: str, target_region: str) -> None:
        ec2 = self.b.ec2(region)
        peerings = ec2.describe_transit_gateway_peering_attachments()["TransitGatewayPeeringAttachments"]
        cut = set()
        for p in peerings:
            if "RequesterTgwInfo" not in p:  # moto also lists VPC attachments here
                continue
            req, acc = p["RequesterTgwInfo"], p["AccepterTgwInfo"]
            if req["TransitGatewayId"] == tgw_id and acc.get("Region") == target_region:
                cut.add(p["TransitGatewayAttachmentId"])
            elif acc["TransitGatewayId"] == tgw_id and req.get("Region") == target_region:
                cut.add(p["TransitGatewayAttachmentId"])
        tables = ec2.describe_transit_gateway_route_tables(
            Filters=[{"Name": "transit-gateway-id", "Values": [tgw_id]}]
        )["TransitGatewayRouteTables"]
        for table in tables:
            rtb = table["TransitGatewayRouteTableId"]
            for a in ec2.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=rtb)[
                "Associations"
            ]:
                if a["TransitGatewayAttachmentId"] in cut:
                    ec2.disassociate_transit_gateway_route_table(
                        TransitGatewayRouteTableId=rtb,
                        TransitGatewayAttachmentId=a["TransitGatewayAttachmentId"],
                    )

    def disrupt_vpc_endpoint(self, region: str, vpce_id: str) -> None:
        ec2 = self.b.ec2(region)
        ep = ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])["VpcEndpoints"][0]
        sg = ec2.create_security_group(
            VpcId=ep["VpcId"],
            GroupName=f"FIS-{vpce_id}",
            Description="FIS disrupt-vpc-endpoint: no rules",
            TagSpecifications=_fis_tags("security-group"),
        )["GroupId"]
        ec2.revoke_security_group_egress(
            GroupId=sg, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        )
        old = [g["GroupId"] for g in ep.get("Groups", [])]
        ec2.modify_vpc_endpoint(VpcEndpointId=vpce_id, AddSecurityGroupIds=[sg], RemoveSecurityGroupIds=old)

    # -- hand faults -------------------------------------------------------------------------------
    def _args(self, loc: tuple[Any, ...], args: Any, keys: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(args, dict):
            raise self.src.error(loc, f"expected a mapping with {', '.join(keys)}")
        for k in args:
            if k not in keys:
                raise self.src.error(loc + (k,), f"unknown key; expected {', '.join(keys)}")
        return args

    def _revoke_sg_rule(self, loc: tuple[Any, ...], args: Any) -> None:
        a = self._args(loc, args, ("group", "direction", "rule"))
        sg = self.b.need(loc + ("group",), str(a.get("group")), ("sg",))
        direction = a.get("direction", "ingress")
        try:
            rule = SgRuleSpec.model_validate(a.get("rule") or {})
        except ValidationError as exc:
            e = exc.errors()[0]
            raise self.src.error(loc + ("rule",) + tuple(e["loc"]), e["msg"]) from None
        perm = self.b.permission(loc + ("rule",), rule, sg.region)
        call = {"ingress": "revoke_security_group_ingress", "egress": "revoke_security_group_egress"}.get(
            direction
        )
        if call is None:
            raise self.src.error(loc + ("direction",), "must be ingress or egress")
        getattr(self.b.ec2(sg.region), call)(GroupId=sg.id, IpPermissions=[perm])
        self.ctx.faults.append(f"hand: revoke {direction} rule {perm} from {sg.id}")

    def _add_nacl_entry(self, loc: tuple[Any, ...], args: Any) -> None:
        a = self._args(loc, args, ("subnet", "nacl", "entry"))
        if "subnet" in a:
            sub = self.b.need(loc + ("subnet",), str(a["subnet"]), ("subnet",))
            acls = self.b.ec2(sub.region).describe_network_acls(
                Filters=[{"Name": "association.subnet-id", "Values": [sub.id]}]
            )["NetworkAcls"]
            acl_id, region = acls[0]["NetworkAclId"], sub.region
        else:
            acl = self.b.need(loc + ("nacl",), str(a.get("nacl")), ("nacl",))
            acl_id, region = acl.id, acl.region
        try:
            entry = NaclEntrySpec.model_validate(a.get("entry") or {})
        except ValidationError as exc:
            e = exc.errors()[0]
            raise self.src.error(loc + ("entry",) + tuple(e["loc"]), e["msg"]) from None
        self.b.nacl_entry(loc + ("entry",), region, acl_id, entry)
        self.ctx.faults.append(
            f"hand: NACL {acl_id} entry {entry.rule} {'egress' if entry.egress else 'ingress'} "
            f"{entry.action} {entry.protocol} {entry.cidr}"
        )

    def _route(self, loc: tuple[Any, ...], args: Any) -> tuple[Any, str]:
        a = self._args(loc, args, ("route_table", "destination"))
        rt = self.b.need(loc + ("route_table",), str(a.get("route_table")), ("rtb",))
        dest = str(a.get("destination"))
        routes = self.b.ec2(rt.region).describe_route_tables(RouteTableIds=[rt.id])["RouteTables"][0][
            "Routes"
        ]
        if not any(r.get("DestinationCidrBlock") == dest for r in routes):
            raise self.src.error(
                loc + ("destination",), f"route table {a.get('route_table')} has no route to {dest}"
            )
        return rt, dest

    def _delete_route(self, loc: tuple[Any, ...], args: Any) -> None:
        rt, dest = self._route(loc, args)
        self.b.ec2(rt.region).delete_route(RouteTableId=rt.id, DestinationCidrBlock=dest)
        self.ctx.faults.append(f"hand: delete route {dest} from {rt.id}")

    def _blackhole_route(self, loc: tuple[Any, ...], args: Any) -> None:
        rt, dest = self._route(loc, args)
        self.ctx.blackholed.append((rt.id, dest))
        self.ctx.faults.append(f"hand: route {dest} in {rt.id} is a blackhole (its target is gone)")

    def _detach_igw(self, loc: tuple[Any, ...], args: Any) -> None:
        a = self._args(loc, args, ("internet_gateway",))
        igw = self.b.need(loc + ("internet_gateway",), str(a.get("internet_gateway")), ("igw",))
        self.b.ec2(igw.region).detach_internet_gateway(InternetGatewayId=igw.id, VpcId=igw.vpc)
        self.ctx.faults.append(f"hand: detach {igw.id} from {igw.vpc}")

    def _delete_nat(self, loc: tuple[Any, ...], args: Any) -> None:
        a = self._args(loc, args, ("nat_gateway",))
        nat = self.b.need(loc + ("nat_gateway",), str(a.get("nat_gateway")), ("nat",))
        self.b.ec2(nat.region).delete_nat_gateway(NatGatewayId=nat.id)
        self.ctx.faults.append(f"hand: delete NAT gateway {nat.id}")

    def _delete_peering(self, loc: tuple[Any, ...], args: Any) -> None:
        a = self._args(loc, args, ("peering",))
        pcx = self.b.need(loc + ("peering",), str(a.get("peering")), ("pcx",))
        self.b.ec2(pcx.region).delete_vpc_peering_connection(VpcPeeringConnectionId=pcx.id)
        self.ctx.faults.append(f"hand: delete VPC peering connection {pcx.id}")


def _service_cidrs(region: str, scope: str) -> list[str]:
    """The Region's published ranges of the service (S3 Express has no separate set: S3's are used)."""
    import ipaddress

    nets = {
        ipaddress.ip_network(p.prefix)
        for p in shipped_ip_ranges().for_region(region, [SERVICE_RANGES[scope]])
    }
    return [str(n) for n in ipaddress.collapse_addresses(sorted(nets))]
