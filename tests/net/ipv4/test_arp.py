"""ARP receive/reply/learn rules, sysctl behaviours, proxy ARP, /proc/net/arp, rtnetlink.

Kernel: net/ipv4/arp.c arp_process and friends (6.12), net/core/neighbour.c neigh_add/delete.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.net.core.test_neighbour_testbed import Dev, NeighBed, arp, ifa, nb

from skbuff.net.core import rtnetlink
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.uapi import snmp
from skbuff.uapi.if_arp import ARPOP_REPLY, ARPOP_REQUEST
from skbuff.uapi.if_link import IFF_NOARP
from skbuff.uapi.if_packet import PACKET_BROADCAST, PACKET_HOST, PACKET_OTHERHOST
from skbuff.uapi.inet import in_aton
from skbuff.uapi.neighbour import NDA_CACHEINFO, NDA_DST, NDA_LLADDR, NTF_PROXY, ndmsg
from skbuff.uapi.rtnetlink import (
    AF_INET,
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_EXCL,
    NLM_F_REPLACE,
    NLM_F_REQUEST,
    RTM_DELNEIGH,
    RTM_GETNEIGH,
    RTM_NEWNEIGH,
    RTNLGRP_NEIGH,
    nlmsg,
)

US = "02:00:00:00:00:01"
PEER_MAC = "02:00:00:00:00:02"
PEER = bytes.fromhex("020000000002")
ZERO = "00:00:00:00:00:00"


@pytest.fixture
def bed(monkeypatch: pytest.MonkeyPatch) -> NeighBed:
    return NeighBed(monkeypatch)


def two_devs(bed: NeighBed, **cnf: int) -> tuple[Dev, Dev]:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1", **cnf)
    eth1 = bed.add_dev("eth1", "02:00:00:00:01:01", "10.1.0.1", **cnf)
    return eth0, eth1


def request(bed: NeighBed, dev: Dev, sip: str, tip: str, sha: str = PEER_MAC,
            pkt_type: int = PACKET_BROADCAST) -> None:
    bed.rx(dev, bed.arp_frame(dev, ARPOP_REQUEST, sha, sip, ZERO, tip, pkt_type=pkt_type))


def replies(bed: NeighBed, dev: Dev) -> list[Any]:
    return [f for f in bed.frames(dev) if f.op == ARPOP_REPLY]


def test_request_for_us_replies_and_learns_stale(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    request(bed, eth0, "10.0.0.2", "10.0.0.1")
    (r,) = replies(bed, eth0)
    assert (r.eth_dst, r.sha, r.sip, r.tha, r.tip) == (
        PEER, bytes.fromhex("020000000001"), in_aton("10.0.0.1"), PEER, in_aton("10.0.0.2"))
    n = bed.neigh(eth0, "10.0.0.2")
    assert n.nud_state == nb.NUD_STALE and n.ha == PEER


@pytest.mark.parametrize(
    ("mode", "sip", "tip", "answered"),
    [
        (0, "10.0.0.2", "10.1.0.1", True),    # any local address
        (1, "10.0.0.2", "10.1.0.1", False),   # only the in-interface's
        (1, "10.0.0.2", "10.0.0.1", True),
        (2, "10.0.0.2", "10.0.0.1", True),    # ... and sip in its subnet
        (2, "10.9.0.2", "10.0.0.1", False),
        (4, "10.0.0.2", "10.1.0.1", True),    # reserved: reply
        (8, "10.0.0.2", "10.0.0.1", False),   # never
    ],
)
def test_arp_ignore(bed: NeighBed, mode: int, sip: str, tip: str, answered: bool) -> None:
    eth0, _ = two_devs(bed, arp_ignore=mode)
    if sip.startswith("10.9."):
        eth0.ip_ptr.ifa_list.append(ifa(in_aton("10.9.0.1"), 24))
        eth0.ip_ptr.ifa_list.reverse()
        eth0.ip_ptr.ifa_list[0] = ifa(in_aton("10.9.0.250"), 32)
    request(bed, eth0, sip, tip)
    assert bool(replies(bed, eth0)) is answered


def test_arp_ignore_3_skips_host_scope(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1", arp_ignore=3)
    eth0.ip_ptr.ifa_list.append(ifa(in_aton("10.0.0.9"), 32, scope=254))
    request(bed, eth0, "10.0.0.2", "10.0.0.9")
    assert replies(bed, eth0) == []
    request(bed, eth0, "10.0.0.2", "10.0.0.1")
    assert len(replies(bed, eth0)) == 1


@pytest.mark.parametrize(("announce", "src"), [(0, "10.1.0.1"), (1, "10.0.0.1"),
                                               (2, "10.0.0.1")])
def test_arp_announce_source(bed: NeighBed, announce: int, src: str) -> None:
    eth0, _ = two_devs(bed, arp_announce=announce)
    skb = bed.ip_skb(eth0, "10.1.0.1", "10.0.0.2")
    bed.call(lambda: nb.neigh_output(arp.ip_neigh_gw4(eth0, in_aton("10.0.0.2")), skb, False))
    (req,) = bed.frames(eth0)
    assert req.sip == in_aton(src)


def test_arp_filter_drops_when_route_back_leaves_elsewhere(bed: NeighBed) -> None:
    eth0, _ = two_devs(bed, arp_filter=1)
    request(bed, eth0, "10.1.0.9", "10.0.0.1")
    assert replies(bed, eth0) == []
    assert bed.k.init_net.mib.net_statistics[snmp.LINUX_MIB_ARPFILTER] == 1
    request(bed, eth0, "10.0.0.9", "10.0.0.1")
    assert len(replies(bed, eth0)) == 1


@pytest.mark.parametrize(("accept", "learned"), [(0, False), (1, True)])
def test_garp_for_unknown_address(bed: NeighBed, accept: int, learned: bool) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1", arp_accept=accept)
    request(bed, eth0, "10.0.0.7", "10.0.0.7")
    n = bed.neigh(eth0, "10.0.0.7")
    assert (n is not None) is learned
    if learned:
        assert n.nud_state == nb.NUD_STALE
    assert replies(bed, eth0) == []


def test_arp_accept_2_needs_subnet(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1", arp_accept=2)
    request(bed, eth0, "10.5.0.7", "10.5.0.7")
    assert bed.neigh(eth0, "10.5.0.7") is None
    request(bed, eth0, "10.0.0.7", "10.0.0.7")
    assert bed.neigh(eth0, "10.0.0.7").nud_state == nb.NUD_STALE


def test_garp_updates_existing_entry_even_without_accept(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    request(bed, eth0, "10.0.0.2", "10.0.0.1")
    bed.run_ms(100)
    request(bed, eth0, "10.0.0.2", "10.0.0.2", sha="02:00:00:00:00:77")
    assert bed.neigh(eth0, "10.0.0.2").ha == bytes.fromhex("020000000077")


def test_first_of_quick_replies_wins_locktime(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    skb = bed.ip_skb(eth0, "10.0.0.1", "10.0.0.2")
    bed.call(lambda: nb.neigh_output(arp.ip_neigh_gw4(eth0, in_aton("10.0.0.2")), skb, False))
    for mac in ("02:00:00:00:00:0a", "02:00:00:00:00:0b"):
        bed.rx(eth0, bed.arp_frame(eth0, ARPOP_REPLY, mac, "10.0.0.2", US, "10.0.0.1",
                                   pkt_type=PACKET_HOST))
        bed.run_ms(300)
    n = bed.neigh(eth0, "10.0.0.2")
    assert n.ha == bytes.fromhex("02000000000a") and n.nud_state == nb.NUD_REACHABLE
    bed.run_ms(1000)
    bed.rx(eth0, bed.arp_frame(eth0, ARPOP_REPLY, "02:00:00:00:00:0c", "10.0.0.2", US,
                               "10.0.0.1", pkt_type=PACKET_HOST))
    assert n.ha == bytes.fromhex("02000000000c")


def test_broadcast_reply_gives_stale_not_reachable(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    skb = bed.ip_skb(eth0, "10.0.0.1", "10.0.0.2")
    bed.call(lambda: nb.neigh_output(arp.ip_neigh_gw4(eth0, in_aton("10.0.0.2")), skb, False))
    bed.rx(eth0, bed.arp_frame(eth0, ARPOP_REPLY, PEER_MAC, "10.0.0.2", US, "10.0.0.1",
                               pkt_type=PACKET_BROADCAST))
    # STALE, and at once DELAY: flushing the queued packet through neigh_resolve_output
    # is a use of a STALE entry
    assert bed.neigh(eth0, "10.0.0.2").nud_state == nb.NUD_DELAY
    assert [f.eth_dst for f in bed.frames(eth0)][1:] == [PEER]


def test_rcv_ignores_noarp_otherhost_and_bad_lengths(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    reasons: list[Any] = []
    bed.k.trace.attach("kfree_skb", lambda skb, loc, reason: reasons.append(reason))
    request(bed, eth0, "10.0.0.2", "10.0.0.1", pkt_type=PACKET_OTHERHOST)
    eth0.flags |= IFF_NOARP
    request(bed, eth0, "10.0.0.2", "10.0.0.1")
    eth0.flags &= ~IFF_NOARP
    assert bed.frames(eth0) == [] and reasons == []
    short = bed.arp_frame(eth0, ARPOP_REQUEST, PEER_MAC, "10.0.0.2", ZERO, "10.0.0.1")
    short.len = 20
    assert bed.rx(eth0, short) == arp.NET_RX_DROP
    bad = bed.arp_frame(eth0, ARPOP_REQUEST, PEER_MAC, "10.0.0.2", ZERO, "10.0.0.1")
    bad.buf[bad.data + 4] = 8
    assert bed.rx(eth0, bad) == arp.NET_RX_DROP
    assert reasons == [SKB_DROP_REASON.PKT_TOO_SMALL, SKB_DROP_REASON.NOT_SPECIFIED]


def test_multicast_and_loopback_targets_dropped(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    request(bed, eth0, "10.0.0.2", "224.0.0.1")
    request(bed, eth0, "10.0.0.2", "127.0.0.1")
    assert bed.frames(eth0) == [] and bed.neigh(eth0, "10.0.0.2") is None


def test_drop_gratuitous_arp(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1", arp_accept=1, drop_gratuitous_arp=1)
    request(bed, eth0, "10.0.0.7", "10.0.0.7")
    assert bed.neigh(eth0, "10.0.0.7") is None


def test_duplicate_address_detection_probe(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    request(bed, eth0, "0.0.0.0", "10.0.0.1")
    (r,) = replies(bed, eth0)
    assert (r.eth_dst, r.tip, r.sip) == (PEER, 0, in_aton("10.0.0.1"))
    assert bed.tbl.hash_buckets == {}


def test_proxy_arp_delayed_for_broadcast_immediate_for_unicast(bed: NeighBed) -> None:
    eth0, _ = two_devs(bed, forwarding=1, proxy_arp=1)
    request(bed, eth0, "10.0.0.2", "10.1.0.5", pkt_type=PACKET_HOST)
    (r,) = replies(bed, eth0)
    assert r.sip == in_aton("10.1.0.5") and r.t_ms == 0
    eth0.sent.clear()
    request(bed, eth0, "10.0.0.2", "10.1.0.6")
    assert replies(bed, eth0) == []
    bed.run_ms(800)
    (r,) = replies(bed, eth0)
    assert r.sip == in_aton("10.1.0.6") and 0 <= r.t_ms < 800
    # a request for a host on the same segment is not proxied
    eth0.sent.clear()
    request(bed, eth0, "10.0.0.2", "10.0.0.77", pkt_type=PACKET_HOST)
    assert replies(bed, eth0) == []


def test_proxy_arp_medium_id(bed: NeighBed) -> None:
    eth0, eth1 = two_devs(bed, forwarding=1, proxy_arp=1, medium_id=1)
    request(bed, eth0, "10.0.0.2", "10.1.0.5", pkt_type=PACKET_HOST)
    assert replies(bed, eth0) == []
    eth1.ip_ptr.cnf["medium_id"] = 2
    request(bed, eth0, "10.0.0.2", "10.1.0.5", pkt_type=PACKET_HOST)
    assert len(replies(bed, eth0)) == 1


def test_pneigh_entry_answers_without_proxy_arp(bed: NeighBed) -> None:
    eth0, _ = two_devs(bed, forwarding=1)
    request(bed, eth0, "10.0.0.2", "10.1.0.5", pkt_type=PACKET_HOST)
    assert replies(bed, eth0) == []
    bed.call(nb.pneigh_lookup, bed.tbl, bed.k.init_net, in_aton("10.1.0.5"), eth0, True)
    request(bed, eth0, "10.0.0.2", "10.1.0.5", pkt_type=PACKET_HOST)
    assert len(replies(bed, eth0)) == 1
    assert bed.call(nb.pneigh_delete, bed.tbl, bed.k.init_net, in_aton("10.1.0.5"), eth0) == 0
    assert bed.call(nb.pneigh_delete, bed.tbl, bed.k.init_net, in_aton("10.1.0.5"), eth0) == -2


def test_proc_net_arp_format(bed: NeighBed) -> None:
    eth0, eth1 = two_devs(bed)
    request(bed, eth0, "10.0.0.2", "10.0.0.1")                       # STALE
    skb = bed.ip_skb(eth1, "10.1.0.1", "10.1.0.9")                   # INCOMPLETE
    bed.call(lambda: nb.neigh_output(arp.ip_neigh_gw4(eth1, in_aton("10.1.0.9")), skb, False))

    def perm() -> None:
        n = nb.neigh_create(bed.tbl, in_aton("10.0.0.3"), eth0)
        nb.neigh_update(n, bytes.fromhex("0200000000AB"), nb.NUD_PERMANENT,
                        nb.NEIGH_UPDATE_F_ADMIN, 0)
        nb.neigh_release(n)
        nb.pneigh_lookup(bed.tbl, bed.k.init_net, in_aton("10.0.0.50"), None, True)
        # a NONE entry is hidden
        nb.neigh_release(nb.neigh_create(bed.tbl, in_aton("10.0.0.4"), eth0))

    bed.call(perm)
    assert arp.arp_seq_show(bed.k.init_net) == (
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "10.0.0.2         0x1         0x2         02:00:00:00:00:02     *        eth0\n"
        "10.1.0.9         0x1         0x0         00:00:00:00:00:00     *        eth1\n"
        "10.0.0.3         0x1         0x6         02:00:00:00:00:ab     *        eth0\n"
        "10.0.0.50        0x0         0xc         00:00:00:00:00:00     *        *\n"
    )


def test_carrier_loss_event_respects_arp_evict_nocarrier(bed: NeighBed) -> None:
    eth0, eth1 = two_devs(bed)
    eth1.ip_ptr.cnf["arp_evict_nocarrier"] = 0
    request(bed, eth0, "10.0.0.2", "10.0.0.1")
    request(bed, eth1, "10.1.0.2", "10.1.0.1")
    for dev in (eth0, eth1):
        dev.carrier = False
        info = type("info", (), {"dev": dev, "flags_changed": 0})()
        bed.call(arp.arp_netdev_event, None, arp.netdev.NETDEV_CHANGE, info)
    assert bed.neigh(eth0, "10.0.0.2") is None
    assert bed.neigh(eth1, "10.1.0.2") is not None


def test_changeaddr_flushes_and_flushes_route_cache(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    request(bed, eth0, "10.0.0.2", "10.0.0.1")
    info = type("info", (), {"dev": eth0})()
    bed.call(arp.arp_netdev_event, None, arp.netdev.NETDEV_CHANGEADDR, info)
    assert bed.neigh(eth0, "10.0.0.2") is None and bed.flushes == 1


# --- rtnetlink ------------------------------------------------------------------------------


def rtnl(bed: NeighBed, type_: int, flags: int, dev: Dev | None, dst: str | None,
         state: int = 0, lladdr: bytes | None = None, ndm_flags: int = 0) -> tuple[int, Any]:
    attrs: dict[int, Any] = {}
    if dst is not None:
        attrs[NDA_DST] = in_aton(dst)
    if lladdr is not None:
        attrs[NDA_LLADDR] = lladdr
    msg = nlmsg(type=type_, flags=NLM_F_REQUEST | flags,
                hdr=ndmsg(family=AF_INET, ifindex=dev.ifindex if dev else 0, state=state,
                          flags=ndm_flags), attrs=attrs)
    extack = rtnetlink.netlink_ext_ack()
    handler = {RTM_NEWNEIGH: nb.neigh_add, RTM_DELNEIGH: nb.neigh_delete,
               RTM_GETNEIGH: nb.neigh_get}[type_]
    err = bed.call(handler, bed.k.init_net, msg, extack)
    return err, extack


def test_rtnl_add_replace_delete(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    add = NLM_F_CREATE | NLM_F_EXCL
    assert rtnl(bed, RTM_NEWNEIGH, add, eth0, "10.0.0.5", nb.NUD_PERMANENT, PEER)[0] == 0
    n = bed.neigh(eth0, "10.0.0.5")
    assert n.nud_state == nb.NUD_PERMANENT and n not in bed.tbl.gc_list
    assert rtnl(bed, RTM_NEWNEIGH, add, eth0, "10.0.0.5", nb.NUD_PERMANENT, PEER)[0] == -17
    err, ext = rtnl(bed, RTM_NEWNEIGH, add, eth0, None, nb.NUD_PERMANENT, PEER)
    assert (err, ext.msg) == (-22, "Network address not specified")
    mac2 = bytes.fromhex("020000000099")
    assert rtnl(bed, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, eth0, "10.0.0.5",
                nb.NUD_REACHABLE, mac2)[0] == 0
    assert n.nud_state == nb.NUD_REACHABLE and n.ha == mac2 and n in bed.tbl.gc_list
    # change without REPLACE does not override a different address
    assert rtnl(bed, RTM_NEWNEIGH, 0, eth0, "10.0.0.5", nb.NUD_STALE, PEER)[0] == 0
    assert n.ha == mac2
    assert rtnl(bed, RTM_NEWNEIGH, 0, eth0, "10.0.0.6", nb.NUD_STALE, PEER)[0] == -2
    err, ext = rtnl(bed, RTM_NEWNEIGH, NLM_F_CREATE, None, "10.0.0.6", nb.NUD_STALE, PEER)
    assert (err, ext.msg) == (-22, "Device not specified")
    err, ext = rtnl(bed, RTM_GETNEIGH, 0, eth0, "10.0.0.5")
    (reply,) = ext.replies
    assert reply.attrs[NDA_LLADDR] == mac2 and reply.hdr.state == nb.NUD_REACHABLE
    # refcnt - 1: the REACHABLE timer's reference and neigh_get's own hold
    assert reply.attrs[NDA_CACHEINFO].ndm_refcnt == 2
    assert rtnl(bed, RTM_DELNEIGH, 0, eth0, "10.0.0.5")[0] == 0
    assert bed.neigh(eth0, "10.0.0.5") is None and n.dead
    assert rtnl(bed, RTM_DELNEIGH, 0, eth0, "10.0.0.5")[0] == -2
    err, ext = rtnl(bed, RTM_GETNEIGH, 0, eth0, "10.0.0.5")
    assert (err, ext.msg) == (-2, "Neighbour entry not found")


def test_rtnl_dump_lladdr_only_when_valid_and_proxy(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    skb = bed.ip_skb(eth0, "10.0.0.1", "10.0.0.9")
    bed.call(lambda: nb.neigh_output(arp.ip_neigh_gw4(eth0, in_aton("10.0.0.9")), skb, False))
    request(bed, eth0, "10.0.0.2", "10.0.0.1")
    assert rtnl(bed, RTM_NEWNEIGH, NLM_F_CREATE, eth0, "10.0.0.60", ndm_flags=NTF_PROXY)[0] == 0
    dump = nb.neigh_dump_info(bed.k.init_net, nlmsg(type=RTM_GETNEIGH, flags=NLM_F_DUMP,
                                                     hdr=ndmsg(family=AF_INET)))
    got = {m.attrs[NDA_DST]: (m.hdr.state, m.attrs.get(NDA_LLADDR)) for m in dump}
    assert got == {in_aton("10.0.0.9"): (nb.NUD_INCOMPLETE, None),
                   in_aton("10.0.0.2"): (nb.NUD_STALE, PEER)}
    proxies = nb.neigh_dump_info(bed.k.init_net, nlmsg(
        type=RTM_GETNEIGH, flags=NLM_F_DUMP, hdr=ndmsg(family=AF_INET, flags=NTF_PROXY)))
    assert [(m.attrs[NDA_DST], m.hdr.flags) for m in proxies] == [(in_aton("10.0.0.60"),
                                                                    NTF_PROXY)]


def test_rtnl_use_triggers_resolution(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    from skbuff.uapi.neighbour import NTF_USE

    assert rtnl(bed, RTM_NEWNEIGH, NLM_F_CREATE, eth0, "10.0.0.8", nb.NUD_NONE,
                ndm_flags=NTF_USE)[0] == 0
    assert bed.neigh(eth0, "10.0.0.8").nud_state == nb.NUD_INCOMPLETE
    assert [f.op for f in bed.frames(eth0)] == [ARPOP_REQUEST]


def test_ip_monitor_neigh_notifications(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    seen: list[tuple[int, int]] = []
    net = bed.k.init_net
    if not hasattr(net, "rtnl"):
        net.rtnl = rtnetlink.rtnl_net()
    rtnetlink.rtnl_listen(net, RTNLGRP_NEIGH,
                          lambda _net, _grp, m: seen.append((m.type, m.hdr.state)))
    request(bed, eth0, "10.0.0.2", "10.0.0.1")
    assert rtnl(bed, RTM_DELNEIGH, 0, eth0, "10.0.0.2")[0] == 0
    assert seen == [(RTM_NEWNEIGH, nb.NUD_STALE), (RTM_NEWNEIGH, nb.NUD_FAILED),
                    (RTM_DELNEIGH, nb.NUD_FAILED)]


def test_arp_invalidate(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    request(bed, eth0, "10.0.0.2", "10.0.0.1")
    assert bed.call(arp.arp_invalidate, eth0, in_aton("10.0.0.2"), False) == 0
    assert bed.neigh(eth0, "10.0.0.2").nud_state == nb.NUD_STALE
    assert bed.call(arp.arp_invalidate, eth0, in_aton("10.0.0.2"), True) == 0
    assert bed.neigh(eth0, "10.0.0.2") is None
    assert bed.call(arp.arp_invalidate, eth0, in_aton("10.0.0.2"), True) == -6  # -ENXIO


def test_managed_entry_keeps_probing(bed: NeighBed) -> None:
    """`ip neigh add ADDR dev eth0 managed`: resolved without traffic, re-probed by
    neigh_managed_work every interval_probe_time_ms even after it failed."""
    from skbuff.uapi.neighbour import NDA_FLAGS_EXT, NTF_EXT_MANAGED

    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    msg = nlmsg(type=RTM_NEWNEIGH, flags=NLM_F_REQUEST | NLM_F_CREATE,
                hdr=ndmsg(family=AF_INET, ifindex=eth0.ifindex, state=nb.NUD_NONE),
                attrs={NDA_DST: in_aton("10.0.0.8"), NDA_FLAGS_EXT: NTF_EXT_MANAGED})
    assert bed.call(nb.neigh_add, bed.k.init_net, msg, rtnetlink.netlink_ext_ack()) == 0
    n = bed.neigh(eth0, "10.0.0.8")
    assert n.flags & nb.NTF_MANAGED and n in bed.tbl.managed_list
    bed.run_ms(4000)
    assert n.nud_state == nb.NUD_FAILED
    assert len(bed.frames(eth0)) == 3
    bed.run_ms(6000)
    assert len(bed.frames(eth0)) > 3  # the managed work restarted resolution
    bed.rx(eth0, bed.arp_frame(eth0, ARPOP_REPLY, PEER_MAC, "10.0.0.8", US, "10.0.0.1",
                               pkt_type=PACKET_HOST))
    assert n.nud_state == nb.NUD_REACHABLE
    (m,) = [m for m in nb.neigh_dump_info(bed.k.init_net, nlmsg(
        type=RTM_GETNEIGH, flags=NLM_F_DUMP, hdr=ndmsg(family=AF_INET)))]
    assert m.attrs[NDA_FLAGS_EXT] == NTF_EXT_MANAGED


def test_rtnl_get_request_validation(bed: NeighBed) -> None:
    eth0 = bed.add_dev("eth0", US, "10.0.0.1")
    err, ext = rtnl(bed, RTM_GETNEIGH, 0, eth0, "10.0.0.5", state=nb.NUD_REACHABLE)
    assert (err, ext.msg) == (-22, "Invalid values in header for neighbor get request")
    err, ext = rtnl(bed, RTM_GETNEIGH, 0, eth0, "10.0.0.5", ndm_flags=nb.NTF_ROUTER)
    assert (err, ext.msg) == (-22, "Invalid flags in header for neighbor get request")
    err, ext = rtnl(bed, RTM_GETNEIGH, 0, None, "10.0.0.5")
    assert (err, ext.msg) == (-22, "No device specified")
