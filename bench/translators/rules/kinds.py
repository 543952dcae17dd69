"""Endpoints named by what they are: "the IGW", "our transit gateway", "RDS", "VPCエンドポイント", "S3".

Most accounts have one internet gateway per VPC, one database, one transit gateway per Region, so
people name them by type. A type word becomes a mention whose candidates are every inventory item of
that type; composition then narrows them by Region and by the other endpoint's VPC, and declines
(``ambiguous``) when several remain. A type word written as a label of a named endpoint ("ENI eni-…",
"lab-vpc(VPC)", "RDS instance orders-db", "the ORDERS-DB endpoint") is not a second endpoint.

AWS services reached over their public endpoints ("DynamoDB in Seoul", "S3 (us-east-1)") become a
``service`` mention; composition turns it into botocore's endpoint hostname for the settled Region.
Generic words ("instance", "server", "ENI") are labels only: alone they do not pick anything.
"""

from __future__ import annotations

import re

_B = r"(?<![A-Za-z0-9_\-.])"
_E = r"(?![A-Za-z0-9_\-])"

# (resource type, pattern). Order matters: longer phrases first ("transit gateway attachment").
TYPE_WORDS: tuple[tuple[str, str], ...] = (
    (
        "transit-gateway-attachment",
        rf"{_B}(?:transit[- ]?gateway|tgw)[- ]?attach(?:ment)?{_E}"
        r"|(?:トランジットゲートウェイ|TGW|Transit Gateway)\s*アタッチメント",
    ),
    (
        "vpc-endpoint",
        rf"{_B}(?:(?:vpc|interface|gateway|privatelink)[- ])?end[- ]?point{_E}"
        rf"|{_B}vpce{_E}|{_B}privatelink{_E}"
        r"|(?:VPC|インターフェース|インターフェイス)?\s*エンドポイント",
    ),
    ("transit-gateway", rf"{_B}(?:transit[- ]?gateway|tgw){_E}|トランジットゲートウェイ"),
    # "the internet" as an endpoint is what RA takes it for: the internet gateway of the VPC at the other end.
    (
        "internet-gateway",
        rf"{_B}(?:internet[- ]?gateway|igw){_E}|インターネット\s*(?:ゲートウェイ|GW)"
        rf"|{_B}internet{_E}|インターネット|(?<=from )outside{_E}|(?<=from the )outside{_E}|外部から",
    ),
    ("nat-gateway", rf"{_B}nat(?:[- ]?(?:gateway|gw))?{_E}|NAT\s*(?:ゲートウェイ|GW)"),
    (
        "vpn-gateway",
        rf"{_B}(?:vpn[- ]gateway|virtual private gateway|vgw){_E}"
        r"|仮想プライベートゲートウェイ|VPN\s*ゲートウェイ",
    ),
    # Sites at the other end of a Site-to-Site VPN (rules/onprem.py): the account's VPN gateways.
    (
        "on-premises",
        r"(?<![A-Za-z0-9_\-.])(?:head[- ]office|office(?:\s+(?:network|lan))?|branch(?:\s+office)?"
        r"|on[- ]?prem(?:ise)?s?|data[- ]?cent(?:re|er)s?|corporate network)(?![A-Za-z0-9_\-])"
        r"|(?<![A-Za-z0-9_\-.])(?-i:DC)(?![A-Za-z0-9_\-])"
        r"|本社|支店|社内(?:LAN|ネットワーク)?|オフィス|オンプレ(?:ミス)?|データセンター?",
    ),
    ("vpc-peering-connection", rf"{_B}(?:vpc )?peering(?: connection)?{_E}|{_B}pcx{_E}|ピアリング(?:接続)?"),
    ("db-instance", rf"{_B}(?:rds|database|db|aurora cluster){_E}|データベース"),
    ("autoscaling-group", rf"{_B}(?:auto ?scaling group|asg){_E}|オートスケーリンググループ"),
    ("lambda-function", rf"{_B}lambda(?: function)?{_E}|Lambda\s*関数"),
    ("subnet", rf"{_B}subnet{_E}|サブネット"),
    # "VPC flow logs", "the VPC console": the feature, not a VPC
    ("vpc", rf"{_B}vpc{_E}(?!\s*(?:flow|フロー|console|コンソール|reachability))"),
)
# Label-only words: they qualify a name next to them but never name an endpoint by themselves.
LABEL_WORDS = (
    rf"{_B}(?:ec2(?: instance)?|instance|eni|network interface|server|host|ip|address){_E}"
    r"|インスタンス|サーバー?|ENI"
)
_TYPE_RES = [(t, re.compile(p, re.IGNORECASE)) for t, p in TYPE_WORDS]
SITE = "on-premises"  # a site word's kind value; mentions resolve it to the account's VPN gateways

# AWS services people reach over their Regional endpoints; botocore service names.
SERVICES: tuple[tuple[str, str], ...] = (
    ("dynamodb", rf"{_B}dynamo(?:db)?{_E}|ダイナモ"),
    ("s3", rf"{_B}(?:amazon )?s3{_E}"),
    ("sqs", rf"{_B}sqs{_E}"),
    ("sns", rf"{_B}sns{_E}"),
    ("sts", rf"{_B}sts{_E}"),
    ("kms", rf"{_B}kms{_E}"),
    ("secretsmanager", rf"{_B}secrets ?manager{_E}"),
    ("ssm", rf"{_B}(?:ssm|systems manager){_E}"),
    ("logs", rf"{_B}cloudwatch logs{_E}"),
    ("monitoring", rf"{_B}cloudwatch(?! logs){_E}"),
    ("ecr", rf"{_B}ecr{_E}"),
)
_SERVICE_RES = [(s, re.compile(p, re.IGNORECASE)) for s, p in SERVICES]
# "same endpoints", "both endpoints", "the two endpoints": the pair of the question, not a VPC endpoint.
_PAIR_BEFORE = re.compile(r"(?:same|both|two|these|those|the other)\s*$", re.I)
_BARE_INTERNET = re.compile(r"internet|インターネット", re.I)
_LABEL_GAP = re.compile(rf"^[\s(（\[]*(?:(?:{LABEL_WORDS})[\s:：]*)*$", re.I)
_LABEL_GAP_AFTER = re.compile(r"^[\s)）\]]*$")


def _is_label(text: str, start: int, end: int, named: list[tuple[int, int]]) -> bool:
    """True when the word at [start, end) labels a neighbouring named endpoint."""
    for a, b in named:
        if a >= end and a - end <= 20 and _LABEL_GAP.match(text[end:a]):
            return True  # "ENI eni-…", "RDS instance orders-db", "subnet (lab-a)"
        if b <= start and start - b <= 20 and re.fullmatch(r"[\s(（\[]*", text[b:start]):
            return True  # "lab-vpc(VPC)", "ORDERS-DB endpoint"
    return False


def find_kinds(text: str, named: list[tuple[int, int]]) -> list[tuple[int, int, str, str]]:
    """(start, end, "type" | "service", resource type or botocore service) for unlabelled kind words."""
    out: list[tuple[int, int, str, str]] = []
    taken = list(named)
    for kind, table in (("service", _SERVICE_RES), ("type", _TYPE_RES)):
        for value, rx in table:
            for m in rx.finditer(text):
                s, e = m.start(), m.end()
                if any(s < b and a < e for a, b in taken):
                    continue
                taken.append(
                    (s, e)
                )  # a label still hides the shorter words inside it ("VPC" in "VPC endpoint")
                # "the internet (8.8.4.4)" is the internet with an address, not a label of it
                bare_internet = bool(_BARE_INTERNET.fullmatch(m.group(0))) or value == SITE
                if kind == "type" and (
                    (_is_label(text, s, e, named) and not bare_internet) or _PAIR_BEFORE.search(text[:s])
                ):
                    continue
                out.append((s, e, kind, value))
    return sorted(out)


_TRAILING_LABELS = re.compile(
    "(?:(?:" + "|".join([LABEL_WORDS, *(p for _, p in TYPE_WORDS)]) + r")[\s:：]*)+$", re.IGNORECASE
)


def strip_labels(before: str) -> str:
    """The text before a name without the labels written in front of it: "from EC2 instance " -> "from "."""
    m = _TRAILING_LABELS.search(before)
    return before[: m.start()] if m else before


def kind_of(phrase: str) -> str | None:
    """The resource type a phrase names by a type word, if any ("orders database" -> db-instance)."""
    for value, rx in _TYPE_RES:
        if rx.search(phrase):
            return value
    return None


_LABEL_RE = re.compile(LABEL_WORDS, re.IGNORECASE)


def only_kind_words(phrase: str) -> bool:
    """True when a phrase is nothing but type and label words ("the transit gateway", "EC2 instance")."""
    rest = phrase
    for _, rx in _TYPE_RES:
        rest = rx.sub(" ", rest)
    rest = _LABEL_RE.sub(" ", rest)
    return not re.sub(r"(?i)\b(?:the|our|my|a|an)\b|[\s\W_]", "", rest)
