"""Raw IPv4 sockets: copies of every packet of their protocol, and ICMP errors about them.

Kernel: net/ipv4/raw.c (raw_local_deliver, raw_v4_input, raw_rcv, raw_icmp_error, raw_err,
raw_sendmsg with corking, raw_destroy). Sockets live in `net.ipv4.raw_table[protocol]`.
Receive runs in softirq context; the skb is never taken.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from typing import TYPE_CHECKING

from skbuff.net import flow
from skbuff.net.core import skbuff, sock
from skbuff.net.ipv4 import ip_output, ip_sockglue, route
from skbuff.uapi import ip, snmp
from skbuff.uapi.icmp import ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff
    from skbuff.net.core.sock import sock as sock_t


def raw_v4_match(net: Net, sk: sock_t, num: int, raddr: int, laddr: int, dif: int) -> bool:
    """Kernel: net/ipv4/raw.c raw_v4_match."""
    return bool(sk.sk_net is net and sk.inet_num == num
                and not (sk.inet_daddr and sk.inet_daddr != raddr)
                and not (sk.inet_rcv_saddr and sk.inet_rcv_saddr != laddr)
                and not (sk.sk_bound_dev_if and sk.sk_bound_dev_if != dif))


def raw_local_deliver(skb: sk_buff, protocol: int) -> bool:
    """Queue a copy (from the IP header, with IP_PKTINFO's in_pktinfo) on every matching raw
    socket; True if any matched.
    Kernel: net/ipv4/raw.c raw_local_deliver, raw_v4_input, raw_rcv (ipv4_pktinfo_prepare).
    """
    net = skb.dev.nd_net
    socks = net.ipv4.raw_table.get(protocol)
    if not socks:
        return False
    iph = skbuff.ip_hdr(skb)
    nh = skbuff.skb_network_header(skb)
    delivered = False
    for sk in socks:
        if not raw_v4_match(net, sk, protocol, iph.saddr, iph.daddr, skb.dev.ifindex):
            continue
        delivered = True
        data = skbuff.skb_copy_bits(skb, nh - skb.data, skb.len + skb.data - nh) or b""
        if sock.sock_queue_rcv(sk, skb, data, iph.saddr, 0,
                               ip_sockglue.ipv4_pktinfo_prepare(sk, skb),
                               ip_sockglue.skb_rx_csum(skb)):
            net.mib.ip_statistics[snmp.IPSTATS_MIB_INDISCARDS] += 1
    return delivered


def raw_icmp_error(skb: sk_buff, protocol: int, info: int) -> None:
    """An ICMP error quoting a packet of `protocol`: raw sockets that sent it see it on
    their error queue (IP_RECVERR). skb->data is at the quoted header.

    Frag Needed also teaches the route its PMTU (raw_err's ipv4_sk_update_pmtu).
    Kernel: net/ipv4/raw.c raw_icmp_error, raw_err.
    """
    net = skb.dev.nd_net
    socks = net.ipv4.raw_table.get(protocol)
    if not socks:
        return
    iph = ip.iphdr(skb.buf, skb.data)  # the quoted header, not the ICMP message's
    payload = bytes(skb.buf[skb.data + iph.ihl * 4:skb.tail])
    icmph = skbuff.icmp_hdr(skb)
    frag_needed = icmph.type == ICMP_DEST_UNREACH and icmph.code == ICMP_FRAG_NEEDED
    for sk in socks:
        if raw_v4_match(net, sk, protocol, iph.daddr, iph.saddr, skb.dev.ifindex):
            if frag_needed:
                route.ipv4_sk_update_pmtu(skb, sk, info)
            ip_sockglue.ip_icmp_error_report(sk, skb, info, 0, payload)


def raw_sendmsg(sk: sock_t, data: bytes, daddr: int, flags: int = 0,
                control: Sequence[tuple[int, int, bytes]] = (), cap_net_raw: bool = True
                ) -> int:
    """Send `data` as the payload of an IP datagram of the socket's protocol (no
    IP_HDRINCL, so IP_PROTOCOL is checked but unused); with MSG_MORE in `flags` it is
    corked until a call without (see ip4_datagram_send). `control` is sendmsg's ancillary
    data (ip_sockglue.ip_cmsg_send). len(data) or -errno (-EMSGSIZE above 64K).

    Kernel: net/ipv4/raw.c raw_sendmsg.
    """
    if len(data) > 0xFFFF:
        return -errno.EMSGSIZE
    ipc = ip_sockglue.ip_datagram_ipc(sk, control, cap_net_raw)
    if isinstance(ipc, int):
        return ipc
    fl4 = flow.flowi4(flowi4_oif=ipc.oif, flowi4_mark=ipc.mark,
                      flowi4_tos=(sk.tos if ipc.tos < 0 else ipc.tos) & 0xFC,
                      flowi4_proto=sk.sk_protocol,
                      daddr=ip_output.inet_opt_faddr(ipc.opt, daddr), saddr=ipc.addr)
    if sk.sk_protocol == 1 and data:
        fl4.fl4_icmp_type = data[0]
        fl4.fl4_icmp_code = data[1] if len(data) > 1 else 0
    return ip_output.ip4_datagram_send(sk, fl4, lambda _f: data, 0, ipc, daddr, flags)


def raw_destroy(sk: sock_t) -> None:
    """Closing throws away a corked datagram. Kernel: net/ipv4/raw.c raw_destroy."""
    ip_output.ip_flush_pending_frames(sk)
