"""What "here", "this box", "this ENI" and "this endpoint" point at, when the message shows it.

Pasted output names the host it ran on (the prompt: ``[ec2-user@ip-10-20-1-10 ~]$``, ``dev-box:~$``), VPC
Flow Logs records name the interface and addresses, and a console URL names the resource on screen
(``#InstanceDetails:instanceId=i-…``). A pointing word in the prose is replaced by what it points at,
so the usual reading of roles ("from here", "ここから") applies; the URL itself is blanked so that its
resource is not read twice.
"""

from __future__ import annotations

import re

from bench.translators.rules.logs import LogFacts

_HOSTLIKE = (
    r"(?<![A-Za-z])(?:here|this (?:box|host|instance|machine|server|node|worker|vm|one)"
    r"|the same (?:box|host|machine)|ここ"
    r"|この(?:インスタンス|サーバー?|ホスト|端末|マシン|ノード|サーバ))(?![A-Za-z])"
)
_ENI = r"(?<![A-Za-z])(?:this|that) (?:ENI|network interface)(?![A-Za-z])|この\s*ENI"
_ENDPOINT = r"(?<![A-Za-z])(?:this|that) (?:VPC )?endpoint(?![A-Za-z])|この\s*エンドポイント"
_NAT = r"(?<![A-Za-z])(?:this|that) NAT(?: gateway)?(?![A-Za-z])|この\s*NAT"
# A console page for one resource: …console.aws.amazon.com/…#InstanceDetails:instanceId=i-…
_CONSOLE = re.compile(
    r"https://[\w.-]*console\.aws\.amazon\.com/\S*?(?:instanceId|networkInterfaceId|vpcEndpointId|natGatewayId"
    r"|subnetId|vpcId|internetGatewayId|transitGatewayId|dbInstanceIdentifier|id)=(?P<id>[\w-]+)\S*",
    re.I,
)
_PREFIX = {"i-": _HOSTLIKE, "eni-": _ENI, "vpce-": _ENDPOINT, "nat-": _NAT}


def _replace_first(pattern: str, text: str, referent: str) -> tuple[str, bool]:
    m = re.search(pattern, text, re.I)
    if m is None:
        return text, False
    return text[: m.start()] + referent + text[m.end() :], True


def resolve(text: str, facts: LogFacts) -> str:
    """``text`` with pointing words replaced by what the log or the console URL shows."""
    host = facts.host or (facts.flows[0][1] if facts.flows else None)
    if facts.flows:
        text, _ = _replace_first(_ENI, text, facts.flows[0][0])
    for m in reversed(list(_CONSOLE.finditer(text))):
        rid = m.group("id")
        pattern = next((p for pre, p in _PREFIX.items() if rid.startswith(pre)), None)
        if pattern is None or (pattern == _HOSTLIKE and host):
            continue
        new, done = _replace_first(pattern, text[m.end() :], rid)
        if done:  # the page's resource is what "this …" means: read it there, not in the URL
            text = text[: m.start()] + " " * (m.end() - m.start()) + new
    if host:
        text, _ = _replace_first(_HOSTLIKE, text, host)
    return text
