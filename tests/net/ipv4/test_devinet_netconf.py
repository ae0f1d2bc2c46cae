"""NETCONF: which devconf changes devinet announces on RTNLGRP_IPV4_NETCONF, with which
attributes (net/ipv4/devinet.c inet_netconf_notify_devconf and its callers), and the
RTM_GETNETCONF get/dump answers."""

from __future__ import annotations

import errno
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from skbuff.net.core import rtnetlink
from skbuff.sim.world import World
from skbuff.uapi import netconf as nc
from skbuff.uapi import rtnetlink as rt

ALL, DEFAULT = nc.NETCONFA_IFINDEX_ALL, nc.NETCONFA_IFINDEX_DEFAULT
EVERY = (nc.NETCONFA_IFINDEX, nc.NETCONFA_FORWARDING, nc.NETCONFA_RP_FILTER,
         nc.NETCONFA_MC_FORWARDING, nc.NETCONFA_BC_FORWARDING, nc.NETCONFA_PROXY_NEIGH,
         nc.NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN)


def _world() -> tuple[World, Any, list[rt.nlmsg]]:
    w = World()
    assert w.run("ip netns add a").status == 0
    assert w.run("ip -n a link add v0 type veth peer name v1").status == 0
    net = w.netns("a")
    got: list[rt.nlmsg] = []
    rtnetlink.rtnl_listen(net, rt.RTNLGRP_IPV4_NETCONF, lambda n, g, m: got.append(m))
    return w, net, got


def _sysctl(w: World, name: str, value: int) -> None:
    assert w.run(f"ip netns exec a sysctl -qw net.ipv4.conf.{name}={value}").status == 0


def _seen(got: list[rt.nlmsg]) -> list[tuple[int, int, dict[int, Any]]]:
    out = [(m.type, m.attrs[nc.NETCONFA_IFINDEX], dict(m.attrs)) for m in got]
    got.clear()
    return out


def test_all_forwarding_announces_all_default_then_every_device() -> None:
    w, _, got = _world()
    _sysctl(w, "all.forwarding", 1)
    seen = _seen(got)
    assert [ifindex for _, ifindex, _ in seen] == [ALL, DEFAULT, 1, 2, 3]
    for typ, ifindex, attrs in seen:
        assert typ == rt.RTM_NEWNETCONF
        assert attrs == {nc.NETCONFA_IFINDEX: ifindex, nc.NETCONFA_FORWARDING: 1}
    _sysctl(w, "all.forwarding", 1)
    assert got == []  # no change, no message


def test_ip_forward_is_all_forwarding() -> None:
    w, _, got = _world()
    assert w.run("ip netns exec a sysctl -qw net.ipv4.ip_forward=1").status == 0
    assert [m.attrs[nc.NETCONFA_IFINDEX] for m in got] == [ALL, DEFAULT, 1, 2, 3]


def test_device_and_default_forwarding_announce_only_themselves() -> None:
    w, _, got = _world()
    _sysctl(w, "v0.forwarding", 1)
    _sysctl(w, "default.forwarding", 1)
    assert [(i, a) for _, i, a in _seen(got)] == [
        (3, {nc.NETCONFA_IFINDEX: 3, nc.NETCONFA_FORWARDING: 1}),
        (DEFAULT, {nc.NETCONFA_IFINDEX: DEFAULT, nc.NETCONFA_FORWARDING: 1}),
    ]


def test_sysctl_register_and_unregister_announce_the_device() -> None:
    w, _, got = _world()
    assert w.run("ip -n a link add d0 type veth peer name d1").status == 0
    seen = _seen(got)
    assert [(t, i) for t, i, _ in seen] == [(rt.RTM_NEWNETCONF, 4), (rt.RTM_NEWNETCONF, 5)]
    assert set(seen[0][2]) == set(EVERY)
    assert w.run("ip -n a link set d0 name e0").status == 0  # CHANGENAME: re-register
    renamed = _seen(got)
    assert [(t, i, sorted(a)) for t, i, a in renamed] == [
        (rt.RTM_DELNETCONF, 5, [nc.NETCONFA_IFINDEX]), (rt.RTM_NEWNETCONF, 5, sorted(EVERY))]
    assert w.run("ip -n a link del e0").status == 0
    assert [(t, i) for t, i, _ in _seen(got)] == [(rt.RTM_DELNETCONF, 5),
                                                 (rt.RTM_DELNETCONF, 4)]


# The conf files and the attribute their change is announced as (None: never announced).
ANNOUNCED = {
    "rp_filter": nc.NETCONFA_RP_FILTER,
    "proxy_arp": nc.NETCONFA_PROXY_NEIGH,
    "ignore_routes_with_linkdown": nc.NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN,
    "bc_forwarding": None,
    "accept_local": None,
    "log_martians": None,
}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["all", "default", "v0", "v1"]),
                          st.sampled_from(sorted(ANNOUNCED)), st.integers(0, 2)),
                max_size=8))
def test_conf_writes_announce_exactly_the_changes(
        writes: list[tuple[str, str, int]]) -> None:
    """Model: devinet_conf_proc announces rp_filter, proxy_arp and
    ignore_routes_with_linkdown when the written value differs from the stored one, with
    that one attribute; the other conf files never announce."""
    w, _, got = _world()
    index = {"all": ALL, "default": DEFAULT, "v0": 3, "v1": 2}
    value_of: dict[tuple[str, str], int] = {}
    explicit: set[tuple[str, str]] = set()  # device values set by hand stop inheriting
    for where, name, value in writes:
        old = value_of.get((where, name), 0)
        _sysctl(w, f"{where}.{name}", value)
        value_of[(where, name)] = value
        explicit.add((where, name))
        if where == "default":
            for dev in ("v0", "v1"):
                if (dev, name) not in explicit:
                    value_of[(dev, name)] = value
        nla = ANNOUNCED[name]
        expect = [] if nla is None or old == value else [
            (rt.RTM_NEWNETCONF, index[where], {nc.NETCONFA_IFINDEX: index[where], nla: value})]
        assert _seen(got) == expect


def test_get_and_dump() -> None:
    w, net, _ = _world()
    _sysctl(w, "v0.rp_filter", 2)
    ack = rtnetlink.netlink_ext_ack()
    req = rt.nlmsg(rt.RTM_GETNETCONF, rt.NLM_F_REQUEST, nc.netconfmsg(rt.AF_INET),
                   {nc.NETCONFA_IFINDEX: 3})
    reply = rtnetlink.rtnetlink_rcv_msg(net, req)
    assert reply.error == 0
    (m,) = reply.msgs
    assert m.attrs[nc.NETCONFA_RP_FILTER] == 2 and set(m.attrs) == set(EVERY)
    req.attrs = {nc.NETCONFA_IFINDEX: 99}
    assert rtnetlink.rtnetlink_rcv_msg(net, req).error == -errno.ENODEV
    req.attrs = {}
    assert rtnetlink.rtnetlink_rcv_msg(net, req).error == -errno.EINVAL
    req.attrs = {nc.NETCONFA_IFINDEX: 3, nc.NETCONFA_FORWARDING: 1}
    bad = rtnetlink.rtnetlink_rcv_msg(net, req)
    assert (bad.error, bad.extack) == (-errno.EINVAL,
                                       "ipv4: Unsupported attribute in netconf get request")
    assert ack.msg is None
    for family in (rt.AF_INET, rt.AF_UNSPEC):  # AF_UNSPEC: rtnl_dump_all
        dump = rtnetlink.rtnetlink_rcv_msg(net, rt.nlmsg(
            rt.RTM_GETNETCONF, rt.NLM_F_REQUEST | rt.NLM_F_DUMP, nc.netconfmsg(family), {}))
        assert [d.attrs[nc.NETCONFA_IFINDEX] for d in dump.msgs] == [1, 2, 3, ALL, DEFAULT]
