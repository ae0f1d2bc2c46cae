"""ARP: IPv4 address resolution over the neighbour subsystem.

Kernel: net/ipv4/arp.c, include/net/arp.h.

`arp_tbl` is per machine (`k.arp_tbl`, made by `arp_init`). Receive runs in NET_RX softirq:
`arp_rcv` (the ETH_P_ARP packet_type) owns the skb and consumes or drops it. Solicitations run
from neighbour timers (TIMER_SOFTIRQ) or from the first packet to an unresolved address.
The ARP netfilter table (NF_ARP_IN/OUT) has no hooks in skbuff: both pass straight through.
"""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING, Any

from skbuff.kernel import notifier, procfs
from skbuff.net import flow
from skbuff.net.core import dev as netdev
from skbuff.net.core import dst, net_namespace
from skbuff.net.core import neighbour as nb
from skbuff.net.core import skbuff as skbmod
from skbuff.net.core.dev import LL_RESERVED_SPACE, NET_RX_DROP, NET_RX_SUCCESS
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.ipv4 import devinet, fib_frontend, route
from skbuff.uapi import snmp
from skbuff.uapi.if_arp import (
    ARPHRD_ETHER,
    ARPHRD_IEEE802,
    ARPOP_REPLY,
    ARPOP_REQUEST,
    ATF_COM,
    ATF_PERM,
    ATF_PUBL,
)
from skbuff.uapi.if_ether import ETH_P_ARP, ETH_P_IP
from skbuff.uapi.if_link import IFF_LOOPBACK, IFF_NOARP, IFF_POINTOPOINT
from skbuff.uapi.if_packet import PACKET_HOST, PACKET_LOOPBACK, PACKET_OTHERHOST
from skbuff.uapi.in_ import ipv4_is_loopback, ipv4_is_multicast
from skbuff.uapi.inet import format_mac, ntoa
from skbuff.uapi.rtnetlink import (
    AF_INET,
    RT_SCOPE_HOST,
    RT_SCOPE_LINK,
    RT_SCOPE_UNIVERSE,
    RTN_BROADCAST,
    RTN_LOCAL,
    RTN_MULTICAST,
    RTN_UNICAST,
)

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff


_ARPHDR = struct.Struct("!HHBBH")  # ar_hrd, ar_pro, ar_hln, ar_pln, ar_op
_DADDR = struct.Struct("!I")  # iphdr daddr (offset 16)


def arp_hdr_len(dev: net_device) -> int:
    """ARP header + two hardware + two IPv4 addresses. Kernel: include/linux/if_arp.h."""
    return 8 + 2 * (dev.addr_len + 4)


def arp_mc_map(addr: int, dev: net_device, dir: int) -> bytes | None:
    """The link-layer address a multicast IP maps to. Kernel: net/ipv4/arp.c arp_mc_map."""
    if dev.type == ARPHRD_ETHER or dev.type == ARPHRD_IEEE802:
        return bytes((0x01, 0x00, 0x5E, (addr >> 16) & 0x7F, (addr >> 8) & 0xFF, addr & 0xFF))
    if dir:
        return bytes(dev.broadcast[: dev.addr_len])
    return None


def arp_is_multicast(pkey: int) -> bool:
    """Kernel: net/ipv4/arp.c arp_is_multicast."""
    return ipv4_is_multicast(pkey)


# --- the neighbour ops -----------------------------------------------------------------------


def arp_error_report(neigh: nb.neighbour, skb: sk_buff) -> None:
    """Resolution failed for queued `skb`: report to the route (ICMP host unreachable via
    ipv4_link_failure), then free it. Owns `skb`. Kernel: net/ipv4/arp.c arp_error_report.
    """
    dst = skbmod.skb_dst(skb)
    if dst is not None and dst.ops.link_failure is not None:
        dst.ops.link_failure(skb)
    skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NEIGH_FAILED)


def arp_solicit(neigh: nb.neighbour, skb: sk_buff | None) -> None:
    """Send one ARP request for the entry: unicast to the cached MAC while probes < ucast,
    then app probes (netlink to user space), then broadcast. The source follows arp_announce.

    Kernel: net/ipv4/arp.c arp_solicit.
    """
    dev = neigh.dev
    target = neigh.primary_key
    in_dev = dev.ip_ptr
    if in_dev is None:
        return
    net = dev.nd_net
    saddr = 0
    announce = devinet.IN_DEV_ARP_ANNOUNCE(in_dev)
    if announce == 1:
        if skb is not None:
            saddr = skbmod.ip_hdr(skb).saddr
            if not (
                fib_frontend.inet_addr_type_dev_table(net, dev, saddr) == RTN_LOCAL
                and devinet.inet_addr_onlink(in_dev, target, saddr)
            ):
                saddr = 0
    elif announce != 2 and skb is not None:
        src = skbmod.ip_hdr(skb).saddr
        if fib_frontend.inet_addr_type_dev_table(net, dev, src) == RTN_LOCAL:
            saddr = src
    if not saddr:
        saddr = devinet.inet_select_addr(dev, target, RT_SCOPE_LINK)

    probes = neigh.probes - neigh.parms.ucast_probes
    dst_hw: bytes | None = None
    if probes < 0:
        dst_hw = neigh.ha
    elif probes - neigh.parms.app_probes < 0:
        neigh_app_ns(neigh)
        return
    arp_send(ARPOP_REQUEST, ETH_P_ARP, target, dev, saddr, dst_hw, dev.dev_addr, None)


def neigh_app_ns(n: nb.neighbour) -> None:
    """An app probe: RTM_GETNEIGH multicast to user space (RTNLGRP_NEIGH). Kernel:
    net/core/neighbour.c neigh_app_ns. Counted as a probe; nothing goes on the wire."""
    nb.neigh_notify_app(n)


def arp_constructor(neigh: nb.neighbour) -> int:
    """Protocol setup of a new entry: type, parms, ops and the NOARP cases (no header_ops,
    multicast, NOARP/loopback devices, broadcast and point-to-point). -EINVAL without an
    in_device. Uses the device's `arp_parms` (the table's until devinet allocates them).
    Kernel: net/ipv4/arp.c arp_constructor.
    """
    dev = neigh.dev
    if dev.flags & (IFF_LOOPBACK | IFF_POINTOPOINT):
        neigh.primary_key = 0
    addr = neigh.primary_key
    in_dev = dev.ip_ptr
    if in_dev is None:
        return -errno.EINVAL
    neigh.type = fib_frontend.inet_addr_type_dev_table(dev.nd_net, dev, addr)
    neigh.parms = in_dev.arp_parms or neigh.tbl.parms
    if dev.header_ops is None:
        neigh.nud_state = nb.NUD_NOARP
        neigh.ops = arp_direct_ops
        neigh.output = nb.neigh_direct_output
        return 0
    if neigh.type == RTN_MULTICAST:
        neigh.nud_state = nb.NUD_NOARP
        neigh.ha = arp_mc_map(addr, dev, 1) or neigh.ha
    elif dev.flags & (IFF_NOARP | IFF_LOOPBACK):
        neigh.nud_state = nb.NUD_NOARP
        neigh.ha = bytes(dev.dev_addr[: dev.addr_len])
    elif neigh.type == RTN_BROADCAST or dev.flags & IFF_POINTOPOINT:
        neigh.nud_state = nb.NUD_NOARP
        neigh.ha = bytes(dev.broadcast[: dev.addr_len])
    neigh.ops = arp_hh_ops if dev.header_ops.cache is not None else arp_generic_ops
    neigh.output = (
        neigh.ops.connected_output if neigh.nud_state & nb.NUD_VALID else neigh.ops.output
    )
    return 0


# Kernel: net/ipv4/arp.c arp_generic_ops, arp_hh_ops, arp_direct_ops (immutable, shared).
arp_generic_ops = nb.neigh_ops(
    AF_INET, arp_solicit, arp_error_report, nb.neigh_resolve_output, nb.neigh_connected_output
)
arp_hh_ops = nb.neigh_ops(
    AF_INET, arp_solicit, arp_error_report, nb.neigh_resolve_output, nb.neigh_resolve_output
)
arp_direct_ops = nb.neigh_ops(AF_INET, None, None, nb.neigh_direct_output, nb.neigh_direct_output)


class arp_table(nb.neigh_table):
    """arp_tbl: the neigh_table plus ARP's three ops sets. Kernel: net/ipv4/arp.c arp_tbl."""

    def __init__(self, k: Kernel) -> None:
        super().__init__(
            k, AF_INET, "arp_cache", 4, arp_constructor, None, parp_redo, arp_is_multicast,
            ETH_P_IP,
        )


# --- lookups for the output path (include/net/arp.h, include/net/route.h) -------------------


def __ipv4_neigh_lookup_noref(dev: net_device, key: int) -> nb.neighbour | None:
    """ARP entry for `key` on `dev`; loopback and point-to-point devices share key 0.

    Kernel: include/net/arp.h __ipv4_neigh_lookup_noref (___neigh_lookup_noref on arp_tbl,
    both inline, expanded: it runs once per sent packet).
    """
    if dev.flags & (IFF_LOOPBACK | IFF_POINTOPOINT):
        key = 0
    tbl: nb.neigh_table = dev.nd_net.kernel.arp_tbl
    return tbl.hash_buckets.get((key, dev))


def ip_neigh_gw4(dev: net_device, daddr: int) -> nb.neighbour | int:
    """ARP entry for next hop `daddr`, created if missing (no reference is taken); -ENOBUFS
    when the table is full. Kernel: include/net/route.h ip_neigh_gw4.
    """
    n = __ipv4_neigh_lookup_noref(dev, daddr)
    if n is None:
        return nb.__neigh_create(nb.arp_tbl(dev.nd_net.kernel), daddr, dev, False)
    return n


def ip_neigh_for_gw(rt: Any, skb: sk_buff) -> tuple[nb.neighbour | int, bool]:
    """The next hop's entry for `rt`: its IPv4 gateway, or the packet's destination when the
    route is on-link. Returns (neigh or -errno, is_v6gw).
    Kernel: include/net/route.h ip_neigh_for_gw.
    """
    if rt.rt_gw_family == AF_INET:
        return ip_neigh_gw4(rt.dev, rt.rt_gw4), False
    return ip_neigh_gw4(rt.dev, _DADDR.unpack_from(skb.buf, skb.network_header + 16)[0]), False


def arp_invalidate(dev: net_device, ip: int, force: bool) -> int:
    """Drop the entry for `ip` on `dev` (an address went away): a VALID entry only when
    `force`. 0, or -ENXIO when there is none. Kernel: net/ipv4/arp.c arp_invalidate.
    """
    tbl = nb.arp_tbl(dev.nd_net.kernel)
    neigh = nb.neigh_lookup(tbl, ip, dev)
    err = -errno.ENXIO
    if neigh is not None:
        if neigh.nud_state & nb.NUD_VALID and not force:
            nb.neigh_release(neigh)
            return 0
        if neigh.nud_state & ~nb.NUD_NOARP:
            err = nb.neigh_update(
                neigh, None, nb.NUD_FAILED,
                nb.NEIGH_UPDATE_F_OVERRIDE | nb.NEIGH_UPDATE_F_ADMIN, 0,
            )
        nb.neigh_release(neigh)
        if not neigh.dead:
            nb.neigh_remove_one(neigh)
    return err


# --- building and sending ARP packets -------------------------------------------------------


def arp_create(
    type: int,
    ptype: int,
    dest_ip: int,
    dev: net_device,
    src_ip: int,
    dest_hw: bytes | None,
    src_hw: bytes | None,
    target_hw: bytes | None,
) -> sk_buff | None:
    """Build an ARP packet with its link-layer header. The caller owns the result.

    Kernel: net/ipv4/arp.c arp_create.
    """
    hlen = LL_RESERVED_SPACE(dev)
    alen = dev.addr_len
    plen = arp_hdr_len(dev)
    skb = skbmod.alloc_skb(plen + hlen + getattr(dev, "needed_tailroom", 0), 0)
    if skb is None:
        return None
    skbmod.skb_reserve(skb, hlen)
    skbmod.skb_reset_network_header(skb)
    skbmod.skb_put(skb, plen)
    skb.dev = dev
    skb.protocol = ETH_P_ARP
    if src_hw is None:
        src_hw = dev.dev_addr
    if dest_hw is None:
        dest_hw = dev.broadcast
    if netdev.dev_hard_header(skb, dev, ptype, dest_hw, src_hw, skb.len) < 0:
        skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return None
    hrd = ARPHRD_ETHER if dev.type == ARPHRD_IEEE802 else dev.type
    off = skb.network_header
    buf = skb.buf
    _ARPHDR.pack_into(buf, off, hrd, ETH_P_IP, alen, 4, type)
    off += 8
    buf[off : off + alen] = src_hw[:alen]
    off += alen
    struct.pack_into("!I", buf, off, src_ip)
    off += 4
    buf[off : off + alen] = target_hw[:alen] if target_hw is not None else bytes(alen)
    off += alen
    struct.pack_into("!I", buf, off, dest_ip)
    return skb


def arp_xmit(skb: sk_buff) -> None:
    """Send an ARP packet (NF_ARP_OUT passes through). Owns `skb`.

    Kernel: net/ipv4/arp.c arp_xmit.
    """
    netdev.dev_queue_xmit(skb)


def arp_send(
    type: int,
    ptype: int,
    dest_ip: int,
    dev: net_device,
    src_ip: int,
    dest_hw: bytes | None,
    src_hw: bytes | None,
    target_hw: bytes | None,
) -> None:
    """Create and send an ARP packet; nothing on IFF_NOARP devices.

    Kernel: net/ipv4/arp.c arp_send_dst.
    """
    if dev.flags & IFF_NOARP:
        return
    skb = arp_create(type, ptype, dest_ip, dev, src_ip, dest_hw, src_hw, target_hw)
    if skb is not None:
        arp_xmit(skb)


# --- receive ---------------------------------------------------------------------------------


def arp_ignore(in_dev: Any, sip: int, tip: int) -> int:
    """Nonzero when arp_ignore forbids replying for `tip`. Kernel: net/ipv4/arp.c arp_ignore."""
    mode = devinet.IN_DEV_ARP_IGNORE(in_dev)
    if mode == 1:
        sip, scope, dev_in = 0, RT_SCOPE_HOST, in_dev
    elif mode == 2:
        scope, dev_in = RT_SCOPE_HOST, in_dev
    elif mode == 3:
        sip, scope, dev_in = 0, RT_SCOPE_LINK, None
    elif mode == 8:
        return 1
    else:
        return 0
    net = in_dev.dev.nd_net
    return 0 if devinet.inet_confirm_addr(net, dev_in, sip, tip, scope) else 1


def arp_accept(in_dev: Any, sip: int) -> int:
    """May unsolicited ARP create an entry? Kernel: net/ipv4/arp.c arp_accept."""
    mode = devinet.IN_DEV_ARP_ACCEPT(in_dev)
    if mode == 1:
        return 1
    if mode == 2:
        net = in_dev.dev.nd_net
        return 1 if devinet.inet_confirm_addr(net, in_dev, sip, 0, RT_SCOPE_LINK) else 0
    return 0


def arp_filter(sip: int, tip: int, dev: net_device) -> int:
    """arp_filter: 1 (do not reply) unless our route back to `sip` leaves via `dev`.

    Counts LINUX_MIB_ARPFILTER. Kernel: net/ipv4/arp.c arp_filter.
    """
    net = dev.nd_net
    fl4 = flow.flowi4(daddr=sip, saddr=tip, flowi4_scope=RT_SCOPE_UNIVERSE)
    rt = route.ip_route_output_key(net, fl4)
    if isinstance(rt, int):
        return 1
    flag = 0
    if rt.dst.dev is not dev:
        snmp.NET_INC_STATS(net, snmp.LINUX_MIB_ARPFILTER)
        flag = 1
    dst.dst_release(rt)
    return flag


def arp_fwd_proxy(in_dev: Any, dev: net_device, rt: Any) -> bool:
    """proxy_arp with the medium_id rules. Kernel: net/ipv4/arp.c arp_fwd_proxy."""
    if rt.dst.dev is dev or not devinet.IN_DEV_PROXY_ARP(in_dev):
        return False
    imi = devinet.IN_DEV_MEDIUM_ID(in_dev)
    if imi == 0:
        return True
    if imi == -1:
        return False
    out_dev = rt.dst.dev.ip_ptr
    omi = devinet.IN_DEV_MEDIUM_ID(out_dev) if out_dev is not None else -1
    return bool(omi != imi and omi != -1)


def arp_fwd_pvlan(in_dev: Any, dev: net_device, rt: Any, sip: int, tip: int) -> bool:
    """Private VLAN proxy (same segment). Kernel: net/ipv4/arp.c arp_fwd_pvlan."""
    if rt.dst.dev is not dev or sip == tip:
        return False
    return bool(devinet.IN_DEV_PROXY_ARP_PVLAN(in_dev))


def arp_is_garp(net: Net, dev: net_device, op: int, sip: int, tip: int, sha: bytes,
                tha: bytes | None) -> tuple[bool, int]:
    """Gratuitous ARP: sip == tip, a unicast sip, and for replies tha == sha.
    Returns (is_garp, addr_type or -1 when not computed). Kernel: net/ipv4/arp.c arp_is_garp.
    """
    is_garp = tip == sip
    if is_garp and op == ARPOP_REPLY:
        is_garp = tha is not None and tha == sha
    addr_type = -1
    if is_garp:
        addr_type = fib_frontend.inet_addr_type_dev_table(net, dev, sip)
        if addr_type != RTN_UNICAST:
            is_garp = False
    return is_garp, addr_type


def arp_process(net: Net, sk: Any, skb: sk_buff) -> int:
    """Answer requests for us (and for proxied addresses), learn senders, update entries.

    Owns `skb`. NET_RX softirq. Kernel: net/ipv4/arp.c arp_process.
    """
    dev = skb.dev
    in_dev = dev.ip_ptr
    if in_dev is None:
        skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return NET_RX_DROP
    buf = skb.buf
    off = skb.network_header
    hrd, pro, _hln, _pln, op = _ARPHDR.unpack_from(buf, off)
    if dev.type in (ARPHRD_ETHER, ARPHRD_IEEE802):
        ok = hrd in (ARPHRD_ETHER, ARPHRD_IEEE802) and pro == ETH_P_IP
    else:
        ok = pro == ETH_P_IP and hrd == dev.type
    if not ok or op not in (ARPOP_REQUEST, ARPOP_REPLY):
        skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return NET_RX_DROP
    alen = dev.addr_len
    p = off + 8
    sha = bytes(buf[p : p + alen])
    (sip,) = struct.unpack_from("!I", buf, p + alen)
    tha = bytes(buf[p + alen + 4 : p + 2 * alen + 4])
    (tip,) = struct.unpack_from("!I", buf, p + 2 * alen + 4)

    if ipv4_is_multicast(tip) or (
        not devinet.IN_DEV_ROUTE_LOCALNET(in_dev) and ipv4_is_loopback(tip)
    ):
        skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return NET_RX_DROP
    if sip == tip and devinet.IN_DEV_DROP_GRATUITOUS_ARP(in_dev):
        skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return NET_RX_DROP

    tbl = nb.arp_tbl(net.kernel)
    if sip == 0:
        if (
            op == ARPOP_REQUEST
            and fib_frontend.inet_addr_type_dev_table(net, dev, tip) == RTN_LOCAL
            and not arp_ignore(in_dev, sip, tip)
        ):
            arp_send(ARPOP_REPLY, ETH_P_ARP, sip, dev, tip, sha, dev.dev_addr, sha)
        skbmod.consume_skb(skb)
        return NET_RX_SUCCESS

    if op == ARPOP_REQUEST and route.ip_route_input_noref(skb, tip, sip, 0, dev) == 0:
        rt = skbmod.skb_dst(skb)
        addr_type = rt.rt_type
        if addr_type == RTN_LOCAL:
            dont_send = arp_ignore(in_dev, sip, tip)
            if not dont_send and devinet.IN_DEV_ARPFILTER(in_dev):
                dont_send = arp_filter(sip, tip, dev)
            if not dont_send:
                n = nb.neigh_event_ns(tbl, sha, sip, dev)
                if n is not None:
                    arp_send(ARPOP_REPLY, ETH_P_ARP, sip, dev, tip, sha, dev.dev_addr, sha)
                    nb.neigh_release(n)
            skbmod.consume_skb(skb)
            return NET_RX_SUCCESS
        if devinet.IN_DEV_FORWARD(in_dev) and addr_type == RTN_UNICAST and (
            arp_fwd_proxy(in_dev, dev, rt)
            or arp_fwd_pvlan(in_dev, dev, rt, sip, tip)
            or (rt.dst.dev is not dev and nb.pneigh_lookup(tbl, net, tip, dev, False))
        ):
            n = nb.neigh_event_ns(tbl, sha, sip, dev)
            if n is not None:
                nb.neigh_release(n)
            if (
                skb.cb[nb.NEIGH_CB_FLAGS] & nb.LOCALLY_ENQUEUED
                or skb.pkt_type == PACKET_HOST
                or in_dev.arp_parms.proxy_delay == 0
            ):
                arp_send(ARPOP_REPLY, ETH_P_ARP, sip, dev, tip, sha, dev.dev_addr, sha)
            else:
                nb.pneigh_enqueue(tbl, in_dev.arp_parms, skb)
                return NET_RX_SUCCESS
            skbmod.consume_skb(skb)
            return NET_RX_SUCCESS

    n = nb.__neigh_lookup(tbl, sip, dev, False)
    is_garp = False
    addr_type = -1
    accept = arp_accept(in_dev, sip)
    if n is not None or accept:
        is_garp, addr_type = arp_is_garp(net, dev, op, sip, tip, sha, tha)
    if accept and n is None and (
        is_garp
        or (
            op == ARPOP_REPLY
            and (
                addr_type == RTN_UNICAST
                or (
                    addr_type < 0
                    and fib_frontend.inet_addr_type_dev_table(net, dev, sip) == RTN_UNICAST
                )
            )
        )
    ):
        n = nb.__neigh_lookup(tbl, sip, dev, True)
    if n is not None:
        k = net.kernel
        override = k.jiffies > n.updated + n.parms.locktime or is_garp
        state = nb.NUD_REACHABLE
        if op != ARPOP_REPLY or skb.pkt_type != PACKET_HOST:
            state = nb.NUD_STALE
        nb.neigh_update(n, sha, state, nb.NEIGH_UPDATE_F_OVERRIDE if override else 0, 0)
        nb.neigh_release(n)
    skbmod.consume_skb(skb)
    return NET_RX_SUCCESS


def parp_redo(skb: sk_buff) -> None:
    """A delayed proxy request comes back through arp_process. Kernel: net/ipv4/arp.c parp_redo."""
    arp_process(skb.dev.nd_net, None, skb)


def arp_rcv(skb: sk_buff, dev: net_device, pt: Any, orig_dev: net_device) -> int:
    """ETH_P_ARP receive: sanity checks, then arp_process. Owns `skb`. NET_RX softirq.

    Kernel: net/ipv4/arp.c arp_rcv.
    """
    if dev.flags & IFF_NOARP or skb.pkt_type in (PACKET_OTHERHOST, PACKET_LOOPBACK):
        skbmod.consume_skb(skb)
        return NET_RX_SUCCESS
    if skb.len < arp_hdr_len(dev):
        skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.PKT_TOO_SMALL)
        return NET_RX_DROP
    _hrd, _pro, hln, pln, _op = _ARPHDR.unpack_from(skb.buf, skb.network_header)
    if hln != dev.addr_len or pln != 4:
        skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return NET_RX_DROP
    skb.cb[nb.NEIGH_CB_FLAGS] = 0
    return arp_process(dev.nd_net, None, skb)


# --- device events, /proc, init --------------------------------------------------------------


def arp_netdev_event(nb_: Any, event: int, info: Any) -> int:
    """NETDEV_CHANGEADDR flushes the device's entries; NETDEV_CHANGE flushes them on carrier
    loss when arp_evict_nocarrier (and on a NOARP flag change).
    Kernel: net/ipv4/arp.c arp_netdev_event.
    """
    dev = info.dev
    tbl = nb.arp_tbl(dev.nd_net.kernel)
    if event == netdev.NETDEV_CHANGEADDR:
        nb.neigh_changeaddr(tbl, dev)
        route.rt_cache_flush(dev.nd_net)
    elif event == netdev.NETDEV_CHANGE:
        if getattr(info, "flags_changed", 0) & IFF_NOARP:
            nb.neigh_changeaddr(tbl, dev)
        in_dev = dev.ip_ptr
        evict = True if in_dev is None else bool(devinet.IN_DEV_ARP_EVICT_NOCARRIER(in_dev))
        if evict and not netdev.netif_carrier_ok(dev):
            nb.neigh_carrier_down(tbl, dev)
    return notifier.NOTIFY_DONE


def arp_ifdown(dev: net_device) -> None:
    """NETDEV_DOWN (called by devinet): flush the device's entries.

    Kernel: net/ipv4/arp.c arp_ifdown.
    """
    nb.neigh_ifdown(nb.arp_tbl(dev.nd_net.kernel), dev)


def arp_state_to_flags(neigh: nb.neighbour) -> int:
    """Kernel: net/ipv4/arp.c arp_state_to_flags."""
    if neigh.nud_state & nb.NUD_PERMANENT:
        return ATF_PERM | ATF_COM
    if neigh.nud_state & nb.NUD_VALID:
        return ATF_COM
    return 0


def arp_seq_show(net: Net) -> str:
    """/proc/net/arp: entries of `net` except NONE/NOARP-only ones, then proxy entries.

    Kernel: net/ipv4/arp.c arp_seq_show, arp_format_neigh_entry, arp_format_pneigh_entry.
    """
    tbl = nb.arp_tbl(net.kernel)
    out = ["IP address       HW type     Flags       HW address            Mask     Device\n"]
    for n in tbl.hash_buckets.values():
        dev = n.dev
        if dev.nd_net is not net or not n.nud_state & ~nb.NUD_NOARP:
            continue
        hw = format_mac(n.ha[: dev.addr_len])
        out.append(
            f"{ntoa(n.primary_key):<16} 0x{dev.type:<10x}0x{arp_state_to_flags(n):<10x}"
            f"{hw:<17}     *        {dev.name}\n"
        )
    for pn in tbl.phash_buckets.values():
        if pn.net is not net:
            continue
        hatype = pn.dev.type if pn.dev is not None else 0
        name = pn.dev.name if pn.dev is not None else "*"
        out.append(
            f"{ntoa(pn.key):<16} 0x{hatype:<10x}0x{ATF_PUBL | ATF_PERM:<10x}"
            f"00:00:00:00:00:00     *        {name}\n"
        )
    return "".join(out)


def arp_net_init(net: Net) -> None:
    """Per-namespace /proc/net/arp. Kernel: net/ipv4/arp.c arp_net_init."""
    procfs.proc_create_net_single(net, "net/arp", arp_seq_show)


def arp_init(k: Kernel) -> None:
    """Create arp_tbl (/proc/net/stat/arp_cache and net.ipv4.neigh.default exist in init_net
    only, as in Linux), register the ETH_P_ARP handler, the netdevice notifier, the rtnetlink
    neighbour handlers and /proc/net/arp per namespace. Needs `k.init_net`.
    Kernel: net/ipv4/arp.c arp_init.
    """
    tbl = arp_table(k)
    k.arp_tbl = tbl
    nb.neigh_table_init(k, tbl)
    nb.neigh_sysctl_register(None, tbl.parms)
    netdev.dev_add_pack(netdev.packet_type(ETH_P_ARP, None, arp_rcv))
    netdev.register_netdevice_notifier(k, notifier.notifier_block(arp_netdev_event))
    nb.neigh_init(k)
    net_namespace.register_pernet_subsys(
        k, net_namespace.pernet_operations("arp", init=arp_net_init)
    )
