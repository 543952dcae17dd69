"""rules / retrieval / naive on hand-written EN and JA questions (not the corpus, not its templates)."""

from __future__ import annotations

import pytest

from bench.cases.schema import CaseInput, Context, InventoryItem
from bench.translators import make_translator
from bench.translators.rules.lexicon import find_traffic
from bench.translators.rules.regions import asserted_region, find_regions

INV = (
    InventoryItem(
        id="i-0a1b2c3d4e5f60001",
        type="instance",
        name="app-server",
        region="ap-northeast-1",
        vpc_id="vpc-0000000000000aaa1",
        private_ips=("10.10.1.10",),
    ),
    InventoryItem(
        id="i-0a1b2c3d4e5f60002",
        type="instance",
        name="app-server",
        region="ap-northeast-2",
        vpc_id="vpc-0000000000000bbb1",
        private_ips=("10.20.1.10",),
    ),
    InventoryItem(
        id="i-0a1b2c3d4e5f60003",
        type="instance",
        name="bastion-1",
        region="ap-northeast-1",
        vpc_id="vpc-0000000000000aaa1",
        tags={"Role": "bastion"},
    ),
    InventoryItem(
        id="eni-0a1b2c3d4e5f60001",
        type="network-interface",
        region="ap-northeast-1",
        vpc_id="vpc-0000000000000aaa1",
        private_ips=("10.10.1.10",),
    ),
    InventoryItem(
        id="orders-db",
        type="db-instance",
        region="ap-northeast-1",
        vpc_id="vpc-0000000000000aaa1",
        private_ips=("10.10.2.20",),
        dns_names=("orders-db.c1x2y3.ap-northeast-1.rds.amazonaws.com",),
    ),
    InventoryItem(id="seoul-db", type="db-instance", region="ap-northeast-2", vpc_id="vpc-0000000000000bbb1"),
    InventoryItem(
        id="igw-0a1b2c3d4e5f60001",
        type="internet-gateway",
        region="ap-northeast-1",
        vpc_id="vpc-0000000000000aaa1",
    ),
    InventoryItem(
        id="igw-0a1b2c3d4e5f60002",
        type="internet-gateway",
        region="ap-northeast-2",
        vpc_id="vpc-0000000000000bbb1",
    ),
    InventoryItem(
        id="arn:aws:lambda:ap-northeast-1:111122223333:function:resize",
        type="lambda-function",
        name="resize",
        region="ap-northeast-1",
        vpc_id="vpc-0000000000000aaa1",
    ),
)


def ask(spec: str, *turns: str, home: str = "ap-northeast-2"):
    case = CaseInput(turns=turns, context=Context(home_region=home, account_id="111122223333", inventory=INV))
    return make_translator(spec).translate(case, timeout=30)


@pytest.mark.parametrize(
    ("text", "protocol", "port"),
    [
        ("can it ping the db", "icmp", None),
        ("ICMPで疎通確認したい", "icmp", None),
        ("SSH into it", "tcp", 22),
        ("over https", "tcp", 443),
        ("plain http please", "tcp", 80),
        ("psql connections", "tcp", 5432),
        ("PostgreSQLで接続", "tcp", 5432),
        ("Aurora MySQL", "tcp", 3306),
        ("redis", "tcp", 6379),
        ("DNS lookups", "udp", 53),
        ("DNS over TCP", "tcp", 53),
        ("RDP", "tcp", 3389),
        ("on port 8443", "tcp", 8443),
        ("ポート 9000 で", "tcp", 9000),
        ("8080番ポート", "tcp", 8080),
        ("UDP 514", "udp", 514),
        ("postgres on port 6432", "tcp", 6432),
    ],
)
def test_lexicon(text: str, protocol: str, port: int | None) -> None:
    t = find_traffic(text)
    assert t is not None and (t.protocol, t.port) == (protocol, port)


def test_lexicon_silent_on_connectivity_words() -> None:
    assert find_traffic("疎通できますか") is None
    assert find_traffic("does it have connectivity to 10.0.0.5") is None


def test_region_corrections() -> None:
    assert asserted_region(find_regions("Not Seoul! Tokyo!")) == "ap-northeast-1"
    assert asserted_region(find_regions("ソウルじゃないよ！東京だよ！")) == "ap-northeast-1"
    assert asserted_region(find_regions("Use Tokyo instead of Seoul")) == "ap-northeast-1"
    assert asserted_region(find_regions("in Asia Pacific (Seoul)")) == "ap-northeast-2"
    assert find_regions("the subnet in us-east-1a") == []


def test_tokyo_not_seoul_and_ip_stays_a_slash_32() -> None:
    out = ask("rules", "Can app-server reach 35.78.9.203 over HTTPS?", "Not Seoul! Tokyo!")
    q = out.query
    assert out.status == "query"
    assert (q.region, q.source, q.destination, q.protocol, q.port) == (
        "ap-northeast-1",
        "i-0a1b2c3d4e5f60001",
        "35.78.9.203",
        "tcp",
        443,
    )
    assert q.destination_ip is None and q.destination_region is None


def test_japanese_follow_up_and_ping() -> None:
    out = ask("rules", "app-serverから35.78.9.203にpingが通りません", "ソウルじゃないよ！東京だよ！")
    assert out.query.region == "ap-northeast-1" and out.query.protocol == "icmp" and out.query.port is None


def test_home_region_when_unstated() -> None:
    assert ask("rules", "Can app-server ping 8.8.8.8?").query.source == "i-0a1b2c3d4e5f60002"


def test_addresses_and_dns_resolve_to_resources() -> None:
    q = ask(
        "rules", "Is orders-db.c1x2y3.ap-northeast-1.rds.amazonaws.com reachable from 10.10.1.10 on postgres?"
    ).query
    assert (q.source, q.destination, q.port) == ("i-0a1b2c3d4e5f60001", "orders-db", 5432)
    # an address written as the destination stays that address (its owner is only used for the Region)
    q = ask("rules", "送信元: bastion-1、宛先: 10.10.2.20、MySQL").query
    assert (q.source, q.destination, q.port, q.region) == (
        "i-0a1b2c3d4e5f60003",
        "10.10.2.20",
        3306,
        "ap-northeast-1",
    )


def test_port_correction_in_follow_up() -> None:
    q = ask("rules", "Can bastion-1 reach orders-db on port 3306?", "sorry, I meant port 5432").query
    assert q.port == 5432 and q.destination == "orders-db"


def test_destination_kinds() -> None:
    assert ask("rules", "Can bastion-1 reach 10.99.0.0/16?").query.destination == "10.99.0.0/16"
    q = ask("rules", "Can bastion-1 reach s3.ap-northeast-1.amazonaws.com over https?").query
    assert q.destination == "s3.ap-northeast-1.amazonaws.com" and q.destination_region is None


@pytest.mark.parametrize(
    ("turns", "reason"),
    [
        (("Can app-server in Tokyo reach seoul-db?",), "cross_region"),
        (("Can resize reach orders-db on 5432?",), "unsupported_type"),
        (("ping 2001:db8::10 from bastion-1",), "ipv6"),
        (("Can bastion-1 reach i-0ffffffffffffffff?",), "unknown_resource"),
        (("Can app-server reach orders-db?",), "cross_region"),  # home is Seoul: the Seoul app-server
        (("Can 10.77.0.9 reach orders-db?",), "unknown_resource"),
    ],
)
def test_rules_abstains_with_a_reason(turns: tuple[str, ...], reason: str) -> None:
    out = ask("rules", *turns)
    assert out.status == "abstain" and out.abstain_reason.startswith(reason), out


def test_ambiguous_name_across_regions_with_no_home_copy() -> None:
    out = ask("rules", "Can app-server reach orders-db?", home="us-east-1")
    assert out.status == "abstain" and out.abstain_reason.startswith("ambiguous")


def test_retrieval_resolves_descriptions() -> None:
    q = ask("retrieval", "Can the bastion SSH into our orders database?").query
    assert (q.region, q.source, q.destination, q.port) == (
        "ap-northeast-1",
        "i-0a1b2c3d4e5f60003",
        "orders-db",
        22,
    )
    q = ask("retrieval", "東京のアプリサーバから踏み台にpingできますか？").query
    assert (q.source, q.destination, q.protocol) == ("i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60003", "icmp")
    assert ask("rules", "Can the bastion SSH into our orders database?").status == "abstain"


def test_naive_reproduces_the_field_test() -> None:
    out = ask("naive", "Can app-server in Tokyo reach 35.78.9.203 over HTTPS?", "Not Seoul! Tokyo!")
    q = out.query
    assert out.status == "query"
    assert (q.region, q.source, q.destination, q.destination_ip) == (
        "ap-northeast-2",
        "i-0a1b2c3d4e5f60002",
        "igw-0a1b2c3d4e5f60002",
        None,
    )
    assert ask("naive", "ping 2001:db8::10 from bastion-1").status == "query"  # never abstains


def test_deterministic() -> None:
    a = ask("retrieval", "東京のアプリサーバから踏み台にpingできますか？")
    b = ask("retrieval", "東京のアプリサーバから踏み台にpingできますか？")
    assert a.query == b.query and a.extra == b.extra
