"""devinet: net.ipv4.conf.{all,default,DEV} defaults, inheritance from default, the IN_DEV_*
combining rules (Hypothesis over all/device values), ip_forward, lo bring-up, address
selection and the address dump."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.net.ipv4 import fib_testnet as T

from skbuff.uapi import if_addr
from skbuff.uapi import rtnetlink as uapi_rt
from skbuff.uapi.if_link import IFF_LOOPBACK

devinet = T.devinet
D = devinet

# 6.12 defaults: name -> (all, default). Kernel: net/ipv4/devinet.c ipv4_devconf(_dflt).
DEFAULTS = {name: (0, 0) for name, *_ in D.DEVINET_SYSCTL}
DEFAULTS.update({
    "accept_redirects": (1, 1), "secure_redirects": (1, 1), "send_redirects": (1, 1),
    "shared_media": (1, 1), "accept_source_route": (0, 1), "arp_evict_nocarrier": (1, 1),
    "igmpv2_unsolicited_report_interval": (10000, 10000),
    "igmpv3_unsolicited_report_interval": (1000, 1000)})


@pytest.fixture(autouse=True)
def _quiet_arp(monkeypatch: pytest.MonkeyPatch) -> None:
    T.no_arp_side_effects(monkeypatch)


def test_every_conf_default_and_inheritance() -> None:
    with T.fib_net() as net:
        assert len(D.DEVINET_SYSCTL) == D.IPV4_DEVCONF_MAX
        eth0 = T.add_dev(net, "eth0")
        for name, attr, _, _ in D.DEVINET_SYSCTL:
            want_all, want_dflt = DEFAULTS[name]
            assert net.ipv4.devconf_all.data[attr - 1] == want_all, name
            assert net.ipv4.devconf_dflt.data[attr - 1] == want_dflt, name
            assert eth0.ip_ptr.cnf.data[attr - 1] == want_dflt, name
        lo = net.dev_base_head["lo"]
        nb = T.notifier.notifier_block(devinet.inetdev_event)
        for event in (T.netdev.NETDEV_UNREGISTER, T.netdev.NETDEV_REGISTER):
            devinet.inetdev_event(nb, event, T.netdev.netdev_notifier_info(lo))
        assert D.ipv4_devconf_get(lo.ip_ptr, D.IPV4_DEVCONF_NOXFRM) == 1
        assert D.ipv4_devconf_get(lo.ip_ptr, D.IPV4_DEVCONF_NOPOLICY) == 1


def test_default_write_reaches_devices_that_did_not_set_the_value() -> None:
    with T.fib_net() as net:
        eth0, eth1 = T.add_dev(net, "eth0"), T.add_dev(net, "eth1")
        dflt = net.ipv4.devconf_dflt
        i = D.IPV4_DEVCONF_RP_FILTER
        old = eth1.ip_ptr.cnf.data[i - 1]
        eth1.ip_ptr.cnf.data[i - 1] = 2
        D.devinet_conf_write(net, eth1.ip_ptr.cnf, i, old, "conf")  # echo 2 > conf/eth1/rp_filter
        dflt.data[i - 1] = 1
        D.devinet_conf_write(net, dflt, i, 0, "conf")
        assert eth0.ip_ptr.cnf.data[i - 1] == 1 and eth1.ip_ptr.cnf.data[i - 1] == 2
        eth2 = T.add_dev(net, "eth2")
        assert eth2.ip_ptr.cnf.data[i - 1] == 1


def test_configured_address_freezes_the_device_conf() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        dflt = net.ipv4.devconf_dflt
        dflt.data[D.IPV4_DEVCONF_LOG_MARTIANS - 1] = 1
        D.devinet_conf_write(net, dflt, D.IPV4_DEVCONF_LOG_MARTIANS, 0, "conf")
        assert eth0.ip_ptr.cnf.data[D.IPV4_DEVCONF_LOG_MARTIANS - 1] == 0


def test_ip_forward_changes_all_default_devices_and_accept_redirects() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        all_c = net.ipv4.devconf_all
        all_c.data[D.IPV4_DEVCONF_FORWARDING - 1] = 1
        D.devinet_conf_write(net, all_c, D.IPV4_DEVCONF_FORWARDING, 0, "forward")
        assert D.IN_DEV_FORWARD(eth0.ip_ptr) == 1
        assert net.ipv4.devconf_dflt.data[D.IPV4_DEVCONF_FORWARDING - 1] == 1
        assert all_c.data[D.IPV4_DEVCONF_ACCEPT_REDIRECTS - 1] == 0
        # Forwarding: accept_redirects is all AND dev -> now off.
        assert not D.IN_DEV_RX_REDIRECTS(eth0.ip_ptr)


RULES: dict[str, tuple[Any, list[Any]]] = {
    "or": (D.IN_DEV_ORCONF, [D.IN_DEV_PROXY_ARP, D.IN_DEV_SHARED_MEDIA, D.IN_DEV_TX_REDIRECTS,
                             D.IN_DEV_SEC_REDIRECTS, D.IN_DEV_ACCEPT_LOCAL,
                             D.IN_DEV_ROUTE_LOCALNET, D.IN_DEV_LOG_MARTIANS,
                             D.IN_DEV_ARPFILTER, D.IN_DEV_PROMOTE_SECONDARIES,
                             D.IN_DEV_IGNORE_ROUTES_WITH_LINKDOWN, D.IN_DEV_SRC_VMARK,
                             D.IN_DEV_PROXY_ARP_PVLAN]),
    "and": (D.IN_DEV_ANDCONF, [D.IN_DEV_SOURCE_ROUTE, D.IN_DEV_BFORWARD, D.IN_DEV_MFORWARD,
                               D.IN_DEV_ARP_EVICT_NOCARRIER, D.IN_DEV_BOOTP_RELAY]),
    "max": (D.IN_DEV_MAXCONF, [D.IN_DEV_RPFILTER, D.IN_DEV_ARP_ACCEPT, D.IN_DEV_ARP_ANNOUNCE,
                               D.IN_DEV_ARP_IGNORE, D.IN_DEV_ARP_NOTIFY]),
}
ATTR: dict[Any, int] = {D.IN_DEV_PROXY_ARP: 3, D.IN_DEV_SHARED_MEDIA: 7, D.IN_DEV_TX_REDIRECTS: 6,
        D.IN_DEV_SEC_REDIRECTS: 5, D.IN_DEV_ACCEPT_LOCAL: 23, D.IN_DEV_ROUTE_LOCALNET: 26,
        D.IN_DEV_LOG_MARTIANS: 11, D.IN_DEV_ARPFILTER: 13, D.IN_DEV_PROMOTE_SECONDARIES: 20,
        D.IN_DEV_IGNORE_ROUTES_WITH_LINKDOWN: 29, D.IN_DEV_SRC_VMARK: 24,
        D.IN_DEV_PROXY_ARP_PVLAN: 25, D.IN_DEV_SOURCE_ROUTE: 9, D.IN_DEV_BFORWARD: 32,
        D.IN_DEV_MFORWARD: 2, D.IN_DEV_ARP_EVICT_NOCARRIER: 33, D.IN_DEV_BOOTP_RELAY: 10,
        D.IN_DEV_RPFILTER: 8, D.IN_DEV_ARP_ACCEPT: 21, D.IN_DEV_ARP_ANNOUNCE: 18,
        D.IN_DEV_ARP_IGNORE: 19, D.IN_DEV_ARP_NOTIFY: 22}


@given(st.integers(0, 2), st.integers(0, 2), st.sampled_from(sorted(RULES)), st.data())
def test_combining_rules(all_v: int, dev_v: int, rule: str, data: Any) -> None:
    combine, accessors = RULES[rule]
    acc = data.draw(st.sampled_from(accessors))
    attr = ATTR[acc]
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        net.ipv4.devconf_all.data[attr - 1] = all_v
        eth0.ip_ptr.cnf.data[attr - 1] = dev_v
        want = {"or": bool(all_v or dev_v), "and": bool(all_v and dev_v),
                "max": max(all_v, dev_v)}[rule]
        assert acc(eth0.ip_ptr) == want == combine(eth0.ip_ptr, attr)


def test_loopback_up_gets_127_0_0_1_and_its_routes() -> None:
    with T.fib_net() as net:
        lo = net.dev_base_head["lo"]
        T.set_up(lo)
        ifa = lo.ip_ptr.ifa_list[0]
        assert (T.ntoa(ifa.ifa_local), ifa.ifa_prefixlen, ifa.ifa_scope) == ("127.0.0.1", 8, 254)
        assert lo.flags & IFF_LOOPBACK
        assert T.routes(net, uapi_rt.RT_TABLE_LOCAL) == [
            "2 127.0.0.0/8 dev lo src 127.0.0.1 scope 254 proto 2",
            "2 127.0.0.1/32 dev lo src 127.0.0.1 scope 254 proto 2",
            "3 127.255.255.255/32 dev lo src 127.0.0.1 scope 253 proto 2"]


def test_inet_select_addr_and_confirm() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        T.addr(net, "add", eth0, "10.0.0.1/24")
        T.addr(net, "add", eth0, "10.0.0.2/24")
        T.addr(net, "add", eth0, "192.168.5.1/24")
        T.addr(net, "add", eth0, "169.254.1.1/16", scope=uapi_rt.RT_SCOPE_LINK)
        sel = D.inet_select_addr
        assert T.ntoa(sel(eth0, T.ip("192.168.5.77"), 0)) == "192.168.5.1"
        assert T.ntoa(sel(eth0, T.ip("8.8.8.8"), 0)) == "10.0.0.1"
        assert T.ntoa(sel(eth0, T.ip("169.254.9.9"), uapi_rt.RT_SCOPE_LINK)) == "169.254.1.1"
        assert T.ntoa(sel(eth0, T.ip("169.254.9.9"), 0)) == "10.0.0.1"
        eth1 = T.add_dev(net, "eth1")
        assert T.ntoa(sel(eth1, 0, 0)) == "10.0.0.1"
        assert T.ntoa(D.inet_confirm_addr(net, eth0.ip_ptr, T.ip("10.0.0.9"), 0, 0)) == "10.0.0.1"


def test_dump_and_cacheinfo() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        ci = if_addr.ifa_cacheinfo(ifa_prefered=100, ifa_valid=200)
        T.addr(net, "add", eth0, "10.0.0.1/24", raw={if_addr.IFA_CACHEINFO: ci,
                                                     if_addr.IFA_BROADCAST: T.ip("10.0.0.255")})
        msgs = D.inet_dump_ifaddr(net, uapi_rt.nlmsg(type=uapi_rt.RTM_GETADDR,
                                                     hdr=if_addr.ifaddrmsg()))
        (m,) = msgs
        assert m.hdr.prefixlen == 24 and m.hdr.index == eth0.ifindex
        assert m.attrs[if_addr.IFA_LABEL] == "eth0"
        assert m.attrs[if_addr.IFA_BROADCAST] == T.ip("10.0.0.255")
        assert not m.attrs[if_addr.IFA_FLAGS] & if_addr.IFA_F_PERMANENT
        info = m.attrs[if_addr.IFA_CACHEINFO]
        assert (info.ifa_prefered, info.ifa_valid) == (100, 200)
        bad = if_addr.ifa_cacheinfo(ifa_prefered=300, ifa_valid=200)
        assert T.addr(net, "add", eth0, "10.0.0.2/24", raw={if_addr.IFA_CACHEINFO: bad}) == (
            -22, "ipv4: address lifetime invalid")


def test_conf_files_through_the_sysctl_registry() -> None:
    with T.fib_net() as net:
        eth0 = T.add_dev(net, "eth0")
        reg = net.kernel.sysctl
        names = reg.names(net)
        for scope in ("all", "default", "eth0", "lo"):
            for name, *_ in D.DEVINET_SYSCTL:
                assert f"net.ipv4.conf.{scope}.{name}" in names
        assert reg.read(net, "net.ipv4.conf.all.accept_source_route") == "0"
        assert reg.read(net, "net.ipv4.conf.default.accept_source_route") == "1"
        reg.write(net, "net.ipv4.ip_forward", "1")
        assert reg.read(net, "net.ipv4.conf.all.forwarding") == "1"
        assert reg.read(net, "net.ipv4.conf.eth0.forwarding") == "1"
        assert reg.read(net, "net.ipv4.conf.all.accept_redirects") == "0"
        reg.write(net, "net.ipv4.conf.eth0.rp_filter", "2")
        reg.write(net, "net.ipv4.conf.default.rp_filter", "1")
        assert reg.read(net, "net.ipv4.conf.eth0.rp_filter") == "2"
        assert reg.read(net, "net.ipv4.conf.lo.rp_filter") == "1"
        assert D.IN_DEV_RPFILTER(eth0.ip_ptr) == 2
        with pytest.raises(T.sysctl.SysctlError):
            reg.write(net, "net.ipv4.conf.all.mc_forwarding", "1")
