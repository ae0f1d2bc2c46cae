"""UDP over IPv4: receive, ICMP errors, send, and the port table.

Kernel: net/ipv4/udp.c (__udp4_lib_rcv, udp_unicast_rcv_skb, __udp_enqueue_schedule_skb,
__udp4_lib_lookup/compute_score, __udp4_lib_err, udp_sendmsg with corking (MSG_MORE,
UDP_CORK), udp_send_skb, udp_push_pending_frames, udp_lib_get_port, udp_recvmsg counting
InDatagrams, udp4_seq_show). Sockets live in `net.ipv4.udp_table[port]`.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from skbuff.net import flow
from skbuff.net.core import dst as core_dst
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
from skbuff.uapi.rtnetlink import AF_INET
from skbuff.uapi.socket import MSG_MORE

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff
    from skbuff.net.core.sock import sock as sock_t

UDP_CORK = 1  # include/uapi/linux/udp.h (level SOL_UDP)
UDP_HTABLE_SIZE = 16384  # udp_table_init: what alloc_large_system_hash gives a 4+ GiB machine
CSUM_MANGLED_0 = 0xFFFF
_BE16 = struct.Struct("!H")


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
    """Queue the payload (with IP_PKTINFO's in_pktinfo: ipv4_pktinfo_prepare), or
    RcvbufErrors + InErrors and drop (SOCKET_RCVBUFF) when the receive buffer is full.
    Consumes the skb. Kernel: net/ipv4/udp.c udp_queue_rcv_one_skb, __udp_queue_rcv_skb,
    __udp_enqueue_schedule_skb.
    """
    net = sk.sk_net
    uh = skbuff.udp_hdr(skb)
    data = skbuff.skb_copy_bits(skb, 8, skb.len - 8) or b""
    if sk.sk_rmem_alloc > sk.sk_rcvbuf:
        mib = net.mib.udp_statistics
        mib[snmp.UDP_MIB_RCVBUFERRORS] += 1
        mib[snmp.UDP_MIB_INERRORS] += 1
        sk.sk_drops += 1
        skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.SOCKET_RCVBUFF)
        return -1
    sock.skb_queue_datagram(sk, skb, data, skbuff.ip_hdr(skb).saddr, uh.source,
                            ip_sockglue.ipv4_pktinfo_prepare(sk, skb),
                            ip_sockglue.skb_rx_csum(skb))
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


def udp_send_skb(skb: sk_buff, fl4: flow.flowi4) -> int:
    """Fill the UDP header of a built datagram (ports, length, checksum over every piece,
    0 sent as 0xffff) and send it; OutDatagrams on success, -ENOBUFS without IP_RECVERR
    counts SndbufErrors and reports success. Owns the skb.

    Kernel: net/ipv4/udp.c udp_send_skb, udp_csum.
    """
    sk = skb.sk
    net = sk.sk_net
    offset = skbuff.skb_transport_offset(skb)
    length = skb.len - offset
    th = skbuff.skb_transport_header(skb)
    buf = skb.buf
    _BE16.pack_into(buf, th, sk.inet_sport)
    _BE16.pack_into(buf, th + 2, fl4.fl4_dport)
    _BE16.pack_into(buf, th + 4, length)
    _BE16.pack_into(buf, th + 6, 0)
    csum = skbuff.skb_checksum(skb, offset, length, 0)
    check = checksum.csum_tcpudp_magic(fl4.saddr, fl4.daddr, length, IPPROTO_UDP, csum)
    _BE16.pack_into(buf, th + 6, check or CSUM_MANGLED_0)
    err = ip_output.ip_send_skb(net, skb)
    if err:
        if err == -errno.ENOBUFS and not sk.recverr:
            net.mib.udp_statistics[snmp.UDP_MIB_SNDBUFERRORS] += 1
            err = 0
    else:
        net.mib.udp_statistics[snmp.UDP_MIB_OUTDATAGRAMS] += 1
    return err


def udp_push_pending_frames(sk: sock_t) -> int:
    """Send the corked datagram. Kernel: net/ipv4/udp.c udp_push_pending_frames."""
    err = 0
    skb = ip_output.ip_finish_skb(sk, sk.cork_fl)
    if skb is not None:
        err = udp_send_skb(skb, sk.cork_fl)
    sk.pending = 0
    return err


def udp_flush_pending_frames(sk: sock_t) -> None:
    """Throw the corked datagram away. Kernel: net/ipv4/udp.c udp_flush_pending_frames."""
    if sk.pending:
        sk.pending = 0
        ip_output.ip_flush_pending_frames(sk)


def udp_set_cork(sk: sock_t, val: int) -> None:
    """setsockopt(SOL_UDP, UDP_CORK): clearing it sends what is pending.

    Kernel: net/ipv4/udp.c udp_lib_setsockopt (UDP_CORK).
    """
    sk.corkflag = bool(val)
    if not val:
        udp_push_pending_frames(sk)


def udp_sendmsg(sk: sock_t, data: bytes, daddr: int, dport: int, flags: int = 0,
                control: Sequence[tuple[int, int, bytes]] = (), cap_net_raw: bool = True
                ) -> int:
    """Send `data` as (part of) a datagram. With UDP_CORK or MSG_MORE the data is appended
    to a pending datagram (sent by a later call without either, or by clearing UDP_CORK);
    a pending datagram keeps its destination and ignores `control`. `control` is sendmsg's
    ancillary data (ip_sockglue.ip_cmsg_send: IP_PKTINFO's interface and source, IP_TTL,
    IP_TOS, IP_RETOPTS); `cap_net_raw` the caller's capability. Returns len(data) or -errno
    (-ENETUNREACH / -EHOSTUNREACH from the route, -EMSGSIZE above the path MTU with DF or
    64K, -EACCES for broadcast without SO_BROADCAST, ip_cmsg_send's -EINVAL / -EPERM).

    Kernel: net/ipv4/udp.c udp_sendmsg (no UDP_SEGMENT: SOL_UDP messages are skipped).
    """
    corkreq = sk.corkflag or bool(flags & MSG_MORE)
    if len(data) > 0xFFFF:
        return -errno.EMSGSIZE
    if sk.pending:
        return _udp_append(sk, sk.cork_fl, data, len(data), None, [None], corkreq, flags)
    if not sk.inet_num:
        err = udp_lib_get_port(sk, 0)
        if err:
            return err
    ipc = ip_sockglue.ip_datagram_ipc(sk, control, cap_net_raw)
    if isinstance(ipc, int):
        return ipc
    saddr = ipc.addr
    ipc.addr = daddr
    fl4 = flow.flowi4(flowi4_oif=ipc.oif, flowi4_mark=ipc.mark,
                      flowi4_tos=(sk.tos if ipc.tos < 0 else ipc.tos) & 0xFC,
                      flowi4_proto=IPPROTO_UDP,
                      daddr=ip_output.inet_opt_faddr(ipc.opt, daddr), saddr=saddr)
    fl4.fl4_sport = sk.inet_sport
    fl4.fl4_dport = dport
    rt = ip_output.ip4_datagram_route(sk, fl4)
    if isinstance(rt, int):
        return rt
    rtp: list[Any] = [rt]
    message = bytes(8) + data  # the header is written by udp_send_skb
    if not corkreq:
        skb = ip_output.ip_make_skb(sk, fl4, message, len(message), 8, ipc, rtp,
                                    sock.inet_cork(), flags)
        err = skb if isinstance(skb, int) else 0
        if skb is not None and not isinstance(skb, int):
            err = udp_send_skb(skb, fl4)
        _rt_put(rtp)
        return err if err else len(data)
    sk.cork_fl = fl4
    sk.pending = AF_INET
    return _udp_append(sk, fl4, message, len(data), ipc, rtp, corkreq, flags)


def _udp_append(sk: sock_t, fl4: flow.flowi4, message: bytes, sent: int,
                ipc: ip_output.ipcm_cookie | None, rtp: list[Any], corkreq: bool, flags: int
                ) -> int:
    """udp_sendmsg's `do_append_data:` label: append to the pending datagram, then flush it
    on error or send it unless still corked. Kernel: net/ipv4/udp.c udp_sendmsg."""
    if ipc is None:
        ipc = ip_output.ipcm_cookie(sk, fl4.daddr)
    err = ip_output.ip_append_data(sk, fl4, message, len(message), 8, ipc, rtp,
                                   flags | MSG_MORE if corkreq else flags)
    if err:
        udp_flush_pending_frames(sk)
    elif not corkreq:
        err = udp_push_pending_frames(sk)
    elif skbuff.skb_queue_empty(sk.sk_write_queue):
        sk.pending = 0
    _rt_put(rtp)
    return err if err else sent


def _rt_put(rtp: list[Any]) -> None:
    """ip_rt_put of a route the cork did not take."""
    if rtp[0] is not None:
        core_dst.dst_release(rtp[0])


def udp_recvmsg(sk: sock_t) -> tuple[bytes, int, int, bytes, bytes, bytes, int] | None:
    """One queued datagram (as sock_dequeue gives it), counting InDatagrams; None if empty.

    Kernel: net/ipv4/udp.c udp_recvmsg.
    """
    got = sock.sock_dequeue(sk)
    if got is not None:
        sk.sk_net.mib.udp_statistics[snmp.UDP_MIB_INDATAGRAMS] += 1
    return got



def net_hash_mix(net: Net) -> int:
    """The namespace's hash perturbation (net->hash_mix, set when the Net is made).

    Kernel: include/net/netns/hash.h net_hash_mix.
    """
    return net.hash_mix


def udp_hashfn(net: Net, num: int, mask: int) -> int:
    """Kernel: include/linux/udp.h udp_hashfn."""
    return (num + net_hash_mix(net)) & mask


def _sock_pointer(sk: sock_t) -> str:
    """%pK of the socket with kptr_restrict 0: a hashed pointer, upper half zero.

    Kernel: lib/vsprintf.c ptr_to_id (siphash of the address with a boot-time key).
    """
    k = sk.sk_net.kernel
    key = k.seed.to_bytes(8, "little", signed=True) + b"ptr_key\0"
    return f"{k.rng.siphash(key, sk.sk_ino.to_bytes(8, 'little')) & 0xFFFFFFFF:016x}"


def udp4_format_sock(sk: sock_t, bucket: int) -> str:
    """One socket's line (addresses as the raw __be32 printed on little-endian x86-64;
    ref is the socket's own reference plus the hash table's).

    Kernel: net/ipv4/udp.c udp4_format_sock.
    """
    src = int.from_bytes(sk.inet_rcv_saddr.to_bytes(4, "big"), "little")
    dest = int.from_bytes(sk.inet_daddr.to_bytes(4, "big"), "little")
    return (f"{bucket:5d}: {src:08X}:{sk.inet_sport:04X} {dest:08X}:{sk.inet_dport:04X}"
            f" {sk.sk_state:02X} {sock.sk_wmem_alloc_get(sk):08X}:{sk.sk_rmem_alloc:08X}"
            f" {0:02X}:{0:08X} {0:08X} {0:5d} {0:8d} {sk.sk_ino} {2} {_sock_pointer(sk)}"
            f" {sk.sk_drops}")


def udp4_seq_show(net: Net) -> str:
    """/proc/net/udp: the header, then the namespace's sockets in hash-bucket order (newest
    first within a slot), every line padded to 127 columns.

    Kernel: net/ipv4/udp.c udp4_seq_show, udp_get_first/udp_get_next (seq_setwidth 127).
    """
    lines = ["   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt"
             "   uid  timeout inode ref pointer drops"]
    mask = UDP_HTABLE_SIZE - 1
    rows = sorted(((udp_hashfn(net, port, mask), -i, sk)
                   for port, socks in net.ipv4.udp_table.items()
                   for i, sk in enumerate(socks) if sk.sk_net is net),
                  key=lambda r: (r[0], r[1]))
    lines += [udp4_format_sock(sk, bucket) for bucket, _, sk in rows]
    return "".join(f"{line:<127}\n" for line in lines)
