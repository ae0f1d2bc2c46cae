"""Test doubles: a bare kernel with rtnetlink and hand-written handlers that keep links,
addresses, routes, rules and neighbours as the messages they were given, so the tools can be
tested without the real subsystems."""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any

from skbuff.kernel.kernel import Kernel
from skbuff.net.core import rtnetlink
from skbuff.net.core.net_namespace import Net, copy_net_ns
from skbuff.sim.world import World
from skbuff.uapi import rtnetlink as rt
from skbuff.uapi.if_addr import IFA_LOCAL, ifaddrmsg
from skbuff.uapi.if_link import (
    IFF_LOOPBACK,
    IFF_LOWER_UP,
    IFF_RUNNING,
    IFF_UP,
    IFLA_ADDRESS,
    IFLA_BROADCAST,
    IFLA_GROUP,
    IFLA_IFNAME,
    IFLA_LINKMODE,
    IFLA_MTU,
    IFLA_OPERSTATE,
    IFLA_QDISC,
    IFLA_TXQLEN,
)
from skbuff.uapi.neighbour import NDA_DST
from skbuff.uapi.rtnetlink import nlmsg


@dataclass
class fake_dev:
    name: str
    ifindex: int
    flags: int
    mtu: int
    addr: bytes
    type: int = 1


@dataclass
class fake_state:
    addrs: list[nlmsg] = field(default_factory=list)
    routes: list[nlmsg] = field(default_factory=list)
    rules: list[nlmsg] = field(default_factory=list)
    neighs: list[nlmsg] = field(default_factory=list)
    links: list[nlmsg] | None = None
    requests: list[nlmsg] = field(default_factory=list)


def _st(net: Net) -> fake_state:
    st: fake_state = net.gen.setdefault("fake", fake_state())
    return st


def add_dev(net: Net, name: str, flags: int = 0x1002, mtu: int = 1500,
            addr: bytes = b"\x02\x00\x00\x00\x00\x01", type: int = 1) -> fake_dev:
    net.ifindex += 1
    dev = fake_dev(name, net.ifindex, flags, mtu, addr, type)
    net.dev_base_head[name] = dev  # type: ignore[assignment]
    net.dev_index_head[dev.ifindex] = dev  # type: ignore[assignment]
    return dev


def _link_msg(dev: fake_dev) -> nlmsg:
    up = dev.flags & IFF_UP
    flags = dev.flags | (IFF_RUNNING | IFF_LOWER_UP if up else 0)
    lo = dev.flags & IFF_LOOPBACK
    attrs: dict[int, Any] = {
        IFLA_IFNAME: dev.name, IFLA_TXQLEN: 1000, IFLA_OPERSTATE: (0 if lo else 6) if up else 2,
        IFLA_LINKMODE: 0, IFLA_MTU: dev.mtu, IFLA_GROUP: 0,
        IFLA_QDISC: "noqueue" if up else "noop", IFLA_ADDRESS: dev.addr,
        IFLA_BROADCAST: b"\x00" * 6 if lo else b"\xff" * 6,
    }
    return nlmsg(rt.RTM_NEWLINK, rt.NLM_F_MULTI, rt.ifinfomsg(0, dev.type, dev.ifindex, flags, 0),
                 attrs)


def _getlink_dump(net: Net, msg: nlmsg) -> list[nlmsg]:
    links = _st(net).links
    if links is not None:
        return list(links)
    return [_link_msg(d) for d in net.dev_index_head.values()]  # type: ignore[arg-type]


def _getlink(net: Net, msg: nlmsg, extack: rtnetlink.netlink_ext_ack) -> int:
    """One device by index, from the same records the dump answers with."""
    for m in _getlink_dump(net, msg):
        if m.hdr.ifi_index == msg.hdr.ifi_index:
            return rtnetlink.rtnl_unicast(m, extack)
    return -errno.ENODEV


def _setlink(net: Net, msg: nlmsg, extack: rtnetlink.netlink_ext_ack) -> int:
    _st(net).requests.append(msg)
    dev = net.dev_index_head.get(msg.hdr.ifi_index)
    if dev is None:
        return -errno.ENODEV
    if msg.hdr.ifi_change & IFF_UP:
        dev.flags = (dev.flags & ~IFF_UP) | (msg.hdr.ifi_flags & IFF_UP)
    if IFLA_MTU in msg.attrs:
        if msg.attrs[IFLA_MTU] > 65535:
            rtnetlink.NL_SET_ERR_MSG(extack, "mtu greater than device maximum")
            return -errno.EINVAL
        dev.mtu = msg.attrs[IFLA_MTU]
    return 0


def _key(m: nlmsg) -> tuple[Any, ...]:
    h = m.hdr
    if isinstance(h, rt.rtmsg):
        return (h.table, h.dst_len, m.attrs.get(rt.RTA_DST, 0), h.tos,
                m.attrs.get(rt.RTA_PRIORITY, 0))
    if isinstance(h, ifaddrmsg):
        return (h.index, h.prefixlen, m.attrs.get(IFA_LOCAL))
    return (h.ifindex, m.attrs.get(NDA_DST))


def _store(which: str) -> rtnetlink.Doit:
    def doit(net: Net, msg: nlmsg, extack: rtnetlink.netlink_ext_ack) -> int:
        st = _st(net)
        st.requests.append(msg)
        items: list[nlmsg] = getattr(st, which)
        new = rt.rtm_kind(msg.type) == 0
        found = [m for m in items if _key(m) == _key(msg)]
        if not new:
            if not found:
                return -errno.ESRCH if which == "routes" else -errno.EADDRNOTAVAIL
            items.remove(found[0])
            return 0
        if found and msg.flags & rt.NLM_F_EXCL:
            return -errno.EEXIST
        if which == "routes" and msg.attrs.get(rt.RTA_GATEWAY) == 0x0A090002:
            rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop has invalid gateway")
            return -errno.EINVAL
        items.append(nlmsg(msg.type, rt.NLM_F_MULTI, msg.hdr, dict(msg.attrs)))
        return 0
    return doit


def _dump(which: str) -> rtnetlink.Dumpit:
    def dumpit(net: Net, msg: nlmsg) -> list[nlmsg]:
        items: list[nlmsg] = getattr(_st(net), which)
        return list(items)
    return dumpit


def fake_world() -> World:
    """A World on a bare kernel whose rtnetlink handlers are the doubles above."""
    k = Kernel(seed=0)
    with k:
        k.init_net = copy_net_ns(k, "")
        rtnetlink.rtnetlink_init(k)
        rtnetlink.rtnl_register(k, rt.AF_UNSPEC, rt.RTM_GETLINK, _getlink, _getlink_dump)
        rtnetlink.rtnl_register(k, rt.AF_UNSPEC, rt.RTM_NEWLINK, _setlink, None)
        for new, dele, get, which in (
            (rt.RTM_NEWADDR, rt.RTM_DELADDR, rt.RTM_GETADDR, "addrs"),
            (rt.RTM_NEWROUTE, rt.RTM_DELROUTE, rt.RTM_GETROUTE, "routes"),
            (rt.RTM_NEWRULE, rt.RTM_DELRULE, rt.RTM_GETRULE, "rules"),
            (rt.RTM_NEWNEIGH, rt.RTM_DELNEIGH, rt.RTM_GETNEIGH, "neighs"),
        ):
            rtnetlink.rtnl_register(k, rt.AF_INET, new, _store(which), None)
            rtnetlink.rtnl_register(k, rt.AF_INET, dele, _store(which), None)
            rtnetlink.rtnl_register(k, rt.AF_INET, get, None, _dump(which))
        add_dev(k.init_net, "lo", flags=IFF_LOOPBACK, mtu=65536, addr=b"\x00" * 6, type=772)
    return World(kernel=k)
