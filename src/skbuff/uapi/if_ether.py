"""Ethernet: constants and the `ethhdr` view. Kernel: include/uapi/linux/if_ether.h."""

from __future__ import annotations

from skbuff.uapi.hdrview import be16, hdrview, octets

ETH_ALEN = 6
ETH_TLEN = 2
ETH_HLEN = 14
ETH_ZLEN = 60
ETH_DATA_LEN = 1500
ETH_FRAME_LEN = 1514
ETH_FCS_LEN = 4
ETH_MIN_MTU = 68
ETH_MAX_MTU = 0xFFFF

ETH_P_LOOP = 0x0060
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
ETH_P_8021Q = 0x8100
ETH_P_IPV6 = 0x86DD
ETH_P_8021AD = 0x88A8
ETH_P_802_3_MIN = 0x0600
ETH_P_802_3 = 0x0001
ETH_P_ALL = 0x0003
ETH_P_802_2 = 0x0004

ETH_BROADCAST = b"\xff" * ETH_ALEN
ETH_ZERO = bytes(ETH_ALEN)


class ethhdr(hdrview):
    """`struct ethhdr`: h_dest, h_source (6 bytes each), h_proto (host-order int)."""

    __slots__ = ()
    LEN = ETH_HLEN
    h_dest = octets(0, ETH_ALEN)
    h_source = octets(6, ETH_ALEN)
    h_proto = be16(12)


def is_multicast_ether_addr(addr: bytes | bytearray) -> bool:
    """Group bit set. Kernel: include/linux/etherdevice.h is_multicast_ether_addr."""
    return bool(addr[0] & 0x01)


def is_broadcast_ether_addr(addr: bytes | bytearray) -> bool:
    """Kernel: include/linux/etherdevice.h is_broadcast_ether_addr."""
    return bytes(addr) == ETH_BROADCAST


def is_zero_ether_addr(addr: bytes | bytearray) -> bool:
    """Kernel: include/linux/etherdevice.h is_zero_ether_addr."""
    return bytes(addr) == ETH_ZERO


def is_valid_ether_addr(addr: bytes | bytearray) -> bool:
    """Not multicast and not zero. Kernel: include/linux/etherdevice.h."""
    return not (addr[0] & 0x01) and bytes(addr) != ETH_ZERO


def build_eth(dest: bytes, source: bytes, proto: int, payload: bytes = b"") -> bytes:
    """An Ethernet frame (no FCS, no padding) as bytes."""
    return bytes(dest) + bytes(source) + proto.to_bytes(2, "big") + payload
