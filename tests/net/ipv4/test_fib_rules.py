"""IPv4 policy rules: every selector and action, goto, suppress_*, priorities, the fast path,
the rtnetlink handlers' errors and dump. FIB tables are replaced by a tiny longest-prefix
fake so the rules are tested on their own (net/ipv4/fib_rules.c, net/core/fib_rules.c)."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skbuff.kernel.kernel import Kernel
from skbuff.net import flow
from skbuff.net.core import fib_rules as core_fr
from skbuff.net.core.net_namespace import Net
from skbuff.net.core.rtnetlink import netlink_ext_ack
from skbuff.net.ipv4 import fib_rules as ipv4_fr
from skbuff.net.ipv4 import ip_fib
from skbuff.net.ipv4.fib_decision import DecisionRecord
from skbuff.uapi import fib_rules as uapi_fr
from skbuff.uapi import rtnetlink as uapi_rt

A = uapi_rt.AF_INET


def ip(s: str) -> int:
    a, b, c, d = (int(x) for x in s.split("."))
    return a << 24 | b << 16 | c << 8 | d


class FakeTable:
    """A FIB table: (prefix, plen, rtn type) routes; reject types return their error."""

    def __init__(self, tb_id: int) -> None:
        self.tb_id = tb_id
        self.routes: list[tuple[int, int, int]] = []


ERRS = {uapi_rt.RTN_BLACKHOLE: -errno.EINVAL, uapi_rt.RTN_UNREACHABLE: -errno.EHOSTUNREACH,
        uapi_rt.RTN_PROHIBIT: -errno.EACCES, uapi_rt.RTN_THROW: -errno.EAGAIN}


def fake_lookup(tb: FakeTable, flp: flow.flowi4, res: ip_fib.fib_result, flags: int) -> int:
    best = None
    for prefix, plen, rtype in tb.routes:
        mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF if plen else 0
        if flp.daddr & mask == prefix and (best is None or plen > best[1]):
            best = (prefix, plen, rtype)
    if best is None:
        return -errno.EAGAIN
    if best[2] in ERRS:
        return ERRS[best[2]]
    res.prefix, res.prefixlen, res.type = best
    res.table = tb  # type: ignore[assignment]
    return 0


class FakeFib:
    def __init__(self, net: Net) -> None:
        self.tables: dict[int, FakeTable] = {}
        self.unmerges = 0
        self.flushes = 0
        for tb_id in (255, 254, 253):
            self.tables[tb_id] = FakeTable(tb_id)
        net.ipv4.fib_main = self.tables[254]
        net.ipv4.fib_default = self.tables[253]

    def fib_get_table(self, net: Net, tb_id: int) -> FakeTable | None:
        return self.tables.get(tb_id)

    def fib_new_table(self, net: Net, tb_id: int) -> FakeTable:
        return self.tables.setdefault(tb_id, FakeTable(tb_id))

    def fib_unmerge(self, net: Net) -> int:
        self.unmerges += 1
        return 0

    def rt_cache_flush(self, net: Net) -> None:
        self.flushes += 1


@pytest.fixture
def env(kernel: Kernel, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Net, FakeFib]]:
    net = Net(kernel, "rules")
    fib = FakeFib(net)
    monkeypatch.setattr(ipv4_fr.fib_frontend, "fib_get_table", fib.fib_get_table)
    monkeypatch.setattr(ipv4_fr.fib_frontend, "fib_new_table", fib.fib_new_table)
    monkeypatch.setattr(ipv4_fr.fib_frontend, "fib_unmerge", fib.fib_unmerge)
    monkeypatch.setattr(ipv4_fr.fib_trie, "fib_table_lookup", fake_lookup)
    monkeypatch.setattr(ipv4_fr.route, "rt_cache_flush", fib.rt_cache_flush)
    assert ipv4_fr.fib4_rules_init(net) == 0
    yield net, fib


def add_rule(net: Net, *, action: int = uapi_fr.FR_ACT_TO_TBL, table: int = 0,
             flags: int = uapi_rt.NLM_F_REQUEST | uapi_rt.NLM_F_CREATE | uapi_rt.NLM_F_EXCL,
             src_len: int = 0, dst_len: int = 0, tos: int = 0, rflags: int = 0,
             **attrs: Any) -> tuple[int, str | None]:
    hdr = uapi_fr.fib_rule_hdr(family=A, action=action, table=table, src_len=src_len,
                               dst_len=dst_len, tos=tos, flags=rflags)
    msg = uapi_rt.nlmsg(type=uapi_rt.RTM_NEWRULE, flags=flags, hdr=hdr,
                        attrs={getattr(uapi_fr, k): v for k, v in attrs.items()})
    ext = netlink_ext_ack()
    return core_fr.fib_nl_newrule(net, msg, ext), ext.msg


def del_rule(net: Net, *, action: int = 0, table: int = 0, **attrs: Any) -> int:
    hdr = uapi_fr.fib_rule_hdr(family=A, action=action, table=table)
    msg = uapi_rt.nlmsg(type=uapi_rt.RTM_DELRULE, hdr=hdr,
                        attrs={getattr(uapi_fr, k): v for k, v in attrs.items()})
    return core_fr.fib_nl_delrule(net, msg, netlink_ext_ack())


def lookup(net: Net, dst: str, **kw: Any) -> tuple[int, ip_fib.fib_result]:
    fl4 = flow.flowi4(daddr=ip(dst), **kw)
    res = ip_fib.fib_result()
    return ipv4_fr.fib_lookup(net, fl4, res, 0), res


def prefs(net: Net) -> list[int]:
    return [r.pref for r in net.ipv4.rules_ops.rules_list]


def test_default_rules(env: tuple[Net, FakeFib]) -> None:
    net, _ = env
    rules = net.ipv4.rules_ops.rules_list
    assert [(r.pref, r.table, r.proto) for r in rules] == [
        (0, 255, uapi_rt.RTPROT_KERNEL), (32766, 254, uapi_rt.RTPROT_KERNEL),
        (32767, 253, uapi_rt.RTPROT_KERNEL)]
    assert all(ipv4_fr.fib4_rule_default(r) for r in rules)
    assert net.ipv4.fib_has_custom_rules is False


def test_fast_path_main_then_default(env: tuple[Net, FakeFib]) -> None:
    net, fib = env
    assert lookup(net, "10.0.0.1")[0] == -errno.ENETUNREACH
    fib.tables[253].routes.append((0, 0, uapi_rt.RTN_UNICAST))
    err, res = lookup(net, "10.0.0.1")
    assert err == 0 and res.table is fib.tables[253]
    fib.tables[254].routes.append((ip("10.0.0.0"), 8, uapi_rt.RTN_UNICAST))
    err, res = lookup(net, "10.0.0.1")
    assert err == 0 and res.table is fib.tables[254] and res.prefixlen == 8
    # a reject route in main ends the lookup with its error; default is not consulted
    fib.tables[254].routes.append((ip("10.1.0.0"), 16, uapi_rt.RTN_PROHIBIT))
    assert lookup(net, "10.1.2.3")[0] == -errno.EACCES
    # throw (-EAGAIN) falls through to default
    fib.tables[254].routes.append((ip("10.2.0.0"), 16, uapi_rt.RTN_THROW))
    assert lookup(net, "10.2.0.1")[0] == 0
    # the local table is not consulted on the fast path (it is merged into main)
    fib.tables[255].routes.append((ip("192.0.2.1"), 32, uapi_rt.RTN_LOCAL))
    assert lookup(net, "192.0.2.1")[1].table is fib.tables[253]


def test_first_rule_unmerges_and_flushes(env: tuple[Net, FakeFib]) -> None:
    net, fib = env
    assert add_rule(net, table=100, FRA_PRIORITY=100) == (0, None)
    assert net.ipv4.fib_has_custom_rules is True
    assert fib.unmerges == 1 and fib.flushes == 1
    assert prefs(net) == [0, 100, 32766, 32767]
    fib.tables[255].routes.append((ip("192.0.2.1"), 32, uapi_rt.RTN_LOCAL))
    err, res = lookup(net, "192.0.2.1")
    assert err == 0 and res.table is fib.tables[255]


def test_auto_priority_and_auto_table(env: tuple[Net, FakeFib]) -> None:
    net, fib = env
    assert add_rule(net, table=10)[0] == 0
    assert prefs(net) == [0, 32765, 32766, 32767]
    assert add_rule(net, table=11)[0] == 0
    assert prefs(net) == [0, 32764, 32765, 32766, 32767]
    # `lookup` without a table picks the first unused id from 1
    assert add_rule(net, FRA_PRIORITY=5)[0] == 0
    r = net.ipv4.rules_ops.rules_list[1]
    assert r.pref == 5 and r.table == 1 and 1 in fib.tables


def test_selectors(env: tuple[Net, FakeFib]) -> None:
    net, fib = env
    fib.tables[254].routes.append((0, 0, uapi_rt.RTN_UNICAST))
    fib.fib_new_table(net, 50).routes.append((0, 0, uapi_rt.RTN_UNICAST))

    def table_for(**kw: Any) -> int:
        err, res = lookup(net, kw.pop("dst", "198.51.100.7"), **kw)
        assert err == 0
        assert res.table is not None
        return res.table.tb_id

    cases: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = [
        ({"src_len": 24, "FRA_SRC": ip("192.0.2.0")}, {"saddr": ip("192.0.2.9")},
         {"saddr": ip("192.0.3.9")}),
        ({"dst_len": 16, "FRA_DST": ip("198.51.0.0")}, {}, {"dst": "198.52.0.1"}),
        ({"FRA_IIFNAME": "eth0"}, {"flowi4_iif": 7}, {"flowi4_iif": 8}),
        ({"FRA_OIFNAME": "eth1"}, {"flowi4_oif": 9}, {"flowi4_oif": 0}),
        ({"FRA_FWMARK": 0x10}, {"flowi4_mark": 0x10}, {"flowi4_mark": 0x11}),
        ({"FRA_FWMARK": 0x10, "FRA_FWMASK": 0xF0}, {"flowi4_mark": 0x1F},
         {"flowi4_mark": 0x2F}),
        ({"tos": 0x10}, {"flowi4_tos": 0x10}, {"flowi4_tos": 0x08}),
        ({"FRA_DSCP": 46}, {"flowi4_tos": 0xB8}, {"flowi4_tos": 0xB0}),
        ({"FRA_IP_PROTO": 17}, {"flowi4_proto": 17}, {"flowi4_proto": 6}),
        ({"FRA_SPORT_RANGE": uapi_fr.fib_rule_port_range(1000, 2000)}, {"fl4_sport": 2000},
         {"fl4_sport": 2001}),
        ({"FRA_DPORT_RANGE": uapi_fr.fib_rule_port_range(53, 53)}, {"fl4_dport": 53},
         {"fl4_dport": 54}),
        ({"FRA_UID_RANGE": uapi_fr.fib_rule_uid_range(1000, 1999)}, {"flowi4_uid": 1500},
         {"flowi4_uid": 0}),
    ]
    net.dev_base_head["eth0"] = type("D", (), {"ifindex": 7})()
    net.dev_base_head["eth1"] = type("D", (), {"ifindex": 9})()
    for sel, hit, miss in cases:
        hdr_kw = {k: sel[k] for k in ("src_len", "dst_len", "tos") if k in sel}
        attrs = {k: v for k, v in sel.items() if k.startswith("FRA_")}
        assert add_rule(net, table=50, FRA_PRIORITY=10, **hdr_kw, **attrs)[0] == 0, sel
        assert table_for(**hit) == 50, sel
        assert table_for(**miss) == 254, sel
        # `not` inverts the same selector
        assert add_rule(net, table=50, FRA_PRIORITY=20, rflags=uapi_fr.FIB_RULE_INVERT,
                        **hdr_kw, **attrs)[0] == 0, sel
        assert table_for(**miss) == 50, sel
        assert del_rule(net, FRA_PRIORITY=20) == 0
        assert del_rule(net, FRA_PRIORITY=10) == 0


def test_actions(env: tuple[Net, FakeFib]) -> None:
    net, fib = env
    fib.tables[254].routes.append((0, 0, uapi_rt.RTN_UNICAST))
    for action, err in ((uapi_fr.FR_ACT_BLACKHOLE, -errno.EINVAL),
                        (uapi_fr.FR_ACT_UNREACHABLE, -errno.ENETUNREACH),
                        (uapi_fr.FR_ACT_PROHIBIT, -errno.EACCES)):
        assert add_rule(net, action=action, FRA_PRIORITY=100)[0] == 0
        assert lookup(net, "1.2.3.4")[0] == err
        assert del_rule(net, FRA_PRIORITY=100) == 0
    assert add_rule(net, action=uapi_fr.FR_ACT_NOP, FRA_PRIORITY=100)[0] == 0
    assert lookup(net, "1.2.3.4")[0] == 0
    # a rule naming a table that does not exist is a miss: next rule
    assert add_rule(net, table=77, FRA_PRIORITY=101)[0] == 0
    assert 77 not in fib.tables
    assert lookup(net, "1.2.3.4")[0] == 0


def test_no_rule_matches_is_enetunreach(env: tuple[Net, FakeFib]) -> None:
    net, _ = env
    for pref in (0, 32766, 32767):
        assert del_rule(net, FRA_PRIORITY=pref) == 0
    assert lookup(net, "1.2.3.4")[0] == -errno.ENETUNREACH


def test_goto(env: tuple[Net, FakeFib]) -> None:
    net, fib = env
    fib.fib_new_table(net, 60).routes.append((0, 0, uapi_rt.RTN_UNICAST))
    fib.tables[254].routes.append((0, 0, uapi_rt.RTN_UNICAST))
    assert add_rule(net, action=uapi_fr.FR_ACT_GOTO, FRA_PRIORITY=10) == (
        -errno.EINVAL, "Missing goto target for action goto")
    assert add_rule(net, action=uapi_fr.FR_ACT_GOTO, FRA_PRIORITY=10, FRA_GOTO=10) == (
        -errno.EINVAL, "Backward goto not supported")
    assert add_rule(net, table=60, FRA_PRIORITY=10, FRA_GOTO=20) == (
        -errno.EINVAL, "Unexpected goto")
    # unresolved goto: skipped
    assert add_rule(net, action=uapi_fr.FR_ACT_GOTO, FRA_PRIORITY=10, FRA_GOTO=30)[0] == 0
    ops = net.ipv4.rules_ops
    assert ops.unresolved_rules == 1
    dump = core_fr.fib_nl_dumprule(net, uapi_rt.nlmsg(type=uapi_rt.RTM_GETRULE,
                                                      hdr=uapi_fr.fib_rule_hdr(family=A)))
    assert dump[1].hdr.flags & uapi_fr.FIB_RULE_UNRESOLVED
    assert add_rule(net, table=254, FRA_PRIORITY=20)[0] == 0
    assert add_rule(net, table=60, FRA_PRIORITY=30)[0] == 0
    assert ops.unresolved_rules == 0
    rec = DecisionRecord()
    err, res = lookup(net, "1.2.3.4", decision=rec)
    assert err == 0 and res.table is fib.tables[60]  # jumped over pref 20
    kinds = [(s["kind"], s.get("pref"), s.get("action")) for s in rec.steps]
    assert ("rule", 10, "goto 30") in kinds
    assert all(s.get("pref") != 20 for s in rec.steps)
    # deleting the target re-points the goto to nothing: unresolved again
    assert del_rule(net, FRA_PRIORITY=30) == 0
    assert ops.unresolved_rules == 1
    assert lookup(net, "1.2.3.4")[1].table is fib.tables[254]


def test_suppress_prefixlength(env: tuple[Net, FakeFib]) -> None:
    net, fib = env
    fib.tables[254].routes += [(0, 0, uapi_rt.RTN_UNICAST),
                               (ip("10.0.0.0"), 8, uapi_rt.RTN_UNICAST)]
    fib.fib_new_table(net, 70).routes.append((0, 0, uapi_rt.RTN_UNICAST))
    assert add_rule(net, table=254, FRA_PRIORITY=5, FRA_SUPPRESS_PREFIXLEN=0)[0] == 0
    assert add_rule(net, table=70, FRA_PRIORITY=6)[0] == 0
    assert lookup(net, "10.1.1.1")[1].table is fib.tables[254]   # /8 > 0: kept
    assert lookup(net, "11.1.1.1")[1].table is fib.tables[70]    # default /0 suppressed


def test_errors_and_exclusive(env: tuple[Net, FakeFib]) -> None:
    net, _ = env
    assert add_rule(net, table=5, FRA_PRIORITY=100)[0] == 0
    assert add_rule(net, table=5, FRA_PRIORITY=100)[0] == -errno.EEXIST
    assert add_rule(net, table=5, FRA_PRIORITY=100,
                    flags=uapi_rt.NLM_F_REQUEST | uapi_rt.NLM_F_CREATE)[0] == 0
    assert add_rule(net, table=5, src_len=24) == (-errno.EINVAL, "Invalid source address")
    assert add_rule(net, table=5, dst_len=33, FRA_DST=1) == (-errno.EINVAL, "Invalid dst address")
    assert add_rule(net, table=5, tos=0x01) == (
        -errno.EINVAL, "Invalid dsfield (tos): ECN bits must be 0")
    assert add_rule(net, table=5, tos=0x20) == (-errno.EINVAL, "Invalid tos")
    assert add_rule(net, table=5, tos=0x10, FRA_DSCP=4) == (
        -errno.EINVAL, "Cannot specify both TOS and DSCP")
    assert add_rule(net, table=5, FRA_SPORT_RANGE=uapi_fr.fib_rule_port_range(9, 3)) == (
        -errno.EINVAL, "Invalid sport range")
    assert add_rule(net, table=5, FRA_UID_RANGE=uapi_fr.fib_rule_uid_range(9, 3)) == (
        -errno.EINVAL, "Invalid uid range")
    assert del_rule(net, FRA_PRIORITY=4242) == -errno.ENOENT
    bad = uapi_rt.nlmsg(type=uapi_rt.RTM_NEWRULE, hdr=uapi_fr.fib_rule_hdr(family=99))
    ext = netlink_ext_ack()
    assert core_fr.fib_nl_newrule(net, bad, ext) == -errno.EAFNOSUPPORT
    assert ext.msg == "Rule family not supported"


def test_dump_attributes(env: tuple[Net, FakeFib]) -> None:
    net, _ = env
    assert add_rule(net, table=1000, src_len=24, FRA_SRC=ip("192.0.2.0"), FRA_PRIORITY=7,
                    FRA_FWMARK=3, FRA_IIFNAME="nope0")[0] == 0
    msgs = core_fr.fib_nl_dumprule(net, uapi_rt.nlmsg(type=uapi_rt.RTM_GETRULE,
                                                      hdr=uapi_fr.fib_rule_hdr(family=A)))
    assert [m.attrs.get(uapi_fr.FRA_PRIORITY) for m in msgs] == [None, 7, 32766, 32767]
    m = msgs[1]
    assert m.hdr.table == uapi_rt.RT_TABLE_COMPAT and m.attrs[uapi_fr.FRA_TABLE] == 1000
    assert m.hdr.src_len == 24 and m.attrs[uapi_fr.FRA_SRC] == ip("192.0.2.0")
    assert m.attrs[uapi_fr.FRA_FWMARK] == 3 and m.attrs[uapi_fr.FRA_FWMASK] == 0xFFFFFFFF
    assert m.attrs[uapi_fr.FRA_SUPPRESS_PREFIXLEN] == -1
    assert m.hdr.flags & uapi_fr.FIB_RULE_IIF_DETACHED


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40000), st.sampled_from([10, 20, 30])),
                min_size=1, max_size=12))
def test_rules_stay_sorted_and_first_match_wins(adds: list[tuple[int, int]]) -> None:
    """Invariant: rules are sorted by pref (stable), and the lookup answers with the table
    of the lowest-pref matching rule, which is what a linear scan predicts."""
    with pytest.MonkeyPatch.context() as mp, Kernel(seed=0, hz=1000, ncpus=1) as kernel:
        net = Net(kernel, "h")
        fib = FakeFib(net)
        mp.setattr(ipv4_fr.fib_frontend, "fib_get_table", fib.fib_get_table)
        mp.setattr(ipv4_fr.fib_frontend, "fib_new_table", fib.fib_new_table)
        mp.setattr(ipv4_fr.fib_frontend, "fib_unmerge", fib.fib_unmerge)
        mp.setattr(ipv4_fr.fib_trie, "fib_table_lookup", fake_lookup)
        mp.setattr(ipv4_fr.route, "rt_cache_flush", fib.rt_cache_flush)
        ipv4_fr.fib4_rules_init(net)
        for t in (10, 20, 30):
            fib.fib_new_table(net, t).routes.append((0, 0, uapi_rt.RTN_UNICAST))
        for pref, table in adds:
            add_rule(net, table=table, FRA_PRIORITY=pref,
                     flags=uapi_rt.NLM_F_REQUEST | uapi_rt.NLM_F_CREATE)
        p = prefs(net)
        assert p == sorted(p)
        first = next(r for r in net.ipv4.rules_ops.rules_list if r.table in (10, 20, 30))
        err, res = lookup(net, "203.0.113.1")
        assert err == 0
        assert res.table is not None and res.table.tb_id == first.table


def test_port_rules_turn_on_input_dissection(env: tuple[Net, FakeFib]) -> None:
    net, _ = env
    assert net.ipv4.fib_rules_require_fldissect == 0
    assert add_rule(net, table=5, FRA_PRIORITY=10, FRA_IP_PROTO=17)[0] == 0
    net.dev_base_head["lo"] = type("D", (), {"ifindex": 1})()
    # an `iif lo` rule only sees locally generated traffic: no dissection needed
    assert add_rule(net, table=5, FRA_PRIORITY=11, FRA_IIFNAME="lo", FRA_IP_PROTO=17)[0] == 0
    assert net.ipv4.fib_rules_require_fldissect == 1
    assert del_rule(net, FRA_PRIORITY=10) == 0
    assert net.ipv4.fib_rules_require_fldissect == 0
