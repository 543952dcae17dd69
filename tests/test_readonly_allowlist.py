"""The read-only guard admits exactly the reader's operations, checked against botocore's models."""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import botocore.session
import pytest
from moto import mock_aws

import bench.world.reader as reader
from bench.world.readonly import ReadOnlyViolation, guard_client, read_only_client


@pytest.fixture()
def session(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():
        yield boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )


# Get* calls that create credentials or identities: a prefix rule let them through.
# https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
# https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html
# https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_GetId.html
# https://docs.aws.amazon.com/redshift/latest/APIReference/API_GetClusterCredentials.html
CREDENTIAL_MAKERS = [
    ("sts", "get_session_token", {}),
    ("sts", "get_federation_token", {"Name": "probe"}),
    ("cognito-identity", "get_id", {"IdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000"}),
    ("redshift", "get_cluster_credentials", {"DbUser": "u", "ClusterIdentifier": "c"}),
]


@pytest.mark.parametrize(("service", "method", "params"), CREDENTIAL_MAKERS)
def test_get_calls_that_create_credentials_are_refused(
    session, service: str, method: str, params: dict
) -> None:
    client = read_only_client(session, service, "us-east-1")
    with pytest.raises(ReadOnlyViolation, match="refused"):
        getattr(client, method)(**params)


def test_the_allow_list_is_exactly_what_the_reader_calls() -> None:
    source = Path(reader.__file__).read_text(encoding="utf-8")
    called = set(re.findall(r'self\.call\(\s*"([a-z0-9-]+)",\s*"([A-Za-z]+)"', source))
    called |= {(s, op) for s, op in reader.REGION_CALLS}
    if "get_caller_identity()" in source:
        called.add(("sts", "GetCallerIdentity"))
    assert called == set(reader.READ_OPERATIONS)


def test_every_allowed_operation_exists_in_botocore_and_only_reads() -> None:
    bc = botocore.session.get_session()
    for service, op in sorted(reader.READ_OPERATIONS):
        model = bc.get_service_model(service)
        assert op in model.operation_names, (service, op)
        assert op.startswith(("Describe", "List", "Get", "Search")), op


def test_an_allow_list_with_an_unknown_operation_is_refused(session) -> None:
    with pytest.raises(ValueError, match="DescribeVpcz"):
        guard_client(session.client("ec2", region_name="us-east-1"), [("ec2", "DescribeVpcz")])


def test_the_docs_state_the_threat_model() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "worlds.md").read_text(encoding="utf-8")
    assert "not a sandbox" in text and "READ_OPERATIONS" in text
