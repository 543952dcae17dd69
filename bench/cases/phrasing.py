"""The phrasing templates of ``cases/templates/`` loaded, checked and rendered.

Templates are data (YAML with jinja2 expressions) so that people who write questions never touch the
generator; this module checks them up front (every intent has at least ``MIN_TEMPLATES`` per language,
every template renders with sample values, StrictUndefined catches a misspelt variable) so that a bad
template fails at load time with its file and index rather than halfway through a generation.
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from bench import corpus_dir

LANGS: tuple[str, ...] = ("en", "ja")
FIRST_TURN_INTENTS: tuple[str, ...] = ("ask", "report")
FOLLOW_UP_INTENTS: tuple[str, ...] = ("fix_region", "fix_target", "narrow")
INTENTS = FIRST_TURN_INTENTS + FOLLOW_UP_INTENTS
MIN_TEMPLATES = 30

SRC_MARK, DST_MARK = "\x01", "\x02"  # placeholders kept intact while typos are applied


class TemplateError(ValueError):
    """A template file that cannot be used; the message names the file, the key and the index."""


def templates_dir() -> Path:
    env = os.environ.get("REACHBENCH_CASES")
    if env and (Path(env) / "templates").is_dir():
        return Path(env) / "templates"
    return corpus_dir() / "templates"


@dataclass(frozen=True)
class Wording:
    """One way of naming the traffic (protocols.yaml)."""

    key: str
    protocol: str
    port: int | None
    from_context: bool
    en: dict[str, str]
    ja: dict[str, str]

    def phrases(self, lang: str, port: int | None) -> dict[str, str]:
        table = self.en if lang == "en" else self.ja
        return {k: v.replace("{port}", str(port) if port is not None else "") for k, v in table.items()}


@dataclass(frozen=True)
class Role:
    key: str
    name_has: tuple[str, ...]
    types: tuple[str, ...]
    en: tuple[str, ...]
    ja: tuple[str, ...]

    def matches(self, rtype: str, name: str | None) -> bool:
        if rtype not in self.types:
            return False
        if not self.name_has:
            return True
        low = (name or "").lower()
        return any(re.search(rf"(^|[^a-z]){re.escape(tok)}", low) for tok in self.name_has)


@dataclass
class Phrasebook:
    """All phrasing data: templates per language and intent, wordings, noise, descriptive roles."""

    templates: dict[str, dict[str, list[jinja2.Template]]]
    sources: dict[str, dict[str, list[str]]]
    wordings: dict[str, Wording]
    noise: dict[str, Any]
    roles: tuple[Role, ...]
    region_phrase: dict[str, list[str]]
    log_templates: dict[str, list[jinja2.Template]]

    def template(self, lang: str, intent: str, index: int) -> jinja2.Template:
        return self.templates[lang][intent][index]

    def count(self, lang: str, intent: str) -> int:
        return len(self.templates[lang][intent])


def _env() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)
    # jinja's capitalize lower-cases the rest ("Https traffic"); keep acronyms as written.
    env.filters["capitalize"] = lambda text: str(text)[:1].upper() + str(text)[1:]
    return env


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateError(f"{path}: missing template file") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: invalid YAML: {exc}") from None


_SAMPLE = {
    "src": SRC_MARK,
    "dst": DST_MARK,
    "wrong": "Seoul",
    "right": "Tokyo",
    "p": {"verb": "reach", "suffix": " on port 443", "noun": "traffic on port 443", "obj": "通信", "mod": ""},
}


def load_phrasebook(directory: str | Path | None = None) -> Phrasebook:
    """Load and check every template file; raises TemplateError naming file, intent and index."""
    folder = Path(directory) if directory else templates_dir()
    env = _env()
    templates: dict[str, dict[str, list[jinja2.Template]]] = {}
    sources: dict[str, dict[str, list[str]]] = {}
    for lang in LANGS:
        path = folder / f"{lang}.yaml"
        doc = _read_yaml(path)
        if not isinstance(doc, dict) or doc.get("lang") != lang:
            raise TemplateError(f"{path}: field 'lang' must be {lang!r}")
        templates[lang], sources[lang] = {}, {}
        for intent in INTENTS:
            texts = doc.get(intent)
            if not isinstance(texts, list) or len(texts) < MIN_TEMPLATES:
                n = len(texts) if isinstance(texts, list) else 0
                raise TemplateError(f"{path}: {intent}: needs at least {MIN_TEMPLATES} templates, has {n}")
            if len(set(texts)) != len(texts):
                raise TemplateError(f"{path}: {intent}: duplicate templates")
            compiled = []
            for i, text in enumerate(texts):
                try:
                    tpl = env.from_string(str(text))
                    tpl.render(**_SAMPLE)
                except jinja2.TemplateError as exc:
                    raise TemplateError(f"{path}: {intent}[{i}]: {exc}") from None
                compiled.append(tpl)
            templates[lang][intent] = compiled
            sources[lang][intent] = [str(t) for t in texts]
    proto_doc = _read_yaml(folder / "protocols.yaml")
    wordings = {}
    for i, w in enumerate(proto_doc.get("wordings", [])):
        try:
            port = w["port"]
            wordings[w["key"]] = Wording(
                key=w["key"],
                protocol=w["protocol"],
                port=None if port in (None, "from-context") else int(port),
                from_context=port == "from-context",
                en=dict(w["en"]),
                ja=dict(w["ja"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TemplateError(f"{folder / 'protocols.yaml'}: wordings[{i}]: {exc}") from None
    noise = _read_yaml(folder / "noise.yaml")
    logs = {kind: [env.from_string(t) for t in items] for kind, items in (noise.get("log") or {}).items()}
    desc = _read_yaml(folder / "descriptive.yaml")
    roles = tuple(
        Role(r["key"], tuple(r.get("name_has") or ()), tuple(r["types"]), tuple(r["en"]), tuple(r["ja"]))
        for r in desc["roles"]
    )
    return Phrasebook(templates, sources, wordings, noise, roles, desc["region_phrase"], logs)


@lru_cache(maxsize=4)
def default_phrasebook() -> Phrasebook:
    return load_phrasebook()


# --- noise -------------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z]{5,}")
_KANA = re.compile(r"[ぁ-ん]")


def add_typos(text: str, lang: str, rng: random.Random, n: int = 2) -> str:
    """Swap or drop letters in ordinary words (placeholders, ids and addresses are never touched)."""
    for _ in range(n):
        if lang == "en":
            words = [m for m in _WORD.finditer(text) if not any(c.isdigit() for c in m.group())]
            if not words:
                return text
            m = rng.choice(words)
            w = m.group()
            k = rng.randrange(1, len(w) - 2)
            w2 = w[:k] + w[k + 1] + w[k] + w[k + 2 :] if rng.random() < 0.6 else w[:k] + w[k + 1 :]
            text = text[: m.start()] + w2 + text[m.end() :]
        else:
            kana = list(_KANA.finditer(text))
            if not kana:
                return text
            m = rng.choice(kana)
            dup = rng.random() < 0.5
            text = text[: m.start()] + (m.group() * 2 if dup else "") + text[m.end() :]
    return text


def render_turn(
    book: Phrasebook,
    lang: str,
    intent: str,
    index: int,
    values: dict[str, Any],
    rng: random.Random | None,
    typo: bool,
) -> str:
    """One turn: template -> text, with typos applied outside the resource references."""
    tpl = book.template(lang, intent, index)
    marked = dict(values)
    marks: dict[str, str] = {}
    for key, mark in (("src", SRC_MARK), ("dst", DST_MARK), ("wrong", "\x03"), ("right", "\x04")):
        if key in marked:
            marks[mark] = str(marked[key])
            marked[key] = mark
    text = tpl.render(**marked)
    if typo and rng is not None:
        text = add_typos(text, lang, rng)
    for mark, real in marks.items():
        text = text.replace(mark, real)
    text = re.sub(r"[ \t]+", " ", text).strip()
    if lang == "en" and re.match(r"(the|my|our) ", text):
        text = text[0].upper() + text[1:]
    return text
