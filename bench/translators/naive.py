"""The ``naive`` translator: the field test's assistant, reproduced on purpose.

It makes the three mistakes the field test observed, so that anyone can check the scorers catch them:
it always analyses in the console's home Region (a Tokyo question asked from the Seoul console is
answered about Seoul), it turns an outside address or hostname into "the source's route to the
Internet" (destination = the internet gateway, else the NAT gateway, of the source's VPC, with no
address: the destination widens from 35.78.9.203/32 to everything behind the gateway), and it never
abstains and never reads follow-up turns. Names are matched like ``rules`` (shared code) but only among
resources in the home Region.
"""

from __future__ import annotations

from bench.cases.schema import CaseInput, InventoryItem
from bench.model import Query, Translation
from bench.translators.base import Translator
from bench.translators.registry import register_translator
from bench.translators.rules.compose import read_conversation
from bench.translators.rules.lexicon import Traffic
from bench.translators.rules.mentions import Inventory, Mention

_TYPE_ORDER = ("instance", "db-instance", "autoscaling-group", "network-interface")


def _first_home(m: Mention | None, home: str) -> InventoryItem | None:
    if m is None:
        return None
    here = [c for c in m.candidates if c.region == home]
    if not here:
        return None
    return sorted(here, key=lambda c: (_TYPE_ORDER.index(c.type) if c.type in _TYPE_ORDER else 9, c.id))[0]


@register_translator("naive")
class NaiveTranslator(Translator):
    version = "6"
    description = "Field-test assistant: home Region always, outside targets -> IGW/NAT, never abstains."

    def _translate(self, case_input: CaseInput) -> Translation:
        home = case_input.context.home_region
        inv = Inventory(case_input.context.inventory)
        conv = read_conversation(case_input, inv, follow_ups=False)
        home_items = [it for it in inv.items if it.region == home]
        src = _first_home(conv.source, home) or next(
            (it for it in sorted(home_items, key=lambda i: i.id) if it.type == "instance"), None
        )
        if src is None:
            src = next(iter(sorted(home_items, key=lambda i: i.id)), None)
        source_id = src.id if src else (conv.source.literal or conv.source.text if conv.source else "unknown")
        traffic = conv.traffic or Traffic()
        dst_m = conv.destination
        dst = _first_home(dst_m, home)
        if dst is not None:
            destination = dst.id
        elif dst_m is not None and dst_m.kind == "resource" and dst_m.candidates:
            destination = dst_m.candidates[0].id  # named elsewhere: still asked in the home Region
        else:
            gateways = inv.in_vpc(src.vpc_id if src else None, {"internet-gateway"}) or inv.in_vpc(
                src.vpc_id if src else None, {"nat-gateway"}
            )
            if gateways:
                destination = sorted(gateways, key=lambda g: g.id)[0].id
            elif dst_m is not None:
                destination = dst_m.literal or dst_m.text
            else:
                destination = "0.0.0.0/0"
        query = Query(
            region=home,
            source=source_id,
            destination=destination,
            protocol=traffic.protocol,
            port=traffic.port if traffic.protocol in ("tcp", "udp") else None,
        )
        return Translation(status="query", query=query)
