"""fib_frontend: routes that follow addresses (fib_add_ifaddr/fib_del_ifaddr/fib_magic),
the route doits' errors, dumps, /proc/net/{fib_trie,fib_triestat,route} against the real
kernel's output (golden/, recorded by record_fib_golden.py), source validation."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest
from tests.net.ipv4 import fib_testnet as T
from tests.net.ipv4.record_fib_golden import FIB_SCRIPT

from skbuff.uapi import rtnetlink as uapi_rt
from skbuff.uapi.if_link import IFF_UP

fib_frontend, fib_trie = T.fib_frontend, T.fib_trie

GOLDEN = Path(__file__).resolve().parent / "golden"
LOCAL, MAIN = uapi_rt.RT_TABLE_LOCAL, uapi_rt.RT_TABLE_MAIN


@pytest.fixture(autouse=True)
def _quiet_arp(monkeypatch: pytest.MonkeyPatch) -> None:
    T.no_arp_side_effects(monkeypatch)


def replay(net: Any, line: str) -> None:
    """Apply one FIB_SCRIPT line (the `ip` subset it uses) to the test namespace."""
    w = line.split()
    if w[:2] == ["link", "add"]:
        T.add_dev(net, w[2], 0)
    elif w[:2] == ["link", "set"]:
        T.set_up(net.dev_base_head[w[2]])
    elif w[:2] == ["addr", "add"]:
        err, _ = T.addr(net, "add", net.dev_base_head[w[4]], w[2])
        assert err == 0
    else:
        rtype = {"unreachable": uapi_rt.RTN_UNREACHABLE, "prohibit": uapi_rt.RTN_PROHIBIT,
                 "blackhole": uapi_rt.RTN_BLACKHOLE}.get(w[2], uapi_rt.RTN_UNICAST)
        rest = w[3:] if rtype != uapi_rt.RTN_UNICAST else w[2:]
        attrs: dict[int, Any] = {}
        mx: dict[int, int] = {}
        hops: list[uapi_rt.rtnexthop] = []
        kw: dict[str, int] = {}
        i = 1
        while i < len(rest):
            key = rest[i]
            if key == "nexthop":
                hops.append(uapi_rt.rtnexthop(attrs={uapi_rt.RTA_GATEWAY: T.ip(rest[i + 2])}))
                i += 1
            elif key == "weight":
                hops[-1].hops = int(rest[i + 1]) - 1
            elif key == "tos":
                kw["tos"] = int(rest[i + 1], 16)
            elif key == "table":
                kw["table"] = int(rest[i + 1])
            elif key == "via":
                attrs[uapi_rt.RTA_GATEWAY] = T.ip(rest[i + 1])
            elif key == "dev":
                attrs[uapi_rt.RTA_OIF] = net.dev_base_head[rest[i + 1]].ifindex
            elif key == "metric":
                attrs[uapi_rt.RTA_PRIORITY] = int(rest[i + 1])
            elif key == "mtu" and rest[i + 1] == "lock":
                mx[uapi_rt.RTAX_LOCK] = mx.get(uapi_rt.RTAX_LOCK, 0) | 1 << uapi_rt.RTAX_MTU
                mx[uapi_rt.RTAX_MTU] = int(rest[i + 2])
                i += 1
            elif key == "advmss":
                mx[uapi_rt.RTAX_ADVMSS] = int(rest[i + 1])
            i += 2
        if mx:
            attrs[uapi_rt.RTA_METRICS] = mx
        if hops:
            attrs[uapi_rt.RTA_MULTIPATH] = hops
        scope = uapi_rt.RT_SCOPE_UNIVERSE if (rtype != uapi_rt.RTN_UNICAST or hops or
                                              uapi_rt.RTA_GATEWAY in attrs) \
            else uapi_rt.RT_SCOPE_LINK
        err, msg = T.route(net, "add", rest[0], rtype=rtype, scope=scope, attrs=attrs, **kw)
        assert err == 0, msg


@pytest.fixture
def golden_net() -> Any:
    with T.fib_net() as net:
        for line in FIB_SCRIPT:
            replay(net, line)
        yield net


@pytest.mark.parametrize("name", ["fib_trie", "fib_triestat", "route"])
def test_proc_files_match_real_kernel(golden_net: Any, name: str) -> None:
    show = {"fib_trie": fib_trie.fib_trie_seq_show,
            "fib_triestat": fib_trie.fib_triestat_seq_show,
            "route": fib_trie.fib_route_seq_show}[name]
    assert show(golden_net) == (GOLDEN / name).read_text()


def test_address_routes_in_local_and_main() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        assert T.addr(net, "add", eth0, "10.0.0.1/24") == (0, None)
        assert T.routes(net, LOCAL) == [
            "2 10.0.0.1/32 dev eth0 src 10.0.0.1 scope 254 proto 2",
            "3 10.0.0.255/32 dev eth0 src 10.0.0.1 scope 253 proto 2"]
        assert T.routes(net, MAIN) == ["1 10.0.0.0/24 dev eth0 src 10.0.0.1 scope 253 proto 2"]


def test_down_device_gets_only_local_route_and_up_adds_the_rest() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0", 0)
        T.addr(net, "add", eth0, "192.168.7.9/16")
        assert T.routes(net, MAIN) == []
        assert T.routes(net, LOCAL) == ["2 192.168.7.9/32 dev eth0"
                                        " src 192.168.7.9 scope 254 proto 2"]
        T.set_up(eth0)
        assert T.routes(net, MAIN) == ["1 192.168.0.0/16 dev eth0"
                                       " src 192.168.7.9 scope 253 proto 2"]
        assert ("3 192.168.255.255/32 dev eth0"
                " src 192.168.7.9 scope 253 proto 2") in T.routes(net, LOCAL)
        T.set_down(eth0)
        assert T.routes(net, MAIN) == []
        # The local route's nexthop has scope nowhere: fib_sync_down_dev (not forced) keeps it.
        assert T.routes(net, LOCAL) == ["2 192.168.7.9/32 dev eth0"
                                        " src 192.168.7.9 scope 254 proto 2"]


def test_noprefixroute_slash31_slash32_and_metric() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        from skbuff.uapi import if_addr

        T.addr(net, "add", eth0, "10.1.0.1/24",
               raw={if_addr.IFA_FLAGS: if_addr.IFA_F_NOPREFIXROUTE})
        T.addr(net, "add", eth0, "10.2.0.0/31")
        T.addr(net, "add", eth0, "10.3.0.1/32")
        T.addr(net, "add", eth0, "10.4.0.1/24", raw={if_addr.IFA_RT_PRIORITY: 50})
        assert T.routes(net, MAIN) == [
            "1 10.2.0.0/31 dev eth0 src 10.2.0.0 scope 253 proto 2",
            "1 10.4.0.0/24 dev eth0 src 10.4.0.1 metric 50 scope 253 proto 2"]
        local = T.routes(net, LOCAL)
        assert "3 10.1.0.255/32 dev eth0 src 10.1.0.1 scope 253 proto 2" in local
        assert not any(r.startswith("3 10.2.0.1/32") for r in local)


def test_secondary_delete_and_promotion() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        T.addr(net, "add", eth0, "10.0.0.2/24")
        T.addr(net, "add", eth0, "10.0.0.3/24")
        in_dev = eth0.ip_ptr
        assert [T.ntoa(i.ifa_local) for i in in_dev.ifa_list] == [
            "10.0.0.1", "10.0.0.2", "10.0.0.3"]
        assert [bool(i.ifa_flags & 1) for i in in_dev.ifa_list] == [False, True, True]
        # No promote_secondaries: deleting the primary deletes the secondaries.
        assert T.addr(net, "del", eth0, "10.0.0.1/24") == (0, None)
        assert in_dev.ifa_list == []
        assert T.routes(net, MAIN) == [] and T.routes(net, LOCAL) == []
        # With promotion the next secondary becomes primary and routes use it as prefsrc.
        in_dev.cnf.data[19] = 1  # promote_secondaries
        for a in ("10.0.0.1/24", "10.0.0.2/24", "10.0.0.3/24"):
            T.addr(net, "add", eth0, a)
        T.addr(net, "del", eth0, "10.0.0.1/24")
        assert [T.ntoa(i.ifa_local) for i in in_dev.ifa_list] == ["10.0.0.2", "10.0.0.3"]
        assert not in_dev.ifa_list[0].ifa_flags & 1
        assert T.routes(net, MAIN) == ["1 10.0.0.0/24 dev eth0 src 10.0.0.2 scope 253 proto 2"]
        assert T.routes(net, LOCAL) == [
            "2 10.0.0.2/32 dev eth0 src 10.0.0.2 scope 254 proto 2",
            "2 10.0.0.3/32 dev eth0 src 10.0.0.2 scope 254 proto 2",
            "3 10.0.0.255/32 dev eth0 src 10.0.0.2 scope 253 proto 2"]


def test_address_errors() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        assert T.addr(net, "add", eth0, "10.0.0.1/24") == (-errno.EEXIST,
                                                           "ipv4: Address already assigned")
        assert T.addr(net, "del", eth0, "10.9.9.9/24") == (-errno.EADDRNOTAVAIL,
                                                           "ipv4: Address not found")
        assert T.addr(net, "add", eth0, "10.0.0.5/24", scope=253) == (
            -errno.EINVAL, "ipv4: Invalid scope value")
        ghost = T.FakeDev(net, "ghost", 99, IFF_UP)
        assert T.addr(net, "add", ghost, "1.2.3.4/8") == (-errno.ENODEV, "ipv4: Device not found")


def test_route_errors_and_gateway_validation() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        gw = uapi_rt.RTA_GATEWAY
        oif = uapi_rt.RTA_OIF
        assert T.route(net, "add", "10.5.0.0/16", attrs={gw: T.ip("192.0.2.1")}) == (
            -errno.ENETUNREACH, "Nexthop has invalid gateway")
        assert T.route(net, "add", "10.5.0.0/16", attrs={gw: T.ip("10.0.0.7")}) == (0, None)
        assert T.route(net, "add", "10.5.0.0/16", attrs={gw: T.ip("10.0.0.7")})[0] == -errno.EEXIST
        assert T.route(net, "add", "10.5.0.1/16") == (-errno.EINVAL,
                                                      "Invalid prefix for given prefix length")
        assert T.route(net, "add", "10.6.0.0/16",
                       attrs={oif: eth0.ifindex, uapi_rt.RTA_PREFSRC: T.ip("10.0.0.77")}) \
            == (-errno.EINVAL, "Invalid prefsrc address")
        assert T.route(net, "add", "10.6.0.0/16", tos=0x3) == (
            -errno.EINVAL, "Invalid dsfield (tos): ECN bits must be 0")
        assert T.route(net, "add", "10.6.0.0/16", rtype=uapi_rt.RTN_LOCAL,
                       scope=uapi_rt.RT_SCOPE_UNIVERSE, attrs={oif: eth0.ifindex}) == (
            -errno.EINVAL, "Invalid scope")
        assert T.route(net, "add", "10.8.0.0/16",
                       attrs={gw: T.ip("198.51.100.1"), oif: eth0.ifindex})[0] \
            == -errno.ENETUNREACH
        assert T.route(net, "del", "10.99.0.0/16") == (-errno.ESRCH, None)
        assert T.route(net, "del", "10.99.0.0/16", table=77) == (-errno.ESRCH,
                                                                 "FIB table does not exist")
        assert T.route(net, "add", "10.9.0.0/16", rtype=uapi_rt.RTN_UNREACHABLE,
                       scope=uapi_rt.RT_SCOPE_UNIVERSE, attrs={oif: eth0.ifindex}) == (
            -errno.EINVAL,
            "Gateway, device and multipath can not be specified for this route type")


def test_nlm_flags_replace_append_prepend_change() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        eth1 = T.add_dev(net, "eth1")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        T.addr(net, "add", eth1, "10.1.0.1/24")
        oif = uapi_rt.RTA_OIF
        assert T.route(net, "change", "10.7.0.0/16", attrs={oif: eth0.ifindex}) == (
            -errno.ENOENT, None)
        assert T.route(net, "add", "10.7.0.0/16", attrs={oif: eth0.ifindex})[0] == 0
        assert T.route(net, "append", "10.7.0.0/16", attrs={oif: eth1.ifindex})[0] == 0
        assert T.route(net, "prepend", "10.7.0.0/16", attrs={oif: eth1.ifindex})[0] == -errno.EEXIST
        devs = [r.split()[3] for r in T.routes(net, MAIN) if r.startswith("1 10.7.")]
        assert devs == ["eth0", "eth1"]
        # Replacing with a route equal to a later alias is EEXIST; equal to the first is a no-op.
        assert T.route(net, "replace", "10.7.0.0/16", attrs={oif: eth1.ifindex})[0] == -errno.EEXIST
        assert T.route(net, "replace", "10.7.0.0/16", attrs={oif: eth0.ifindex})[0] == 0
        gw = {uapi_rt.RTA_GATEWAY: T.ip("10.0.0.9")}
        assert T.route(net, "replace", "10.7.0.0/16", scope=0, attrs=gw)[0] == 0
        rows = [r.split()[3:6] for r in T.routes(net, MAIN) if r.startswith("1 10.7.")]
        assert rows == [["eth0", "via", "10.0.0.9"], ["eth1", "scope", "253"]]
        assert T.route(net, "del", "10.7.0.0/16", attrs={oif: eth1.ifindex})[0] == 0
        assert T.route(net, "del", "10.7.0.0/16")[0] == 0
        assert T.route(net, "del", "10.7.0.0/16")[0] == -errno.ESRCH


def test_onlink_gateway() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        attrs = {uapi_rt.RTA_GATEWAY: T.ip("198.51.100.1"), uapi_rt.RTA_OIF: eth0.ifindex}
        assert T.route(net, "add", "10.8.0.0/16", scope=uapi_rt.RT_SCOPE_UNIVERSE, attrs=attrs,
                       rtm_flags=uapi_rt.RTNH_F_ONLINK) == (0, None)
        assert "1 10.8.0.0/16 dev eth0 via 198.51.100.1 src 10.0.0.1 scope 0 proto 3" \
            not in T.routes(net, MAIN)
        assert "1 10.8.0.0/16 dev eth0 via 198.51.100.1 scope 0 proto 3" in T.routes(net, MAIN)
        assert T.route(net, "add", "10.9.0.0/16", scope=uapi_rt.RT_SCOPE_LINK, attrs=attrs,
                       rtm_flags=uapi_rt.RTNH_F_ONLINK) == (-errno.EINVAL,
                                                           "Nexthop has invalid scope")


def test_inet_addr_type() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        t = fib_frontend.inet_addr_type
        assert t(net, T.ip("10.0.0.1")) == uapi_rt.RTN_LOCAL
        assert t(net, T.ip("10.0.0.255")) == uapi_rt.RTN_BROADCAST
        assert t(net, T.ip("10.0.0.7")) == uapi_rt.RTN_UNICAST
        assert t(net, T.ip("224.0.0.1")) == uapi_rt.RTN_MULTICAST
        assert t(net, 0) == uapi_rt.RTN_BROADCAST
        assert t(net, 0xFFFFFFFF) == uapi_rt.RTN_BROADCAST


def test_unmerge_gives_local_its_own_trie() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        main, local = (fib_frontend.fib_get_table(net, i) for i in (MAIN, LOCAL))
        assert main is not None and local is not None and main.tb_data is local.tb_data
        assert "Local:" in fib_trie.fib_trie_seq_show(net)
        net.ipv4.fib_has_custom_rules = True
        assert fib_frontend.fib_unmerge(net) == 0
        new_local = fib_frontend.fib_get_table(net, LOCAL)
        assert new_local is not None and new_local.tb_data is not main.tb_data
        main_aliases = [fa.tb_id for l in fib_trie.fib_trie_leaves(main.tb_data)
                        for fa in fib_trie.leaf_aliases(l)]
        local_aliases = [fa.tb_id for l in fib_trie.fib_trie_leaves(new_local.tb_data)
                         for fa in fib_trie.leaf_aliases(l)]
        assert main_aliases == [MAIN] and local_aliases == [LOCAL, LOCAL]
        assert fib_frontend.fib_unmerge(net) == 0  # already unmerged
        assert T.routes(net, LOCAL) == [
            "2 10.0.0.1/32 dev eth0 src 10.0.0.1 scope 254 proto 2",
            "3 10.0.0.255/32 dev eth0 src 10.0.0.1 scope 253 proto 2"]


def test_route_changes_are_notified() -> None:
    with T.fib_net() as net:
        from skbuff.net.core import rtnetlink

        net.rtnl = rtnetlink.rtnl_net()
        seen: list[tuple[int, int]] = []
        rtnetlink.rtnl_listen(net, uapi_rt.RTNLGRP_IPV4_ROUTE,
                              lambda n, g, m: seen.append((m.type, m.hdr.dst_len)))
        eth0 = T.add_dev(net, "eth0")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        T.route(net, "add", "10.5.0.0/16", attrs={uapi_rt.RTA_OIF: eth0.ifindex})
        T.route(net, "del", "10.5.0.0/16")
        assert seen[-2:] == [(uapi_rt.RTM_NEWROUTE, 16), (uapi_rt.RTM_DELROUTE, 16)]
        assert (uapi_rt.RTM_NEWROUTE, 24) in seen


class _Skb:
    mark = 0


@pytest.mark.parametrize(("rp", "src", "dev", "want"), [
    (0, "10.1.0.5", "eth0", 0),           # no rp_filter: anything non-local goes
    (0, "10.0.0.1", "eth0", -errno.EINVAL),  # our own address as source: martian
    (1, "10.0.0.5", "eth0", 1),           # strict, on-link source via its own device
    (1, "10.1.0.5", "eth0", -errno.EXDEV),  # strict, reverse path is eth1
    (2, "10.1.0.5", "eth0", 0),           # loose: any route back is fine
    (1, "203.0.113.9", "eth0", -errno.EXDEV),  # strict, no route back at all
    (2, "203.0.113.9", "eth0", -errno.EXDEV),  # loose, no route back at all
])
def test_fib_validate_source_rp_filter(rp: int, src: str, dev: str, want: int) -> None:
    with T.fib_net() as net:
        eth0, eth1 = T.add_dev(net, "eth0"), T.add_dev(net, "eth1")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        T.addr(net, "add", eth1, "10.1.0.1/24")
        d = net.dev_base_head[dev]
        d.ip_ptr.cnf.data[T.devinet.IPV4_DEVCONF_RP_FILTER - 1] = rp
        itag = [7]
        skb: Any = _Skb()  # only skb.mark is read (src_valid_mark)
        got = fib_frontend.fib_validate_source(skb, T.ip(src), T.ip("10.0.0.1"), 0, 0, d,
                                               d.ip_ptr, itag)
        assert got == want
        assert got < 0 or itag == [0]
