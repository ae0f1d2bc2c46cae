"""A small testbed for the neighbour/ARP tests: a real Kernel (time, timers, skbs), arp_tbl,
and minimal Ethernet-like devices with IPv4 addresses.

The address/route/device services ARP asks of other subsystems (devinet, fib_frontend, route,
dev_queue_xmit) are given by `Services`, patched onto the arp and neighbour modules, so these
tests do not depend on those subsystems' progress. Frames the devices transmit are recorded.
"""

from __future__ import annotations

import errno
import importlib
import struct
from dataclasses import dataclass, field
from typing import Any

from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as real_dev
from skbuff.net.core import dst as core_dst
from skbuff.net.core import skbuff as skbmod
from skbuff.net.core.net_namespace import Net, copy_net_ns
from skbuff.uapi.if_arp import ARPHRD_ETHER
from skbuff.uapi.if_ether import ETH_P_ARP, ETH_P_IP
from skbuff.uapi.if_link import IFF_BROADCAST, IFF_MULTICAST, IFF_UP
from skbuff.uapi.inet import in_aton
from skbuff.uapi.rtnetlink import (
    RT_SCOPE_UNIVERSE,
    RTN_BROADCAST,
    RTN_LOCAL,
    RTN_MULTICAST,
    RTN_UNICAST,
)
from skbuff.uapi.snmp import netns_mib

nb = importlib.import_module("skbuff.net.core.neighbour")
arp = importlib.import_module("skbuff.net.ipv4.arp")
neigh_lookup_noref = nb.___neigh_lookup_noref


def stat(tbl: Any, field: str) -> int:
    """A neigh_statistics counter summed over the CPUs (what `ip ntable` reports)."""
    return sum(getattr(st, field) for st in tbl.stats)

HZ = 1000
MS = 1_000_000


@dataclass
class ifa:
    local: int
    prefixlen: int
    scope: int = RT_SCOPE_UNIVERSE

    @property
    def mask(self) -> int:
        return (0xFFFFFFFF << (32 - self.prefixlen)) & 0xFFFFFFFF if self.prefixlen else 0

    def match(self, addr: int) -> bool:
        return (addr & self.mask) == (self.local & self.mask)


@dataclass
class InDev:
    dev: Any
    arp_parms: Any
    ifa_list: list[ifa] = field(default_factory=list)
    cnf: dict[str, int] = field(default_factory=dict)


class EthHeaderOps:
    """Ethernet header_ops: create pushes dst, src, proto. No header cache."""

    cache = None
    cache_update = None

    @staticmethod
    def create(skb: Any, dev: Any, type_: int, daddr: bytes | None, saddr: bytes | None,
               len_: int) -> int:
        off = skbmod.skb_push(skb, 14)
        skb.buf[off : off + 6] = daddr if daddr is not None else dev.broadcast
        skb.buf[off + 6 : off + 12] = saddr if saddr is not None else dev.dev_addr
        struct.pack_into("!H", skb.buf, off + 12, type_)
        return 14


class Dev:
    """The fields of net_device the neighbour code reads."""

    def __init__(self, net: Net, name: str, ifindex: int, mac: bytes) -> None:
        self.name = name
        self.ifindex = ifindex
        self.nd_net = net
        self.flags = IFF_UP | IFF_BROADCAST | IFF_MULTICAST
        self.type = ARPHRD_ETHER
        self.addr_len = 6
        self.dev_addr = mac
        self.broadcast = b"\xff" * 6
        self.hard_header_len = 14
        self.needed_headroom = 0
        self.needed_tailroom = 0
        self.header_ops: Any = EthHeaderOps()
        self.ip_ptr: InDev | None = None
        self.carrier = True
        self.sent: list[tuple[int, bytes]] = []


class Rt(core_dst.dst_entry):
    """An input/output route as ARP reads it: rt_type, dst.dev."""

    def __init__(self, ops: core_dst.dst_ops, dev: Any, rt_type: int, now: int) -> None:
        super().__init__(ops, dev, 0, 0, now)
        self.rt_type = rt_type
        self.rt_gw_family = 0
        self.rt_gw4 = 0

    @property
    def dst(self) -> Rt:
        return self


@dataclass
class Frame:
    t_ms: int
    eth_dst: bytes
    eth_src: bytes
    proto: int
    op: int = 0
    sha: bytes = b""
    sip: int = 0
    tha: bytes = b""
    tip: int = 0
    payload: bytes = b""


class Services:
    """devinet / fib_frontend / route / dev stand-ins over the testbed's devices."""

    NETDEV_CHANGE = real_dev.NETDEV_CHANGE
    NETDEV_CHANGEADDR = real_dev.NETDEV_CHANGEADDR

    def __init__(self, bed: NeighBed) -> None:
        self.bed = bed
        self.link_failures: list[Any] = []
        self.dst_ops = core_dst.dst_ops(
            2, lambda d, c: d, lambda d: 1460, lambda d: 1500,
            link_failure=self.link_failures.append,
        )
        setattr(self, "__dev_get_by_index", self.dev_by_index)
        setattr(self, "__dev_queue_xmit", lambda skb, sb_dev: self.dev_queue_xmit(skb))

    # devinet
    def _cnf(self, in_dev: InDev, name: str) -> int:
        return in_dev.cnf.get(name, 1 if name == "arp_evict_nocarrier" else 0)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("IN_DEV_"):
            key = {"IN_DEV_ARPFILTER": "arp_filter", "IN_DEV_FORWARD": "forwarding"}.get(
                name, name[len("IN_DEV_"):].lower()
            )
            return lambda in_dev: self._cnf(in_dev, key)
        raise AttributeError(name)

    def _devs(self, net: Net) -> list[Dev]:
        return [d for d in self.bed.devs if d.nd_net is net]

    def inet_confirm_addr(self, net: Net, in_dev: InDev | None, dst: int, local: int,
                          scope: int) -> int:
        devs = [in_dev.dev] if in_dev is not None else self._devs(net)
        for d in devs:
            for a in d.ip_ptr.ifa_list:
                if local and a.local != local:
                    continue
                if a.scope > scope:
                    continue
                if dst and not a.match(dst):
                    continue
                return a.local
        return 0

    def inet_select_addr(self, dev: Dev, dst: int, scope: int) -> int:
        addrs = dev.ip_ptr.ifa_list
        for a in addrs:
            if a.match(dst):
                return a.local
        return addrs[0].local if addrs else 0

    def inet_ifa_match(self, addr: int, a: ifa) -> bool:
        return a.match(addr)

    def inet_addr_onlink(self, in_dev: InDev, a: int, b: int) -> bool:
        return any(x.match(a) and (not b or x.match(b)) for x in in_dev.ifa_list)

    # fib_frontend
    def inet_addr_type_dev_table(self, net: Net, dev: Dev, addr: int) -> int:
        if addr == 0xFFFFFFFF:
            return RTN_BROADCAST
        if (addr & 0xF0000000) == 0xE0000000:
            return RTN_MULTICAST
        for d in self._devs(net):
            for a in d.ip_ptr.ifa_list:
                if a.local == addr:
                    return RTN_LOCAL
                if a.prefixlen < 31 and addr == (a.local | (~a.mask & 0xFFFFFFFF)):
                    return RTN_BROADCAST
        return RTN_UNICAST

    # route
    def _route(self, net: Net, daddr: int) -> Rt | int:
        k = self.bed.k
        if self.inet_addr_type_dev_table(net, self._devs(net)[0], daddr) == RTN_LOCAL:
            return Rt(self.dst_ops, self.bed.lo_of(net), RTN_LOCAL, k.jiffies)
        for d in self._devs(net):
            if any(a.match(daddr) for a in d.ip_ptr.ifa_list):
                return Rt(self.dst_ops, d, RTN_UNICAST, k.jiffies)
        return -errno.ENETUNREACH

    def ip_route_input_noref(self, skb: Any, daddr: int, saddr: int, tos: int, dev: Dev) -> int:
        rt = self._route(dev.nd_net, daddr)
        if isinstance(rt, int):
            return rt
        skbmod.skb_dst_set(skb, rt)
        return 0

    def ip_route_output_key(self, net: Net, fl4: Any) -> Rt | int:
        return self._route(net, fl4.daddr)

    def rt_cache_flush(self, net: Net) -> None:
        self.bed.flushes += 1

    def dst_release(self, dst: Any) -> None:
        core_dst.dst_release(dst)

    # dev
    def dev_hard_header(self, skb: Any, dev: Dev, type_: int, daddr: bytes | None,
                        saddr: bytes | None, len_: int) -> int:
        if dev.header_ops is None:
            return 0
        return int(dev.header_ops.create(skb, dev, type_, daddr, saddr, len_))

    def dev_queue_xmit(self, skb: Any) -> int:
        dev = skb.dev
        dev.sent.append((self.bed.k.jiffies, skbmod.skb_copy_bits(skb, 0, skb.len)))
        skbmod.consume_skb(skb)
        return 0

    def netif_running(self, dev: Dev) -> bool:
        return bool(dev.flags & IFF_UP)

    def netif_carrier_ok(self, dev: Dev) -> bool:
        return dev.carrier

    def dev_by_index(self, net: Net, ifindex: int) -> Dev | None:
        """__dev_get_by_index (installed under that name by __init__)."""
        for d in self._devs(net):
            if d.ifindex == ifindex:
                return d
        return None


class NeighBed:
    """One kernel, init_net, arp_tbl, and devices added with `add_dev`."""

    def __init__(self, monkeypatch: Any, seed: int = 0) -> None:
        self.k = k = Kernel(seed=seed, hz=HZ, ncpus=1)
        self.devs: list[Dev] = []
        self.los: dict[Net, Dev] = {}
        self.flushes = 0
        self.svc = svc = Services(self)
        for mod in ("devinet", "fib_frontend", "route"):
            monkeypatch.setattr(arp, mod, svc)
        monkeypatch.setattr(arp, "netdev", svc)
        monkeypatch.setattr(arp, "dst", svc)
        monkeypatch.setattr(nb, "netdev", svc)
        with k:
            k.init_net = copy_net_ns(k, "")
            if not hasattr(k.init_net, "mib"):
                k.init_net.mib = netns_mib()
            skbmod.skb_init(k)
            self.tbl = arp.arp_table(k)
            vars(k)["arp_tbl"] = self.tbl
            nb.neigh_table_init(k, self.tbl)
        self.t0 = k.jiffies

    def lo_of(self, net: Net) -> Dev:
        return self.los.get(net) or self.devs[0]

    def add_dev(self, name: str, mac: str, addr: str, prefixlen: int = 24,
                net: Net | None = None, **cnf: int) -> Dev:
        net = net or self.k.init_net
        dev = Dev(net, name, len(self.devs) + 2, bytes.fromhex(mac.replace(":", "")))
        with self.k:
            parms = nb.neigh_parms_alloc(dev, self.tbl)
        dev.ip_ptr = InDev(dev, parms, [ifa(in_aton(addr), prefixlen)], dict(cnf))
        self.devs.append(dev)
        return dev

    def now_ms(self) -> int:
        return (self.k.jiffies - self.t0) * 1000 // HZ

    def run_ms(self, ms: int) -> None:
        self.k.run_for(ms * MS)

    def call(self, fn: Any, *args: Any) -> Any:
        """Run `fn` in softirq-like kernel context (bottom halves are where neigh code runs)."""
        return self.k.run_task(fn, *args)

    def ip_skb(self, dev: Dev, saddr: str, daddr: str, size: int = 100) -> Any:
        """An IPv4 packet routed out of `dev` (network header at data, dst attached)."""
        with self.k:
            skb = skbmod.alloc_skb(size + 64, 0)
            skbmod.skb_reserve(skb, 64)
            skbmod.skb_reset_network_header(skb)
            skbmod.skb_put(skb, size)
            struct.pack_into("!BBHHHBBHII", skb.buf, skb.data, 0x45, 0, size, 0, 0, 64, 17, 0,
                             in_aton(saddr), in_aton(daddr))
            skb.dev = dev
            skb.protocol = ETH_P_IP
            skbmod.skb_dst_set(skb, Rt(self.svc.dst_ops, dev, RTN_UNICAST, self.k.jiffies))
        return skb

    def arp_frame(self, dev: Dev, op: int, sha: str, sip: str, tha: str, tip: str,
                  pkt_type: int = 0) -> Any:
        """An ARP packet as received on `dev` (data at the ARP header, as after eth_type_trans)."""
        with self.k:
            skb = skbmod.alloc_skb(128, 0)
            skbmod.skb_reserve(skb, 64)
            skbmod.skb_reset_network_header(skb)
            skbmod.skb_put(skb, 28)
            struct.pack_into("!HHBBH", skb.buf, skb.data, 1, ETH_P_IP, 6, 4, op)
            off = skb.data + 8
            skb.buf[off : off + 6] = bytes.fromhex(sha.replace(":", ""))
            struct.pack_into("!I", skb.buf, off + 6, in_aton(sip))
            skb.buf[off + 10 : off + 16] = bytes.fromhex(tha.replace(":", ""))
            struct.pack_into("!I", skb.buf, off + 16, in_aton(tip))
            skb.dev = dev
            skb.protocol = ETH_P_ARP
            skb.pkt_type = pkt_type
        return skb

    def rx(self, dev: Dev, skb: Any) -> int:
        return int(self.call(arp.arp_rcv, skb, dev, None, dev))

    def frames(self, dev: Dev) -> list[Frame]:
        out = []
        for j, raw in dev.sent:
            proto = struct.unpack_from("!H", raw, 12)[0]
            f = Frame((j - self.t0) * 1000 // HZ, raw[0:6], raw[6:12], proto, payload=raw[14:])
            if proto == ETH_P_ARP:
                f.op = struct.unpack_from("!H", raw, 20)[0]
                f.sha = raw[22:28]
                f.sip = struct.unpack_from("!I", raw, 28)[0]
                f.tha = raw[32:38]
                f.tip = struct.unpack_from("!I", raw, 38)[0]
            out.append(f)
        return out

    def neigh(self, dev: Dev, addr: str) -> Any:
        return neigh_lookup_noref(self.tbl, in_aton(addr), dev)


