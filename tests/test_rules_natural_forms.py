"""Phrasing classes of questions engineers type (issue 15, item 8), each pinned on a small hand-made
inventory with a short phrase written for the test: on-premises sources, environment words, pasted
output and flow logs, pointing words, follow-ups, direction reversals, workloads, service ports.

Reachability Analyzer's sources and destinations (a VPN gateway with a source IP, the internet gateway
with a destination IP): https://docs.aws.amazon.com/vpc/latest/reachability/what-is-reachability-analyzer.html
VPC Flow Logs record fields: https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
Active Directory ports (LDAP 389, LDAPS 636, Kerberos 88):
https://docs.aws.amazon.com/directoryservice/latest/admin-guide/prereq_on_premise.html
"""

from __future__ import annotations

import pytest

from bench.cases.schema import CaseInput, Context, InventoryItem
from bench.translators.registry import make_translator
from bench.translators.rules.lexicon import find_traffic

PROD, STG = "vpc-0a1b2c3d4e5f6aaa1", "vpc-0a1b2c3d4e5f6bbb1"
INV = (
    InventoryItem(id=PROD, type="vpc", name="prod-vpc", region="us-east-1", tags={"Env": "prod"}),
    InventoryItem(id=STG, type="vpc", name="stg-vpc", region="us-east-1", tags={"Env": "stg"}),
    InventoryItem(
        id="i-0a1b2c3d4e5f60001",
        type="instance",
        name="web-1",
        region="us-east-1",
        vpc_id=PROD,
        private_ips=("10.1.1.10",),
        tags={"Env": "prod"},
    ),
    InventoryItem(
        id="i-0a1b2c3d4e5f60002",
        type="instance",
        name="web-1",
        region="us-east-1",
        vpc_id=STG,
        private_ips=("10.2.1.10",),
        tags={"Env": "stg"},
    ),
    InventoryItem(
        id="i-0a1b2c3d4e5f60003",
        type="instance",
        name="worker-1",
        region="us-east-1",
        vpc_id=PROD,
        private_ips=("10.1.2.10",),
    ),
    InventoryItem(
        id="i-0a1b2c3d4e5f60004",
        type="instance",
        name="worker-2",
        region="us-east-1",
        vpc_id=PROD,
        private_ips=("10.1.2.11",),
    ),
    InventoryItem(
        id="i-0a1b2c3d4e5f60005",
        type="instance",
        name="ad-dc",
        region="us-east-1",
        vpc_id=PROD,
        private_ips=("10.1.3.10",),
    ),
    InventoryItem(
        id="eni-0a1b2c3d4e5f60003",
        type="network-interface",
        region="us-east-1",
        vpc_id=PROD,
        private_ips=("10.1.2.10",),
    ),
    InventoryItem(
        id="sales-db",
        type="db-instance",
        name="sales-db",
        region="us-east-1",
        vpc_id=PROD,
        private_ips=("10.1.4.20",),
    ),
    InventoryItem(id="igw-0a1b2c3d4e5f60001", type="internet-gateway", region="us-east-1", vpc_id=PROD),
    InventoryItem(
        id="vgw-0a1b2c3d4e5f60001", type="vpn-gateway", name="corp-vgw", region="us-east-1", vpc_id=PROD
    ),
    InventoryItem(
        id="subnet-0a1b2c3d4e5f60001", type="subnet", name="prod-app-a", region="us-east-1", vpc_id=PROD
    ),
)
WEB_PROD, WEB_STG, W1, W2, DC = (f"i-0a1b2c3d4e5f6000{n}" for n in range(1, 6))
VGW, IGW = "vgw-0a1b2c3d4e5f60001", "igw-0a1b2c3d4e5f60001"


def ask(*turns: str, spec: str = "rules", inventory: tuple[InventoryItem, ...] = INV):
    case = CaseInput(
        turns=turns, context=Context(home_region="us-east-1", account_id="111122223333", inventory=inventory)
    )
    return make_translator(spec).translate(case, timeout=30)


def ends(tr) -> tuple[str | None, str | None]:
    assert tr.status == "query", tr.abstain_reason
    return tr.query.source, tr.query.destination


@pytest.mark.parametrize(
    "text,protocol,port",
    [
        ("does LDAPS get through to the DC", "tcp", 636),
        ("plain ldap binds hang", "tcp", 389),
        ("kinit never returns", "udp", 88),
        ("kerberos over TCP please", "tcp", 88),
        ("the SMB share won't mount", "tcp", 445),
        ("oracle listener down?", "tcp", 1521),
        ("elasticsearch queries time out", "tcp", 9200),
        ("エスエスエイチで入りたい", "tcp", 22),
        ("the box cannot resolve names", "udp", 53),
        ("any protocol at all between them?", "any", None),
        ("logs at 09:41:27 say refused on 10.1.1.10:8443", "tcp", 8443),
        ("the dial tcp 10.1.3.10:443: i/o timeout error", "tcp", 443),
        ("private DNS is on; https to it", "tcp", 443),
        ("web-1 syncs over 8443.", "tcp", 8443),
    ],
)
def test_service_words_and_ports(text: str, protocol: str, port: int | None) -> None:
    tr = find_traffic(text)
    assert tr is not None and (tr.protocol, tr.port) == (protocol, port)


def test_full_width_digits() -> None:
    tr = ask("worker-1 から sales-db の ５４３２ 通る？")
    assert ends(tr) == (W1, "sales-db") and tr.query.port == 5432


def test_environment_word_picks_the_repeated_name() -> None:
    assert ends(ask("can stg web-1 reach sales-db on 5432?"))[0] == WEB_STG
    assert ends(ask("本番の web-1 から worker-2 に ssh"))[0] == WEB_PROD
    assert ask("can web-1 reach sales-db?").status == "abstain"  # no environment: still ambiguous
    # said once, later in the conversation
    assert ends(ask("web-1 -> worker-2 ssh?", "the production one"))[0] == WEB_PROD


def test_arn_of_an_instance_is_the_instance() -> None:
    arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60003"
    assert ends(ask(f"{arn} to sales-db 5432")) == (W1, "sales-db")


def test_office_address_enters_through_the_vpn_gateway() -> None:
    tr = ask("from 192.168.50.7 can we ssh into worker-2?")
    assert ends(tr) == (VGW, W2) and tr.query.source_ip == "192.168.50.7"
    tr = ask("head office (192.168.50.8) -> worker-1 https ok?")
    assert ends(tr) == (VGW, W1) and tr.query.source_ip == "192.168.50.8"
    tr = ask("支店から worker-1 に ping")
    assert ends(tr) == (VGW, W1) and tr.query.source_ip is None
    # the other way: the office address is where it goes
    tr = ask("worker-1 -> the office printer 192.168.50.9 port 9100")
    assert ends(tr) == (W1, "192.168.50.9")


def test_office_without_a_vpn_is_not_an_endpoint() -> None:
    no_vpn = tuple(it for it in INV if it.type != "vpn-gateway")
    assert ask("from 192.168.50.7 can we ssh into worker-2?", inventory=no_vpn).status == "abstain"


def test_name_and_its_address_are_one_endpoint() -> None:
    tr = ask("I'm on worker-2 (10.1.2.11) and want sales-db on 5432 from that box")
    assert ends(tr) == (W2, "sales-db")


def test_prompt_host_is_the_sender_and_here_points_at_it() -> None:
    tr = ask(
        "[ec2-user@ip-10-1-2-11 ~]$ nc -vz 10.1.4.20 5432\nnc: timed out\ncan sales-db be reached from here?"
    )
    assert ends(tr) == (W2, "sales-db")


def test_flow_log_record_gives_sender_and_traffic() -> None:
    tr = ask(
        "rejects on the interface:\n"
        "2 111122223333 eni-0a1b2c3d4e5f60003 10.1.2.10 10.1.4.20 40000 5432 6 2 120 1 2 REJECT OK\n"
        "why can't it get to sales-db?"
    )
    assert ends(tr) == (W1, "sales-db") and (tr.query.protocol, tr.query.port) == ("tcp", 5432)


def test_console_url_is_what_this_instance_means() -> None:
    url = "https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#InstanceDetails:instanceId="
    tr = ask(f"{url}{W2}\ncan ad-dc reach this instance on 22?")
    assert ends(tr) == (DC, W2)


def test_follow_up_name_replaces_the_end_it_resembles() -> None:
    assert ends(ask("worker-1 -> 8.8.8.8 on 443?", "and worker-2?")) == (W2, "8.8.8.8")
    assert ends(ask("worker-1 -> sales-db 5432", "sorry, it's actually ad-dc that fails")) == (DC, "sales-db")


def test_direction_reversal() -> None:
    assert ends(ask("worker-1 -> ad-dc 389", "actually the other way round")) == (DC, W1)
    assert ends(ask("worker-1 から ad-dc に ping", "ごめん、逆でした")) == (DC, W1)


def test_container_workload_source_abstains() -> None:
    tr = ask("our ECS service in prod-vpc needs sales-db on 5432, is it open?")
    assert tr.status == "abstain" and tr.abstain_reason.startswith("unknown_resource")


def test_vague_subnet_word_beside_two_names_is_context() -> None:
    tr = ask("only one subnet was hit. can worker-1 still reach 203.0.113.5:443?")
    assert ends(tr) == (W1, "203.0.113.5")


def test_internet_with_the_address_a_hostname_resolved_to() -> None:
    tr = ask(
        "worker-1 can't post to hooks.example.com, it resolves to 52.94.7.7. check its internet path on 443"
    )
    assert ends(tr) == (W1, IGW) and tr.query.destination_ip == "52.94.7.7"


def test_retrieval_group_word_picks_the_auto_scaling_group() -> None:
    inv = (
        *INV,
        InventoryItem(
            id="shop-asg", type="autoscaling-group", name="shop-node", region="us-east-1", vpc_id=PROD
        ),
        InventoryItem(
            id="i-0a1b2c3d4e5f60009", type="instance", name="shop-node", region="us-east-1", vpc_id=PROD
        ),
    )
    tr = ask("can the shop nodes reach sales-db on 5432?", spec="retrieval", inventory=inv)
    assert ends(tr) == ("shop-asg", "sales-db")


def test_follow_up_correcting_half_the_traffic() -> None:
    tr = ask("worker-1 -> ad-dc tcp 88", "udp actually, not tcp")
    assert (tr.query.protocol, tr.query.port) == ("udp", 88)
    tr = ask("worker-1 -> ad-dc udp", "and the port is 88")
    assert (tr.query.protocol, tr.query.port) == ("udp", 88)


def test_a_path_from_a_resource_to_itself_is_not_an_answer() -> None:
    tr = ask("the jump box can connect to postgres on sales-db, right?")
    assert tr.status == "abstain"


def test_vpc_flow_logs_is_not_a_vpc() -> None:
    tr = ask(
        "VPC flow logs show rejects:\n"
        "2 111122223333 eni-0a1b2c3d4e5f60003 10.1.2.10 10.1.3.10 40000 389 6 2 120 1 2 REJECT OK\n"
        "can this ENI reach the destination on 389?"
    )
    assert ends(tr) == ("eni-0a1b2c3d4e5f60003", DC)


def test_code_names_in_tracebacks_are_not_hostnames() -> None:
    tr = ask("worker-1 -> sales-db fails: org.postgresql.util.PSQLException: connect timed out")
    assert ends(tr) == (W1, "sales-db")


def test_from_outside_is_the_internet() -> None:
    inv = tuple(it.model_copy(update={"public_ips": ("54.210.1.2",)}) if it.id == W2 else it for it in INV)
    tr = ask("ssh to 54.210.1.2 hangs. is worker-2 reachable from outside on ssh?", inventory=inv)
    assert ends(tr) == (IGW, W2) and tr.query.port == 22


def test_function_named_before_its_target_abstains() -> None:
    tr = ask("the Lambda report-maker calls worker-2 then ad-dc on 443; check ad-dc first")
    assert tr.status == "abstain" and tr.abstain_reason.startswith("unknown_resource")


def test_retrieval_japanese_group_word_after_the_name() -> None:
    inv = (
        *INV,
        InventoryItem(
            id="shop-asg", type="autoscaling-group", name="shop-node", region="us-east-1", vpc_id=PROD
        ),
        InventoryItem(
            id="i-0a1b2c3d4e5f60009", type="instance", name="shop-node", region="us-east-1", vpc_id=PROD
        ),
    )
    tr = ask("shop ノード群から sales-db に 5432 で届く？", spec="retrieval", inventory=inv)
    assert ends(tr) == ("shop-asg", "sales-db")


def test_region_word_with_an_environment_word_between() -> None:
    tokyo = InventoryItem(
        id="i-0a1b2c3d4e5f60077",
        type="instance",
        name="ad-dc",
        region="ap-northeast-1",
        vpc_id="vpc-0a1b2c3d4e5f6ccc1",
        tags={"Env": "prod"},
    )
    tr = ask("worker-1 から東京本番の ad-dc に 389 届く？", inventory=(*INV, tokyo))
    assert tr.status == "abstain" and tr.abstain_reason.startswith("cross_region")


def test_environment_prefix_glued_to_a_name() -> None:
    assert ends(ask("stg-web-1 -> sales-db 5432?"))[0] == WEB_STG
    assert ends(ask("prod-web-1 から worker-2 に ssh"))[0] == WEB_PROD


def test_service_interface_endpoint_is_the_vpc_endpoint() -> None:
    inv = (
        *INV,
        InventoryItem(
            id="vpce-0a1b2c3d4e5f60001", type="vpc-endpoint", name="core-sts", region="us-east-1", vpc_id=PROD
        ),
        InventoryItem(
            id="vpce-0a1b2c3d4e5f60002",
            type="vpc-endpoint",
            name="core-logs",
            region="us-east-1",
            vpc_id=PROD,
        ),
    )
    assert ends(ask("can worker-1 use the STS interface endpoint on 443?", inventory=inv)) == (
        W1,
        "vpce-0a1b2c3d4e5f60001",
    )
    # without "interface"/"gateway"/"VPC" it is STS's Regional endpoint
    assert (
        ends(ask("can worker-1 reach the STS endpoint on 443?", inventory=inv))[1]
        == "sts.us-east-1.amazonaws.com"
    )
