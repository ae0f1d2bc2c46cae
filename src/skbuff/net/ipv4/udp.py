"""UDP over IPv4: receive, ICMP errors, send, and the port table.

Kernel: net/ipv4/udp.c (__udp4_lib_rcv, udp_unicast_rcv_skb, __udp_enqueue_schedule_skb,
__udp4_lib_lookup/compute_score, __udp4_lib_err, udp_sendmsg, udp_lib_get_port,
udp_recvmsg counting InDatagrams). Sockets live in `net.ipv4.udp_table[port]`.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from skbuff.net import flow
from skbuff.net.core import skbuff, sock
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.ipv4 import icmp, ip_output, ip_sockglue, route
from skbuff.uapi import checksum, snmp
from skbuff.uapi.icmp import (
    ICMP_DEST_UNREACH,
    ICMP_FRAG_NEEDED,
    ICMP_PORT_UNREACH,
    ICMP_REDIRECT,
)
from skbuff.uapi.in_ import IPPROTO_UDP
from skbuff.uapi.udp import build_udp

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff
    from skbuff.net.core.sock import sock as sock_t



def compute_score(sk: sock_t, net: Net, saddr: int, sport: int, daddr: int, hnum: int,
                  dif: int) -> int:
    """-1 if `sk` cannot take the datagram, else how specific its match is.

    Kernel: net/ipv4/udp.c compute_score.
    """
    if sk.sk_net is not net or sk.inet_num != hnum:
        return -1
    score = 0
    if sk.inet_rcv_saddr:
        if sk.inet_rcv_saddr != daddr:
            return -1
        score += 4
    if sk.inet_daddr:
        if sk.inet_daddr != saddr:
            return -1
        score += 4
    if sk.inet_dport:
        if sk.inet_dport != sport:
            return -1
        score += 4
    if sk.sk_bound_dev_if:
        if sk.sk_bound_dev_if != dif:
            return -1
        score += 4
    return score


def __udp4_lib_lookup(net: Net, saddr: int, sport: int, daddr: int, dport: int, dif: int
                      ) -> sock_t | None:
    """The best-matching socket for a datagram. Kernel: net/ipv4/udp.c __udp4_lib_lookup."""
    best = None
    best_score = -1
    for sk in net.ipv4.udp_table.get(dport, ()):
        score = compute_score(sk, net, saddr, sport, daddr, dport, dif)
        if score > best_score:
            best, best_score = sk, score
    return best


def udp_queue_rcv_skb(sk: sock_t, skb: sk_buff) -> int:
    """Queue the payload, or RcvbufErrors + InErrors and drop (SOCKET_RCVBUFF) when the
    receive buffer is full. Consumes the skb. Kernel: net/ipv4/udp.c __udp_queue_rcv_skb,
    __udp_enqueue_schedule_skb.
    """
    net = sk.sk_net
    uh = skbuff.udp_hdr(skb)
    data = skbuff.skb_copy_bits(skb, 8, skb.len - 8) or b""
    if sk.sk_rmem_alloc > sk.sk_rcvbuf:
        mib = net.mib.udp_statistics
        mib[snmp.UDP_MIB_RCVBUFERRORS] += 1
        mib[snmp.UDP_MIB_INERRORS] += 1
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.SOCKET_RCVBUFF)
        return -1
    sock.skb_queue_datagram(sk, skb, data, skbuff.ip_hdr(skb).saddr, uh.source)
    skbuff.consume_skb(skb)
    return 0


def udp4_csum_ok(skb: sk_buff, ulen: int) -> bool:
    """Kernel: net/ipv4/udp.c udp4_csum_init + udp_lib_checksum_complete (check 0 = none)."""
    uh = skbuff.udp_hdr(skb)
    if not uh.check or skb.ip_summed == checksum.CHECKSUM_UNNECESSARY:
        return True
    iph = skbuff.ip_hdr(skb)
    csum = skbuff.skb_checksum(skb, 0, ulen, 0)
    return not checksum.csum_tcpudp_magic(iph.saddr, iph.daddr, ulen, IPPROTO_UDP, csum)


def udp_rcv(skb: sk_buff) -> int:
    """IPPROTO_UDP handler: length and checksum checks, socket lookup, else NoPorts + ICMP
    port unreachable. skb->data is at the UDP header; consumes the skb.

    Kernel: net/ipv4/udp.c udp_rcv → __udp4_lib_rcv (unicast; broadcast/multicast go to
    every matching socket as in __udp4_lib_mcast_deliver).
    """
    net = skb.dev.nd_net
    mib = net.mib.udp_statistics
    reason = SKB_DROP_REASON.NOT_SPECIFIED
    if not skbuff.pskb_may_pull(skb, 8):
        return _udp_drop(skb, mib, reason)
    uh = skbuff.udp_hdr(skb)
    ulen = uh.len
    if ulen > skb.len or ulen < 8 or skbuff.pskb_trim_rcsum(skb, ulen):
        return _udp_drop(skb, mib, SKB_DROP_REASON.PKT_TOO_SMALL)
    uh = skbuff.udp_hdr(skb)
    if not udp4_csum_ok(skb, ulen):
        mib[snmp.UDP_MIB_CSUMERRORS] += 1
        return _udp_drop(skb, mib, SKB_DROP_REASON.UDP_CSUM)
    iph = skbuff.ip_hdr(skb)
    rt = route.skb_rtable(skb)
    if rt.rt_flags & (route.RTCF_BROADCAST | route.RTCF_MULTICAST):
        return __udp4_lib_mcast_deliver(net, skb, iph.saddr, uh.source, iph.daddr, uh.dest)
    sk = __udp4_lib_lookup(net, iph.saddr, uh.source, iph.daddr, uh.dest, skb.skb_iif)
    if sk is not None:
        udp_queue_rcv_skb(sk, skb)
        return 0
    mib[snmp.UDP_MIB_NOPORTS] += 1
    icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0)
    skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.NO_SOCKET)
    return 0


def __udp4_lib_mcast_deliver(net: Net, skb: sk_buff, saddr: int, sport: int, daddr: int,
                             dport: int) -> int:
    """A copy to every matching socket; none → IgnoredMulti.

    Kernel: net/ipv4/udp.c __udp4_lib_mcast_deliver.
    """
    targets = [sk for sk in net.ipv4.udp_table.get(dport, ())
               if compute_score(sk, net, saddr, sport, daddr, dport, skb.skb_iif) >= 0]
    if not targets:
        net.mib.udp_statistics[snmp.UDP_MIB_IGNOREDMULTI] += 1
        skbuff.consume_skb(skb)
        return 0
    for sk in targets[1:]:
        udp_queue_rcv_skb(sk, skbuff.skb_clone(skb, skbuff.GFP_ATOMIC))
    udp_queue_rcv_skb(targets[0], skb)
    return 0


def _udp_drop(skb: sk_buff, mib: list[int], reason: SKB_DROP_REASON) -> int:
    mib[snmp.UDP_MIB_INERRORS] += 1
    skbuff.kfree_skb_reason(skb, reason)
    return 0


def udp_err(skb: sk_buff, info: int) -> int:
    """An ICMP error quoting one of our datagrams: PMTU update, redirect, or an error for
    the sending socket (sk_err / IP_RECVERR queue). No socket → ICMP InErrors, -ENOENT.
    skb->data is at the quoted IP header. Kernel: net/ipv4/udp.c __udp4_lib_err.
    """
    net = skb.dev.nd_net
    iph = skbuff.ip_hdr(skb)
    off = skbuff.skb_network_header(skb) + iph.ihl * 4
    buf = skb.buf
    sport = int.from_bytes(buf[off:off + 2], "big")
    dport = int.from_bytes(buf[off + 2:off + 4], "big")
    sk = __udp4_lib_lookup(net, iph.daddr, dport, iph.saddr, sport, skb.dev.ifindex)
    if sk is None:
        net.mib.icmp_statistics[snmp.ICMP_MIB_INERRORS] += 1
        return -errno.ENOENT
    icmph = skbuff.icmp_hdr(skb)
    if icmph.type == ICMP_DEST_UNREACH and icmph.code == ICMP_FRAG_NEEDED:
        route.ipv4_sk_update_pmtu(skb, sk, info)
    elif icmph.type == ICMP_REDIRECT:
        route.ipv4_redirect(skb, net, sk.sk_bound_dev_if, IPPROTO_UDP)
        return 0
    ip_sockglue.ip_icmp_error_report(sk, skb, info, dport, bytes(buf[off + 8:skb.tail]))
    return 0


def udp_lib_get_port(sk: sock_t, snum: int) -> int:
    """Bind `sk` to `snum`, or to a random free port of ip_local_port_range when 0.
    0 or -EADDRINUSE. Kernel: net/ipv4/udp.c udp_lib_get_port (no SO_REUSEADDR).
    """
    net = sk.sk_net
    table = net.ipv4.udp_table
    if not snum:
        low, high = net.ipv4.ip_local_ports_range
        remaining = high - low + 1
        first = low + net.kernel.rng.get_random_u32_below(remaining)
        for i in range(remaining):
            port = low + (first - low + i) % remaining
            if not table.get(port):
                snum = port
                break
        else:
            return -errno.EADDRINUSE
    for other in table.get(snum, ()):
        if (not other.inet_rcv_saddr or not sk.inet_rcv_saddr
                or other.inet_rcv_saddr == sk.inet_rcv_saddr):
            return -errno.EADDRINUSE
    sk.inet_num = snum
    sk.inet_sport = snum
    table.setdefault(snum, []).append(sk)
    return 0


def udp_lib_unhash(sk: sock_t) -> None:
    """Kernel: net/ipv4/udp.c udp_lib_unhash."""
    socks = sk.sk_net.ipv4.udp_table.get(sk.inet_num)
    if socks and sk in socks:
        socks.remove(sk)
        if not socks:
            del sk.sk_net.ipv4.udp_table[sk.inet_num]


def udp_sendmsg(sk: sock_t, data: bytes, daddr: int, dport: int, ttl: int, tos: int) -> int:
    """Route, build (ip_make_skb) and send one datagram. Returns len(data) or -errno
    (-ENETUNREACH/-EHOSTUNREACH from the route, -EMSGSIZE above the path MTU with DF,
    -EACCES for broadcast without SO_BROADCAST). OutDatagrams on success.

    Kernel: net/ipv4/udp.c udp_sendmsg, udp_send_skb.
    """
    net = sk.sk_net
    if not sk.inet_num:
        err = udp_lib_get_port(sk, 0)
        if err:
            return err
    fl4 = flow.flowi4(flowi4_oif=sk.sk_bound_dev_if, flowi4_mark=sk.sk_mark,
                      flowi4_tos=(sk.tos if tos < 0 else tos) & 0xFC,
                      flowi4_proto=IPPROTO_UDP, daddr=daddr, saddr=sk.inet_saddr)
    fl4.fl4_sport = sk.inet_sport
    fl4.fl4_dport = dport
    sent = ip_output.ip4_datagram_send(
        sk, fl4, lambda f: build_udp(f.saddr, f.daddr, sk.inet_sport, dport, data), ttl, tos)
    if sent < 0:
        return sent
    net.mib.udp_statistics[snmp.UDP_MIB_OUTDATAGRAMS] += 1
    return len(data)


def udp_recvmsg(sk: sock_t) -> tuple[bytes, int, int] | None:
    """One queued datagram (payload, saddr, sport), counting InDatagrams; None if empty.

    Kernel: net/ipv4/udp.c udp_recvmsg.
    """
    got = sock.sock_dequeue(sk)
    if got is not None:
        sk.sk_net.mib.udp_statistics[snmp.UDP_MIB_INDATAGRAMS] += 1
    return got

