"""retrieval's descriptive matching stays out of the way of words that are not descriptions.

Hand-written questions over a small inventory (not the corpus, not its templates).
"""

from __future__ import annotations

from bench.cases.schema import CaseInput, Context, InventoryItem
from bench.translators import make_translator

Item = InventoryItem
VPC = "vpc-00000000000000d01"
INV = (
    Item(
        id="i-00000000000000d01",
        type="instance",
        name="api-1",
        region="ap-northeast-1",
        vpc_id=VPC,
        private_ips=("10.9.1.10",),
        tags={"Name": "api-1", "tier": "api"},
    ),
    Item(
        id="i-00000000000000d02",
        type="instance",
        name="api-2",
        region="ap-northeast-1",
        vpc_id=VPC,
        private_ips=("10.9.1.11",),
        tags={"Name": "api-2", "tier": "api"},
    ),
    Item(id="api-asg", type="autoscaling-group", name="api-asg", region="ap-northeast-1", vpc_id=VPC),
    Item(
        id="i-00000000000000d03",
        type="instance",
        name="jump-01",
        region="ap-northeast-1",
        vpc_id=VPC,
        tags={"Role": "bastion"},
    ),
    Item(id="ledger-db", type="db-instance", region="ap-northeast-1", vpc_id=VPC, tags={"app": "ledger"}),
    Item(
        id="pcx-00000000000000d01", type="vpc-peering-connection", name="to-shared", region="ap-northeast-1"
    ),
    Item(id="tgw-00000000000000d01", type="transit-gateway", name="tokyo-tgw", region="ap-northeast-1"),
    Item(
        id="tgw-attach-00000000000000d01",
        type="transit-gateway-attachment",
        region="ap-northeast-1",
        vpc_id=VPC,
    ),
)


def ask(*turns: str):
    case = CaseInput(
        turns=turns, context=Context(home_region="ap-northeast-1", account_id="1", inventory=INV)
    )
    return make_translator("retrieval").translate(case, timeout=30)


def test_descriptions_resolve() -> None:
    q = ask("Can the bastion reach the ledger database on 5432?").query
    assert (q.source, q.destination, q.port) == ("i-00000000000000d03", "ledger-db", 5432)
    q = ask("踏み台から台帳…じゃなくてledgerのデータベースにpsqlで入れない").query
    assert q.destination == "ledger-db"


def test_a_description_fitting_a_group_and_its_members_is_ambiguous() -> None:
    out = ask("jump-01 can't reach the api tier over https")
    assert out.status == "abstain" and out.abstain_reason.startswith("ambiguous"), out


def test_words_that_only_look_like_names_are_not_endpoints() -> None:
    # "Correction" shares letters with "connection" (peering) but no word; "Tokyo" is a Region.
    q = ask("jump-01 to api-1 on 8080 fails in Tokyo", "Correction: port 8081").query
    assert (q.source, q.destination, q.port) == ("i-00000000000000d03", "i-00000000000000d01", 8081)
    # a follow-up about the traffic does not name a new endpoint
    q = ask("jump-01 → ledger-db, is it open?", "The app uses postgres.").query
    assert (q.destination, q.port) == ("ledger-db", 5432)


def test_type_words_go_to_the_shared_rules() -> None:
    q = ask(
        "Can the transit gateway reach jump-01?"
    ).query  # not the attachment, though its doc says "transit"
    assert q.source == "tgw-00000000000000d01"
