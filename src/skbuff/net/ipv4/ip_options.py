"""IP options and the IPv4 control block: struct ip_options, struct inet_skb_parm, IPCB(skb).

Kernel: net/ipv4/ip_options.c (ip_options_build, __ip_options_echo, __ip_options_compile,
ip_options_compile, ip_options_fragment, ip_options_rcv_srr, ip_forward_options),
include/net/inet_sock.h struct ip_options and struct ip_options_data, include/net/ip.h
struct inet_skb_parm and IPCB, include/uapi/linux/ip.h IPOPT_*.

`inet_skb_parm` is a view on `skb.cb` with the kernel's x86-64 layout: iif (int, 0), opt
(struct ip_options, 4..20: faddr, nexthop, optlen, srr, rr, ts, bit flags, router_alert,
cipso), flags (u16, 20), frag_max_size (u16, 22). Option offsets (srr, rr, ts, router_alert)
are from the start of the IP header, 0 meaning absent, as in the kernel. Options built for
sending (`ip_options_data`) keep the same struct layout followed by the option bytes.
"""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING

from skbuff.net.core import skbuff
from skbuff.net.ipv4 import devinet, fib_frontend, icmp, route
from skbuff.uapi import rtnetlink
from skbuff.uapi.icmp import ICMP_PARAMETERPROB
from skbuff.uapi.if_packet import PACKET_HOST
from skbuff.uapi.ip import (
    IPOPT_CIPSO,
    IPOPT_COPY,
    IPOPT_END,
    IPOPT_LSRR,
    IPOPT_NOOP,
    IPOPT_RA,
    IPOPT_RR,
    IPOPT_SSRR,
    IPOPT_TIMESTAMP,
    IPOPT_TS_PRESPEC,
    IPOPT_TS_TSANDADDR,
    IPOPT_TS_TSONLY,
    ip_send_check,
)

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff

# inet_skb_parm.flags (include/net/ip.h)
IPSKB_FORWARDED = 1 << 0
IPSKB_XFRM_TUNNEL_SIZE = 1 << 1
IPSKB_XFRM_TRANSFORMED = 1 << 2
IPSKB_FRAG_COMPLETE = 1 << 3
IPSKB_REROUTED = 1 << 4
IPSKB_DOREDIRECT = 1 << 5
IPSKB_FRAG_PMTU = 1 << 6
IPSKB_L3SLAVE = 1 << 7
IPSKB_NOPOLICY = 1 << 8
IPSKB_MULTIPATH = 1 << 9

_IPCB_SIZE = 24
_ZERO_IPCB = bytes(_IPCB_SIZE)
# Byte offsets in skb->cb of the fields the per-packet paths read or write directly (in C
# they are plain loads and stores through IPCB(skb); a view object per access is not free).
IPCB_OPT_OPTLEN = 12
IPCB_OPT_SRR = 13
IPCB_OPT_BITS = 16  # is_strictroute, srr_is_hit, ... (the masks below)
IPCB_OPT_ROUTER_ALERT = 17
IPCB_FLAGS = 20  # u16 flags, then u16 frag_max_size
IPCB_FLAGS_FMS = struct.Struct("=HH")
IPCB_INIT = struct.Struct("=i20x")  # memset(IPCB(skb), 0, ...) with iif stored, in one pack
_BE32 = struct.Struct("!I")
_NE32 = struct.Struct("=i")
_NE16 = struct.Struct("=H")
_new_view = object.__new__

# ip_options bit-field byte (cb[IPCB_OPT_BITS])
IS_STRICTROUTE = 0x01
_SRR_IS_HIT = 0x02
_IS_CHANGED = 0x04
_RR_NEEDADDR = 0x08
_TS_NEEDTIME = 0x10
_TS_NEEDADDR = 0x20


def _u8(off: int) -> property:
    def get(self: ip_options) -> int:
        return self.cb[off]

    def set_(self: ip_options, v: int) -> None:
        self.cb[off] = v

    return property(get, set_)


def _packed(fmt: struct.Struct, off: int) -> property:
    def get(self: ip_options | inet_skb_parm) -> int:
        v: int = fmt.unpack_from(self.cb, off)[0]
        return v

    def set_(self: ip_options | inet_skb_parm, v: int) -> None:
        fmt.pack_into(self.cb, off, v)

    return property(get, set_)


def _bit(mask: int) -> property:
    def get(self: ip_options) -> bool:
        return bool(self.cb[IPCB_OPT_BITS] & mask)

    def set_(self: ip_options, v: bool) -> None:
        bits = self.cb[IPCB_OPT_BITS]
        self.cb[IPCB_OPT_BITS] = (bits | mask) if v else (bits & ~mask)

    return property(get, set_)


class ip_options:
    """struct ip_options, viewed inside an skb's cb (IPCB(skb).opt). Addresses host-order.

    Kernel: include/net/inet_sock.h struct ip_options.
    """

    __slots__ = ("cb",)

    def __init__(self, cb: bytearray) -> None:
        self.cb = cb

    faddr = _packed(_BE32, 4)
    nexthop = _packed(_BE32, 8)
    optlen = _u8(IPCB_OPT_OPTLEN)
    srr = _u8(IPCB_OPT_SRR)
    rr = _u8(14)
    ts = _u8(15)
    router_alert = _u8(IPCB_OPT_ROUTER_ALERT)
    cipso = _u8(18)
    is_strictroute = _bit(IS_STRICTROUTE)
    srr_is_hit = _bit(_SRR_IS_HIT)
    is_changed = _bit(_IS_CHANGED)
    rr_needaddr = _bit(_RR_NEEDADDR)
    ts_needtime = _bit(_TS_NEEDTIME)
    ts_needaddr = _bit(_TS_NEEDADDR)


class inet_skb_parm:
    """struct inet_skb_parm: IPv4's view of skb->cb. Kernel: include/net/ip.h."""

    __slots__ = ("cb",)

    def __init__(self, cb: bytearray) -> None:
        self.cb = cb

    @property
    def opt(self) -> ip_options:
        opt = _new_view(ip_options)  # as IPCB: no Python-level __init__ per packet
        opt.cb = self.cb
        return opt

    iif = _packed(_NE32, 0)
    flags = _packed(_NE16, IPCB_FLAGS)
    frag_max_size = _packed(_NE16, IPCB_FLAGS + 2)

    def clear(self) -> None:
        """memset(IPCB(skb), 0, sizeof(struct inet_skb_parm))."""
        self.cb[0:_IPCB_SIZE] = _ZERO_IPCB


_OPT_STRUCT = slice(4, 20)  # struct ip_options (without __data) inside cb / ip_options_data
OPT_DATA = 24  # where ip_options_data keeps the option bytes (__data)
MAX_IPOPTLEN = 40


class ip_options_data:
    """struct ip_options_data: an ip_options plus room for 40 option bytes (the options a
    reply or a socket sends). `buf[4:20]` is the struct, `buf[OPT_DATA:]` its __data.

    Kernel: include/net/inet_sock.h struct ip_options_data.
    """

    __slots__ = ("buf",)

    def __init__(self) -> None:
        self.buf = bytearray(OPT_DATA + MAX_IPOPTLEN)

    @property
    def opt(self) -> ip_options:
        """The struct ip_options part."""
        return ip_options(self.buf)

    def options(self) -> bytes:
        """The option bytes (__data[0:optlen])."""
        return bytes(self.buf[OPT_DATA:OPT_DATA + self.buf[12]])


def IPCB(skb: sk_buff) -> inet_skb_parm:
    """Kernel: include/net/ip.h IPCB."""
    # Built without the Python-level __init__: IPCB runs ~6 times per forwarded packet.
    parm = _new_view(inet_skb_parm)
    parm.cb = skb.cb
    return parm


def __ip_options_compile(net: Net, opt: ip_options, skb: sk_buff) -> int:
    """Parse the received header's options into `opt`, filling the RR/TS slots that need our
    address or the time. Returns 0, or (offset of the bad byte from the IP header) + 1.

    Kernel: net/ipv4/ip_options.c __ip_options_compile (the skb != NULL, receive case).
    """
    return _options_compile(net, opt, skb.buf, skb.network_header, skb)


def _options_compile(net: Net, opt: ip_options, buf: bytearray, nh: int,
                     skb: sk_buff | None) -> int:
    """__ip_options_compile on the options at `buf[nh + 20:]`. With no skb (user mode,
    setsockopt) nothing is recorded: RR/TS pointers advance past the slots that
    ip_options_build fills, a source route's first hop moves into `faddr`.

    Kernel: net/ipv4/ip_options.c __ip_options_compile.
    """
    optptr = nh + 20
    end = optptr + opt.optlen
    rt = route.skb_rtable(skb) if skb is not None else None
    pp = -1
    spec_dst = -1
    while optptr < end:
        otype = buf[optptr]
        if otype == IPOPT_END:
            for i in range(optptr + 1, end):
                buf[i] = IPOPT_END
            break
        if otype == IPOPT_NOOP:
            optptr += 1
            continue
        left = end - optptr
        if left < 2:
            pp = optptr
            break
        optlen = buf[optptr + 1]
        if optlen < 2 or optlen > left:
            pp = optptr
            break
        ptr = buf[optptr + 2] if optlen > 2 else 0
        if otype in (IPOPT_SSRR, IPOPT_LSRR):
            if optlen < 3:
                pp = optptr + 1
                break
            if ptr < 4:
                pp = optptr + 2
                break
            if opt.srr:
                pp = optptr
                break
            if skb is None:
                if ptr != 4 or optlen < 7 or (optlen - 3) & 3:
                    pp = optptr + 1
                    break
                opt.faddr = int(_BE32.unpack_from(buf, optptr + 3)[0])
                if optlen > 7:
                    buf[optptr + 3:optptr + optlen - 4] = buf[optptr + 7:optptr + optlen]
            opt.is_strictroute = otype == IPOPT_SSRR
            opt.srr = optptr - nh
        elif otype == IPOPT_RR:
            if opt.rr:
                pp = optptr
                break
            if optlen < 3:
                pp = optptr + 1
                break
            if ptr < 4:
                pp = optptr + 2
                break
            if ptr <= optlen:
                if ptr + 3 > optlen:
                    pp = optptr + 2
                    break
                if rt is not None and skb is not None:
                    if spec_dst < 0:
                        spec_dst = fib_frontend.fib_compute_spec_dst(skb)
                    _BE32.pack_into(buf, optptr + ptr - 1, spec_dst)
                    opt.is_changed = True
                buf[optptr + 2] = ptr + 4
                opt.rr_needaddr = True
            opt.rr = optptr - nh
        elif otype == IPOPT_TIMESTAMP:
            if opt.ts:
                pp = optptr
                break
            if optlen < 4:
                pp = optptr + 1
                break
            if ptr < 5:
                pp = optptr + 2
                break
            if ptr <= optlen:
                timeptr = -1
                if ptr + 3 > optlen:
                    pp = optptr + 2
                    break
                flg = buf[optptr + 3] & 0xF
                if flg == IPOPT_TS_TSONLY:
                    if skb is not None:
                        timeptr = optptr + ptr - 1
                    opt.ts_needtime = True
                    buf[optptr + 2] = ptr + 4
                elif flg == IPOPT_TS_TSANDADDR:
                    if ptr + 7 > optlen:
                        pp = optptr + 2
                        break
                    if rt is not None and skb is not None:
                        if spec_dst < 0:
                            spec_dst = fib_frontend.fib_compute_spec_dst(skb)
                        _BE32.pack_into(buf, optptr + ptr - 1, spec_dst)
                        timeptr = optptr + ptr + 3
                    opt.ts_needaddr = True
                    opt.ts_needtime = True
                    buf[optptr + 2] = ptr + 8
                elif flg == IPOPT_TS_PRESPEC:
                    if ptr + 7 > optlen:
                        pp = optptr + 2
                        break
                    addr = int(_BE32.unpack_from(buf, optptr + ptr - 1)[0])
                    if fib_frontend.inet_addr_type(net, addr) != rtnetlink.RTN_UNICAST:
                        if skb is not None:
                            timeptr = optptr + ptr + 3
                        opt.ts_needtime = True
                        buf[optptr + 2] = ptr + 8
                if timeptr >= 0:
                    _BE32.pack_into(buf, timeptr, icmp.inet_current_timestamp(net))
                    opt.is_changed = True
            elif (buf[optptr + 3] & 0xF) != IPOPT_TS_PRESPEC:
                overflow = buf[optptr + 3] >> 4
                if overflow == 15:
                    pp = optptr + 3
                    break
                if skb is not None:
                    buf[optptr + 3] = (buf[optptr + 3] & 0xF) | ((overflow + 1) << 4)
                    opt.is_changed = True
            opt.ts = optptr - nh
        elif otype == IPOPT_RA:
            if optlen < 4:
                pp = optptr + 1
                break
            if buf[optptr + 2] == 0 and buf[optptr + 3] == 0:
                opt.router_alert = optptr - nh
        elif otype == IPOPT_CIPSO:
            pp = optptr
            break
        optptr += optlen
    if pp < 0:
        return 0
    return pp - nh + 1


def ip_options_compile(net: Net, opt: ip_options, skb: sk_buff) -> int:
    """0, or -EINVAL after sending ICMP Parameter Problem pointing at the bad byte.

    Kernel: net/ipv4/ip_options.c ip_options_compile. The skb stays the caller's.
    """
    bad = __ip_options_compile(net, opt, skb)
    if bad:
        icmp.icmp_send(skb, ICMP_PARAMETERPROB, 0, (bad - 1) << 24)
        return -errno.EINVAL
    return 0


def ip_options_get(net: Net, data: bytes, cap_net_raw: bool = True
                   ) -> ip_options_data | int:
    """setsockopt(IP_OPTIONS): `data` padded with IPOPT_END to a multiple of 4 and compiled
    in user mode. The options (the socket's inet_opt), or -EINVAL for more than 40 bytes or
    a malformed option, -EPERM for a source route from a caller without CAP_NET_RAW.

    Kernel: net/ipv4/ip_sockglue.c do_ip_setsockopt (IP_OPTIONS); net/ipv4/ip_options.c
    ip_options_get.
    """
    if len(data) > MAX_IPOPTLEN:
        return -errno.EINVAL
    optlen = (len(data) + 3) & ~3
    opt = ip_options_data()
    opt.buf[OPT_DATA:OPT_DATA + len(data)] = data
    opt.buf[IPCB_OPT_OPTLEN] = optlen
    if optlen and _options_compile(net, opt.opt, opt.buf, OPT_DATA - 20, None):
        return -errno.EINVAL
    if opt.opt.srr and not cap_net_raw:
        return -errno.EPERM
    return opt


def ip_options_undo(opt: ip_options_data) -> bytes:
    """The options as the user gave them (getsockopt(IP_OPTIONS)): the source route's first
    hop back in place, the RR/TS pointers moved back over the slots compile reserved.

    Kernel: net/ipv4/ip_options.c ip_options_undo.
    """
    o = ip_options_data()
    o.buf[:] = opt.buf
    buf, base, oo = o.buf, OPT_DATA - 20, o.opt
    if oo.srr:
        p = base + oo.srr
        olen = buf[p + 1]
        buf[p + 7:p + olen] = buf[p + 3:p + olen - 4]
        _BE32.pack_into(buf, p + 3, oo.faddr)
    if oo.rr_needaddr:
        p = base + oo.rr
        buf[p + 2] -= 4
        buf[p + buf[p + 2] - 1:p + buf[p + 2] + 3] = bytes(4)
    if oo.ts:
        p = base + oo.ts
        if oo.ts_needtime:
            buf[p + 2] -= 4
            buf[p + buf[p + 2] - 1:p + buf[p + 2] + 3] = bytes(4)
            if buf[p + 3] & 0xF == IPOPT_TS_PRESPEC:
                buf[p + 2] -= 4
        if oo.ts_needaddr:
            buf[p + 2] -= 4
            buf[p + buf[p + 2] - 1:p + buf[p + 2] + 3] = bytes(4)
    return o.options()


def ip_options_build(skb: sk_buff, opt: ip_options_data, daddr: int, rt: route.rtable) -> None:
    """Write `opt` after the 20-byte header at the network header (ihl already counts it),
    copy the struct into IPCB(skb).opt, and fill what is ours to fill: the final source-route
    slot with `daddr`, our address into RR / TS and the time into TS.

    Kernel: net/ipv4/ip_options.c ip_options_build.
    """
    cb = skb.cb
    cb[_OPT_STRUCT] = opt.buf[_OPT_STRUCT]
    buf = skb.buf
    nh = skbuff.skb_network_header(skb)
    optlen = opt.buf[12]
    buf[nh + 20:nh + 20 + optlen] = opt.buf[OPT_DATA:OPT_DATA + optlen]
    o = IPCB(skb).opt
    if o.srr:
        _BE32.pack_into(buf, nh + o.srr + buf[nh + o.srr + 1] - 4, daddr)
    if o.rr_needaddr:
        _BE32.pack_into(buf, nh + o.rr + buf[nh + o.rr + 2] - 5, ip_rt_get_source(skb, rt))
    if o.ts_needaddr:
        _BE32.pack_into(buf, nh + o.ts + buf[nh + o.ts + 2] - 9, ip_rt_get_source(skb, rt))
    if o.ts_needtime:
        dev = rt.dev
        assert dev is not None
        _BE32.pack_into(buf, nh + o.ts + buf[nh + o.ts + 2] - 5,
                        icmp.inet_current_timestamp(dev.nd_net))


def __ip_options_echo(net: Net, dopt: ip_options_data, skb: sk_buff, sopt: ip_options) -> int:
    """Build in `dopt` the options to send back to the sender of `skb` (whose received
    options `sopt` describes): record route and timestamp copied with their pointers moved
    past the slot we will fill, a source route reversed (its first hop in `faddr`; a route
    listing the sender itself loses that hop, RFC 1812), CIPSO copied, padded to 4 bytes.
    0 or -EINVAL (a full RR/TS that still asks for room).

    Kernel: net/ipv4/ip_options.c __ip_options_echo.
    """
    return options_echo(net, dopt, skb.buf, skbuff.skb_network_header(skb), sopt)


def options_echo(net: Net, dopt: ip_options_data, sbuf: bytes | bytearray, nh: int,
                 sopt: ip_options) -> int:
    """__ip_options_echo on the IP header at `sbuf[nh:]` (an skb's, or one a socket kept
    for IP_RETOPTS). Kernel: net/ipv4/ip_options.c __ip_options_echo."""
    dbuf = dopt.buf
    dbuf[:] = bytes(len(dbuf))
    if sopt.optlen == 0:
        return 0
    d = ip_options(dbuf)
    dptr = OPT_DATA
    if sopt.rr:
        start = nh + sopt.rr
        optlen = sbuf[start + 1]
        soffset = sbuf[start + 2]
        d.rr = d.optlen + 20
        dbuf[dptr:dptr + optlen] = sbuf[start:start + optlen]
        if sopt.rr_needaddr and soffset <= optlen:
            if soffset + 3 > optlen:
                return -errno.EINVAL
            dbuf[dptr + 2] = soffset + 4
            d.rr_needaddr = True
        dptr += optlen
        d.optlen += optlen
    if sopt.ts:
        start = nh + sopt.ts
        optlen = sbuf[start + 1]
        soffset = sbuf[start + 2]
        d.ts = d.optlen + 20
        dbuf[dptr:dptr + optlen] = sbuf[start:start + optlen]
        if soffset <= optlen:
            if sopt.ts_needaddr:
                if soffset + 3 > optlen:
                    return -errno.EINVAL
                d.ts_needaddr = True
                soffset += 4
            if sopt.ts_needtime:
                if soffset + 3 > optlen:
                    return -errno.EINVAL
                if (dbuf[dptr + 3] & 0xF) != IPOPT_TS_PRESPEC:
                    d.ts_needtime = True
                    soffset += 4
                else:
                    d.ts_needtime = False
                    if soffset + 7 <= optlen:
                        addr = int(_BE32.unpack_from(dbuf, dptr + soffset - 1)[0])
                        if fib_frontend.inet_addr_type(net, addr) != rtnetlink.RTN_UNICAST:
                            d.ts_needtime = True
                            soffset += 8
            dbuf[dptr + 2] = soffset
        dptr += optlen
        d.optlen += optlen
    if sopt.srr:
        start = nh + sopt.srr
        optlen = sbuf[start + 1]
        soffset = sbuf[start + 2]
        doffset = 0
        faddr = 0
        if soffset > optlen:
            soffset = optlen + 1
        soffset -= 4
        if soffset > 3:
            faddr = int(_BE32.unpack_from(sbuf, start + soffset - 1)[0])
            soffset -= 4
            doffset = 4
            while soffset > 3:
                dbuf[dptr + doffset - 1:dptr + doffset + 3] = \
                    sbuf[start + soffset - 1:start + soffset + 3]
                soffset -= 4
                doffset += 4
            if sbuf[start + soffset + 3:start + soffset + 7] == sbuf[nh + 12:nh + 16]:
                doffset -= 4
        if doffset > 3:
            d.faddr = faddr
            dbuf[dptr] = sbuf[start]
            dbuf[dptr + 1] = doffset + 3
            dbuf[dptr + 2] = 4
            dptr += doffset + 3
            d.srr = d.optlen + 20
            d.optlen += doffset + 3
            d.is_strictroute = sopt.is_strictroute
    if sopt.cipso:
        start = nh + sopt.cipso
        optlen = sbuf[start + 1]
        d.cipso = d.optlen + 20
        dbuf[dptr:dptr + optlen] = sbuf[start:start + optlen]
        dptr += optlen
        d.optlen += optlen
    while d.optlen & 3:
        dbuf[dptr] = IPOPT_END
        dptr += 1
        d.optlen += 1
    return 0


def ip_options_echo(net: Net, dopt: ip_options_data, skb: sk_buff) -> int:
    """Echo the options `skb` arrived with. Kernel: include/net/ip.h ip_options_echo."""
    return __ip_options_echo(net, dopt, skb, IPCB(skb).opt)


def ip_options_fragment(skb: sk_buff) -> None:
    """After the first fragment: overwrite options without the copy bit with NOOPs (keeping
    the header length) and forget RR/TS. Kernel: net/ipv4/ip_options.c ip_options_fragment.
    """
    buf = skb.buf
    optptr = skbuff.skb_network_header(skb) + 20
    opt = IPCB(skb).opt
    left = opt.optlen
    while left > 0:
        otype = buf[optptr]
        if otype == IPOPT_END:
            return
        if otype == IPOPT_NOOP:
            left -= 1
            optptr += 1
            continue
        optlen = buf[optptr + 1]
        if optlen < 2 or optlen > left:
            return
        if not otype & IPOPT_COPY:
            buf[optptr:optptr + optlen] = bytes([IPOPT_NOOP]) * optlen
        left -= optlen
        optptr += optlen
    opt.ts = 0
    opt.rr = 0
    opt.rr_needaddr = False
    opt.ts_needaddr = False
    opt.ts_needtime = False


def ip_options_rcv_srr(skb: sk_buff, dev: net_device) -> int:
    """Follow a source route addressed to us: route to the next hop listed (looping through
    our own addresses). 0 or -EINVAL; the skb stays the caller's.

    Kernel: net/ipv4/ip_options.c ip_options_rcv_srr.
    """
    opt = IPCB(skb).opt
    rt = route.skb_rtable(skb)
    if rt is None:
        return 0
    if skb.pkt_type != PACKET_HOST:
        return -errno.EINVAL
    if rt.rt_type == rtnetlink.RTN_UNICAST:
        if not opt.is_strictroute:
            return 0
        icmp.icmp_send(skb, ICMP_PARAMETERPROB, 0, 16 << 24)
        return -errno.EINVAL
    if rt.rt_type != rtnetlink.RTN_LOCAL:
        return -errno.EINVAL
    buf = skb.buf
    nh = skbuff.skb_network_header(skb)
    optptr = nh + opt.srr
    srrptr = buf[optptr + 2]
    srrspace = buf[optptr + 1]
    nexthop = 0
    iph = skbuff.ip_hdr(skb)
    while srrptr <= srrspace:
        if srrptr + 3 > srrspace:
            icmp.icmp_send(skb, ICMP_PARAMETERPROB, 0, (opt.srr + 2) << 24)
            return -errno.EINVAL
        nexthop = int(_BE32.unpack_from(buf, optptr + srrptr - 1)[0])
        orig = skbuff.skb_dst(skb)
        err = route.ip_route_input_noref(skb, nexthop, iph.saddr, iph.tos & 0xFC, dev)
        rt2 = route.skb_rtable(skb)
        if err or rt2 is None or rt2.rt_type not in (rtnetlink.RTN_UNICAST, rtnetlink.RTN_LOCAL):
            skbuff.skb_dst_set(skb, orig)
            return -errno.EINVAL
        if rt2.rt_type != rtnetlink.RTN_LOCAL:
            break
        iph.daddr = nexthop
        opt.is_changed = True
        srrptr += 4
    if srrptr <= srrspace:
        opt.srr_is_hit = True
        opt.nexthop = nexthop
        opt.is_changed = True
    return 0


def ip_rt_get_source(skb: sk_buff, rt: route.rtable) -> int:
    """Our address for RR/SRR/TS slots: the packet's source on output routes, else the
    device address facing the next hop. Kernel: net/ipv4/route.c ip_rt_get_source (here
    without the FIB prefsrc step).
    """
    iph = skbuff.ip_hdr(skb)
    if not rt.rt_is_input:
        return int(iph.saddr)
    nexthop = rt.rt_gw4 if rt.rt_gw_family else iph.daddr
    return int(devinet.inet_select_addr(skbuff.skb_dst(skb).dev, nexthop, 0))


def ip_forward_options(skb: sk_buff) -> None:
    """Fill our address into RR / the source route / TS on the way out of a forward, then
    refresh the checksum. Kernel: net/ipv4/ip_options.c ip_forward_options.
    """
    opt = IPCB(skb).opt
    buf = skb.buf
    nh = skbuff.skb_network_header(skb)
    rt = route.skb_rtable(skb)
    if opt.rr_needaddr:
        optptr = nh + opt.rr
        _BE32.pack_into(buf, optptr + buf[optptr + 2] - 5, ip_rt_get_source(skb, rt))
        opt.is_changed = True
    if opt.srr_is_hit:
        optptr = nh + opt.srr
        srrptr = buf[optptr + 2]
        srrspace = buf[optptr + 1]
        nexthop = opt.nexthop
        while srrptr <= srrspace:
            if srrptr + 3 > srrspace:
                break
            if int(_BE32.unpack_from(buf, optptr + srrptr - 1)[0]) == nexthop:
                break
            srrptr += 4
        if srrptr + 3 <= srrspace:
            opt.is_changed = True
            skbuff.ip_hdr(skb).daddr = nexthop
            _BE32.pack_into(buf, optptr + srrptr - 1, ip_rt_get_source(skb, rt))
            buf[optptr + 2] = srrptr + 4
        if opt.ts_needaddr:
            optptr = nh + opt.ts
            _BE32.pack_into(buf, optptr + buf[optptr + 2] - 9, ip_rt_get_source(skb, rt))
            opt.is_changed = True
    if opt.is_changed:
        opt.is_changed = False
        ip_send_check(skbuff.ip_hdr(skb))
