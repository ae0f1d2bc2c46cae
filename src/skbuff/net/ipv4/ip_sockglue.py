"""Socket-level IP glue: turning an ICMP error into a socket error (IP_RECVERR), and the
control messages recvmsg returns (IP_RECVTTL, IP_RECVTOS, IP_RECVOPTS, IP_RETOPTS).

Kernel: net/ipv4/ip_sockglue.c ip_icmp_error, ip_local_error, ip_cmsg_recv_offset;
net/ipv4/icmp.c icmp_err_convert.
"""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING

from skbuff.net.core import skbuff, sock
from skbuff.net.ipv4 import ip_options
from skbuff.uapi.icmp import (
    ICMP_DEST_UNREACH,
    ICMP_FRAG_NEEDED,
    ICMP_PARAMETERPROB,
    ICMP_SOURCE_QUENCH,
    NR_ICMP_UNREACH,
)
from skbuff.uapi.in_ import IP_RECVOPTS, IP_RETOPTS, IP_TOS, IP_TTL, IPPROTO_IP

if TYPE_CHECKING:
    from skbuff.net.core.skbuff import sk_buff
    from skbuff.net.core.sock import sock as sock_t

SO_EE_ORIGIN_NONE = 0
SO_EE_ORIGIN_LOCAL = 1
SO_EE_ORIGIN_ICMP = 2

# inet_sock inet_flags bits that ask for control messages (include/net/inet_sock.h)
IP_CMSG_PKTINFO = 1 << 0
IP_CMSG_TTL = 1 << 1
IP_CMSG_TOS = 1 << 2
IP_CMSG_RECVOPTS = 1 << 3
IP_CMSG_RETOPTS = 1 << 4
_INT = struct.Struct("=i")

icmp_err_convert: tuple[tuple[int, bool], ...] = (
    (errno.ENETUNREACH, False),   # ICMP_NET_UNREACH
    (errno.EHOSTUNREACH, False),  # ICMP_HOST_UNREACH
    (errno.ENOPROTOOPT, True),    # ICMP_PROT_UNREACH
    (errno.ECONNREFUSED, True),   # ICMP_PORT_UNREACH
    (errno.EMSGSIZE, False),      # ICMP_FRAG_NEEDED
    (errno.EOPNOTSUPP, False),    # ICMP_SR_FAILED
    (errno.ENETUNREACH, True),    # ICMP_NET_UNKNOWN
    (errno.EHOSTDOWN, True),      # ICMP_HOST_UNKNOWN
    (errno.ENONET, True),         # ICMP_HOST_ISOLATED
    (errno.ENETUNREACH, True),    # ICMP_NET_ANO
    (errno.EHOSTUNREACH, True),   # ICMP_HOST_ANO
    (errno.ENETUNREACH, False),   # ICMP_NET_UNR_TOS
    (errno.EHOSTUNREACH, False),  # ICMP_HOST_UNR_TOS
    (errno.EHOSTUNREACH, True),   # ICMP_PKT_FILTERED
    (errno.EHOSTUNREACH, True),   # ICMP_PREC_VIOLATION
    (errno.EHOSTUNREACH, True),   # ICMP_PREC_CUTOFF
)
"""Kernel: net/ipv4/icmp.c icmp_err_convert (errno, fatal) by unreachable code."""


def icmp_error_errno(type: int, code: int, pmtudisc: int) -> tuple[int, bool] | None:
    """(errno, hard) for an ICMP error on a datagram socket, or None to ignore it.

    Kernel: net/ipv4/udp.c __udp4_lib_err / ping.c ping_err switch.
    """
    if type == ICMP_SOURCE_QUENCH:
        return None
    if type == ICMP_PARAMETERPROB:
        return errno.EPROTO, True
    if type == ICMP_DEST_UNREACH:
        if code == ICMP_FRAG_NEEDED:
            return (errno.EMSGSIZE, True) if pmtudisc else None
        if code <= NR_ICMP_UNREACH:
            return icmp_err_convert[code]
    return errno.EHOSTUNREACH, False


def ip_icmp_error_report(sk: sock_t, skb: sk_buff, info: int, port: int, payload: bytes
                         ) -> None:
    """Record the error carried by the ICMP message in `skb` (data at the quoted header) on
    `sk`: with IP_RECVERR an error-queue entry (origin ICMP, type, code, info = the MTU, the
    sender as offender, `payload` = the quoted datagram's data), and sk_err when hard or
    IP_RECVERR is on.

    Kernel: net/ipv4/ip_sockglue.c ip_icmp_error + the err handlers' epilogue (sk->sk_err).
    """
    icmph = skbuff.icmp_hdr(skb)
    type, code = icmph.type, icmph.code
    conv = icmp_error_errno(type, code, sk.pmtudisc)
    if conv is None:
        return
    err, harderr = conv
    if sk.recverr:
        ee = sock.sock_extended_err(err, SO_EE_ORIGIN_ICMP, type, code, info,
                                    _icmp_sender(skb), port)
        th = skbuff.skb_transport_header(skb)
        ee.ttl = skb.buf[th - 12] if th >= 20 else -1
        sock.sock_queue_err(sk, payload, ee)
    elif not harderr or sk.sk_state != sock.TCP_ESTABLISHED:
        return
    sk.sk_err = err


def ip_local_error(sk: sock_t, err: int, daddr: int, port: int, info: int) -> None:
    """A locally detected error (EMSGSIZE on send) for IP_RECVERR sockets.

    Kernel: net/ipv4/ip_sockglue.c ip_local_error.
    """
    if not sk.recverr:
        return
    sock.sock_queue_err(sk, b"", sock.sock_extended_err(err, SO_EE_ORIGIN_LOCAL, 0, 0, info,
                                                        daddr, port))


def _icmp_sender(skb: sk_buff) -> int:
    """The ICMP message's sender: saddr of the outer (option-less) IP header before it."""
    th = skbuff.skb_transport_header(skb)
    return int.from_bytes(skb.buf[th - 8:th - 4], "big") if th >= 20 else 0


def ip_cmsg_recv(sk: sock.sock, iph: bytes, cb: bytes) -> tuple[list[tuple[int, int, bytes]], bool]:
    """The control messages for one received datagram, in the kernel's order, and whether
    one was left out (MSG_CTRUNC). `iph` is its IP header with options, `cb` the skb's
    control block (IPCB(skb)->opt) when it had options, else b"". IP_RECVOPTS gives the
    options as received (as our own RR/TS slots filled them); IP_RETOPTS the options a reply
    would carry, as setsockopt(IP_OPTIONS) takes them (ip_options_echo + ip_options_undo);
    options that cannot be echoed leave it out and set MSG_CTRUNC.

    Kernel: net/ipv4/ip_sockglue.c ip_cmsg_recv_offset, ip_cmsg_recv_ttl, ip_cmsg_recv_tos,
    ip_cmsg_recv_opts, ip_cmsg_recv_retopts.
    """
    flags = sk.cmsg_flags
    anc: list[tuple[int, int, bytes]] = []
    if flags & IP_CMSG_TTL:
        anc.append((IPPROTO_IP, IP_TTL, _INT.pack(iph[8])))
    if flags & IP_CMSG_TOS:
        anc.append((IPPROTO_IP, IP_TOS, iph[1:2]))
    if not cb:
        return anc, False
    if flags & IP_CMSG_RECVOPTS:
        anc.append((IPPROTO_IP, IP_RECVOPTS, iph[20:]))
    if flags & IP_CMSG_RETOPTS:
        dopt = ip_options.ip_options_data()
        if ip_options.options_echo(sk.sk_net, dopt, iph, 0, ip_options.ip_options(bytearray(cb))):
            return anc, True
        anc.append((IPPROTO_IP, IP_RETOPTS, ip_options.ip_options_undo(dopt)))
    return anc, False
