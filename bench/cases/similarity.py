"""How close hand-written questions are to the corpus templates, and to each other.

A hand-written suite is only worth having if its questions are not the templates in disguise. Both the
questions and the template strings are first *normalised*: lower case, every resource name, id, address,
CIDR, hostname and number replaced by one placeholder token, Jinja expressions (``{{src}}``) by the same
token and Jinja tags (``{% if %}``) dropped, punctuation and spacing collapsed. Then each question's
nearest template is found by cosine similarity of character 2-4-gram TF-IDF vectors (``char_wb``), which
works the same for English and for Japanese (no word segmentation needed).

``nearest_templates`` gives, per question, the nearest template string and the similarity;
``near_duplicates`` gives pairs of questions of the suite above a threshold. The thresholds and the
distributions that justify them are in ``docs/corpus.md`` (section "Independence from the templates").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

TOKEN = " zq "  # the placeholder: a letter pair no question or template contains
TEMPLATE_THRESHOLD = 0.90
DUPLICATE_THRESHOLD = 0.92

_JINJA_EXPR = re.compile(r"\{\{.*?\}\}")
_JINJA_TAG = re.compile(r"\{%.*?%\}")
_PATTERNS = [
    re.compile(r"https?://\S+", re.I),  # console and service URLs: the artefact's format, not phrasing
    re.compile(r"arn:aws[\w:/\-.*]*", re.I),
    re.compile(r"\b[a-z0-9.\-]+\.(?:amazonaws\.com|internal|compute\.amazonaws\.com)\b", re.I),
    re.compile(
        r"\b(?:i|eni|vpc|subnet|igw|nat|tgw|tgw-attach|vgw|pcx|vpce|sg|acl|rtb|pl)-[0-9a-f]{6,}\b", re.I
    ),
    re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?\b"),
    re.compile(r"[0-9０-９]+"),
]
_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalise(text: str, names: Iterable[str] = ()) -> str:
    """The text with names, ids, addresses, hostnames and numbers as one token, punctuation removed."""
    out = _JINJA_TAG.sub(" ", text)
    out = _JINJA_EXPR.sub(TOKEN, out)
    for pattern in _PATTERNS[:4]:  # URLs, ARNs, hostnames and ids hold names: they go first
        out = pattern.sub(TOKEN, out)
    for name in sorted({n for n in names if n and len(n) > 2}, key=len, reverse=True):
        out = re.sub(re.escape(name), TOKEN, out, flags=re.I)
    for pattern in _PATTERNS[4:]:
        out = pattern.sub(TOKEN, out)
    out = _PUNCT.sub(" ", out.lower())
    return _SPACE.sub(" ", out).strip()


def template_strings(directory: Path | None = None) -> list[tuple[str, str]]:
    """Every phrasing the template corpus can produce, as (where, text): each question template of each
    language and intent rendered with each protocol wording (resources and Regions as placeholders), and
    the politeness and context phrases. Pasted tool output (``noise.log``) is left out: it is the tool's
    own format, the same in any question that pastes it; and so are single words and noun phrases
    (``descriptive``, the wordings themselves): vocabulary, not phrasing."""
    from bench.cases.phrasing import INTENTS, LANGS, load_phrasebook

    book = load_phrasebook(directory)
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for lang in LANGS:
        for intent in INTENTS:
            for i in range(book.count(lang, intent)):
                tpl = book.template(lang, intent, i)
                for wording in book.wordings.values():
                    p = getattr(wording, lang)
                    text = tpl.render(src="SRCX", dst="DSTX", wrong="REGX", right="REGY", p=p)
                    text = re.sub(r"SRCX|DSTX|REGX|REGY", TOKEN, text)
                    if text not in seen:
                        seen.add(text)
                        out.append((f"{lang}.{intent}[{i}]", text))
    for kind in ("polite", "context"):
        for lang, items in (book.noise.get(kind) or {}).items():
            for i, text in enumerate(items):
                out.append((f"noise.{kind}.{lang}[{i}]", str(text)))
    return out


@dataclass(frozen=True)
class Nearest:
    question: str
    template: str
    where: str
    similarity: float


def _vectoriser():  # noqa: ANN202 - scikit-learn is imported only where it is used
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=1)


MIN_CONTENT = 12  # characters of a normalised text that are not the placeholder token


_SEGMENT = re.compile(r"(?<=[.?!])\s+|(?<=[。？！])|\n+")


def segments(text: str) -> list[str]:
    """The sentences and lines of a text (turns joined by newlines): the unit compared with templates,
    since a copied template is a sentence of a question, not the whole message."""
    return [s.strip() for s in _SEGMENT.split(text) if s and s.strip()]


def content_length(norm: str) -> int:
    return len(norm.replace(TOKEN.strip(), "").replace(" ", ""))


def nearest_templates(
    questions: Sequence[str],
    names: Sequence[Iterable[str]] | None = None,
    templates: Sequence[tuple[str, str]] | None = None,
    template_names: Sequence[Iterable[str]] | None = None,
) -> list[Nearest]:
    """For each question (already one string), its most similar template text and the cosine.

    ``templates`` are (where, text) pairs: by default the raw template strings; callers add the rendered
    questions of a template-made suite (with their names, ``template_names``) to compare against what
    the templates actually produce."""
    templates = list(templates) if templates is not None else template_strings()
    t_norm = [normalise(t, template_names[i] if template_names else ()) for i, (_, t) in enumerate(templates)]
    q_norm = [normalise(q, names[i] if names else ()) for i, q in enumerate(questions)]
    vec = _vectoriser().fit(t_norm + q_norm)
    tm = vec.transform(t_norm)
    qm = vec.transform(q_norm)
    sims = (qm @ tm.T).toarray()
    out = []
    for i, q in enumerate(questions):
        j = int(sims[i].argmax()) if len(templates) else 0
        out.append(Nearest(q, templates[j][1], templates[j][0], float(sims[i][j]) if len(templates) else 0.0))
    return out


def near_duplicates(
    questions: Sequence[str],
    names: Sequence[Iterable[str]] | None = None,
    threshold: float = DUPLICATE_THRESHOLD,
) -> list[tuple[int, int, float]]:
    """Pairs (i, j, similarity), i < j, of questions whose normalised texts are at least ``threshold``
    similar, most similar first."""
    if len(questions) < 2:
        return []
    norm = [normalise(q, names[i] if names else ()) for i, q in enumerate(questions)]
    # Shorthand like "app1 -> db 5432" is all names and numbers: every such question looks alike once
    # they are replaced, so only questions with MIN_CONTENT characters of their own are compared.
    keep = [i for i, n in enumerate(norm) if content_length(n) >= MIN_CONTENT]
    if len(keep) < 2:
        return []
    m = _vectoriser().fit_transform([norm[i] for i in keep])
    sims = (m @ m.T).tocoo()
    pairs = [
        (keep[int(i)], keep[int(j)], float(s))
        for i, j, s in zip(sims.row, sims.col, sims.data, strict=True)
        if i < j and s >= threshold
    ]
    return sorted(pairs, key=lambda p: (-p[2], p[0], p[1]))


def question_text(turns: Sequence[str]) -> str:
    return "\n".join(turns)


def nearest_per_question(
    texts: Sequence[str], names: Sequence[Iterable[str]], min_content: int = MIN_CONTENT
) -> list[Nearest | None]:
    """Per question, the nearest template over its segments (sentences and lines with at least
    ``min_content`` characters besides placeholders); None when no segment is long enough."""
    segs: list[str] = []
    seg_names: list[Iterable[str]] = []
    owner: list[int] = []
    for k, (text, n) in enumerate(zip(texts, names, strict=True)):
        n = list(n)
        for seg in segments(text):
            if content_length(normalise(seg, n)) >= min_content:
                segs.append(seg)
                seg_names.append(n)
                owner.append(k)
    best: list[Nearest | None] = [None] * len(texts)
    if not segs:
        return best
    for k, hit in zip(owner, nearest_templates(segs, seg_names), strict=True):
        if best[k] is None or hit.similarity > best[k].similarity:  # type: ignore[union-attr]
            best[k] = hit
    return best
