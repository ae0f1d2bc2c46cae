"""Neighbour rtnetlink constants and headers. Kernel: include/uapi/linux/neighbour.h."""

from __future__ import annotations

from dataclasses import dataclass

from skbuff.compat import slotted

NDA_UNSPEC = 0
NDA_DST = 1
NDA_LLADDR = 2
NDA_CACHEINFO = 3
NDA_PROBES = 4
NDA_VLAN = 5
NDA_PORT = 6
NDA_VNI = 7
NDA_IFINDEX = 8
NDA_MASTER = 9
NDA_LINK_NETNSID = 10
NDA_SRC_VNI = 11
NDA_PROTOCOL = 12
NDA_NH_ID = 13
NDA_FDB_EXT_ATTRS = 14
NDA_FLAGS_EXT = 15
NDA_NDM_STATE_MASK = 16
NDA_NDM_FLAGS_MASK = 17

NTF_USE = 1 << 0
NTF_SELF = 1 << 1
NTF_MASTER = 1 << 2
NTF_PROXY = 1 << 3
NTF_EXT_LEARNED = 1 << 4
NTF_OFFLOADED = 1 << 5
NTF_STICKY = 1 << 6
NTF_ROUTER = 1 << 7
NTF_EXT_MANAGED = 1 << 0  # in NDA_FLAGS_EXT

NUD_INCOMPLETE = 0x01
NUD_REACHABLE = 0x02
NUD_STALE = 0x04
NUD_DELAY = 0x08
NUD_PROBE = 0x10
NUD_FAILED = 0x20
NUD_NOARP = 0x40
NUD_PERMANENT = 0x80
NUD_NONE = 0x00

# The names `ip neigh` prints for the NUD bits, in its order (NONE when no bit is set).
# iproute2: ip/ipneigh.c print_neigh_state.
NUD_STATE_NAMES: tuple[tuple[int, str], ...] = (
    (NUD_INCOMPLETE, "INCOMPLETE"), (NUD_REACHABLE, "REACHABLE"), (NUD_STALE, "STALE"),
    (NUD_DELAY, "DELAY"), (NUD_PROBE, "PROBE"), (NUD_FAILED, "FAILED"),
    (NUD_NOARP, "NOARP"), (NUD_PERMANENT, "PERMANENT"),
)


@slotted
@dataclass
class ndmsg:
    """Kernel: include/uapi/linux/neighbour.h struct ndmsg."""

    family: int = 0
    ifindex: int = 0
    state: int = 0
    flags: int = 0
    type: int = 0


@slotted
@dataclass
class nda_cacheinfo:
    """Kernel: include/uapi/linux/neighbour.h struct nda_cacheinfo (times in clock_t)."""

    ndm_confirmed: int = 0
    ndm_used: int = 0
    ndm_updated: int = 0
    ndm_refcnt: int = 0
