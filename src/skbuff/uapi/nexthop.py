"""Nexthop-object rtnetlink constants and headers. Kernel: include/uapi/linux/nexthop.h.

Attribute values are Python values: NHA_ID/NHA_OIF/NHA_MASTER ints, NHA_GATEWAY a host-order
IPv4 int, NHA_GROUP a list of `nexthop_grp`, NHA_GROUP_TYPE an int, flags (NHA_BLACKHOLE,
NHA_GROUPS, NHA_FDB) None (present) or absent. The nests NHA_RES_GROUP and NHA_RES_BUCKET are
dicts of their NHA_RES_GROUP_* / NHA_RES_BUCKET_* attributes (ints; timers and times in
clock_t, USER_HZ ticks).
"""

from __future__ import annotations

from dataclasses import dataclass

from skbuff.compat import slotted

NEXTHOP_GRP_TYPE_MPATH = 0  # hash-threshold (the default)
NEXTHOP_GRP_TYPE_RES = 1    # resilient
NEXTHOP_GRP_TYPE_MAX = NEXTHOP_GRP_TYPE_RES

NHA_OP_FLAG_DUMP_STATS = 1 << 0
NHA_OP_FLAG_DUMP_HW_STATS = 1 << 1
NHA_OP_FLAG_RESP_GRP_RESVD_0 = 1 << 31

NHA_UNSPEC = 0
NHA_ID = 1
NHA_GROUP = 2
NHA_GROUP_TYPE = 3
NHA_BLACKHOLE = 4
NHA_OIF = 5
NHA_GATEWAY = 6
NHA_ENCAP_TYPE = 7
NHA_ENCAP = 8
NHA_GROUPS = 9
NHA_MASTER = 10
NHA_FDB = 11
NHA_RES_GROUP = 12
NHA_RES_BUCKET = 13
NHA_OP_FLAGS = 14
NHA_GROUP_STATS = 15
NHA_HW_STATS_ENABLE = 16
NHA_HW_STATS_USED = 17
NHA_MAX = NHA_HW_STATS_USED

NHA_RES_GROUP_PAD = 0
NHA_RES_GROUP_BUCKETS = 1
NHA_RES_GROUP_IDLE_TIMER = 2
NHA_RES_GROUP_UNBALANCED_TIMER = 3
NHA_RES_GROUP_UNBALANCED_TIME = 4

NHA_RES_BUCKET_PAD = 0
NHA_RES_BUCKET_INDEX = 1
NHA_RES_BUCKET_IDLE_TIME = 2
NHA_RES_BUCKET_NH_ID = 3


@slotted
@dataclass
class nhmsg:
    """Kernel: include/uapi/linux/nexthop.h struct nhmsg (nh_scope is set only in replies)."""

    nh_family: int = 0
    nh_scope: int = 0
    nh_protocol: int = 0
    resvd: int = 0
    nh_flags: int = 0


@slotted
@dataclass
class nexthop_grp:
    """One group member. `weight` is the weight minus one, low byte; `weight_high` the high
    byte (16-bit weights). Kernel: include/uapi/linux/nexthop.h struct nexthop_grp."""

    id: int = 0
    weight: int = 0
    weight_high: int = 0
    resvd2: int = 0


def nexthop_grp_weight(entry: nexthop_grp) -> int:
    """Kernel: include/uapi/linux/nexthop.h nexthop_grp_weight."""
    return ((entry.weight_high << 8) | entry.weight) + 1
