"""On-premises endpoints: the office, the branch, the data centre, and the addresses behind them.

A site reached over Site-to-Site VPN enters a VPC through its virtual private gateway, so Reachability
Analyzer takes such a source as the VPN gateway with the on-premises address as ``source_ip``
(https://docs.aws.amazon.com/vpc/latest/reachability/what-is-reachability-analyzer.html: a VPN gateway
is a supported source; "source IP address" when the source is a gateway). Here:

- site words ("the office", "head office", "branch", "data centre", "Osaka DC", "本社", "支店", "社内",
  "オンプレ") are a ``type`` mention whose candidates are the account's VPN gateways (none: no mention);
- a private IPv4 address no inventory resource owns and outside every /16 the inventory's addresses
  use, written as the source, is the VPN gateway with that address — when the account has one.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace

from bench.translators.rules.mentions import Inventory, Mention

_GAP_STOP = re.compile(r"[、。,;!?\n→>]|->|\bto\b|から|に|へ")


def vpn_gateways(inv: Inventory) -> tuple:
    return tuple(inv.by_type.get("vpn-gateway", ()))


def _aws_prefixes(inv: Inventory) -> set[ipaddress.IPv4Network]:
    nets = set()
    for ip in inv.by_ip:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            continue
        if addr.version == 4 and addr.is_private:
            nets.add(ipaddress.ip_network(f"{ip}/16", strict=False))
    return nets


def is_onprem_address(m: Mention, inv: Inventory) -> bool:
    """A literal private IPv4 address outside the address space the inventory uses, in an account with
    a VPN gateway: an address at the other end of the VPN."""
    if m.kind != "ip" or not m.literal or not vpn_gateways(inv):
        return False
    addr = ipaddress.ip_address(m.literal)
    return addr.is_private and not any(addr in net for net in _aws_prefixes(inv))


def as_site(m: Mention, inv: Inventory) -> Mention:
    """An on-premises address as the VPN gateway that carries it (the address kept as ``literal``)."""
    return replace(m, kind="resource", candidates=vpn_gateways(inv), how="type")


def merge_sites(text: str, mentions: list[Mention], inv: Inventory) -> list[Mention]:
    """ "office (192.168.5.5)", "大阪DCの 172.16.7.7", "192.168.10.25 (office LAN)": one endpoint, the site
    with its address."""
    out = list(mentions)
    for m in mentions:
        if m.how != "type" or m.text == "" or not is_site(m) or m not in out:
            continue
        for ip in mentions:
            if ip.kind not in ("ip", "ipv6") or ip not in out:
                continue
            a, b = (ip.end, m.start) if ip.end <= m.start else (m.end, ip.start)
            if b - a > 20 or _GAP_STOP.search(text[a:b]) or any(a <= o.start < b for o in out):
                continue
            merged = replace(m, start=min(m.start, ip.start), end=max(m.end, ip.end), literal=ip.literal,
                             role=m.role or ip.role)
            out[out.index(m)] = merged
            out.remove(ip)
            break
    return out


def is_site(m: Mention) -> bool:
    return m.how == "type" and bool(m.candidates) and all(c.type == "vpn-gateway" for c in m.candidates)


def site_address(site: Mention, inv: Inventory, mentions: list[Mention]) -> str | None:
    """The address of a site: written with it ("office (192.168.5.5)"), or else the one on-premises
    address the conversation names elsewhere ("someone at the office … user at 192.168.3.77")."""
    if site.literal or not is_site(site):
        return site.literal
    found = {m.literal for m in mentions if is_onprem_address(m, inv)}
    return found.pop() if len(found) == 1 else None
