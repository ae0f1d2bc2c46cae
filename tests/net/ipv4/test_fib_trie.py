"""fib_trie: the LC-trie against a naive longest-prefix reference (Hypothesis: random prefix
sets with TOS, scopes, priorities, reject types and dead nexthops; inserts and deletes), the
trie's structural invariants, alias ordering and the batched lookup."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.net.ipv4 import fib_testnet as T
from tests.net.ipv4.record_fib_golden import large_table

from skbuff.net import flow
from skbuff.net.ipv4 import ip_fib
from skbuff.net.ipv4.fib_decision import DecisionRecord
from skbuff.uapi import rtnetlink as uapi_rt

fib_trie, fib_semantics = T.fib_trie, T.fib_semantics
MAIN = uapi_rt.RT_TABLE_MAIN
GOLDEN = Path(__file__).resolve().parent / "golden"
TYPES = (uapi_rt.RTN_UNICAST, uapi_rt.RTN_UNICAST, uapi_rt.RTN_UNICAST, uapi_rt.RTN_LOCAL,
         uapi_rt.RTN_UNREACHABLE, uapi_rt.RTN_BLACKHOLE, uapi_rt.RTN_THROW)


def make_fi(oif: int, prio: int, scope: int, dead: bool) -> ip_fib.fib_info:
    fi = ip_fib.fib_info(None)
    fi.fib_priority = prio
    fi.fib_scope = scope
    nh = ip_fib.fib_nh()
    nh.nhc_oif = oif
    nh.nh_parent = fi
    if dead:
        nh.nhc_flags = uapi_rt.RTNH_F_DEAD
    fi.fib_nh = [nh]
    fi.fib_nhs = 1
    fi.fib_treeref = 1
    return fi


def insert(tb: ip_fib.fib_table, key: int, plen: int, fa_type: int, fi: ip_fib.fib_info,
           dscp: int = 0) -> ip_fib.fib_alias:
    """What fib_table_insert does for NLM_F_CREATE, without fib_create_info."""
    t = tb.tb_data
    slen = 32 - plen
    l, tp = fib_trie.fib_find_node(t, key)
    fa = fib_trie.fib_find_alias(fib_trie.leaf_aliases(l) if l else None, slen, dscp,
                                 fi.fib_priority, tb.tb_id, False)
    new = ip_fib.fib_alias(fi, dscp, fa_type, slen, tb.tb_id)
    fib_trie.fib_insert_alias(t, tp, l, new, fa, key)
    return new


def remove(tb: ip_fib.fib_table, key: int, fa: ip_fib.fib_alias) -> None:
    l, tp = fib_trie.fib_find_node(tb.tb_data, key)
    assert l is not None
    fib_trie.fib_remove_alias(tb.tb_data, tp, l, fa)


def mask(plen: int) -> int:
    return (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF if plen else 0


def reference(routes: list[tuple[int, int, ip_fib.fib_alias]], daddr: int, tos: int,
              scope: int, oif: int) -> tuple[int, int | None]:
    """Naive fib_table_lookup: longest prefix first, aliases in trie order; (err, oif)."""
    for plen in range(32, -1, -1):
        cands = [fa for key, pl, fa in routes if pl == plen and daddr & mask(plen) == key]
        cands.sort(key=lambda fa: (-fa.fa_dscp, fa.fa_info.fib_priority))
        for fa in cands:
            fi = fa.fa_info
            if fa.fa_dscp and fa.fa_dscp != tos & 0x1C:
                continue
            if fi.fib_scope < scope:
                continue
            err = fib_semantics.fib_props[fa.fa_type][0]
            if err:
                return err, None
            nh = fi.fib_nh[0]
            if nh.nhc_flags & uapi_rt.RTNH_F_DEAD or (oif and oif != nh.nhc_oif):
                continue
            return 0, nh.nhc_oif
    return -errno.EAGAIN, None


def check_invariants(t: Any) -> None:
    """Every tnode's counts, slen bound and parent links; leaves sorted; child indexes."""
    def walk(n: Any, parent: Any) -> int:
        assert n.parent is parent
        if not n.bits:
            slens = [fa.fa_slen for fa in fib_trie.leaf_aliases(n)]
            assert slens == sorted(slens) and n.slen == slens[-1]
            return n.slen
        empty = sum(c is None for c in n.tnode)
        full = sum(1 for c in n.tnode if fib_trie.tnode_full(n, c))
        assert (empty, full) == (n.empty_children, n.full_children)
        slen = n.pos
        for i, c in enumerate(n.tnode):
            if c is None:
                continue
            assert fib_trie.get_index(c.key, n) == i
            slen = max(slen, walk(c, n))
        # The kernel pulls the suffix before unlinking an emptied leaf, so slen may stay
        # high (never low: lookups rely on it).
        assert n.slen >= slen
        return n.slen

    root = t.kv.tnode[0]
    if root is not None:
        walk(root, t.kv)


route_st = st.tuples(
    st.integers(0, 0xFFFFFFFF), st.sampled_from([0, 1, 4, 8, 12, 16, 20, 23, 24, 25, 30, 32]),
    st.sampled_from(TYPES), st.sampled_from([0, 0, 0, 0x10]), st.integers(0, 3),
    st.sampled_from([uapi_rt.RT_SCOPE_UNIVERSE, uapi_rt.RT_SCOPE_LINK, uapi_rt.RT_SCOPE_HOST]),
    st.booleans())


@settings(max_examples=60, deadline=None)
@given(st.lists(route_st, min_size=1, max_size=40), st.lists(st.integers(0, 0xFFFFFFFF),
       min_size=1, max_size=20), st.data())
def test_lookup_matches_reference(specs: list[Any], probes: list[int], data: Any) -> None:
    tb = fib_trie.fib_trie_table(MAIN, None)
    routes: list[tuple[int, int, ip_fib.fib_alias]] = []
    for n, (addr, plen, fa_type, dscp, prio, scope, dead) in enumerate(specs):
        key = addr & mask(plen)
        if any(k == key and pl == plen and fa.fa_dscp == dscp and
               fa.fa_info.fib_priority == prio for k, pl, fa in routes):
            continue
        fa = insert(tb, key, plen, fa_type, make_fi(n + 1, prio, scope, dead and n % 3 == 0),
                    dscp)
        routes.append((key, plen, fa))
    check_invariants(tb.tb_data)
    # Some deletes, then compare lookups (probes near the prefixes find deep matches).
    for _ in range(data.draw(st.integers(0, len(routes) // 2))):
        key, plen, fa = routes.pop(data.draw(st.integers(0, len(routes) - 1)))
        remove(tb, key, fa)
        check_invariants(tb.tb_data)
    near = [k | (p & ~mask(pl) & 0xFFFFFFFF)
            for (k, pl, _), p in zip(routes, probes * 3, strict=False)]
    for daddr in probes + near:
        tos = data.draw(st.sampled_from([0, 0x10]))
        scope = data.draw(st.sampled_from([0, uapi_rt.RT_SCOPE_LINK]))
        oif = data.draw(st.sampled_from([0, 0, 1, 2]))
        res = ip_fib.fib_result()
        fl4 = flow.flowi4(daddr=daddr, flowi4_tos=tos, flowi4_scope=scope, flowi4_oif=oif)
        err = fib_trie.fib_table_lookup(tb, fl4, res, 0)
        want_err, want_oif = reference(routes, daddr, tos, scope, oif)
        assert err == want_err
        if not err:
            assert res.nhc is not None and res.nhc.nhc_oif == want_oif
            assert daddr & mask(res.prefixlen) == res.prefix


def test_alias_order_tos_desc_priority_asc_and_table_desc() -> None:
    tb = fib_trie.fib_trie_table(MAIN, None)
    local = fib_trie.fib_trie_table(uapi_rt.RT_TABLE_LOCAL, tb)
    key = T.ip("10.0.0.0")
    a = insert(tb, key, 8, uapi_rt.RTN_UNICAST, make_fi(1, 10, 0, False))
    b = insert(tb, key, 8, uapi_rt.RTN_UNICAST, make_fi(2, 5, 0, False))
    c = insert(tb, key, 8, uapi_rt.RTN_UNICAST, make_fi(3, 7, 0, False), dscp=0x10)
    d = insert(local, key, 8, uapi_rt.RTN_LOCAL, make_fi(4, 0, 254, False))
    e = insert(tb, key, 16, uapi_rt.RTN_UNICAST, make_fi(5, 0, 0, False))
    leaf, _ = fib_trie.fib_find_node(tb.tb_data, key)
    assert leaf is not None and leaf.leaf == [e, d, c, b, a]


def test_reject_types_stop_backtracking_and_throw_is_eagain() -> None:
    tb = fib_trie.fib_trie_table(MAIN, None)
    insert(tb, 0, 0, uapi_rt.RTN_UNICAST, make_fi(1, 0, 0, False))
    insert(tb, T.ip("10.0.0.0"), 8, uapi_rt.RTN_PROHIBIT, make_fi(0, 0, 0, False))
    insert(tb, T.ip("11.0.0.0"), 8, uapi_rt.RTN_THROW, make_fi(0, 0, 0, False))
    for daddr, want in (("10.1.2.3", -errno.EACCES), ("11.1.1.1", -errno.EAGAIN),
                        ("12.0.0.1", 0)):
        res = ip_fib.fib_result()
        assert fib_trie.fib_table_lookup(tb, flow.flowi4(daddr=T.ip(daddr)), res, 0) == want


def test_decision_record_lists_skipped_aliases() -> None:
    tb = fib_trie.fib_trie_table(MAIN, None)
    insert(tb, T.ip("10.0.0.0"), 24, uapi_rt.RTN_UNICAST, make_fi(1, 0, 0, True))
    insert(tb, T.ip("10.0.0.0"), 8, uapi_rt.RTN_UNICAST, make_fi(2, 0, 0, False))
    dec = DecisionRecord()
    res = ip_fib.fib_result()
    fl4 = flow.flowi4(daddr=T.ip("10.0.0.9"), decision=dec)
    assert fib_trie.fib_table_lookup(tb, fl4, res, 0) == 0 and res.prefixlen == 8
    kinds = [(s["kind"], s.get("taken")) for s in dec.steps]
    assert kinds == [("prefix", None), ("nexthop", False), ("alias", False),
                     ("prefix", None), ("alias", True), ("nexthop", True)]
    assert dec.steps[1]["why"] == "dead"
    assert [s["plen"] for s in dec.steps if s["kind"] == "prefix"] == [24, 8]


def test_tracepoint_fires_with_result() -> None:
    seen: list[tuple[Any, ...]] = []

    class Trace:
        def fib_table_lookup(self, *args: Any) -> None:
            seen.append(args)

    tb = fib_trie.fib_trie_table(MAIN, None, Trace())
    fi = make_fi(3, 0, 0, False)
    insert(tb, T.ip("10.0.0.0"), 8, uapi_rt.RTN_UNICAST, fi)
    fib_trie.fib_table_lookup(tb, flow.flowi4(daddr=T.ip("10.0.0.1")), ip_fib.fib_result(), 0)
    fib_trie.fib_table_lookup(tb, flow.flowi4(daddr=T.ip("11.0.0.1")), ip_fib.fib_result(), 0)
    assert [(a[0], a[2], a[3]) for a in seen] == [(MAIN, fi.fib_nh[0], 0),
                                                  (MAIN, None, -errno.EAGAIN)]


@settings(max_examples=25, deadline=None)
@given(st.lists(route_st, min_size=1, max_size=40), st.lists(st.integers(0, 0xFFFFFFFF),
                                                              min_size=1, max_size=50))
def test_batch_lookup_matches_scalar(specs: list[Any], probes: list[int]) -> None:
    tb = fib_trie.fib_trie_table(MAIN, None)
    seen = set()
    for n, (addr, plen, fa_type, dscp, prio, scope, dead) in enumerate(specs):
        key = addr & mask(plen)
        if (key, plen, dscp, prio) in seen:
            continue
        seen.add((key, plen, dscp, prio))
        insert(tb, key, plen, fa_type, make_fi(n + 1, prio, scope, dead), dscp)
    near = [a | 0xFF for a, *_ in specs] + [a & ~0xFF for a, *_ in specs]
    addrs = np.array(probes + near, dtype=np.uint32)
    got = fib_trie.fib_table_lookup_batch(tb, addrs)
    for daddr, val in zip(addrs.tolist(), got.tolist(), strict=True):
        res = ip_fib.fib_result()
        err = fib_trie.fib_table_lookup(tb, flow.flowi4(daddr=daddr), res, 0)
        assert val == (res.nhc.nhc_oif if not err and res.nhc else err)


def test_flush_removes_dead_and_keeps_trie_consistent() -> None:
    tb = fib_trie.fib_trie_table(MAIN, None)
    fis = []
    for i in range(64):
        fi = make_fi(i + 1, 0, 0, False)
        fis.append(fi)
        insert(tb, T.ip(f"10.{i}.0.0"), 16, uapi_rt.RTN_UNICAST, fi)
    for fi in fis[::2]:
        fi.fib_flags |= uapi_rt.RTNH_F_DEAD
        fi.fib_net = None
    assert fib_trie.fib_table_flush(None, tb, False) == 32  # type: ignore[arg-type]
    check_invariants(tb.tb_data)
    assert len(list(fib_trie.fib_trie_leaves(tb.tb_data))) == 32


def test_batch_lookup_follows_nexthop_state_without_route_change(
        monkeypatch: Any) -> None:
    """Carrier loss marks nexthops LINKDOWN (fib_sync_down_dev, NETDEV_CHANGE) and changes no
    route; with ignore_routes_with_linkdown the scalar lookup then falls back to the default
    route, and so must the batch table compiled before the change (and again when the
    carrier returns, and when only the sysctl changes)."""
    T.no_arp_side_effects(monkeypatch)
    with T.fib_net() as net:
        eth0, eth1 = T.add_dev(net, "eth0"), T.add_dev(net, "eth1")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        T.addr(net, "add", eth1, "10.1.0.1/24")
        T.route(net, "add", "10.5.0.0/16", scope=0, attrs={uapi_rt.RTA_GATEWAY: T.ip("10.0.0.9")})
        T.route(net, "add", "default", scope=0, attrs={uapi_rt.RTA_GATEWAY: T.ip("10.1.0.9")})
        tb = T.fib_frontend.fib_get_table(net, MAIN)
        assert tb is not None
        addrs = np.array([T.ip("10.5.1.1"), T.ip("10.0.0.7"), T.ip("8.8.8.8")], dtype=np.uint32)

        def scalar() -> list[int]:
            out = []
            for daddr in addrs.tolist():
                res = ip_fib.fib_result()
                err = fib_trie.fib_table_lookup(tb, flow.flowi4(daddr=daddr), res, 0)
                out.append(res.nhc.nhc_oif if not err and res.nhc else err)
            return out

        conf = eth0.ip_ptr.cnf.data
        conf[T.devinet.IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN - 1] = 1
        up = [eth0.ifindex, eth0.ifindex, eth1.ifindex]
        assert fib_trie.fib_table_lookup_batch(tb, addrs).tolist() == scalar() == up
        eth0.state = 1 << 2  # __LINK_STATE_NOCARRIER
        assert fib_semantics.fib_sync_down_dev(eth0, T.netdev.NETDEV_CHANGE, False) > 0
        down = [eth1.ifindex] * 3
        assert fib_trie.fib_table_lookup_batch(tb, addrs).tolist() == scalar() == down
        conf[T.devinet.IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN - 1] = 0
        assert fib_trie.fib_table_lookup_batch(tb, addrs).tolist() == scalar() == up
        conf[T.devinet.IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN - 1] = 1
        assert fib_trie.fib_table_lookup_batch(tb, addrs).tolist() == scalar() == down
        eth0.state = 0
        assert fib_semantics.fib_sync_up(eth0, uapi_rt.RTNH_F_LINKDOWN) > 0
        assert fib_trie.fib_table_lookup_batch(tb, addrs).tolist() == scalar() == up


@pytest.mark.parametrize("phase", ["add", "del"])
def test_large_table_shape_matches_real_kernel(phase: str) -> None:
    """20,000 routes with the global table's length mix, then 15,000 of them deleted: the
    /proc/net/fib_triestat the real kernel printed (golden/, record_fib_golden.py) — node
    counts by size, depths, null pointers — after root inflations over full children, leaf
    collisions, collapses and halvings."""
    adds, dels = large_table()
    with T.fib_net() as net:
        tb = T.fib_frontend.fib_new_table(net, MAIN)
        assert tb is not None
        fi = make_fi(0, 0, uapi_rt.RT_SCOPE_UNIVERSE, False)
        aliases = {(key, plen): insert(tb, key, plen, uapi_rt.RTN_BLACKHOLE, fi)
                   for key, plen in adds}
        check_invariants(tb.tb_data)
        if phase == "del":
            for key, plen in dels:
                remove(tb, key, aliases[key, plen])
            check_invariants(tb.tb_data)
        got = fib_trie.fib_triestat_seq_show(net)
    assert got == (GOLDEN / f"fib_triestat_large_{phase}").read_text()
