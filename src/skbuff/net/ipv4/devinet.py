"""IPv4 per-device state: in_device, its addresses (in_ifaddr) and net.ipv4.conf.* settings.

Kernel: net/ipv4/devinet.c, include/linux/inetdevice.h, include/uapi/linux/ip.h
(IPV4_DEVCONF_*). Addresses live in `in_dev.ifa_list` (primaries first, secondaries of a
subnet after its primary, as __inet_insert_ifa links them). Adding/removing an address calls
the inetaddr chain (NETDEV_UP/NETDEV_DOWN with the in_ifaddr) which fib_frontend turns into
routes. All of this runs under RTNL in process context.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from skbuff.kernel import jiffies, notifier, sysctl
from skbuff.kernel import timer as ktimer
from skbuff.net import flow
from skbuff.net.core import dev as netdev
from skbuff.net.core import neighbour, net_namespace, rtnetlink
from skbuff.net.ipv4 import arp, fib_frontend, fib_trie, ip_fib, route
from skbuff.uapi import if_addr, netconf
from skbuff.uapi import rtnetlink as uapi_rt
from skbuff.uapi.if_arp import ARPOP_REQUEST
from skbuff.uapi.if_ether import ETH_P_ARP
from skbuff.uapi.if_link import IFF_LOOPBACK
from skbuff.uapi.in_ import INADDR_LOOPBACK

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net

IPV4_DEVCONF_FORWARDING = 1
IPV4_DEVCONF_MC_FORWARDING = 2
IPV4_DEVCONF_PROXY_ARP = 3
IPV4_DEVCONF_ACCEPT_REDIRECTS = 4
IPV4_DEVCONF_SECURE_REDIRECTS = 5
IPV4_DEVCONF_SEND_REDIRECTS = 6
IPV4_DEVCONF_SHARED_MEDIA = 7
IPV4_DEVCONF_RP_FILTER = 8
IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE = 9
IPV4_DEVCONF_BOOTP_RELAY = 10
IPV4_DEVCONF_LOG_MARTIANS = 11
IPV4_DEVCONF_TAG = 12
IPV4_DEVCONF_ARPFILTER = 13
IPV4_DEVCONF_MEDIUM_ID = 14
IPV4_DEVCONF_NOXFRM = 15
IPV4_DEVCONF_NOPOLICY = 16
IPV4_DEVCONF_FORCE_IGMP_VERSION = 17
IPV4_DEVCONF_ARP_ANNOUNCE = 18
IPV4_DEVCONF_ARP_IGNORE = 19
IPV4_DEVCONF_PROMOTE_SECONDARIES = 20
IPV4_DEVCONF_ARP_ACCEPT = 21
IPV4_DEVCONF_ARP_NOTIFY = 22
IPV4_DEVCONF_ACCEPT_LOCAL = 23
IPV4_DEVCONF_SRC_VMARK = 24
IPV4_DEVCONF_PROXY_ARP_PVLAN = 25
IPV4_DEVCONF_ROUTE_LOCALNET = 26
IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL = 27
IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL = 28
IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN = 29
IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST = 30
IPV4_DEVCONF_DROP_GRATUITOUS_ARP = 31
IPV4_DEVCONF_BC_FORWARDING = 32
IPV4_DEVCONF_ARP_EVICT_NOCARRIER = 33
IPV4_DEVCONF_MAX = 33

IPV4_MIN_MTU = 68
INADDR_ANY = 0

# The global hash of every local address, all namespaces: k.inet_addr_lst, its
# IN4_ADDR_HSIZE buckets. Kernel: net/ipv4/devinet.c IN4_ADDR_HSIZE_SHIFT, inet_addr_lst.
IN4_ADDR_HSIZE_SHIFT = 8
GOLDEN_RATIO_32 = 0x61C88647  # include/linux/hash.h

# The net.ipv4.conf.* files, in devinet_sysctl order: (name, IPV4_DEVCONF_*, mode, handler)
# where handler is "conf" (devinet_conf_proc), "forward" (devinet_sysctl_forward) or "flush"
# (ipv4_doint_and_flush). Kernel: net/ipv4/devinet.c devinet_sysctl.
DEVINET_SYSCTL: tuple[tuple[str, int, int, str], ...] = (
    ("forwarding", IPV4_DEVCONF_FORWARDING, 0o644, "forward"),
    ("mc_forwarding", IPV4_DEVCONF_MC_FORWARDING, 0o444, "conf"),
    ("bc_forwarding", IPV4_DEVCONF_BC_FORWARDING, 0o644, "conf"),
    ("accept_redirects", IPV4_DEVCONF_ACCEPT_REDIRECTS, 0o644, "conf"),
    ("secure_redirects", IPV4_DEVCONF_SECURE_REDIRECTS, 0o644, "conf"),
    ("shared_media", IPV4_DEVCONF_SHARED_MEDIA, 0o644, "conf"),
    ("rp_filter", IPV4_DEVCONF_RP_FILTER, 0o644, "conf"),
    ("send_redirects", IPV4_DEVCONF_SEND_REDIRECTS, 0o644, "conf"),
    ("accept_source_route", IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE, 0o644, "conf"),
    ("accept_local", IPV4_DEVCONF_ACCEPT_LOCAL, 0o644, "conf"),
    ("src_valid_mark", IPV4_DEVCONF_SRC_VMARK, 0o644, "conf"),
    ("proxy_arp", IPV4_DEVCONF_PROXY_ARP, 0o644, "conf"),
    ("medium_id", IPV4_DEVCONF_MEDIUM_ID, 0o644, "conf"),
    ("bootp_relay", IPV4_DEVCONF_BOOTP_RELAY, 0o644, "conf"),
    ("log_martians", IPV4_DEVCONF_LOG_MARTIANS, 0o644, "conf"),
    ("tag", IPV4_DEVCONF_TAG, 0o644, "conf"),
    ("arp_filter", IPV4_DEVCONF_ARPFILTER, 0o644, "conf"),
    ("arp_announce", IPV4_DEVCONF_ARP_ANNOUNCE, 0o644, "conf"),
    ("arp_ignore", IPV4_DEVCONF_ARP_IGNORE, 0o644, "conf"),
    ("arp_accept", IPV4_DEVCONF_ARP_ACCEPT, 0o644, "conf"),
    ("arp_notify", IPV4_DEVCONF_ARP_NOTIFY, 0o644, "conf"),
    ("arp_evict_nocarrier", IPV4_DEVCONF_ARP_EVICT_NOCARRIER, 0o644, "conf"),
    ("proxy_arp_pvlan", IPV4_DEVCONF_PROXY_ARP_PVLAN, 0o644, "conf"),
    ("force_igmp_version", IPV4_DEVCONF_FORCE_IGMP_VERSION, 0o644, "conf"),
    ("igmpv2_unsolicited_report_interval", IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL,
     0o644, "conf"),
    ("igmpv3_unsolicited_report_interval", IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL,
     0o644, "conf"),
    ("ignore_routes_with_linkdown", IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN, 0o644, "conf"),
    ("drop_gratuitous_arp", IPV4_DEVCONF_DROP_GRATUITOUS_ARP, 0o644, "conf"),
    ("disable_xfrm", IPV4_DEVCONF_NOXFRM, 0o644, "flush"),
    ("disable_policy", IPV4_DEVCONF_NOPOLICY, 0o644, "flush"),
    ("promote_secondaries", IPV4_DEVCONF_PROMOTE_SECONDARIES, 0o644, "flush"),
    ("route_localnet", IPV4_DEVCONF_ROUTE_LOCALNET, 0o644, "flush"),
    ("drop_unicast_in_l2_multicast", IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST, 0o644,
     "flush"),
)


def _defaults(dflt: bool) -> list[int]:
    """ipv4_devconf / ipv4_devconf_dflt initialisers. Kernel: net/ipv4/devinet.c (top of file)."""
    data = [0] * IPV4_DEVCONF_MAX
    for attr in (IPV4_DEVCONF_ACCEPT_REDIRECTS, IPV4_DEVCONF_SEND_REDIRECTS,
                 IPV4_DEVCONF_SECURE_REDIRECTS, IPV4_DEVCONF_SHARED_MEDIA,
                 IPV4_DEVCONF_ARP_EVICT_NOCARRIER):
        data[attr - 1] = 1
    data[IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL - 1] = 10000
    data[IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL - 1] = 1000
    if dflt:
        data[IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE - 1] = 1
    return data


class ipv4_devconf:
    """struct ipv4_devconf: `data[IPV4_DEVCONF_X - 1]` values and the `state` bitmap of values
    set explicitly (those stop inheriting from "default"). Kernel: include/linux/inetdevice.h."""

    __slots__ = ("data", "state", "sysctl")

    def __init__(self, data: list[int]) -> None:
        self.data = data
        self.state = 0
        self.sysctl: Any = None


class in_ifaddr:
    """struct in_ifaddr: one IPv4 address. Kernel: include/linux/inetdevice.h.

    `ifa_address` is the peer (= ifa_local unless point-to-point); lifetimes in seconds,
    stamps in jiffies.
    """

    __slots__ = (
        "ifa_address",
        "ifa_broadcast",
        "ifa_cstamp",
        "ifa_dev",
        "ifa_flags",
        "ifa_label",
        "ifa_local",
        "ifa_mask",
        "ifa_preferred_lft",
        "ifa_prefixlen",
        "ifa_proto",
        "ifa_rt_priority",
        "ifa_scope",
        "ifa_tstamp",
        "ifa_valid_lft",
    )

    def __init__(self, in_dev: in_device) -> None:
        self.ifa_dev = in_dev
        self.ifa_local = 0
        self.ifa_address = 0
        self.ifa_mask = 0
        self.ifa_rt_priority = 0
        self.ifa_broadcast = 0
        self.ifa_scope = 0
        self.ifa_prefixlen = 0
        self.ifa_proto = 0
        self.ifa_flags = 0
        self.ifa_label = ""
        self.ifa_valid_lft = if_addr.INFINITY_LIFE_TIME
        self.ifa_preferred_lft = if_addr.INFINITY_LIFE_TIME
        self.ifa_cstamp = 0
        self.ifa_tstamp = 0


class in_device:
    """struct in_device: dev->ip_ptr. Kernel: include/linux/inetdevice.h.

    `arp_parms` is set by the neighbour code (neigh_parms_alloc); `mc_list` holds joined
    groups (minimal: addresses only).
    """

    __slots__ = ("arp_parms", "cnf", "dead", "dev", "ifa_list", "mc_list", "refcnt")

    def __init__(self, dev: net_device, cnf: ipv4_devconf) -> None:
        self.dev = dev
        self.refcnt = 1
        self.dead = 0
        self.ifa_list: list[in_ifaddr] = []
        self.mc_list: list[int] = []
        self.arp_parms: Any = None
        self.cnf = cnf


def IPV4_DEVCONF_ALL(net: Net, attr: int) -> int:
    """Kernel: include/linux/inetdevice.h IPV4_DEVCONF_ALL / IPV4_DEVCONF_ALL_RO."""
    data: list[int] = net.ipv4.devconf_all.data
    return data[attr - 1]


def ipv4_devconf_get(in_dev: in_device, attr: int) -> int:
    """Kernel: include/linux/inetdevice.h ipv4_devconf_get."""
    return in_dev.cnf.data[attr - 1]


def ipv4_devconf_set(in_dev: in_device, attr: int, val: int) -> None:
    """Set and mark as explicitly set. Kernel: include/linux/inetdevice.h ipv4_devconf_set."""
    in_dev.cnf.state |= 1 << (attr - 1)
    in_dev.cnf.data[attr - 1] = val


def ipv4_devconf_setall(in_dev: in_device) -> None:
    """Freeze every value (stop inheriting defaults): done when an address is configured.

    Kernel: include/linux/inetdevice.h ipv4_devconf_setall.
    """
    in_dev.cnf.state = (1 << IPV4_DEVCONF_MAX) - 1


def IN_DEV_ANDCONF(in_dev: in_device, attr: int) -> bool:
    """all AND device. Kernel: include/linux/inetdevice.h IN_DEV_ANDCONF."""
    return bool(IPV4_DEVCONF_ALL(in_dev.dev.nd_net, attr) and in_dev.cnf.data[attr - 1])


def IN_DEV_ORCONF(in_dev: in_device, attr: int) -> bool:
    """all OR device. Kernel: include/linux/inetdevice.h IN_DEV_ORCONF."""
    return bool(IPV4_DEVCONF_ALL(in_dev.dev.nd_net, attr) or in_dev.cnf.data[attr - 1])


def IN_DEV_MAXCONF(in_dev: in_device, attr: int) -> int:
    """max(all, device). Kernel: include/linux/inetdevice.h IN_DEV_MAXCONF."""
    return max(IPV4_DEVCONF_ALL(in_dev.dev.nd_net, attr), in_dev.cnf.data[attr - 1])


def IN_DEV_FORWARD(in_dev: in_device) -> int:
    """Kernel: include/linux/inetdevice.h IN_DEV_FORWARD."""
    return in_dev.cnf.data[IPV4_DEVCONF_FORWARDING - 1]


def IN_DEV_MFORWARD(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_MFORWARD."""
    return IN_DEV_ANDCONF(in_dev, IPV4_DEVCONF_MC_FORWARDING)


def IN_DEV_BFORWARD(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_BFORWARD."""
    return IN_DEV_ANDCONF(in_dev, IPV4_DEVCONF_BC_FORWARDING)


def IN_DEV_RPFILTER(in_dev: in_device) -> int:
    """Kernel: include/linux/inetdevice.h IN_DEV_RPFILTER."""
    return IN_DEV_MAXCONF(in_dev, IPV4_DEVCONF_RP_FILTER)


def IN_DEV_SRC_VMARK(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_SRC_VMARK."""
    return IN_DEV_ORCONF(in_dev, IPV4_DEVCONF_SRC_VMARK)


def IN_DEV_SOURCE_ROUTE(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_SOURCE_ROUTE."""
    return IN_DEV_ANDCONF(in_dev, IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE)


def IN_DEV_ACCEPT_LOCAL(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_ACCEPT_LOCAL."""
    return IN_DEV_ORCONF(in_dev, IPV4_DEVCONF_ACCEPT_LOCAL)


def IN_DEV_BOOTP_RELAY(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_BOOTP_RELAY."""
    return IN_DEV_ANDCONF(in_dev, IPV4_DEVCONF_BOOTP_RELAY)


def IN_DEV_LOG_MARTIANS(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_LOG_MARTIANS."""
    return IN_DEV_ORCONF(in_dev, IPV4_DEVCONF_LOG_MARTIANS)


def IN_DEV_PROXY_ARP(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_PROXY_ARP."""
    return IN_DEV_ORCONF(in_dev, IPV4_DEVCONF_PROXY_ARP)


def IN_DEV_PROXY_ARP_PVLAN(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_PROXY_ARP_PVLAN."""
    return IN_DEV_ORCONF(in_dev, IPV4_DEVCONF_PROXY_ARP_PVLAN)


def IN_DEV_SHARED_MEDIA(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_SHARED_MEDIA."""
    return IN_DEV_ORCONF(in_dev, IPV4_DEVCONF_SHARED_MEDIA)


def IN_DEV_TX_REDIRECTS(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_TX_REDIRECTS."""
    return IN_DEV_ORCONF(in_dev, IPV4_DEVCONF_SEND_REDIRECTS)


def IN_DEV_SEC_REDIRECTS(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_SEC_REDIRECTS."""
    return IN_DEV_ORCONF(in_dev, IPV4_DEVCONF_SECURE_REDIRECTS)


def IN_DEV_IDTAG(in_dev: in_device) -> int:
    """Kernel: include/linux/inetdevice.h IN_DEV_IDTAG."""
    return in_dev.cnf.data[IPV4_DEVCONF_TAG - 1]


def IN_DEV_MEDIUM_ID(in_dev: in_device) -> int:
    """Kernel: include/linux/inetdevice.h IN_DEV_MEDIUM_ID."""
    return in_dev.cnf.data[IPV4_DEVCONF_MEDIUM_ID - 1]


def IN_DEV_PROMOTE_SECONDARIES(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_PROMOTE_SECONDARIES."""
    return IN_DEV_ORCONF(in_dev, IPV4_DEVCONF_PROMOTE_SECONDARIES)


def IN_DEV_ROUTE_LOCALNET(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_ROUTE_LOCALNET."""
    return IN_DEV_ORCONF(in_dev, IPV4_DEVCONF_ROUTE_LOCALNET)


def IN_DEV_NET_ROUTE_LOCALNET(in_dev: in_device, net: Net) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_NET_ROUTE_LOCALNET."""
    return bool(IPV4_DEVCONF_ALL(net, IPV4_DEVCONF_ROUTE_LOCALNET)
                or in_dev.cnf.data[IPV4_DEVCONF_ROUTE_LOCALNET - 1])


def IN_DEV_RX_REDIRECTS(in_dev: in_device) -> bool:
    """Forwarding: all AND dev; host: all OR dev.

    Kernel: include/linux/inetdevice.h IN_DEV_RX_REDIRECTS.
    """
    if IN_DEV_FORWARD(in_dev):
        return IN_DEV_ANDCONF(in_dev, IPV4_DEVCONF_ACCEPT_REDIRECTS)
    return IN_DEV_ORCONF(in_dev, IPV4_DEVCONF_ACCEPT_REDIRECTS)


def IN_DEV_IGNORE_ROUTES_WITH_LINKDOWN(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_IGNORE_ROUTES_WITH_LINKDOWN."""
    return IN_DEV_ORCONF(in_dev, IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN)


def IN_DEV_ARPFILTER(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_ARPFILTER."""
    return IN_DEV_ORCONF(in_dev, IPV4_DEVCONF_ARPFILTER)


def IN_DEV_ARP_ACCEPT(in_dev: in_device) -> int:
    """Kernel: include/linux/inetdevice.h IN_DEV_ARP_ACCEPT."""
    return IN_DEV_MAXCONF(in_dev, IPV4_DEVCONF_ARP_ACCEPT)


def IN_DEV_ARP_ANNOUNCE(in_dev: in_device) -> int:
    """Kernel: include/linux/inetdevice.h IN_DEV_ARP_ANNOUNCE."""
    return IN_DEV_MAXCONF(in_dev, IPV4_DEVCONF_ARP_ANNOUNCE)


def IN_DEV_ARP_IGNORE(in_dev: in_device) -> int:
    """Kernel: include/linux/inetdevice.h IN_DEV_ARP_IGNORE."""
    return IN_DEV_MAXCONF(in_dev, IPV4_DEVCONF_ARP_IGNORE)


def IN_DEV_ARP_NOTIFY(in_dev: in_device) -> int:
    """Kernel: include/linux/inetdevice.h IN_DEV_ARP_NOTIFY."""
    return IN_DEV_MAXCONF(in_dev, IPV4_DEVCONF_ARP_NOTIFY)


def IN_DEV_ARP_EVICT_NOCARRIER(in_dev: in_device) -> bool:
    """Kernel: include/linux/inetdevice.h IN_DEV_ARP_EVICT_NOCARRIER."""
    return IN_DEV_ANDCONF(in_dev, IPV4_DEVCONF_ARP_EVICT_NOCARRIER)


def IN_DEV_DROP_UNICAST_IN_L2_MULTICAST(in_dev: in_device) -> int:
    """Kernel: include/linux/inetdevice.h IN_DEV_DROP_UNICAST_IN_L2_MULTICAST."""
    return in_dev.cnf.data[IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST - 1]


def IN_DEV_DROP_GRATUITOUS_ARP(in_dev: in_device) -> int:
    """Kernel: include/linux/inetdevice.h IN_DEV_DROP_GRATUITOUS_ARP."""
    return in_dev.cnf.data[IPV4_DEVCONF_DROP_GRATUITOUS_ARP - 1]


def __in_dev_get_rtnl(dev: net_device) -> in_device | None:
    """Kernel: include/linux/inetdevice.h __in_dev_get_rtnl (also __in_dev_get_rcu)."""
    in_dev: in_device | None = dev.ip_ptr
    return in_dev


def inetdev_by_index(net: Net, ifindex: int) -> in_device | None:
    """Kernel: net/ipv4/devinet.c inetdev_by_index."""
    dev = net.dev_index_head.get(ifindex)
    return dev.ip_ptr if dev is not None else None


def inet_make_mask(logmask: int) -> int:
    """Kernel: include/linux/inetdevice.h inet_make_mask (host order)."""
    return (0xFFFFFFFF << (32 - logmask)) & 0xFFFFFFFF if logmask else 0


def inet_ifa_match(addr: int, ifa: in_ifaddr) -> bool:
    """Kernel: include/linux/inetdevice.h inet_ifa_match."""
    return not (addr ^ ifa.ifa_address) & ifa.ifa_mask


def inet_ifa_byprefix(in_dev: in_device, prefix: int, mask: int) -> in_ifaddr | None:
    """Kernel: net/ipv4/devinet.c inet_ifa_byprefix."""
    for ifa in in_dev.ifa_list:
        if ifa.ifa_mask == mask and inet_ifa_match(prefix, ifa):
            return ifa
    return None


def inet_addr_onlink(in_dev: in_device, a: int, b: int) -> bool:
    """`a` (and `b` unless 0) inside one of the device's subnets.

    Kernel: net/ipv4/devinet.c inet_addr_onlink.
    """
    return any(inet_ifa_match(a, ifa) and (not b or inet_ifa_match(b, ifa))
               for ifa in in_dev.ifa_list)


def inet_addr_hash(net: Net, addr: int) -> int:
    """The inet_addr_lst bucket of `addr` in `net`: hash_32(addr ^ net_hash_mix(net), 8).
    (skbuff's addresses are host-order ints, so buckets differ from a little-endian
    kernel's; nothing outside the hash sees them.)

    Kernel: net/ipv4/devinet.c inet_addr_hash, include/linux/hash.h hash_32.
    """
    return (((addr ^ net.hash_mix) * GOLDEN_RATIO_32) & 0xFFFFFFFF) >> (32 - IN4_ADDR_HSIZE_SHIFT)


def inet_hash_insert(net: Net, ifa: in_ifaddr) -> None:
    """Put `ifa` at the head of its bucket (hlist_add_head_rcu). RTNL.

    Kernel: net/ipv4/devinet.c inet_hash_insert.
    """
    net.kernel.inet_addr_lst[inet_addr_hash(net, ifa.ifa_local)].insert(0, ifa)


def inet_hash_remove(ifa: in_ifaddr) -> None:
    """Take `ifa` out of its bucket (hlist_del_init_rcu). RTNL; `ifa` is still on its
    device, so its namespace is the one it was hashed in.

    Kernel: net/ipv4/devinet.c inet_hash_remove.
    """
    net = ifa.ifa_dev.dev.nd_net
    net.kernel.inet_addr_lst[inet_addr_hash(net, ifa.ifa_local)].remove(ifa)


def inet_lookup_ifaddr_rcu(net: Net, addr: int) -> in_ifaddr | None:
    """The in_ifaddr of `net` whose local address is `addr`: the first of its bucket (the
    newest, when devices share the address). RCU reader, any context.

    Kernel: net/ipv4/devinet.c inet_lookup_ifaddr_rcu.
    """
    for ifa in net.kernel.inet_addr_lst[inet_addr_hash(net, addr)]:
        if ifa.ifa_local == addr and ifa.ifa_dev.dev.nd_net is net:
            return ifa
    return None


def __ip_dev_find(net: Net, addr: int) -> net_device | None:
    """The device holding local address `addr`; failing that, the device of a local-type
    route for it in the local table (loopback subnets, `local 0/0`).
    Kernel: net/ipv4/devinet.c __ip_dev_find."""
    ifa = inet_lookup_ifaddr_rcu(net, addr)
    if ifa is None:
        local = fib_frontend.fib_get_table(net, uapi_rt.RT_TABLE_LOCAL)
        res = ip_fib.fib_result()
        if local is None or fib_trie.fib_table_lookup(
                local, flow.flowi4(daddr=addr), res, ip_fib.FIB_LOOKUP_NOREF) \
                or res.type != uapi_rt.RTN_LOCAL:
            return None
        return ip_fib.FIB_RES_DEV(res)
    dev: net_device = ifa.ifa_dev.dev
    return dev


def inetdev_valid_mtu(mtu: int) -> bool:
    """Kernel: net/ipv4/devinet.c inetdev_valid_mtu."""
    return mtu >= IPV4_MIN_MTU


def _ifa_notify(net: Net, event: int, ifa: in_ifaddr) -> None:
    notifier.notifier_call_chain(net.kernel.inetaddr_chain, event, ifa)


def _rtmsg_ifa(event: int, ifa: in_ifaddr) -> None:
    """Kernel: net/ipv4/devinet.c rtmsg_ifa (RTNLGRP_IPV4_IFADDR notification)."""
    net = ifa.ifa_dev.dev.nd_net
    rtnetlink.rtnl_notify(net, uapi_rt.RTNLGRP_IPV4_IFADDR, inet_fill_ifaddr(ifa, event, 0))


def __inet_insert_ifa(ifa: in_ifaddr, extack: Any) -> int:
    """Link a new address: secondary if a primary of the same subnet exists, else after the
    last primary of scope <= its scope. -EEXIST for a duplicate local address.

    Kernel: net/ipv4/devinet.c __inet_insert_ifa. RTNL.
    """
    in_dev = ifa.ifa_dev
    if not ifa.ifa_local:
        return 0
    ifa.ifa_flags &= ~if_addr.IFA_F_SECONDARY
    ifa.ifa_flags &= ~(if_addr.IFA_F_NODAD | if_addr.IFA_F_OPTIMISTIC | if_addr.IFA_F_DADFAILED
                       | if_addr.IFA_F_HOMEADDRESS | if_addr.IFA_F_TENTATIVE
                       | if_addr.IFA_F_MANAGETEMPADDR | if_addr.IFA_F_STABLE_PRIVACY)
    last_primary = 0
    lst = in_dev.ifa_list
    for i, ifa1 in enumerate(lst):
        if not ifa1.ifa_flags & if_addr.IFA_F_SECONDARY and ifa.ifa_scope <= ifa1.ifa_scope:
            last_primary = i + 1
        if ifa1.ifa_mask == ifa.ifa_mask and inet_ifa_match(ifa1.ifa_address, ifa):
            if ifa1.ifa_local == ifa.ifa_local:
                return -errno.EEXIST
            if ifa1.ifa_scope != ifa.ifa_scope:
                rtnetlink.NL_SET_ERR_MSG(extack, "ipv4: Invalid scope value")
                return -errno.EINVAL
            ifa.ifa_flags |= if_addr.IFA_F_SECONDARY
    if ifa.ifa_flags & if_addr.IFA_F_SECONDARY:
        lst.append(ifa)
    else:
        lst.insert(last_primary, ifa)
    net = in_dev.dev.nd_net
    inet_hash_insert(net, ifa)
    net.ipv4.dev_addr_genid += 1
    _rtmsg_ifa(uapi_rt.RTM_NEWADDR, ifa)
    _ifa_notify(net, netdev.NETDEV_UP, ifa)
    queue_check_lifetime(net.kernel)
    return 0


def inet_insert_ifa(ifa: in_ifaddr) -> int:
    """Kernel: net/ipv4/devinet.c inet_insert_ifa."""
    return __inet_insert_ifa(ifa, None)


def __inet_del_ifa(in_dev: in_device, ifa1: in_ifaddr, destroy: int) -> None:
    """Unlink ifa1. Deleting a primary deletes its subnet's secondaries, or promotes the first
    one with promote_secondaries (re-adding the others' routes with the new prefsrc).

    Kernel: net/ipv4/devinet.c __inet_del_ifa. RTNL.
    """
    net = in_dev.dev.nd_net
    lst = in_dev.ifa_list
    do_promote = IN_DEV_PROMOTE_SECONDARIES(in_dev)
    promote: in_ifaddr | None = None
    prev_prom: in_ifaddr | None = None
    last_prim: in_ifaddr | None = None
    if not in_dev.dead and not ifa1.ifa_flags & if_addr.IFA_F_SECONDARY:
        for ifa in list(lst[lst.index(ifa1) + 1:]):
            if not ifa.ifa_flags & if_addr.IFA_F_SECONDARY and ifa1.ifa_scope <= ifa.ifa_scope:
                last_prim = ifa
            if (not ifa.ifa_flags & if_addr.IFA_F_SECONDARY or ifa1.ifa_mask != ifa.ifa_mask
                    or not inet_ifa_match(ifa1.ifa_address, ifa)):
                prev_prom = ifa
                continue
            if not do_promote:
                inet_hash_remove(ifa)
                lst.remove(ifa)
                _rtmsg_ifa(uapi_rt.RTM_DELADDR, ifa)
                _ifa_notify(net, netdev.NETDEV_DOWN, ifa)
            else:
                promote = ifa
                break
    if promote is not None:
        for ifa in lst[lst.index(promote):]:
            if ifa1.ifa_mask == ifa.ifa_mask and inet_ifa_match(ifa1.ifa_address, ifa):
                fib_frontend.fib_del_ifaddr(ifa, ifa1)
    pos = lst.index(ifa1)
    del lst[pos]
    inet_hash_remove(ifa1)
    net.ipv4.dev_addr_genid += 1
    _rtmsg_ifa(uapi_rt.RTM_DELADDR, ifa1)
    _ifa_notify(net, netdev.NETDEV_DOWN, ifa1)
    if promote is None:
        return
    pi = lst.index(promote)
    next_sec = lst[pi + 1:]
    if prev_prom is not None:
        del lst[pi]
        lst.insert(lst.index(last_prim) + 1 if last_prim is not None else pos, promote)
    promote.ifa_flags &= ~if_addr.IFA_F_SECONDARY
    _rtmsg_ifa(uapi_rt.RTM_NEWADDR, promote)
    _ifa_notify(net, netdev.NETDEV_UP, promote)
    for ifa in next_sec:
        if ifa1.ifa_mask == ifa.ifa_mask and inet_ifa_match(ifa1.ifa_address, ifa):
            fib_frontend.fib_add_ifaddr(ifa)


def inet_select_addr(dev: net_device, dst: int, scope: int) -> int:
    """Preferred source address on dev for dst at most `scope`: the first primary in dst's
    subnet, else the first primary; else any device's (lo first). A deprecated address is
    chosen like any other (6.12 tests only IFA_F_SECONDARY). Kernel: net/ipv4/devinet.c
    inet_select_addr. Any context."""
    addr = 0
    in_dev: in_device | None = dev.ip_ptr
    if in_dev is not None:
        localnet_scope = (uapi_rt.RT_SCOPE_LINK if IN_DEV_ROUTE_LOCALNET(in_dev)
                          else uapi_rt.RT_SCOPE_HOST)
        for ifa in in_dev.ifa_list:
            if ifa.ifa_flags & if_addr.IFA_F_SECONDARY:
                continue
            if min(ifa.ifa_scope, localnet_scope) > scope:
                continue
            if not dst or inet_ifa_match(dst, ifa):
                return ifa.ifa_local
            if not addr:
                addr = ifa.ifa_local
        if addr:
            return addr
    for d in dev.nd_net.dev_base_head.values():
        idev: in_device | None = d.ip_ptr
        if idev is None:
            continue
        for ifa in idev.ifa_list:
            if ifa.ifa_flags & if_addr.IFA_F_SECONDARY:
                continue
            if ifa.ifa_scope != uapi_rt.RT_SCOPE_LINK and ifa.ifa_scope <= scope:
                return ifa.ifa_local
    return 0


def confirm_addr_indev(in_dev: in_device, dst: int, local: int, scope: int) -> int:
    """Kernel: net/ipv4/devinet.c confirm_addr_indev."""
    addr = 0
    same = 0
    for ifa in in_dev.ifa_list:
        min_scope = min(ifa.ifa_scope, scope)
        if not addr and (not local or ifa.ifa_local == local) and ifa.ifa_scope <= scope:
            addr = ifa.ifa_local
            if same:
                break
        if not same:
            same = int((not local or inet_ifa_match(local, ifa))
                       and (not dst or inet_ifa_match(dst, ifa)))
            if same and addr:
                if local or not dst:
                    break
                if inet_ifa_match(addr, ifa):
                    break
                if ifa.ifa_scope <= min_scope:
                    addr = ifa.ifa_local
                    break
                same = 0
    return addr if same else 0


def inet_confirm_addr(net: Net, in_dev: in_device | None, dst: int, local: int,
                      scope: int) -> int:
    """Confirm that `local` can be used as source for dst (arp_announce/arp_ignore helpers).

    Kernel: net/ipv4/devinet.c inet_confirm_addr.
    """
    if in_dev is not None:
        return confirm_addr_indev(in_dev, dst, local, scope)
    for dev in net.dev_base_head.values():
        idev = dev.ip_ptr
        if idev is not None:
            addr = confirm_addr_indev(idev, dst, local, scope)
            if addr:
                return addr
    return 0


def inetdev_init(dev: net_device) -> in_device | int:
    """Create dev's in_device with a copy of net.ipv4.conf.default. Kernel: net/ipv4/devinet.c
    inetdev_init (NETDEV_REGISTER)."""
    net = dev.nd_net
    dflt: ipv4_devconf = net.ipv4.devconf_dflt
    in_dev = in_device(dev, ipv4_devconf(list(dflt.data)))
    tbl = neighbour.arp_tbl(net.kernel)
    in_dev.arp_parms = neighbour.neigh_parms_alloc(dev, tbl)
    dev.ip_ptr = in_dev
    neighbour.neigh_sysctl_register(dev, in_dev.arp_parms)
    devinet_sysctl_register(in_dev)
    return in_dev


def inetdev_destroy(in_dev: in_device) -> None:
    """Delete every address and detach. Kernel: net/ipv4/devinet.c inetdev_destroy."""
    dev = in_dev.dev
    in_dev.dead = 1
    while in_dev.ifa_list:
        __inet_del_ifa(in_dev, in_dev.ifa_list[0], 1)
    dev.ip_ptr = None
    devinet_sysctl_unregister(in_dev)
    neighbour.neigh_sysctl_unregister(in_dev.arp_parms)
    neighbour.neigh_parms_release(in_dev.arp_parms.tbl, in_dev.arp_parms)
    arp.arp_ifdown(dev)


def inetdev_send_gratuitous_arp(dev: net_device, in_dev: in_device) -> None:
    """Kernel: net/ipv4/devinet.c inetdev_send_gratuitous_arp."""
    for ifa in in_dev.ifa_list:
        arp.arp_send(ARPOP_REQUEST, ETH_P_ARP, ifa.ifa_local, dev, ifa.ifa_local, None,
                     dev.dev_addr, None)


def inetdev_event(nb: notifier.notifier_block, event: int, ptr: Any) -> int:
    """netdev_chain handler: create/destroy in_device, lo's 127.0.0.1/8 on UP, gratuitous ARP.

    Kernel: net/ipv4/devinet.c inetdev_event.
    """
    dev = netdev.netdev_notifier_info_to_dev(ptr)
    in_dev: in_device | None = dev.ip_ptr
    if in_dev is None:
        if event == netdev.NETDEV_REGISTER or (event == netdev.NETDEV_CHANGEMTU
                                               and inetdev_valid_mtu(dev.mtu)):
            created = inetdev_init(dev)
            if isinstance(created, int):
                return notifier.notifier_from_errno(created)
            if event == netdev.NETDEV_REGISTER and dev.flags & IFF_LOOPBACK:
                ipv4_devconf_set(created, IPV4_DEVCONF_NOXFRM, 1)
                ipv4_devconf_set(created, IPV4_DEVCONF_NOPOLICY, 1)
        return notifier.NOTIFY_DONE
    if event == netdev.NETDEV_UP:
        if not inetdev_valid_mtu(dev.mtu):
            return notifier.NOTIFY_DONE
        if dev.flags & IFF_LOOPBACK:
            ifa = inet_alloc_ifa(in_dev)
            ifa.ifa_local = ifa.ifa_address = INADDR_LOOPBACK
            ifa.ifa_prefixlen = 8
            ifa.ifa_mask = inet_make_mask(8)
            ifa.ifa_scope = uapi_rt.RT_SCOPE_HOST
            ifa.ifa_label = dev.name
            set_ifa_lifetime(ifa, if_addr.INFINITY_LIFE_TIME, if_addr.INFINITY_LIFE_TIME)
            ipv4_devconf_setall(in_dev)
            inet_insert_ifa(ifa)
        if IN_DEV_ARP_NOTIFY(in_dev):
            inetdev_send_gratuitous_arp(dev, in_dev)
    elif event == netdev.NETDEV_CHANGEADDR:
        if IN_DEV_ARP_NOTIFY(in_dev):
            inetdev_send_gratuitous_arp(dev, in_dev)
    elif event == netdev.NETDEV_NOTIFY_PEERS:
        inetdev_send_gratuitous_arp(dev, in_dev)
    elif (event == netdev.NETDEV_CHANGEMTU and not inetdev_valid_mtu(dev.mtu)) \
            or event == netdev.NETDEV_UNREGISTER:
        inetdev_destroy(in_dev)
    elif event == netdev.NETDEV_CHANGENAME:
        for ifa in in_dev.ifa_list:
            ifa.ifa_label = dev.name + ifa.ifa_label[ifa.ifa_label.find(":"):] \
                if ":" in ifa.ifa_label else dev.name
        devinet_sysctl_unregister(in_dev)
        devinet_sysctl_register(in_dev)
    return notifier.NOTIFY_DONE


def inet_alloc_ifa(in_dev: in_device) -> in_ifaddr:
    """Kernel: net/ipv4/devinet.c inet_alloc_ifa (stamps set here, as set_ifa_lifetime does)."""
    ifa = in_ifaddr(in_dev)
    now = in_dev.dev.nd_net.kernel.jiffies
    ifa.ifa_cstamp = ifa.ifa_tstamp = now
    return ifa


def set_ifa_lifetime(ifa: in_ifaddr, valid_lft: int, prefered_lft: int) -> None:
    """Set the lifetimes (seconds) and restart them now: an infinite valid lifetime makes the
    address IFA_F_PERMANENT, a zero preferred one IFA_F_DEPRECATED at once. check_lifetime
    counts them down. Kernel: net/ipv4/devinet.c set_ifa_lifetime."""
    ifa.ifa_flags &= ~(if_addr.IFA_F_PERMANENT | if_addr.IFA_F_DEPRECATED)
    ifa.ifa_valid_lft = valid_lft
    ifa.ifa_preferred_lft = prefered_lft
    if valid_lft == if_addr.INFINITY_LIFE_TIME:
        ifa.ifa_flags |= if_addr.IFA_F_PERMANENT
    elif prefered_lft == 0:
        ifa.ifa_flags |= if_addr.IFA_F_DEPRECATED
    ifa.ifa_tstamp = ifa.ifa_dev.dev.nd_net.kernel.jiffies
    if not ifa.ifa_cstamp:
        ifa.ifa_cstamp = ifa.ifa_tstamp


# include/net/addrconf.h: how often the lifetime worker looks at least, and how it batches.
ADDR_CHECK_FREQUENCY_SECS = 120  # ADDR_CHECK_FREQUENCY = 120*HZ


def ADDRCONF_TIMER_FUZZ_MINUS(hz: int) -> int:
    """Kernel: include/net/addrconf.h ADDRCONF_TIMER_FUZZ_MINUS."""
    return hz // 50 if hz > 50 else 1


def _inet_addr_lst(k: Kernel) -> list[in_ifaddr]:
    """Every IPv4 address of the machine, all namespaces (the kernel's global inet_addr_lst
    hash; here in namespace, device, then list order)."""
    return [ifa for net in k.nets for dev in net.dev_base_head.values()
            if dev.ip_ptr is not None for ifa in dev.ip_ptr.ifa_list]


def check_lifetime(k: Kernel) -> None:
    """The address lifetime worker: delete addresses whose valid lifetime is over, mark
    IFA_F_DEPRECATED (and announce RTM_NEWADDR) those whose preferred lifetime is, then run
    again at the next expiry (rounded up to a whole second when that costs under HZ/4), at
    most ADDR_CHECK_FREQUENCY and at least HZ from now. Ages round up by HZ/50 so that
    nearby expiries go together. Kernel: net/ipv4/devinet.c check_lifetime (a delayed work
    on system_power_efficient_wq; here run from its timer)."""
    hz = k.hz
    now = k.jiffies
    inf = if_addr.INFINITY_LIFE_TIME
    fuzz_minus = ADDRCONF_TIMER_FUZZ_MINUS(hz)
    nxt = ktimer.round_jiffies_up(k, now + ADDR_CHECK_FREQUENCY_SECS * hz)
    change: list[in_ifaddr] = []
    for ifa in _inet_addr_lst(k):
        if ifa.ifa_flags & if_addr.IFA_F_PERMANENT:
            continue
        age = (now - ifa.ifa_tstamp + fuzz_minus) // hz
        valid, preferred, tstamp = ifa.ifa_valid_lft, ifa.ifa_preferred_lft, ifa.ifa_tstamp
        if valid != inf and age >= valid:
            change.append(ifa)
        elif preferred == inf:
            continue
        elif age >= preferred:
            if jiffies.time_before(tstamp + valid * hz, nxt):
                nxt = tstamp + valid * hz
            if not ifa.ifa_flags & if_addr.IFA_F_DEPRECATED:
                change.append(ifa)
        elif jiffies.time_before(tstamp + preferred * hz, nxt):
            nxt = tstamp + preferred * hz
    for ifa in change:
        in_dev = ifa.ifa_dev
        if ifa not in in_dev.ifa_list:
            continue  # went with its primary
        age = (now - ifa.ifa_tstamp + fuzz_minus) // hz
        if ifa.ifa_valid_lft != inf and age >= ifa.ifa_valid_lft:
            __inet_del_ifa(in_dev, ifa, 1)
        elif (ifa.ifa_preferred_lft != inf and age >= ifa.ifa_preferred_lft
              and not ifa.ifa_flags & if_addr.IFA_F_DEPRECATED):
            ifa.ifa_flags |= if_addr.IFA_F_DEPRECATED
            _rtmsg_ifa(uapi_rt.RTM_NEWADDR, ifa)
    next_sec = ktimer.round_jiffies_up(k, nxt)
    next_sched = nxt
    if jiffies.time_before(next_sec, nxt + hz // 4):  # ADDRCONF_TIMER_FUZZ
        next_sched = next_sec
    now = k.jiffies
    if jiffies.time_before(next_sched, now + hz):  # ADDRCONF_TIMER_FUZZ_MAX
        next_sched = now + hz
    ktimer.mod_timer(k.check_lifetime_work, next_sched)


def queue_check_lifetime(k: Kernel) -> None:
    """cancel_delayed_work + queue_delayed_work(..., &check_lifetime_work, 0): an address
    came or changed, so the worker runs now (a kworker picks it up at once; skbuff runs it in
    place, after the caller's notifications) and re-arms its timer for the new next expiry.
    Kernel: net/ipv4/devinet.c __inet_insert_ifa, inet_rtm_newaddr, devinet_init."""
    ktimer.del_timer(k.check_lifetime_work)
    check_lifetime(k)


def find_matching_ifa(ifa: in_ifaddr) -> in_ifaddr | None:
    """Kernel: net/ipv4/devinet.c find_matching_ifa."""
    for ifa1 in ifa.ifa_dev.ifa_list:
        if (ifa1.ifa_mask == ifa.ifa_mask and inet_ifa_match(ifa1.ifa_address, ifa)
                and ifa1.ifa_local == ifa.ifa_local):
            return ifa1
    return None


def rtm_to_ifaddr(net: Net, msg: uapi_rt.nlmsg, extack: Any) -> tuple[in_ifaddr, int, int] | int:
    """Parse RTM_NEWADDR into a new in_ifaddr (+ valid/preferred lifetimes) or -errno.

    Kernel: net/ipv4/devinet.c rtm_to_ifaddr.
    """
    ifm: if_addr.ifaddrmsg = msg.hdr
    tb = msg.attrs
    if ifm.prefixlen > 32:
        rtnetlink.NL_SET_ERR_MSG(extack, "ipv4: Invalid prefix length")
        return -errno.EINVAL
    if if_addr.IFA_LOCAL not in tb:
        rtnetlink.NL_SET_ERR_MSG(extack, "ipv4: Local address is not supplied")
        return -errno.EINVAL
    dev = net.dev_index_head.get(ifm.index)
    if dev is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "ipv4: Device not found")
        return -errno.ENODEV
    in_dev: in_device | None = dev.ip_ptr
    if in_dev is None:
        return -errno.ENOBUFS
    ifa = inet_alloc_ifa(in_dev)
    ipv4_devconf_setall(in_dev)
    ifa.ifa_prefixlen = ifm.prefixlen
    ifa.ifa_mask = inet_make_mask(ifm.prefixlen)
    ifa.ifa_flags = tb.get(if_addr.IFA_FLAGS, ifm.flags)
    ifa.ifa_scope = ifm.scope
    ifa.ifa_local = tb[if_addr.IFA_LOCAL]
    ifa.ifa_address = tb.get(if_addr.IFA_ADDRESS, ifa.ifa_local)
    ifa.ifa_broadcast = tb.get(if_addr.IFA_BROADCAST, 0)
    ifa.ifa_label = tb.get(if_addr.IFA_LABEL, dev.name)
    ifa.ifa_rt_priority = tb.get(if_addr.IFA_RT_PRIORITY, 0)
    ifa.ifa_proto = tb.get(if_addr.IFA_PROTO, 0)
    valid = prefered = if_addr.INFINITY_LIFE_TIME
    ci: if_addr.ifa_cacheinfo | None = tb.get(if_addr.IFA_CACHEINFO)
    if ci is not None:
        if not ci.ifa_valid or ci.ifa_prefered > ci.ifa_valid:
            rtnetlink.NL_SET_ERR_MSG(extack, "ipv4: address lifetime invalid")
            return -errno.EINVAL
        valid, prefered = ci.ifa_valid, ci.ifa_prefered
    return ifa, valid, prefered


def inet_rtm_newaddr(net: Net, msg: uapi_rt.nlmsg, extack: Any) -> int:
    """RTM_NEWADDR doit (`ip addr add/replace/change`).

    Kernel: net/ipv4/devinet.c inet_rtm_newaddr.
    """
    parsed = rtm_to_ifaddr(net, msg, extack)
    if isinstance(parsed, int):
        return parsed
    ifa, valid, prefered = parsed
    existing = find_matching_ifa(ifa)
    if existing is None:
        set_ifa_lifetime(ifa, valid, prefered)
        return __inet_insert_ifa(ifa, extack)
    if msg.flags & uapi_rt.NLM_F_EXCL or not msg.flags & uapi_rt.NLM_F_REPLACE:
        rtnetlink.NL_SET_ERR_MSG(extack, "ipv4: Address already assigned")
        return -errno.EEXIST
    if existing.ifa_rt_priority != ifa.ifa_rt_priority:
        fib_frontend.fib_modify_prefix_metric(existing, ifa.ifa_rt_priority)
        existing.ifa_rt_priority = ifa.ifa_rt_priority
    existing.ifa_proto = ifa.ifa_proto
    set_ifa_lifetime(existing, valid, prefered)
    _rtmsg_ifa(uapi_rt.RTM_NEWADDR, existing)
    queue_check_lifetime(net.kernel)
    return 0


def inet_rtm_deladdr(net: Net, msg: uapi_rt.nlmsg, extack: Any) -> int:
    """RTM_DELADDR doit (`ip addr del`). Kernel: net/ipv4/devinet.c inet_rtm_deladdr."""
    ifm: if_addr.ifaddrmsg = msg.hdr
    tb = msg.attrs
    in_dev = inetdev_by_index(net, ifm.index)
    if in_dev is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "ipv4: Device not found")
        return -errno.ENODEV
    for ifa in in_dev.ifa_list:
        if if_addr.IFA_LOCAL in tb and ifa.ifa_local != tb[if_addr.IFA_LOCAL]:
            continue
        if if_addr.IFA_LABEL in tb and tb[if_addr.IFA_LABEL] != ifa.ifa_label:
            continue
        if if_addr.IFA_ADDRESS in tb and (ifm.prefixlen != ifa.ifa_prefixlen or
                                          not inet_ifa_match(tb[if_addr.IFA_ADDRESS], ifa)):
            continue
        __inet_del_ifa(in_dev, ifa, 1)
        return 0
    rtnetlink.NL_SET_ERR_MSG(extack, "ipv4: Address not found")
    return -errno.EADDRNOTAVAIL


def inet_fill_ifaddr(ifa: in_ifaddr, event: int, flags: int) -> uapi_rt.nlmsg:
    """The RTM_NEWADDR/DELADDR message for ifa (IFA_ADDRESS/LOCAL/BROADCAST/LABEL/FLAGS/
    RT_PRIORITY/CACHEINFO). Kernel: net/ipv4/devinet.c inet_fill_ifaddr."""
    dev = ifa.ifa_dev.dev
    hdr = if_addr.ifaddrmsg(family=uapi_rt.AF_INET, prefixlen=ifa.ifa_prefixlen,
                            flags=ifa.ifa_flags & 0xFF, scope=ifa.ifa_scope, index=dev.ifindex)
    attrs: dict[int, Any] = {}
    if ifa.ifa_address:
        attrs[if_addr.IFA_ADDRESS] = ifa.ifa_address
    if ifa.ifa_local:
        attrs[if_addr.IFA_LOCAL] = ifa.ifa_local
    if ifa.ifa_broadcast:
        attrs[if_addr.IFA_BROADCAST] = ifa.ifa_broadcast
    if ifa.ifa_label:
        attrs[if_addr.IFA_LABEL] = ifa.ifa_label
    if ifa.ifa_proto:
        attrs[if_addr.IFA_PROTO] = ifa.ifa_proto
    attrs[if_addr.IFA_FLAGS] = ifa.ifa_flags
    if ifa.ifa_rt_priority:
        attrs[if_addr.IFA_RT_PRIORITY] = ifa.ifa_rt_priority
    k = dev.nd_net.kernel
    valid, prefered = ifa.ifa_valid_lft, ifa.ifa_preferred_lft
    if not ifa.ifa_flags & if_addr.IFA_F_PERMANENT:
        if prefered != if_addr.INFINITY_LIFE_TIME:
            elapsed = (k.jiffies - ifa.ifa_tstamp) // k.hz
            prefered = max(prefered - elapsed, 0)
            if valid != if_addr.INFINITY_LIFE_TIME:
                valid = max(valid - elapsed, 0)
    else:
        valid = prefered = if_addr.INFINITY_LIFE_TIME
    base = jiffies.INITIAL_JIFFIES(k.hz)
    attrs[if_addr.IFA_CACHEINFO] = if_addr.ifa_cacheinfo(
        ifa_prefered=prefered, ifa_valid=valid,
        cstamp=(ifa.ifa_cstamp - base) * 100 // k.hz, tstamp=(ifa.ifa_tstamp - base) * 100 // k.hz)
    return uapi_rt.nlmsg(type=event, flags=flags, hdr=hdr, attrs=attrs)


def inet_dump_ifaddr(net: Net, msg: uapi_rt.nlmsg) -> list[uapi_rt.nlmsg]:
    """RTM_GETADDR dump: every address of every device (optionally one ifindex), in device
    then list order. Kernel: net/ipv4/devinet.c inet_dump_ifaddr."""
    ifindex = getattr(msg.hdr, "index", 0) or 0
    out = []
    for dev in net.dev_base_head.values():
        if ifindex and dev.ifindex != ifindex:
            continue
        in_dev: in_device | None = dev.ip_ptr
        if in_dev is None:
            continue
        for ifa in in_dev.ifa_list:
            out.append(inet_fill_ifaddr(ifa, uapi_rt.RTM_NEWADDR, uapi_rt.NLM_F_MULTI))
    return out


def devinet_copy_dflt_conf(net: Net, i: int) -> None:
    """Propagate a "default" write to devices that have not set that value.

    Kernel: net/ipv4/devinet.c devinet_copy_dflt_conf.
    """
    dflt: ipv4_devconf = net.ipv4.devconf_dflt
    for dev in net.dev_base_head.values():
        in_dev: in_device | None = dev.ip_ptr
        if in_dev is not None and not in_dev.cnf.state & (1 << i):
            in_dev.cnf.data[i] = dflt.data[i]


def inet_forward_change(net: Net) -> None:
    """all/forwarding changed: copy to default and every device; all/accept_redirects = !on.

    Kernel: net/ipv4/devinet.c inet_forward_change.
    """
    on = IPV4_DEVCONF_ALL(net, IPV4_DEVCONF_FORWARDING)
    net.ipv4.devconf_all.data[IPV4_DEVCONF_ACCEPT_REDIRECTS - 1] = int(not on)
    net.ipv4.devconf_dflt.data[IPV4_DEVCONF_FORWARDING - 1] = on
    inet_netconf_notify_devconf(net, uapi_rt.RTM_NEWNETCONF, netconf.NETCONFA_FORWARDING,
                                netconf.NETCONFA_IFINDEX_ALL, net.ipv4.devconf_all)
    inet_netconf_notify_devconf(net, uapi_rt.RTM_NEWNETCONF, netconf.NETCONFA_FORWARDING,
                                netconf.NETCONFA_IFINDEX_DEFAULT, net.ipv4.devconf_dflt)
    for dev in net.dev_base_head.values():
        in_dev: in_device | None = dev.ip_ptr
        if in_dev is not None:
            ipv4_devconf_set(in_dev, IPV4_DEVCONF_FORWARDING, on)
            inet_netconf_notify_devconf(net, uapi_rt.RTM_NEWNETCONF,
                                        netconf.NETCONFA_FORWARDING, dev.ifindex, in_dev.cnf)


# The conf values whose change devinet_conf_proc announces, and the NETCONFA_* they go as.
_NETCONF_NOTIFIED = {
    IPV4_DEVCONF_RP_FILTER: netconf.NETCONFA_RP_FILTER,
    IPV4_DEVCONF_PROXY_ARP: netconf.NETCONFA_PROXY_NEIGH,
    IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN: netconf.NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN,
}

# NETCONFA_* attribute -> the devconf value it reports, in the order the kernel puts them.
_NETCONF_ATTRS = (
    (netconf.NETCONFA_FORWARDING, IPV4_DEVCONF_FORWARDING),
    (netconf.NETCONFA_RP_FILTER, IPV4_DEVCONF_RP_FILTER),
    (netconf.NETCONFA_MC_FORWARDING, IPV4_DEVCONF_MC_FORWARDING),
    (netconf.NETCONFA_BC_FORWARDING, IPV4_DEVCONF_BC_FORWARDING),
    (netconf.NETCONFA_PROXY_NEIGH, IPV4_DEVCONF_PROXY_ARP),
    (netconf.NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN),
)


def inet_netconf_fill_devconf(ifindex: int, devconf: ipv4_devconf | None, event: int,
                              flags: int, type: int) -> uapi_rt.nlmsg:
    """An AF_INET netconf message for `ifindex` (a device, NETCONFA_IFINDEX_ALL or _DEFAULT):
    every value for NETCONFA_ALL, else only attribute `type`; no values without `devconf`
    (RTM_DELNETCONF). Kernel: net/ipv4/devinet.c inet_netconf_fill_devconf."""
    attrs: dict[int, Any] = {netconf.NETCONFA_IFINDEX: ifindex}
    if devconf is not None:
        for nla, attr in _NETCONF_ATTRS:
            if type in (netconf.NETCONFA_ALL, nla):
                attrs[nla] = devconf.data[attr - 1]
    return uapi_rt.nlmsg(type=event, flags=flags, hdr=netconf.netconfmsg(uapi_rt.AF_INET),
                         attrs=attrs)


def inet_netconf_notify_devconf(net: Net, event: int, type: int, ifindex: int,
                                devconf: ipv4_devconf | None) -> None:
    """Announce a devconf change to RTNLGRP_IPV4_NETCONF listeners (`ip monitor netconf`);
    built only when someone listens. Kernel: net/ipv4/devinet.c inet_netconf_notify_devconf."""
    if rtnetlink.rtnl_has_listeners(net, uapi_rt.RTNLGRP_IPV4_NETCONF):
        rtnetlink.rtnl_notify(net, uapi_rt.RTNLGRP_IPV4_NETCONF,
                              inet_netconf_fill_devconf(ifindex, devconf, event, 0, type))


def devinet_conf_ifindex(net: Net, cnf: ipv4_devconf) -> int:
    """The NETCONFA_IFINDEX naming `cnf`. Kernel: net/ipv4/devinet.c devinet_conf_ifindex."""
    if cnf is net.ipv4.devconf_dflt:
        return netconf.NETCONFA_IFINDEX_DEFAULT
    if cnf is net.ipv4.devconf_all:
        return netconf.NETCONFA_IFINDEX_ALL
    return next(dev.ifindex for dev in net.dev_base_head.values()
                if dev.ip_ptr is not None and dev.ip_ptr.cnf is cnf)


def inet_netconf_get_devconf(net: Net, msg: uapi_rt.nlmsg, extack: Any) -> int:
    """RTM_GETNETCONF for one NETCONFA_IFINDEX: every value (-EINVAL without the attribute,
    -ENODEV for a device without IPv4). Kernel: net/ipv4/devinet.c inet_netconf_get_devconf,
    inet_netconf_valid_get_req."""
    for nla in msg.attrs:
        if nla != netconf.NETCONFA_IFINDEX:
            rtnetlink.NL_SET_ERR_MSG(extack, "ipv4: Unsupported attribute in netconf get "
                                     "request")
            return -errno.EINVAL
    if netconf.NETCONFA_IFINDEX not in msg.attrs:
        return -errno.EINVAL
    ifindex = int(msg.attrs[netconf.NETCONFA_IFINDEX])
    if ifindex == netconf.NETCONFA_IFINDEX_ALL:
        devconf = net.ipv4.devconf_all
    elif ifindex == netconf.NETCONFA_IFINDEX_DEFAULT:
        devconf = net.ipv4.devconf_dflt
    else:
        dev = netdev.__dev_get_by_index(net, ifindex)
        in_dev: in_device | None = dev.ip_ptr if dev is not None else None
        if in_dev is None:
            return -errno.ENODEV
        devconf = in_dev.cnf
    reply = inet_netconf_fill_devconf(ifindex, devconf, uapi_rt.RTM_NEWNETCONF, 0,
                                      netconf.NETCONFA_ALL)
    reply.seq = msg.seq
    return rtnetlink.rtnl_unicast(reply, extack)


def inet_netconf_dump_devconf(net: Net, msg: uapi_rt.nlmsg) -> list[uapi_rt.nlmsg]:
    """RTM_GETNETCONF dump: each device with IPv4 (ifindex order), then all, then default.

    Kernel: net/ipv4/devinet.c inet_netconf_dump_devconf.
    """
    out = []
    for ifindex in sorted(net.dev_index_head):
        in_dev: in_device | None = net.dev_index_head[ifindex].ip_ptr
        if in_dev is not None:
            out.append(inet_netconf_fill_devconf(ifindex, in_dev.cnf, uapi_rt.RTM_NEWNETCONF,
                                                 uapi_rt.NLM_F_MULTI, netconf.NETCONFA_ALL))
    for ifindex, devconf in ((netconf.NETCONFA_IFINDEX_ALL, net.ipv4.devconf_all),
                             (netconf.NETCONFA_IFINDEX_DEFAULT, net.ipv4.devconf_dflt)):
        out.append(inet_netconf_fill_devconf(ifindex, devconf, uapi_rt.RTM_NEWNETCONF,
                                             uapi_rt.NLM_F_MULTI, netconf.NETCONFA_ALL))
    return out


def devinet_conf_write(net: Net, cnf: ipv4_devconf, attr: int, old: int, handler: str) -> None:
    """After a write of net.ipv4.conf.X.<attr> (the value is already stored): the side effects
    of devinet_conf_proc / devinet_sysctl_forward / ipv4_doint_and_flush.
    Kernel: net/ipv4/devinet.c."""
    i = attr - 1
    new = cnf.data[i]
    if handler == "forward":
        if new != old:
            if cnf is net.ipv4.devconf_all:
                inet_forward_change(net)
            else:
                inet_netconf_notify_devconf(net, uapi_rt.RTM_NEWNETCONF,
                                            netconf.NETCONFA_FORWARDING,
                                            devinet_conf_ifindex(net, cnf), cnf)
            if cnf is not net.ipv4.devconf_dflt:
                route.rt_cache_flush(net)
        return
    if handler == "flush":
        if new != old:
            route.rt_cache_flush(net)
        return
    cnf.state |= 1 << i
    if cnf is net.ipv4.devconf_dflt:
        devinet_copy_dflt_conf(net, i)
    if attr in (IPV4_DEVCONF_ACCEPT_LOCAL, IPV4_DEVCONF_ROUTE_LOCALNET) and new == 0 and old:
        route.rt_cache_flush(net)
    if attr == IPV4_DEVCONF_BC_FORWARDING and new != old:
        route.rt_cache_flush(net)
    nc_type = _NETCONF_NOTIFIED.get(attr)
    if nc_type is not None and new != old:
        inet_netconf_notify_devconf(net, uapi_rt.RTM_NEWNETCONF, nc_type,
                                    devinet_conf_ifindex(net, cnf), cnf)


def devinet_sysctl_register(in_dev: in_device) -> None:
    """net.ipv4.conf.<dev>.* for this device. Kernel: net/ipv4/devinet.c devinet_sysctl_register."""
    dev = in_dev.dev
    in_dev.cnf.sysctl = __devinet_sysctl_register(dev.nd_net, dev.name, dev.ifindex,
                                                  in_dev.cnf)


def devinet_sysctl_unregister(in_dev: in_device) -> None:
    """Kernel: net/ipv4/devinet.c devinet_sysctl_unregister."""
    dev = in_dev.dev
    __devinet_sysctl_unregister(dev.nd_net, in_dev.cnf, dev.ifindex)


def __devinet_sysctl_register(net: Net, dev_name: str, ifindex: int, cnf: ipv4_devconf) -> Any:
    """Register the DEVINET_SYSCTL files of `cnf` under net/ipv4/conf/<dev_name> and announce
    the whole devconf (RTM_NEWNETCONF). Kernel: net/ipv4/devinet.c __devinet_sysctl_register.
    """
    table = []
    for name, attr, mode, handler in DEVINET_SYSCTL:
        table.append(sysctl.ctl_table(
            name, data=(cnf.data, attr - 1), mode=mode, proc_handler=sysctl.proc_dointvec,
            on_write=_conf_writer(net, cnf, attr, handler)))
    header = sysctl.register_net_sysctl(net, f"net/ipv4/conf/{dev_name}", table)
    inet_netconf_notify_devconf(net, uapi_rt.RTM_NEWNETCONF, netconf.NETCONFA_ALL, ifindex, cnf)
    return header


def __devinet_sysctl_unregister(net: Net, cnf: ipv4_devconf, ifindex: int) -> None:
    """Drop the conf files of `cnf` and announce RTM_DELNETCONF for `ifindex`.

    Kernel: net/ipv4/devinet.c __devinet_sysctl_unregister.
    """
    if cnf.sysctl is not None:
        sysctl.unregister_net_sysctl_table(cnf.sysctl)
        cnf.sysctl = None
    inet_netconf_notify_devconf(net, uapi_rt.RTM_DELNETCONF, 0, ifindex, None)


def _conf_writer(net: Net, cnf: ipv4_devconf, attr: int, handler: str) -> Any:
    """The ctl_table on_write hook (net, old, new) of one conf file."""
    def on_write(_net: Any, old: int, new: int) -> None:
        devinet_conf_write(net, cnf, attr, old, handler)
    return on_write


def devinet_init_net(net: Net) -> None:
    """Per-namespace all/default devconf (init_net's are the static tables; others copy
    init_net's current values, net.core.devconf_inherit_init_net = 0), their sysctls and
    net.ipv4.ip_forward (= all/forwarding). Kernel: net/ipv4/devinet.c devinet_init_net."""
    k = net.kernel
    init_net = getattr(k, "init_net", None)
    if init_net is not None and init_net is not net and init_net.ipv4.devconf_all is not None:
        all_c = ipv4_devconf(list(init_net.ipv4.devconf_all.data))
        dflt_c = ipv4_devconf(list(init_net.ipv4.devconf_dflt.data))
    else:
        all_c = ipv4_devconf(_defaults(False))
        dflt_c = ipv4_devconf(_defaults(True))
    net.ipv4.devconf_all = all_c
    net.ipv4.devconf_dflt = dflt_c
    all_c.sysctl = __devinet_sysctl_register(net, "all", netconf.NETCONFA_IFINDEX_ALL, all_c)
    dflt_c.sysctl = __devinet_sysctl_register(net, "default", netconf.NETCONFA_IFINDEX_DEFAULT,
                                              dflt_c)
    net.ipv4.forw_hdr = sysctl.register_net_sysctl(net, "net/ipv4", [sysctl.ctl_table(
        "ip_forward", data=(all_c.data, IPV4_DEVCONF_FORWARDING - 1),
        proc_handler=sysctl.proc_dointvec,
        on_write=_conf_writer(net, all_c, IPV4_DEVCONF_FORWARDING, "forward"))])


def devinet_exit_net(net: Net) -> None:
    """Unregister the all/default/ip_forward sysctls.

    Kernel: net/ipv4/devinet.c devinet_exit_net.
    """
    sysctl.unregister_net_sysctl_table(net.ipv4.forw_hdr)
    __devinet_sysctl_unregister(net, net.ipv4.devconf_dflt, netconf.NETCONFA_IFINDEX_DEFAULT)
    __devinet_sysctl_unregister(net, net.ipv4.devconf_all, netconf.NETCONFA_IFINDEX_ALL)


def devinet_init(k: Any) -> None:
    """Register the pernet ops, the netdev notifier and the address rtnetlink handlers;
    start the lifetime worker. Kernel: net/ipv4/devinet.c devinet_init.
    """
    net_namespace.register_pernet_subsys(
        k, net_namespace.pernet_operations("devinet", init=devinet_init_net,
                                                           exit=devinet_exit_net))
    netdev.register_netdevice_notifier(k, notifier.notifier_block(inetdev_event))
    rtnetlink.rtnl_register(k, uapi_rt.AF_INET, uapi_rt.RTM_NEWADDR, inet_rtm_newaddr, None)
    rtnetlink.rtnl_register(k, uapi_rt.AF_INET, uapi_rt.RTM_DELADDR, inet_rtm_deladdr, None)
    rtnetlink.rtnl_register(k, uapi_rt.AF_INET, uapi_rt.RTM_GETADDR, None, inet_dump_ifaddr)
    rtnetlink.rtnl_register(k, uapi_rt.AF_INET, uapi_rt.RTM_GETNETCONF,
                            inet_netconf_get_devconf, inet_netconf_dump_devconf)
    check_lifetime_work_init(k)


def check_lifetime_work_init(k: Kernel) -> None:
    """The lifetime worker's delayed work (its timer, on the kernel) and its first run.

    Kernel: net/ipv4/devinet.c DECLARE_DELAYED_WORK(check_lifetime_work), devinet_init."""
    work = ktimer.timer_list()
    ktimer.timer_setup(work, lambda _t: check_lifetime(k), 0)
    k.check_lifetime_work = work
    queue_check_lifetime(k)
