"""Region codes, names and endpoint hostnames, from botocore's own endpoint data.

botocore ships ``data/endpoints.json`` (partitions, Region descriptions such as "Asia Pacific (Tokyo)",
``{service}.{region}.{dnsSuffix}`` hostnames), so Region facts come from the installed library rather
than a hand-kept table. Only the Japanese names are ours: botocore has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import botocore.loaders

# Japanese names of Regions (botocore has only English descriptions). City names as an engineer in
# Japan writes them; "リージョン" is often appended and is stripped before lookup.
JAPANESE_REGION_NAMES: dict[str, tuple[str, ...]] = {
    "us-east-1": ("バージニア北部", "バージニア", "北バージニア", "米国東部"),
    "us-east-2": ("オハイオ",),
    "us-west-1": ("北カリフォルニア", "カリフォルニア"),
    "us-west-2": ("オレゴン",),
    "ap-northeast-1": ("東京",),
    "ap-northeast-2": ("ソウル",),
    "ap-northeast-3": ("大阪",),
    "ap-southeast-1": ("シンガポール",),
    "ap-southeast-2": ("シドニー",),
    "ap-south-1": ("ムンバイ",),
    "ap-east-1": ("香港",),
    "ca-central-1": ("カナダ中部", "カナダ"),
    "eu-central-1": ("フランクフルト",),
    "eu-west-1": ("アイルランド",),
    "eu-west-2": ("ロンドン",),
    "eu-west-3": ("パリ",),
    "eu-north-1": ("ストックホルム",),
    "sa-east-1": ("サンパウロ",),
}


@dataclass(frozen=True)
class RegionInfo:
    code: str
    description: str  # botocore's, e.g. "Asia Pacific (Tokyo)"
    partition: str

    @property
    def short_name(self) -> str:
        """The part in parentheses: "Tokyo", "N. Virginia"."""
        m = re.search(r"\(([^)]*)\)", self.description)
        return m.group(1) if m else self.description


@lru_cache(maxsize=1)
def _endpoints() -> dict:
    return botocore.loaders.Loader().load_data("endpoints")


@lru_cache(maxsize=1)
def all_regions() -> dict[str, RegionInfo]:
    """Every Region botocore knows, keyed by code."""
    out: dict[str, RegionInfo] = {}
    for part in _endpoints()["partitions"]:
        for code, meta in part["regions"].items():
            out[code] = RegionInfo(code, meta.get("description", code), part["partition"])
    return dict(sorted(out.items()))


def _norm(text: str) -> str:
    return re.sub(r"[\s._()\-]+", " ", text.lower()).strip()


@lru_cache(maxsize=1)
def region_name_index() -> dict[str, str]:
    """Lower-cased names (English descriptions, their short forms, Japanese names) -> Region code.

    Ambiguous short names (two Regions in one city, e.g. none today) are left out rather than guessed.
    """
    index: dict[str, set[str]] = {}

    def add(name: str, code: str) -> None:
        index.setdefault(_norm(name), set()).add(code)

    for code, info in all_regions().items():
        add(code, code)
        add(info.description, code)
        add(info.short_name, code)
        short = info.short_name
        if short.startswith("N. "):  # "N. Virginia" -> "North Virginia", "Northern Virginia"
            add("North " + short[3:], code)
            add("Northern " + short[3:], code)
    for code, names in JAPANESE_REGION_NAMES.items():
        for name in names:
            add(name, code)
    return {name: next(iter(codes)) for name, codes in index.items() if len(codes) == 1}


def region_from_name(text: str) -> str | None:
    """Region code for a code or a name ("Tokyo", "Asia Pacific (Tokyo)", "東京リージョン")."""
    key = _norm(text.replace("リージョン", ""))
    return region_name_index().get(key)


_HOST_RE = re.compile(r"(?:^|\.)([a-z]{2}(?:-gov)?-[a-z]+-\d)\.(?:amazonaws\.com(?:\.cn)?|api\.aws)$")


def region_from_hostname(hostname: str) -> str | None:
    """Region of an AWS endpoint hostname: s3.ap-northeast-1.amazonaws.com -> ap-northeast-1.

    Checks botocore's endpoint data first (exact hostnames), then the ``{service}.{region}.{dnsSuffix}``
    pattern, so that bucket-style names (``b.s3.ap-northeast-1.amazonaws.com``) resolve too. Global
    endpoints (s3.amazonaws.com) have no Region here.
    """
    host = hostname.strip().lower().rstrip(".")
    exact = _hostname_index().get(host)
    if exact:
        return exact
    m = _HOST_RE.search(host)
    if m and m.group(1) in all_regions():
        return m.group(1)
    m = re.search(r"\.([a-z]{2}-[a-z]+-\d)\.", "." + host + ".")
    if m and m.group(1) in all_regions() and host.endswith((".amazonaws.com", ".aws")):
        return m.group(1)
    return None


@lru_cache(maxsize=1)
def _hostname_index() -> dict[str, str]:
    out: dict[str, str] = {}
    for part in _endpoints()["partitions"]:
        suffix = part["dnsSuffix"]
        default_host = part.get("defaults", {}).get("hostname", "{service}.{region}.{dnsSuffix}")
        regions = set(part["regions"])
        for service, svc in part["services"].items():
            for region, ep in svc.get("endpoints", {}).items():
                if region not in regions:
                    continue
                host = ep.get("hostname") or default_host.format(
                    service=service, region=region, dnsSuffix=suffix
                )
                out.setdefault(host.lower(), region)
    return out


def service_hostname(service: str, region: str) -> str:
    """The endpoint hostname botocore would use for ``service`` in ``region``."""
    for part in _endpoints()["partitions"]:
        if region in part["regions"]:
            ep = part["services"].get(service, {}).get("endpoints", {}).get(region, {})
            if ep.get("hostname"):
                return ep["hostname"]
            return f"{service}.{region}.{part['dnsSuffix']}"
    raise KeyError(f"unknown Region {region!r}")
