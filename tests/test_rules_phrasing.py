"""rules on how engineers actually phrase things: type words, AWS services, pasted logs, corrections.

Hand-written questions over a small two-Region inventory (not the corpus, not its templates).
"""

from __future__ import annotations

import pytest

from bench.cases.schema import CaseInput, Context, InventoryItem
from bench.translators import make_translator
from bench.translators.rules.kinds import find_kinds
from bench.translators.rules.logs import log_spans

Item = InventoryItem
VPC_A, VPC_B, VPC_S = "vpc-00000000000000a01", "vpc-00000000000000b01", "vpc-00000000000000c01"
INV = (
    Item(
        id="i-00000000000000a01",
        type="instance",
        name="web-1",
        region="eu-west-1",
        vpc_id=VPC_A,
        private_ips=("172.16.1.10",),
        tags={"Name": "web-1", "team": "shop"},
    ),
    Item(
        id="eni-00000000000000a01",
        type="network-interface",
        region="eu-west-1",
        vpc_id=VPC_A,
        private_ips=("172.16.1.10",),
    ),
    Item(
        id="i-00000000000000b01",
        type="instance",
        name="batch-7",
        region="eu-west-1",
        vpc_id=VPC_B,
        private_ips=("172.17.1.10",),
        tags={"Name": "batch-7"},
    ),
    Item(
        id="payments",
        type="db-instance",
        region="eu-west-1",
        vpc_id=VPC_A,
        private_ips=("172.16.2.5",),
        dns_names=("payments.x9y8z7.eu-west-1.rds.amazonaws.com",),
        tags={"env": "prod"},
    ),
    Item(id="igw-00000000000000a01", type="internet-gateway", region="eu-west-1", vpc_id=VPC_A),
    Item(id="igw-00000000000000b01", type="internet-gateway", region="eu-west-1", vpc_id=VPC_B),
    Item(id="tgw-00000000000000a01", type="transit-gateway", name="core-tgw", region="eu-west-1"),
    Item(
        id="nat-00000000000000a01",
        type="nat-gateway",
        region="eu-west-1",
        vpc_id=VPC_A,
        private_ips=("172.16.0.7",),
        public_ips=("52.16.0.7",),
    ),
    Item(id="vpce-00000000000000a01", type="vpc-endpoint", region="eu-west-1", vpc_id=VPC_A),
    Item(
        id="i-00000000000000c01",
        type="instance",
        name="web-1",
        region="eu-central-1",
        vpc_id=VPC_S,
        private_ips=("172.18.1.10",),
    ),
    Item(id="tgw-00000000000000c01", type="transit-gateway", name="fra-tgw", region="eu-central-1"),
)


def ask(*turns: str, spec: str = "rules", home: str = "eu-west-1"):
    case = CaseInput(turns=turns, context=Context(home_region=home, account_id="210987654321", inventory=INV))
    return make_translator(spec).translate(case, timeout=30)


def q(*turns: str, **kw):
    out = ask(*turns, **kw)
    assert out.status == "query", out
    return out.query


def test_type_words_pick_the_gateway_of_the_other_endpoints_vpc() -> None:
    assert q("batch-7 can't get out through the IGW, why?").destination == "igw-00000000000000b01"
    assert q("web-1 → internet gateway, https").destination == "igw-00000000000000a01"
    qq = q("インターネットゲートウェイからweb-1にsshできる？")
    assert (qq.source, qq.destination, qq.port) == ("igw-00000000000000a01", "i-00000000000000a01", 22)


def test_type_words_for_unique_resources() -> None:
    qq = q("Is the database reachable from web-1 over postgres?")
    assert (qq.source, qq.destination, qq.port) == ("i-00000000000000a01", "payments", 5432)
    assert q("RDSからNATゲートウェイへの経路を確認したい").source == "payments"
    assert q("our TGW to web-1, ping please").source == "tgw-00000000000000a01"
    assert q("the transit gateway in Frankfurt to web-1?").source == "tgw-00000000000000c01"


def test_type_word_with_several_candidates_is_ambiguous() -> None:
    out = ask("Can the IGW reach 172.20.0.0/16?")  # two internet gateways, nothing to choose by
    assert out.status == "abstain" and out.abstain_reason.startswith("ambiguous")


def test_labels_are_not_second_endpoints() -> None:
    assert find_kinds("ENI eni-00000000000000a01 to the NAT", [(4, 25)]) == [(33, 36, "type", "nat-gateway")]
    qq = q("EC2 instance web-1 to RDS instance payments on 5432")
    assert (qq.source, qq.destination) == ("i-00000000000000a01", "payments")
    assert q("web-1(EC2) → payments(RDS)", "Same endpoints, TCP 3306 only.").port == 3306


def test_aws_services_become_regional_endpoint_hostnames() -> None:
    qq = q("web-1 lost access to DynamoDB")
    assert qq.destination == "dynamodb.eu-west-1.amazonaws.com" and qq.region == "eu-west-1"
    qq = q("Can batch-7 reach S3 in Frankfurt over HTTPS?")
    assert (qq.destination, qq.destination_region, qq.port) == (
        "s3.eu-central-1.amazonaws.com",
        "eu-central-1",
        443,
    )
    qq = q("web-1からソウルのS3に繋がらない", "ごめん、アイルランドでした")
    assert qq.destination == "s3.eu-west-1.amazonaws.com"


def test_pasted_terminal_output_is_not_the_question() -> None:
    text = (
        "web-1 can't reach 172.17.0.0/16, any idea?\n\n$ traceroute -n 172.17.0.1\n"
        "traceroute to 172.17.0.1 (172.17.0.1), 30 hops max\n 1  * * *\n 2  * * *"
    )
    assert len(log_spans(text)) == 4
    qq = q(text)
    assert (qq.destination, qq.protocol) == ("172.17.0.0/16", "any")
    text = "payments → web-1 繋がりません\n```\nsh-4.2$ ping 172.16.1.10\nRequest timeout for icmp_seq 0\n```"
    assert q(text).source == "payments"
    assert log_spans("$ ping 10.0.0.1") == []  # a message that is only a log is still read


def test_follow_up_replacements() -> None:
    qq = q("web-1 to batch-7 on 8080 fails", "swap batch-7 for payments")
    assert (qq.source, qq.destination, qq.port) == ("i-00000000000000a01", "payments", 8080)
    qq = q("web-1 to batch-7 on 8080 fails", "Replace web-1 with the NAT gateway in my question.")
    assert (qq.source, qq.destination) == ("nat-00000000000000a01", "i-00000000000000b01")
    # a denied endpoint with tags in the inventory (tags are a dict: compare by id, never by hashing)
    assert q("web-1 → batch-7", "not web-1 — payments is the client").source == "payments"


def test_only_a_resource_can_send() -> None:
    qq = q("8.8.8.8 is unreachable for web-1 since the change")
    assert (qq.source, qq.destination) == ("i-00000000000000a01", "8.8.8.8")


def test_rds_hostname_written_with_the_wrong_region() -> None:
    qq = q("payments.x9y8z7.eu-central-1.rds.amazonaws.com can't reach web-1", "sorry, it's Ireland")
    assert (qq.source, qq.region) == ("payments", "eu-west-1")


@pytest.mark.parametrize("spec", ["rules", "retrieval"])
def test_shared_behaviour_in_retrieval(spec: str) -> None:
    qq = q("batch-7 can't get out through the IGW, why?", spec=spec)
    assert qq.destination == "igw-00000000000000b01"


def test_who_sends_when_the_sentence_starts_with_the_silent_side() -> None:
    qq = q("Nothing back from batch-7 when web-1 in Ireland tries to open 8443")
    assert (qq.source, qq.destination, qq.port) == ("i-00000000000000a01", "i-00000000000000b01", 8443)
    qq = q("batch-7 is unreachable from EC2 instance web-1 on 22")
    assert (qq.source, qq.destination) == ("i-00000000000000a01", "i-00000000000000b01")
    qq = q("VPC endpoint vpce-00000000000000a01 → TGW attachment? no: to web-1, https")
    assert qq.source == "vpce-00000000000000a01"


def test_ec2_dns_names_carry_their_address() -> None:
    qq = q("ip-172-17-1-10.eu-west-1.compute.internal から ip-172-16-1-10.ec2.internal へ ping")
    assert (qq.source, qq.destination, qq.protocol) == ("i-00000000000000b01", "i-00000000000000a01", "icmp")


def test_a_nat_gateway_address_means_the_nat_gateway() -> None:
    assert q("can web-1 reach 172.16.0.7?").destination == "nat-00000000000000a01"
    assert q("can batch-7 reach 172.16.1.10?").destination == "172.16.1.10"  # an instance's address stays


@pytest.mark.parametrize(
    ("text", "protocol", "port"),
    [
        ("over HTPS", "tcp", 443),
        ("via htpts", "tcp", 443),
        ("postgers conn", "tcp", 5432),
        ("msyql client", "tcp", 3306),
        ("plain http", "tcp", 80),
        ("check the hosts file", None, None),
    ],
)
def test_slipped_service_words(text: str, protocol: str | None, port: int | None) -> None:
    from bench.translators.rules.lexicon import find_traffic

    t = find_traffic(text)
    assert (t.protocol, t.port) == (protocol, port) if protocol else t is None
