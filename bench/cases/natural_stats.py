"""The promises of the ``natural`` suite, checked by ``reachbench cases stats natural --check``.

A hand-written suite is not balanced by a generator, so its promises are about *variety*: enough test
cases in every way real questions differ (language, style, pasted artefacts, how endpoints are named,
traffic, Region wording, dialogue, distractors, unanswerable kinds, difficulty) that a score on each
slice has a usable confidence interval. A group is a set of tag values; a case counts for the group when it
carries any of them. Minimums are on the **test** split. Fine-grained values (``artefact:dig``) are
reported in the data card, but promised only as groups: 13 artefact kinds at 40 test cases each would
make pasted output the majority of the suite, which real traffic to an assistant is not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.cases.schema import Case

MIN_CASES = 1000
MIN_TEST = 700
MIN_GROUP = 40


@dataclass(frozen=True)
class Group:
    label: str
    values: tuple[str, ...] = ()  # tags; a case with any of them counts
    test: Callable[[Case], bool] | None = None  # or a predicate
    minimum: int = MIN_GROUP

    def holds(self, case: Case) -> bool:
        if self.test is not None:
            return self.test(case)
        return any(t in case.tags for t in self.values)


def _prefix(prefix: str) -> Callable[[Case], bool]:
    return lambda c: any(t.startswith(prefix) for t in c.tags)


CLI_ARTEFACTS = ("nc", "curl", "telnet", "ssh", "ping", "traceroute", "dig")
AWS_ARTEFACTS = ("aws-debug", "flowlog", "traceback", "alarm", "url", "arn")

GROUPS: tuple[Group, ...] = (
    Group("lang:en", ("lang:en",)),
    Group("lang:ja", ("lang:ja",)),
    *(Group(f"style:{s}", (f"style:{s}",)) for s in ("chat", "ticket", "terse", "polite")),
    Group("artefact: any", test=_prefix("artefact:")),
    Group(
        "artefact: network tools (nc/curl/telnet/ssh/ping/traceroute/dig)",
        tuple(f"artefact:{a}" for a in CLI_ARTEFACTS),
    ),
    Group(
        "artefact: AWS material (--debug, flow logs, tracebacks, alarms, URLs, ARNs)",
        tuple(f"artefact:{a}" for a in AWS_ARTEFACTS),
    ),
    Group("ref:name", ("ref:name",)),
    Group("ref:desc", ("ref:desc",)),
    Group(
        "ref: ids (instance/ENI/RDS ids, ARNs)", ("ref:instance-id", "ref:eni-id", "ref:rds-id", "ref:arn")
    ),
    Group("ref: addresses (private/public IPs)", ("ref:private-ip", "ref:public-ip")),
    Group("ref: hostnames (EC2/RDS DNS, AWS service hostnames)", ("ref:dns", "ref:service-host")),
    Group("ref: outside (the internet, on-premises)", ("ref:internet", "ref:onprem")),
    *(Group(f"proto:{p}", (f"proto:{p}",)) for p in ("service", "port", "ping", "any")),
    Group("region:home", ("region:home",)),
    Group("region:code", ("region:code",)),
    Group("region: by name (en/ja)", ("region:en", "region:ja")),
    Group("region: implied (hostname/address)", ("region:hostname", "region:address")),
    Group("dialogue: 2-5 turns", test=lambda c: len(c.input.turns) >= 2),
    Group(
        "distractors, negations, wrong guesses", ("noise:distractor", "noise:negation", "noise:wrong-guess")
    ),
    Group("unanswerable: any", ("answerable:no",)),
    *(Group(f"difficulty:{d}", (f"difficulty:{d}",)) for d in ("easy", "medium", "hard")),
    Group("reach:yes", ("reach:yes",)),
    Group("reach:no", ("reach:no",)),
)
# Each unanswerable kind the engine can give: promised at a lower floor (they are a quarter of the suite
# together; six kinds at 40 would make unanswerable questions the majority).
UNANS_KINDS = ("cross-region", "unsupported-type", "ipv6", "ambiguous", "unknown-resource")
MIN_UNANS_KIND = 10
SHARES = {"lang:en": 0.50, "lang:ja": 0.30}


def group_counts(cases: list[Case]) -> list[tuple[str, int, int, int]]:
    """(group, dev, test, minimum) for every promised group, unanswerable kinds included."""
    groups = list(GROUPS) + [
        Group(f"unans:{k}", (f"unans:{k}",), minimum=MIN_UNANS_KIND) for k in UNANS_KINDS
    ]
    out = []
    for g in groups:
        dev = sum(1 for c in cases if c.split == "dev" and g.holds(c))
        test = sum(1 for c in cases if c.split == "test" and g.holds(c))
        out.append((g.label, dev, test, g.minimum))
    return out


def check_natural(cases: list[Case]) -> list[str]:
    """Every broken promise of the natural suite, as readable lines."""
    problems = []
    test = [c for c in cases if c.split == "test"]
    if len(cases) < MIN_CASES:
        problems.append(f"{len(cases)} cases (< {MIN_CASES})")
    if len(test) < MIN_TEST:
        problems.append(f"{len(test)} test cases (< {MIN_TEST})")
    for label, _, n_test, minimum in group_counts(cases):
        if n_test < minimum:
            problems.append(f"{label}: {n_test} test cases (< {minimum})")
    n = max(len(cases), 1)
    for tag, share in SHARES.items():
        got = sum(tag in c.tags for c in cases) / n
        if got < share:
            problems.append(f"{tag}: {got:.1%} of cases (< {share:.0%})")
    if not any("lang:mixed" in c.tags for c in cases):
        problems.append("lang:mixed: no case mixes languages")
    return problems


def groups_markdown(cases: list[Case]) -> str:
    lines = ["| promised group | dev | test | minimum (test) |", "|---|---:|---:|---:|"]
    for label, dev, test, minimum in group_counts(cases):
        lines.append(f"| {label} | {dev} | {test} | {minimum} |")
    return "\n".join(lines) + "\n"
