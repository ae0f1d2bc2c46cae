"""Accepted differences between skbuff and the real kernel, each with its reason and plan.

A mismatch is *known* when an entry's area and line pattern match it and both answers are
equal after the entry's `normalize` (applied to real and skbuff alike). Every other mismatch
fails the conformance tests. Keep this list short: fix skbuff where it is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from tests.conformance.harness import Mismatch


def _drop_ipv6_routes(text: str) -> str:
    """`ip [-j] route show table all` without the kernel's IPv6 routes."""
    try:
        data = json.loads(text)
    except ValueError:
        return "".join(row for row in text.splitlines(keepends=True)
                       if not any(":" in tok for tok in row.split()[:2]))
    if not isinstance(data, list):
        return text
    kept = [r for r in data if not (isinstance(r, dict) and ":" in str(r.get("dst", "")))]
    return json.dumps(kept, sort_keys=True)


@dataclass(frozen=True)
class KnownDifference:
    key: str
    areas: tuple[str, ...]
    line: str  # regex searched in the script line
    what: tuple[str, ...]  # "stdout", "stderr", "exit status"
    reason: str
    plan: str
    normalize: Callable[[str], str] | None = None
    # Or: the answers differ by design; each side must match its pattern (re.fullmatch, DOTALL)
    real: str | None = None
    skbuff: str | None = None

    def accepts(self, area: str, m: Mismatch) -> bool:
        if area not in self.areas or m.what not in self.what:
            return False
        if not re.search(self.line, m.line):
            return False
        if self.normalize is not None:
            return self.normalize(m.real) == self.normalize(m.skbuff)
        return (self.real is not None and self.skbuff is not None
                and re.fullmatch(self.real, m.real, re.DOTALL) is not None
                and re.fullmatch(self.skbuff, m.skbuff, re.DOTALL) is not None)


KNOWN: tuple[KnownDifference, ...] = (
    KnownDifference(
        key="ipv6-routes",
        areas=("routing", "setup-errors", "procfs"),
        line=r"route (show|list|ls).*table all",
        what=("stdout",),
        reason="skbuff implements IPv4 only; the real kernel adds fe80::/64, ff00::/8 and "
               "::1 routes for every device that is up.",
        plan="none: IPv6 is out of scope (DESIGN.md); the dump is compared without them.",
        normalize=_drop_ipv6_routes,
    ),
    KnownDifference(
        key="ipv6-addresses",
        areas=("procfs",),
        line=r"addr(ess)?( show| list| ls)?$|-br addr",
        what=("stdout",),
        reason="skbuff implements IPv4 only; the real kernel gives every device that is up "
               "an fe80::/64 link-local address (and lo ::1).",
        plan="none: IPv6 is out of scope; addresses are compared without them.",
        normalize=lambda text: _drop_ipv6_addresses(text),
    ),
    KnownDifference(
        key="ipv6-neighbours",
        areas=("neighbour",),
        line=r"neigh (show|list|ls).*nud all",
        what=("stdout",),
        reason="skbuff implements IPv4 only; the real kernel lists the IPv6 multicast "
               "neighbours (ff02::16, ff02::1:ff…) MLD created on each device.",
        plan="none: IPv6 is out of scope; the dump is compared without them.",
        normalize=lambda text: _drop_ipv6_neighbours(text),
    ),
    KnownDifference(
        key="zeronet-destination",
        areas=("routing",),
        line=r"route get 0\.\d+\.\d+\.\d+ ",
        what=("exit status", "stdout", "stderr"),
        reason="Linux 6.12 (skbuff's reference) treats 0.0.0.0/8 destinations as martian "
               "(route.c ip_route_input_slow: martian_destination, __mkroute_output: -EINVAL); "
               "the machine's newer kernel routes them.",
        plan="keep 6.12 behaviour; revisit when the reference kernel moves past the change.",
        real=r"0|2|.*0\.\d+\.\d+\.\d+ .*|RTNETLINK answers: No route to host\n|",
        skbuff=r"2|RTNETLINK answers: Invalid argument\n|",
    ),
)


def _drop_ipv6_addresses(text: str) -> str:
    """`ip [-j|-br] addr show` without IPv6 addresses (text: the inet6 line and its
    lifetime line; JSON: inet6 addr_info; brief: the inet6 tokens)."""
    try:
        data = json.loads(text)
    except ValueError:
        out: list[str] = []
        skip = False
        for row in text.splitlines():
            if row.lstrip().startswith("inet6 "):
                skip = True
                continue
            if skip and row.lstrip().startswith("valid_lft"):
                skip = False
                continue
            skip = False
            toks = row.split()
            out.append(" ".join(t for t in toks if not (":" in t and "/" in t)))
        return "\n".join(out)
    for link in data if isinstance(data, list) else []:
        if isinstance(link, dict) and "addr_info" in link:
            link["addr_info"] = [a for a in link["addr_info"] if a.get("family") != "inet6"]
    return json.dumps(data, sort_keys=True)


def _drop_ipv6_neighbours(text: str) -> str:
    return "".join(row for row in text.splitlines(keepends=True)
                   if ":" not in (row.split() or [""])[0])


def classify(area: str, m: Mismatch) -> KnownDifference | None:
    """The known difference that accepts `m`, or None (an unlisted difference)."""
    for kd in KNOWN:
        if kd.accepts(area, m):
            return kd
    return None
