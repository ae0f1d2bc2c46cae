"""A namespace with just devinet + FIB for the fib tests: no boot, fake devices (flags,
ifindex, carrier state), addresses and routes through the real rtnetlink doits.

`FakeDev` carries only the net_device fields devinet/fib read, so these tests do not depend
on the device layer; whole-stack tests live in tests/conformance.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from skbuff.kernel import notifier, sysctl
from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as netdev
from skbuff.net.core import neighbour, net_namespace
from skbuff.net.core.rtnetlink import netlink_ext_ack
from skbuff.net.ipv4 import arp, devinet, fib_frontend, fib_semantics, fib_trie
from skbuff.uapi import if_addr
from skbuff.uapi import rtnetlink as uapi_rt
from skbuff.uapi.if_link import IFF_LOOPBACK, IFF_UP


def ip(s: str) -> int:
    a, b, c, d = (int(x) for x in s.split("."))
    return a << 24 | b << 16 | c << 8 | d


def ntoa(a: int) -> str:
    return f"{a >> 24 & 255}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}"


class FakeDev:
    """The net_device fields the FIB reads."""

    def __init__(self, net: Any, name: str, ifindex: int, flags: int) -> None:
        self.name = name
        self.ifindex = ifindex
        self.flags = flags
        self.gflags = 0
        self.nd_net = net
        self.ip_ptr: Any = None
        self.mtu = 1500
        self.state = 0
        self.operstate = 6
        self.dev_addr = b"\x02\x00\x00\x00\x00" + bytes([ifindex])
        self.type = 1


@contextmanager
def fib_net() -> Iterator[Any]:
    """A current kernel with one namespace holding devconf + FIB state and `lo` (ifindex 1)."""
    k = Kernel(seed=0, hz=1000, ncpus=1)
    with k:
        net = net_namespace.copy_net_ns(k, "")
        k.init_net = net
        k.arp_tbl = arp.arp_table(k)  # devinet gives each in_device its ARP parms
        neighbour.neigh_table_init(k, k.arp_tbl)
        devinet.devinet_init_net(net)
        devinet.check_lifetime_work_init(k)
        fib_frontend.ip_fib_net_init(net)
        notifier.notifier_chain_register(
            k.inetaddr_chain, notifier.notifier_block(fib_frontend.fib_inetaddr_event))
        add_dev(net, "lo", IFF_LOOPBACK)
        yield net


def add_dev(net: Any, name: str, flags: int = IFF_UP) -> Any:
    """Register a fake device (down unless flags has IFF_UP; its in_device created)."""
    dev = FakeDev(net, name, len(net.dev_index_head) + 1, flags)
    net.dev_base_head[name] = dev
    net.dev_index_head[dev.ifindex] = dev
    if name == "lo":
        net.loopback_dev = dev
    devinet.inetdev_init(dev)  # type: ignore[arg-type]
    return dev


def set_up(dev: Any) -> None:
    """`ip link set DEV up`: flags, then the netdev notifiers devinet and the FIB register."""
    dev.flags |= IFF_UP
    info = netdev.netdev_notifier_info(dev)
    devinet.inetdev_event(notifier.notifier_block(devinet.inetdev_event), netdev.NETDEV_UP, info)
    fib_frontend.fib_netdev_event(notifier.notifier_block(fib_frontend.fib_netdev_event),
                                  netdev.NETDEV_UP, info)


def set_down(dev: Any) -> None:
    """`ip link set DEV down`."""
    dev.flags &= ~IFF_UP
    info = netdev.netdev_notifier_info(dev)
    fib_frontend.fib_netdev_event(notifier.notifier_block(fib_frontend.fib_netdev_event),
                                  netdev.NETDEV_DOWN, info)


def addr(net: Any, cmd: str, dev: Any, cidr: str, flags: int = 0, nlflags: int = 0,
         **attrs: Any) -> tuple[int, str | None]:
    """`ip addr add|del CIDR dev DEV` as an RTM_NEWADDR/DELADDR doit call."""
    a, _, plen = cidr.partition("/")
    hdr = if_addr.ifaddrmsg(family=uapi_rt.AF_INET, prefixlen=int(plen or 32), flags=flags,
                            scope=attrs.pop("scope", 0), index=dev.ifindex)
    at: dict[int, Any] = {if_addr.IFA_LOCAL: ip(a), if_addr.IFA_ADDRESS: ip(a)}
    at.update(attrs.pop("raw", {}))
    ext = netlink_ext_ack()
    if cmd == "add":
        msg = uapi_rt.nlmsg(type=uapi_rt.RTM_NEWADDR, flags=uapi_rt.NLM_F_REQUEST
                            | (nlflags or uapi_rt.NLM_F_CREATE | uapi_rt.NLM_F_EXCL),
                            hdr=hdr, attrs=at)
        err = devinet.inet_rtm_newaddr(net, msg, ext)
    else:
        msg = uapi_rt.nlmsg(type=uapi_rt.RTM_DELADDR, hdr=hdr, attrs=at)
        err = devinet.inet_rtm_deladdr(net, msg, ext)
    return err, ext.msg


def route(net: Any, cmd: str, dst: str, *, table: int = uapi_rt.RT_TABLE_MAIN,
          rtype: int = uapi_rt.RTN_UNICAST, scope: int | None = None, tos: int = 0,
          nlflags: int | None = None, protocol: int = uapi_rt.RTPROT_BOOT,
          attrs: dict[int, Any] | None = None, rtm_flags: int = 0) -> tuple[int, str | None]:
    """`ip route add|del|replace|append|prepend DST ...` through the doits."""
    attrs = attrs or {}
    d, _, plen = dst.partition("/")
    if d == "default":
        d, plen = "0.0.0.0", "0"
    if scope is None:
        scope = (uapi_rt.RT_SCOPE_LINK if rtype == uapi_rt.RTN_UNICAST and
                 uapi_rt.RTA_GATEWAY not in attrs and uapi_rt.RTA_MULTIPATH not in attrs
                 and cmd != "del" else uapi_rt.RT_SCOPE_UNIVERSE)
        if cmd == "del":
            scope = uapi_rt.RT_SCOPE_NOWHERE
    hdr = uapi_rt.rtmsg(family=uapi_rt.AF_INET, dst_len=int(plen or 32), tos=tos, table=table,
                        protocol=protocol, scope=scope, type=rtype, flags=rtm_flags)
    at = {uapi_rt.RTA_DST: ip(d), **attrs}
    ext = netlink_ext_ack()
    flags = {"add": uapi_rt.NLM_F_CREATE | uapi_rt.NLM_F_EXCL,
             "replace": uapi_rt.NLM_F_CREATE | uapi_rt.NLM_F_REPLACE,
             "append": uapi_rt.NLM_F_CREATE | uapi_rt.NLM_F_APPEND,
             "prepend": uapi_rt.NLM_F_CREATE, "change": uapi_rt.NLM_F_REPLACE,
             "del": 0}[cmd] if nlflags is None else nlflags
    msg = uapi_rt.nlmsg(type=uapi_rt.RTM_DELROUTE if cmd == "del" else uapi_rt.RTM_NEWROUTE,
                        flags=uapi_rt.NLM_F_REQUEST | flags, hdr=hdr, attrs=at)
    if cmd == "del":
        err = fib_frontend.inet_rtm_delroute(net, msg, ext)
    else:
        err = fib_frontend.inet_rtm_newroute(net, msg, ext)
    return err, ext.msg


def routes(net: Any, table: int) -> list[str]:
    """`ip route show table N`-like lines: 'TYPE DST/LEN dev D [via GW] [src S] [metric M]'."""
    out = []
    for m in fib_frontend.inet_dump_fib(
            net, uapi_rt.nlmsg(type=uapi_rt.RTM_GETROUTE, flags=uapi_rt.NLM_F_DUMP,
                               hdr=uapi_rt.rtmsg(table=table))):
        a = m.attrs
        line = f"{m.hdr.type} {ntoa(a.get(uapi_rt.RTA_DST, 0))}/{m.hdr.dst_len}"
        if uapi_rt.RTA_OIF in a:
            line += f" dev {net.dev_index_head[a[uapi_rt.RTA_OIF]].name}"
        if uapi_rt.RTA_GATEWAY in a:
            line += f" via {ntoa(a[uapi_rt.RTA_GATEWAY])}"
        if uapi_rt.RTA_PREFSRC in a:
            line += f" src {ntoa(a[uapi_rt.RTA_PREFSRC])}"
        if uapi_rt.RTA_PRIORITY in a:
            line += f" metric {a[uapi_rt.RTA_PRIORITY]}"
        line += f" scope {m.hdr.scope} proto {m.hdr.protocol}"
        out.append(line)
    return out


def no_arp_side_effects(monkeypatch: Any) -> None:
    """arp_invalidate/arp_ifdown touch the neighbour table, which these tests do not build."""
    monkeypatch.setattr(arp, "arp_invalidate", lambda dev, ip, force: None, raising=False)
    monkeypatch.setattr(arp, "arp_ifdown", lambda dev: None, raising=False)




__all__ = ["arp", "devinet", "fib_frontend", "fib_semantics", "fib_trie", "netdev", "notifier",
           "sysctl"]
