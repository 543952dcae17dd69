"""The reader is read-only by construction and its output is clean and deterministic."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest
from moto import mock_aws

from bench.world.reader import REGION_CALLS, clean, read_account
from bench.world.readonly import ReadOnlyViolation, guard_client, is_read_only, read_only_client


@pytest.fixture()
def session(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():
        yield boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )


def test_guard_refuses_run_instances_before_it_is_sent(session) -> None:
    ec2 = read_only_client(session, "ec2", "us-east-1")
    with pytest.raises(ReadOnlyViolation, match="refused ec2:RunInstances"):
        ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)
    # Nothing reached the (mocked) account.
    assert session.client("ec2").describe_instances()["Reservations"] == []
    # Reads still work through the same client.
    assert "Vpcs" in ec2.describe_vpcs()


@pytest.mark.parametrize(
    "op",
    [
        "CreateVpc",
        "DeleteSubnet",
        "ModifyVpcEndpoint",
        "AuthorizeSecurityGroupIngress",
        "AcceptTransitGatewayPeeringAttachment",
        "TerminateInstances",
    ],
)
def test_guard_refuses_every_mutating_operation(op: str) -> None:
    assert not is_read_only(op)


def test_guard_allows_every_call_the_reader_makes() -> None:
    for _, op in REGION_CALLS:
        assert is_read_only(op)
    assert is_read_only("SearchTransitGatewayRoutes") and is_read_only("GetManagedPrefixListEntries")


def test_guard_on_other_services_and_idempotent(session) -> None:
    rds = guard_client(guard_client(session.client("rds", region_name="us-east-1")))
    with pytest.raises(ReadOnlyViolation, match="rds:CreateDBSubnetGroup"):
        rds.create_db_subnet_group(
            DBSubnetGroupName="x", DBSubnetGroupDescription="x", SubnetIds=["subnet-1"]
        )


def test_clean_strips_metadata_and_times_and_orders_lists() -> None:
    body = {
        "ResponseMetadata": {"RequestId": "r"},
        "NextToken": "t",
        "Vpcs": [
            {"VpcId": "vpc-b", "CreateTime": dt.datetime(2024, 1, 1)},
            {"VpcId": "vpc-a", "Tags": [{"Key": "z", "Value": "1"}, {"Key": "a", "Value": "2"}]},
        ],
    }
    out = clean(body)
    assert out == {
        "Vpcs": [
            {"Tags": [{"Key": "a", "Value": "2"}, {"Key": "z", "Value": "1"}], "VpcId": "vpc-a"},
            {"VpcId": "vpc-b"},
        ]
    }


def test_read_account_paginates_and_reads_per_resource_calls(session) -> None:
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    for i in range(7):
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24")
    tgw = ec2.create_transit_gateway(Description="t")["TransitGateway"]
    first = read_account(session, ["us-east-1"])
    second = read_account(session, ["us-east-1"])
    assert first == second
    body = first["us-east-1"]
    assert len([s for s in body["ec2:DescribeSubnets"]["Subnets"] if s["VpcId"] == vpc]) == 7
    rtb = tgw["Options"]["AssociationDefaultRouteTableId"]
    assert set(body["ec2:SearchTransitGatewayRoutes"]) == {rtb}
    assert "ResponseMetadata" not in body["ec2:DescribeVpcs"]
    assert body["ec2:GetManagedPrefixListEntries"]  # AWS-managed lists (s3, dynamodb) have entries
    text = repr(first)
    assert "datetime" not in text and "testing" not in text  # no timestamps, no credentials
