"""Pasted terminal output inside a message: found so that it is not read as the question.

Engineers paste what they tried (``$ ping 10.0.2.0``, ``curl -v …``, ``dig @10.0.0.2``, traceroute,
``nc -vz``, ``ssh -v``) under their question. The addresses in that output are the *probe*, often the
first address of a CIDR or the IP a hostname resolved to, and the command is how they tested, not what
they ask about. The prose says what they ask, so log lines are blanked before endpoints and traffic are
read (spans keep their offsets). A message that is nothing but a log is left alone.
"""

from __future__ import annotations

import re

# A shell prompt and a command: "$ ping", "sh-5.2$ curl", "ec2-user@host:~$ nc", "PS C:\> Test-NetConnection",
# "# traceroute" (root), "> tnc" (PowerShell continuation).
_COMMAND = re.compile(
    r"^\s*(?:[\w.@~:/\-]*[$#%]|PS [^>]*>|>)\s*"
    r"(?:sudo\s+)?(?:ping6?|curl|wget|dig|nslookup|host|traceroute6?|tracert|tracepath|mtr|nc|ncat|netcat|"
    r"telnet|ssh|scp|psql|mysql|redis-cli|mongo\w*|openssl|nmap|Test-NetConnection|tnc|aws|arp|ip|ss|"
    r"netstat|tcpdump|hping3|[\w./-]+)\b"
)
# Lines that commands print.
_OUTPUT = re.compile(
    r"^\s*(?:\*|;;|;|PING\b|---|\d+ packets|\d+\s+(?:\*|\d|[\w.-]+\s+\()|traceroute to|From\s|"
    r"Request timeout|Reply from|\^C|debug\d|OpenSSH|ssh:|nc:|curl:|psql:|ERROR|mysql:|Connection|"
    r"connect to|Trying|telnet:|Escape character|round-trip|rtt|64 bytes|\d+ bytes from|Host key|"
    r"Warning:|ComputerName|RemoteAddress|TcpTestSucceeded|PingSucceeded)"
)
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
        if in_fence or _COMMAND.match(body):
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
