"""normalize() on responses from real boto3 Describe calls against moto: the shapes botocore parses are
the shapes the normalizer reads (no hand-written fixture can drift from the service model here)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bench.world.normalize import normalize
from bench.world.snapshot import dumps_snapshot

REGION = "us-east-1"
CALLS = [
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
    ("ec2", "DescribeTransitGatewayRouteTables"),
    ("ec2", "DescribeManagedPrefixLists"),
    ("ec2", "DescribePrefixLists"),
    ("rds", "DescribeDBInstances"),
    ("autoscaling", "DescribeAutoScalingGroups"),
]


def _snake(op: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in op).lstrip("_").replace("d_b_", "db_")


def _read(session: boto3.Session) -> dict[str, Any]:
    """A plain boto3 capture: every Describe call, pages merged, ResponseMetadata dropped."""
    out: dict[str, Any] = {}
    for service, op in CALLS:
        client = session.client(service, region_name=REGION)
        method = _snake(op)
        if client.can_paginate(method):
            merged: dict[str, Any] = {}
            for page in client.get_paginator(method).paginate():
                for k, v in page.items():
                    if isinstance(v, list):
                        merged.setdefault(k, []).extend(v)
            body = merged
        else:
            body = {k: v for k, v in getattr(client, method)().items() if k != "ResponseMetadata"}
        out[f"{service}:{op}"] = body
    ec2 = session.client("ec2", region_name=REGION)
    routes, assocs = {}, {}
    for t in out["ec2:DescribeTransitGatewayRouteTables"]["TransitGatewayRouteTables"]:
        rid = t["TransitGatewayRouteTableId"]
        found = ec2.search_transit_gateway_routes(
            TransitGatewayRouteTableId=rid, Filters=[{"Name": "state", "Values": ["active", "blackhole"]}]
        )
        routes[rid] = {k: v for k, v in found.items() if k != "ResponseMetadata"}
        got = ec2.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=rid)
        assocs[rid] = {k: v for k, v in got.items() if k != "ResponseMetadata"}
    out["ec2:SearchTransitGatewayRoutes"] = routes
    out["ec2:GetTransitGatewayRouteTableAssociations"] = assocs
    return out


def _build(session: boto3.Session) -> dict[str, str]:
    ec2 = session.client("ec2", region_name=REGION)
    ids: dict[str, str] = {}
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    pub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    priv = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b")["Subnet"][
        "SubnetId"
    ]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )
    main_rtb = main["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=priv)
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=other)["VpcPeeringConnection"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx["VpcPeeringConnectionId"])
    ec2.create_route(
        RouteTableId=rtb,
        DestinationCidrBlock="10.9.0.0/16",
        VpcPeeringConnectionId=pcx["VpcPeeringConnectionId"],
    )
    tgw = ec2.create_transit_gateway(Description="lab")["TransitGateway"]["TransitGatewayId"]
    att = ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[priv])
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.1.0.0/16", TransitGatewayId=tgw)
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", RouteTableIds=[rtb], VpcEndpointType="Gateway"
    )
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=100,
        Protocol="1",
        RuleAction="allow",
        Egress=False,
        CidrBlock="10.0.0.0/8",
        IcmpTypeCode={"Type": -1, "Code": -1},
    )
    ec2.create_network_acl_entry(
        NetworkAclId=acl,
        RuleNumber=110,
        Protocol="6",
        RuleAction="deny",
        Egress=False,
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 22, "To": 22},
    )
    current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [priv]}])
    assoc = next(a for a in current["NetworkAcls"][0]["Associations"] if a["SubnetId"] == priv)
    ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl)
    web = ec2.create_security_group(GroupName="web-sg", Description="web", VpcId=vpc)["GroupId"]
    app = ec2.create_security_group(GroupName="app-sg", Description="app", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=app,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": web}]},
            {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        ],
    )
    run = ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        SubnetId=priv,
        SecurityGroupIds=[app],
        PrivateIpAddress="10.0.1.10",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "app-1"}]}],
    )
    ids.update(
        vpc=vpc,
        pub=pub,
        priv=priv,
        igw=igw,
        main_rtb=main_rtb,
        rtb=rtb,
        tgw=tgw,
        acl=acl,
        app=app,
        web=web,
        pcx=pcx["VpcPeeringConnectionId"],
        att=att["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"],
        instance=run["Instances"][0]["InstanceId"],
    )
    return ids


@pytest.fixture(scope="module")
def moto_world():
    with mock_aws():
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        ids = _build(session)
        section = _read(session)
    raw = {
        "format": "reachbench-world",
        "schema_version": 1,
        "name": "moto-tiny",
        "account_id": "123456789012",
        "regions": {REGION: section},
    }
    raw = json.loads(dumps_snapshot(raw))  # exactly what a snapshot file holds
    return normalize(raw, source="moto-tiny"), ids


def test_moto_topology_normalizes(moto_world) -> None:
    w, ids = moto_world
    assert "10.0.0.0/16" in w.vpcs[ids["vpc"]].cidrs
    assert w.subnets[ids["pub"]].route_table_id == ids["main_rtb"]  # main-table fallback
    assert not w.subnets[ids["pub"]].route_table_explicit
    assert w.subnets[ids["priv"]].route_table_id == ids["rtb"]
    assert w.subnets[ids["priv"]].network_acl_id == ids["acl"]
    kinds = {(r.target_type, r.target_id) for r in w.route_tables[ids["rtb"]].routes}
    assert {("local", None), ("pcx", ids["pcx"]), ("tgw", ids["tgw"])} <= {(k, t) for k, t in kinds}
    assert any(k == "vpce" for k, _ in kinds)  # the S3 gateway endpoint's prefix-list route
    assert ("igw", ids["igw"]) in {
        (r.target_type, r.target_id) for r in w.route_tables[ids["main_rtb"]].routes
    }


def test_moto_security_and_acl_rules(moto_world) -> None:
    w, ids = moto_world
    ingress = {r.protocol: r for r in w.security_groups[ids["app"]].ingress}
    assert ingress["tcp"].group_ids == (ids["web"],) and (
        ingress["tcp"].port_from,
        ingress["tcp"].port_to,
    ) == (8080, 8080)
    assert (ingress["icmp"].port_from, ingress["icmp"].cidrs) == (8, ("10.0.0.0/8",))
    entries = {(e.egress, e.rule_number): e for e in w.network_acls[ids["acl"]].entries}
    assert entries[(False, 100)].protocol == "icmp"
    deny = entries[(False, 110)]
    assert (deny.protocol, deny.action, deny.port_from, deny.port_to) == ("tcp", "deny", 22, 22)


def test_moto_instance_eni_tgw_endpoint(moto_world) -> None:
    w, ids = moto_world
    inst = w.instances[ids["instance"]]
    assert (inst.private_ip, inst.subnet_id, inst.name, inst.group_ids) == (
        "10.0.1.10",
        ids["priv"],
        "app-1",
        (ids["app"],),
    )
    eni = w.network_interfaces[inst.eni_ids[0]]
    assert (eni.kind, eni.attached_to, eni.private_ips[0]) == ("instance", ids["instance"], "10.0.1.10")
    att = w.transit_gateway_attachments[ids["att"]]
    assert (att.resource_type, att.resource_id, att.transit_gateway_id) == ("vpc", ids["vpc"], ids["tgw"])
    assert att.subnet_ids == (ids["priv"],)
    (endpoint,) = w.vpc_endpoints.values()
    assert endpoint.endpoint_type == "Gateway" and endpoint.route_table_ids == (ids["rtb"],)
    assert endpoint.prefix_list_id is not None
    pcx = w.vpc_peering_connections[ids["pcx"]]
    assert pcx.status == "active" and pcx.accepter_cidrs == ("10.9.0.0/16",)
