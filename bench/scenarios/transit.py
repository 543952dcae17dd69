"""Transit of a scenario: transit gateways and their attachments, VPC and TGW peerings, then routes.

Routes come last because their targets (NAT gateways, TGWs, peerings) must exist first. Mixed into
``Builder``; kept apart so each module stays small.
"""

from __future__ import annotations

from typing import Any

from bench.scenarios.context import Ref
from bench.scenarios.spec import RegionSpec


def tag_spec(resource_type: str, name: str, extra: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The Name tag is the scenario name unless ``extra`` sets one (console names repeat; refs may not)."""
    extra = dict(extra or {})
    tags = [{"Key": "Name", "Value": extra.pop("Name", name)}]
    tags += [{"Key": k, "Value": v} for k, v in sorted(extra.items())]
    return [{"ResourceType": resource_type, "Tags": tags}]


class TransitMixin:
    """Uses ``Builder``'s ``ctx``, ``source``, ``ec2``, ``need``, ``add``, ``arn``, ``prefix_list_id``."""

    ctx: Any
    source: Any
    ec2: Any
    need: Any
    add: Any
    arn: Any
    prefix_list_id: Any

    def _tgw(self, loc: tuple[Any, ...], region: str, tgw: Any) -> None:
        ec2 = self.ec2(region)
        resp = ec2.create_transit_gateway(
            Description=tgw.name,
            Options={"AmazonSideAsn": tgw.asn},
            TagSpecifications=tag_spec("transit-gateway", tgw.name, tgw.tags),
        )["TransitGateway"]
        tgw_id = resp["TransitGatewayId"]
        rtb = resp["Options"]["AssociationDefaultRouteTableId"]
        ec2.create_tags(Resources=[rtb], Tags=[{"Key": "Name", "Value": f"{tgw.name}-rtb"}])
        self.add(
            loc,
            tgw.name,
            Ref("tgw", tgw_id, region, arn=self.arn(region, "transit-gateway", tgw_id), extra={"rtb": rtb}),
        )
        for i, att in enumerate(tgw.attachments):
            aloc = loc + ("attachments", i)
            vpc = self.need(aloc + ("vpc",), att.vpc, ("vpc",))
            subnets = [self.need(aloc + ("subnets", j), s, ("subnet",)).id for j, s in enumerate(att.subnets)]
            att_id = ec2.create_transit_gateway_vpc_attachment(
                TransitGatewayId=tgw_id,
                VpcId=vpc.id,
                SubnetIds=subnets,
                TagSpecifications=tag_spec("transit-gateway-attachment", att.name),
            )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
            # AWS propagates a VPC attachment into the default propagation table by itself; moto doesn't.
            ec2.enable_transit_gateway_route_table_propagation(
                TransitGatewayRouteTableId=rtb, TransitGatewayAttachmentId=att_id
            )
            self.add(aloc, att.name, Ref("tgw-attach", att_id, region, vpc.id, extra={"tgw": tgw_id}))

    def _vpc_peering(self, loc: tuple[Any, ...], name: str, requester: str, accepter: str) -> None:
        req = self.need(loc + ("requester",), requester, ("vpc",))
        acc = self.need(loc + ("accepter",), accepter, ("vpc",))
        pcx = self.ec2(req.region).create_vpc_peering_connection(
            VpcId=req.id,
            PeerVpcId=acc.id,
            PeerRegion=acc.region,
            PeerOwnerId=self.ctx.account_id,
            TagSpecifications=tag_spec("vpc-peering-connection", name),
        )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        self.ec2(acc.region).accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        self.add(loc, name, Ref("pcx", pcx, req.region, extra={"accepter_region": acc.region}))

    def _tgw_peering(self, loc: tuple[Any, ...], name: str, requester: str, accepter: str) -> None:
        req = self.need(loc + ("requester",), requester, ("tgw",))
        acc = self.need(loc + ("accepter",), accepter, ("tgw",))
        att = self.ec2(req.region).create_transit_gateway_peering_attachment(
            TransitGatewayId=req.id,
            PeerTransitGatewayId=acc.id,
            PeerAccountId=self.ctx.account_id,
            PeerRegion=acc.region,
            TagSpecifications=tag_spec("transit-gateway-attachment", name),
        )["TransitGatewayPeeringAttachment"]["TransitGatewayAttachmentId"]
        self.ec2(acc.region).accept_transit_gateway_peering_attachment(TransitGatewayAttachmentId=att)
        for side in (req, acc):
            self._ensure_associated(side.region, side.extra["rtb"], att)
        self.add(
            loc,
            name,
            Ref(
                "tgw-peering",
                att,
                req.region,
                extra={"tgw": req.id, "peer_tgw": acc.id, "peer_region": acc.region},
            ),
        )

    def _ensure_associated(self, region: str, rtb: str, att: str) -> None:
        ec2 = self.ec2(region)
        assocs = ec2.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=rtb)
        if not any(a["TransitGatewayAttachmentId"] == att for a in assocs["Associations"]):
            ec2.associate_transit_gateway_route_table(
                TransitGatewayRouteTableId=rtb, TransitGatewayAttachmentId=att
            )

    # -- routes ---------------------------------------------------------------------------------
    _TARGET_PARAM = {
        "igw": "GatewayId",
        "vgw": "GatewayId",
        "nat": "NatGatewayId",
        "tgw": "TransitGatewayId",
        "pcx": "VpcPeeringConnectionId",
        "instance": "InstanceId",
    }

    def _routes(self, base: tuple[Any, ...], region: str, rspec: RegionSpec) -> None:
        ec2 = self.ec2(region)
        for i, vpc in enumerate(rspec.vpcs):
            for j, rt in enumerate(vpc.route_tables):
                rloc = base + ("vpcs", i, "route_tables", j)
                rt_id = self.ctx.refs[rt.name].id
                for k, route in enumerate(rt.routes):
                    kloc = rloc + ("routes", k)
                    target = self.need(kloc + ("target",), route.target, tuple(self._TARGET_PARAM))
                    kwargs: dict[str, Any] = {
                        "RouteTableId": rt_id,
                        self._TARGET_PARAM[target.kind]: target.id,
                    }
                    if route.destination_prefix_list:
                        kwargs["DestinationPrefixListId"] = self.prefix_list_id(
                            kloc + ("destination_prefix_list",), route.destination_prefix_list, region
                        )
                    elif route.destination:
                        kwargs["DestinationCidrBlock"] = route.destination
                    else:
                        raise self.source.error(kloc, "a route needs destination or destination_prefix_list")
                    ec2.create_route(**kwargs)
                for k, vgw in enumerate(rt.propagate_from):
                    ref = self.need(rloc + ("propagate_from", k), vgw, ("vgw",))
                    # moto 5.2.1 has no EnableVgwRoutePropagation: recorded, applied by corrections.
                    self.ctx.vgw_propagation.setdefault(rt_id, []).append(ref.id)
        for i, tgw in enumerate(rspec.transit_gateways):
            tref = self.ctx.refs[tgw.name]
            for k, route in enumerate(tgw.routes):
                kloc = base + ("transit_gateways", i, "routes", k)
                kwargs = {
                    "DestinationCidrBlock": route.destination,
                    "TransitGatewayRouteTableId": tref.extra["rtb"],
                }
                if route.blackhole:
                    kwargs["Blackhole"] = True
                else:
                    if not route.attachment:
                        raise self.source.error(kloc, "a TGW route needs attachment or blackhole: true")
                    kwargs["TransitGatewayAttachmentId"] = self.need(
                        kloc + ("attachment",), route.attachment, ("tgw-attach", "tgw-peering")
                    ).id
                ec2.create_transit_gateway_route(**kwargs)
                if not route.blackhole:
                    self.ctx.tgw_static[(tref.extra["rtb"], route.destination)] = kwargs[
                        "TransitGatewayAttachmentId"
                    ]
