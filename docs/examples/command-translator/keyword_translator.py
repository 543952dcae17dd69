#!/usr/bin/env python3
"""A ``command:`` translator in plain Python with no dependencies: any language works the same way.

Protocol (see ``bench/translators/command.py``): one case input as JSON on stdin (``turns`` and
``context`` with ``home_region``, ``account_id``, ``inventory``), one JSON object on stdout: a
Translation (``{"status": "query", "query": {...}}`` or ``{"status": "abstain", "abstain_reason":
"..."}``). Exit 0. Run it with::

    cd docs/examples/command-translator
    reachbench run --suite core --translator 'command:./keyword_translator.py'

The method is deliberately simple (it is an example of the protocol, not a baseline): endpoints are
inventory items whose id, Name tag or private IP appears in the last turn, in order of appearance; an
IPv4 address that matches no item is an outside destination; protocol and port come from a few words.
"""

from __future__ import annotations

import ipaddress
import json
import re
import sys

PORTS = {
    "ssh": ("tcp", 22),
    "https": ("tcp", 443),
    "http": ("tcp", 80),
    "postgres": ("tcp", 5432),
    "mysql": ("tcp", 3306),
    "rdp": ("tcp", 3389),
    "dns": ("udp", 53),
}


def translate(case: dict) -> dict:
    text = case["turns"][-1]
    lowered = text.lower()
    found: list[tuple[int, dict | str]] = []
    for item in case["context"]["inventory"]:
        keys = [item["id"], item.get("name") or "", *item.get("private_ips", [])]
        positions = [lowered.find(k.lower()) for k in keys if k and len(k) >= 3]
        positions = [p for p in positions if p >= 0]
        if positions:
            found.append((min(positions), item))
    known_ips = {ip for _, item in found if isinstance(item, dict) for ip in item.get("private_ips", [])}
    for match in re.finditer(r"\b\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?\b", text):
        if match.group() not in known_ips:
            try:
                ipaddress.ip_network(match.group(), strict=False)
            except ValueError:
                continue
            found.append((match.start(), match.group()))
    found.sort(key=lambda pair: pair[0])
    if len(found) < 2 or not isinstance(found[0][1], dict):
        return {"status": "abstain", "abstain_reason": "ambiguous"}
    source, destination = found[0][1], found[1][1]
    if isinstance(destination, dict) and destination["region"] != source["region"]:
        return {"status": "abstain", "abstain_reason": "cross_region"}
    protocol, port = "any", None
    if "ping" in lowered or "icmp" in lowered:
        protocol = "icmp"
    else:
        for word, (proto, number) in PORTS.items():
            if re.search(rf"\b{word}\b", lowered):
                protocol, port = proto, number
                break
        explicit = re.search(r"\bport\s+(\d{1,5})\b", lowered)
        if explicit:
            protocol, port = ("udp" if "udp" in lowered else "tcp"), int(explicit.group(1))
    query = {
        "region": source["region"],
        "source": source["id"],
        "destination": destination["id"] if isinstance(destination, dict) else destination,
        "protocol": protocol,
        "port": port,
    }
    return {"status": "query", "query": query}


if __name__ == "__main__":
    json.dump(translate(json.load(sys.stdin)), sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
