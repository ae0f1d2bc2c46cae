"""Address rtnetlink constants and headers. Kernel: include/uapi/linux/if_addr.h."""

from __future__ import annotations

from dataclasses import dataclass

from skbuff.compat import slotted

IFA_UNSPEC = 0
IFA_ADDRESS = 1
IFA_LOCAL = 2
IFA_LABEL = 3
IFA_BROADCAST = 4
IFA_ANYCAST = 5
IFA_CACHEINFO = 6
IFA_MULTICAST = 7
IFA_FLAGS = 8
IFA_RT_PRIORITY = 9
IFA_TARGET_NETNSID = 10
IFA_PROTO = 11

IFA_F_SECONDARY = 0x01
IFA_F_TEMPORARY = IFA_F_SECONDARY
IFA_F_NODAD = 0x02
IFA_F_OPTIMISTIC = 0x04
IFA_F_DADFAILED = 0x08
IFA_F_HOMEADDRESS = 0x10
IFA_F_DEPRECATED = 0x20
IFA_F_TENTATIVE = 0x40
IFA_F_PERMANENT = 0x80
IFA_F_MANAGETEMPADDR = 0x100
IFA_F_NOPREFIXROUTE = 0x200
IFA_F_MCAUTOJOIN = 0x400
IFA_F_STABLE_PRIVACY = 0x800

INFINITY_LIFE_TIME = 0xFFFFFFFF


@slotted
@dataclass
class ifaddrmsg:
    """Kernel: include/uapi/linux/if_addr.h struct ifaddrmsg."""

    family: int = 0
    prefixlen: int = 0
    flags: int = 0
    scope: int = 0
    index: int = 0


@slotted
@dataclass
class ifa_cacheinfo:
    """Kernel: include/uapi/linux/if_addr.h struct ifa_cacheinfo (lifetimes in seconds)."""

    ifa_prefered: int = INFINITY_LIFE_TIME
    ifa_valid: int = INFINITY_LIFE_TIME
    cstamp: int = 0
    tstamp: int = 0
