"""Packet types (`skb->pkt_type`). Kernel: include/uapi/linux/if_packet.h."""

from __future__ import annotations

PACKET_HOST = 0
PACKET_BROADCAST = 1
PACKET_MULTICAST = 2
PACKET_OTHERHOST = 3
PACKET_OUTGOING = 4
PACKET_LOOPBACK = 5
PACKET_USER = 6
PACKET_KERNEL = 7
