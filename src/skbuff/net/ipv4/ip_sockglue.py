"""Socket-level IP glue: turning an ICMP error into a socket error (IP_RECVERR), the
control messages recvmsg returns (IP_PKTINFO, IP_RECVTTL, IP_RECVTOS, IP_RECVOPTS,
IP_RETOPTS, IP_RECVORIGDSTADDR, IP_CHECKSUM, IP_RECVFRAGSIZE) and the ones sendmsg takes
(IP_PKTINFO, IP_TTL, IP_TOS, IP_RETOPTS, IP_PROTOCOL; SOL_SOCKET ones via sock.py).

Kernel: net/ipv4/ip_sockglue.c ip_icmp_error, ip_local_error, ip_cmsg_recv_offset,
ipv4_pktinfo_prepare, ip_cmsg_send; net/ipv4/icmp.c icmp_err_convert.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING

from skbuff.net.core import skbuff, sock
from skbuff.net.flow import LOOPBACK_IFINDEX
from skbuff.net.ipv4 import fib_frontend, ip_options, ip_output, route
from skbuff.uapi import checksum
from skbuff.uapi.icmp import (
    ICMP_DEST_UNREACH,
    ICMP_FRAG_NEEDED,
    ICMP_PARAMETERPROB,
    ICMP_SOURCE_QUENCH,
    NR_ICMP_UNREACH,
)
from skbuff.uapi.in_ import (
    IP_CHECKSUM,
    IP_ORIGDSTADDR,
    IP_PKTINFO,
    IP_PROTOCOL,
    IP_RECVFRAGSIZE,
    IP_RECVOPTS,
    IP_RETOPTS,
    IP_TOS,
    IP_TTL,
    IPPROTO_IP,
)
from skbuff.uapi.rtnetlink import AF_INET

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
IP_CMSG_PASSSEC = 1 << 5
IP_CMSG_ORIGDSTADDR = 1 << 6
IP_CMSG_CHECKSUM = 1 << 7
IP_CMSG_RECVFRAGSIZE = 1 << 8
_INT = struct.Struct("=i")
_UINT = struct.Struct("=I")
_PKTINFO = struct.Struct("=i4s4s")  # struct in_pktinfo: ipi_ifindex, ipi_spec_dst, ipi_addr
_PKTINFO_SPEC_DST = struct.Struct("!I")
_NO_PKTINFO = bytes(8)
_OPTLEN = 12  # IPCB(skb)->opt.optlen inside skb->cb
_FRAG_MAX_SIZE = struct.Struct("=H")  # IPCB(skb)->frag_max_size, at ip_options.IPCB_FLAGS + 2

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


def ipv4_pktinfo_prepare(sk: sock.sock, skb: sk_buff) -> bytes:
    """skb->cb as the socket's queued copy keeps it: with IP_PKTINFO on and a route, an
    in_pktinfo laid over IPCB's start (ipi_ifindex: IPCB's iif, or when that was the
    loopback inet_iif: the route's rt_iif, else skb_iif; ipi_spec_dst:
    fib_compute_spec_dst), else both zeroed. The skb's cb itself is left as it is (the
    kernel writes the clone or the skb it queues; here the queued datagram keeps these
    bytes). Softirq context.

    Kernel: net/ipv4/ip_sockglue.c ipv4_pktinfo_prepare (no l3mdev slaves here).
    """
    cb = skb.cb
    rt = route.skb_rtable(skb) if sk.cmsg_flags & IP_CMSG_PKTINFO else None
    if rt is None:
        return _NO_PKTINFO + cb[8:]
    ifindex = _INT.unpack_from(cb, 0)[0]
    if ifindex == LOOPBACK_IFINDEX:
        ifindex = rt.rt_iif or skb.skb_iif  # inet_iif: a local route's rt_iif owns daddr
    return _INT.pack(ifindex) + _PKTINFO_SPEC_DST.pack(fib_frontend.fib_compute_spec_dst(skb)) \
        + cb[8:]


def ip_cmsg_recv(sk: sock.sock, iph: bytes, cb: bytes, ports: bytes, csum: int
                 ) -> tuple[list[tuple[int, int, bytes]], bool]:
    """The control messages for one received datagram, in the kernel's order, and whether
    one was left out (MSG_CTRUNC). `iph` is its IP header with options, `cb` the queued
    skb->cb (IPCB(skb), with ipv4_pktinfo_prepare's in_pktinfo over its start), `ports` the
    first 4 bytes of its transport header (b"" if it had fewer), `csum` skb->csum when the
    skb was CHECKSUM_COMPLETE, else -1.

    IP_PKTINFO is cb's in_pktinfo with ipi_addr the header's daddr; IP_RECVOPTS gives the
    options as received (as our own RR/TS slots filled them); IP_RETOPTS the options a
    reply would carry, as setsockopt(IP_OPTIONS) takes them (ip_options_echo +
    ip_options_undo), left out with MSG_CTRUNC when they cannot be echoed;
    IP_ORIGDSTADDR a sockaddr_in of daddr and the transport header's second 16 bits;
    IP_CHECKSUM the complete checksum; IP_RECVFRAGSIZE the reassembled datagram's largest
    fragment (none if it was not reassembled).

    Kernel: net/ipv4/ip_sockglue.c ip_cmsg_recv_offset (offset 0: no peeking here),
    ip_cmsg_recv_pktinfo, _ttl, _tos, _opts, _retopts, _dstaddr, _checksum, _fragsize.
    """
    flags = sk.cmsg_flags
    anc: list[tuple[int, int, bytes]] = []
    ctrunc = False
    if flags & IP_CMSG_PKTINFO:
        anc.append((IPPROTO_IP, IP_PKTINFO, cb[0:8] + iph[16:20]))
    if flags & IP_CMSG_TTL:
        anc.append((IPPROTO_IP, IP_TTL, _INT.pack(iph[8])))
    if flags & IP_CMSG_TOS:
        anc.append((IPPROTO_IP, IP_TOS, iph[1:2]))
    if flags & IP_CMSG_RECVOPTS and cb[_OPTLEN]:
        anc.append((IPPROTO_IP, IP_RECVOPTS, iph[20:20 + cb[_OPTLEN]]))
    if flags & IP_CMSG_RETOPTS and cb[_OPTLEN]:
        dopt = ip_options.ip_options_data()
        if ip_options.options_echo(sk.sk_net, dopt, iph, 0, ip_options.ip_options(bytearray(cb))):
            ctrunc = True
        else:
            anc.append((IPPROTO_IP, IP_RETOPTS, ip_options.ip_options_undo(dopt)))
    if flags & IP_CMSG_ORIGDSTADDR and len(ports) == 4:
        anc.append((IPPROTO_IP, IP_ORIGDSTADDR,
                    _FRAG_MAX_SIZE.pack(AF_INET) + ports[2:4] + iph[16:20] + bytes(8)))
    if flags & IP_CMSG_CHECKSUM and csum >= 0:
        anc.append((IPPROTO_IP, IP_CHECKSUM, _UINT.pack(csum)))
    if flags & IP_CMSG_RECVFRAGSIZE:
        frag_max_size = _FRAG_MAX_SIZE.unpack_from(cb, ip_options.IPCB_FLAGS + 2)[0]
        if frag_max_size:
            anc.append((IPPROTO_IP, IP_RECVFRAGSIZE, _INT.pack(frag_max_size)))
    return anc, ctrunc


def skb_rx_csum(skb: sk_buff) -> int:
    """What IP_CHECKSUM would report for `skb`: skb->csum when CHECKSUM_COMPLETE, else -1
    (the kernel sends no IP_CHECKSUM message then).

    Kernel: net/ipv4/ip_sockglue.c ip_cmsg_recv_checksum.
    """
    return int(skb.csum) if skb.ip_summed == checksum.CHECKSUM_COMPLETE else -1


def ip_cmsg_send(sk: sock.sock, control: Sequence[tuple[int, int, bytes]],
                 ipc: ip_output.ipcm_cookie, cap_net_raw: bool) -> int:
    """Apply sendmsg's control messages (level, type, data) to `ipc`: 0 or -errno.
    SOL_SOCKET ones go to __sock_cmsg_send; other levels than SOL_IP are skipped; at SOL_IP
    IP_RETOPTS (at most 40 bytes, compiled as setsockopt(IP_OPTIONS) does, the source-route
    CAP_NET_RAW rule included), IP_PKTINFO (exactly an in_pktinfo: a non-zero ipi_ifindex
    becomes the output interface, ipi_spec_dst always the source), IP_TTL (an int 1..255),
    IP_TOS (an int or one byte, 0..255; sets the priority too), IP_PROTOCOL (an int 1..255);
    any other type or length is -EINVAL. Process context.

    Kernel: net/ipv4/ip_sockglue.c ip_cmsg_send.
    """
    for level, type, data in control:
        if level == sock.SOL_SOCKET:
            err = sock.__sock_cmsg_send(sk, type, data, ipc, cap_net_raw)
            if err:
                return err
            continue
        if level != IPPROTO_IP:
            continue
        n = len(data)
        if type == IP_RETOPTS:
            opt = ip_options.ip_options_get(sk.sk_net, data[:ip_options.MAX_IPOPTLEN],
                                            cap_net_raw)
            if isinstance(opt, int):
                return opt
            ipc.opt = opt
        elif type == IP_PKTINFO:
            if n != _PKTINFO.size:
                return -errno.EINVAL
            ifindex = _INT.unpack_from(data)[0]
            if ifindex:
                ipc.oif = ifindex
            ipc.addr = _PKTINFO_SPEC_DST.unpack_from(data, 4)[0]
        elif type in (IP_TTL, IP_PROTOCOL):
            if n != _INT.size:
                return -errno.EINVAL
            val = _INT.unpack(data)[0]
            if not 1 <= val <= 255:
                return -errno.EINVAL
            if type == IP_TTL:
                ipc.ttl = val
            else:
                ipc.protocol = val
        elif type == IP_TOS:
            if n not in (1, _INT.size):
                return -errno.EINVAL
            val = _INT.unpack(data)[0] if n == _INT.size else data[0]
            if not 0 <= val <= 255:
                return -errno.EINVAL
            ipc.tos = val
            ipc.priority = route.rt_tos2priority(val)
        else:
            return -errno.EINVAL
    return 0


def ip_datagram_ipc(sk: sock.sock, control: Sequence[tuple[int, int, bytes]],
                    cap_net_raw: bool) -> ip_output.ipcm_cookie | int:
    """A datagram sendmsg's cookie: the socket's (ipcm_init_sk), then the control messages
    (ip_cmsg_send), then the socket's IP_OPTIONS unless a message gave options. -errno from
    ip_cmsg_send. `ipc.addr` is the source to use (the socket's, or IP_PKTINFO's).

    Kernel: net/ipv4/udp.c udp_sendmsg, ping.c ping_v4_sendmsg, raw.c raw_sendmsg (these
    lines are inline in each).
    """
    ipc = ip_output.ipcm_init_sk(sk)
    if control:
        err = ip_cmsg_send(sk, control, ipc, cap_net_raw)
        if err:
            return err
    if ipc.opt is None:
        ipc.opt = sk.inet_opt
    return ipc
