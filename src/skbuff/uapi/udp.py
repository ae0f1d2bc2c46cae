"""UDP header view and builder. Kernel: include/uapi/linux/udp.h, net/ipv4/udp.c."""

from __future__ import annotations

from skbuff.uapi import checksum, in_
from skbuff.uapi.hdrview import be16, hdrview


class udphdr(hdrview):
    """`struct udphdr`: source, dest, len, check (8 bytes)."""

    __slots__ = ()
    LEN = 8
    source = be16(0)
    dest = be16(2)
    len = be16(4)
    check = be16(6)


def build_udp(saddr: int, daddr: int, source: int, dest: int, payload: bytes = b"") -> bytes:
    """A UDP datagram with its pseudo-header checksum (0 is sent as CSUM_MANGLED_0).

    Kernel: net/ipv4/udp.c udp4_hwcsum / udp_send_skb (software path).
    """
    buf = bytearray(8 + len(payload))
    h = udphdr(buf, 0)
    h.source = source
    h.dest = dest
    h.len = len(buf)
    buf[8:] = payload
    wsum = checksum.csum_partial(buf, 0, len(buf), 0)
    check = checksum.csum_tcpudp_magic(saddr, daddr, len(buf), in_.IPPROTO_UDP, wsum)
    h.check = check or checksum.CSUM_MANGLED_0
    return bytes(buf)
