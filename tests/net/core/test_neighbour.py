"""The NUD state machine in simulated time: exact probe sequences, timers, queueing, gc.

Kernel: net/core/neighbour.c (6.12). Devices and address services come from the testbed.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.net.core.test_neighbour_testbed import NeighBed, arp, nb, stat

from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.uapi.if_arp import ARPOP_REPLY, ARPOP_REQUEST
from skbuff.uapi.if_ether import ETH_P_IP
from skbuff.uapi.if_packet import PACKET_HOST
from skbuff.uapi.inet import in_aton

PEER_MAC = "02:00:00:00:00:02"
PEER = bytes.fromhex("020000000002")
BCAST = b"\xff" * 6


@pytest.fixture
def bed(monkeypatch: pytest.MonkeyPatch) -> NeighBed:
    return NeighBed(monkeypatch)


def drops(bed: NeighBed) -> list[Any]:
    seen: list[Any] = []
    bed.k.trace.attach("kfree_skb", lambda skb, loc, reason: seen.append(reason))
    return seen


def send(bed: NeighBed, dev: Any, daddr: str) -> int:
    """ip_finish_output2's hand-off: find/create the entry, neigh_output."""
    skb = bed.ip_skb(dev, "10.0.0.1", daddr)

    def out() -> int:
        n = arp.ip_neigh_gw4(dev, in_aton(daddr))
        assert isinstance(n, nb.neighbour)
        return int(nb.neigh_output(n, skb, False))

    return int(bed.call(out))


def reply(bed: NeighBed, dev: Any, sip: str = "10.0.0.2", pkt_type: int = PACKET_HOST) -> None:
    skb = bed.arp_frame(dev, ARPOP_REPLY, PEER_MAC, sip, "02:00:00:00:00:01", "10.0.0.1",
                        pkt_type=pkt_type)
    bed.rx(dev, skb)


def test_unresolved_address_three_broadcasts_then_failed(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    reasons = drops(bed)
    send(bed, dev, "10.0.0.2")
    n = bed.neigh(dev, "10.0.0.2")
    assert n.nud_state == nb.NUD_INCOMPLETE
    bed.run_ms(5000)
    reqs = bed.frames(dev)
    assert [(f.t_ms, f.op, f.eth_dst, f.tip) for f in reqs] == [
        (0, ARPOP_REQUEST, BCAST, in_aton("10.0.0.2")),
        (1000, ARPOP_REQUEST, BCAST, in_aton("10.0.0.2")),
        (2000, ARPOP_REQUEST, BCAST, in_aton("10.0.0.2")),
    ]
    assert all(f.sip == in_aton("10.0.0.1") and f.tha == bytes(6) for f in reqs)
    assert n.nud_state == nb.NUD_FAILED
    assert bed.now_ms() == 5000
    assert (n.updated - bed.t0) == 3000
    # the queued packet was reported (ICMP host unreachable via ipv4_link_failure) and dropped
    assert len(bed.svc.link_failures) == 1
    assert reasons == [SKB_DROP_REASON.NEIGH_FAILED]
    assert stat(bed.tbl, "res_failed") == 1
    assert n.arp_queue.qlen == 0 and n.arp_queue_len_bytes == 0


def test_reply_resolves_and_flushes_queue(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    send(bed, dev, "10.0.0.2")
    send(bed, dev, "10.0.0.2")
    n = bed.neigh(dev, "10.0.0.2")
    assert n.arp_queue.qlen == 2
    bed.run_ms(300)
    reply(bed, dev)
    assert n.nud_state == nb.NUD_REACHABLE
    assert n.ha == PEER
    ip_frames = [f for f in bed.frames(dev) if f.proto == ETH_P_IP]
    assert len(ip_frames) == 2 and all(f.eth_dst == PEER for f in ip_frames)
    assert n.output is nb.neigh_connected_output
    # connected: later packets go straight out
    send(bed, dev, "10.0.0.2")
    assert len([f for f in bed.frames(dev) if f.proto == ETH_P_IP]) == 3


def test_reachable_goes_stale_after_reachable_time(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    send(bed, dev, "10.0.0.2")
    reply(bed, dev)
    n = bed.neigh(dev, "10.0.0.2")
    rt = n.parms.reachable_time
    assert 15000 <= rt < 45000
    t_confirm = bed.now_ms()
    bed.run_ms(rt - 10)
    assert n.nud_state == nb.NUD_REACHABLE
    bed.run_ms(200)
    assert n.nud_state == nb.NUD_STALE
    # the timer fires at confirmed + reachable_time, finds now <= that, re-arms HZ/100 later
    assert n.updated - bed.t0 == t_confirm + rt + 10
    assert n.output is nb.neigh_resolve_output


def test_stale_delay_probe_failed_sequence(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    send(bed, dev, "10.0.0.2")
    reply(bed, dev)
    n = bed.neigh(dev, "10.0.0.2")
    bed.run_ms(n.parms.reachable_time + 100)
    assert n.nud_state == nb.NUD_STALE
    dev.sent.clear()
    t_use = bed.now_ms()
    send(bed, dev, "10.0.0.2")
    assert n.nud_state == nb.NUD_DELAY
    # the packet goes out now with the cached address
    assert [f.eth_dst for f in bed.frames(dev)] == [PEER]
    dev.sent.clear()
    bed.run_ms(5000)
    assert n.nud_state == nb.NUD_PROBE
    bed.run_ms(4000)
    probes = bed.frames(dev)
    assert [(f.t_ms - t_use, f.op, f.eth_dst) for f in probes] == [
        (5000, ARPOP_REQUEST, PEER),
        (6000, ARPOP_REQUEST, PEER),
        (7000, ARPOP_REQUEST, PEER),
    ]
    assert n.nud_state == nb.NUD_FAILED
    assert n.updated - bed.t0 == t_use + 8000


def test_probe_answered_becomes_reachable(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    send(bed, dev, "10.0.0.2")
    reply(bed, dev)
    n = bed.neigh(dev, "10.0.0.2")
    bed.run_ms(n.parms.reachable_time + 100)
    send(bed, dev, "10.0.0.2")
    bed.run_ms(5500)
    assert n.nud_state == nb.NUD_PROBE
    bed.run_ms(1000)  # past the 2nd unicast probe (locktime since the first reply)
    reply(bed, dev)
    assert n.nud_state == nb.NUD_REACHABLE


def test_delay_confirmed_becomes_reachable(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    send(bed, dev, "10.0.0.2")
    reply(bed, dev)
    n = bed.neigh(dev, "10.0.0.2")
    bed.run_ms(n.parms.reachable_time + 100)
    send(bed, dev, "10.0.0.2")
    assert n.nud_state == nb.NUD_DELAY
    bed.run_ms(2000)
    bed.call(nb.neigh_confirm, n)
    bed.run_ms(3100)
    assert n.nud_state == nb.NUD_REACHABLE
    assert not [f for f in bed.frames(dev) if f.op == ARPOP_REQUEST and f.eth_dst == PEER]


def test_permanent_never_changes(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")

    def add() -> int:
        n = nb.neigh_create(bed.tbl, in_aton("10.0.0.2"), dev)
        assert isinstance(n, nb.neighbour)
        err = nb.neigh_update(n, PEER, nb.NUD_PERMANENT, nb.NEIGH_UPDATE_F_ADMIN, 0)
        nb.neigh_release(n)
        return err

    assert bed.call(add) == 0
    n = bed.neigh(dev, "10.0.0.2")
    assert n.nud_state == nb.NUD_PERMANENT
    other = bed.arp_frame(dev, ARPOP_REPLY, "02:00:00:00:00:99", "10.0.0.2",
                          "02:00:00:00:00:01", "10.0.0.1")
    bed.rx(dev, other)
    bed.run_ms(120_000)
    assert n.nud_state == nb.NUD_PERMANENT and n.ha == PEER
    assert bed.call(nb.neigh_update, n, None, nb.NUD_FAILED, 0, 0) == -1  # -EPERM
    assert n not in bed.tbl.gc_list


def test_unres_qlen_bytes_drops_oldest(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    reasons = drops(bed)
    first = bed.ip_skb(dev, "10.0.0.1", "10.0.0.2")
    truesize = first.truesize
    dev.ip_ptr.arp_parms.queue_len_bytes = 3 * truesize
    skbs = [first] + [bed.ip_skb(dev, "10.0.0.1", "10.0.0.2") for _ in range(4)]

    def out(skb: Any) -> int:
        n = arp.ip_neigh_gw4(dev, in_aton("10.0.0.2"))
        return int(nb.neigh_output(n, skb, False))

    ids = [s.id for s in skbs]
    for s in skbs:
        bed.call(out, s)
    n = bed.neigh(dev, "10.0.0.2")
    assert [s.id for s in n.arp_queue.q] == ids[2:]
    assert n.arp_queue_len_bytes == 3 * truesize
    assert reasons == [SKB_DROP_REASON.NEIGH_QUEUEFULL] * 2
    assert stat(bed.tbl, "unres_discards") == 2


def test_no_probes_configured_fails_at_once(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    dev.ip_ptr.arp_parms.mcast_probes = 0
    reasons = drops(bed)
    assert send(bed, dev, "10.0.0.2") == 0
    n = bed.neigh(dev, "10.0.0.2")
    assert n.nud_state == nb.NUD_FAILED
    assert reasons == [SKB_DROP_REASON.NEIGH_FAILED]
    assert dev.sent == []


def test_failed_entry_restarts_resolution(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    send(bed, dev, "10.0.0.2")
    bed.run_ms(4000)
    n = bed.neigh(dev, "10.0.0.2")
    assert n.nud_state == nb.NUD_FAILED
    dev.sent.clear()
    send(bed, dev, "10.0.0.2")
    assert n.nud_state == nb.NUD_INCOMPLETE
    assert [f.op for f in bed.frames(dev)] == [ARPOP_REQUEST]


def test_notifications_and_tracepoints(bed: NeighBed) -> None:
    from skbuff.kernel import notifier

    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    events: list[tuple[int, int]] = []
    traced: list[str] = []
    with bed.k:
        nb.netevent.register_netevent_notifier(
            notifier.notifier_block(lambda _b, ev, n: events.append((ev, n.nud_state)) or 0)
        )
    for name in ("neigh_create", "neigh_update", "neigh_update_done", "neigh_timer_handler",
                 "neigh_event_send_done"):
        bed.k.trace.attach(name, lambda *a, name=name: traced.append(name))
    send(bed, dev, "10.0.0.2")
    reply(bed, dev)
    assert events == [(nb.netevent.NETEVENT_NEIGH_UPDATE, nb.NUD_REACHABLE)]
    assert traced[0] == "neigh_create"
    assert "neigh_event_send_done" in traced and traced[-1] == "neigh_update_done"


def test_carrier_down_and_ifdown_flush(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    send(bed, dev, "10.0.0.2")
    reply(bed, dev)

    def perm() -> None:
        n = nb.neigh_create(bed.tbl, in_aton("10.0.0.3"), dev)
        nb.neigh_update(n, PEER, nb.NUD_PERMANENT, nb.NEIGH_UPDATE_F_ADMIN, 0)
        nb.neigh_release(n)

    bed.call(perm)
    n = bed.neigh(dev, "10.0.0.2")
    bed.call(nb.neigh_carrier_down, bed.tbl, dev)
    assert bed.neigh(dev, "10.0.0.2") is None and n.dead
    assert bed.neigh(dev, "10.0.0.3") is not None
    bed.call(nb.neigh_ifdown, bed.tbl, dev)
    assert bed.tbl.hash_buckets == {}
    assert bed.tbl.entries == 0
    assert stat(bed.tbl, "destroys") == stat(bed.tbl, "allocs") == 2


def test_proc_net_stat_arp_cache(bed: NeighBed) -> None:
    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    send(bed, dev, "10.0.0.2")
    text = nb.neigh_stat_seq_show(bed.tbl)
    head, row = text.splitlines()
    assert head.split() == [
        "entries", "allocs", "destroys", "hash_grows", "lookups", "hits", "res_failed",
        "rcv_probes_mcast", "rcv_probes_ucast", "periodic_gc_runs", "forced_gc_runs",
        "unresolved_discards", "table_fulls",
    ]
    vals = [int(x, 16) for x in row.split()]
    assert vals[0] == 1 and vals[1] == 1
    assert all(len(x) == 8 for x in row.split())


def ip_s_neigh(bed: NeighBed, n: Any) -> str:
    """`ip -s neigh show` for one entry, as iproute2 prints it from neigh_fill_info."""
    from skbuff.uapi.neighbour import NDA_CACHEINFO, NDA_LLADDR, NDA_PROBES
    from skbuff.uapi.rtnetlink import RTM_NEWNEIGH

    m = nb.neigh_fill_info(n, 0, 0, RTM_NEWNEIGH, 0)
    ci = m.attrs[NDA_CACHEINFO]
    names = {nb.NUD_INCOMPLETE: "INCOMPLETE", nb.NUD_REACHABLE: "REACHABLE",
             nb.NUD_STALE: "STALE", nb.NUD_DELAY: "DELAY", nb.NUD_PROBE: "PROBE",
             nb.NUD_FAILED: "FAILED", nb.NUD_PERMANENT: "PERMANENT"}
    out = f"10.9.0.99 dev {n.dev.name} "
    if NDA_LLADDR in m.attrs:
        out += "lladdr " + ":".join(f"{b:02x}" for b in m.attrs[NDA_LLADDR]) + " "
    if ci.ndm_refcnt:
        out += f" ref {ci.ndm_refcnt}"
    out += f" used {ci.ndm_used // 100}/{ci.ndm_confirmed // 100}/{ci.ndm_updated // 100}"
    return out + f"probes {m.attrs[NDA_PROBES]} {names[m.hdr.state]} "


def test_golden_unresolved_sequence_matches_linux(bed: NeighBed) -> None:
    """Recorded on Linux 6.18 (veth in a private namespace, `echo x > /dev/udp/...`, then
    `ip -s neigh show` every 0.9 s). The first two lines differ only in when they were read."""
    golden = [
        "10.9.0.99 dev va  ref 1 used 0/60/0probes 4 INCOMPLETE ",
        "10.9.0.99 dev va  ref 1 used 0/60/0probes 4 INCOMPLETE ",
        "10.9.0.99 dev va  ref 1 used 1/61/1probes 5 INCOMPLETE ",
        "10.9.0.99 dev va  ref 1 used 2/62/2probes 6 INCOMPLETE ",
        "10.9.0.99 dev va  used 3/63/0probes 6 FAILED ",
    ]
    dev = bed.add_dev("va", "02:00:00:00:00:01", "10.9.0.1")
    send(bed, dev, "10.9.0.99")
    n = bed.neigh(dev, "10.9.0.99")
    got = [ip_s_neigh(bed, n)]
    for _ in range(4):
        bed.run_ms(900)
        got.append(ip_s_neigh(bed, n))
    assert got == golden


def test_hh_cache_with_eth_header_ops(bed: NeighBed) -> None:
    from skbuff.net.ethernet import eth

    dev = bed.add_dev("eth0", "02:00:00:00:00:01", "10.0.0.1")
    dev.header_ops = eth.eth_header_ops
    send(bed, dev, "10.0.0.2")
    reply(bed, dev)
    n = bed.neigh(dev, "10.0.0.2")
    assert n.ops.connected_output is nb.neigh_resolve_output  # arp_hh_ops
    assert n.hh.hh_len == 14 and n.hh.hh_data[:6] == PEER
    send(bed, dev, "10.0.0.2")  # REACHABLE + cached header: neigh_hh_output
    bed.run_ms(1500)
    new = "02:00:00:00:00:0e"
    bed.rx(dev, bed.arp_frame(dev, ARPOP_REPLY, new, "10.0.0.2", "02:00:00:00:00:01",
                              "10.0.0.1", pkt_type=PACKET_HOST))
    assert n.hh.hh_data[:6] == bytes.fromhex("02000000000e")
    send(bed, dev, "10.0.0.2")
    ip = [f for f in bed.frames(dev) if f.proto == ETH_P_IP]
    assert [f.eth_dst for f in ip] == [PEER, PEER, bytes.fromhex("02000000000e")]
    assert all(f.eth_src == bytes.fromhex("020000000001") for f in ip)
