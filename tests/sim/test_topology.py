"""skbuff.sim.topology: the builders' script text, apply's strictness, the probes' results."""

from __future__ import annotations

import errno

import pytest

from skbuff.sim import topology
from skbuff.sim.world import World


def test_builders_are_plain_ip_lines() -> None:
    assert topology.veth("a", "x0", "b", "y0", mtu=1000) == [
        "ip -n a link add x0 type veth peer name y0 netns b",
        "ip -n a link set x0 mtu 1000", "ip -n a link set x0 up",
        "ip -n b link set y0 mtu 1000", "ip -n b link set y0 up"]
    assert topology.sysctl("r1", "net.ipv4.ip_forward", 1) == [
        "ip netns exec r1 sysctl -q -w net.ipv4.ip_forward=1"]
    lines = topology.routed(mtu2=1000, forwarding=False)
    assert lines[:3] == ["ip netns add h1", "ip netns add r1", "ip netns add h2"]
    assert lines[-1] == "ip netns exec r1 sysctl -q -w net.ipv4.ip_forward=0"
    assert "ip -n h2 link set eth0 mtu 1000" in lines
    assert all(line.startswith("ip ") for line in topology.two_hosts())


def test_apply_builds_and_stops_at_the_first_failure() -> None:
    w = World()
    topology.apply(w, topology.two_hosts())
    assert w.netns_names() == ["h1", "h2"]
    assert "10.0.1.2/24" in w.run("ip -n h2 addr show veth0").stdout
    with pytest.raises(topology.TopologyError) as ei:
        topology.apply(w, ["ip -n h1 link set nosuch up", "ip netns add never"])
    assert ei.value.status != 0 and "nosuch" in ei.value.stderr
    assert "never" not in w.netns_names()


def test_probes() -> None:
    w = World()
    topology.apply(w, topology.two_hosts())
    ok = topology.ping_once(w, "h1", "10.0.1.2", 100, seq=7)
    assert ok.reply_from == "10.0.1.2" and ok.reply is not None
    assert ok.reply[6:8] == (7).to_bytes(2, "big") and len(ok.reply) == 108
    silent = topology.ping_once(w, "h1", "10.0.1.3", timeout_s=0.5)
    assert silent == topology.ping_result()  # nobody answers ARP: no reply, no error yet
    assert topology.ping_once(w, "h1", "10.9.9.9").send_errno == errno.ENETUNREACH
    assert topology.udp_send(w, "h1", "10.9.9.9", 53, b"q") == -errno.ENETUNREACH
    assert topology.udp_send(w, "h1", "10.0.1.2", 53, b"q", sport=5353) == 1
