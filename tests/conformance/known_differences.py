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
    """`ip -j route show table all` without the kernel's IPv6 routes."""
    try:
        data = json.loads(text)
    except ValueError:
        return text
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
    normalize: Callable[[str], str]

    def accepts(self, area: str, m: Mismatch) -> bool:
        if area not in self.areas or m.what not in self.what:
            return False
        if not re.search(self.line, m.line):
            return False
        return self.normalize(m.real) == self.normalize(m.skbuff)


KNOWN: tuple[KnownDifference, ...] = (
    KnownDifference(
        key="ipv6-routes",
        areas=("routing", "setup-errors", "procfs"),
        line=r"route (show|list|ls)?.*table all|-j route",
        what=("stdout",),
        reason="skbuff implements IPv4 only; the real kernel adds fe80::/64, ff00::/8 and "
               "::1 routes for every device that is up.",
        plan="none: IPv6 is out of scope (DESIGN.md); the dump is compared without them.",
        normalize=_drop_ipv6_routes,
    ),
)


def classify(area: str, m: Mismatch) -> KnownDifference | None:
    """The known difference that accepts `m`, or None (an unlisted difference)."""
    for kd in KNOWN:
        if kd.accepts(area, m):
            return kd
    return None
