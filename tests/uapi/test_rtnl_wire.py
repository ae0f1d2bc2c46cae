"""The rtnetlink wire codec: decode(encode(m)) == m for every message family `ip monitor`
prints (Hypothesis, values drawn from each family's own attribute table), the layouts against
the C headers' sizeof/offsetof, and hand-laid kernel bytes decoding to skbuff's objects."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support import needs

from skbuff.uapi import rtnetlink as rt
from skbuff.uapi import rtnl_wire as w
from skbuff.uapi.if_addr import (
    IFA_ADDRESS,
    IFA_CACHEINFO,
    IFA_FLAGS,
    IFA_LABEL,
    IFA_LOCAL,
    ifa_cacheinfo,
    ifaddrmsg,
)
from skbuff.uapi.nexthop import (
    NHA_BLACKHOLE,
    NHA_ID,
    NHA_RES_GROUP,
    NHA_RES_GROUP_BUCKETS,
    nhmsg,
)

# Every message type ip monitor prints, and rtmon's stamp.
MONITORED = (
    rt.RTM_NEWLINK, rt.RTM_DELLINK, rt.RTM_NEWADDR, rt.RTM_DELADDR, rt.RTM_NEWROUTE,
    rt.RTM_DELROUTE, rt.RTM_NEWNEIGH, rt.RTM_DELNEIGH, rt.RTM_GETNEIGH, rt.RTM_NEWRULE,
    rt.RTM_DELRULE, rt.RTM_NEWNETCONF, rt.RTM_DELNETCONF, rt.RTM_NEWNSID, rt.RTM_DELNSID,
    rt.RTM_NEWNEXTHOP, rt.RTM_DELNEXTHOP, rt.RTM_NEWNEXTHOPBUCKET, rt.RTM_DELNEXTHOPBUCKET,
    w.NLMSG_TSTAMP,
)


def _codes(fmt: str) -> list[str]:
    """The struct format's field codes, counts expanded, pads dropped."""
    return [c for n, c in re.findall(r"(\d*)([a-zA-Z])", fmt) for _ in range(int(n or 1))
            if c != "x"]


def _int_strategy(code: str) -> st.SearchStrategy[int]:
    bits = 8 * struct.calcsize("=" + code)
    if code.islower():
        return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    return st.integers(0, (1 << bits) - 1)


def _fields(cls: Any, fmt: str) -> st.SearchStrategy[Any]:
    return st.tuples(*(_int_strategy(c) for c in _codes(fmt))).map(lambda t: cls(*t))


NAME = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
               max_size=15)


def _value(attr: w.Attr, depth: int = 0) -> st.SearchStrategy[Any]:
    """A value the attribute's table entry describes."""
    if attr.kind == "int":
        return _int_strategy(attr.spec[-1])
    if attr.kind == "string":
        return NAME
    if attr.kind == "binary":
        return st.binary(max_size=20)
    if attr.kind == "flag":
        return st.none()
    if attr.kind == "struct":
        return _fields(*attr.spec)
    if attr.kind == "array":
        return st.lists(_fields(*attr.spec), max_size=4)
    if attr.kind == "nest":
        return _attrs(attr.spec, depth + 1)
    assert attr.kind == "multipath"
    return st.lists(st.builds(rt.rtnexthop, flags=_int_strategy("B"), hops=_int_strategy("B"),
                              ifindex=_int_strategy("i"), attrs=_attrs(w.RTA, depth + 1)),
                    max_size=3)


def _attrs(table: dict[int, w.Attr], depth: int = 0) -> st.SearchStrategy[dict[int, Any]]:
    """Some attributes of `table` (a nest in a nest stops at depth 2), plus perhaps one of a
    type the table does not know (raw bytes)."""
    keys = [t for t, a in table.items() if depth < 2 or a.kind not in ("nest", "multipath")]
    if not keys:
        return st.just({})
    known = st.lists(st.sampled_from(keys), unique=True, max_size=8).flatmap(
        lambda ks: st.fixed_dictionaries({k: _value(table[k], depth) for k in ks}))
    unknown = st.dictionaries(st.integers(200, 300), st.binary(max_size=9), max_size=1)
    return st.tuples(known, unknown).map(lambda kv: {**kv[0], **kv[1]})


@st.composite
def messages(draw: st.DrawFn) -> rt.nlmsg:
    msgtype = draw(st.sampled_from(MONITORED))
    fam = w.FAMILIES[msgtype]
    hdr = draw(_fields(fam.cls, fam.fmt.format))
    attrs = draw(_attrs(fam.table)) if fam.table else {}
    return rt.nlmsg(msgtype, draw(_int_strategy("H")), hdr, attrs,
                    seq=draw(_int_strategy("I")), pid=draw(_int_strategy("I")))


@settings(max_examples=400, deadline=None)
@given(messages())
def test_decode_encode_round_trip(m: rt.nlmsg) -> None:
    data = w.encode(m)
    assert len(data) % 4 == 0
    assert struct.unpack_from("=I", data)[0] == len(data)  # nlmsg_len counts the padding
    assert w.decode(data) == m
    assert w.encode(w.decode(data)) == data


@settings(max_examples=100, deadline=None)
@given(st.lists(messages(), max_size=5))
def test_file_of_messages_reads_back_in_order(ms: list[rt.nlmsg]) -> None:
    data = b"".join(w.encode(m) for m in ms)
    assert list(w.messages_from_file(data)) == ms


def test_truncated_and_malformed_files() -> None:
    one = w.encode(w.nlmsg_tstamp(1_500_000_000_123_456_000))
    with pytest.raises(w.WireError, match="truncated message"):
        list(w.messages_from_file(one + one[:10]))
    with pytest.raises(w.WireError, match="truncated message"):
        list(w.messages_from_file(one + one[:-4]))
    bad = struct.pack("=IHHII", 8, 0, 0, 0, 0)
    with pytest.raises(w.WireError, match=r"!!!malformed message: len=8 @48\n"):
        list(w.messages_from_file(one + bad, start=8))


def test_kernel_bytes_decode_to_skbuff_objects() -> None:
    """An RTM_NEWADDR laid out as inet_fill_ifaddr writes it (addresses in network order,
    IFA_LABEL with its NUL, each attribute padded)."""
    def nla(t: int, payload: bytes) -> bytes:
        raw = struct.pack("=HH", 4 + len(payload), t) + payload
        return raw + bytes(-len(raw) % 4)

    body = struct.pack("=BBBBI", 2, 24, 0x80, 0, 3)
    body += nla(IFA_ADDRESS, bytes([10, 0, 0, 1])) + nla(IFA_LOCAL, bytes([10, 0, 0, 1]))
    body += nla(IFA_LABEL, b"v0\0") + nla(IFA_FLAGS, struct.pack("=I", 0x80))
    body += nla(IFA_CACHEINFO, struct.pack("=4I", 0xFFFFFFFF, 0xFFFFFFFF, 7, 9))
    data = struct.pack("=IHHII", 16 + len(body), rt.RTM_NEWADDR, 0, 0, 0) + body
    m = w.decode(data)
    assert m == rt.nlmsg(rt.RTM_NEWADDR, 0, ifaddrmsg(2, 24, 0x80, 0, 3), {
        IFA_ADDRESS: 0x0A000001, IFA_LOCAL: 0x0A000001, IFA_LABEL: "v0", IFA_FLAGS: 0x80,
        IFA_CACHEINFO: ifa_cacheinfo(0xFFFFFFFF, 0xFFFFFFFF, 7, 9)})
    assert w.encode(m) == data


def test_flag_and_misfit_payloads() -> None:
    """A flag attribute has no payload; a payload of the wrong size for its type stays raw."""
    m = rt.nlmsg(rt.RTM_NEWNEXTHOP, 0, nhmsg(), {NHA_ID: 5, NHA_BLACKHOLE: None})
    data = w.encode(m)
    assert data[-4:] == struct.pack("=HH", 4, NHA_BLACKHOLE)
    odd = data[:-12] + struct.pack("=HHH", 6, NHA_ID, 5) + bytes(2) + data[-4:]
    odd = struct.pack("=I", len(odd)) + odd[4:]
    assert w.decode(odd).attrs == {NHA_ID: b"\x05\x00", NHA_BLACKHOLE: None}


def test_unknown_type_keeps_its_payload() -> None:
    data = struct.pack("=IHHII", 21, 200, 1, 2, 3) + b"abcde" + bytes(3)
    m = w.decode(data)
    assert (m.type, m.hdr, m.attrs) == (200, b"abcde", {})
    assert w.encode(m) == data[:21]


# The layouts against the C structs: (struct, its Family/Attr format).
C_STRUCTS = {
    "struct ifinfomsg": w.LINK.fmt.format, "struct ifaddrmsg": w.ADDR.fmt.format,
    "struct rtmsg": w.ROUTE.fmt.format, "struct ndmsg": w.NEIGH.fmt.format,
    "struct fib_rule_hdr": w.RULE.fmt.format, "struct netconfmsg": w.NETCONF.fmt.format,
    "struct rtgenmsg": w.NSID.fmt.format, "struct nhmsg": w.NEXTHOP.fmt.format,
    "struct rtnexthop": w.RTNEXTHOP.format, "struct nlmsghdr": w.NLMSGHDR.format,
    "struct nlattr": w.NLATTR.format,
    "struct rtnl_link_stats64": w.IFLA[w.il.IFLA_STATS64].spec[1],
    "struct ifa_cacheinfo": w.IFA[w.ia.IFA_CACHEINFO].spec[1],
    "struct nda_cacheinfo": w.NDA[w.nb.NDA_CACHEINFO].spec[1],
    "struct rta_cacheinfo": w.RTA[rt.RTA_CACHEINFO].spec[1],
    "struct fib_rule_uid_range": w.FRA[w.fr.FRA_UID_RANGE].spec[1],
    "struct fib_rule_port_range": w.FRA[w.fr.FRA_SPORT_RANGE].spec[1],
    "struct nexthop_grp": w.NHA[w.nh.NHA_GROUP].spec[1],
}


@needs(shutil.which("gcc") is not None and Path("/usr/include/linux/rtnetlink.h").exists(),
       "gcc and the Linux uapi headers (linux-libc-dev)")
def test_layouts_match_the_c_headers(tmp_path: Path) -> None:
    src = tmp_path / "c.c"
    exe = tmp_path / "c"
    heads = ["linux/rtnetlink.h", "linux/netlink.h", "linux/if_addr.h", "linux/if_link.h",
             "linux/neighbour.h", "linux/fib_rules.h", "linux/netconf.h", "linux/nexthop.h"]
    src.write_text("\n".join(
        ["#include <stdio.h>", "#include <sys/socket.h>"]
        + [f"#include <{h}>" for h in heads] + ["int main(void){"]
        + [f'printf("{name}=%zu\\n", sizeof({name}));' for name in C_STRUCTS]
        + ["return 0;}"]))
    subprocess.run(["gcc", "-o", str(exe), str(src)], check=True, capture_output=True,
                   env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"})
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout
    sizes = dict(ln.split("=") for ln in out.splitlines())
    assert {n: int(sizes[n]) for n in C_STRUCTS} == \
        {n: struct.calcsize(f) for n, f in C_STRUCTS.items()}


def test_nested_flag_as_the_kernel_sets_it() -> None:
    """NHA_RES_GROUP is opened with nla_nest_start (NLA_F_NESTED on the wire, not in the
    dict key); an unknown attribute keeps its flag bits in its key, so it is written back
    as it came."""
    m = rt.nlmsg(rt.RTM_NEWNEXTHOP, 0, nhmsg(), {NHA_RES_GROUP: {NHA_RES_GROUP_BUCKETS: 8}})
    data = w.encode(m)
    assert struct.unpack_from("=HH", data, 24) == (12, NHA_RES_GROUP | w.NLA_F_NESTED)
    assert w.decode(data) == m
    raw = rt.nlmsg(rt.RTM_NEWLINK, 0, rt.ifinfomsg(), {52 | w.NLA_F_NESTED: b"\x04\x00\x01\x00"})
    assert w.decode(w.encode(raw)) == raw
