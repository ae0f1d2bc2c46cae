"""The scenarios against the real kernel: the same `ip` lines build the same topology in
network namespaces (tests/conformance/harness.py creates and always deletes them), the real
ping(8) sends the probe, and the counters that move, the neighbour tables, the link
statistics and `ip route get` must equal skbuff's for the same step (IPv6 is disabled in the
real namespaces: skbuff has none, and its ND/MLD frames would show in the link counters)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from typing import Any

import pytest
from tests.conformance.harness import RealKernel
from tests.scenarios import counters
from tests.scenarios.harness import run_step

from skbuff.sim import topology
from skbuff.sim.world import World

pytestmark = pytest.mark.conformance

MIB_TABLES = ("Ip", "IpExt", "Icmp", "IcmpMsg", "Udp", "TcpExt")
RP_SETUP = [*topology.routed(),
            "ip -n h1 addr add 10.0.3.1/32 dev eth0",
            "ip -n r1 route add 10.0.3.0/24 via 10.0.2.2",
            *topology.sysctl("r1", "net.ipv4.conf.all.rp_filter", 1),
            *topology.sysctl("h1", "net.ipv4.conf.eth0.arp_announce", 2)]


def _ping(daddr: str, **kw: Any) -> Callable[[World], Any]:
    return lambda w: [topology.ping_once(w, "h1", daddr, **kw)]


def _ping_twice(w: World) -> list[topology.ping_result]:
    return [topology.ping_once(w, "h1", "10.0.2.2", 3000, pmtu="do"),
            topology.ping_once(w, "h1", "10.0.2.2", 1400, pmtu="do")]


# name: (setup, real probe lines, skbuff step, namespaces, lines to compare afterwards)
CASES: dict[str, tuple[list[str], list[str], Callable[[World], Any], list[str], list[str]]] = {
    "two_hosts": (topology.two_hosts(), ["ip netns exec h1 ping -c 1 -W 1 10.0.1.2"],
                  lambda w: [topology.ping_once(w, "h1", "10.0.1.2")], ["h1", "h2"], []),
    "forwarded": (topology.routed(), ["ip netns exec h1 ping -c 1 -W 1 10.0.2.2"],
                  _ping("10.0.2.2"), ["h1", "r1", "h2"],
                  ["ip netns exec r1 cat /proc/net/arp", "ip -n h1 route get 10.0.2.2",
                   "ip -n h1 -s -s link show eth0",
                   "ip -n r1 route get 10.0.2.2 from 10.0.1.1 iif eth0"]),
    "fragmented": (topology.routed(mtu2=1000),
                   ["ip netns exec h1 ping -c 1 -W 1 -s 3000 10.0.2.2"],
                   _ping("10.0.2.2", size=3000), ["h1", "r1", "h2"], []),
    "pmtu": (topology.routed(mtu2=1000),
             ["ip netns exec h1 ping -c 1 -W 1 -M do -s 3000 10.0.2.2",
              "ip netns exec h1 ping -c 1 -W 1 -M do -s 1400 10.0.2.2"],
             _ping_twice, ["h1", "r1", "h2"], ["ip -n h1 route get 10.0.2.2"]),
    "forwarding_off": (topology.routed(forwarding=False),
                       ["ip netns exec h1 ping -c 1 -W 1 10.0.2.2"], _ping("10.0.2.2"),
                       ["h1", "r1", "h2"], []),
    "no_route": (topology.routed(), ["ip netns exec h1 ping -c 1 -W 1 10.9.9.9"],
                 _ping("10.9.9.9"), ["h1", "r1", "h2"], []),
    "ttl": (topology.routed(), ["ip netns exec h1 ping -c 1 -W 1 -t 1 10.0.2.2"],
            _ping("10.0.2.2", ttl=1), ["h1", "r1", "h2"], []),
    "rp_filter": (RP_SETUP, ["ip netns exec h1 ping -c 1 -W 1 -I 10.0.3.1 10.0.2.2"],
                  _ping("10.0.2.2", src="10.0.3.1"), ["h1", "r1", "h2"], []),
    "neigh_failed": (topology.routed(), ["ip netns exec h1 ping -c 1 -W 5 10.0.2.99"],
                     _ping("10.0.2.99", timeout_s=5.0), ["h1", "r1", "h2"],
                     ["ip netns exec r1 cat /proc/net/arp"]),
}


@pytest.fixture(scope="module")
def real_ok() -> None:
    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("ping") is None:
        if os.environ.get("CI"):
            pytest.fail("the real-kernel scenarios need root, iproute2 and ping on CI")
        pytest.skip("needs root, iproute2 and ping")


def _real_mib(rk: RealKernel, namespaces: list[str]) -> counters.Counters:
    snap: counters.Counters = {}
    for ns in namespaces:
        for path in ("/proc/net/snmp", "/proc/net/netstat"):
            res = rk.run(f"ip netns exec {ns} cat {path}")
            assert res.status == 0, res
            for table, name, v in counters._proc_pairs(res.stdout):
                snap[(ns, table, name)] = v
    return snap


def _plain(text: str) -> str:
    """MACs and remaining lifetimes differ between runs: blank them."""
    text = re.sub(r"\b(?!00:00:00:00:00:00)[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b", "MAC", text)
    return re.sub(r"expires \d+sec", "expires Nsec", text)


def _neigh(text: str) -> str:
    """`ip neigh` rows in a stable order: the kernel dumps in hash-bucket order, and its
    hash is keyed by a boot-time random (neigh_hash_alloc), so the order is arbitrary."""
    return "".join(sorted(_plain(text).splitlines(keepends=True)))


def _rows(line: str, text: str) -> str:
    """Neighbour tables (`ip neigh`, /proc/net/arp) in stable order, anything else as is."""
    return _neigh(text) if "neigh" in line or "/proc/net/arp" in line else _plain(text)


def _mib_only(c: counters.Counters) -> counters.Counters:
    return {k: v for k, v in c.items() if k[1] in MIB_TABLES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_as_the_real_kernel(real_ok: None, name: str) -> None:
    setup, probes, step, namespaces, after = CASES[name]
    rk = RealKernel()
    try:
        for line in setup:
            res = rk.run(line)
            assert res.status == 0 and not res.stderr, (line, res)
            if line.startswith("ip netns add "):
                # skbuff has no IPv6: keep the real links free of ND/MLD traffic.
                for conf in ("all", "default"):
                    rk.run(f"ip netns exec {line.split()[-1]} sysctl -q -w "
                           f"net.ipv6.conf.{conf}.disable_ipv6=1")
        rk.run("sleep 1.1")  # linkwatch's non-urgent events, as topology.apply waits
        before = _real_mib(rk, namespaces)
        for line in probes:
            rk.run(line)
        real_moved = _mib_only(counters.delta(before, _real_mib(rk, namespaces)))
        real_text = [_neigh(rk.run(f"ip -n {ns} neigh").stdout) for ns in namespaces]
        real_text += [_plain(rk.run(f"ip -n {ns} -s link").stdout) for ns in namespaces]
        real_text += [_rows(line, rk.run(line).stdout) for line in after]
    finally:
        rk.close()
    run = run_step(setup, namespaces, step, ignore=())
    ours = [_neigh(run.run(f"ip -n {ns} neigh")) for ns in namespaces]
    ours += [_plain(run.run(f"ip -n {ns} -s link")) for ns in namespaces]
    ours += [_rows(line, run.run(line)) for line in after]
    assert _mib_only(run.moved) == real_moved
    assert ours == real_text
