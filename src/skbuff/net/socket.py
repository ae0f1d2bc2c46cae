"""The BSD socket API over the simulated stack: what a program (ping, a test) calls.

Kernel: net/socket.c (__sys_socket, __sys_bind, __sys_connect, __sys_sendto,
__sys_sendmsg, __sys_recvfrom, __sys_setsockopt), net/ipv4/af_inet.c (inet_bind,
inet_dgram_connect),
net/ipv4/datagram.c ip4_datagram_connect, net/ipv4/ip_sockglue.c (do_ip_setsockopt,
do_ip_getsockopt, ip_recv_error), net/core/sock.c (sk_setsockopt, sock_error).

Constants are Python's `socket` module values (Linux's); the few it lacks are defined here
with the kernel's values. Errors raise OSError(errno, strerror) as Linux's calls fail.
Supported: AF_INET with SOCK_DGRAM/IPPROTO_UDP, SOCK_DGRAM/IPPROTO_ICMP (ping) and
SOCK_RAW/IPPROTO_ICMP. Calls run in process context: a blocking receive advances the
simulated clock (`Kernel.run_for`) until data, an error, or the timeout.
"""

from __future__ import annotations

import errno
import os
import struct
from collections.abc import Iterable
from socket import (
    AF_INET,
    IP_OPTIONS,
    IP_TOS,
    IP_TTL,
    IPPROTO_ICMP,
    IPPROTO_IP,
    IPPROTO_UDP,
    MSG_DONTWAIT,
    MSG_ERRQUEUE,
    SO_BROADCAST,
    SO_ERROR,
    SO_RCVBUF,
    SOCK_DGRAM,
    SOCK_RAW,
    SOL_SOCKET,
    SOL_UDP,
)
from typing import TYPE_CHECKING, NoReturn, overload

from skbuff.net import flow
from skbuff.net.core import dst as core_dst
from skbuff.net.core import sock
from skbuff.net.ipv4 import fib_frontend, ip_options, ip_sockglue, ping, raw, route, udp
from skbuff.uapi import rtnetlink, snmp
from skbuff.uapi.in_ import (
    IP_CHECKSUM,
    IP_MTU,
    IP_MTU_DISCOVER,
    IP_PKTINFO,
    IP_PMTUDISC_DONT,
    IP_PMTUDISC_OMIT,
    IP_RECVERR,
    IP_RECVFRAGSIZE,
    IP_RECVOPTS,
    IP_RECVORIGDSTADDR,
    IP_RECVTOS,
    IP_RECVTTL,
    IP_RETOPTS,
)

# The IP_MTU_DISCOVER values, offered with the options as Python's socket module does.
from skbuff.uapi.in_ import IP_PMTUDISC_DO as IP_PMTUDISC_DO
from skbuff.uapi.in_ import IP_PMTUDISC_PROBE as IP_PMTUDISC_PROBE
from skbuff.uapi.in_ import IP_PMTUDISC_WANT as IP_PMTUDISC_WANT
from skbuff.uapi.inet import ntoa
from skbuff.uapi.socket import SO_BINDTODEVICE, SO_MARK

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net

SOCK_MIN_RCVBUF = 4608  # 2 * (2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff)))
SYSCTL_RMEM_MAX = 212992
_RECV_STEP_NS = 1_000_000
_FOREVER_NS = 3600 * 10**9
_EE = struct.Struct("=IBBBBII")
MSG_CTRUNC = 0x8
_CMSG_HDRLEN = 16  # sizeof(struct cmsghdr) on 64-bit
# The options that switch an IP_CMSG_* flag (do_ip_setsockopt / do_ip_getsockopt).
_CMSG_OPTS = {IP_PKTINFO: ip_sockglue.IP_CMSG_PKTINFO, IP_RECVTTL: ip_sockglue.IP_CMSG_TTL,
              IP_RECVTOS: ip_sockglue.IP_CMSG_TOS, IP_RECVOPTS: ip_sockglue.IP_CMSG_RECVOPTS,
              IP_RETOPTS: ip_sockglue.IP_CMSG_RETOPTS,
              IP_RECVORIGDSTADDR: ip_sockglue.IP_CMSG_ORIGDSTADDR,
              IP_CHECKSUM: ip_sockglue.IP_CMSG_CHECKSUM,
              IP_RECVFRAGSIZE: ip_sockglue.IP_CMSG_RECVFRAGSIZE}


def _raise(err: int) -> NoReturn:
    raise OSError(err, os.strerror(err))


def _check(ret: int) -> int:
    if ret < 0:
        _raise(-ret)
    return ret


class Socket:
    """One open socket (struct socket + its struct sock)."""

    __slots__ = ("cap_net_raw", "net", "sk", "timeout")

    def __init__(self, net: Net, family: int, type: int, proto: int) -> None:
        if family != AF_INET:
            _raise(errno.EAFNOSUPPORT)
        if type == SOCK_DGRAM and proto in (0, IPPROTO_UDP):
            proto = IPPROTO_UDP
        elif not (type in (SOCK_DGRAM, SOCK_RAW) and proto == IPPROTO_ICMP):
            _raise(errno.EPROTONOSUPPORT)
        self.net = net
        self.sk = sock.sock(net, family, type, proto)
        self.sk.sk_ino = sock.get_next_ino(net.kernel)  # sock_alloc: a sockfs inode
        self.timeout: float | None = None
        # The calling process holds CAP_NET_RAW (root does; iputils drops it once its
        # socket is open: disable_capability_raw).
        self.cap_net_raw = True
        if type == SOCK_RAW:
            self.sk.inet_num = proto
            net.ipv4.raw_table.setdefault(proto, []).append(self.sk)

    def _is_ping(self) -> bool:
        return self.sk.sk_type == SOCK_DGRAM and self.sk.sk_protocol == IPPROTO_ICMP

    def _get_port(self, port: int) -> int:
        if self._is_ping():
            return ping.ping_get_port(self.sk, port)
        return udp.udp_lib_get_port(self.sk, port)

    def bind(self, address: tuple[str, int]) -> None:
        """Kernel: net/ipv4/af_inet.c __inet_bind (EADDRNOTAVAIL for a non-local address
        unless ip_nonlocal_bind; EINVAL if already bound; EADDRINUSE)."""
        sk = self.sk
        addr = _aton(address[0])
        if sk.inet_num and sk.sk_type != SOCK_RAW:
            _raise(errno.EINVAL)
        if addr and not self.net.ipv4.sysctl_ip_nonlocal_bind and fib_frontend.inet_addr_type(
                self.net, addr) not in (rtnetlink.RTN_LOCAL, rtnetlink.RTN_MULTICAST,
                                        rtnetlink.RTN_BROADCAST):
            _raise(errno.EADDRNOTAVAIL)
        sk.inet_rcv_saddr = sk.inet_saddr = addr
        if sk.sk_type != SOCK_RAW:
            err = self._get_port(address[1])
            if err:
                sk.inet_rcv_saddr = sk.inet_saddr = 0
                _raise(-err)

    def connect(self, address: tuple[str, int]) -> None:
        """Route to the peer, fix the source address, remember the peer, pick a fresh IP ID
        base. Kernel: net/ipv4/datagram.c __ip4_datagram_connect."""
        sk = self.sk
        daddr = _aton(address[0])
        fl4 = flow.flowi4(flowi4_oif=sk.sk_bound_dev_if, flowi4_mark=sk.sk_mark,
                          flowi4_proto=sk.sk_protocol, daddr=daddr, saddr=sk.inet_saddr)
        rt = route.ip_route_output_key(self.net, fl4)
        if isinstance(rt, int):
            if rt == -errno.ENETUNREACH:
                self.net.mib.ip_statistics[snmp.IPSTATS_MIB_OUTNOROUTES] += 1
            _raise(-rt)
        if rt.rt_flags & route.RTCF_BROADCAST and not sk.broadcast:
            core_dst.dst_release(rt)
            _raise(errno.EACCES)
        core_dst.dst_release(rt)
        if not sk.inet_saddr:
            sk.inet_saddr = fl4.saddr
        if not sk.inet_rcv_saddr:
            sk.inet_rcv_saddr = fl4.saddr
        sk.inet_daddr = daddr
        sk.inet_dport = address[1]
        sk.sk_state = sock.TCP_ESTABLISHED
        sk.inet_id = self.net.kernel.rng.get_random_u32() & 0xFFFF
        if not sk.inet_num and sk.sk_type != SOCK_RAW:
            _check(self._get_port(0))

    def sendto(self, data: bytes, flags_or_address: int | tuple[str, int],
               address: tuple[str, int] | None = None) -> int:
        """sendto(data, address) or sendto(data, flags, address) (MSG_MORE for UDP, raw).
        Kernel: udp_sendmsg / ping_v4_sendmsg / raw_sendmsg via __sys_sendto."""
        if isinstance(flags_or_address, tuple):
            flags, address = 0, flags_or_address
        else:
            flags = flags_or_address
        assert address is not None
        return self._send(bytes(data), _aton(address[0]), address[1], flags)

    def send(self, data: bytes, flags: int = 0) -> int:
        """Send to the connected peer (EDESTADDRREQ if none)."""
        if self.sk.sk_state != sock.TCP_ESTABLISHED and not self.sk.pending:
            _raise(errno.EDESTADDRREQ)
        return self._send(bytes(data), self.sk.inet_daddr, self.sk.inet_dport, flags)

    def sendmsg(self, buffers: Iterable[bytes], ancdata: Iterable[tuple[int, int, bytes]] = (),
                flags: int = 0, address: tuple[str, int] | None = None) -> int:
        """Python's socket.sendmsg: the buffers joined, with control messages (level, type,
        data) as ip_sockglue.ip_cmsg_send takes them; to `address` or the connected peer.
        Kernel: net/socket.c ____sys_sendmsg → udp_sendmsg / ping_v4_sendmsg / raw_sendmsg."""
        data = b"".join(bytes(b) for b in buffers)
        control = [(level, type, bytes(d)) for level, type, d in ancdata]
        if address is None:
            if self.sk.sk_state != sock.TCP_ESTABLISHED and not self.sk.pending:
                _raise(errno.EDESTADDRREQ)
            return self._send(data, self.sk.inet_daddr, self.sk.inet_dport, flags, control)
        return self._send(data, _aton(address[0]), address[1], flags, control)

    def _send(self, data: bytes, daddr: int, dport: int, flags: int = 0,
              control: list[tuple[int, int, bytes]] | None = None) -> int:
        sk = self.sk
        anc = control or ()
        if sk.sk_protocol == IPPROTO_UDP:
            return _check(udp.udp_sendmsg(sk, data, daddr, dport, flags, anc, self.cap_net_raw))
        if self._is_ping():
            return _check(ping.ping_v4_sendmsg(sk, data, daddr, anc, self.cap_net_raw))
        return _check(raw.raw_sendmsg(sk, data, daddr, flags, anc, self.cap_net_raw))

    def _wait(self, flags: int) -> None:
        """Block until data or an error is queued (EAGAIN for non-blocking, TimeoutError)."""
        sk = self.sk
        k = self.net.kernel
        if flags & MSG_DONTWAIT or self.timeout == 0:
            _raise(errno.EAGAIN)
        limit = _FOREVER_NS if self.timeout is None else int(self.timeout * 1e9)
        deadline = k.now_ns + limit
        while not sk.sk_receive_queue and not sk.sk_err:
            if k.now_ns >= deadline:
                if self.timeout is None:
                    _raise(errno.EAGAIN)
                raise TimeoutError("timed out")
            k.run_for(min(_RECV_STEP_NS, deadline - k.now_ns))

    def recvmsg(self, bufsize: int, ancbufsize: int = 0, flags: int = 0
                ) -> tuple[bytes, list[tuple[int, int, bytes]], int, tuple[str, int] | None]:
        """(data, ancdata, msg_flags, address). MSG_ERRQUEUE returns one error-queue entry
        with its IP_RECVERR control message (sock_extended_err + offender sockaddr_in); a
        datagram comes with the control messages its IP_CMSG_* flags ask for
        (ip_sockglue.ip_cmsg_recv). Control messages fill `ancbufsize` bytes at most, as
        put_cmsg does (MSG_CTRUNC when one is cut or left out).
        Kernel: net/ipv4/ip_sockglue.c ip_recv_error, ip_cmsg_recv_offset; udp_recvmsg,
        raw_recvmsg, ping_recvmsg; net/core/scm.c put_cmsg."""
        sk = self.sk
        if flags & MSG_ERRQUEUE:
            if not sk.sk_error_queue:
                _raise(errno.EAGAIN)
            payload, ee = sk.sk_error_queue.popleft()
            cmsg = _EE.pack(ee.ee_errno, ee.ee_origin, ee.ee_type, ee.ee_code, 0, ee.ee_info,
                            ee.ee_data) + _sockaddr_in(ee.offender, 0)
            anc = [(IPPROTO_IP, IP_RECVERR, cmsg)]
            if sk.cmsg_flags & ip_sockglue.IP_CMSG_TTL and ee.ttl >= 0:
                anc.insert(0, (IPPROTO_IP, IP_TTL, struct.pack("=i", ee.ttl)))
            # sock_dequeue_err_skb: sk_err becomes the next queued error's, or 0.
            sk.sk_err = sk.sk_error_queue[0][1].ee_errno if sk.sk_error_queue else 0
            anc, ctrunc = put_cmsgs(anc, ancbufsize)
            return (payload[:bufsize], anc, MSG_ERRQUEUE | ctrunc,
                    (ntoa(ee.offender), ee.port))
        if not sk.sk_receive_queue and not sk.sk_err:
            self._wait(flags)
        if sk.sk_err and not sk.sk_receive_queue:
            err, sk.sk_err = sk.sk_err, 0
            _raise(err)
        got = (udp.udp_recvmsg(sk) if sk.sk_protocol == IPPROTO_UDP
               else sock.sock_dequeue(sk))
        if got is None:
            _raise(errno.EAGAIN)
        data, saddr, sport, iph, cb, ports, csum = got
        anc, left_out = (ip_sockglue.ip_cmsg_recv(sk, iph, cb, ports, csum) if sk.cmsg_flags
                         else ([], False))
        anc, ctrunc = put_cmsgs(anc, ancbufsize)
        return data[:bufsize], anc, ctrunc | (MSG_CTRUNC if left_out else 0), \
            (ntoa(saddr), sport)

    def recvfrom(self, bufsize: int, flags: int = 0) -> tuple[bytes, tuple[str, int] | None]:
        data, _, _, addr = self.recvmsg(bufsize, 0, flags)
        return data, addr

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        return self.recvmsg(bufsize, 0, flags)[0]

    def setsockopt(self, level: int, optname: int, value: int | bytes) -> None:
        """Kernel: net/ipv4/ip_sockglue.c do_ip_setsockopt; net/core/sock.c sk_setsockopt."""
        sk = self.sk
        if level == SOL_SOCKET and optname == SO_BINDTODEVICE:
            name = value.rstrip(b"\0").decode() if isinstance(value, bytes) else str(value)
            dev = self.net.dev_base_head.get(name) if name else None
            if name and dev is None:
                _raise(errno.ENODEV)
            sk.sk_bound_dev_if = dev.ifindex if dev is not None else 0
            return
        if level == IPPROTO_IP and optname == IP_OPTIONS:
            opt = ip_options.ip_options_get(self.net, bytes(value) if isinstance(value, bytes)
                                            else b"", self.cap_net_raw)
            if isinstance(opt, int):
                _raise(-opt)
            sk.inet_opt = opt
            return
        val = int.from_bytes(value, "little", signed=True) if isinstance(value, bytes) \
            else int(value)
        if level == SOL_SOCKET:
            if optname == SO_RCVBUF:
                sk.sk_rcvbuf = max(min(val, SYSCTL_RMEM_MAX) * 2, SOCK_MIN_RCVBUF)
            elif optname == SO_BROADCAST:
                sk.broadcast = bool(val)
            elif optname == SO_MARK:
                sk.sk_mark = val & 0xFFFFFFFF
            else:
                _raise(errno.ENOPROTOOPT)
        elif level == IPPROTO_IP:
            if optname == IP_TTL:
                if val != -1 and not 1 <= val <= 255:
                    _raise(errno.EINVAL)
                sk.uc_ttl = val
            elif optname == IP_TOS:
                sk.tos = val & 0xFF
            elif optname == IP_MTU_DISCOVER:
                if not IP_PMTUDISC_DONT <= val <= IP_PMTUDISC_OMIT:
                    _raise(errno.EINVAL)
                sk.pmtudisc = val
            elif optname == IP_RECVERR:
                sk.recverr = bool(val)
                if not val:
                    sk.sk_error_queue.clear()
            elif optname in _CMSG_OPTS:
                if val:
                    sk.cmsg_flags |= _CMSG_OPTS[optname]
                else:
                    sk.cmsg_flags &= ~_CMSG_OPTS[optname]
            else:
                _raise(errno.ENOPROTOOPT)
        elif level == SOL_UDP and sk.sk_protocol == IPPROTO_UDP and optname == udp.UDP_CORK:
            udp.udp_set_cork(sk, val)
        else:
            _raise(errno.ENOPROTOOPT)

    @overload
    def getsockopt(self, level: int, optname: int) -> int: ...

    @overload
    def getsockopt(self, level: int, optname: int, buflen: int) -> bytes: ...

    def getsockopt(self, level: int, optname: int, buflen: int = 0) -> int | bytes:
        """The value as an int, or with `buflen` its first `buflen` bytes (as Python's
        socket does). IP_OPTIONS gives the options as set (ip_options_undo), b"" if none.

        Kernel: do_ip_getsockopt (IP_MTU needs a connected socket: ENOTCONN), sk_getsockopt.
        """
        if level == IPPROTO_IP and optname == IP_OPTIONS:
            opt = self.sk.inet_opt
            return ip_options.ip_options_undo(opt)[:buflen] if opt is not None else b""
        val = self._getsockopt_int(level, optname)
        return val.to_bytes(4, "little", signed=True)[:buflen] if buflen else val

    def _getsockopt_int(self, level: int, optname: int) -> int:
        sk = self.sk
        if level == SOL_SOCKET:
            values = {SO_RCVBUF: sk.sk_rcvbuf, SO_BROADCAST: int(sk.broadcast),
                      SO_MARK: sk.sk_mark}
            if optname == SO_ERROR:
                err, sk.sk_err = sk.sk_err, 0
                return err
            if optname in values:
                return values[optname]
        elif level == IPPROTO_IP:
            if optname == IP_TTL:
                return sk.uc_ttl if sk.uc_ttl >= 0 else self.net.ipv4.sysctl_ip_default_ttl
            if optname == IP_TOS:
                return sk.tos
            if optname == IP_MTU_DISCOVER:
                return sk.pmtudisc
            if optname == IP_RECVERR:
                return int(sk.recverr)
            if optname in _CMSG_OPTS:
                return int(bool(sk.cmsg_flags & _CMSG_OPTS[optname]))
            if optname == IP_MTU:
                return self._path_mtu()
        elif level == SOL_UDP and sk.sk_protocol == IPPROTO_UDP and optname == udp.UDP_CORK:
            return int(sk.corkflag)
        _raise(errno.ENOPROTOOPT)

    def _path_mtu(self) -> int:
        sk = self.sk
        if sk.sk_state != sock.TCP_ESTABLISHED:
            _raise(errno.ENOTCONN)
        fl4 = flow.flowi4(flowi4_oif=sk.sk_bound_dev_if, daddr=sk.inet_daddr,
                          saddr=sk.inet_saddr, flowi4_proto=sk.sk_protocol)
        rt = route.ip_route_output_key(self.net, fl4)
        if isinstance(rt, int):
            _raise(-rt)
        mtu = core_dst.dst_mtu(rt)
        core_dst.dst_release(rt)
        return mtu

    def settimeout(self, timeout: float | None) -> None:
        self.timeout = timeout

    def close(self) -> None:
        """Kernel: inet_release → udp_lib_unhash / ping_unhash / raw unhash."""
        sk = self.sk
        if sk.dead:
            return
        sk.dead = True
        if sk.sk_type == SOCK_RAW:
            raw.raw_destroy(sk)
            self.net.ipv4.raw_table[sk.sk_protocol].remove(sk)
        elif self._is_ping():
            ping.ping_unhash(sk)
        else:
            udp.udp_flush_pending_frames(sk)  # udp_destroy_sock
            udp.udp_lib_unhash(sk)


def net_socket(net: Net, family: int, type: int, proto: int = 0) -> Socket:
    """socket(2) in namespace `net`. Kernel: net/socket.c __sys_socket."""
    return Socket(net, family, type, proto)


socket = net_socket


def _aton(s: str) -> int:
    if s in ("", "0.0.0.0"):
        return 0
    if s == "<broadcast>":
        return 0xFFFFFFFF
    parts = [int(p) for p in s.split(".")]
    if len(parts) != 4 or any(not 0 <= p <= 255 for p in parts):
        _raise(errno.EINVAL)
    return (parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]


def put_cmsgs(anc: list[tuple[int, int, bytes]], ancbufsize: int
              ) -> tuple[list[tuple[int, int, bytes]], int]:
    """The control messages that fit in `ancbufsize` bytes (each takes CMSG_SPACE: a 16-byte
    header, data padded to 8), and MSG_CTRUNC if any was cut short or left out.
    Kernel: net/core/scm.c put_cmsg."""
    out: list[tuple[int, int, bytes]] = []
    room = ancbufsize
    for level, type, data in anc:
        if room < _CMSG_HDRLEN:
            return out, MSG_CTRUNC
        if room < _CMSG_HDRLEN + len(data):
            out.append((level, type, data[:room - _CMSG_HDRLEN]))
            return out, MSG_CTRUNC
        out.append((level, type, data))
        room -= min(room, _CMSG_HDRLEN + (len(data) + 7 & ~7))
    return out, 0


def _sockaddr_in(addr: int, port: int) -> bytes:
    return struct.pack("=H", AF_INET) + struct.pack("!HI", port, addr) + bytes(8)
