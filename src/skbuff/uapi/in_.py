"""IPv4 protocol numbers, special addresses and the ipv4_is_* tests.

Kernel: include/uapi/linux/in.h, include/linux/in.h. Addresses are host-order ints.
"""

from __future__ import annotations

IPPROTO_IP = 0
IPPROTO_ICMP = 1
IPPROTO_IGMP = 2
IPPROTO_IPIP = 4
IPPROTO_TCP = 6
IPPROTO_EGP = 8
IPPROTO_PUP = 12
IPPROTO_UDP = 17
IPPROTO_IDP = 22
IPPROTO_TP = 29
IPPROTO_DCCP = 33
IPPROTO_IPV6 = 41
IPPROTO_RSVP = 46
IPPROTO_GRE = 47
IPPROTO_ESP = 50
IPPROTO_AH = 51
IPPROTO_MTP = 92
IPPROTO_BEETPH = 94
IPPROTO_ENCAP = 98
IPPROTO_PIM = 103
IPPROTO_COMP = 108
IPPROTO_L2TP = 115
IPPROTO_SCTP = 132
IPPROTO_UDPLITE = 136
IPPROTO_MPLS = 137
IPPROTO_ETHERNET = 143
IPPROTO_RAW = 255
IPPROTO_SMC = 256
IPPROTO_MPTCP = 262

# setsockopt(IPPROTO_IP, ...) options, and the IP_MTU_DISCOVER values.
IP_TOS = 1
IP_TTL = 2
IP_RECVOPTS = 6
IP_RETOPTS = 7
IP_PKTINFO = 8
IP_MTU_DISCOVER = 10
IP_RECVERR = 11
IP_RECVTTL = 12
IP_RECVTOS = 13
IP_MTU = 14
IP_ORIGDSTADDR = 20
IP_RECVORIGDSTADDR = IP_ORIGDSTADDR
IP_CHECKSUM = 23
IP_RECVFRAGSIZE = 25
IP_PROTOCOL = 52
IP_PMTUDISC_DONT = 0
IP_PMTUDISC_WANT = 1
IP_PMTUDISC_DO = 2
IP_PMTUDISC_PROBE = 3
IP_PMTUDISC_INTERFACE = 4
IP_PMTUDISC_OMIT = 5

INADDR_ANY = 0x00000000
INADDR_BROADCAST = 0xFFFFFFFF
INADDR_NONE = 0xFFFFFFFF
INADDR_DUMMY = 0xC0000008
INADDR_LOOPBACK = 0x7F000001
IN_LOOPBACKNET = 127
INADDR_UNSPEC_GROUP = 0xE0000000
INADDR_ALLHOSTS_GROUP = 0xE0000001
INADDR_ALLRTRS_GROUP = 0xE0000002
INADDR_ALLSNOOPERS_GROUP = 0xE000006A
INADDR_MAX_LOCAL_GROUP = 0xE00000FF


def ipv4_is_loopback(addr: int) -> bool:
    """127.0.0.0/8. Kernel: include/linux/in.h."""
    return addr & 0xFF000000 == 0x7F000000


def ipv4_is_multicast(addr: int) -> bool:
    """224.0.0.0/4. Kernel: include/linux/in.h."""
    return addr & 0xF0000000 == 0xE0000000


def ipv4_is_local_multicast(addr: int) -> bool:
    """224.0.0.0/24. Kernel: include/linux/in.h."""
    return addr & 0xFFFFFF00 == 0xE0000000


def ipv4_is_lbcast(addr: int) -> bool:
    """255.255.255.255 (limited broadcast). Kernel: include/linux/in.h."""
    return addr == INADDR_BROADCAST


def ipv4_is_all_snoopers(addr: int) -> bool:
    """224.0.0.106. Kernel: include/linux/in.h."""
    return addr == INADDR_ALLSNOOPERS_GROUP


def ipv4_is_zeronet(addr: int) -> bool:
    """0.0.0.0/8. Kernel: include/linux/in.h."""
    return addr & 0xFF000000 == 0


def ipv4_is_private_10(addr: int) -> bool:
    """10.0.0.0/8. Kernel: include/linux/in.h."""
    return addr & 0xFF000000 == 0x0A000000


def ipv4_is_private_172(addr: int) -> bool:
    """172.16.0.0/12. Kernel: include/linux/in.h."""
    return addr & 0xFFF00000 == 0xAC100000


def ipv4_is_private_192(addr: int) -> bool:
    """192.168.0.0/16. Kernel: include/linux/in.h."""
    return addr & 0xFFFF0000 == 0xC0A80000


def ipv4_is_linklocal_169(addr: int) -> bool:
    """169.254.0.0/16. Kernel: include/linux/in.h."""
    return addr & 0xFFFF0000 == 0xA9FE0000


def ipv4_is_anycast_6to4(addr: int) -> bool:
    """192.88.99.0/24. Kernel: include/linux/in.h."""
    return addr & 0xFFFFFF00 == 0xC0586300


def ipv4_is_test_192(addr: int) -> bool:
    """192.0.2.0/24. Kernel: include/linux/in.h."""
    return addr & 0xFFFFFF00 == 0xC0000200


def ipv4_is_test_198(addr: int) -> bool:
    """198.18.0.0/15. Kernel: include/linux/in.h."""
    return addr & 0xFFFE0000 == 0xC6120000
