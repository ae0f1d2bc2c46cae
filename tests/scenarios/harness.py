"""Running one scenario step: build the topology with `ip` lines, then do one thing (a ping,
a datagram) while recording the journey, the drops (kfree_skb tracepoint) and the counters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.scenarios import counters
from tests.scenarios.journey import journey_recorder

from skbuff.sim import topology
from skbuff.sim.world import World


@dataclass
class scenario_run:
    world: World
    result: Any
    journey: str
    moved: counters.Counters
    drops: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(netns, device, location, reason name) per kfree_skb, in order."""

    def run(self, line: str) -> str:
        """Run a command after the step; its stdout (asserting success)."""
        res = self.world.run(line)
        assert res.status == 0 and not res.stderr, res
        return res.stdout


def run_step(setup: list[str], namespaces: list[str], step: Callable[[World], Any],
             ignore: tuple[str, ...] = ("IpExt",)) -> scenario_run:
    """Boot a World, apply `setup`, then run `step(world)` with the recorders attached.
    `moved` leaves out the tables in `ignore` (IpExt: octets and ECN classes)."""
    world = World()
    topology.apply(world, setup)
    before = counters.snapshot(world, namespaces)
    drops: list[tuple[str, str, str, str]] = []

    def on_drop(skb: Any, location: str, reason: Any) -> None:
        dev = skb.dev
        drops.append((dev.nd_net.name if dev else "?", dev.name if dev else "-", location,
                      reason.name))

    world.kernel.trace.attach("kfree_skb", on_drop)
    try:
        with journey_recorder(world.kernel) as rec:
            result = step(world)
    finally:
        world.kernel.trace.detach("kfree_skb", on_drop)
    after = counters.snapshot(world, namespaces)
    return scenario_run(world, result, rec.text(), counters.delta(before, after, ignore), drops)


def mib(**per_ns: dict[str, int]) -> counters.Counters:
    """Expected deltas written compactly: mib(h1={"Ip.InReceives": 1, "link:eth0.rx_packets":
    2}) → {("h1", "Ip", "InReceives"): 1, ("h1", "link:eth0", "rx_packets"): 2}; the key
    "softnet" holds CPU 0's processed count."""
    out: counters.Counters = {}
    for ns, values in per_ns.items():
        for key, v in values.items():
            if ns == "softnet":
                out[("*", "softnet", key)] = v
                continue
            table, _, name = key.rpartition(".")
            out[(ns, table, name)] = v
    return out


ICMP_ECHO_OUT = {"Ip.OutRequests": 1, "Ip.OutTransmits": 1, "Icmp.OutMsgs": 1,
                 "Icmp.OutEchos": 1, "IcmpMsg.OutType8": 1}
ICMP_ECHO_IN_REPLY = {"Ip.InReceives": 1, "Ip.InDelivers": 1, "Ip.OutRequests": 1,
                      "Ip.OutTransmits": 1, "Icmp.InMsgs": 1, "Icmp.InEchos": 1,
                      "Icmp.OutMsgs": 1, "Icmp.OutEchoReps": 1, "IcmpMsg.InType8": 1,
                      "IcmpMsg.OutType0": 1}
"""The counters of a host answering one echo request."""


def icmp_in(type: int, field: str) -> dict[str, int]:
    """The counters of a host receiving one ICMP message of `type` (Icmp.`field`)."""
    return {"Ip.InReceives": 1, "Ip.InDelivers": 1, "Icmp.InMsgs": 1, f"Icmp.{field}": 1,
            f"IcmpMsg.InType{type}": 1}


def icmp_out(type: int, field: str) -> dict[str, int]:
    """The counters of a host sending one ICMP message of `type` (Icmp.`field`)."""
    return {"Ip.OutRequests": 1, "Ip.OutTransmits": 1, "Icmp.OutMsgs": 1, f"Icmp.{field}": 1,
            f"IcmpMsg.OutType{type}": 1}


def merge(*dicts: dict[str, int]) -> dict[str, int]:
    """Sum counter dicts key by key."""
    out: dict[str, int] = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out
