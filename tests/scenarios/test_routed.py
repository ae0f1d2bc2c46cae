"""Scenarios 2 and 3: h1 — r1 — h2, a ping forwarded by r1; fragmentation on a 1000-byte
link, reassembly at both ends, and path MTU discovery with DF."""

from __future__ import annotations

import errno
import re

from tests.scenarios.harness import (
    ICMP_ECHO_IN_REPLY,
    ICMP_ECHO_OUT,
    icmp_in,
    icmp_out,
    merge,
    mib,
    run_step,
)
from tests.scenarios.journey import check_golden

from skbuff.net.core import skbuff
from skbuff.net.core.skbuff import sk_buff
from skbuff.sim import topology
from skbuff.sim.world import World
from skbuff.uapi.icmp import ICMP_DEST_UNREACH, ICMP_ECHO, ICMP_ECHOREPLY, ICMP_FRAG_NEEDED
from skbuff.uapi.if_ether import ETH_P_IP
from skbuff.uapi.in_ import IPPROTO_ICMP

H1_ECHO = merge(ICMP_ECHO_OUT, {"Ip.InReceives": 1, "Ip.InDelivers": 1, "Icmp.InMsgs": 1,
                                "Icmp.InEchoReps": 1, "IcmpMsg.InType0": 1})


def ip_rx_ttls(world: World) -> list[tuple[str, str, int, int]]:
    """Attach a netif_receive_skb probe recording (netns, dev, ICMP type, TTL) of every
    IPv4 ICMP packet received; returns the list it fills."""
    seen: list[tuple[str, str, int, int]] = []

    def probe(skb: sk_buff) -> None:
        if skb.protocol == ETH_P_IP:
            iph = skbuff.ip_hdr(skb)
            if iph.protocol == IPPROTO_ICMP:
                icmp_type = skb.buf[skb.network_header + iph.ihl * 4]
                seen.append((skb.dev.nd_net.name, skb.dev.name, icmp_type, iph.ttl))

    world.kernel.trace.attach("netif_receive_skb", probe)
    return seen


def test_forwarded_ping() -> None:
    def step(world: World) -> tuple[topology.ping_result, list[tuple[str, str, int, int]]]:
        seen = ip_rx_ttls(world)
        return topology.ping_once(world, "h1", "10.0.2.2"), seen

    run = run_step(topology.routed(), ["h1", "r1", "h2"], step)
    result, seen = run.result
    assert result.reply_from == "10.0.2.2"
    # r1 decrements the TTL both ways (ip_decrease_ttl after skb_cow).
    assert seen == [("r1", "eth0", ICMP_ECHO, 64), ("h2", "eth0", ICMP_ECHO, 63),
                    ("r1", "eth1", ICMP_ECHOREPLY, 64), ("h1", "eth0", ICMP_ECHOREPLY, 63)]
    assert run.drops == []
    links = {"link:eth0.rx_packets": 2, "link:eth0.tx_packets": 2}
    assert run.moved == mib(
        h1=merge(H1_ECHO, links),
        r1={"Ip.InReceives": 2, "Ip.ForwDatagrams": 2, "Ip.OutTransmits": 2,
            **links, "link:eth1.rx_packets": 2, "link:eth1.tx_packets": 2},
        h2=merge(ICMP_ECHO_IN_REPLY, links),
        softnet={"cpu0.processed": 8})
    # ARP on both sides of r1: each host and r1 hold each other's address.
    assert "10.0.1.254 dev eth0 lladdr" in run.run("ip -n h1 neigh")
    r1_neigh = run.run("ip -n r1 neigh")
    assert "10.0.1.1 dev eth0 lladdr" in r1_neigh and "10.0.2.2 dev eth1 lladdr" in r1_neigh
    assert "10.0.2.254 dev eth0 lladdr" in run.run("ip -n h2 neigh")
    journey = run.journey
    assert " r1 eth0 ip_forward <- " in journey and " r1 eth1 ip_forward <- " in journey
    check_golden("routed_ping", journey)


def test_fragmented_both_ways() -> None:
    """3000 data bytes, DF clear (ping's default leaves DF off a datagram it fragments): h1
    sends 3 fragments (MTU 1500), r1 splits the two full ones for the 1000-byte link, h2
    reassembles 5 pieces and answers in 4 fragments of its own, h1 reassembles them."""
    run = run_step(topology.routed(mtu2=1000), ["h1", "r1", "h2"],
                   lambda w: topology.ping_once(w, "h1", "10.0.2.2", 3000))
    res = run.result
    assert res.reply_from == "10.0.2.2" and res.reply is not None and len(res.reply) == 3008
    assert run.drops == []
    moved = {k: v for k, v in run.moved.items() if k[1] == "Ip"}
    assert moved == mib(
        h1={"Ip.OutRequests": 1, "Ip.FragOKs": 1, "Ip.FragCreates": 3, "Ip.OutTransmits": 3,
            "Ip.InReceives": 4, "Ip.ReasmReqds": 4, "Ip.ReasmOKs": 1, "Ip.InDelivers": 1},
        r1={"Ip.InReceives": 7, "Ip.ForwDatagrams": 7, "Ip.FragOKs": 2, "Ip.FragCreates": 4,
            "Ip.OutTransmits": 9},
        h2={"Ip.InReceives": 5, "Ip.ReasmReqds": 5, "Ip.ReasmOKs": 1, "Ip.InDelivers": 1,
            "Ip.OutRequests": 1, "Ip.FragOKs": 1, "Ip.FragCreates": 4, "Ip.OutTransmits": 4})
    check_golden("routed_fragmented", run.journey)


def test_df_too_big_learns_pmtu() -> None:
    """`ping -M do -s 3000` fails at h1 itself (EMSGSIZE: over eth0's 1500); `-s 1400` leaves
    h1 with DF, r1 cannot forward it on the 1000-byte link: Frag Needed (mtu 1000) back to
    h1, which learns the path MTU as a route exception."""
    def step(world: World) -> list[topology.ping_result]:
        return [topology.ping_once(world, "h1", "10.0.2.2", 3000, pmtu="do"),
                topology.ping_once(world, "h1", "10.0.2.2", 1400, pmtu="do")]

    run = run_step(topology.routed(mtu2=1000), ["h1", "r1", "h2"], step)
    local, remote = run.result
    assert local.send_errno == errno.EMSGSIZE
    err = remote.error
    assert err is not None and err.offender == "10.0.1.254"
    assert (err.ee_errno, err.ee_type, err.ee_code, err.ee_info) == (
        errno.EMSGSIZE, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1000)
    assert run.drops == [("r1", "eth0", "ip_forward", "PKT_TOO_BIG")]
    assert run.moved == mib(
        h1=merge(ICMP_ECHO_OUT, icmp_in(3, "InDestUnreachs"),
                 {"link:eth0.rx_packets": 2, "link:eth0.tx_packets": 2}),
        r1=merge(icmp_out(3, "OutDestUnreachs"),
                 {"Ip.InReceives": 1, "Ip.ForwDatagrams": 1, "Ip.FragFails": 1,
                  "link:eth0.rx_packets": 2, "link:eth0.tx_packets": 2}),
        softnet={"cpu0.processed": 4})
    got = run.run("ip -n h1 route get 10.0.2.2")
    assert re.fullmatch(r"10\.0\.2\.2 via 10\.0\.1\.254 dev eth0 src 10\.0\.1\.1 uid 0 \n"
                        r"    cache expires \d+sec mtu 1000 \n", got), got
    check_golden("routed_pmtu", run.journey)
