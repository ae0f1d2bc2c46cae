"""Run conformance cases by area and seed; sort each difference into known or unlisted.

An area is a function `seed -> Comparison`. Script areas generate a script from the seed and
run it on both backends through the harness; scenario areas (fragmentation, neighbours)
drive both sides themselves and describe their observations as lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.conformance import known_differences
from tests.conformance.generators import routing
from tests.conformance.harness import Comparison, Mismatch, run_both


def _multipath_any_hop(text: str) -> str:
    """A `route get` through a multipath route may leave by any of its hops: the kernel's
    flow hash is keyed by a per-boot random secret. Kernel: net/ipv4/route.c
    fib_multipath_hash (hashrnd)."""
    hops = "|".join(re.escape(f"via {g} dev {d}") for g, d in routing.MULTIPATH_GWS)
    return re.sub(hops, "via <multipath hop>", text)


def script_area(make: Callable[[int], str],
                normalize: Callable[[str], str] | None = None) -> Callable[[int], Comparison]:
    def run(seed: int) -> Comparison:
        return run_both(make(seed), normalize)
    return run


def _areas() -> dict[str, Callable[[int], Comparison]]:
    from tests.conformance import ipv4_tx, scenarios

    return {
        "routing": script_area(routing.routing_script, _multipath_any_hop),
        "setup-errors": script_area(routing.setup_errors_script),
        "procfs": script_area(routing.procfs_script),
        "fragmentation": scenarios.frag_case,
        "neighbour": scenarios.neigh_case,
        "udp-cork": ipv4_tx.cork_case,
        "ip-options": ipv4_tx.options_case,
    }


AREA_NAMES = ("routing", "setup-errors", "procfs", "fragmentation", "neighbour", "udp-cork",
              "ip-options")


@dataclass
class CaseResult:
    area: str
    seed: int
    lines: int
    mismatched_lines: int
    known: list[tuple[Mismatch, known_differences.KnownDifference]] = field(default_factory=list)
    unlisted: list[Mismatch] = field(default_factory=list)

    def render_unlisted(self) -> str:
        head = f"{self.area} seed {self.seed}: {len(self.unlisted)} unlisted difference(s)\n"
        return head + "\n".join(m.render() for m in self.unlisted)


def run_case(area: str, seed: int) -> CaseResult:
    cmp = _areas()[area](seed)
    res = CaseResult(area, seed, cmp.lines, len({m.lineno for m in cmp.mismatches}))
    for m in cmp.mismatches:
        kd = known_differences.classify(area, m)
        if kd is None:
            res.unlisted.append(m)
        else:
            res.known.append((m, kd))
    return res
