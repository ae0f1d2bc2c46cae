"""rtnetlink messages: types, flags, route constants, headers and the message objects.

Kernel: include/uapi/linux/netlink.h, include/uapi/linux/rtnetlink.h, include/linux/socket.h.

Messages are Python objects, not bytes: `nlmsg(type, flags, hdr, attrs)` where `hdr` is the
family header dataclass (`rtmsg`, `ifinfomsg`, …) and `attrs` maps the kernel's attribute
numbers to Python values (ints for addresses/ifindexes, bytes for lladdr, str for names).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skbuff.compat import slotted

AF_UNSPEC = 0
AF_INET = 2
AF_INET6 = 10
AF_BRIDGE = 7
AF_PACKET = 17

# --- netlink.h
NLM_F_REQUEST = 0x01
NLM_F_MULTI = 0x02
NLM_F_ACK = 0x04
NLM_F_ECHO = 0x08
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP_FILTERED = 0x20
NLM_F_ROOT = 0x100
NLM_F_MATCH = 0x200
NLM_F_ATOMIC = 0x400
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_REPLACE = 0x100
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLM_F_APPEND = 0x800
NLM_F_NONREC = 0x100
NLM_F_BULK = 0x200
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200

NLMSG_NOOP = 0x1
NLMSG_ERROR = 0x2
NLMSG_DONE = 0x3

# --- rtnetlink.h message types
RTM_NEWLINK = 16
RTM_DELLINK = 17
RTM_GETLINK = 18
RTM_SETLINK = 19
RTM_NEWADDR = 20
RTM_DELADDR = 21
RTM_GETADDR = 22
RTM_NEWROUTE = 24
RTM_DELROUTE = 25
RTM_GETROUTE = 26
RTM_NEWNEIGH = 28
RTM_DELNEIGH = 29
RTM_GETNEIGH = 30
RTM_NEWRULE = 32
RTM_DELRULE = 33
RTM_GETRULE = 34
RTM_NEWQDISC = 36
RTM_DELQDISC = 37
RTM_GETQDISC = 38
RTM_NEWNEIGHTBL = 64
RTM_GETNEIGHTBL = 66
RTM_SETNEIGHTBL = 67
RTM_NEWNETCONF = 80
RTM_DELNETCONF = 81
RTM_GETNETCONF = 82
RTM_NEWNSID = 88
RTM_DELNSID = 89
RTM_GETNSID = 90
RTM_NEWSTATS = 92
RTM_GETSTATS = 94
RTM_NEWNEXTHOP = 104
RTM_DELNEXTHOP = 105
RTM_GETNEXTHOP = 106
RTM_NEWNEXTHOPBUCKET = 116
RTM_DELNEXTHOPBUCKET = 117
RTM_GETNEXTHOPBUCKET = 118
RTM_MAX = 123


def rtm_msgindex(msgtype: int) -> int:
    """Kernel: net/core/rtnetlink.c rtm_msgindex."""
    return msgtype - RTM_NEWLINK


def rtm_kind(msgtype: int) -> int:
    """0 NEW, 1 DEL, 2 GET, 3 SET. Kernel: net/core/rtnetlink.c rtnetlink_rcv_msg (kind)."""
    return (msgtype - RTM_NEWLINK) & 3


# --- route types
RTN_UNSPEC = 0
RTN_UNICAST = 1
RTN_LOCAL = 2
RTN_BROADCAST = 3
RTN_ANYCAST = 4
RTN_MULTICAST = 5
RTN_BLACKHOLE = 6
RTN_UNREACHABLE = 7
RTN_PROHIBIT = 8
RTN_THROW = 9
RTN_NAT = 10
RTN_XRESOLVE = 11
RTN_MAX = 11

# --- route protocols
RTPROT_UNSPEC = 0
RTPROT_REDIRECT = 1
RTPROT_KERNEL = 2
RTPROT_BOOT = 3
RTPROT_STATIC = 4
RTPROT_GATED = 8
RTPROT_RA = 9
RTPROT_MRT = 10
RTPROT_ZEBRA = 11
RTPROT_BIRD = 12
RTPROT_DNROUTED = 13
RTPROT_XORP = 14
RTPROT_NTK = 15
RTPROT_DHCP = 16
RTPROT_MROUTED = 17
RTPROT_KEEPALIVED = 18
RTPROT_BABEL = 42
RTPROT_OPENR = 99
RTPROT_BGP = 186
RTPROT_ISIS = 187
RTPROT_OSPF = 188
RTPROT_RIP = 189
RTPROT_EIGRP = 192

# --- scopes
RT_SCOPE_UNIVERSE = 0
RT_SCOPE_SITE = 200
RT_SCOPE_LINK = 253
RT_SCOPE_HOST = 254
RT_SCOPE_NOWHERE = 255

# --- rtm_flags
RTM_F_NOTIFY = 0x100
RTM_F_CLONED = 0x200
RTM_F_EQUALIZE = 0x400
RTM_F_PREFIX = 0x800
RTM_F_LOOKUP_TABLE = 0x1000
RTM_F_FIB_MATCH = 0x2000
RTM_F_OFFLOAD = 0x4000
RTM_F_TRAP = 0x8000
RTM_F_OFFLOAD_FAILED = 0x20000000

# --- tables
RT_TABLE_UNSPEC = 0
RT_TABLE_COMPAT = 252
RT_TABLE_DEFAULT = 253
RT_TABLE_MAIN = 254
RT_TABLE_LOCAL = 255
RT_TABLE_MAX = 0xFFFFFFFF

# --- route attributes
RTA_UNSPEC = 0
RTA_DST = 1
RTA_SRC = 2
RTA_IIF = 3
RTA_OIF = 4
RTA_GATEWAY = 5
RTA_PRIORITY = 6
RTA_PREFSRC = 7
RTA_METRICS = 8
RTA_MULTIPATH = 9
RTA_PROTOINFO = 10
RTA_FLOW = 11
RTA_CACHEINFO = 12
RTA_SESSION = 13
RTA_MP_ALGO = 14
RTA_TABLE = 15
RTA_MARK = 16
RTA_MFC_STATS = 17
RTA_VIA = 18
RTA_NEWDST = 19
RTA_PREF = 20
RTA_ENCAP_TYPE = 21
RTA_ENCAP = 22
RTA_EXPIRES = 23
RTA_PAD = 24
RTA_UID = 25
RTA_TTL_PROPAGATE = 26
RTA_IP_PROTO = 27
RTA_SPORT = 28
RTA_DPORT = 29
RTA_NH_ID = 30

# --- rtnexthop flags
RTNH_F_DEAD = 1
RTNH_F_PERVASIVE = 2
RTNH_F_ONLINK = 4
RTNH_F_OFFLOAD = 8
RTNH_F_LINKDOWN = 16
RTNH_F_UNRESOLVED = 32
RTNH_F_TRAP = 64
RTNH_COMPARE_MASK = RTNH_F_DEAD | RTNH_F_LINKDOWN | RTNH_F_OFFLOAD | RTNH_F_TRAP

# --- metrics (RTA_METRICS nested)
RTAX_UNSPEC = 0
RTAX_LOCK = 1
RTAX_MTU = 2
RTAX_WINDOW = 3
RTAX_RTT = 4
RTAX_RTTVAR = 5
RTAX_SSTHRESH = 6
RTAX_CWND = 7
RTAX_ADVMSS = 8
RTAX_REORDERING = 9
RTAX_HOPLIMIT = 10
RTAX_INITCWND = 11
RTAX_FEATURES = 12
RTAX_RTO_MIN = 13
RTAX_INITRWND = 14
RTAX_QUICKACK = 15
RTAX_CC_ALGO = 16
RTAX_FASTOPEN_NO_COOKIE = 17
RTAX_MAX = 17

# --- IFLA_EXT_MASK bits (RTEXT_FILTER_*)
RTEXT_FILTER_VF = 1 << 0

# --- multicast groups (notifications)
RTNLGRP_NONE = 0
RTNLGRP_LINK = 1
RTNLGRP_NOTIFY = 2
RTNLGRP_NEIGH = 3
RTNLGRP_TC = 4
RTNLGRP_IPV4_IFADDR = 5
RTNLGRP_IPV4_MROUTE = 6
RTNLGRP_IPV4_ROUTE = 7
RTNLGRP_IPV4_RULE = 8
RTNLGRP_IPV4_NETCONF = 24
RTNLGRP_NSID = 28
RTNLGRP_NEXTHOP = 32


@slotted
@dataclass
class rtgenmsg:
    """Kernel: include/uapi/linux/rtnetlink.h struct rtgenmsg."""

    rtgen_family: int = AF_UNSPEC


@slotted
@dataclass
class ifinfomsg:
    """Kernel: include/uapi/linux/rtnetlink.h struct ifinfomsg."""

    ifi_family: int = AF_UNSPEC
    ifi_type: int = 0
    ifi_index: int = 0
    ifi_flags: int = 0
    ifi_change: int = 0


@slotted
@dataclass
class rtmsg:
    """Kernel: include/uapi/linux/rtnetlink.h struct rtmsg (field names without `rtm_`)."""

    family: int = AF_INET
    dst_len: int = 0
    src_len: int = 0
    tos: int = 0
    table: int = RT_TABLE_UNSPEC
    protocol: int = RTPROT_UNSPEC
    scope: int = RT_SCOPE_UNIVERSE
    type: int = RTN_UNSPEC
    flags: int = 0


@slotted
@dataclass
class rtnexthop:
    """One RTA_MULTIPATH hop. `hops` is the weight minus one, as on the wire.

    Kernel: include/uapi/linux/rtnetlink.h struct rtnexthop; `attrs` holds RTA_GATEWAY etc.
    """

    flags: int = 0
    hops: int = 0
    ifindex: int = 0
    attrs: dict[int, Any] = field(default_factory=dict)


@slotted
@dataclass
class rta_cacheinfo:
    """Kernel: include/uapi/linux/rtnetlink.h struct rta_cacheinfo."""

    rta_clntref: int = 0
    rta_lastuse: int = 0
    rta_expires: int = 0
    rta_error: int = 0
    rta_used: int = 0
    rta_id: int = 0
    rta_ts: int = 0
    rta_tsage: int = 0


@slotted
@dataclass
class nlmsg:
    """One netlink message: nlmsghdr fields + family header + attributes.

    Kernel: include/uapi/linux/netlink.h struct nlmsghdr.
    """

    type: int
    flags: int = NLM_F_REQUEST
    hdr: Any = None
    attrs: dict[int, Any] = field(default_factory=dict)
    seq: int = 0
    pid: int = 0


@slotted
@dataclass
class nlreply:
    """What the kernel sends back for one request: the ack/error (0 or -errno), the extack
    message if any, and the messages (dump parts, or the answer of a GET doit). `ack` tells
    whether an NLMSG_ERROR message is sent at all: always for a failure, for a success only
    when the request had NLM_F_ACK (kernel: net/netlink/af_netlink.c netlink_rcv_skb)."""

    error: int = 0
    extack: str | None = None
    msgs: list[nlmsg] = field(default_factory=list)
    ack: bool = False
