"""ICMP "ping" sockets (SOCK_DGRAM, IPPROTO_ICMP): echo replies matched by identifier.

Kernel: net/ipv4/ping.c (ping_rcv, ping_lookup, ping_err). The identifier is the socket's
bound "port" (`inet_num`); sockets live in `net.ipv4.ping_table[ident]`.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from typing import TYPE_CHECKING

from skbuff.net import flow
from skbuff.net.core import skbuff, sock
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.ipv4 import ip_output, ip_sockglue, route
from skbuff.uapi import checksum
from skbuff.uapi.icmp import ICMP_DEST_UNREACH, ICMP_ECHO, ICMP_FRAG_NEEDED, ICMP_REDIRECT
from skbuff.uapi.in_ import IPPROTO_ICMP

if TYPE_CHECKING:
    from skbuff.net.core.skbuff import sk_buff
    from skbuff.net.core.sock import sock as sock_t



def ping_rcv(skb: sk_buff) -> SKB_DROP_REASON:
    """An echo reply: queue the ICMP message (header + data) on the socket whose ident it
    carries. NO_SOCKET when none. skb->data is after the ICMP header; the skb is not taken.
    ping_queue_rcv_skb does not call ipv4_pktinfo_prepare: IP_PKTINFO shows IPCB(skb) as
    it is (ipi_ifindex the iif, ipi_spec_dst the options' faddr).

    Kernel: net/ipv4/ping.c ping_rcv, ping_queue_rcv_skb.
    """
    net = skb.dev.nd_net
    icmph = skbuff.icmp_hdr(skb)
    sk = net.ipv4.ping_table.get(icmph.un_echo_id)
    if sk is None:
        return SKB_DROP_REASON.NO_SOCKET
    th = skbuff.skb_transport_header(skb)
    data = skbuff.skb_copy_bits(skb, th - skb.data, skb.len + skb.data - th) or b""
    if sock.sock_queue_rcv(sk, skb, data, skbuff.ip_hdr(skb).saddr, 0, bytes(skb.cb),
                           ip_sockglue.skb_rx_csum(skb)):
        return SKB_DROP_REASON.SOCKET_RCVBUFF
    return SKB_DROP_REASON.NOT_DROPPED_YET


def ping_err(skb: sk_buff, offset: int, info: int) -> None:
    """An ICMP error quoting one of our echo requests: Frag Needed teaches the route its
    path MTU, a redirect its new gateway; then the error is reported on the socket.
    skb->data is at the quoted IP header; `offset` is its length. Kernel: net/ipv4/ping.c ping_err.
    """
    net = skb.dev.nd_net
    start = skbuff.skb_network_header(skb) + offset
    ident = int.from_bytes(skb.buf[start + 4:start + 6], "big")
    sk = net.ipv4.ping_table.get(ident)
    if sk is None:
        return
    icmph = skbuff.icmp_hdr(skb)
    if icmph.type == ICMP_DEST_UNREACH and icmph.code == ICMP_FRAG_NEEDED:
        route.ipv4_sk_update_pmtu(skb, sk, info)
    elif icmph.type == ICMP_REDIRECT:
        route.ipv4_redirect(skb, net, sk.sk_bound_dev_if, sk.sk_protocol)
    ip_sockglue.ip_icmp_error_report(sk, skb, info, 0, bytes(skb.buf[start:skb.tail]))


def ping_get_port(sk: sock_t, ident: int) -> int:
    """Bind the echo identifier (`ident`, or the next free one from 1). 0 or -EADDRINUSE.
    Kernel: net/ipv4/ping.c ping_get_port (the rover is per namespace here).
    """
    table = sk.sk_net.ipv4.ping_table
    if not ident:
        ident = next((i for i in range(1, 65536) if i not in table), 0)
        if not ident:
            return -errno.EADDRINUSE
    elif ident in table:
        return -errno.EADDRINUSE
    table[ident] = sk
    sk.inet_num = ident
    sk.inet_sport = ident
    return 0


def ping_unhash(sk: sock_t) -> None:
    """Kernel: net/ipv4/ping.c ping_unhash."""
    if sk.sk_net.ipv4.ping_table.get(sk.inet_num) is sk:
        del sk.sk_net.ipv4.ping_table[sk.inet_num]


def ping_v4_sendmsg(sk: sock_t, data: bytes, daddr: int,
                    control: Sequence[tuple[int, int, bytes]] = (), cap_net_raw: bool = True
                    ) -> int:
    """Send an echo request written by the user (type ECHO, code 0, else -EINVAL); the
    identifier becomes the socket's and the checksum is filled in. `control` is sendmsg's
    ancillary data (ip_sockglue.ip_cmsg_send), `cap_net_raw` the caller's capability.

    Kernel: net/ipv4/ping.c ping_v4_sendmsg, ping_common_sendmsg, ping_getfrag.
    """
    if len(data) < 8 or data[0] != ICMP_ECHO or data[1] != 0:
        return -errno.EINVAL
    if not sk.inet_num:
        err = ping_get_port(sk, 0)
        if err:
            return err
    ipc = ip_sockglue.ip_datagram_ipc(sk, control, cap_net_raw)
    if isinstance(ipc, int):
        return ipc
    fl4 = flow.flowi4(flowi4_oif=ipc.oif, flowi4_mark=ipc.mark,
                      flowi4_tos=(sk.tos if ipc.tos < 0 else ipc.tos) & 0xFC,
                      flowi4_proto=IPPROTO_ICMP,
                      daddr=ip_output.inet_opt_faddr(ipc.opt, daddr), saddr=ipc.addr)
    fl4.fl4_icmp_type = ICMP_ECHO

    def build(_: flow.flowi4) -> bytes:
        msg = bytearray(data)
        msg[2:6] = b"\0\0" + sk.inet_sport.to_bytes(2, "big")
        msg[2:4] = checksum.ip_compute_csum(msg, 0, len(msg)).to_bytes(2, "big")
        return bytes(msg)

    sent = ip_output.ip4_datagram_send(sk, fl4, build, 8, ipc, daddr)
    return sent if sent < 0 else len(data)
