"""IPv4 header: constants, the `iphdr` view and a frame builder.

Kernel: include/uapi/linux/ip.h, include/net/ip.h (IP_DF/IP_MF/IP_OFFSET).
`frag_off` is the whole 16-bit field (flags + offset) as a host int: `iph.frag_off & IP_DF`.
"""

from __future__ import annotations

from skbuff.uapi import checksum
from skbuff.uapi.hdrview import be16, be32, hdrview, nibble, u8

IPVERSION = 4
MAXTTL = 255
IPDEFTTL = 64

IP_CE = 0x8000
IP_DF = 0x4000
IP_MF = 0x2000
IP_OFFSET = 0x1FFF

IPTOS_TOS_MASK = 0x1E
IPTOS_LOWDELAY = 0x10
IPTOS_THROUGHPUT = 0x08
IPTOS_RELIABILITY = 0x04
IPTOS_MINCOST = 0x02
IPTOS_PREC_MASK = 0xE0

IPOPT_COPY = 0x80
IPOPT_CLASS_MASK = 0x60
IPOPT_NUMBER_MASK = 0x1F
IPOPT_CONTROL = 0x00
IPOPT_RESERVED1 = 0x20
IPOPT_MEASUREMENT = 0x40
IPOPT_RESERVED2 = 0x60
IPOPT_END = 0
IPOPT_NOOP = 1
IPOPT_SEC = 130
IPOPT_LSRR = 131
IPOPT_TIMESTAMP = 68
IPOPT_CIPSO = 134
IPOPT_RR = 7
IPOPT_SID = 136
IPOPT_SSRR = 137
IPOPT_RA = 148
IPOPT_NOP = IPOPT_NOOP
IPOPT_EOL = IPOPT_END
IPOPT_TS = IPOPT_TIMESTAMP
IPOPT_OPTVAL = 0
IPOPT_OLEN = 1
IPOPT_OFFSET = 2
IPOPT_MINOFF = 4
MAX_IPOPTLEN = 40
IPOPT_TS_TSONLY = 0
IPOPT_TS_TSANDADDR = 1
IPOPT_TS_PRESPEC = 3


class iphdr(hdrview):
    """`struct iphdr` (20 fixed bytes; `options` are bytes 20 .. ihl*4)."""

    __slots__ = ()
    LEN = 20
    version = nibble(0, 4)
    ihl = nibble(0, 0)
    tos = u8(1)
    tot_len = be16(2)
    id = be16(4)
    frag_off = be16(6)
    ttl = u8(8)
    protocol = u8(9)
    check = be16(10)
    saddr = be32(12)
    daddr = be32(16)

    @property
    def options(self) -> bytes:
        """The option bytes (empty when ihl == 5)."""
        start = self.off + 20
        return bytes(self.buf[start : self.off + self.ihl * 4])


def ip_send_check(iph: iphdr) -> None:
    """Recompute the header checksum. Kernel: net/ipv4/ip_output.c ip_send_check."""
    iph.check = 0
    iph.check = checksum.ip_fast_csum(iph.buf, iph.off, iph.ihl)


def build_ipv4(saddr: int, daddr: int, protocol: int, payload: bytes = b"", *, ttl: int = 64,
               tos: int = 0, id: int = 0, frag_off: int = IP_DF,
               options: bytes = b"") -> bytes:
    """An IPv4 packet with a correct header checksum. `options` is padded to 4 bytes."""
    opts = options + bytes(-len(options) % 4)
    hl = 20 + len(opts)
    buf = bytearray(hl + len(payload))
    h = iphdr(buf, 0)
    h.version = 4
    h.ihl = hl // 4
    h.tos = tos
    h.tot_len = len(buf)
    h.id = id
    h.frag_off = frag_off
    h.ttl = ttl
    h.protocol = protocol
    h.saddr = saddr
    h.daddr = daddr
    buf[20:hl] = opts
    buf[hl:] = payload
    ip_send_check(h)
    return bytes(buf)
