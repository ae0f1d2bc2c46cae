"""Scenario 1 (two namespaces on a veth pair, one ping) and scenario 5 (loopback)."""

from __future__ import annotations

from tests.scenarios.harness import ICMP_ECHO_IN_REPLY, ICMP_ECHO_OUT, merge, mib, run_step
from tests.scenarios.journey import check_golden

from skbuff.sim import topology
from skbuff.sim.world import World

ECHO_DATA = bytes(i & 0xFF for i in range(56))


def ping_h2(world: World) -> topology.ping_result:
    return topology.ping_once(world, "h1", "10.0.1.2")


def test_ping_over_veth_resolves_arp_and_gets_the_reply() -> None:
    run = run_step(topology.two_hosts(), ["h1", "h2"], ping_h2)
    res = run.result
    assert res.reply_from == "10.0.1.2" and res.error is None
    assert res.reply is not None and res.reply[0] == 0 and res.reply[8:] == ECHO_DATA
    # h1 resolved h2 (INCOMPLETE → REACHABLE); h2 learnt h1 from the request (STALE), then
    # sending the reply through that entry started its reachability check (DELAY).
    nud = [ln.split(" nud ", 1)[1] for ln in run.journey.splitlines() if " nud " in ln]
    assert nud == ["10.0.1.2 NONE -> INCOMPLETE", "10.0.1.1 NONE -> STALE",
                   "10.0.1.2 INCOMPLETE -> REACHABLE", "10.0.1.1 STALE -> DELAY"]
    h2_mac = run.world.netns("h2").dev_base_head["veth0"].dev_addr.hex(":")
    assert run.run("ip -n h1 neigh") == f"10.0.1.2 dev veth0 lladdr {h2_mac} REACHABLE \n"
    assert "10.0.1.1 dev veth0 lladdr" in run.run("ip -n h2 neigh")
    assert run.drops == []
    assert run.moved == mib(
        h1=merge(ICMP_ECHO_OUT, {"Ip.InReceives": 1, "Ip.InDelivers": 1, "Icmp.InMsgs": 1,
                                 "Icmp.InEchoReps": 1, "IcmpMsg.InType0": 1,
                                 "link:veth0.rx_packets": 2, "link:veth0.tx_packets": 2}),
        h2=merge(ICMP_ECHO_IN_REPLY, {"link:veth0.rx_packets": 2,
                                      "link:veth0.tx_packets": 2}),
        softnet={"cpu0.processed": 4})
    check_golden("two_hosts_ping", run.journey)


def test_second_ping_needs_no_arp() -> None:
    def twice(world: World) -> topology.ping_result:
        topology.ping_once(world, "h1", "10.0.1.2")
        return topology.ping_once(world, "h1", "10.0.1.2", seq=2)

    run = run_step(topology.two_hosts(), ["h1", "h2"], twice)
    assert run.result.reply_from == "10.0.1.2"
    assert run.moved[("*", "softnet", "cpu0.processed")] == 6  # 2 ARP + 2 pings of 2 ICMP


def test_loopback_ping() -> None:
    """`ip -n h1 link set lo up`, then 127.0.0.1 and h1's own address: both go out and come
    back through lo (local output: the route is `local … dev lo`)."""
    def step(world: World) -> list[topology.ping_result]:
        down = topology.ping_once(world, "h1", "127.0.0.1")
        topology.apply(world, ["ip -n h1 link set lo up"])
        return [down, topology.ping_once(world, "h1", "127.0.0.1"),
                topology.ping_once(world, "h1", "10.0.1.1")]

    run = run_step(topology.two_hosts(), ["h1", "h2"], step)
    down, lo, own = run.result
    assert down.send_errno == 101  # lo down: no 127/8 route, ENETUNREACH
    assert lo.reply_from == "127.0.0.1" and lo.reply is not None
    assert own.reply_from == "10.0.1.1" and own.reply is not None
    assert run.run("ip -n h1 route get 10.0.1.1") == (
        "local 10.0.1.1 dev lo src 10.0.1.1 uid 0 \n    cache <local> \n")
    assert run.drops == []
    two_local_pings = {"Ip.InReceives": 4, "Ip.InDelivers": 4, "Ip.OutRequests": 4,
                       "Ip.OutTransmits": 4, "Icmp.InMsgs": 4, "Icmp.OutMsgs": 4,
                       "Icmp.InEchos": 2, "Icmp.InEchoReps": 2, "Icmp.OutEchos": 2,
                       "Icmp.OutEchoReps": 2, "IcmpMsg.InType8": 2, "IcmpMsg.InType0": 2,
                       "IcmpMsg.OutType8": 2, "IcmpMsg.OutType0": 2}
    assert run.moved == mib(
        h1=merge(two_local_pings, {"Ip.OutNoRoutes": 1, "link:lo.rx_packets": 4,
                                   "link:lo.tx_packets": 4}),
        softnet={"cpu0.processed": 4})
    check_golden("loopback_ping", run.journey)
