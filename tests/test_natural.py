"""The hand-written ``natural`` suite: its builder, its promises, its independence from the templates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cases.gold import regold
from bench.cases.loader import cases_root, load_suite
from bench.cases.natural import NaturalError, build_natural, read_entries
from bench.cases.natural_stats import check_natural
from bench.cases.similarity import (
    DUPLICATE_THRESHOLD,
    TEMPLATE_THRESHOLD,
    near_duplicates,
    nearest_per_question,
    normalise,
    question_text,
)
from bench.cases.validate import cached_engine
from bench.world.catalog import list_worlds, load_world

NATURAL = cases_root() / "natural"
pytestmark = pytest.mark.skipif(not list_worlds(), reason="no checked-in worlds")


def _engine(w):  # noqa: ANN001, ANN202
    return cached_engine(w.name)


def _src(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "part.yaml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """\
cases:
  - key: t-1
    world: web-tier__baseline
    lang: en
    difficulty: easy
    turns: ["can {shop-bastion} ssh to the db? (catalog-db)"]
    query: {source: "{shop-bastion}", destination: "{catalog-db}", protocol: tcp, port: 22}
    tags: [style:chat, ref:name, ref:instance-id]
  - key: t-2
    world: web-tier__baseline
    lang: ja
    difficulty: medium
    turns: ["webサーバからDBに繋がらない"]
    abstain: ambiguous
    tags: [style:chat, ref:desc]
  - key: t-3
    world: web-tier__baseline
    lang: en
    difficulty: easy
    turns: ["shop-bastion eni -> catalog-db 3306"]
    query: {source: "{shop-bastion.eni}", destination: "10.60.2.25", protocol: tcp, port: 3306}
"""


def test_builds_gold_ids_and_derived_tags(tmp_path: Path) -> None:
    world = load_world("web-tier__baseline")
    bastion = next(i for i in world.instances.values() if i.name == "shop-bastion")
    result = build_natural(load_world, _engine, files=[_src(tmp_path, GOOD)], out_dir=tmp_path / "out")
    assert result.problems == [] and len(result.cases) == 3
    by_key = {result.keys[c.id]: c for c in result.cases}
    first = by_key["t-1"]
    assert first.gold.query.source == bastion.id and first.gold.query.region == "us-east-1"
    assert bastion.id in first.input.turns[0]  # placeholders work in turns too
    assert {"lang:en", "difficulty:easy", "turns:1", "dest:resource", "style:chat"} <= set(first.tags)
    assert first.gold.verdict.reachable is False  # the DB's group allows 3306 from web-sg only
    amb = by_key["t-2"]
    assert amb.gold.answerable is False and amb.gold.abstain_reason == "ambiguous" and amb.gold.query is None
    assert "dest:none" in amb.tags and "unans:ambiguous" in amb.tags
    eni = by_key["t-3"]
    assert eni.gold.query.source == bastion.eni_ids[0] and "dest:ip" in eni.tags
    assert {c.split for c in result.cases} <= {"dev", "test"}
    # written like every suite, and the same bytes twice
    files = {n: (tmp_path / "out" / n).read_bytes() for n in ("dev.jsonl", "test.jsonl", "inventories.jsonl")}
    build_natural(load_world, _engine, files=[_src(tmp_path, GOOD)], out_dir=tmp_path / "out")
    assert files == {n: (tmp_path / "out" / n).read_bytes() for n in files}
    assert json.loads((tmp_path / "out" / "suite.json").read_text())["name"] == "natural"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "cases:\n  - {key: a, world: web-tier__baseline, lang: en, difficulty: easy, turns: [x]}\n",
            "part.yaml:2: cases[a].query: give exactly one of",
        ),
        (
            "cases:\n  - {key: a, world: web-tier__baseline, lang: fr, difficulty: easy,"
            " turns: [x], abstain: ambiguous}\n",
            "part.yaml:2: cases[a].lang: 'fr' is not one of",
        ),
        (
            "cases:\n  - {key: a, world: web-tier__baseline, lang: en, difficulty: easy, turns: [x],\n"
            "     query: {source: '{nobody}', destination: '{catalog-db}'}}\n",
            "part.yaml:2: cases[a].query.source: {nobody} names 0 resources in web-tier__baseline",
        ),
        (
            "cases:\n  - {key: a, world: web-tier__baseline, lang: en, difficulty: easy, turns: [x],\n"
            "     query: {source: '{web-server}', destination: '{catalog-db}'}}\n",
            "resources in web-tier__baseline (narrow it: {web-server@",
        ),
        (
            "cases:\n  - {key: a, world: web-tier__baseline, lang: en, difficulty: easy, turns: [x],\n"
            "     query: {source: '{shop-bastion}', destination: '{catalog-db}', port: 99999}}\n",
            "part.yaml:2: cases[a].query: ",
        ),
        (
            "cases:\n  - {key: a, world: web-tier__baseline, lang: en, difficulty: easy, turns: [x],\n"
            "     abstain: ambiguous, tags: [lang:en]}\n",
            "cases[a].tags.0: 'lang:en': use one of the families",
        ),
        (
            "cases:\n  - {key: a, world: nowhere, lang: en, difficulty: easy,"
            " turns: [x], abstain: ambiguous}\n",
            "part.yaml:2: cases[a].world: ",
        ),
        (
            "cases:\n  - {key: a, world: web-tier__baseline, lang: en, difficulty: easy,"
            " turns: [x], abstain: ambiguous}\n"
            "  - {key: a, world: web-tier__baseline, lang: en, difficulty: easy,"
            " turns: [y], abstain: ambiguous}\n",
            "part.yaml:3: cases[a].key: duplicate of",
        ),
        ("cases: [\n", "part.yaml:2: not valid YAML"),
    ],
)
def test_bad_entries_name_file_line_and_field(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(NaturalError) as err:
        build_natural(load_world, _engine, files=[_src(tmp_path, body)], write=False)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_keep_going_lists_every_bad_entry(tmp_path: Path) -> None:
    body = (
        GOOD
        + "  - {key: bad1, world: web-tier__baseline, lang: xx, difficulty: easy,"
          " turns: [x], abstain: ambiguous}\n"
    )
    body += "  - {key: bad2, world: web-tier__baseline, lang: en, difficulty: easy, turns: [x]}\n"
    result = build_natural(load_world, _engine, files=[_src(tmp_path, body)], write=False, keep_going=True)
    assert len(result.cases) == 3 and len(result.problems) == 2
    assert "bad1" in result.problems[0] and "bad2" in result.problems[1]


def test_read_entries_rejects_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"cases:\n  - key: \xff\n")
    with pytest.raises(NaturalError, match="x.yaml:0: not UTF-8"):
        read_entries([path])


def test_similarity_finds_a_copied_template_and_spares_a_real_question() -> None:
    copied = "Is there a network path from web-1 to db-7 for https?"  # en.ask, names swapped
    real = "web-1 started timing out on the db after yesterday's deploy, sg change maybe?"
    near = nearest_per_question([copied, real], [["web-1", "db-7"], ["web-1"]])
    assert near[0].similarity >= TEMPLATE_THRESHOLD > near[1].similarity
    assert normalise("ping 10.0.0.1 from i-0123456789abcdef0") == normalise(
        "ping 10.9.9.9 from i-0fedcba987654321f"
    )


# --- the committed suite -------------------------------------------------------------------------------

needs_suite = pytest.mark.skipif(not (NATURAL / "suite.json").exists(), reason="natural suite not built")


@pytest.fixture(scope="module")
def natural():  # noqa: ANN201
    return load_suite("natural", keep_going=True)


@needs_suite
def test_suite_loads_and_gold_rederives(natural) -> None:  # noqa: ANN001
    assert natural.problems == []
    diffs = [
        c.id for c in natural.cases if regold(c, cached_engine(c.world) if c.gold.query else None) != c.gold
    ]
    assert diffs == []


@needs_suite
def test_suite_meets_its_promises(natural) -> None:  # noqa: ANN001
    assert check_natural(natural.cases) == []


@needs_suite
def test_questions_are_not_the_templates(natural) -> None:  # noqa: ANN001
    names = [[i.name for i in c.input.context.inventory if i.name] for c in natural.cases]
    near = nearest_per_question([question_text(c.input.turns) for c in natural.cases], names)
    too_close = [
        f"{c.id}: {n.similarity:.2f} {n.question!r} ~ {n.where} {n.template!r}"
        for c, n in zip(natural.cases, near, strict=True)
        if n is not None and n.similarity >= TEMPLATE_THRESHOLD
    ]
    assert too_close == []


@needs_suite
def test_no_near_duplicate_questions(natural) -> None:  # noqa: ANN001
    names = [[i.name for i in c.input.context.inventory if i.name] for c in natural.cases]
    texts = [question_text(c.input.turns) for c in natural.cases]
    pairs = near_duplicates(texts, names, DUPLICATE_THRESHOLD)
    assert [(natural.cases[i].id, natural.cases[j].id, round(s, 2)) for i, j, s in pairs] == []


def test_second_annotation_agrees_by_meaning_not_spelling(tmp_path: Path) -> None:
    from bench.cases.agreement import annotation_sheet, compare_annotations

    src = _src(tmp_path, GOOD)
    sheet = annotation_sheet(read_entries([src]), load_world)
    assert [s["key"] for s in sheet] == ["t-1", "t-2", "t-3"] and all("query" not in s for s in sheet)
    assert "{" not in sheet[0]["turns"][0]  # the annotator sees ids, as a translator does
    second = tmp_path / "second.yaml"
    second.write_text(
        "cases:\n"
        # the instance's ENI and the DB's address: same endpoints as the writer's names
        "  - {key: t-1,"
        " query: {source: '{shop-bastion.eni}', destination: '10.60.2.25', protocol: tcp, port: 22}}\n"
        "  - {key: t-2, abstain: ambiguous}\n"
        # another port: on web-tier's worlds both are stopped by the same group, yet the slot differs
        "  - {key: t-3,"
        " query: {source: '{shop-bastion}', destination: '{catalog-db}', protocol: tcp, port: 22}}\n",
        encoding="utf-8",
    )
    every = list_worlds()
    result = compare_annotations(
        [src],
        [second],
        load_world,
        cached_engine,
        lambda n: [w for w in every if w.startswith(n.split("__")[0] + "__")],
    )
    assert (result.compared, result.agreed) == (3, 2)
    (d,) = result.disagreements
    assert d.key == "t-3" and d.slots == ("port",) and d.where == ""
    assert result.causes() == {"port": 1}


@needs_suite
def test_ids_are_issued_and_split_by_the_suites_own_share(natural) -> None:  # noqa: ANN001
    from bench.cases.validate import check_ids

    assert check_ids(natural) == []
    share = sum(c.split == "dev" for c in natural.cases) / len(natural.cases)
    assert 0.20 < share < 0.30  # DEV_SHARE = 25 %


def test_a_bad_dev_share_in_suite_json_is_a_clear_error(tmp_path: Path) -> None:
    from bench.cases.loader import CaseFileError, read_suite_meta

    (tmp_path / "suite.json").write_text(
        '{"name": "x", "version": "1", "dev_share": "lots"}', encoding="utf-8"
    )
    with pytest.raises(CaseFileError, match="dev_share"):
        read_suite_meta(tmp_path)
