"""How a question refers to a resource, a Region, or a destination that is not a resource.

Each way of referring is an axis value (``ref:id``, ``ref:name``, ``ref:private-ip``, ``ref:eni``,
``ref:dns``, ``ref:desc``; ``region:code``/``region:en``/``region:ja``/``region:none``) so that scores can
be sliced by it. A reference is only offered where it is unambiguous in the inventory (a Name tag used
twice is not a name), except for descriptive phrases, whose ambiguity is itself a case kind.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from bench.aws.regions import JAPANESE_REGION_NAMES, all_regions
from bench.cases.inventory import Endpoint, equivalents_of
from bench.cases.phrasing import Phrasebook, Role
from bench.model import ResourceType

REF_STYLES: tuple[str, ...] = ("id", "name", "private-ip", "dns", "desc")
REGION_STYLES: tuple[str, ...] = ("none", "code", "en", "ja")

_TYPE_WORDS: dict[str, tuple[str, str]] = {
    "instance": ("EC2 instance", "EC2インスタンス"),
    "network-interface": ("ENI", "ENI"),
    "db-instance": ("RDS instance", "RDS"),
    "autoscaling-group": ("Auto Scaling group", "Auto Scalingグループ"),
    "internet-gateway": ("internet gateway", "インターネットゲートウェイ"),
    "nat-gateway": ("NAT gateway", "NATゲートウェイ"),
    "transit-gateway": ("transit gateway", "Transit Gateway"),
    "transit-gateway-attachment": ("TGW attachment", "TGWアタッチメント"),
    "vpn-gateway": ("VPN gateway", "VGW"),
    "vpc": ("VPC", "VPC"),
    "vpc-endpoint": ("VPC endpoint", "VPCエンドポイント"),
    "vpc-peering-connection": ("peering connection", "VPCピアリング"),
    "subnet": ("subnet", "サブネット"),
    "lambda-function": ("Lambda function", "Lambda関数"),
    "ecs-task": ("ECS task", "ECSタスク"),
}


def region_word(code: str, style: str, lang: str) -> str:
    """A Region as a person writes it: the code, botocore's short name, or the Japanese name."""
    if style == "code":
        return code
    if style == "ja" or (style == "name" and lang == "ja"):
        names = JAPANESE_REGION_NAMES.get(code)
        if names:
            return names[0]
    info = all_regions().get(code)
    return info.short_name if info else code


@dataclass(frozen=True)
class Ref:
    """A rendered reference: the text, its axis value, the id gold names, and the accepted equivalents."""

    text: str
    style: str
    gold_id: str
    equivalents: tuple[str, ...] = ()
    region_style: str = "none"


class Referrer:
    """Renders references to the endpoints of one world, knowing which are unambiguous."""

    def __init__(self, endpoints: list[Endpoint], book: Phrasebook) -> None:
        self.endpoints = endpoints
        self.book = book
        self._names = Counter(e.name for e in endpoints if e.name)
        ip_owners = Counter(ip for e in endpoints if e.type != "network-interface" for ip in e.private_ips)
        self._ips = ip_owners
        self._dns = Counter(d for e in endpoints for d in e.dns_names)

    def roles_of(self, ep: Endpoint) -> list[Role]:
        return [r for r in self.book.roles if r.matches(ep.type, ep.name)]

    def role_members(self, role: Role, region: str | None) -> list[Endpoint]:
        return [
            e
            for e in self.endpoints
            if role.matches(e.type, e.name)
            and not e.in_default_vpc
            and (region is None or e.region == region)
        ]

    def styles(self, ep: Endpoint) -> list[str]:
        """Reference styles that name ``ep`` unambiguously (descriptive: with or without a Region)."""
        out = ["id"]
        if ep.name and self._names[ep.name] == 1:
            out.append("name")
        if (
            ep.type in ("instance", "db-instance", "nat-gateway")
            and ep.private_ips
            and self._ips[ep.private_ips[0]] == 1
        ):
            out.append("private-ip")
        if (
            ep.type in ("instance", "db-instance", "vpc-endpoint")
            and ep.dns_names
            and self._dns[ep.dns_names[0]] == 1
        ):
            out.append("dns")
        if any(len(self.role_members(r, ep.region)) == 1 for r in self.roles_of(ep)):
            out.append("desc")
        return out

    def ambiguous_roles(self, ep: Endpoint) -> list[Role]:
        """Roles whose phrase fits ``ep`` and at least one other resource in its Region."""
        return [r for r in self.roles_of(ep) if len(self.role_members(r, ep.region)) > 1]

    def render(self, ep: Endpoint, style: str, lang: str, region_style: str, rng: random.Random) -> Ref:
        equivalents = equivalents_of(ep)
        type_en, type_ja = _TYPE_WORDS.get(ep.type, (ep.type, ep.type))
        if style == "id":
            typed = rng.random() < 0.5
            text = (f"{type_en} {ep.id}" if lang == "en" else f"{type_ja} {ep.id}") if typed else ep.id
            tag = "eni" if ep.type == ResourceType.NETWORK_INTERFACE.value else "id"
        elif style == "name":
            assert ep.name
            alt = f"{type_en} {ep.name}" if lang == "en" else f"{ep.name}({type_ja})"
            text = rng.choice([ep.name, alt])
            tag = "name"
        elif style == "private-ip":
            text = ep.private_ips[0]
            tag = "private-ip"
            equivalents = equivalents + (ep.private_ips[0],)
        elif style == "dns":
            text = ep.dns_names[0]
            tag = "dns"
        elif style == "desc":
            roles = [r for r in self.roles_of(ep) if len(self.role_members(r, ep.region)) == 1]
            role = rng.choice(roles)
            text = rng.choice(role.en if lang == "en" else role.ja)
            tag = "desc"
            # A descriptive phrase is unique only within its Region: always say the Region when the
            # phrase alone would fit resources elsewhere.
            if len(self.role_members(role, None)) > 1 and region_style == "none":
                region_style = "ja" if lang == "ja" else "en"  # the language's own Region names
        else:
            raise ValueError(f"unknown reference style {style!r}")
        if region_style != "none":
            text = self.with_region(text, ep.region, region_style, lang, rng)
        return Ref(text, tag, ep.id, tuple(sorted(set(equivalents))), region_style)

    def with_region(self, text: str, region: str, region_style: str, lang: str, rng: random.Random) -> str:
        word = region_word(region, region_style, lang)
        pattern = rng.choice(self.book.region_phrase[lang])
        return pattern.format(ref=text, region=word)

    def render_ambiguous(
        self, role: Role, region: str | None, lang: str, region_style: str, rng: random.Random
    ) -> str:
        text = rng.choice(role.en if lang == "en" else role.ja)
        if region is not None and region_style != "none":
            text = self.with_region(text, region, region_style, lang, rng)
        return text
