"""Console phrasings the hand-written set exposed, each pinned on a small hand-made inventory.

Not the hand-written questions themselves (tests/test_handwritten.py scores those): one behaviour per
test, so that a change in how rules reads ports, names, "the internet" or hops says which one broke.
"""

from __future__ import annotations

import pytest

from bench.cases.schema import CaseInput, Context, InventoryItem
from bench.translators.registry import make_translator
from bench.translators.rules.lexicon import find_traffic

VPC = "vpc-0a1b2c3d4e5f60001"
INV = (
    InventoryItem(
        id="i-0a1b2c3d4e5f60001",
        type="instance",
        name="app-1",
        region="us-east-1",
        vpc_id=VPC,
        private_ips=("10.0.1.10",),
    ),
    InventoryItem(
        id="i-0a1b2c3d4e5f60002",
        type="instance",
        name="app-2",
        region="us-east-1",
        vpc_id=VPC,
        private_ips=("10.0.1.11",),
    ),
    InventoryItem(
        id="i-0a1b2c3d4e5f60003",
        type="instance",
        name="build-server",
        region="us-east-1",
        vpc_id=VPC,
        private_ips=("10.0.1.20",),
    ),
    InventoryItem(
        id="i-0a1b2c3d4e5f60004",
        type="instance",
        name="bastion",
        region="us-east-1",
        vpc_id=VPC,
        private_ips=("10.0.0.5",),
    ),
    InventoryItem(
        id="orders-db",
        type="db-instance",
        name="orders-db",
        region="us-east-1",
        vpc_id=VPC,
        private_ips=("10.0.2.20",),
    ),
    InventoryItem(id="igw-0a1b2c3d4e5f60001", type="internet-gateway", region="us-east-1", vpc_id=VPC),
    InventoryItem(id="tgw-0a1b2c3d4e5f60001", type="transit-gateway", region="us-east-1"),
)


def ask(*turns: str):
    ctx = Context(home_region="us-east-1", account_id="111122223333", inventory=INV)
    return make_translator("rules").translate(CaseInput(turns=turns, context=ctx), timeout=30)


@pytest.mark.parametrize(
    ("text", "protocol", "port"),
    [
        ("port=22", "tcp", 22),
        ("tcp:443", "tcp", 443),
        ("5432/tcp", "tcp", 5432),
        ("over 443", "tcp", 443),
        ("HTTP alt 8080", "tcp", 8080),
        ("443で繋がる？", "tcp", 443),
        ("x -> y 3306", "tcp", 3306),
        ("   :6379 reachable?", "tcp", 6379),
    ],
)
def test_port_forms(text: str, protocol: str, port: int) -> None:
    t = find_traffic(text)
    assert t is not None and (t.protocol, t.port) == (protocol, port)


@pytest.mark.parametrize("text", ["latency is 443 ms", "3 packets transmitted", "we run 22 servers", "1234"])
def test_numbers_that_are_not_ports(text: str) -> None:
    assert find_traffic(text) is None


def test_traffic_from_a_pasted_log_when_the_prose_names_none() -> None:
    q = ask(
        "app-1 can't get to the db\n$ nc -vz 10.0.2.20 5432\nnc: connect to 10.0.2.20 port 5432 timed out"
    ).query
    assert (q.source, q.destination, q.protocol, q.port) == ("i-0a1b2c3d4e5f60001", "orders-db", "tcp", 5432)


def test_the_internet_is_the_igw_with_the_address_next_to_it() -> None:
    q = ask("can app-1 reach the internet on 443").query
    assert (q.destination, q.destination_ip) == ("igw-0a1b2c3d4e5f60001", None)
    q = ask("does app-2 get out to 1.1.1.1 on the internet?").query
    assert (q.destination, q.destination_ip) == ("igw-0a1b2c3d4e5f60001", "1.1.1.1")
    q = ask("インターネットからbastionにSSHできますか").query
    assert (q.source, q.destination, q.port) == ("igw-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60004", 22)


def test_a_hop_is_not_an_endpoint() -> None:
    q = ask("can bastion get to app-2 via the tgw on 8080").query
    assert (q.source, q.destination) == ("i-0a1b2c3d4e5f60004", "i-0a1b2c3d4e5f60002")


def test_names_typed_loosely_by_family_and_with_a_slip() -> None:
    q = ask("app1 to build server on 22").query
    assert (q.source, q.destination) == ("i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60003")
    q = ask("can the bastian reach app-2").query
    assert q.source == "i-0a1b2c3d4e5f60004"
    assert ask("can the build-server reach app-3").status == "abstain"  # a changed number is no slip
    t = ask("can bastion ssh to the app servers")
    assert t.status == "abstain"


def test_a_database_engine_is_the_database_when_one_endpoint_is_named() -> None:
    q = ask("is postgres reachable from app-2?").query
    assert (q.source, q.destination, q.port) == ("i-0a1b2c3d4e5f60002", "orders-db", 5432)
