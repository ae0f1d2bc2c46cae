"""Per-device IPv4 configuration over rtnetlink (RTM_NEWNETCONF/DELNETCONF/GETNETCONF).

Kernel: include/uapi/linux/netconf.h.
"""

from __future__ import annotations

from dataclasses import dataclass

from skbuff.compat import slotted
from skbuff.uapi.rtnetlink import AF_UNSPEC


@slotted
@dataclass
class netconfmsg:
    """Kernel: include/uapi/linux/netconf.h struct netconfmsg."""

    ncm_family: int = AF_UNSPEC


NETCONFA_UNSPEC = 0
NETCONFA_IFINDEX = 1
NETCONFA_FORWARDING = 2
NETCONFA_RP_FILTER = 3
NETCONFA_MC_FORWARDING = 4
NETCONFA_PROXY_NEIGH = 5
NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN = 6
NETCONFA_INPUT = 7
NETCONFA_BC_FORWARDING = 8
NETCONFA_MAX = 8
# The `type` of a notification that carries every attribute.
NETCONFA_ALL = -1

NETCONFA_IFINDEX_ALL = -1
NETCONFA_IFINDEX_DEFAULT = -2
