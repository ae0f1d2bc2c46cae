"""devinet's inet_addr_lst: the global hash of local addresses that inet_lookup_ifaddr_rcu and
__ip_dev_find read. Hypothesis drives add/del sequences (secondaries, promotion, device
teardown) over two namespaces holding the same addresses and checks every lookup against a
scan of the devices' address lists. Kernel: net/ipv4/devinet.c inet_hash_insert,
inet_hash_remove, inet_lookup_ifaddr_rcu."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.net.ipv4 import fib_testnet as T

from skbuff.net.core import net_namespace
from skbuff.uapi.if_link import IFF_LOOPBACK

devinet = T.devinet

ADDRS = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1", "192.168.0.1"]
DEVS = ["eth0", "eth1"]

op = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 1), st.sampled_from(DEVS), st.sampled_from(ADDRS),
              st.sampled_from([8, 24, 32])),
    st.tuples(st.just("del"), st.integers(0, 1), st.sampled_from(DEVS), st.sampled_from(ADDRS),
              st.sampled_from([8, 24, 32])),
    st.tuples(st.just("promote"), st.integers(0, 1), st.sampled_from(DEVS), st.just(""),
              st.just(0)),
    st.tuples(st.just("destroy"), st.integers(0, 1), st.sampled_from(DEVS), st.just(""),
              st.just(0)),
)


@pytest.fixture(autouse=True)
def _quiet_arp(monkeypatch: pytest.MonkeyPatch) -> None:
    T.no_arp_side_effects(monkeypatch)


def _second_net(k: Any) -> Any:
    """Another namespace built as fib_net builds the first."""
    net = net_namespace.copy_net_ns(k, "b")
    devinet.devinet_init_net(net)
    T.fib_frontend.ip_fib_net_init(net)
    T.add_dev(net, "lo", IFF_LOOPBACK)
    return net


def _scan(net: Any, addr: int) -> list[Any]:
    """Every in_ifaddr of `net` with local address `addr` (the pre-hash linear lookup)."""
    return [ifa for dev in net.dev_base_head.values() if dev.ip_ptr is not None
            for ifa in dev.ip_ptr.ifa_list if ifa.ifa_local == addr]


@settings(max_examples=60, deadline=None)
@given(st.lists(op, max_size=25))
def test_lookup_equals_scan(ops: list[tuple[str, int, str, str, int]]) -> None:
    with T.fib_net() as net0:
        k = net0.kernel
        nets = [net0, _second_net(k)]
        for net in nets:
            for name in DEVS:
                T.set_up(T.add_dev(net, name))
        seq: dict[int, int] = {}  # id(ifa) -> when it was hashed
        seen: list[Any] = []  # every ifa keyed in seq, kept alive so no id is reused
        for n, (what, i, name, a, plen) in enumerate(ops):
            net = nets[i]
            dev = net.dev_base_head[name]
            if what == "promote":
                dev.ip_ptr.cnf.data[devinet.IPV4_DEVCONF_PROMOTE_SECONDARIES - 1] ^= 1
            elif what == "destroy":
                devinet.inetdev_destroy(dev.ip_ptr)
                devinet.inetdev_init(dev)
            else:
                T.addr(net, what, dev, f"{a}/{plen}")
            for d in dev.ip_ptr.ifa_list:
                if id(d) not in seq:
                    seq[id(d)] = n
                    seen.append(d)
            hashed = [ifa for bucket in k.inet_addr_lst for ifa in bucket]
            listed = [ifa for nt in nets for d in nt.dev_base_head.values()
                      if d.ip_ptr is not None for ifa in d.ip_ptr.ifa_list]
            assert sorted(map(id, hashed)) == sorted(map(id, listed))
            for nt in nets:
                for s in ADDRS:
                    addr = T.ip(s)
                    found = devinet.inet_lookup_ifaddr_rcu(nt, addr)
                    held = _scan(nt, addr)
                    if not held:
                        assert found is None
                        continue
                    assert found is not None and found in held
                    # One holder: what the scan returns. Several: the newest (bucket head).
                    assert seq[id(found)] == max(seq[id(h)] for h in held)
                    assert devinet.__ip_dev_find(nt, addr) is found.ifa_dev.dev


def test_same_address_in_two_namespaces_is_two_entries() -> None:
    with T.fib_net() as net0:
        net1 = _second_net(net0.kernel)
        devs = [T.add_dev(net, "eth0") for net in (net0, net1)]
        for net, dev in zip((net0, net1), devs, strict=True):
            assert T.addr(net, "add", dev, "10.0.0.1/24")[0] == 0
        for net, dev in zip((net0, net1), devs, strict=True):
            ifa = devinet.inet_lookup_ifaddr_rcu(net, T.ip("10.0.0.1"))
            assert ifa is not None and ifa.ifa_dev.dev is dev
        assert net0.hash_mix != net1.hash_mix
        assert T.addr(net0, "del", devs[0], "10.0.0.1/24")[0] == 0
        assert devinet.inet_lookup_ifaddr_rcu(net0, T.ip("10.0.0.1")) is None
        assert devinet.inet_lookup_ifaddr_rcu(net1, T.ip("10.0.0.1")) is not None
