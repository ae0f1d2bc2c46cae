"""route.c: input and output lookups, nexthop caching, PMTU exceptions, ip_error, redirects,
`ip route get` and the procfs files. The FIB is a small hand-built table behind
`fib_lookup` (monkeypatched), devices are minimal stand-ins with real in_device/in_ifaddr,
so these tests exercise route.c alone (net/ipv4/route.c)."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skbuff.kernel.kernel import Kernel
from skbuff.net import flow
from skbuff.net.core import dst as core_dst
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.core.net_namespace import Net
from skbuff.net.core.rtnetlink import netlink_ext_ack
from skbuff.net.ipv4 import (
    devinet,
    fib_trie,
    inetpeer,
    ip_fib,
    ip_input,
    ip_options,
    ip_output,
    route,
)
from skbuff.net.ipv4 import ip_forward as ip_forward_mod
from skbuff.net.ipv4.fib_decision import DecisionRecord
from skbuff.uapi import if_link, snmp
from skbuff.uapi import rtnetlink as uapi_rt

HZ = 1000
SEC = 1_000_000_000


def ip(s: str) -> int:
    a, b, c, d = (int(x) for x in s.split("."))
    return a << 24 | b << 16 | c << 8 | d


class FakeDev:
    __slots__ = (
        "flags",
        "group",
        "hard_header_len",
        "ifindex",
        "ip_ptr",
        "mtu",
        "name",
        "nd_net",
        "type",
    )

    def __init__(self, net: Net, name: str, ifindex: int, flags: int, mtu: int) -> None:
        self.name = name
        self.ifindex = ifindex
        self.nd_net = net
        self.flags = flags
        self.mtu = mtu
        self.hard_header_len = 0 if flags & if_link.IFF_LOOPBACK else 14
        self.group = 0
        self.type = 1
        cnf = devinet.ipv4_devconf(_conf())
        self.ip_ptr = devinet.in_device(self, cnf)  # type: ignore[arg-type]
        net.dev_base_head[name] = self  # type: ignore[assignment]
        net.dev_index_head[ifindex] = self  # type: ignore[assignment]

    def addr(self, local: str, plen: int, scope: int = uapi_rt.RT_SCOPE_UNIVERSE) -> None:
        ifa = devinet.in_ifaddr(self.ip_ptr)
        ifa.ifa_local = ifa.ifa_address = ip(local)
        ifa.ifa_prefixlen = plen
        ifa.ifa_mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
        ifa.ifa_scope = scope
        self.ip_ptr.ifa_list.append(ifa)
        devinet.inet_hash_insert(self.nd_net, ifa)  # type: ignore[arg-type]

    def conf(self, attr: int, val: int) -> None:
        self.ip_ptr.cnf.data[attr - 1] = val


def _conf() -> list[int]:
    data = [0] * devinet.IPV4_DEVCONF_MAX
    for attr in (devinet.IPV4_DEVCONF_ACCEPT_REDIRECTS, devinet.IPV4_DEVCONF_SEND_REDIRECTS,
                 devinet.IPV4_DEVCONF_SECURE_REDIRECTS, devinet.IPV4_DEVCONF_SHARED_MEDIA):
        data[attr - 1] = 1
    return data


@dataclass
class Route:
    prefix: int
    plen: int
    type: int
    fi: ip_fib.fib_info | None
    dscp: int = 0


ERR = {uapi_rt.RTN_UNREACHABLE: -errno.EHOSTUNREACH, uapi_rt.RTN_PROHIBIT: -errno.EACCES,
       uapi_rt.RTN_BLACKHOLE: -errno.EINVAL}


@dataclass
class Env:
    k: Kernel
    net: Net
    lo: FakeDev
    eth0: FakeDev
    eth1: FakeDev
    routes: list[Route] = field(default_factory=list)
    icmp: list[tuple[int, int, int]] = field(default_factory=list)
    validate: int = 0
    table: ip_fib.fib_table = field(default_factory=lambda: ip_fib.fib_table(100, None, None))

    def route(self, dst: str, plen: int, dev: FakeDev | None, gw: str = "",
              rtype: int = uapi_rt.RTN_UNICAST, prefsrc: str = "") -> ip_fib.fib_info | None:
        fi = None
        if dev is not None:
            fi = ip_fib.fib_info(self.net)
            nh = ip_fib.fib_nh()
            nh.nhc_dev = dev  # type: ignore[assignment]
            nh.nhc_oif = dev.ifindex
            if gw:
                nh.nhc_gw_family = uapi_rt.AF_INET
                nh.nhc_gw = ip(gw)
                nh.nhc_scope = uapi_rt.RT_SCOPE_LINK
            else:
                nh.nhc_scope = uapi_rt.RT_SCOPE_HOST
            fi.fib_nh = [nh]
            fi.fib_nhs = 1
            fi.fib_prefsrc = ip(prefsrc) if prefsrc else 0
        self.routes.append(Route(ip(dst), plen, rtype, fi))
        route.rt_cache_flush(self.net)
        return fi

    def fib_lookup(self, net: Net, fl4: flow.flowi4, res: ip_fib.fib_result, flags: int) -> int:
        best: Route | None = None
        for r in self.routes:
            mask = (0xFFFFFFFF << (32 - r.plen)) & 0xFFFFFFFF if r.plen else 0
            if fl4.daddr & mask == r.prefix and (best is None or r.plen > best.plen):
                best = r
        if best is None:
            return -errno.ENETUNREACH
        if best.type in ERR:
            return ERR[best.type]
        res.prefix, res.prefixlen, res.type, res.fi = best.prefix, best.plen, best.type, best.fi
        res.nhc = best.fi.fib_nh[0] if best.fi is not None else None
        res.nh_sel = 0
        res.table = self.table
        if best.fi is not None:
            res.fa_head = fib_trie.leaf_new(best.prefix, ip_fib.fib_alias(
                best.fi, best.dscp, best.type, 32 - best.plen, 254))
        return 0

    def select_path(self, net: Net, res: ip_fib.fib_result, fl4: flow.flowi4, skb: Any) -> None:
        if not fl4.saddr and res.fi is not None:
            fi = res.fi
            dev = fi.fib_nh[0].nhc_dev
            assert dev is not None
            fl4.saddr = fi.fib_prefsrc or devinet.inet_select_addr(dev, fl4.daddr,
                                                                   uapi_rt.RT_SCOPE_UNIVERSE)
            if fl4.decision is not None:  # as the real fib_select_path records it
                fl4.decision.source(fl4.saddr, "inet_select_addr")

    def validate_source(self, skb: Any, src: int, dst: int, tos: int, oif: int, dev: Any,
                        idev: Any, itag: list[int]) -> int:
        return self.validate


@pytest.fixture
def env(kernel: Kernel, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    net = Net(kernel, "rt")
    net.ipv4.devconf_all = devinet.ipv4_devconf(_conf())
    net.mib = snmp.netns_mib() if hasattr(snmp, "netns_mib") else net.mib
    net.ipv4.ip_rt = route.ip_rt_globals(kernel)
    net.ipv4.peers = inetpeer.inet_peer_base_init(kernel)
    net.ipv4.ip_rt_mtu_expires = 600 * kernel.hz
    lo = FakeDev(net, "lo", 1, if_link.IFF_UP | if_link.IFF_LOOPBACK, 65536)
    lo.addr("127.0.0.1", 8, uapi_rt.RT_SCOPE_HOST)
    net.loopback_dev = lo  # type: ignore[assignment]
    eth0 = FakeDev(net, "eth0", 2, if_link.IFF_UP, 1500)
    eth0.addr("10.0.0.2", 24)
    eth1 = FakeDev(net, "eth1", 3, if_link.IFF_UP, 1500)
    eth1.addr("10.1.0.2", 24)
    e = Env(kernel, net, lo, eth0, eth1)
    monkeypatch.setattr(route.ipv4_fib_rules, "fib_lookup", e.fib_lookup)
    monkeypatch.setattr(route.fib_semantics, "fib_select_path", e.select_path)
    monkeypatch.setattr(route.fib_frontend, "fib_validate_source", e.validate_source)
    monkeypatch.setattr(route.icmp, "icmp_send",
                        lambda skb, t, c, info: e.icmp.append((t, c, info)))
    e.route("10.0.0.2", 32, lo, rtype=uapi_rt.RTN_LOCAL, prefsrc="10.0.0.2")
    e.route("10.0.0.0", 24, eth0, prefsrc="10.0.0.2")
    e.route("10.1.0.0", 24, eth1, prefsrc="10.1.0.2")
    e.route("10.0.0.255", 32, eth0, rtype=uapi_rt.RTN_BROADCAST)
    yield e


def stat(e: Env, col: str) -> int:
    i = route.RT_CACHE_STAT_COLUMNS.index(col)
    return sum(cpu[i] for cpu in e.net.ipv4.ip_rt.rt_cache_stat)


def rx_skb(e: Env, dev: FakeDev, src: str, dst: str) -> core_skbuff.sk_buff:
    skb = route.inet_rtm_getroute_build_skb(ip(src), ip(dst), 17, 0, 0)
    skb.dev = dev
    return skb


def route_in(e: Env, dev: FakeDev, src: str, dst: str, tos: int = 0
             ) -> tuple[int, core_skbuff.sk_buff]:
    skb = rx_skb(e, dev, src, dst)
    return route.ip_route_input_noref(skb, ip(dst), ip(src), tos, dev), skb  # type: ignore[arg-type]


def out(e: Env, dst: str, **kw: Any) -> tuple[route.rtable | int, flow.flowi4]:
    fl4 = flow.flowi4(daddr=ip(dst), flowi4_iif=flow.LOOPBACK_IFINDEX, **kw)
    return route.ip_route_output_key(e.net, fl4), fl4


# --- input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("src,dst,col", [
    ("224.0.0.5", "10.0.0.2", "in_martian_src"),
    ("255.255.255.255", "10.0.0.2", "in_martian_src"),
    ("0.1.2.3", "10.0.0.2", "in_martian_src"),
    ("10.0.0.9", "0.0.0.7", "in_martian_dst"),
    ("10.0.0.9", "127.0.0.1", "in_martian_dst"),
    ("127.0.0.1", "10.0.0.2", "in_martian_src"),
])
def test_input_martians(env: Env, src: str, dst: str, col: str) -> None:
    err, skb = route_in(env, env.eth0, src, dst)
    assert err == -errno.EINVAL
    assert core_skbuff.skb_dst(skb) is None
    assert stat(env, col) == 1
    core_skbuff.kfree_skb(skb)


def test_martian_logged_with_log_martians(env: Env) -> None:
    env.eth0.conf(devinet.IPV4_DEVCONF_LOG_MARTIANS, 1)
    route_in(env, env.eth0, "10.0.0.9", "0.0.0.7")
    route_in(env, env.eth0, "224.0.0.5", "10.0.0.2")
    texts = [r.text for r in env.k.dmesg]
    assert "martian destination 0.0.0.7 from 10.0.0.9, dev eth0" in texts
    assert "martian source 10.0.0.2 from 224.0.0.5, on dev eth0" in texts


def test_input_local_uses_lo_and_caches_on_nexthop(env: Env) -> None:
    err, skb = route_in(env, env.eth0, "10.0.0.9", "10.0.0.2")
    assert err == 0
    rt = route.skb_rtable(skb)
    assert rt.dev is env.lo and rt.rt_flags & route.RTCF_LOCAL and rt.rt_is_input
    assert rt.output is route.ip_rt_bug and rt.rt_type == uapi_rt.RTN_LOCAL
    assert stat(env, "in_slow_tot") == 1
    err, skb2 = route_in(env, env.eth0, "10.0.0.10", "10.0.0.2")
    assert route.skb_rtable(skb2) is rt  # nexthop-cached input dst, no new slow path
    assert stat(env, "in_slow_tot") == 1
    route.rt_cache_flush(env.net)  # genid bump: the cached dst is stale
    err, skb3 = route_in(env, env.eth0, "10.0.0.10", "10.0.0.2")
    assert route.skb_rtable(skb3) is not rt and stat(env, "in_slow_tot") == 2
    for s in (skb, skb2, skb3):
        core_skbuff.kfree_skb(s)


def test_input_broadcast(env: Env) -> None:
    for dst in ("255.255.255.255", "10.0.0.255"):
        err, skb = route_in(env, env.eth0, "10.0.0.9", dst)
        assert err == 0
        rt = route.skb_rtable(skb)
        assert rt.rt_flags & route.RTCF_BROADCAST and rt.rt_type == uapi_rt.RTN_BROADCAST
        core_skbuff.kfree_skb(skb)
    assert stat(env, "in_brd") == 2


@pytest.mark.parametrize("forwarding,want", [(0, errno.EHOSTUNREACH), (1, errno.ENETUNREACH)])
def test_input_no_route(env: Env, forwarding: int, want: int) -> None:
    env.eth0.conf(devinet.IPV4_DEVCONF_FORWARDING, forwarding)
    err, skb = route_in(env, env.eth0, "10.0.0.9", "192.0.2.1")
    assert err == 0
    rt = route.skb_rtable(skb)
    assert rt.input is route.ip_error and rt.error == want
    assert rt.rt_type == uapi_rt.RTN_UNREACHABLE and not rt.rt_flags & route.RTCF_LOCAL
    assert stat(env, "in_no_route") == 1
    core_skbuff.kfree_skb(skb)


def test_input_unicast_needs_forwarding(env: Env) -> None:
    err, skb = route_in(env, env.eth0, "10.0.0.9", "10.1.0.7")
    assert err == 0 and route.skb_rtable(skb).error == errno.EHOSTUNREACH
    core_skbuff.kfree_skb(skb)
    env.eth0.conf(devinet.IPV4_DEVCONF_FORWARDING, 1)
    err, skb = route_in(env, env.eth0, "10.0.0.9", "10.1.0.7")
    rt = route.skb_rtable(skb)
    assert err == 0 and rt.dev is env.eth1 and rt.input is ip_forward_mod.ip_forward
    assert not ip_options.IPCB(skb).flags & ip_options.IPSKB_DOREDIRECT
    core_skbuff.kfree_skb(skb)


def test_input_redirect_flag_same_interface(env: Env) -> None:
    env.eth0.conf(devinet.IPV4_DEVCONF_FORWARDING, 1)
    env.route("192.0.2.0", 24, env.eth0, gw="10.0.0.1")
    env.validate = 1  # source on-link
    err, skb = route_in(env, env.eth0, "10.0.0.9", "192.0.2.5")
    rt = route.skb_rtable(skb)
    assert err == 0 and rt.dev is env.eth0 and rt.rt_gw4 == ip("10.0.0.1")
    assert ip_options.IPCB(skb).flags & ip_options.IPSKB_DOREDIRECT
    core_skbuff.kfree_skb(skb)


def test_input_rp_filter_failure_is_martian_source(env: Env) -> None:
    env.eth0.conf(devinet.IPV4_DEVCONF_FORWARDING, 1)
    env.validate = -errno.EXDEV
    err, skb = route_in(env, env.eth0, "10.1.0.9", "10.1.0.7")
    assert err == -errno.EXDEV and core_skbuff.skb_dst(skb) is None
    assert stat(env, "in_martian_src") == 1
    core_skbuff.kfree_skb(skb)


def test_input_anycast_is_martian_destination(env: Env) -> None:
    env.eth0.conf(devinet.IPV4_DEVCONF_FORWARDING, 1)
    env.route("10.1.0.0", 32, env.eth1, rtype=uapi_rt.RTN_ANYCAST)
    err, _ = route_in(env, env.eth0, "10.0.0.9", "10.1.0.0")
    assert err == -errno.EINVAL and stat(env, "in_martian_dst") == 1


# --- ip_error ------------------------------------------------------------------------------

def _error_skb(env: Env, dst: str, forwarding: int) -> core_skbuff.sk_buff:
    env.eth0.conf(devinet.IPV4_DEVCONF_FORWARDING, forwarding)
    err, skb = route_in(env, env.eth0, "10.0.0.9", dst)
    assert err == 0
    return skb


def test_ip_error_not_forwarding_is_silent(env: Env) -> None:
    skb = _error_skb(env, "192.0.2.1", 0)
    route.ip_error(skb)
    assert env.icmp == []
    assert env.net.mib.ip_statistics[snmp.IPSTATS_MIB_INADDRERRORS] == 1


@pytest.mark.parametrize("rtype,code", [
    (uapi_rt.RTN_UNREACHABLE, route.ICMP_HOST_UNREACH),
    (uapi_rt.RTN_PROHIBIT, route.ICMP_PKT_FILTERED),
    (uapi_rt.RTN_BLACKHOLE, None),
])
def test_ip_error_codes(env: Env, rtype: int, code: int | None) -> None:
    env.route("192.0.2.0", 24, None, rtype=rtype)
    skb = _error_skb(env, "192.0.2.1", 1)
    assert route.skb_rtable(skb).error == -ERR[rtype]
    route.ip_error(skb)
    assert env.icmp == ([] if code is None else [(route.ICMP_DEST_UNREACH, code, 0)])


def test_ip_error_net_unreach_and_rate_limit(env: Env) -> None:
    for _ in range(8):
        route.ip_error(_error_skb(env, "192.0.2.1", 1))
    # a new peer starts with 60 s of tokens capped at error_burst (5 s) → 5 sends of cost 1 s
    assert env.icmp == [(route.ICMP_DEST_UNREACH, route.ICMP_NET_UNREACH, 0)] * 5
    assert env.net.mib.ip_statistics[snmp.IPSTATS_MIB_INNOROUTES] == 8
    env.k.run_for(1 * SEC)
    route.ip_error(_error_skb(env, "192.0.2.1", 1))
    assert len(env.icmp) == 6


# --- output --------------------------------------------------------------------------------

def test_output_unicast_source_and_cache(env: Env) -> None:
    rt, fl4 = out(env, "10.1.0.7")
    assert isinstance(rt, route.rtable)
    assert rt.dev is env.eth1 and fl4.saddr == ip("10.1.0.2") and fl4.flowi4_oif == 0
    assert rt.output is ip_output.ip_output and not rt.rt_uses_gateway
    assert stat(env, "out_slow_tot") == 1
    rt2, _ = out(env, "10.1.0.8")
    assert rt2 is rt and stat(env, "out_slow_tot") == 1  # per-CPU nexthop cache
    assert rt.refcnt == 3  # cache + two lookups
    core_dst.dst_release(rt)
    core_dst.dst_release(rt2)


def test_output_gateway(env: Env) -> None:
    env.route("0.0.0.0", 0, env.eth0, gw="10.0.0.1")
    rt, fl4 = out(env, "198.51.100.1")
    assert isinstance(rt, route.rtable)
    assert rt.rt_uses_gateway and rt.rt_gw4 == ip("10.0.0.1") and fl4.saddr == ip("10.0.0.2")


def test_output_local_goes_via_lo(env: Env) -> None:
    rt, fl4 = out(env, "10.0.0.2")
    assert isinstance(rt, route.rtable)
    assert rt.dev is env.lo and rt.rt_flags & route.RTCF_LOCAL
    assert rt.input is ip_input.ip_local_deliver and fl4.saddr == ip("10.0.0.2")
    assert fl4.flowi4_oif == 1
    rt0, fl0 = out(env, "0.0.0.0")
    assert isinstance(rt0, route.rtable)
    assert fl0.daddr == fl0.saddr == ip("127.0.0.1") and rt0.dev is env.lo


def test_output_errors(env: Env) -> None:
    assert out(env, "192.0.2.1")[0] == -errno.ENETUNREACH
    env.route("198.51.100.0", 24, None, rtype=uapi_rt.RTN_PROHIBIT)
    env.route("198.51.101.0", 24, None, rtype=uapi_rt.RTN_UNREACHABLE)
    env.route("198.51.102.0", 24, None, rtype=uapi_rt.RTN_BLACKHOLE)
    assert out(env, "198.51.100.1")[0] == -errno.EACCES
    assert out(env, "198.51.101.1")[0] == -errno.EHOSTUNREACH
    assert out(env, "198.51.102.1")[0] == -errno.EINVAL
    assert out(env, "10.1.0.7", saddr=ip("224.0.0.1"))[0] == -errno.EINVAL
    assert out(env, "10.1.0.7", saddr=ip("192.0.2.99"))[0] == -errno.ENETUNREACH
    assert out(env, "10.1.0.7", saddr=ip("192.0.2.99"),
               flowi4_flags=flow.FLOWI_FLAG_ANYSRC)[0] != -errno.ENETUNREACH
    assert out(env, "10.1.0.7", flowi4_oif=42)[0] == -errno.ENODEV
    env.eth1.flags = 0
    assert out(env, "10.1.0.7", flowi4_oif=3)[0] == -errno.ENETUNREACH


def test_output_oif_without_route_assumes_onlink(env: Env) -> None:
    rt, fl4 = out(env, "192.0.2.1", flowi4_oif=3)
    assert isinstance(rt, route.rtable)
    assert rt.dev is env.eth1 and rt.rt_type == uapi_rt.RTN_UNICAST
    assert fl4.saddr == ip("10.1.0.2") and not rt.rt_uses_gateway


def test_output_broadcast_and_multicast(env: Env) -> None:
    rt, _ = out(env, "255.255.255.255", flowi4_oif=2)
    assert isinstance(rt, route.rtable)
    assert rt.rt_flags & route.RTCF_BROADCAST and rt.output is ip_output.ip_mc_output
    assert stat(env, "out_slow_mc") == 1


def test_output_decision_record(env: Env) -> None:
    rec = DecisionRecord()
    rt, _ = out(env, "10.1.0.7", decision=rec)
    assert isinstance(rt, route.rtable)
    kinds = [s["kind"] for s in rec.steps]
    assert kinds[-2:] == ["source", "result"]
    assert rec.steps[-2]["addr"] == ip("10.1.0.2")
    assert "dev=eth1" in rec.steps[-1]["desc"]


# --- PMTU exceptions -----------------------------------------------------------------------

def test_pmtu_learned_expires_and_genid(env: Env) -> None:
    env.route("0.0.0.0", 0, env.eth0, gw="10.0.0.1")
    rt, fl4 = out(env, "198.51.100.1")
    assert isinstance(rt, route.rtable) and route.ipv4_mtu(rt) == 1500
    route.__ip_rt_update_pmtu(rt, fl4, 1400)
    assert rt.obsolete == core_dst.DST_OBSOLETE_KILL  # new exception: cached dst re-checks
    assert core_dst.dst_check(rt, 0) is None
    rt2, _ = out(env, "198.51.100.1")
    assert isinstance(rt2, route.rtable) and rt2 is not rt
    assert route.ipv4_mtu(rt2) == 1400 and rt2.rt_pmtu == 1400 and not rt2.rt_mtu_locked
    assert rt2.expires == env.k.jiffies + 600 * HZ
    # other destinations behind the same nexthop are unaffected
    rt3, _ = out(env, "198.51.100.2")
    assert isinstance(rt3, route.rtable) and route.ipv4_mtu(rt3) == 1500
    # a bigger "learned" MTU is ignored
    route.__ip_rt_update_pmtu(rt2, fl4, 1480)
    assert route.ipv4_mtu(rt2) == 1400
    env.k.run_for(601 * SEC)
    assert route.ipv4_mtu(rt2) == 1500  # expired: back to the device MTU
    rt4, _ = out(env, "198.51.100.1")
    assert isinstance(rt4, route.rtable) and route.ipv4_mtu(rt4) == 1500


def test_pmtu_below_min_pmtu_is_locked(env: Env) -> None:
    env.route("0.0.0.0", 0, env.eth0, gw="10.0.0.1")
    rt, fl4 = out(env, "198.51.100.1")
    assert isinstance(rt, route.rtable)
    route.__ip_rt_update_pmtu(rt, fl4, 300)
    rt2, _ = out(env, "198.51.100.1")
    assert isinstance(rt2, route.rtable)
    assert route.ipv4_mtu(rt2) == 552 and rt2.rt_mtu_locked
    route.__ip_rt_update_pmtu(rt2, fl4, 400)  # locked: no further updates
    assert route.ipv4_mtu(rt2) == 552


def test_fnhe_chain_reclaim(env: Env) -> None:
    fi = env.route("0.0.0.0", 0, env.eth0, gw="10.0.0.1")
    assert fi is not None
    nhc = fi.fib_nh[0]
    base = ip("198.51.100.0")
    same_bucket = [a for a in range(base, base + 200000)
                   if route.fnhe_hashfun(a) == route.fnhe_hashfun(base)][:20]
    for a in same_bucket:
        route.update_or_create_fnhe(nhc, a, 0, 1400, False, env.k.jiffies + 1000)
    chain = nhc.nhc_exceptions[route.fnhe_hashfun(base)]
    assert 5 <= len(chain) <= 2 * route.FNHE_RECLAIM_DEPTH
    assert chain[0].fnhe_daddr == same_bucket[-1]


# --- redirects -----------------------------------------------------------------------------

def test_send_redirect_token_bucket(env: Env) -> None:
    env.eth0.conf(devinet.IPV4_DEVCONF_FORWARDING, 1)
    env.route("192.0.2.0", 24, env.eth0, gw="10.0.0.1")
    env.validate = 1

    def forward_one() -> None:
        err, skb = route_in(env, env.eth0, "10.0.0.9", "192.0.2.5")
        assert err == 0
        route.ip_rt_send_redirect(skb)
        core_skbuff.kfree_skb(skb)

    g = env.net.ipv4.ip_rt
    sent_at = []
    for _ in range(3000):
        before = len(env.icmp)
        forward_one()
        if len(env.icmp) > before:
            sent_at.append(env.k.jiffies)
        env.k.run_for(5_000_000)  # 5 ms between packets
    assert all(c == (route.ICMP_REDIRECT, route.ICMP_REDIR_HOST, ip("10.0.0.1"))
               for c in env.icmp)
    assert len(sent_at) == g.redirect_number  # 9, then silence
    gaps = [b - a for a, b in zip(sent_at, sent_at[1:])]
    for n, gap in enumerate(gaps, start=1):
        assert gap > g.redirect_load << n - 1  # spacing doubles
    # after redirect_silence without redirected traffic the algorithm resets
    env.k.run_for((g.redirect_silence + 10) * SEC // HZ)
    forward_one()
    assert len(env.icmp) == g.redirect_number + 1


def test_send_redirect_log_when_ignored(env: Env) -> None:
    env.eth0.conf(devinet.IPV4_DEVCONF_FORWARDING, 1)
    env.eth0.conf(devinet.IPV4_DEVCONF_LOG_MARTIANS, 1)
    env.route("192.0.2.0", 24, env.eth0, gw="10.0.0.1")
    env.validate = 1
    for _ in range(9):
        _, skb = route_in(env, env.eth0, "10.0.0.9", "192.0.2.5")
        skb.skb_iif = 2
        route.ip_rt_send_redirect(skb)
        core_skbuff.kfree_skb(skb)
        env.k.run_for(10 * SEC)  # > redirect_load << 8, < redirect_silence
    assert any(r.text == "host 10.0.0.9/if2 ignores redirects for 192.0.2.5 to 10.0.0.1"
               for r in env.k.dmesg)


# --- ip route get, procfs, sysctl handler --------------------------------------------------

def getroute(env: Env, **attrs: Any) -> tuple[int, Any]:
    tos = attrs.pop("tos", 0)
    flags = attrs.pop("rtm_flags", 0)
    msg = uapi_rt.nlmsg(type=uapi_rt.RTM_GETROUTE,
                        hdr=uapi_rt.rtmsg(family=uapi_rt.AF_INET, dst_len=32, tos=tos,
                                          flags=flags),
                        attrs={getattr(uapi_rt, k): v for k, v in attrs.items()})
    ext = netlink_ext_ack()
    err = route.inet_rtm_getroute(env.net, msg, ext)
    return err, ext.replies[0] if ext.replies else None


def test_getroute_output(env: Env) -> None:
    env.route("0.0.0.0", 0, env.eth0, gw="10.0.0.1")
    err, m = getroute(env, RTA_DST=ip("198.51.100.1"))
    assert err == 0
    assert m.hdr.flags & uapi_rt.RTM_F_CLONED and m.hdr.dst_len == 32
    assert m.hdr.table == uapi_rt.RT_TABLE_MAIN
    a = m.attrs
    assert a[uapi_rt.RTA_DST] == ip("198.51.100.1") and a[uapi_rt.RTA_OIF] == 2
    assert a[uapi_rt.RTA_GATEWAY] == ip("10.0.0.1") and a[uapi_rt.RTA_PREFSRC] == ip("10.0.0.2")
    assert a[uapi_rt.RTA_UID] == 0 and uapi_rt.RTA_IIF not in a
    assert uapi_rt.RTA_METRICS not in a
    rt, fl4 = out(env, "198.51.100.1")
    assert isinstance(rt, route.rtable)
    route.__ip_rt_update_pmtu(rt, fl4, 1300)
    env.k.run_for(10 * SEC)
    err, m = getroute(env, RTA_DST=ip("198.51.100.1"))
    assert m.attrs[uapi_rt.RTA_METRICS] == {uapi_rt.RTAX_MTU: 1300}
    assert m.attrs[uapi_rt.RTA_CACHEINFO].rta_expires == 590 * 100  # clock_t (USER_HZ)


def test_getroute_errors(env: Env) -> None:
    assert getroute(env, RTA_DST=ip("192.0.2.1"))[0] == -errno.ENETUNREACH
    env.route("198.51.100.0", 24, None, rtype=uapi_rt.RTN_PROHIBIT)
    assert getroute(env, RTA_DST=ip("198.51.100.1"))[0] == -errno.EACCES
    assert getroute(env, RTA_DST=ip("10.1.0.1"), RTA_IIF=99)[0] == -errno.ENODEV
    # input simulation: not forwarding → the error dst's error
    assert getroute(env, RTA_DST=ip("10.1.0.1"), RTA_SRC=ip("10.0.0.9"),
                    RTA_IIF=2)[0] == -errno.EHOSTUNREACH
    assert getroute(env, RTA_DST=ip("10.1.0.1"), RTA_SRC=ip("224.1.1.1"),
                    RTA_IIF=2)[0] == -errno.EINVAL


def test_getroute_input(env: Env) -> None:
    env.eth0.conf(devinet.IPV4_DEVCONF_FORWARDING, 1)
    err, m = getroute(env, RTA_DST=ip("10.1.0.7"), RTA_SRC=ip("10.0.0.9"), RTA_IIF=2)
    assert err == 0
    a = m.attrs
    assert a[uapi_rt.RTA_IIF] == 2 and a[uapi_rt.RTA_OIF] == 3 and a[uapi_rt.RTA_SRC]
    assert uapi_rt.RTA_UID not in a and uapi_rt.RTA_PREFSRC not in a
    err, m = getroute(env, RTA_DST=ip("10.0.0.2"), RTA_SRC=ip("10.0.0.9"), RTA_IIF=2)
    assert err == 0 and m.hdr.type == uapi_rt.RTN_LOCAL and m.attrs[uapi_rt.RTA_OIF] == 1


def test_getroute_table_dscp_and_fibmatch(env: Env) -> None:
    env.route("198.51.100.0", 24, env.eth1, gw="10.1.0.1")
    env.routes[-1].dscp = 0x10
    err, m = getroute(env, RTA_DST=ip("198.51.100.9"), rtm_flags=uapi_rt.RTM_F_LOOKUP_TABLE)
    assert err == 0 and m.hdr.table == 100 and m.attrs[uapi_rt.RTA_TABLE] == 100
    assert m.hdr.tos == 0x10  # the matched route's dscp, not the request's
    err, m = getroute(env, RTA_DST=ip("198.51.100.9"), rtm_flags=uapi_rt.RTM_F_FIB_MATCH)
    assert err == 0 and not m.hdr.flags & uapi_rt.RTM_F_CLONED
    assert m.hdr.dst_len == 24 and m.attrs[uapi_rt.RTA_DST] == ip("198.51.100.0")
    assert m.attrs[uapi_rt.RTA_GATEWAY] == ip("10.1.0.1")


def test_input_decision_record(env: Env) -> None:
    env.eth0.conf(devinet.IPV4_DEVCONF_FORWARDING, 1)
    rec = DecisionRecord()
    skb = rx_skb(env, env.eth0, "10.0.0.9", "10.1.0.7")
    assert route.ip_route_input_rcu(skb, ip("10.1.0.7"), ip("10.0.0.9"), 0,
                                    env.eth0, ip_fib.fib_result(), rec) == 0  # type: ignore[arg-type]
    assert "input=ip_forward output=ip_output" in rec.steps[-1]["desc"]
    core_skbuff.kfree_skb(skb)
    rec = DecisionRecord()
    skb = rx_skb(env, env.eth0, "224.0.0.9", "10.1.0.7")
    route.ip_route_input_rcu(skb, ip("10.1.0.7"), ip("224.0.0.9"), 0,
                             env.eth0, ip_fib.fib_result(), rec)  # type: ignore[arg-type]
    assert rec.to_text() == "result: error 22 (EINVAL)"
    core_skbuff.kfree_skb(skb)


def test_proc_files_and_flush(env: Env) -> None:
    assert route.rt_cache_seq_show(env.net) == f"{route.RT_CACHE_HEADER:<127}\n"
    out(env, "10.1.0.7")
    lines = route.rt_cpu_seq_show(env.net).splitlines()
    assert len(lines) == 1 + len(env.k.cpus)
    assert lines[0].split() == list(route.RT_CACHE_STAT_COLUMNS)
    assert all(len(line.split()) == 17 for line in lines[1:])
    assert sum(int(line.split()[9], 16) for line in lines[1:]) == 1  # out_slow_tot
    gen = env.net.ipv4.rt_genid

    class T:
        extra1 = env.net

    assert route.ipv4_sysctl_rtcache_flush(T(), True, None) == 0
    assert env.net.ipv4.rt_genid == gen + 1
    assert route.ipv4_sysctl_rtcache_flush(T(), False, None) == -errno.EINVAL


# --- classic (2.6) cache mode --------------------------------------------------------------

def classic(env: Env) -> route.ip_rt_globals:
    g: route.ip_rt_globals = env.net.ipv4.ip_rt
    env.net.ipv4.ip_rt.kernel = env.k
    assert route.rt_cache_mode_write(g, "classic", env.k) == 0
    return g


def test_classic_mode_knob(env: Env) -> None:
    g = env.net.ipv4.ip_rt

    class T:
        data = (g, "cache_mode")

    from skbuff.kernel.sysctl import ctl_buf
    buf = ctl_buf("bogus\n")
    assert route.ipv4_sysctl_cache_mode(T(), True, buf) == -errno.EINVAL
    assert route.ipv4_sysctl_cache_mode(T(), True, ctl_buf("classic\n")) == 0
    assert g.cache_mode == "classic" and g.gc_thresh == 1 << route.RT_HASH_LOG
    assert g.max_size == 16 << route.RT_HASH_LOG
    rd = ctl_buf()
    route.ipv4_sysctl_cache_mode(T(), False, rd)
    assert rd.text == "classic"
    assert route.ipv4_sysctl_cache_mode(T(), True, ctl_buf("modern")) == 0
    assert g.gc_thresh == -1 and g.rt_hash_table == []


def test_classic_output_hit_miss_and_proc(env: Env) -> None:
    g = classic(env)
    rt1, _ = out(env, "10.1.0.7")
    rt2, fl2 = out(env, "10.1.0.7")
    assert isinstance(rt1, route.rtable) and rt2 is rt1
    assert fl2.saddr == ip("10.1.0.2")
    assert stat(env, "out_slow_tot") == 1 and stat(env, "out_hit") == 1
    rt3, _ = out(env, "10.1.0.8")  # another key: its own rtable, as 2.6 had
    assert isinstance(rt3, route.rtable) and rt3 is not rt1
    assert g.rt_hash_entries == 2
    rows = route.rt_cache_seq_show(env.net).splitlines()
    assert rows[0].startswith("Iface\tDestination")
    assert len(rows) == 3 and all(len(r) == 127 for r in rows)
    fields = {r.split("\t")[1]: r.split("\t") for r in rows[1:]}
    f = fields["0700010A"]  # 10.1.0.7 as x86 prints the network-order word
    assert f[0] == "eth1" and f[2] == "0700010A" and f[7] == "0200010A" and f[5] == "1"
    route.rt_cache_flush(env.net)
    assert g.rt_hash_entries == 0
    out(env, "10.1.0.7")
    assert stat(env, "out_slow_tot") == 3


def test_classic_input_hit(env: Env) -> None:
    classic(env)
    err, skb = route_in(env, env.eth0, "10.0.0.9", "10.0.0.2")
    assert err == 0 and stat(env, "in_hit") == 0
    err, skb2 = route_in(env, env.eth0, "10.0.0.9", "10.0.0.2")
    assert err == 0 and stat(env, "in_hit") == 1
    assert route.skb_rtable(skb) is route.skb_rtable(skb2)
    err, skb3 = route_in(env, env.eth0, "10.0.0.10", "10.0.0.2")
    assert stat(env, "in_hit") == 1 and route.skb_rtable(skb3) is not route.skb_rtable(skb)
    for s in (skb, skb2, skb3):
        core_skbuff.kfree_skb(s)


def test_classic_gc_and_overflow(env: Env) -> None:
    g = classic(env)
    g.gc_thresh = 8
    g.max_size = 12
    held = []
    for i in range(12):
        rt, _ = out(env, f"10.1.0.{i + 1}")
        assert isinstance(rt, route.rtable)
        held.append(rt)  # referenced: gc cannot free them
        env.k.run_for(SEC)
    assert g.rt_hash_entries == 12
    assert out(env, "10.1.0.100")[0] == -errno.ENOBUFS
    assert stat(env, "gc_dst_overflow") == 1
    assert any(r.text == "dst cache overflow" for r in env.k.dmesg)
    for rt in held:
        core_dst.dst_release(rt)
    env.k.run_for(SEC)
    rt, _ = out(env, "10.1.0.100")
    assert isinstance(rt, route.rtable)
    assert g.rt_hash_entries <= g.gc_thresh + 1 and stat(env, "gc_total") >= 2
    # idle entries go after gc_timeout via the gc_interval timer
    core_dst.dst_release(rt)
    env.k.run_for((g.gc_timeout + 2 * g.gc_interval) * SEC // HZ)
    assert g.rt_hash_entries == 0


# --- redirects received ---------------------------------------------------------------------

class FakeNeigh:
    nud_state = 0x02  # NUD_REACHABLE


def redirect_skb(env: Env, router: str, new_gw: str, inner_src: str, inner_dst: str,
                 code: int = 1) -> core_skbuff.sk_buff:
    skb = core_skbuff.alloc_skb(128, core_skbuff.GFP_ATOMIC)
    core_skbuff.skb_reserve(skb, 16)
    core_skbuff.skb_put_zero(skb, 56)
    core_skbuff.skb_reset_network_header(skb)
    outer = core_skbuff.ip_hdr(skb)
    outer.version, outer.ihl, outer.protocol = 4, 5, 1
    outer.saddr, outer.daddr = ip(router), ip(inner_src)
    core_skbuff.skb_pull(skb, 20)
    core_skbuff.skb_reset_transport_header(skb)
    icmph = core_skbuff.icmp_hdr(skb)
    icmph.type, icmph.code, icmph.un_gateway = route.ICMP_REDIRECT, code, ip(new_gw)
    core_skbuff.skb_pull(skb, 8)
    inner = route._quoted_iph(skb)
    inner.version, inner.ihl, inner.protocol = 4, 5, 17
    inner.saddr, inner.daddr = ip(inner_src), ip(inner_dst)
    skb.dev = env.eth0
    return skb


def test_redirect_received_becomes_exception(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    env.route("192.0.2.0", 24, env.eth0, gw="10.0.0.1")
    monkeypatch.setattr(route.fib_frontend, "inet_addr_type",
                        lambda net, a: uapi_rt.RTN_UNICAST)
    monkeypatch.setattr(route.neighbour, "__neigh_lookup", lambda tbl, k, d, c: FakeNeigh())
    monkeypatch.setattr(route.neighbour, "arp_tbl", lambda k: None)
    monkeypatch.setattr(route.neighbour, "neigh_release", lambda n: None)
    # a redirect from a router that is not our gateway is ignored
    route.ipv4_redirect(redirect_skb(env, "10.0.0.9", "10.0.0.77", "10.0.0.2", "192.0.2.5"),
                        env.net, 0, 17)
    rt, _ = out(env, "192.0.2.5")
    assert isinstance(rt, route.rtable) and rt.rt_gw4 == ip("10.0.0.1")
    route.ipv4_redirect(redirect_skb(env, "10.0.0.1", "10.0.0.77", "10.0.0.2", "192.0.2.5"),
                        env.net, 0, 17)
    rt, _ = out(env, "192.0.2.5")
    assert isinstance(rt, route.rtable)
    assert rt.rt_gw4 == ip("10.0.0.77") and rt.rt_flags & route.RTCF_REDIRECTED
    assert rt.expires == env.k.jiffies + 300 * HZ
    rt2, _ = out(env, "192.0.2.6")  # only that destination
    assert isinstance(rt2, route.rtable) and rt2.rt_gw4 == ip("10.0.0.1")
    # accept_redirects off (and logged as a martian-class event)
    env.eth0.conf(devinet.IPV4_DEVCONF_ACCEPT_REDIRECTS, 0)
    env.net.ipv4.devconf_all.data[devinet.IPV4_DEVCONF_ACCEPT_REDIRECTS - 1] = 0
    env.eth0.conf(devinet.IPV4_DEVCONF_LOG_MARTIANS, 1)
    route.ipv4_redirect(redirect_skb(env, "10.0.0.1", "10.0.0.78", "10.0.0.2", "192.0.2.6"),
                        env.net, 0, 17)
    rt2, _ = out(env, "192.0.2.6")
    assert isinstance(rt2, route.rtable) and rt2.rt_gw4 == ip("10.0.0.1")
    assert any(r.text.startswith("Redirect from 10.0.0.1 on eth0 about 10.0.0.78 ignored")
               for r in env.k.dmesg)


def test_rt_flush_dev_detaches_uncached(env: Env) -> None:
    rt, _ = out(env, "192.0.2.1", flowi4_oif=3)  # on-link assumption: no fib_info, uncached
    assert isinstance(rt, route.rtable) and rt in env.net.ipv4.ip_rt.rt_uncached_list
    route.rt_flush_dev(env.eth1)  # type: ignore[arg-type]
    assert rt.dev is env.lo and rt.obsolete == core_dst.DST_OBSOLETE_DEAD
    assert rt.output is core_dst.dst_discard_out
    assert rt not in env.net.ipv4.ip_rt.rt_uncached_list
    core_dst.dst_release(rt)
    rt2, _ = out(env, "192.0.2.1", flowi4_oif=3)
    assert isinstance(rt2, route.rtable)
    entries = env.net.ipv4.ip_rt.dst_entries
    core_dst.dst_release(rt2)  # last reference: destroyed, off the list
    assert rt2 not in env.net.ipv4.ip_rt.rt_uncached_list
    assert env.net.ipv4.ip_rt.dst_entries == entries - 1


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 40), st.booleans(), st.integers(0, 3000)),
                min_size=1, max_size=60))
def test_classic_cache_invariants(env: Env, ops: list[tuple[int, bool, int]]) -> None:
    """Invariant of the classic table: the entry count equals the chained entries, never
    exceeds max_size, every entry is hashed where a lookup of its key looks, and a lookup
    that hits returns the interned rtable (each op starts from a fresh table)."""
    g = classic(env)
    g.gc_thresh, g.max_size = 16, 24
    held: list[route.rtable] = []
    for host, keep, gap_ms in ops:
        rt, _ = out(env, f"10.1.0.{host}")
        if isinstance(rt, route.rtable):
            if keep:
                held.append(rt)
            else:
                core_dst.dst_release(rt)
        env.k.run_for(gap_ms * 1_000_000)
        chained = [e for chain in g.rt_hash_table for e in chain]
        assert len(chained) == g.rt_hash_entries <= g.max_size
        for e in chained:
            key = (e.daddr, e.saddr, e.tos, e.mark, e.iif, e.oif)
            found = route.rt_cache_find(g, env.net, key, route.OUT_HLIST_SEARCH)
            assert found is None or found.rt is e.rt
    for rt in held:
        core_dst.dst_release(rt)


def test_input_flow_dissect_for_port_rules(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int, int]] = []

    def spy(net: Net, fl4: flow.flowi4, res: ip_fib.fib_result, flags: int) -> int:
        seen.append((fl4.flowi4_proto, fl4.fl4_sport, fl4.fl4_dport))
        return env.fib_lookup(net, fl4, res, flags)

    monkeypatch.setattr(route.ipv4_fib_rules, "fib_lookup", spy)
    env.eth0.conf(devinet.IPV4_DEVCONF_FORWARDING, 1)
    get = {"RTA_DST": ip("10.1.0.7"), "RTA_SRC": ip("10.0.0.9"), "RTA_IIF": 2,
           "RTA_IP_PROTO": 17, "RTA_SPORT": 1234, "RTA_DPORT": 53}
    assert getroute(env, **get)[0] == 0
    assert seen[-1] == (0, 0, 0)  # no rule needs ports: not dissected
    env.net.ipv4.fib_rules_require_fldissect = 1
    assert getroute(env, **get)[0] == 0
    assert seen[-1] == (17, 1234, 53)
    assert getroute(env, **{**get, "RTA_IP_PROTO": 6})[0] == 0
    assert seen[-1] == (6, 1234, 53)
