"""Policy-rule rtnetlink constants and header. Kernel: include/uapi/linux/fib_rules.h."""

from __future__ import annotations

from dataclasses import dataclass

from skbuff.compat import slotted

FIB_RULE_PERMANENT = 0x00000001
FIB_RULE_INVERT = 0x00000002
FIB_RULE_UNRESOLVED = 0x00000004
FIB_RULE_IIF_DETACHED = 0x00000008
FIB_RULE_DEV_DETACHED = FIB_RULE_IIF_DETACHED
FIB_RULE_OIF_DETACHED = 0x00000010
FIB_RULE_FIND_SADDR = 0x00010000

FRA_UNSPEC = 0
FRA_DST = 1
FRA_SRC = 2
FRA_IIFNAME = 3
FRA_IFNAME = FRA_IIFNAME
FRA_GOTO = 4
FRA_UNUSED2 = 5
FRA_PRIORITY = 6
FRA_UNUSED3 = 7
FRA_UNUSED4 = 8
FRA_UNUSED5 = 9
FRA_FWMARK = 10
FRA_FLOW = 11
FRA_TUN_ID = 12
FRA_SUPPRESS_IFGROUP = 13
FRA_SUPPRESS_PREFIXLEN = 14
FRA_TABLE = 15
FRA_FWMASK = 16
FRA_OIFNAME = 17
FRA_PAD = 18
FRA_L3MDEV = 19
FRA_UID_RANGE = 20
FRA_PROTOCOL = 21
FRA_IP_PROTO = 22
FRA_SPORT_RANGE = 23
FRA_DPORT_RANGE = 24
FRA_DSCP = 25

FR_ACT_UNSPEC = 0
FR_ACT_TO_TBL = 1
FR_ACT_GOTO = 2
FR_ACT_NOP = 3
FR_ACT_RES3 = 4
FR_ACT_RES4 = 5
FR_ACT_BLACKHOLE = 6
FR_ACT_UNREACHABLE = 7
FR_ACT_PROHIBIT = 8


@slotted
@dataclass
class fib_rule_hdr:
    """Kernel: include/uapi/linux/fib_rules.h struct fib_rule_hdr."""

    family: int = 0
    dst_len: int = 0
    src_len: int = 0
    tos: int = 0
    table: int = 0
    res1: int = 0
    res2: int = 0
    action: int = 0
    flags: int = 0


@slotted
@dataclass
class fib_rule_uid_range:
    """Kernel: include/uapi/linux/fib_rules.h struct fib_rule_uid_range."""

    start: int = 0
    end: int = 0


@slotted
@dataclass
class fib_rule_port_range:
    """Kernel: include/uapi/linux/fib_rules.h struct fib_rule_port_range."""

    start: int = 0
    end: int = 0
