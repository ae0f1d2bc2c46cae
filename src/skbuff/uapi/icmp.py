"""ICMP: types, codes, the `icmphdr` view and a builder. Kernel: include/uapi/linux/icmp.h.

The C union `un` becomes prefixed fields: `un_echo_id`, `un_echo_sequence`, `un_gateway`,
`un_frag_mtu` (they overlap as in the kernel).
"""

from __future__ import annotations

from skbuff.uapi import checksum
from skbuff.uapi.hdrview import be16, be32, hdrview, u8

ICMP_ECHOREPLY = 0
ICMP_DEST_UNREACH = 3
ICMP_SOURCE_QUENCH = 4
ICMP_REDIRECT = 5
ICMP_ECHO = 8
ICMP_TIME_EXCEEDED = 11
ICMP_PARAMETERPROB = 12
ICMP_TIMESTAMP = 13
ICMP_TIMESTAMPREPLY = 14
ICMP_INFO_REQUEST = 15
ICMP_INFO_REPLY = 16
ICMP_ADDRESS = 17
ICMP_ADDRESSREPLY = 18
NR_ICMP_TYPES = 18

ICMP_NET_UNREACH = 0
ICMP_HOST_UNREACH = 1
ICMP_PROT_UNREACH = 2
ICMP_PORT_UNREACH = 3
ICMP_FRAG_NEEDED = 4
ICMP_SR_FAILED = 5
ICMP_NET_UNKNOWN = 6
ICMP_HOST_UNKNOWN = 7
ICMP_HOST_ISOLATED = 8
ICMP_NET_ANO = 9
ICMP_HOST_ANO = 10
ICMP_NET_UNR_TOS = 11
ICMP_HOST_UNR_TOS = 12
ICMP_PKT_FILTERED = 13
ICMP_PREC_VIOLATION = 14
ICMP_PREC_CUTOFF = 15
NR_ICMP_UNREACH = 15

ICMP_REDIR_NET = 0
ICMP_REDIR_HOST = 1
ICMP_REDIR_NETTOS = 2
ICMP_REDIR_HOSTTOS = 3

ICMP_EXC_TTL = 0
ICMP_EXC_FRAGTIME = 1

ICMP_EXT_ECHO = 42
ICMP_EXT_ECHOREPLY = 43


class icmphdr(hdrview):
    """`struct icmphdr` (8 bytes)."""

    __slots__ = ()
    LEN = 8
    type = u8(0)
    code = u8(1)
    checksum = be16(2)
    un_echo_id = be16(4)
    un_echo_sequence = be16(6)
    un_gateway = be32(4)
    un_frag_mtu = be16(6)


def build_icmp(type: int, code: int, rest: int = 0, payload: bytes = b"") -> bytes:
    """An ICMP message with its checksum; `rest` is the 32-bit `un` word."""
    buf = bytearray(8 + len(payload))
    h = icmphdr(buf, 0)
    h.type = type
    h.code = code
    h.un_gateway = rest
    buf[8:] = payload
    h.checksum = checksum.ip_compute_csum(buf, 0, len(buf))
    return bytes(buf)


def build_icmp_echo(id: int, sequence: int, payload: bytes = b"", *,
                    type: int = ICMP_ECHO) -> bytes:
    """An echo request (or reply with `type=ICMP_ECHOREPLY`)."""
    return build_icmp(type, 0, (id << 16) | sequence, payload)
