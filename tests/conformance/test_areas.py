"""Conformance in CI: a fixed set of seeds per area, run on the real kernel and on skbuff.

Any difference not listed in `known_differences.KNOWN` fails. Budget: a few minutes in all
(route-get queries share one `ip -batch` per run of lines on the real side).
Larger sweep: `python -m tests.conformance.sweep --seeds 500`; report:
`python -m tests.conformance.report` (writes docs/conformance.md).
"""

from __future__ import annotations

import pytest

from tests.conformance.runner import run_case

CI_SEEDS = {
    "routing": range(50),
    "setup-errors": range(20),
    "procfs": range(15),
    "fragmentation": range(32),
    "neighbour": range(10),
    "udp-cork": range(16),
    "ip-options": range(16),
}

CASES = [(area, seed) for area, seeds in CI_SEEDS.items() for seed in seeds]


@pytest.mark.conformance
@pytest.mark.parametrize(("area", "seed"), CASES, ids=[f"{a}-{s}" for a, s in CASES])
def test_area_seed(real_kernel_ok: None, area: str, seed: int) -> None:
    res = run_case(area, seed)
    assert res.lines > 0
    assert not res.unlisted, res.render_unlisted()
