"""Generator logic on the hand-made world: determinism, ids, gold re-derivation, phrasing checks."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from test_cases_support import ToyAnalyzer, mini_world

from bench.cases.generate import GenConfig, generate_suite
from bench.cases.gold import validate_cases
from bench.cases.ids import IdRegistry, content_key, split_of
from bench.cases.loader import load_suite
from bench.cases.phrasing import INTENTS, LANGS, MIN_TEMPLATES, TemplateError, add_typos, load_phrasebook
from bench.cases.validate import check_ids

CONFIG = GenConfig(suite="mini", total=150)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "mini"
    generate_suite([mini_world()], ToyAnalyzer, out, CONFIG)
    return out


def test_same_seed_same_bytes(generated: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate_suite([mini_world()], ToyAnalyzer, again, CONFIG)
    for name in ("suite.json", "inventories.jsonl", "dev.jsonl", "test.jsonl", "ids.txt"):
        assert (again / name).read_bytes() == (generated / name).read_bytes(), name
    other = tmp_path / "other"
    generate_suite([mini_world()], ToyAnalyzer, other, GenConfig(suite="mini", total=150, seed=7))
    assert (other / "test.jsonl").read_bytes() != (generated / "test.jsonl").read_bytes()


def test_ids_are_content_hashes_split_by_hash_and_registered(generated: Path) -> None:
    suite = load_suite(generated)
    assert check_ids(suite) == []
    for case in suite.cases:
        digest = content_key(case.world, case.input.context.home_region, case.input.turns)
        assert case.id == f"mini-{digest[:12]}" and case.split == split_of(case.id)
    share = sum(c.split == "dev" for c in suite.cases) / len(suite.cases)
    assert 0.1 < share < 0.3


def test_registry_never_reuses_an_id(tmp_path: Path) -> None:
    reg = IdRegistry(tmp_path / "ids.txt")
    a = reg.issue("s", "ab" * 32)
    clash = "ab" * 6 + "cd" * 26  # same 12-hex prefix, other content
    b = reg.issue("s", clash)
    assert a == "s-" + "ab" * 6 and b != a and b.startswith(a)
    reg.save()
    again = IdRegistry(tmp_path / "ids.txt")
    assert again.issue("s", clash) == b and again.check(a, clash) is not None


def test_gold_rederives_and_tampering_is_caught(generated: Path) -> None:
    suite = load_suite(generated)
    engines: dict[str, ToyAnalyzer] = {}

    def engine_for(name: str) -> ToyAnalyzer:
        return engines.setdefault(name, ToyAnalyzer(mini_world(name)))

    assert validate_cases(suite.cases, engine_for) == []
    case = next(c for c in suite.cases if c.gold.verdict is not None and c.gold.verdict.reachable is False)
    flipped = case.gold.verdict.model_copy(update={"reachable": True})  # type: ignore[union-attr]
    bad = case.model_copy(update={"gold": case.gold.model_copy(update={"verdict": flipped})})
    problems = validate_cases([bad], engine_for)
    assert [p.field for p in problems] == ["verdict"] and case.id in str(problems[0])


def test_axes_tags_and_gold_shape(generated: Path) -> None:
    suite = load_suite(generated)
    tags = Counter(t for c in suite.cases for t in c.tags)
    for axis in (
        "lang",
        "intent",
        "noise",
        "turns",
        "proto",
        "region",
        "dest",
        "ref",
        "src-type",
        "unans",
        "world",
        "scenario",
        "fault",
    ):
        assert any(t.startswith(axis + ":") for t in tags), axis
    assert tags["lang:en"] and tags["lang:ja"] and tags["unans:ambiguous"] and tags["unans:cross-region"]
    for case in suite.cases:
        g = case.gold
        assert case.input.context.home_region == "us-east-1" and len(case.input.context.inventory) > 10
        if "unans:ambiguous" in case.tags:
            assert g.query is None and not g.answerable and g.abstain_reason == "ambiguous"
        else:
            assert g.query is not None and g.verdict is not None
        if g.verdict is not None and g.verdict.reachable is False:
            assert g.blocking == g.verdict.blocking_component
        # The question names what the gold names (ids, addresses and hostnames are never typo'd).
        text = " ".join(case.input.turns)
        if (
            g.query is not None
            and g.query.destination_kind.value in ("ip", "fqdn")
            and "turns:fix-region" not in case.tags
        ):
            assert g.query.destination in text or g.query.destination.split(".")[0] in text.lower()
    multi = [c for c in suite.cases if len(c.input.turns) == 2]
    assert multi and all(any(t.startswith("turns:") and t != "turns:single" for t in c.tags) for c in multi)


def test_eni_and_instance_are_equivalent(generated: Path) -> None:
    suite = load_suite(generated)
    by_eni = [c for c in suite.cases if c.gold.query and c.gold.query.source == "eni-0app1"]
    assert by_eni and all(c.gold.equivalents.get("source") == ("i-0app1",) for c in by_eni)
    by_inst = [
        c
        for c in suite.cases
        if c.gold.query and c.gold.query.source == "i-0app1" and "ref:private-ip" not in c.tags
    ]
    assert by_inst and all("eni-0app1" in c.gold.equivalents.get("source", ()) for c in by_inst)


def test_template_counts_and_rendering() -> None:
    book = load_phrasebook()
    for lang in LANGS:
        for intent in INTENTS:
            assert book.count(lang, intent) >= MIN_TEMPLATES, (lang, intent)
    en_ask = set(book.sources["en"]["ask"])
    ja_ask = set(book.sources["ja"]["ask"])
    assert not en_ask & ja_ask


def test_bad_template_is_reported(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[1] / "cases" / "templates"
    for f in src.iterdir():
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    doc = (tmp_path / "en.yaml").read_text(encoding="utf-8")
    (tmp_path / "en.yaml").write_text(doc.replace('{{p.suffix}}?"', '{{p.sufix}}?"', 1), encoding="utf-8")
    with pytest.raises(TemplateError, match=r"en.yaml: ask\[0\]: 'dict object' has no attribute 'sufix'"):
        load_phrasebook(tmp_path)
    data = (tmp_path / "ja.yaml").read_text(encoding="utf-8")
    cut = data.split("report:")[0] + 'report:\n  - "{{src}}"\n' + "fix_region:" + data.split("fix_region:")[1]
    (tmp_path / "en.yaml").write_text(doc, encoding="utf-8")
    (tmp_path / "ja.yaml").write_text(cut, encoding="utf-8")
    with pytest.raises(TemplateError, match=r"ja.yaml: report: needs at least 30 templates, has 1"):
        load_phrasebook(tmp_path)


def test_typos_change_words_not_identifiers() -> None:
    rng = random.Random(1)
    text = "Please check whether i-0abc123 can reach 10.0.2.10 over HTTPS connection"
    for _ in range(50):
        out = add_typos(text, "en", rng)
        assert "i-0abc123" in out and "10.0.2.10" in out
    assert any(add_typos(text, "en", random.Random(s)) != text for s in range(5))


def test_suite_json_records_generator(generated: Path) -> None:
    meta = json.loads((generated / "suite.json").read_text())
    assert meta["generator"]["seed"] == CONFIG.seed and "mini__nacl" in meta["generator"]["quotas"]
