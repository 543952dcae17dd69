"""The ``retrieval`` translator: ``rules`` plus descriptive mentions resolved by TF-IDF.

"the bastion", "our orders database", "東京のアプリサーバ" name no id, no Name tag verbatim. Each
inventory item becomes a short document (its Name tag split into words, tag values, its id, and words
for its type in English and Japanese); each phrase of the question (1-4 word runs, Japanese split at
particles, common Japanese infrastructure words glossed to English) is scored against them by cosine
similarity over character n-grams (scikit-learn's TfidfVectorizer). Phrases that clear a threshold become
mentions whose candidates are every item within a margin of the best score, so that "the bastion" with
two bastions stays ambiguous and is declined by the shared composition code, exactly like ``rules``.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict

from pydantic import BaseModel, ConfigDict, Field

from bench.cases.schema import CaseInput, InventoryItem
from bench.model import Translation
from bench.translators.base import Translator
from bench.translators.registry import register_translator
from bench.translators.rules.compose import translate_rules
from bench.translators.rules.kinds import find_kinds, kind_of, only_kind_words
from bench.translators.rules.lexicon import find_traffic
from bench.translators.rules.mentions import Inventory, Mention, mask
from bench.translators.rules.regions import find_regions

TYPE_WORDS: dict[str, str] = {
    "instance": "instance server host ec2 vm machine box",
    "network-interface": "network interface eni nic",
    "db-instance": "database db rds postgres mysql aurora",
    "autoscaling-group": "auto scaling group asg fleet tier",
    "internet-gateway": "internet gateway igw",
    "nat-gateway": "nat gateway natgw",
    "transit-gateway": "transit gateway tgw",
    "transit-gateway-attachment": "transit gateway attachment tgw attach",
    "vpn-gateway": "vpn gateway virtual private gateway vgw",
    "vpc": "vpc network",
    "vpc-endpoint": "vpc endpoint vpce privatelink",
    "vpc-peering-connection": "peering connection pcx",
    "subnet": "subnet",
    "lambda-function": "lambda function serverless",
    "ecs-task": "ecs task container fargate",
}
# Japanese infrastructure words -> English, so that "アプリサーバ" meets "app-server".
JA_GLOSS: tuple[tuple[str, str], ...] = (
    ("データベース", " database "),
    ("踏み台", " bastion jump "),
    ("アプリケーション", " app "),
    ("アプリ", " app "),
    ("サーバー", " server "),
    ("サーバ", " server "),
    ("インスタンス", " instance "),
    ("ウェブ", " web "),
    ("フロントエンド", " frontend "),
    ("バックエンド", " backend "),
    ("注文", " orders "),
    ("決済", " payment "),
    ("在庫", " inventory "),
    ("ユーザー", " users "),
    ("バッチ", " batch "),
    ("監視", " monitoring "),
    ("キャッシュ", " cache "),
    ("ログ", " log "),
    ("ゲートウェイ", " gateway "),
    ("インターネット", " internet "),
    ("エンドポイント", " endpoint "),
    ("グループ", " group "),
    ("層", " tier "),
    ("関数", " function "),
    ("タスク", " task "),
    ("コンテナ", " container "),
    ("本番", " prod "),
    ("検証", " staging "),
    ("開発", " dev "),
    # Business and team words for what a server does.
    ("給与", " payroll "),
    ("課金", " billing "),
    ("請求", " billing "),
    ("受注", " orders "),
    ("分析", " analytics "),
    ("検索", " search "),
    ("認証", " auth "),
    ("ドメインコントローラー", " directory dc "),
    ("ドメインコントローラ", " directory dc "),
    ("ドメコン", " directory dc "),
    ("作業マシン", " workstation box "),
    ("作業端末", " workstation box "),
    ("開発者用", " dev "),
    ("共有", " shared "),
    ("リゾルバ", " resolver "),
    ("レポート", " report "),
    ("顧客", " customers "),
    ("商品", " catalog "),
    ("カタログ", " catalog "),
    ("シークレット", " secrets "),
    ("ビルド", " build "),
    ("号機", " "),  # "受注API 2号機": unit 2
    # English synonyms people use for the same roles.
    ("domain controller", " directory dc "),
    ("jumpbox", " bastion jump "),
    ("jump box", " bastion jump "),
    ("jump host", " bastion jump "),
    ("jump server", " bastion jump "),
)
_EN_STOP = set(
    "a an the our my your their this that these those can could would will should does do did is are was "
    "were be been it i we you they me us from to into onto reach reachable get through path between and or "
    "of for on in at with over via by check whether if please tell know need analyze analyse verify run "
    "quick question any reason why not cannot can't couldn't is there allowed able connect connection "
    "traffic talk make makes it's route network connectivity working work fails failing blocked blocking "
    "now right current config configured deploy before possible using use which one".split()
)
_JA_SPLIT = re.compile(
    r"[\s、。，．！？!?()（）「」:：/→\->]+|から|まで|には|への|では|に|へ|の|は|が|を|と|で|って"
)


class RetrievalOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threshold: float = Field(default=0.35, ge=0, le=1, description="Minimum cosine similarity of a phrase.")
    margin: float = Field(default=0.9, gt=0, le=1, description="Candidates within this share of the best.")


def item_document(item: InventoryItem) -> str:
    words = [item.id, item.type.replace("-", " "), TYPE_WORDS.get(item.type, "")]
    for text in (item.name, *item.tags.values()):
        if text:
            words.append(text)
            words.append(re.sub(r"[-_./:]+", " ", text))
    return " ".join(words).lower()


def _content_words(phrase: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", phrase) if w not in _EN_STOP and not only_kind_words(w)]


def _shares_a_word(words: list[str], doc_words: set[str]) -> bool:
    """Some content word of the phrase is a word of the item (or shares its first four letters):
    "orders" ~ "order", "application" ~ "app" (prefix), but not "correction" ~ "connection"."""
    for w in words:
        for d in doc_words:
            short, long_ = sorted((w, d), key=len)
            if len(short) >= 3 and long_.startswith(short[:4]) and (len(short) >= 4 or short == long_[:3]):
                return True
    return False


# "the web servers", "web サーバー群", "全台": a group of servers is the Auto Scaling group, when one fits.
_GROUP = re.compile(
    r"\b(?:servers|instances|hosts|nodes|boxes|machines|fleet|all (?:the )?\w+)\b|群|全台|全部の|すべての",
    re.I,
)
# "the payroll box", "検索ノード", "分析サーバ": a host word asks for something that runs, not a subnet.
_HOST = re.compile(
    r"\b(?:server|servers|box|boxes|host|hosts|node|nodes|machine|instance|instances|vm|workstation)\b"
    r"|サーバ|ノード|マシン|端末|ホスト|インスタンス",
    re.I,
)
_RUNS = ("instance", "autoscaling-group", "db-instance")


def _narrow_by_form(
    phrase: str, cands: tuple[InventoryItem, ...], inv: Inventory
) -> tuple[InventoryItem, ...]:
    """A host word keeps what runs (instances, groups, databases); a group word takes the Auto Scaling
    group whose members (instances carrying its name) the candidates are."""
    if _HOST.search(phrase):
        cands = tuple(c for c in cands if c.type in _RUNS) or cands
    if _GROUP.search(phrase):
        names = {c.name for c in cands if c.type != "autoscaling-group"}
        groups = [
            g
            for g in inv.by_type.get("autoscaling-group", ())
            if g.name in names or any(g is c for c in cands)
        ]
        members = [c for c in cands if c.type != "autoscaling-group"]
        if len(groups) == 1 and all(c.type == "instance" and c.name == groups[0].name for c in members):
            return (groups[0],)
    return cands


def gloss(phrase: str) -> str:
    phrase = phrase.lower()
    for ja, en in JA_GLOSS:
        phrase = phrase.replace(ja, en)
    return re.sub(r"\s+", " ", phrase).strip().lower()


class _Index:
    def __init__(self, items: tuple[InventoryItem, ...]) -> None:
        self.items = items
        from sklearn.feature_extraction.text import TfidfVectorizer  # ~1 s: only when retrieval runs

        self.vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, lowercase=True)
        docs = [item_document(it) for it in items]
        self.matrix = self.vec.fit_transform(docs) if items else None
        self.words = [set(re.findall(r"[a-z0-9]+", d)) for d in docs]

    def scores(self, phrases: list[str]):  # noqa: ANN201 - a numpy array
        return (self.vec.transform(phrases) @ self.matrix.T).toarray()


def _phrases(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Candidate phrases with spans: runs of up to four content words, Japanese chunks between particles."""
    out: list[tuple[int, int, str]] = []
    tokens = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[A-Za-z][A-Za-z0-9_\-']*", text)]
    tokens = [t for t in tokens if not any(a <= t[0] < b for a, b in taken)]
    for i in range(len(tokens)):
        for n in range(1, 5):
            run = tokens[i : i + n]
            if len(run) < n or run[0][2].lower() in _EN_STOP or run[-1][2].lower() in _EN_STOP:
                continue
            if any(t[2].lower() in {"from", "to", "reach", "and", "can"} or find_traffic(t[2]) for t in run):
                continue  # role words and protocol words ("SSH", "port") are never part of a name
            if any(text[run[k][1] : run[k + 1][0]].strip() for k in range(n - 1)):
                continue  # only words separated by spaces
            out.append((run[0][0], run[-1][1], text[run[0][0] : run[-1][1]]))
    pos = 0
    for piece in _JA_SPLIT.split(text):
        start = text.find(piece, pos) if piece else -1
        if start < 0:
            continue
        pos = start + len(piece)
        if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", piece) and not any(
            start < b and a < pos for a, b in taken
        ):
            out.append((start, pos, piece))
    return out


@register_translator("retrieval")
class RetrievalTranslator(Translator):
    version = "7"
    description = "rules + TF-IDF (character n-grams) over names, tags and types for descriptive mentions."
    options_model = RetrievalOptions

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        self._indexes: OrderedDict[str, _Index] = OrderedDict()
        self._lock = threading.Lock()

    def _index(self, items: tuple[InventoryItem, ...]) -> _Index:
        key = hashlib.sha256("\n".join(it.model_dump_json() for it in items).encode()).hexdigest()
        with self._lock:
            if key in self._indexes:
                self._indexes.move_to_end(key)
                return self._indexes[key]
        index = _Index(items)
        with self._lock:
            self._indexes[key] = index
            while len(self._indexes) > 32:  # a suite has a handful of worlds; bound the memory anyway
                self._indexes.popitem(last=False)
        return index

    def describe_matches(self, text: str, inv: Inventory, taken: list[tuple[int, int]]) -> list[Mention]:
        if len(taken) >= 2 or not inv.items:
            return []
        index = self._index(inv.items)
        # Region words ("Tokyo") and type words ("transit gateway") are the shared rules' business: a
        # phrase may only contain a type word whole and next to a describing word ("orders database").
        blocked = list(taken) + [(r.start, r.end) for r in find_regions(text)]
        kinds = [(a, b) for a, b, kind, _ in find_kinds(text, list(taken)) if kind == "type"]
        phrases = [
            p
            for p in _phrases(text, blocked)
            if all(p[0] <= a and b <= p[1] for a, b in kinds if p[0] < b and a < p[1])
            and _content_words(
                gloss(mask(text[p[0] : p[1]], [(a - p[0], b - p[0]) for a, b in kinds if p[0] <= a]))
            )
        ]
        if not phrases or index.matrix is None:
            return []
        scores = index.scores([gloss(p[2]) for p in phrases])
        threshold, margin = self.options["threshold"], self.options["margin"]
        ranked = sorted(range(len(phrases)), key=lambda i: (-scores[i].max(), phrases[i][0]))
        out: list[Mention] = []
        used: list[tuple[int, int]] = list(taken)
        for i in ranked:
            best = float(scores[i].max())
            start, end, phrase = phrases[i]
            if best < threshold or any(start < b and a < end for a, b in used):
                continue
            glossed = gloss(phrase)
            if only_kind_words(glossed):
                continue  # "the transit gateway", "EC2 instance": the shared type-word rules decide
            words = _content_words(glossed)
            kind = kind_of(glossed)
            cands = tuple(
                it
                for j, it in enumerate(index.items)
                if scores[i][j] >= best * margin
                and _shares_a_word(words, index.words[j])
                and (kind is None or it.type == kind or not inv.by_type.get(kind))
            )
            if not cands:
                continue  # similar letters, no shared word: "Correction" is not a peering connection
            cands = _narrow_by_form(text[start : end + 8], cands, inv)  # "web サーバー群": the words after
            out.append(Mention(start, end, phrase, "resource", cands, how="desc"))
            used.append((start, end))
            if len(out) + len(taken) >= 2:
                break
        return out

    def _translate(self, case_input: CaseInput) -> Translation:
        return translate_rules(case_input, extra=self.describe_matches)
