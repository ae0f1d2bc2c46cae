"""Same script, same seed → byte-identical journeys, counters and tool output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.scenarios.harness import run_step

from skbuff.sim import topology
from skbuff.sim.world import World

CASES: dict[str, tuple[list[str], Callable[[World], Any]]] = {
    "two_hosts": (topology.two_hosts(), lambda w: topology.ping_once(w, "h1", "10.0.1.2")),
    "fragmented": (topology.routed(mtu2=1000),
                   lambda w: topology.ping_once(w, "h1", "10.0.2.2", 3000)),
    "neigh_failed": (topology.routed(),
                     lambda w: topology.ping_once(w, "h1", "10.0.2.99", timeout_s=5.0)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_twice_identical(name: str) -> None:
    setup, step = CASES[name]
    outputs = []
    for _ in range(2):
        run = run_step(setup, ["h1", "h2"], step)
        state = "".join(run.run(f"ip -n {ns} -s -d link") + run.run(f"ip -n {ns} neigh")
                        for ns in ("h1", "h2"))
        outputs.append((run.journey, run.moved, run.drops, state, run.result,
                        run.world.kernel.now_ns))
    assert outputs[0] == outputs[1]
    assert outputs[0][0]  # something was recorded
