"""Pasted terminal output inside a message: found so that it is not read as the question.

Engineers paste what they tried (``$ ping 10.0.2.0``, ``curl -v …``, ``dig @10.0.0.2``, traceroute,
``nc -vz``, ``ssh -v``) under their question. The addresses in that output are the *probe*, often the
first address of a CIDR or the IP a hostname resolved to, and the command is how they tested, not what
they ask about. The prose says what they ask, so log lines are blanked before endpoints and traffic are
read (spans keep their offsets). A message that is nothing but a log is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A shell prompt and a command: "$ ping", "sh-5.2$ curl", "ec2-user@host:~$ nc", "PS C:\> Test-NetConnection",
# "# traceroute" (root), "> tnc" (PowerShell continuation).
_COMMAND = re.compile(
    r"^\s*(?:\[[^\]\n]{1,60}\]\s*[$#%]|[A-Za-z]:\\[^>\n]*>|[\w.@~:/\-]*[$#%]|PS [^>]*>|>)\s*"
    r"(?:sudo\s+)?(?:ping6?|curl|wget|dig|nslookup|host|traceroute6?|tracert|tracepath|mtr|nc|ncat|netcat|"
    r"telnet|ssh|scp|psql|mysql|redis-cli|mongo\w*|openssl|nmap|Test-NetConnection|tnc|aws|arp|ip|ss|"
    r"netstat|tcpdump|hping3|[\w./-]+)\b"
)
# Lines that commands print.
_OUTPUT = re.compile(
    r"^\s*(?:\*|;;|;|PING\b|---|\d+ packets|\d+\s+(?:\*|\d|[\w.-]+\s+\()|traceroute to|From\s|"
    r"Request timeout|Reply from|\^C|debug\d|OpenSSH|ssh:|nc:|curl:|psql:|ERROR|mysql:|Connection|"
    r"connect to|Trying|telnet:|Escape character|round-trip|rtt|64 bytes|\d+ bytes from|Host key|"
    r"Warning:|ComputerName|RemoteAddress|TcpTestSucceeded|PingSucceeded|Tracing route|over a maximum|"
    r"Request timed out|connect:|Connected to|Password for|ldap_\w+|Enter password|Caused by|at [\w.$<>]+\(|"
    r"Traceback|File \"|\d+\s+\d{12}\s+eni-)"
)
# A VPC Flow Logs record (default format, version 2):
# version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action
# log-status
# https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html
_FLOW = re.compile(
    r"^\s*2\s+\d{12}\s+(?P<eni>eni-[0-9a-f]+)\s+(?P<src>[\d.]+)\s+(?P<dst>[\d.]+)\s+(?P<sport>\d+)\s+"
    r"(?P<dport>\d+)\s+(?P<proto>\d+)\s",
    re.M,
)
_PROMPT_HOST = re.compile(
    r"^\s*(?:\[(?:[\w.-]+@)?(?P<a>[\w.-]+)(?:\s[^\]]*)?\]\s*[$#%]|(?:[\w.-]+@)?(?P<b>[\w.-]+):[~/][^\s$#%]*[$#%])"
    r"(?=[ \t]|$)",
    re.M,
)
_EC2_HOSTNAME = re.compile(r"^ip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$")
_IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.]*\d)")
_HOST_ARG = re.compile(r"(?:https?://|@|\s)(?P<h>[A-Za-z0-9][\w-]*(?:\.[\w-]+)+)")
IANA_PROTOCOLS = {"1": "icmp", "6": "tcp", "17": "udp"}  # protocol numbers in flow log records


@dataclass(frozen=True)
class LogFacts:
    """What pasted output says about the path: the host it ran on, what it tried to reach, flow records."""

    host: str | None = None  # the prompt's host, an EC2 hostname turned into its address
    target: str | None = None  # the first address (else hostname) the first command names
    flows: tuple[tuple[str, str, str, int, str], ...] = ()  # (eni, srcaddr, dstaddr, dstport, protocol)


def log_facts(text: str) -> LogFacts:
    host = target = None
    for m in _PROMPT_HOST.finditer(text):
        name = m.group("a") or m.group("b")
        ec2 = _EC2_HOSTNAME.match(name or "")
        host = ".".join(ec2.groups()) if ec2 else name
        break
    for line in text.splitlines():
        if _COMMAND.match(line):
            cmd = _COMMAND.sub("", line, count=1)
            ip = _IPV4.search(cmd)
            hostarg = _HOST_ARG.search(" " + cmd)
            target = ip.group(0) if ip else hostarg.group("h") if hostarg else None
            if target:
                break
    flows = tuple(
        (m["eni"], m["src"], m["dst"], int(m["dport"]), IANA_PROTOCOLS.get(m["proto"], "any"))
        for m in _FLOW.finditer(text)
    )
    return LogFacts(host, target, flows)

_FENCE = re.compile(r"^\s*```")


def log_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of pasted command lines and their output (fenced blocks included)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    in_log = in_fence = False
    for line in text.splitlines(keepends=True):
        start, pos = pos, pos + len(line)
        body = line.rstrip("\r\n")
        if _FENCE.match(body):
            in_fence = not in_fence
            spans.append((start, pos))
            continue
        if in_fence or _COMMAND.match(body) or _FLOW.match(body):
            in_log = True
            spans.append((start, pos))
        elif in_log and body.strip() and (_OUTPUT.match(body) or body.startswith((" ", "\t"))):
            spans.append((start, pos))
        elif not body.strip():
            continue  # blank lines neither start nor end a log
        else:
            in_log = False
    if spans and sum(b - a for a, b in spans) >= len(text.strip()):
        return []  # nothing but a log: it is all we have, read it
    return spans
