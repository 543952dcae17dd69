"""Turn one chosen candidate into the words of a case: turns, tags and the gold's equivalents.

Each axis (language, intent, reference style, Region wording, protocol wording, noise, turns) is drawn
by a ``Balancer``: the least-used applicable value wins, ties broken by the world's seeded RNG, so every
axis value is spread evenly over outcomes and no surface form dominates a slice.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from bench.cases.inventory import Endpoint
from bench.cases.phrasing import Phrasebook, render_turn
from bench.cases.pool import Candidate, Target
from bench.cases.refs import Ref, Referrer, region_word

_WRONG_REGION = {
    "ap-northeast-1": "ap-northeast-2",
    "ap-northeast-2": "ap-northeast-1",
    "ap-northeast-3": "ap-northeast-1",
    "us-east-1": "us-east-2",
    "us-east-2": "us-east-1",
    "us-west-1": "us-west-2",
    "us-west-2": "us-west-1",
    "eu-west-1": "eu-west-2",
    "eu-west-2": "eu-west-1",
    "eu-central-1": "eu-west-1",
    "ap-southeast-1": "ap-southeast-2",
    "ap-southeast-2": "ap-southeast-1",
}
_SERVICE_WORDS = {"s3": "S3", "dynamodb": "DynamoDB", "ec2": "EC2", "sts": "STS", "sqs": "SQS"}


def wordings_for(protocol: str, port: int | None) -> list[str]:
    """Protocol wordings (protocols.yaml keys) that mean exactly (protocol, port)."""
    if protocol == "icmp":
        return ["ping", "icmp"]
    if protocol == "any":
        return ["any", "communicate"]
    if protocol == "udp":
        return ["udp-dns", "udp-port"] if port == 53 else ["udp-port"]
    named = {22: ["ssh"], 443: ["https"], 80: ["http"], 5432: ["postgres"], 3306: ["mysql"]}.get(
        port or -1, []
    )
    return named + ["port", "tcp-port"]


class Balancer:
    """Least-used-first choice per axis, ties broken by the RNG: even spread, still varied."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counts: dict[str, Counter[str]] = {}

    def pick(self, axis: str, options: list[str]) -> str:
        counts = self.counts.setdefault(axis, Counter())
        low = min(counts[o] for o in options)
        best = [o for o in options if counts[o] == low]
        choice = best[self.rng.randrange(len(best))] if len(best) > 1 else best[0]
        counts[choice] += 1
        return choice


@dataclass
class Rendered:
    lang: str
    turns: tuple[str, ...]
    tags: tuple[str, ...]
    equivalents: dict[str, tuple[str, ...]]


class Renderer:
    """Renders candidates of one world; holds the world's RNG and balancers."""

    def __init__(self, world_name: str, endpoints: list[Endpoint], book: Phrasebook, seed: int) -> None:
        self.world_name = world_name
        self.endpoints = endpoints
        self.book = book
        self.rng = random.Random(f"{seed}:{world_name}:render")
        self.bal = Balancer(self.rng)
        self.referrer = Referrer(endpoints, book)

    # -- pieces --------------------------------------------------------------------------------------
    def _service_text(self, t: Target, region: str, style: str, lang: str) -> str:
        svc = _SERVICE_WORDS.get(t.service or "", (t.service or "").upper())
        word = region_word(region, style, lang)
        if lang == "en":
            pattern = self.rng.choice(["{svc} in {r}", "the {svc} endpoint in {r}", "{svc} ({r})"])
        else:
            pattern = self.rng.choice(["{r}の{svc}", "{r}リージョンの{svc}", "{svc}({r})"])
        return pattern.format(svc=svc, r=word)

    def _dst_plain(self, t: Target, lang: str) -> str:
        if t.kind == "cidr":
            if lang == "en":
                return self.rng.choice(["the {c} range", "anything in {c}", "{c}"]).format(c=t.value)
            return self.rng.choice(["{c}のレンジ", "{c}", "{c}内のアドレス"]).format(c=t.value)
        return t.value

    def _protocol(self, cand: Candidate, lang: str) -> tuple[str, dict[str, str]]:
        spec = cand.spec
        key = self.bal.pick("proto", wordings_for(spec.protocol, spec.port))
        return key, self.book.wordings[key].phrases(lang, spec.port)

    # -- one case ------------------------------------------------------------------------------------
    def render(self, cand: Candidate, ambiguous: tuple[str, str] | None = None) -> Rendered:
        """Render ``cand``; with ``ambiguous=(role_key, region)`` the destination is a vague phrase."""
        spec = cand.spec
        lang = self.bal.pick("lang", ["en", "ja"])
        noise = self.bal.pick("noise", ["none", "polite", "context", "typo", "log"])
        intent = "report" if noise == "log" else self.bal.pick("intent", ["ask", "report"])
        tags: list[str] = []
        src_style = self.bal.pick("src-ref", self.referrer.styles(spec.src))
        dst_t = spec.dst
        region_style = "none"
        dst_ref: Ref | None = None
        cross = dst_t.endpoint is not None and dst_t.endpoint.region != spec.src.region
        if dst_t.kind == "resource" and dst_t.endpoint is not None and ambiguous is None:
            dst_style = self.bal.pick("dst-ref", self.referrer.styles(dst_t.endpoint))
            if cross or dst_style == "desc":
                region_style = self.bal.pick("region-dst", ["none", "code", _native(lang)])
            dst_ref = self.referrer.render(dst_t.endpoint, dst_style, lang, region_style, self.rng)
            region_style = dst_ref.region_style
            src_region_style = "none"
            if not cross and region_style == "none":
                src_region_style = self.bal.pick("region-src", ["none", "none", "code", _native(lang)])
            src_ref = self.referrer.render(spec.src, src_style, lang, src_region_style, self.rng)
            region_tag = dst_ref.region_style if dst_ref.region_style != "none" else src_ref.region_style
            dst_text = dst_ref.text
        else:
            src_ref = self.referrer.render(spec.src, src_style, lang, "none", self.rng)
            if ambiguous is not None:
                role = next(r for r in self.book.roles if r.key == ambiguous[0])
                dst_text = self.referrer.render_ambiguous(role, None, lang, "none", self.rng)
                region_tag = "none"
            elif dst_t.kind == "service":
                region_style = self.bal.pick("region-svc", ["code", _native(lang)])
                dst_text = self._service_text(dst_t, dst_t.region or spec.src.region, region_style, lang)
                region_tag = region_style
            else:
                dst_text = self._dst_plain(dst_t, lang)
                region_tag = {"fqdn": "fqdn", "ip": "ip"}.get(dst_t.kind, "none") if dst_t.region else "none"
        proto_key, p = self._protocol(cand, lang)

        # Turns: single, or a first turn that the second one corrects or narrows.
        turn_opts = ["single", "single", "single"]
        if spec.protocol != "any":
            turn_opts.append("narrow")
        others = [
            e
            for e in self.endpoints
            if dst_t.endpoint is not None
            and e.type == dst_t.endpoint.type
            and e.id != dst_t.endpoint.id
            and not e.in_default_vpc
        ]
        if dst_ref is not None and others:
            turn_opts.append("fix-target")
        if region_tag in ("code", "en", "ja") and ambiguous is None and noise != "log":
            turn_opts.append("fix-region")
        turn_kind = self.bal.pick("turns", turn_opts) if len(turn_opts) > 3 else "single"
        typo = noise == "typo"
        idx = self.rng.randrange(self.book.count(lang, intent))
        values = {"src": src_ref.text, "dst": dst_text, "p": p}
        turns: list[str]
        if turn_kind == "narrow":
            loose = self.book.wordings[self.rng.choice(["any", "communicate"])].phrases(lang, None)
            first = render_turn(self.book, lang, intent, idx, {**values, "p": loose}, self.rng, typo)
            second = render_turn(
                self.book,
                lang,
                "narrow",
                self.rng.randrange(self.book.count(lang, "narrow")),
                {"p": p},
                self.rng,
                False,
            )
            turns = [first, second]
        elif turn_kind == "fix-target":
            assert dst_t.endpoint is not None and dst_ref is not None
            wrong_ep = others[self.rng.randrange(len(others))]
            styles = self.referrer.styles(wrong_ep)
            wstyle = dst_ref.style if dst_ref.style in styles else "id"
            wstyle = "id" if wstyle == "eni" else wstyle
            wrong = self.referrer.render(wrong_ep, wstyle, lang, "none", self.rng).text
            first = render_turn(self.book, lang, intent, idx, {**values, "dst": wrong}, self.rng, typo)
            second = render_turn(
                self.book,
                lang,
                "fix_target",
                self.rng.randrange(self.book.count(lang, "fix_target")),
                {"wrong": wrong, "right": dst_text},
                self.rng,
                False,
            )
            turns = [first, second]
        elif turn_kind == "fix-region":
            right_region = (
                dst_t.endpoint.region
                if dst_t.endpoint is not None and dst_ref is not None and dst_ref.region_style != "none"
                else dst_t.region
            ) or spec.src.region
            wrong_region = _WRONG_REGION.get(right_region, "eu-west-1")
            wrong_text = dst_text.replace(
                region_word(right_region, region_tag, lang), region_word(wrong_region, region_tag, lang)
            )
            if wrong_text == dst_text:  # the Region was on the source's reference
                wrong_src = src_ref.text.replace(
                    region_word(right_region, region_tag, lang), region_word(wrong_region, region_tag, lang)
                )
                first = render_turn(
                    self.book, lang, intent, idx, {**values, "src": wrong_src}, self.rng, typo
                )
            else:
                first = render_turn(
                    self.book, lang, intent, idx, {**values, "dst": wrong_text}, self.rng, typo
                )
            second = render_turn(
                self.book,
                lang,
                "fix_region",
                self.rng.randrange(self.book.count(lang, "fix_region")),
                {
                    "wrong": region_word(wrong_region, region_tag, lang),
                    "right": region_word(right_region, region_tag, lang),
                },
                self.rng,
                False,
            )
            turns = [first, second]
        else:
            turns = [render_turn(self.book, lang, intent, idx, values, self.rng, typo)]
        if noise == "log" and turn_kind == "fix-target":
            noise = "context"  # a log of the corrected target would contradict the first turn
        turns[0] = self._noise(turns[0], noise, lang, cand, dst_text)
        if noise == "log" and turns[0].endswith("\n"):
            turns[0] = turns[0].rstrip()

        refs = {src_ref.style} | ({dst_ref.style} if dst_ref else set()) | ({"desc"} if ambiguous else set())
        tags += [
            f"lang:{lang}",
            f"intent:{intent}",
            f"noise:{noise}",
            f"turns:{turn_kind}",
            f"proto:{proto_key}",
            f"region:{region_tag}",
            f"dest:{_dest_kind(dst_t)}",
            f"src-type:{spec.src.type}",
        ]
        tags += [f"ref:{r}" for r in sorted(refs)]
        if dst_t.endpoint is not None:
            tags.append(f"dst-type:{dst_t.endpoint.type}")
        equivalents = {"source": src_ref.equivalents}
        if dst_ref is not None:
            equivalents["destination"] = dst_ref.equivalents
        return Rendered(lang, tuple(turns), tuple(tags), {k: v for k, v in equivalents.items() if v})

    def _noise(self, text: str, noise: str, lang: str, cand: Candidate, dst_text: str) -> str:
        n = self.book.noise
        if noise == "polite":
            return (
                self.rng.choice(n["polite"][lang]["before"])
                + text
                + self.rng.choice(n["polite"][lang]["after"])
            )
        if noise == "context":
            sep = " " if lang == "en" else ""
            return self.rng.choice(n["context"][lang]) + sep + text
        if noise == "log":
            log = self._log(cand)
            return text + "\n\n" + log if log else text
        return text

    def _log(self, cand: Candidate) -> str:
        spec = cand.spec
        t = spec.dst
        ep = t.endpoint
        dst_ip = (
            ep.private_ips[0]
            if ep and ep.private_ips
            else (
                t.value
                if t.kind == "ip"
                else (
                    cand.gold.verdict.destination_set[0].split("/")[0]
                    if cand.gold.verdict and cand.gold.verdict.destination_set
                    else ""
                )
            )
        )
        host = (
            t.value
            if t.kind in ("fqdn", "service", "ip")
            else (ep.dns_names[0] if ep and ep.dns_names else dst_ip)
        )
        if not dst_ip or not host:
            return ""
        if spec.protocol == "icmp":
            kind = "icmp"
        elif spec.protocol == "udp":
            kind = "udp"
        elif spec.protocol == "any":
            kind = "any"
        elif spec.port == 22:
            kind = "ssh"
        elif spec.port == 5432:
            kind = "postgres"
        elif spec.port == 3306:
            kind = "mysql"
        elif t.kind in ("fqdn", "service") and host.startswith("s3.") and spec.port == 443:
            kind = "s3"
        else:
            kind = "tcp"
        tpl = self.rng.choice(self.book.log_templates[kind])
        src_ip = spec.src.private_ips[0] if spec.src.private_ips else "10.0.0.1"
        return tpl.render(
            dst_host=host,
            dst_ip=dst_ip,
            port=spec.port or 443,
            src_ip=src_ip,
            region=t.region or spec.src.region,
        ).rstrip()


def _native(lang: str) -> str:
    """Region names as the language writes them: "Tokyo" in English, "東京" in Japanese."""
    return "ja" if lang == "ja" else "en"


def _dest_kind(t: Target) -> str:
    return {"nonexistent": "resource"}.get(t.kind, t.kind)
