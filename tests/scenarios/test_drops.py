"""Scenario 4: packets r1 or h2 must drop, each with the kernel's reason, its counter, the
ICMP error where the kernel sends one, and no other counter moving."""

from __future__ import annotations

import errno
from collections.abc import Callable

from tests.scenarios.harness import ICMP_ECHO_OUT, icmp_in, icmp_out, merge, mib, run_step
from tests.scenarios.journey import check_golden

from skbuff.sim import topology
from skbuff.sim.world import World
from skbuff.uapi.icmp import (
    ICMP_DEST_UNREACH,
    ICMP_EXC_TTL,
    ICMP_HOST_UNREACH,
    ICMP_NET_UNREACH,
    ICMP_TIME_EXCEEDED,
)

NAMESPACES = ["h1", "r1", "h2"]
ONE_WAY = {"link:eth0.rx_packets": 1, "link:eth0.tx_packets": 2}
"""h1's link when only r1's ARP reply comes back (ARP request + echo out)."""
BOTH_WAYS = {"link:eth0.rx_packets": 2, "link:eth0.tx_packets": 2}
R1_IN = {"Ip.InReceives": 1}


def ping(daddr: str, ttl: int | None = None, src: str | None = None,
         timeout_s: float = 1.0) -> Callable[[World], topology.ping_result]:
    """The step: `ip netns exec h1 ping -c 1 [-t ttl] [-I src] -W timeout_s DADDR`."""
    return lambda w: topology.ping_once(w, "h1", daddr, ttl=ttl, src=src, timeout_s=timeout_s)


def test_forwarding_off() -> None:
    """ip_forward=0: the input route is RTN_UNREACHABLE with EHOSTUNREACH; ip_error counts
    InAddrErrors and drops silently (no ICMP from a host that does not forward)."""
    run = run_step(topology.routed(forwarding=False), NAMESPACES, ping("10.0.2.2"))
    assert run.result.reply is None and run.result.error is None
    assert run.drops == [("r1", "eth0", "ip_error", "IP_INADDRERRORS")]
    assert run.moved == mib(
        h1=merge(ICMP_ECHO_OUT, ONE_WAY),
        r1=merge(R1_IN, {"Ip.InAddrErrors": 1, "link:eth0.rx_packets": 2,
                         "link:eth0.tx_packets": 1}),
        softnet={"cpu0.processed": 3})
    check_golden("drop_forwarding_off", run.journey)


def test_no_route() -> None:
    """No route to 10.9.9.9 on r1: ENETUNREACH, IpExt InNoRoutes, ICMP net unreachable."""
    run = run_step(topology.routed(), NAMESPACES, ping("10.9.9.9"))
    err = run.result.error
    assert err is not None and (err.ee_type, err.ee_code, err.ee_errno, err.offender) == (
        ICMP_DEST_UNREACH, ICMP_NET_UNREACH, errno.ENETUNREACH, "10.0.1.254")
    assert run.drops == [("r1", "eth0", "ip_error", "IP_INNOROUTES")]
    run_ipext = run_step(topology.routed(), NAMESPACES, ping("10.9.9.9"), ignore=())
    assert run_ipext.moved[("r1", "IpExt", "InNoRoutes")] == 1
    assert run.moved == mib(
        h1=merge(ICMP_ECHO_OUT, icmp_in(3, "InDestUnreachs"), BOTH_WAYS),
        r1=merge(R1_IN, icmp_out(3, "OutDestUnreachs"), BOTH_WAYS),
        softnet={"cpu0.processed": 4})
    check_golden("drop_no_route", run.journey)


def test_ttl_expired() -> None:
    """TTL 1 reaching r1: InHdrErrors, ICMP time exceeded, drop reason IP_INHDR."""
    run = run_step(topology.routed(), NAMESPACES, ping("10.0.2.2", ttl=1))
    err = run.result.error
    assert err is not None and (err.ee_type, err.ee_code, err.ee_errno, err.offender) == (
        ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, errno.EHOSTUNREACH, "10.0.1.254")
    assert run.drops == [("r1", "eth0", "ip_forward", "IP_INHDR")]
    assert run.moved == mib(
        h1=merge(ICMP_ECHO_OUT, icmp_in(11, "InTimeExcds"), BOTH_WAYS),
        r1=merge(R1_IN, {"Ip.InHdrErrors": 1}, icmp_out(11, "OutTimeExcds"), BOTH_WAYS),
        softnet={"cpu0.processed": 4})
    check_golden("drop_ttl", run.journey)


def test_rp_filter_asymmetric() -> None:
    """h1 sends from 10.0.3.1, which r1 routes back through eth1: with rp_filter=1 the
    source fails validation on eth0 (-EXDEV) and ip_rcv_finish_core drops with IP_RPFILTER,
    counting TcpExt IPReversePathFilter. (arp_announce=2 makes h1's ARP request carry
    10.0.1.1, else r1's rp_filter would refuse the ARP request too.)"""
    setup = [*topology.routed(),
             "ip -n h1 addr add 10.0.3.1/32 dev eth0",
             "ip -n r1 route add 10.0.3.0/24 via 10.0.2.2",
             *topology.sysctl("r1", "net.ipv4.conf.all.rp_filter", 1),
             *topology.sysctl("h1", "net.ipv4.conf.eth0.arp_announce", 2)]
    run = run_step(setup, NAMESPACES, ping("10.0.2.2", src="10.0.3.1"))
    assert run.result.reply is None and run.result.error is None
    assert run.drops == [("r1", "eth0", "ip_rcv_finish_core", "IP_RPFILTER")]
    assert run.moved == mib(
        h1=merge(ICMP_ECHO_OUT, ONE_WAY),
        r1=merge(R1_IN, {"TcpExt.IPReversePathFilter": 1, "link:eth0.rx_packets": 2,
                         "link:eth0.tx_packets": 1}),
        softnet={"cpu0.processed": 3})
    check_golden("drop_rp_filter", run.journey)


def test_neighbour_failed() -> None:
    """10.0.2.99 is on r1's eth1 subnet but nobody answers: 3 broadcast probes a second
    apart (mcast_solicit), then FAILED; the queued packet is dropped with NEIGH_FAILED and
    h1 gets ICMP host unreachable (arp_error_report)."""
    run = run_step(topology.routed(), NAMESPACES, ping("10.0.2.99", timeout_s=5.0))
    err = run.result.error
    assert err is not None and (err.ee_type, err.ee_code, err.ee_errno, err.offender) == (
        ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, errno.EHOSTUNREACH, "10.0.1.254")
    assert run.drops == [("r1", "eth1", "arp_error_report", "NEIGH_FAILED")]
    assert run.moved == mib(
        h1=merge(ICMP_ECHO_OUT, icmp_in(3, "InDestUnreachs"), BOTH_WAYS),
        r1=merge(R1_IN, {"Ip.ForwDatagrams": 1, "Ip.OutTransmits": 1},
                 icmp_out(3, "OutDestUnreachs"), BOTH_WAYS, {"link:eth1.tx_packets": 3}),
        h2={"link:eth0.rx_packets": 3},
        softnet={"cpu0.processed": 7})
    nud = [ln.split(" nud ", 1)[1] for ln in run.journey.splitlines() if " r1 eth1 nud " in ln]
    assert nud == ["10.0.2.99 NONE -> INCOMPLETE", "10.0.2.99 INCOMPLETE -> FAILED"]
    assert run.journey.count("[ARP request 10.0.2.254 > 10.0.2.99]") == 3
    check_golden("drop_neigh_failed", run.journey)


def test_udp_closed_port() -> None:
    """UDP to a port nobody listens on at h2: NoPorts, ICMP port unreachable, NO_SOCKET."""
    def step(world: World) -> int:
        sent = topology.udp_send(world, "h1", "10.0.2.2", 9999, b"0123456789")
        world.kernel.run_task(world.kernel.run_for, 1_000_000_000)
        return sent

    run = run_step(topology.routed(), NAMESPACES, step)
    assert run.result == 10
    assert run.drops == [("h2", "eth0", "udp_rcv", "NO_SOCKET")]
    udp_out = {"Ip.OutRequests": 1, "Ip.OutTransmits": 1, "Udp.OutDatagrams": 1}
    fwd_both = {"Ip.InReceives": 2, "Ip.ForwDatagrams": 2, "Ip.OutTransmits": 2,
                **BOTH_WAYS, "link:eth1.rx_packets": 2, "link:eth1.tx_packets": 2}
    assert run.moved == mib(
        h1=merge(udp_out, icmp_in(3, "InDestUnreachs"), BOTH_WAYS),
        r1=fwd_both,
        h2=merge({"Ip.InReceives": 1, "Ip.InDelivers": 1, "Udp.NoPorts": 1},
                 icmp_out(3, "OutDestUnreachs"), BOTH_WAYS),
        softnet={"cpu0.processed": 8})
    check_golden("drop_udp_closed_port", run.journey)
