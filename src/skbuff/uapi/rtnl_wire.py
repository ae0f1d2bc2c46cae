"""rtnetlink messages on the wire: skbuff's `nlmsg` objects <-> the kernel's bytes.

Kernel: include/uapi/linux/netlink.h (struct nlmsghdr, struct nlattr, NLMSG_ALIGN, NLA_ALIGN),
lib/nlattr.c (__nla_put: a TLV padded to 4 bytes; nla_put_string writes the final NUL),
include/net/netlink.h (nla_nest_start/nla_nest_end), and the family headers of
include/uapi/linux/{rtnetlink,if_addr,neighbour,fib_rules,netconf,nexthop}.h.

A message is `struct nlmsghdr` (host order), the family header of its type, then the
attributes, each 4-byte aligned; nlmsg_len counts the last attribute's padding (nlmsg_end).
Every attribute type of a family is described once, in that family's table (`Attr`: how its
payload reads and writes); `encode` and `decode` both walk the same table, so
`decode(encode(m)) == m` for every value the table describes. A payload the table does not
describe (an unknown type, a wrong size) decodes to its raw bytes, and raw bytes encode as
they are, so a message from a newer kernel passes through unchanged.

Values follow skbuff's conventions (skbuff.uapi.rtnetlink): IPv4 addresses are host-order
ints (network order on the wire), strings are str, hardware addresses bytes, flag attributes
None, nests dicts of their own table, structs their uapi dataclass.

rtmon's time stamps (iproute2 include/libnetlink.h NLMSG_TSTAMP: two u32, seconds and
microseconds) decode to an `nlmsg` whose `hdr` is a `tstamp`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from skbuff.compat import slotted
from skbuff.uapi import fib_rules as fr
from skbuff.uapi import if_addr as ia
from skbuff.uapi import if_link as il
from skbuff.uapi import neighbour as nb
from skbuff.uapi import net_namespace as ns
from skbuff.uapi import netconf as nc
from skbuff.uapi import nexthop as nh
from skbuff.uapi import rtnetlink as rt

NLMSGHDR = struct.Struct("=IHHII")  # nlmsg_len, rt.nlmsgype, nlmsg_flags, nlmsg_seq, nlmsg_pid
NLATTR = struct.Struct("=HH")  # nla_len, nla_type
NLA_F_NESTED = 1 << 15
NLA_F_NET_BYTEORDER = 1 << 14
NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xFFFF
NLMSG_TSTAMP = 15  # iproute2: include/libnetlink.h


def NLMSG_ALIGN(n: int) -> int:
    """Kernel: include/uapi/linux/netlink.h NLMSG_ALIGN (= NLA_ALIGN = RTA_ALIGN)."""
    return (n + 3) & ~3


@slotted
@dataclass
class tstamp:
    """rtmon's time stamp record (iproute2: ip/rtmon.c write_stamp): gettimeofday's seconds
    and microseconds, each a u32."""

    sec: int = 0
    usec: int = 0


# --------------------------------------------------------------------------------------------
# Attribute payloads: one codec per kind, each a pair (to bytes, from bytes or None if the
# payload does not fit).


@dataclass(frozen=True)
class Attr:
    """How one attribute's payload is written and read back, and what it is: `kind` is
    "int" (spec: the struct format), "string", "binary", "flag", "struct" (spec: (dataclass,
    format)), "array" (the same), "nest" (spec: the nested table) or "multipath"."""

    put: Callable[[Any], bytes]
    get: Callable[[bytes], Any]  # raises ValueError/struct.error when the payload does not fit
    kind: str
    spec: Any = None
    nla_flags: int = 0  # NLA_F_NESTED for a nest the kernel opens with nla_nest_start


def _int(fmt: str) -> Attr:
    s = struct.Struct(fmt)
    mask = (1 << (8 * s.size)) - 1
    signed = fmt[-1].islower()

    def put(v: Any) -> bytes:
        v = int(v) & mask
        if signed and v > mask >> 1:
            v -= mask + 1
        return s.pack(v)

    def get(b: bytes) -> Any:
        if len(b) != s.size:
            raise ValueError(len(b))
        return s.unpack(b)[0]

    return Attr(put, get, "int", fmt)


U8, U16, U32, U64 = _int("=B"), _int("=H"), _int("=I"), _int("=Q")
S32 = _int("=i")
BE16, BE64 = _int("!H"), _int("!Q")
IN_ADDR = _int("!I")  # a host-order int, in network order on the wire


def _str_get(b: bytes) -> str:
    if not b.endswith(b"\0") or b"\0" in b[:-1]:
        raise ValueError("not a NUL-terminated string")
    return b[:-1].decode()


STRING = Attr(lambda v: str(v).encode() + b"\0", _str_get, "string")
BINARY = Attr(bytes, bytes, "binary")


def _flag_get(b: bytes) -> None:
    if b:
        raise ValueError("flag with a payload")


FLAG = Attr(lambda v: b"", _flag_get, "flag")


def _values(cls: Any) -> Callable[[Any], tuple[Any, ...]]:
    """The field values of a uapi dataclass, in declaration order (a flat astuple)."""
    names = [f.name for f in fields(cls)]
    return lambda v: tuple(getattr(v, n) for n in names)


def _struct(cls: Any, fmt: str) -> Attr:
    """A uapi struct as one attribute (its dataclass fields in order)."""
    s = struct.Struct(fmt)

    def get(b: bytes) -> Any:
        if len(b) != s.size:
            raise ValueError(len(b))
        return cls(*s.unpack(b))

    values = _values(cls)
    return Attr(lambda v: s.pack(*values(v)), get, "struct", (cls, fmt))


def _nest(table: dict[int, Attr], nla_flags: int = 0) -> Attr:
    """A nested attribute: a dict of the attributes of `table`; `nla_flags` NLA_F_NESTED
    when the kernel opens it with nla_nest_start rather than nla_nest_start_noflag."""
    return Attr(lambda v: put_attrs(table, v), lambda b: get_attrs(table, b), "nest", table,
                nla_flags)


def _array(cls: Any, fmt: str) -> Attr:
    """An array of one uapi struct (NHA_GROUP)."""
    s = struct.Struct(fmt)

    def get(b: bytes) -> Any:
        if len(b) % s.size:
            raise ValueError(len(b))
        return [cls(*s.unpack_from(b, off)) for off in range(0, len(b), s.size)]

    values = _values(cls)
    return Attr(lambda v: b"".join(s.pack(*values(e)) for e in v), get, "array", (cls, fmt))


def _nla(nla_type: int, payload: bytes) -> bytes:
    """One attribute, padded to 4 bytes (nla_len counts no padding). Kernel: __nla_put."""
    data = NLATTR.pack(NLATTR.size + len(payload), nla_type) + payload
    return data + bytes(NLMSG_ALIGN(len(data)) - len(data))


def put_attrs(table: dict[int, Attr], attrs: dict[int, Any]) -> bytes:
    """The attributes in dict order; raw bytes go out as they are."""
    out = []
    for t, v in attrs.items():
        kind = table.get(t)
        if kind is None or isinstance(v, bytes):
            out.append(_nla(t, bytes(v)))
        else:
            out.append(_nla(t | kind.nla_flags, kind.put(v)))
    return b"".join(out)


def get_attrs(table: dict[int, Attr], data: bytes) -> dict[int, Any]:
    """The attributes of `data` ({type: value}); a payload that does not fit its type stays
    bytes. A truncated attribute ends the list (nla_ok). A type the table knows is keyed
    without its NLA_F_NESTED/NLA_F_NET_BYTEORDER bits (nla_type); an unknown one keeps them,
    so that it is written back as it came."""
    out: dict[int, Any] = {}
    off = 0
    while off + NLATTR.size <= len(data):
        nla_len, nla_type = NLATTR.unpack_from(data, off)
        if nla_len < NLATTR.size or off + nla_len > len(data):
            break
        t = nla_type & NLA_TYPE_MASK
        payload = data[off + NLATTR.size:off + nla_len]
        kind = table.get(t)
        if kind is None:
            out[nla_type] = payload
        else:
            try:
                out[t] = kind.get(payload)
            except (ValueError, struct.error, UnicodeDecodeError):
                out[t] = payload
        off += NLMSG_ALIGN(nla_len)
    return out


# --------------------------------------------------------------------------------------------
# The attribute tables, one per family (kernel: the *_policy arrays and the fill functions).

# Kernel: net/core/rtnetlink.c rtnl_fill_ifinfo, rtnl_fill_link_ifmap, rtnl_link_fill.
LINKINFO: dict[int, Attr] = {
    il.IFLA_INFO_KIND: STRING,
    il.IFLA_INFO_SLAVE_KIND: STRING,
}
IFLA: dict[int, Attr] = {
    il.IFLA_ADDRESS: BINARY, il.IFLA_BROADCAST: BINARY, il.IFLA_IFNAME: STRING,
    il.IFLA_MTU: U32, il.IFLA_LINK: S32, il.IFLA_QDISC: STRING,
    il.IFLA_STATS64: _struct(il.rtnl_link_stats64, "=25Q"),
    il.IFLA_MASTER: U32, il.IFLA_TXQLEN: U32, il.IFLA_OPERSTATE: U8, il.IFLA_LINKMODE: U8,
    il.IFLA_LINKINFO: _nest(LINKINFO), il.IFLA_IFALIAS: STRING, il.IFLA_GROUP: U32,
    il.IFLA_EXT_MASK: U32, il.IFLA_PROMISCUITY: U32, il.IFLA_NUM_TX_QUEUES: U32,
    il.IFLA_NUM_RX_QUEUES: U32, il.IFLA_CARRIER: U8, il.IFLA_CARRIER_CHANGES: U32,
    il.IFLA_LINK_NETNSID: S32, il.IFLA_PROTO_DOWN: U8, il.IFLA_GSO_MAX_SEGS: U32,
    il.IFLA_GSO_MAX_SIZE: U32, il.IFLA_EVENT: U32, il.IFLA_NEW_NETNSID: S32,
    il.IFLA_IF_NETNSID: S32, il.IFLA_CARRIER_UP_COUNT: U32, il.IFLA_CARRIER_DOWN_COUNT: U32,
    il.IFLA_NEW_IFINDEX: S32, il.IFLA_MIN_MTU: U32, il.IFLA_MAX_MTU: U32,
    il.IFLA_ALT_IFNAME: STRING, il.IFLA_PERM_ADDRESS: BINARY, il.IFLA_PARENT_DEV_NAME: STRING,
    il.IFLA_PARENT_DEV_BUS_NAME: STRING, il.IFLA_GRO_MAX_SIZE: U32, il.IFLA_TSO_MAX_SIZE: U32,
    il.IFLA_TSO_MAX_SEGS: U32, il.IFLA_ALLMULTI: U32,
}

# Kernel: net/ipv4/devinet.c inet_fill_ifaddr.
IFA: dict[int, Attr] = {
    ia.IFA_ADDRESS: IN_ADDR, ia.IFA_LOCAL: IN_ADDR, ia.IFA_LABEL: STRING,
    ia.IFA_BROADCAST: IN_ADDR, ia.IFA_ANYCAST: IN_ADDR,
    ia.IFA_CACHEINFO: _struct(ia.ifa_cacheinfo, "=4I"), ia.IFA_MULTICAST: IN_ADDR,
    ia.IFA_FLAGS: U32, ia.IFA_RT_PRIORITY: U32, ia.IFA_TARGET_NETNSID: S32, ia.IFA_PROTO: U8,
}

# Kernel: net/ipv4/fib_semantics.c fib_dump_info, fib_add_nexthop, rtnetlink_put_metrics;
# net/ipv4/route.c rt_fill_info.
RTAX: dict[int, Attr] = {t: U32 for t in range(rt.RTAX_LOCK, rt.RTAX_MAX + 1)}
RTAX[rt.RTAX_CC_ALGO] = STRING
RTA: dict[int, Attr] = {
    rt.RTA_DST: IN_ADDR, rt.RTA_SRC: IN_ADDR, rt.RTA_IIF: U32, rt.RTA_OIF: U32,
    rt.RTA_GATEWAY: IN_ADDR, rt.RTA_PRIORITY: U32, rt.RTA_PREFSRC: IN_ADDR,
    rt.RTA_METRICS: _nest(RTAX), rt.RTA_FLOW: U32,
    rt.RTA_CACHEINFO: _struct(rt.rta_cacheinfo, "=IIiIIIII"), rt.RTA_TABLE: U32,
    rt.RTA_MARK: U32, rt.RTA_PREF: U8, rt.RTA_ENCAP_TYPE: U16, rt.RTA_EXPIRES: U64,
    rt.RTA_UID: U32, rt.RTA_TTL_PROPAGATE: U8, rt.RTA_IP_PROTO: U8, rt.RTA_SPORT: BE16,
    rt.RTA_DPORT: BE16, rt.RTA_NH_ID: U32,
}
RTNEXTHOP = struct.Struct("=HBBi")  # rtnh_len, rtnh_flags, rtnh_hops, rtnh_ifindex


def _rtnh_put(hops: list[rt.rtnexthop]) -> bytes:
    """RTA_MULTIPATH: each struct rtnexthop and its attributes. Kernel: fib_add_nexthop."""
    out = []
    for hop in hops:
        attrs = put_attrs(RTA, hop.attrs)
        out.append(RTNEXTHOP.pack(RTNEXTHOP.size + len(attrs), hop.flags, hop.hops,
                                  hop.ifindex) + attrs)
    return b"".join(out)


def _rtnh_get(data: bytes) -> list[rt.rtnexthop]:
    """RTA_MULTIPATH back into rtnexthops; a malformed one makes the whole payload raw."""
    hops = []
    off = 0
    while off < len(data):
        rtnh_len, flags, nh_hops, ifindex = RTNEXTHOP.unpack_from(data, off)
        if rtnh_len < RTNEXTHOP.size or off + rtnh_len > len(data):
            raise ValueError("bad rtnexthop")
        attrs = get_attrs(RTA, data[off + RTNEXTHOP.size:off + rtnh_len])
        hops.append(rt.rtnexthop(flags=flags, hops=nh_hops, ifindex=ifindex, attrs=attrs))
        off += NLMSG_ALIGN(rtnh_len)
    return hops


RTA[rt.RTA_MULTIPATH] = Attr(_rtnh_put, _rtnh_get, "multipath")

# Kernel: net/core/neighbour.c neigh_fill_info, pneigh_fill_info.
NDA: dict[int, Attr] = {
    nb.NDA_DST: IN_ADDR, nb.NDA_LLADDR: BINARY,
    nb.NDA_CACHEINFO: _struct(nb.nda_cacheinfo, "=4I"), nb.NDA_PROBES: U32,
    nb.NDA_VLAN: U16, nb.NDA_PORT: BE16, nb.NDA_VNI: U32, nb.NDA_IFINDEX: U32,
    nb.NDA_MASTER: U32, nb.NDA_LINK_NETNSID: S32, nb.NDA_SRC_VNI: U32, nb.NDA_PROTOCOL: U8,
    nb.NDA_NH_ID: U32, nb.NDA_FLAGS_EXT: U32, nb.NDA_NDM_STATE_MASK: U16,
    nb.NDA_NDM_FLAGS_MASK: U8,
}

# Kernel: net/core/fib_rules.c fib_nl_fill_rule; net/ipv4/fib_rules.c fib4_rule_fill.
FRA: dict[int, Attr] = {
    fr.FRA_DST: IN_ADDR, fr.FRA_SRC: IN_ADDR, fr.FRA_IIFNAME: STRING, fr.FRA_GOTO: U32,
    fr.FRA_PRIORITY: U32, fr.FRA_FWMARK: U32, fr.FRA_FLOW: U32, fr.FRA_TUN_ID: BE64,
    fr.FRA_SUPPRESS_IFGROUP: U32, fr.FRA_SUPPRESS_PREFIXLEN: S32, fr.FRA_TABLE: U32,
    fr.FRA_FWMASK: U32, fr.FRA_OIFNAME: STRING, fr.FRA_L3MDEV: U8,
    fr.FRA_UID_RANGE: _struct(fr.fib_rule_uid_range, "=II"), fr.FRA_PROTOCOL: U8,
    fr.FRA_IP_PROTO: U8, fr.FRA_SPORT_RANGE: _struct(fr.fib_rule_port_range, "=HH"),
    fr.FRA_DPORT_RANGE: _struct(fr.fib_rule_port_range, "=HH"), fr.FRA_DSCP: U8,
}

# Kernel: net/ipv4/devinet.c inet_netconf_fill_devconf (every value nla_put_s32).
NETCONFA: dict[int, Attr] = {t: S32 for t in range(nc.NETCONFA_IFINDEX, nc.NETCONFA_MAX + 1)}

# Kernel: net/core/net_namespace.c rtnl_net_fill.
NETNSA: dict[int, Attr] = {ns.NETNSA_NSID: S32, ns.NETNSA_PID: U32, ns.NETNSA_FD: U32,
                           ns.NETNSA_TARGET_NSID: S32, ns.NETNSA_CURRENT_NSID: S32}

# Kernel: net/ipv4/nexthop.c nh_fill_node, nla_put_nh_group, nla_put_nh_group_res,
# nh_fill_res_bucket.
NHA_RES_GROUP: dict[int, Attr] = {
    nh.NHA_RES_GROUP_BUCKETS: U16, nh.NHA_RES_GROUP_IDLE_TIMER: U32,
    nh.NHA_RES_GROUP_UNBALANCED_TIMER: U32, nh.NHA_RES_GROUP_UNBALANCED_TIME: U64,
}
NHA_RES_BUCKET: dict[int, Attr] = {
    nh.NHA_RES_BUCKET_INDEX: U16, nh.NHA_RES_BUCKET_IDLE_TIME: U64,
    nh.NHA_RES_BUCKET_NH_ID: U32,
}
NHA: dict[int, Attr] = {
    nh.NHA_ID: U32, nh.NHA_GROUP: _array(nh.nexthop_grp, "=IBBH"), nh.NHA_GROUP_TYPE: U16,
    nh.NHA_BLACKHOLE: FLAG, nh.NHA_OIF: U32, nh.NHA_GATEWAY: IN_ADDR, nh.NHA_ENCAP_TYPE: U16,
    nh.NHA_GROUPS: FLAG, nh.NHA_MASTER: U32, nh.NHA_FDB: FLAG,
    nh.NHA_RES_GROUP: _nest(NHA_RES_GROUP, NLA_F_NESTED),
    nh.NHA_RES_BUCKET: _nest(NHA_RES_BUCKET, NLA_F_NESTED),
    nh.NHA_OP_FLAGS: U32,
}


# --------------------------------------------------------------------------------------------
# Family headers and messages.


@dataclass(frozen=True)
class Family:
    """A message family: its header (the dataclass and its layout, pad bytes as `x`, the
    length the kernel reserves for it) and its attribute table."""

    cls: Any
    fmt: struct.Struct
    table: dict[int, Attr]
    values: Callable[[Any], tuple[Any, ...]] = field(init=False)  # the header's fields

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _values(self.cls))

    @property
    def hdrlen(self) -> int:
        """NLMSG_ALIGN(sizeof(header)): where the attributes start."""
        return NLMSG_ALIGN(self.fmt.size)


LINK = Family(rt.ifinfomsg, struct.Struct("=BxHiII"), IFLA)
ADDR = Family(ia.ifaddrmsg, struct.Struct("=BBBBI"), IFA)
ROUTE = Family(rt.rtmsg, struct.Struct("=BBBBBBBBI"), RTA)
NEIGH = Family(nb.ndmsg, struct.Struct("=BxxxiHBB"), NDA)
RULE = Family(fr.fib_rule_hdr, struct.Struct("=BBBBBBBBI"), FRA)
NETCONF = Family(nc.netconfmsg, struct.Struct("=B"), NETCONFA)
NSID = Family(rt.rtgenmsg, struct.Struct("=B"), NETNSA)
NEXTHOP = Family(nh.nhmsg, struct.Struct("=BBBBI"), NHA)

# RTM_NEW*/DEL*/GET*/SET* of each family (rtm_msgindex groups of four), and rtmon's stamp.
FAMILIES: dict[int, Family] = {}
for _base, _fam in ((rt.RTM_NEWLINK, LINK), (rt.RTM_NEWADDR, ADDR), (rt.RTM_NEWROUTE, ROUTE),
                    (rt.RTM_NEWNEIGH, NEIGH), (rt.RTM_NEWRULE, RULE),
                    (rt.RTM_NEWNETCONF, NETCONF), (rt.RTM_NEWNSID, NSID),
                    (rt.RTM_NEWNEXTHOP, NEXTHOP), (rt.RTM_NEWNEXTHOPBUCKET, NEXTHOP)):
    for _t in range(_base, _base + 4):
        FAMILIES[_t] = _fam
TSTAMP = Family(tstamp, struct.Struct("=II"), {})
FAMILIES[NLMSG_TSTAMP] = TSTAMP


def encode(m: rt.nlmsg) -> bytes:
    """One message as the kernel writes it on a netlink socket (a type without a family,
    e.g. NLMSG_DONE, carries `hdr` as raw bytes, or nothing)."""
    fam = FAMILIES.get(m.type)
    if fam is None or isinstance(m.hdr, bytes):
        body = bytes(m.hdr or b"")
        body += bytes(NLMSG_ALIGN(len(body)) - len(body)) if m.attrs else b""
    else:
        body = fam.fmt.pack(*fam.values(m.hdr))
        body += bytes(fam.hdrlen - len(body))
    if m.attrs:
        body += put_attrs(fam.table if fam is not None else {}, m.attrs)
    return NLMSGHDR.pack(NLMSGHDR.size + len(body), m.type, m.flags, m.seq, m.pid) + body


def decode(data: bytes) -> rt.nlmsg:
    """One message (nlmsghdr + payload, as far as nlmsg_len says) back into an nlmsg: a known
    type gets its header dataclass (a short header is read as if zero-filled) and attributes,
    any other keeps its payload as `hdr` bytes."""
    length, msgtype, flags, seq, pid = NLMSGHDR.unpack_from(data)
    body = data[NLMSGHDR.size:length]
    fam = FAMILIES.get(msgtype)
    if fam is None:
        return rt.nlmsg(msgtype, flags, body, {}, seq=seq, pid=pid)
    hdr = fam.cls(*fam.fmt.unpack_from(body[:fam.fmt.size].ljust(fam.fmt.size, b"\0")))
    attrs = get_attrs(fam.table, body[fam.hdrlen:])
    return rt.nlmsg(msgtype, flags, hdr, attrs, seq=seq, pid=pid)


def nlmsg_tstamp(ns_since_epoch: int) -> rt.nlmsg:
    """rtmon's stamp for a wall-clock time. iproute2: ip/rtmon.c write_stamp."""
    sec, usec = divmod(ns_since_epoch // 1000, 1_000_000)
    return rt.nlmsg(NLMSG_TSTAMP, 0, tstamp(sec & 0xFFFFFFFF, usec), {})


class WireError(Exception):
    """A file's bytes end inside a message or hold a malformed one: `text` is iproute2's
    message for it (lib/libnetlink.c rtnl_from_file)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


RTNL_FILE_BUF = 16384  # rtnl_from_file's buffer: a longer message is malformed


def messages_from_file(data: bytes, start: int = 0) -> Iterator[rt.nlmsg]:
    """The messages in `data` (which begins at file offset `start`), in order; reaching a
    truncated or malformed one raises WireError, after those before it were yielded.

    iproute2: lib/libnetlink.c rtnl_from_file."""
    off = 0
    while off < len(data):
        if off + NLMSGHDR.size > len(data):
            raise WireError("rtnl-from_file: truncated message\n")
        length = NLMSGHDR.unpack_from(data, off)[0]
        if length < NLMSGHDR.size or length > RTNL_FILE_BUF:
            raise WireError(f"!!!malformed message: len={length} "
                            f"@{start + off + NLMSGHDR.size}\n")
        end = off + NLMSGHDR.size + NLMSG_ALIGN(length - NLMSGHDR.size)
        if end > len(data):
            raise WireError("rtnl-from_file: truncated message\n")
        yield decode(data[off:end])
        off = end
