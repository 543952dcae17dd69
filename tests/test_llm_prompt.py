"""The shared LLM prompt (schema, turns, context, truncation, dev-only few-shot) and the answer parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cases.schema import Case, CaseInput, Context, Gold, InventoryItem
from bench.model import Query
from bench.translators.llm import prompt as P
from bench.translators.llm.parse import parse_text, payload_to_translation


def _item(n: int, **kw: object) -> InventoryItem:
    base = {
        "id": f"i-{n:017x}",
        "type": "instance",
        "region": "us-east-1",
        "name": f"worker-{n}",
        "private_ips": (f"10.0.{n // 250}.{n % 250 + 4}",),
    }
    base.update(kw)
    return InventoryItem(**base)  # type: ignore[arg-type]


def _input(turns: tuple[str, ...], items: tuple[InventoryItem, ...]) -> CaseInput:
    return CaseInput(
        turns=turns, context=Context(home_region="us-east-1", account_id="111122223333", inventory=items)
    )


def test_system_prompt_carries_the_schema_derived_from_the_models() -> None:
    text = P.system_prompt()
    line = next(ln for ln in text.splitlines() if ln.startswith('{"additionalProperties"'))
    schema = json.loads(line)
    assert schema == P.answer_schema()
    assert "$defs" not in line and "$ref" not in line  # inlined for Bedrock tools / grammars
    query_schema = next(s for s in schema["properties"]["query"]["anyOf"] if s.get("type") == "object")
    assert set(query_schema["properties"]) == set(Query.model_fields)
    assert schema["properties"]["decision"]["enum"] == ["query", "abstain"]
    for reason in P.ABSTAIN_REASONS:
        assert reason in text


def test_turns_are_numbered_and_context_rendered_compactly() -> None:
    items = (
        _item(1, name="bastion", public_ips=("3.3.3.3",), tags={"Name": "bastion", "env": "prod"}),
        _item(2, region="ap-northeast-1", name="app-1"),
    )
    case = _input(("i-1 cannot reach app-1 in Seoul", "Not Seoul! Tokyo!"), items)
    built = P.PromptBuilder().build(case)
    assert len(built.messages) == 1 and built.messages[0].role == "user"
    text = built.messages[0].content
    assert "Console home Region: us-east-1" in text
    assert "[1] i-1 cannot reach app-1 in Seoul" in text and "[2] Not Seoul! Tokyo!" in text
    assert text.index("[1]") < text.index("[2]")
    assert text.index("[us-east-1]") < text.index("[ap-northeast-1]")  # home Region first
    line = next(ln for ln in text.splitlines() if "bastion" in ln)
    assert line.strip() == (
        f'{items[0].id} instance name="bastion" ip=10.0.0.5 public_ip=3.3.3.3 tags={{"env": "prod"}}'
    )
    assert built.inventory_omitted == 0


def test_large_inventory_keeps_mentioned_items_and_says_what_was_cut() -> None:
    items = tuple(_item(n) for n in range(400)) + (
        _item(900, name="orders-db", type="db-instance", region="us-west-2"),
    )
    target_ip = items[321].private_ips[0]
    case = _input((f"Can orders-db reach {target_ip} on 5432?",), items)
    kept, omitted = P.select_inventory(case, max_items=50)
    assert len(kept) == 50 and omitted == 351
    ids = [i.id for i in kept]
    assert items[321].id in ids and items[400].id in ids  # mentioned by IP and by name
    assert ids == [i.id for i in items if i.id in set(ids)]  # original order kept
    assert kept == P.select_inventory(case, max_items=50)[0]  # deterministic
    text = P.render_context(case, max_items=50)
    assert "showing the 50 most relevant to the question, 351 omitted" in text
    small = _input(("hi",), items[:10])
    assert P.select_inventory(small, max_items=50) == (list(items[:10]), 0)


def test_mention_score_ranks_exact_ids_over_name_words() -> None:
    text = "does the payments api server reach i-00000000000000007"
    exact = _item(7, name="zzz")
    named = _item(8, name="payments-api")
    other = _item(9, name="batch")
    assert P.mention_score(exact, text) > P.mention_score(named, text) > P.mention_score(other, text) == 0


def _case(cid: str, split: str, answerable: bool = True) -> Case:
    query = Query(region="us-east-1", source="i-1", destination="10.0.0.9", protocol="tcp", port=22)
    gold = (
        Gold(answerable=True, query=query)
        if answerable
        else Gold(answerable=False, abstain_reason="cross_region")
    )
    return Case(
        id=cid,
        suite="core",
        split=split,
        world="w",
        lang="en",  # type: ignore[arg-type]
        input=_input((f"question {cid}",), (_item(1),)),
        gold=gold,
    )


def test_few_shot_draws_only_from_dev_and_becomes_message_pairs(tmp_path) -> None:
    dev = tmp_path / "dev.jsonl"
    cases = [_case(f"c{n:02d}", "dev", answerable=n % 5 != 0) for n in range(12)]
    dev.write_text("".join(c.model_dump_json() + "\n" for c in cases), encoding="utf-8")
    builder = P.PromptBuilder(P.PromptConfig(few_shot_path=str(dev), few_shot_k=3))
    built = builder.build(_input(("real question",), (_item(1),)))
    roles = [m.role for m in built.messages]
    assert roles == ["user", "assistant"] * 3 + ["user"]
    answers = [json.loads(m.content) for m in built.messages if m.role == "assistant"]
    assert {a["decision"] for a in answers} == {"query", "abstain"}  # an abstention is represented
    assert "real question" in built.messages[-1].content
    settings = P.PromptConfig(few_shot_path=str(dev), few_shot_k=3).settings()
    assert settings["prompt_version"] == P.PROMPT_VERSION and len(settings["few_shot_sha256"]) == 64
    again = P.PromptBuilder(P.PromptConfig(few_shot_path=str(dev), few_shot_k=3))
    assert again.fingerprint() == builder.fingerprint() != P.PromptBuilder().fingerprint()

    assert [c.id for c in P.load_few_shot(tmp_path, k=3)] == [c.id for c in P.load_few_shot(dev, k=3)]

    leaky = tmp_path / "mixed.jsonl"
    leaky.write_text(cases[0].model_dump_json() + "\n" + _case("t1", "test").model_dump_json() + "\n")
    with pytest.raises(P.FewShotError, match=r"mixed.jsonl: case t1: split is 'test'"):
        P.load_few_shot(leaky, k=2)
    with pytest.raises(P.FewShotError, match="not found"):
        P.load_few_shot(tmp_path / "nope.jsonl", k=2)


GOOD = {
    "region": "ap-northeast-1",
    "source": "i-1",
    "destination": "35.78.9.203",
    "protocol": "tcp",
    "port": 443,
}


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"decision": "query", "query": GOOD}),
        "```json\n" + json.dumps({"decision": "query", "query": GOOD}) + "\n```\nThat checks HTTPS.",
        "Here you go: " + json.dumps({"decision": "query", "query": GOOD}) + " Let me know!",
        str({"decision": "query", "query": GOOD, "abstain_reason": None}),  # Python dict repr
        json.dumps(GOOD)[:-1] + ",}",  # bare query, trailing comma
        json.dumps({"answer": json.dumps({"decision": "query", "query": {**GOOD, "protocol": "TCP"}})}),
        '{"decision": "query", "query": {"region": "ap-northeast-1", "source": "i-1", '
        '"destination": "35.78.9.203", "protocol": "tcp", "port": "443", "why": "https"}}',
    ],
)
def test_parser_recovers_the_query_from_messy_output(text: str) -> None:
    out = parse_text(text)
    assert out.status == "query", out
    assert out.query == Query(**GOOD)
    assert out.raw == text


def test_parser_abstentions_and_dropped_keys() -> None:
    out = parse_text("{'decision': 'abstain', 'abstain_reason': 'cross_region', 'note': 'x'}")
    assert (out.status, out.abstain_reason, out.extra["dropped_keys"]) == (
        "abstain",
        "cross_region",
        ["note"],
    )
    assert payload_to_translation({"abstain": True, "reason": "ipv6"}, raw="r").abstain_reason == "ipv6"


@pytest.mark.parametrize(
    ("text", "failure"),
    [
        ("", "parse:invalid_json"),
        ("I think they can talk to each other.", "parse:invalid_json"),
        ('{"decision": "query", "query": {"region": "us-east-1", "source": "i-1"', "parse:invalid_json"),
        (
            '{"decision": "query", "query": {"region": "us-east-1", "source": "i-1"}}',
            "parse:schema_violation",
        ),
        (
            '{"decision": "query", "query": {"region": "us-east-1", "source": "i-1", "destination": "x", '
            '"port": 70000}}',
            "parse:schema_violation",
        ),
        ('{"decision": "maybe"}', "parse:schema_violation"),
        ('{"decision": "query"}', "parse:schema_violation"),
        (
            '{"decision": "query", "query": {"region": "us-east-1", "source": "i-1", "destination": "x", '
            '"protocol": "sctp"}}',
            "parse:schema_violation",
        ),
    ],
)
def test_parser_failures_are_typed_and_keep_the_raw_text(text: str, failure: str) -> None:
    out = parse_text(text)
    assert (out.status, out.failure_type) == ("error", failure)
    assert out.raw == text
    assert out.extra["parse_error"]


# -- the gold's conventions, stated exactly ---------------------------------------------------------
_README = Path(__file__).resolve().parents[1] / "cases" / "README.md"
# Each rule of cases/README.md "Rules for the gold query" (by its opening words) -> the prompt's rule and
# the facts of that rule the prompt must state.
_README_RULES = {
    "the query's Region is the source's Region": (
        "source_region", ("source's Region", "cross_region", "destination_region", "another Region")
    ),
    "a destination named by an address or a hostname": (
        "address_destination",
        ("address or a hostname", "source's Region", "s3.ap-northeast-1.amazonaws.com", "us-east-1",
         "answerable"),
    ),
    "a resource named by its private address": (
        "resolve_names",
        ("private address", "DNS name", "Name tag", "description", "resource id", "ENI", "instance id"),
    ),
    "questions too ambiguous to name one resource": (
        "ambiguous_or_missing", ("ambiguous", "unknown_resource", "not in the inventory")
    ),
}


def _readme_rules() -> list[str]:
    text = _README.read_text(encoding="utf-8")
    section = text.split("Rules for the gold query:", 1)[1].split("\n\n", 2)[1]
    bullets = [b.strip() for b in ("\n" + section).split("\n- ") if b.strip()]
    return [" ".join(b.split()) for b in bullets]


def test_every_gold_rule_of_the_data_card_is_in_the_prompt() -> None:
    rules = _readme_rules()
    # a new README rule needs a prompt rule
    assert len(rules) == len(_README_RULES) == len(P.GOLD_RULES), rules
    text = " ".join(P.system_prompt().split())
    for rule in rules:
        opening = next((k for k in _README_RULES if rule.startswith(k)), None)
        assert opening is not None, f"cases/README.md rule not stated in the prompt: {rule}"
        key, facts = _README_RULES[opening]
        stated = P.GOLD_RULES[key]
        assert " ".join(stated.split()) in text
        for fact in facts:
            assert fact in stated, (key, fact)
    # The v1 wording invited the field test's own mistake (analysing in the destination's Region).
    assert "implied by a resource, a hostname or an IP range" not in text
    assert P.PROMPT_VERSION == "llm-prompt-v2"


def test_the_stated_region_rule_is_what_the_gold_does() -> None:
    """The prompt says the analysis Region is the source's: check it on every gold query of seed and core
    dev whose source is an inventory resource (the prompt must not state a convention the gold breaks)."""
    from bench.cases.loader import load_suite

    checked = 0
    for name, splits in (("seed", None), ("core", ["dev"])):
        for case in load_suite(name, splits=splits).cases:
            query = case.gold.query
            if query is None or not case.gold.answerable:
                continue
            items = {i.id: i for i in case.input.context.inventory}
            source = items.get(query.source)
            if source is None:
                continue
            assert query.region == source.region, case.id
            if query.destination_region is not None:
                assert query.destination in items, case.id  # only resources carry destination_region
            checked += 1
    assert checked > 100
