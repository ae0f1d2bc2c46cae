"""Journeys through h1 — r — h2: forwarded and delivered, fragmented and reassembled, and
dropped for the common reasons, each ending with its cause; golden renderings in golden/."""

from __future__ import annotations

import socket as pysocket

from tests.trace.testbed import check_golden, make_world, start, udp_listen, udp_send

from skbuff.net import socket as bsd
from skbuff.trace import render_text
from skbuff.trace.journey import KIND_DROP, journey_tracer


def _funcs(t: journey_tracer) -> list[str]:
    return [ev.func for ev in t.events]


def _drop(t: journey_tracer) -> tuple[str, str, str]:
    drops = [ev for ev in t.events if ev.kind == KIND_DROP]
    assert len(drops) == 1, render_text.render_events(t.events)
    return drops[0].reason, drops[0].location, drops[0].explanation


def test_forwarded_and_delivered() -> None:
    w = make_world()
    rx = udp_listen(w, "h2", 7000)
    t = start(w, "udp and port 7000")
    udp_send(w, "h1", "10.2.0.2", 7000, b"hello")
    t.detach()
    with w.kernel:
        assert rx.recvfrom(100)[0] == b"hello"
    funcs = _funcs(t)
    assert funcs[0] == "ip_local_out"
    assert funcs.index("ip_forward") < funcs.index("ip_local_deliver") < funcs.index("udp_rcv")
    assert funcs[-1] == "consume_skb"
    assert [ev.netns for ev in t.events if ev.func == "ip_rcv"] == ["r", "h2"]
    assert len(t.lineages()) == 1
    assert t.drops() == []
    check_golden("forwarded_delivered.txt", render_text.render_events(t.events))


def test_columns_show_layout_and_diff() -> None:
    w = make_world()
    udp_listen(w, "h2", 7000)
    t = start(w, "udp")
    udp_send(w, "h1", "10.2.0.2", 7000, b"x")
    t.detach()
    text = render_text.render_events(t.events, ("skb", "diff"))
    rcv = next(line for line in text.splitlines() if " ip_rcv " in line and " r " in line)
    assert "head=0" in rcv and "users=1" in rcv
    fwd = next(line for line in text.splitlines() if " ip_forward_finish " in line)
    assert "ttl 64→63" in fwd
    check_golden("forwarded_columns.txt", text)


def test_fragmented_and_reassembled() -> None:
    w = make_world("ip -n r link set r2 mtu 1000\n")
    rx = udp_listen(w, "h2", 7000)
    t = start(w, "ip and host 10.2.0.2")
    udp_send(w, "h1", "10.2.0.2", 7000, b"y" * 1400, IP_MTU_DISCOVER=0)  # IP_PMTUDISC_DONT
    t.detach()
    with w.kernel:
        assert rx.recvfrom(5000)[0] == b"y" * 1400
    funcs = _funcs(t)
    assert "ip_do_fragment" in funcs and "ip_defrag" in funcs
    # the fragments and the rebuilt datagram stay one packet (lineage)
    assert len(t.lineages()) == 1
    assert len({ev.skb_id for ev in t.events}) >= 3
    check_golden("fragmented_reassembled.txt", render_text.render_events(t.events))


def test_drop_no_socket() -> None:
    w = make_world()
    t = start(w, "udp")
    udp_send(w, "h1", "10.2.0.2", 9, b"z")
    t.detach()
    reason, where, why = _drop(t)
    assert (reason, where) == ("NO_SOCKET", "udp_rcv")
    assert why == "no UDP socket on port 9 in h2: ICMP port unreachable sent"
    check_golden("drop_no_socket.txt", render_text.render_events(t.events))


def test_drop_forwarding_off() -> None:
    w = make_world("ip netns exec r sysctl -w net.ipv4.ip_forward=0\n")
    t = start(w, "udp")
    udp_send(w, "h1", "10.2.0.2", 7000, b"z")
    t.detach()
    reason, where, why = _drop(t)
    assert (reason, where) == ("IP_INADDRERRORS", "ip_error")
    assert why.startswith("ip_forward is 0 on r")
    check_golden("drop_forwarding_off.txt", render_text.render_events(t.events))


def test_drop_ttl_expired() -> None:
    w = make_world()
    t = start(w, "udp")
    udp_send(w, "h1", "10.2.0.2", 7000, b"z", IP_TTL=1)
    t.detach()
    reason, where, why = _drop(t)
    assert (reason, where) == ("IP_INHDR", "ip_forward")
    assert why.startswith("TTL expired at r")
    check_golden("drop_ttl.txt", render_text.render_events(t.events))


def test_drop_no_route() -> None:
    w = make_world()
    t = start(w, "dst host 10.9.9.9")
    udp_send(w, "h1", "10.9.9.9", 7000, b"z")
    t.detach()
    reason, where, why = _drop(t)
    assert (reason, where) == ("IP_INNOROUTES", "ip_error")
    assert why.startswith("no route to 10.9.9.9 in table main on r")
    check_golden("drop_no_route.txt", render_text.render_events(t.events))


def test_drop_rp_filter() -> None:
    w = make_world("ip -n h1 addr add 10.2.0.99/32 dev v1\n"
                                "ip netns exec r sysctl -w net.ipv4.conf.all.rp_filter=1\n")
    udp_send(w, "h1", "10.2.0.2", 7000, b"resolve 10.1.0.1 first")  # r drops ARP from .99
    t = start(w, "udp")
    with w.kernel:
        tx = bsd.net_socket(w.netns("h1"), pysocket.AF_INET, pysocket.SOCK_DGRAM)
        tx.bind(("10.2.0.99", 0))
        tx.sendto(b"z", ("10.2.0.2", 7000))
        w.kernel.run_for(2_000_000_000)
    t.detach()
    reason, _, why = _drop(t)
    assert reason == "IP_RPFILTER"
    assert why == "rp_filter=1 on r1: reverse path to 10.2.0.99 leaves through r2"
    check_golden("drop_rp_filter.txt", render_text.render_events(t.events))


def test_drop_neighbour_failed() -> None:
    w = make_world()
    t = start(w, "host 10.1.0.77 and udp")
    udp_send(w, "h1", "10.1.0.77", 7000, b"z")
    t.detach()
    reason, _, why = _drop(t)
    assert reason == "NEIGH_FAILED"
    assert why.startswith("neighbour 10.1.0.77 on v1 (h1) FAILED after 3 probes")
    assert [ev.new for ev in t.nud if ev.key == 0x0A01004D][-1] == 0x20  # NUD_FAILED
    check_golden("drop_neigh_failed.txt", render_text.render_events(t.events))


def test_drop_frag_needed() -> None:
    w = make_world("ip -n r link set r2 mtu 1000\n")
    t = start(w, "udp")
    udp_send(w, "h1", "10.2.0.2", 7000, b"d" * 1400, IP_MTU_DISCOVER=2)  # IP_PMTUDISC_DO
    t.detach()
    reason, where, why = _drop(t)
    assert (reason, where) == ("PKT_TOO_BIG", "ip_forward")
    assert "exceed the MTU 1000 of r2 on r" in why


def test_filter_selects_netns_and_function() -> None:
    w = make_world()
    udp_listen(w, "h2", 7000)
    t = start(w, "netns r and func ip_*")
    udp_send(w, "h1", "10.2.0.2", 7000, b"z")
    t.detach()
    assert t.events and all(ev.netns == "r" and ev.func.startswith("ip_") for ev in t.events)


def test_off_means_untraced() -> None:
    from skbuff.net.ipv4 import ip_input

    w = make_world()
    code = ip_input.ip_rcv.__code__
    t = start(w)
    assert ip_input.ip_rcv.__code__ is not code
    t.detach()
    assert ip_input.ip_rcv.__code__ is code
    udp_send(w, "h1", "10.2.0.2", 7000, b"z")
    assert t.events == []


def test_drop_cpu_backlog() -> None:
    from skbuff.kernel import softirq
    from skbuff.net.core import dev as core_dev
    from skbuff.net.core import skbuff as core_skbuff
    from skbuff.net.ethernet import eth

    w = make_world("sysctl -w net.core.netdev_max_backlog=2\n")
    r1 = w.netns("r").dev_base_head["r1"]
    t = start(w, "dev r1")
    with w.kernel:
        softirq.local_bh_disable(w.kernel)
        for _ in range(4):
            skb = core_skbuff.netdev_alloc_skb(r1, 60)
            core_skbuff.skb_put_data(skb, bytes(r1.dev_addr) + bytes(6) + b"\x08\x00" + bytes(46))
            skb.protocol = eth.eth_type_trans(skb, r1)
            core_dev.netif_rx(skb)
        softirq.local_bh_enable(w.kernel)
    t.detach()
    # qlen 0, 1 and 2 are allowed (qlen <= max_backlog); the three queued zero-filled
    # frames die in ip_rcv_core
    drops = t.drops()
    assert [ev.reason for ev in drops] == ["CPU_BACKLOG"] + ["IP_INHDR"] * 3
    assert drops[0].explanation == "netdev_max_backlog (2) exceeded on CPU0"
    assert t.drop_summary() == {("CPU_BACKLOG", "enqueue_to_backlog"): 1,
                                ("IP_INHDR", "_inhdr_error"): 3}


def test_drop_monitor_counts_by_reason_and_function() -> None:
    from skbuff.trace.journey import drop_monitor

    w = make_world()
    mon = drop_monitor(w.kernel)
    mon.attach()
    udp_send(w, "h1", "10.2.0.2", 9, b"z")
    udp_send(w, "h1", "10.2.0.2", 9, b"z")
    udp_send(w, "h1", "10.9.9.9", 9, b"z")
    mon.detach()
    assert mon.summary() == [("NO_SOCKET", "udp_rcv", 2), ("IP_INNOROUTES", "ip_error", 1)]


def test_drop_martian_source() -> None:
    """A frame from 127.0.0.5 arriving on r1 fails the input route (NOT_SPECIFIED in 6.12)."""
    from skbuff.net.core import dev as core_dev
    from skbuff.net.core import skbuff as core_skbuff
    from skbuff.net.ethernet import eth
    from skbuff.uapi.if_ether import ETH_P_IP, build_eth
    from skbuff.uapi.inet import in_aton
    from skbuff.uapi.ip import build_ipv4
    from skbuff.uapi.udp import build_udp

    w = make_world()
    r1 = w.netns("r").dev_base_head["r1"]
    src, dst = in_aton("127.0.0.5"), in_aton("10.2.0.2")
    frame = build_eth(bytes(r1.dev_addr), bytes(6), ETH_P_IP,
                      build_ipv4(src, dst, 17, build_udp(src, dst, 4000, 9, b"x"), ttl=64))
    t = start(w, "src host 127.0.0.5")
    with w.kernel:
        skb = core_skbuff.netdev_alloc_skb(r1, len(frame))
        core_skbuff.skb_put_data(skb, frame)
        skb.protocol = eth.eth_type_trans(skb, r1)
        core_dev.netif_receive_skb(skb)
    t.detach()
    reason, where, why = _drop(t)
    assert (reason, where) == ("NOT_SPECIFIED", "ip_rcv_finish_core")
    assert why == ("martian source 127.0.0.5 on r1: 127.0.0.0/8 with "
                   "net.ipv4.conf.r1.route_localnet=0")
    check_golden("drop_martian.txt", render_text.render_events(t.events))
