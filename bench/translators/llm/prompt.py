"""The one prompt every LLM backend sends, versioned so a prompt change is a new cache key and run record.

Why one builder: a comparison between models is only fair when every backend sees the same words. The
backends differ only in how they *constrain* the output (Bedrock tool use, OpenAI ``response_format`` or
``tools``, or plain text parsed afterwards); the task, schema, context and examples are built here.

Layout of a prompt:
- system: the task, the rules of the query language, the output schema (derived from the pydantic
  models, never hand-written) and the abstention reasons. It does not depend on the case, so servers
  with prefix caching reuse it.
- few-shot pairs (optional): user/assistant messages made only from cases of the ``dev`` split.
- the case: the console context (home Region, account, inventory) and the numbered user turns.

Inventory truncation rule (``max_inventory`` items, default 150): when the inventory is larger, every
item gets a mention score against the conversation text: +10 when its id, a private/public IP or a DNS
name appears verbatim in the turns, +5 when its Name tag (3+ characters) appears verbatim, +1 per word
of its Name tag or tag values (3+ characters) that also occurs as a word in the turns. Items are ranked
by score (descending), then items in the home Region before others, then endpoint types before
components, then by id; the first ``max_inventory`` are kept, rendered in their original order, and the
prompt says how many were left out. Small inventories are rendered whole.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bench.cases.loader import CaseFileError, load_case_file
from bench.cases.schema import Case, CaseInput, InventoryItem
from bench.model import Query
from bench.model.resources import ENDPOINT_TYPES

PROMPT_VERSION = "llm-prompt-v2"  # v2: the gold's conventions stated (cases/README.md rules)
TOOL_NAME = "submit_answer"
TOOL_DESCRIPTION = "Submit the reachability query, or the abstention, for the question."
DEFAULT_MAX_INVENTORY = 150

ABSTAIN_REASONS: dict[str, str] = {
    "cross_region": "the destination is an inventory resource in a different Region from the source "
    "(Reachability Analyzer cannot analyse a path across Regions; an address or hostname that belongs "
    "to another Region is not a reason)",
    "unsupported_type": "an endpoint is a resource type the analyzer does not support (e.g. a Lambda "
    "function or an ECS task)",
    "ipv6": "the question is about IPv6 traffic (the analyzer is IPv4 only)",
    "ambiguous": "the question does not identify the source or destination uniquely",
    "unknown_resource": "a named resource is not in the inventory",
    "other": "any other reason the question cannot be turned into one analysis",
}


class LLMAnswer(BaseModel):
    """What the model must return: a query, or an abstention with a reason (never both)."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["query", "abstain"] = Field(
        description="'query' when the question maps to one reachability analysis, else 'abstain'."
    )
    query: Query | None = Field(default=None, description="The analysis to run; required for 'query'.")
    abstain_reason: str | None = Field(
        default=None,
        description="Required for 'abstain': one of " + ", ".join(ABSTAIN_REASONS) + ".",
    )


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """Replace ``$ref`` with its definition: Bedrock tools and llama.cpp grammars reject refs."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = defs[node["$ref"].rsplit("/", 1)[-1]]
            merged = {k: v for k, v in node.items() if k != "$ref"}
            return {**_inline_refs(copy.deepcopy(target), defs), **merged}
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def answer_schema() -> dict[str, Any]:
    """JSON schema of :class:`LLMAnswer`, self-contained (no ``$defs``), keys in a stable order (a fresh
    copy per call; prompts share the builder's one copy: pydantic's schema generation costs ~2 ms)."""
    return json.loads(_answer_schema_json())


@functools.lru_cache(maxsize=1)
def _answer_schema_json() -> str:
    raw = LLMAnswer.model_json_schema()
    schema = _inline_refs(raw, raw.get("$defs", {}))
    return json.dumps(schema, sort_keys=True)


_TASK = """\
You translate a cloud engineer's question about network connectivity in their AWS account into one \
reachability analysis, in the style of VPC Reachability Analyzer, or you abstain.

The query fields:
- region: the Region of the source: where the path starts and the analysis runs (Reachability Analyzer \
analyses a path inside one Region). Take it from the source's entry in the inventory (for a source \
address, the resource that holds it); for a source given by an ARN, the Region field of the ARN; \
otherwise from the Region the user places the source in (in words such as "Tokyo", "N. Virginia", \
"東京", or as a code); only when nothing says where the source is, the console's home Region. A destination never decides `region`: a hostname or address that belongs to another Region \
does not move the analysis there.
- source: the resource id the traffic starts from, exactly as in the inventory (instance, network \
interface, DB instance identifier, Auto Scaling group name, gateway, endpoint, ...), or an IP address.
- destination: a resource id from the inventory, an IPv4 address, a CIDR, or a hostname (FQDN). Keep the \
destination exactly as specific as the user said: never widen an address to a range or to "the \
Internet", and never replace an address or hostname with a gateway.
- destination_ip: only when the destination is a resource (e.g. an internet gateway) and the user named \
one address behind it.
- source_ip: only when the user names which address of the source to use.
- protocol: tcp, udp, icmp (ping) or any; port: the destination port for tcp/udp (ssh 22, https 443, \
postgres 5432, ...), null when none is implied; always null for icmp.
- destination_region: only for a destination resource (from the inventory) in a Region other than \
`region`; never for an address, a CIDR or a hostname.

Rules (how the reference answers are written):
{rules}
- The user may send several messages; later messages correct or narrow earlier ones. Answer the final \
intent.
- Abstain instead of guessing when the analysis is impossible or the question is unclear. Reasons:
{reasons}

Output: exactly one JSON object matching this JSON schema, and nothing else:
{schema}
Examples of valid outputs:
{{"decision": "query", "query": {{"region": "us-east-1", "source": "i-0123456789abcdef0", \
"destination": "10.0.2.15", "protocol": "tcp", "port": 443}}, "abstain_reason": null}}
{{"decision": "abstain", "query": null, "abstain_reason": "cross_region"}}
"""

#: The gold's conventions, one per rule of ``cases/README.md`` ("Rules for the gold query"), keyed by
#: the rule they state; ``tests/test_llm_prompt.py`` checks that every rule there is stated here.
GOLD_RULES: dict[str, str] = {
    "source_region": "The analysis runs in the source's Region. A destination resource (from the "
    "inventory) in another Region makes the path cross-Region, which Reachability Analyzer cannot "
    "analyse: abstain with cross_region (a query for it would set destination_region to the "
    "destination's Region).",
    "address_destination": "A destination named by an address or a hostname is analysed from the "
    "source's Region as that address or hostname, even when it belongs to another Region: "
    "s3.ap-northeast-1.amazonaws.com from an instance in us-east-1 is answerable, with region "
    "us-east-1 and destination s3.ap-northeast-1.amazonaws.com.",
    "resolve_names": "A resource named by its private address, DNS name, Name tag or a description is "
    "given as its resource id from the inventory; a resource named by its network interface (ENI) id "
    "keeps the ENI id, and one named by its instance id keeps the instance id. Never invent an id.",
    "ambiguous_or_missing": "A question too ambiguous to name one resource (\"the app server\" when the "
    "Region has two) is not guessed: abstain with ambiguous. A resource id that is not in the inventory "
    "is not guessed either: abstain with unknown_resource.",
}


def system_prompt() -> str:
    """The case-independent instructions: the task, the query language and the output schema."""
    reasons = "\n".join(f"  - {code}: {text}" for code, text in ABSTAIN_REASONS.items())
    rules = "\n".join(f"- {text}" for text in GOLD_RULES.values())
    schema = json.dumps(answer_schema(), sort_keys=True, ensure_ascii=False)
    return _TASK.format(reasons=reasons, rules=rules, schema=schema)


# ---------------------------------------------------------------------------------------------------
# Inventory rendering and truncation


_WORD = re.compile(r"[\w\-.:/]+", re.UNICODE)


def _words(text: str) -> set[str]:
    out: set[str] = set()
    for token in _WORD.findall(text.lower()):
        out.add(token.strip(".:/-"))
        out.update(part for part in re.split(r"[\-_.:/]", token) if part)
    return {w for w in out if len(w) >= 3}


def mention_score(item: InventoryItem, text: str, words: set[str] | None = None) -> int:
    """How strongly the conversation points at ``item`` (the truncation rule in the module docstring)."""
    lowered = text.lower()
    words = _words(text) if words is None else words
    score = 0
    exact = [item.id, *item.private_ips, *item.public_ips, *item.dns_names]
    if any(token and token.lower() in lowered for token in exact):
        score += 10
    if item.name and len(item.name) >= 3 and item.name.lower() in lowered:
        score += 5
    named = " ".join([item.name or "", *item.tags.values()])
    score += len(_words(named) & words)
    return score


def select_inventory(
    case_input: CaseInput, max_items: int = DEFAULT_MAX_INVENTORY
) -> tuple[list[InventoryItem], int]:
    """Items to show (original order) and how many were left out, by the documented rule."""
    items = list(case_input.context.inventory)
    if len(items) <= max_items:
        return items, 0
    text = "\n".join(case_input.turns)
    words = _words(text)
    home = case_input.context.home_region
    endpoint_values = {t.value for t in ENDPOINT_TYPES}

    def rank(pair: tuple[int, InventoryItem]) -> tuple[int, int, int, str]:
        _, item = pair
        return (
            -mention_score(item, text, words),
            0 if item.region == home else 1,
            0 if item.type in endpoint_values else 1,
            item.id,
        )

    kept = sorted(sorted(enumerate(items), key=rank)[:max_items], key=lambda pair: pair[0])
    return [item for _, item in kept], len(items) - len(kept)


def render_item(item: InventoryItem) -> str:
    """One compact line: id and type first, then only the fields that are set."""
    parts = [item.id, item.type]
    if item.name:
        parts.append(f"name={json.dumps(item.name, ensure_ascii=False)}")
    if item.vpc_id:
        parts.append(f"vpc={item.vpc_id}")
    if item.subnet_id:
        parts.append(f"subnet={item.subnet_id}")
    if item.private_ips:
        parts.append("ip=" + ",".join(item.private_ips))
    if item.public_ips:
        parts.append("public_ip=" + ",".join(item.public_ips))
    if item.dns_names:
        parts.append("dns=" + ",".join(item.dns_names))
    other_tags = {k: v for k, v in sorted(item.tags.items()) if k != "Name"}
    if other_tags:
        parts.append("tags=" + json.dumps(other_tags, ensure_ascii=False, sort_keys=True))
    return " ".join(parts)


def render_context(case_input: CaseInput, max_items: int = DEFAULT_MAX_INVENTORY) -> str:
    """Console context as the assistant sees it, inventory grouped by Region (home Region first)."""
    return _context(case_input, max_items)[0]


# An inventory shown whole renders the same for every case of its world: memoised on the identity of its
# items (the memo holds them, so an id is never reused while it is in the memo), the home Region and the
# account. A truncated inventory depends on the turns and is rendered per case.
_CONTEXT_MEMO: dict[tuple[Any, ...], tuple[tuple[InventoryItem, ...], str]] = {}


def _context(case_input: CaseInput, max_items: int) -> tuple[str, int]:
    """(the rendered context, how many inventory items were left out)."""
    ctx = case_input.context
    key: tuple[Any, ...] | None = None
    if len(ctx.inventory) <= max_items:
        key = (ctx.home_region, ctx.account_id, *map(id, ctx.inventory))
        found = _CONTEXT_MEMO.get(key)
        if found is not None:
            return found[1], 0
    items, omitted = select_inventory(case_input, max_items)
    lines = [f"Console home Region: {ctx.home_region}", f"Account: {ctx.account_id}"]
    regions = sorted({i.region for i in items}, key=lambda r: (r != ctx.home_region, r))
    total = len(ctx.inventory)
    header = f"Inventory ({total} resources"
    header += (
        f"; showing the {len(items)} most relevant to the question, {omitted} omitted)" if omitted else ")"
    )
    lines.append(header + ":")
    for region in regions:
        lines.append(f"[{region}]")
        lines.extend("  " + render_item(i) for i in items if i.region == region)
    text = "\n".join(lines)
    if key is not None:
        if len(_CONTEXT_MEMO) > 1024:
            _CONTEXT_MEMO.clear()
        _CONTEXT_MEMO[key] = (tuple(ctx.inventory), text)
    return text, omitted


def render_case(case_input: CaseInput, max_items: int = DEFAULT_MAX_INVENTORY) -> str:
    """The user message for one case: context, then the turns numbered oldest first."""
    return _render_case(case_input, max_items)[0]


def _render_case(case_input: CaseInput, max_items: int) -> tuple[str, int]:
    turns = case_input.turns
    context, omitted = _context(case_input, max_items)
    lines = [context, ""]
    if len(turns) == 1:
        lines += ["User message:", turns[0]]
    else:
        lines.append(f"User messages, oldest first ({len(turns)}; later ones may correct earlier ones):")
        lines += [f"[{n}] {text}" for n, text in enumerate(turns, start=1)]
    return "\n".join(lines), omitted


# ---------------------------------------------------------------------------------------------------
# Few-shot examples (dev split only)


class FewShotError(ValueError):
    """A few-shot file that cannot be used (missing, malformed, or not the dev split)."""


def gold_answer(case: Case) -> LLMAnswer:
    """The answer the model should have given for a dev case, in the output schema."""
    gold = case.gold
    if gold.answerable and gold.query is not None:
        return LLMAnswer(decision="query", query=gold.query)
    return LLMAnswer(decision="abstain", abstain_reason=gold.abstain_reason or "other")


def load_few_shot(path: str | Path, k: int, seed: int = 0) -> list[Case]:
    """``k`` dev cases from a JSONL file (or a suite folder's ``dev.jsonl``), chosen deterministically.

    One abstention is included when the file has any and ``k >= 2``, so the model sees both shapes.

    Any line whose ``split`` is not ``dev`` is an error: examples from ``test`` would leak gold.
    """
    path = Path(path)
    if k <= 0:
        return []
    if path.is_dir():  # a suite folder (cases/core): its dev split
        path = path / "dev.jsonl"
    if not path.is_file():
        raise FewShotError(f"{path}: few-shot file not found")
    # Through the suite loader, so that the world inventories factored out of the case lines are
    # expanded again: a few-shot example without its inventory would teach the model nothing.
    try:
        loaded, _ = load_case_file(path)
    except CaseFileError as exc:
        raise FewShotError(str(exc)) from None
    cases: list[Case] = []
    for case in loaded:
        if case.split != "dev":
            raise FewShotError(
                f"{path}: case {case.id}: split is {case.split!r}; few-shot examples must be dev"
            )
        cases.append(case)

    def order(case: Case) -> str:
        return hashlib.sha256(f"{seed}:{case.id}".encode()).hexdigest()

    ranked = sorted(cases, key=order)
    chosen = ranked[:k]
    abstains = [c for c in ranked if not c.gold.answerable]
    if abstains and k >= 2 and all(c.gold.answerable for c in chosen):
        chosen = [*chosen[: k - 1], abstains[0]]
    return sorted(chosen, key=lambda c: c.id)


# ---------------------------------------------------------------------------------------------------
# The assembled prompt


@dataclass(frozen=True)
class Message:
    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class Prompt:
    """Backend-neutral prompt: a system text and alternating user/assistant messages ending with user."""

    system: str
    messages: tuple[Message, ...]
    schema: dict[str, Any] = field(default_factory=answer_schema)
    inventory_omitted: int = 0


@dataclass(frozen=True)
class PromptConfig:
    """Options of the prompt that change what the model sees; all of them go in the run settings."""

    max_inventory: int = DEFAULT_MAX_INVENTORY
    few_shot_path: str | None = None
    few_shot_k: int = 0
    few_shot_seed: int = 0

    def settings(self) -> dict[str, Any]:
        out: dict[str, Any] = {"prompt_version": PROMPT_VERSION, "max_inventory": self.max_inventory}
        if self.few_shot_path and self.few_shot_k > 0:
            out.update(
                few_shot_path=self.few_shot_path,
                few_shot_k=self.few_shot_k,
                few_shot_seed=self.few_shot_seed,
                few_shot_sha256=_file_sha256(self.few_shot_path),
            )
        return out


def _file_sha256(path: str) -> str | None:
    file = Path(path) / "dev.jsonl" if Path(path).is_dir() else Path(path)
    try:
        return hashlib.sha256(file.read_bytes()).hexdigest()
    except OSError:
        return None


class PromptBuilder:
    """Builds prompts for one translator instance; few-shot examples are loaded once."""

    def __init__(self, config: PromptConfig | None = None) -> None:
        self.config = config or PromptConfig()
        self._system = system_prompt()
        # One schema for every prompt of this builder (read-only: backends serialise it into requests).
        self._schema = answer_schema()
        shots: Sequence[Case] = ()
        if self.config.few_shot_path and self.config.few_shot_k > 0:
            shots = load_few_shot(
                self.config.few_shot_path, self.config.few_shot_k, self.config.few_shot_seed
            )
        examples: list[Message] = []
        for case in shots:
            examples.append(Message("user", render_case(case.input, self.config.max_inventory)))
            examples.append(Message("assistant", gold_answer(case).model_dump_json(exclude_none=False)))
        self._examples = tuple(examples)

    @property
    def system(self) -> str:
        return self._system

    def fingerprint(self) -> str:
        """sha256 of everything fixed across cases (system text, examples): part of the cache key."""
        blob = json.dumps([self._system, [(m.role, m.content) for m in self._examples]], ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    @property
    def n_examples(self) -> int:
        return len(self._examples) // 2

    def build(self, case_input: CaseInput) -> Prompt:
        text, omitted = _render_case(case_input, self.config.max_inventory)
        return Prompt(
            system=self._system,
            messages=(*self._examples, Message("user", text)),
            schema=self._schema,
            inventory_omitted=omitted,
        )
