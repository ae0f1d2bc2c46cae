"""fib_semantics: fib_info sharing, multipath weights and hash-threshold selection, sync
down/up on device events (DEAD, LINKDOWN, ignore_routes_with_linkdown), prefsrc/source choice,
dump messages."""

from __future__ import annotations

import errno
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from tests.net.ipv4 import fib_testnet as T

from skbuff.net import flow
from skbuff.net.ipv4 import ip_fib
from skbuff.uapi import rtnetlink as uapi_rt

fib_semantics, fib_trie, devinet = T.fib_semantics, T.fib_trie, T.devinet
MAIN = uapi_rt.RT_TABLE_MAIN


@pytest.fixture(autouse=True)
def _quiet_arp(monkeypatch: pytest.MonkeyPatch) -> None:
    T.no_arp_side_effects(monkeypatch)


def lookup(net: Any, daddr: str) -> tuple[int, ip_fib.fib_result]:
    tb = T.fib_frontend.fib_get_table(net, MAIN)
    assert tb is not None
    res = ip_fib.fib_result()
    return fib_trie.fib_table_lookup(tb, flow.flowi4(daddr=T.ip(daddr)), res, 0), res


def mp(*hops: tuple[str, int, int]) -> list[uapi_rt.rtnexthop]:
    return [uapi_rt.rtnexthop(hops=w - 1, ifindex=oif, attrs={uapi_rt.RTA_GATEWAY: T.ip(gw)})
            for gw, oif, w in hops]


@pytest.fixture
def links() -> Iterator[tuple[Any, T.FakeDev, T.FakeDev]]:
    """eth0 10.0.0.1/24 and eth1 10.1.0.1/24, both up."""
    with T.fib_net() as net:
        eth0, eth1 = T.add_dev(net, "eth0"), T.add_dev(net, "eth1")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        T.addr(net, "add", eth1, "10.1.0.1/24")
        yield net, eth0, eth1


def test_fib_info_is_shared_between_equal_routes() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        gw = {uapi_rt.RTA_GATEWAY: T.ip("10.0.0.9")}
        T.route(net, "add", "10.5.0.0/16", scope=0, attrs=gw)
        T.route(net, "add", "10.6.0.0/16", scope=0, attrs=gw)
        _, r1 = lookup(net, "10.5.1.1")
        _, r2 = lookup(net, "10.6.1.1")
        assert r1.fi is r2.fi and r1.fi is not None and r1.fi.fib_treeref == 2
        T.route(net, "del", "10.5.0.0/16")
        assert r1.fi.fib_treeref == 1 and not r1.fi.fib_dead
        T.route(net, "del", "10.6.0.0/16")
        assert r1.fi.fib_dead


def test_multipath_rebalance_and_weighted_distribution(links: Any) -> None:
    net, eth0, eth1 = links
    hops = mp(("10.0.0.9", eth0.ifindex, 1), ("10.1.0.9", eth1.ifindex, 3))
    assert T.route(net, "add", "default", scope=0,
                   attrs={uapi_rt.RTA_MULTIPATH: hops}) == (0, None)
    err, res = lookup(net, "8.8.8.8")
    assert err == 0 and res.fi is not None
    bounds = [nh.nhc_upper_bound for nh in res.fi.fib_nh]
    assert bounds == [round((1 << 31) / 4) - 1, (1 << 31) - 1]
    picks: Counter[int] = Counter()
    for h in range(0, 1 << 31, (1 << 31) // 4000):
        fib_semantics.fib_select_multipath(res, h)
        assert res.nhc is not None
        picks[res.nhc.nhc_oif] += 1
    share = picks[eth1.ifindex] / sum(picks.values())
    assert abs(share - 0.75) < 0.01
    # A dead nexthop gets no hash range.
    fib_semantics.fib_sync_down_dev(eth0, T.netdev.NETDEV_DOWN, False)
    assert res.fi.fib_nh[0].nhc_upper_bound == -1
    fib_semantics.fib_select_multipath(res, 0)
    assert res.nhc is res.fi.fib_nh[1]


def test_sync_down_dev_marks_dead_and_flush_deletes(links: Any) -> None:
    net, eth0, _ = links
    T.route(net, "add", "10.5.0.0/16", scope=0, attrs={uapi_rt.RTA_GATEWAY: T.ip("10.0.0.9")})
    assert lookup(net, "10.5.0.1")[0] == 0
    T.set_down(eth0)
    assert lookup(net, "10.5.0.1")[0] == -errno.EAGAIN
    assert not any("10.5.0.0" in r for r in T.routes(net, MAIN))


def test_carrier_loss_is_linkdown_and_ignore_routes_with_linkdown(links: Any) -> None:
    net, eth0, _ = links
    eth0.state = 1 << 2  # __LINK_STATE_NOCARRIER
    # eth0's prefix and broadcast routes (the local route's nexthop has scope nowhere).
    assert fib_semantics.fib_sync_down_dev(eth0, T.netdev.NETDEV_CHANGE, False) == 2
    err, res = lookup(net, "10.0.0.7")
    assert err == 0 and res.nhc is not None and res.nhc.nhc_flags & uapi_rt.RTNH_F_LINKDOWN
    eth0.ip_ptr.cnf.data[devinet.IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN - 1] = 1
    assert lookup(net, "10.0.0.7")[0] == -errno.EAGAIN
    assert res.fa_head is not None
    msg = fib_semantics.fib_dump_info(uapi_rt.RTM_NEWROUTE, MAIN, T.ip("10.0.0.0"), 24,
                                      fib_trie.leaf_aliases(res.fa_head)[0], 0)
    assert msg.hdr.flags & uapi_rt.RTNH_F_DEAD and msg.hdr.flags & uapi_rt.RTNH_F_LINKDOWN
    eth0.state = 0
    eth0.operstate = 6
    assert fib_semantics.fib_sync_up(eth0, uapi_rt.RTNH_F_LINKDOWN) == 3  # + the local route
    assert lookup(net, "10.0.0.7")[0] == 0


def test_select_path_source_and_prefsrc(links: Any) -> None:
    net, _, eth1 = links
    T.addr(net, "add", eth1, "10.1.0.2/24")
    T.route(net, "add", "10.5.0.0/16", scope=0, attrs={uapi_rt.RTA_GATEWAY: T.ip("10.1.0.9")})
    T.route(net, "add", "10.6.0.0/16", scope=0, attrs={uapi_rt.RTA_GATEWAY: T.ip("10.1.0.9"),
                                                       uapi_rt.RTA_PREFSRC: T.ip("10.0.0.1")})
    for daddr, want in (("10.5.0.1", "10.1.0.1"), ("10.6.0.1", "10.0.0.1")):
        fl4 = flow.flowi4(daddr=T.ip(daddr))
        res = ip_fib.fib_result()
        tb = T.fib_frontend.fib_get_table(net, MAIN)
        assert tb is not None and fib_trie.fib_table_lookup(tb, fl4, res, 0) == 0
        fib_semantics.fib_select_path(net, res, fl4, None)
        assert T.ntoa(fl4.saddr) == want


def test_props_table() -> None:
    props = fib_semantics.fib_props
    assert props[uapi_rt.RTN_UNREACHABLE] == (-errno.EHOSTUNREACH, 0)
    assert props[uapi_rt.RTN_PROHIBIT] == (-errno.EACCES, 0)
    assert props[uapi_rt.RTN_BLACKHOLE] == (-errno.EINVAL, 0)
    assert props[uapi_rt.RTN_THROW] == (-errno.EAGAIN, 0)
    assert props[uapi_rt.RTN_LOCAL] == (0, uapi_rt.RT_SCOPE_HOST)
    assert props[uapi_rt.RTN_BROADCAST] == (0, uapi_rt.RT_SCOPE_LINK)
    assert props[uapi_rt.RTN_NAT] == (-errno.EINVAL, uapi_rt.RT_SCOPE_NOWHERE)
