"""struct flowi4: the key of an IPv4 route lookup.

Kernel: include/net/flow.h. Addresses are host-order ints, ports host-order ints. The one
skbuff extension is `decision`: a `fib_decision.DecisionRecord` (or None) that every lookup
site fills when it is set (`if flp.decision is not None:`), so recording costs nothing when
nobody asks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skbuff.net.ipv4.fib_decision import DecisionRecord

LOOPBACK_IFINDEX = 1
FLOWI_FLAG_ANYSRC = 0x01
FLOWI_FLAG_KNOWN_NH = 0x02


class flowi4:
    """struct flowi4 (flowi_common fields are named flowi4_* as the kernel's macros do).

    Kernel: include/net/flow.h struct flowi4. Pass fields by keyword; they are not
    keyword-only because CPython fills a keyword-only default from a dict on every call, and
    a flowi4 is made for every routed packet.
    """

    __slots__ = (
        "daddr",
        "decision",
        "fl4_dport",
        "fl4_icmp_code",
        "fl4_icmp_type",
        "fl4_sport",
        "flowi4_flags",
        "flowi4_iif",
        "flowi4_l3mdev",
        "flowi4_mark",
        "flowi4_multipath_hash",
        "flowi4_oif",
        "flowi4_proto",
        "flowi4_scope",
        "flowi4_tos",
        "flowi4_uid",
        "saddr",
    )

    def __init__(
        self,
        flowi4_oif: int = 0,
        flowi4_iif: int = 0,
        flowi4_l3mdev: int = 0,
        flowi4_mark: int = 0,
        flowi4_tos: int = 0,
        flowi4_scope: int = 0,
        flowi4_proto: int = 0,
        flowi4_flags: int = 0,
        flowi4_uid: int = 0,
        flowi4_multipath_hash: int = 0,
        saddr: int = 0,
        daddr: int = 0,
        fl4_sport: int = 0,
        fl4_dport: int = 0,
        fl4_icmp_type: int = 0,
        fl4_icmp_code: int = 0,
        decision: DecisionRecord | None = None,
    ) -> None:
        self.flowi4_oif = flowi4_oif
        self.flowi4_iif = flowi4_iif
        self.flowi4_l3mdev = flowi4_l3mdev
        self.flowi4_mark = flowi4_mark
        self.flowi4_tos = flowi4_tos
        self.flowi4_scope = flowi4_scope
        self.flowi4_proto = flowi4_proto
        self.flowi4_flags = flowi4_flags
        self.flowi4_uid = flowi4_uid
        self.flowi4_multipath_hash = flowi4_multipath_hash
        self.saddr = saddr
        self.daddr = daddr
        self.fl4_sport = fl4_sport
        self.fl4_dport = fl4_dport
        self.fl4_icmp_type = fl4_icmp_type
        self.fl4_icmp_code = fl4_icmp_code
        self.decision = decision

    def __repr__(self) -> str:
        return (
            f"flowi4(oif={self.flowi4_oif} iif={self.flowi4_iif} mark={self.flowi4_mark:#x} "
            f"tos={self.flowi4_tos:#x} scope={self.flowi4_scope} proto={self.flowi4_proto} "
            f"saddr={self.saddr:#010x} daddr={self.daddr:#010x})"
        )


def flowi4_init_output(
    fl4: flowi4, oif: int, mark: int, tos: int, scope: int, proto: int, flags: int,
    daddr: int, saddr: int, dport: int, sport: int, uid: int,
) -> None:
    """Fill `fl4` for an output lookup from a local socket: iif is lo.

    Kernel: include/net/flow.h flowi4_init_output.
    """
    fl4.flowi4_oif = oif
    fl4.flowi4_iif = LOOPBACK_IFINDEX
    fl4.flowi4_l3mdev = 0
    fl4.flowi4_mark = mark
    fl4.flowi4_tos = tos
    fl4.flowi4_scope = scope
    fl4.flowi4_proto = proto
    fl4.flowi4_flags = flags
    fl4.flowi4_uid = uid
    fl4.daddr = daddr
    fl4.saddr = saddr
    fl4.fl4_dport = dport
    fl4.fl4_sport = sport
    fl4.flowi4_multipath_hash = 0
