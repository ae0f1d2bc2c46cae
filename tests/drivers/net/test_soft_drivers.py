"""lo, veth and dummy/ifb through rtnetlink, as `ip link` drives them (drivers/net/*.c,
net/core/rtnetlink.c link handlers)."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from typing import Any

import pytest
from tests.net.core.test_dev import dev_boot

from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as D
from skbuff.net.core import net_namespace
from skbuff.net.core import skbuff as S
from skbuff.net.core.net_namespace import Net
from skbuff.net.core.rtnetlink import rtnetlink_rcv_msg
from skbuff.uapi.if_link import (
    IF_OPER_DOWN,
    IF_OPER_LOWERLAYERDOWN,
    IF_OPER_UNKNOWN,
    IF_OPER_UP,
    IFF_LOWER_UP,
    IFF_RUNNING,
    IFF_UP,
    IFLA_ADDRESS,
    IFLA_CARRIER,
    IFLA_CARRIER_CHANGES,
    IFLA_IFNAME,
    IFLA_INFO_DATA,
    IFLA_INFO_KIND,
    IFLA_LINK,
    IFLA_LINK_NETNSID,
    IFLA_LINKINFO,
    IFLA_MTU,
    IFLA_NET_NS_FD,
    IFLA_OPERSTATE,
    IFLA_QDISC,
    IFLA_STATS64,
    IFLA_TXQLEN,
    VETH_INFO_PEER,
)
from skbuff.uapi.if_packet import PACKET_HOST
from skbuff.uapi.rtnetlink import (
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_EXCL,
    NLM_F_REQUEST,
    RTM_DELLINK,
    RTM_GETLINK,
    RTM_NEWLINK,
    ifinfomsg,
    nlmsg,
    nlreply,
)

ETH_P_TEST = 0x88B5


@pytest.fixture
def k() -> Iterator[Kernel]:
    k = dev_boot()
    with k:
        yield k


def rt(k: Kernel, net: Net, type_: int, flags: int = 0, hdr: ifinfomsg | None = None,
       **attrs: Any) -> nlreply:
    msg = nlmsg(type_, NLM_F_REQUEST | flags, hdr or ifinfomsg(), dict(attrs.pop("a", {})))
    reply: nlreply = k.run_task(rtnetlink_rcv_msg, net, msg)
    return reply


def add(k: Kernel, net: Net, name: str, kind: str, data: dict[int, Any] | None = None) -> nlreply:
    info: dict[int, Any] = {IFLA_INFO_KIND: kind}
    if data:
        info[IFLA_INFO_DATA] = data
    attrs = {IFLA_IFNAME: name, IFLA_LINKINFO: info}
    return rt(k, net, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, a=attrs)


def add_veth(k: Kernel, net: Net, a: str, b: str, peer_net: Net | None = None) -> None:
    peer: dict[int, Any] = {IFLA_IFNAME: b}
    if peer_net is not None:
        peer[IFLA_NET_NS_FD] = peer_net
    assert add(k, net, a, "veth", {VETH_INFO_PEER: (ifinfomsg(), peer)}).error == 0


def set_up(k: Kernel, dev: D.net_device, up: bool = True) -> None:
    hdr = ifinfomsg(ifi_index=dev.ifindex, ifi_flags=IFF_UP if up else 0, ifi_change=IFF_UP)
    assert rt(k, dev.nd_net, RTM_NEWLINK, hdr=hdr).error == 0
    k.run_for(2_000_000)  # let linkwatch run


def getlink(k: Kernel, dev: D.net_device) -> dict[int, Any]:
    reply = rt(k, dev.nd_net, RTM_GETLINK, hdr=ifinfomsg(ifi_index=dev.ifindex))
    assert reply.error == 0 and len(reply.msgs) == 1
    return reply.msgs[0].attrs


class Sink:
    def __init__(self) -> None:
        self.got: list[tuple[str, int, int]] = []
        D.dev_add_pack(D.packet_type(ETH_P_TEST, None, self.func))

    def func(self, skb: S.sk_buff, dev: D.net_device, pt: D.packet_type,
             orig: D.net_device) -> int:
        self.got.append((dev.nd_net.name + "/" + dev.name, skb.pkt_type, skb.len))
        S.consume_skb(skb)
        return 0


def send(k: Kernel, dev: D.net_device, dest: bytes, size: int = 50) -> int:
    def go() -> int:
        skb = S.alloc_skb(size + 64, 0)
        S.skb_reserve(skb, 32)
        S.skb_put_data(skb, bytes(size))
        skb.dev = dev
        D.dev_hard_header(skb, dev, ETH_P_TEST, dest, None, size)
        return D.dev_queue_xmit(skb)

    ret: int = k.run_task(go)
    k.run_for(1_000_000)
    return ret


def test_lo_delivers_to_itself(k: Kernel) -> None:
    lo = k.init_net.loopback_dev
    assert lo is not None
    sink = Sink()
    assert send(k, lo, bytes(6)) == D.NET_XMIT_CN and lo.core_stats.tx_dropped == 1  # noop qdisc
    set_up(k, lo)
    at = getlink(k, lo)
    assert at[IFLA_OPERSTATE] == IF_OPER_UNKNOWN and at[IFLA_QDISC] == "noqueue"
    assert at[IFLA_MTU] == 65536 and at[IFLA_TXQLEN] == 1000
    assert send(k, lo, bytes(6)) == D.NET_XMIT_SUCCESS
    assert sink.got == [("/lo", PACKET_HOST, 50)]
    st = getlink(k, lo)[IFLA_STATS64]
    assert (st.rx_packets, st.tx_packets, st.rx_bytes, st.tx_bytes) == (1, 1, 50, 50)  # post-pull
    assert rt(k, k.init_net, RTM_DELLINK, hdr=ifinfomsg(ifi_index=1)).error == -errno.EOPNOTSUPP


def test_veth_pair_carrier_needs_both_ends_up(k: Kernel) -> None:
    net = k.init_net
    add_veth(k, net, "a", "b")
    a, b = net.dev_base_head["a"], net.dev_base_head["b"]
    assert (b.ifindex, a.ifindex) == (2, 3)  # the peer is registered first
    assert getlink(k, a)[IFLA_LINK] == b.ifindex and getlink(k, b)[IFLA_LINK] == a.ifindex
    assert a.qdisc.ops.id == "noop"
    set_up(k, a)
    assert not D.netif_carrier_ok(a) and not D.dev_get_flags(a) & IFF_LOWER_UP
    assert a.operstate == IF_OPER_LOWERLAYERDOWN
    set_up(k, b)
    assert D.netif_carrier_ok(a) and D.netif_carrier_ok(b)
    assert D.dev_get_flags(a) & (IFF_RUNNING | IFF_LOWER_UP) == IFF_RUNNING | IFF_LOWER_UP
    assert a.operstate == IF_OPER_UP and b.operstate == IF_OPER_UP
    assert getlink(k, a)[IFLA_QDISC] == "noqueue"
    set_up(k, b, False)
    assert not D.netif_carrier_ok(a) and a.operstate == IF_OPER_LOWERLAYERDOWN
    at = getlink(k, b)
    assert at[IFLA_OPERSTATE] == IF_OPER_DOWN and at[IFLA_CARRIER] == 0
    assert getlink(k, a)[IFLA_CARRIER_CHANGES] == 3  # off at creation, on, off


def test_veth_traffic_and_stats(k: Kernel) -> None:
    net = k.init_net
    add_veth(k, net, "a", "b")
    a, b = net.dev_base_head["a"], net.dev_base_head["b"]
    set_up(k, a)
    set_up(k, b)
    sink = Sink()
    assert send(k, a, b.dev_addr) == D.NET_XMIT_SUCCESS
    assert sink.got == [("/b", PACKET_HOST, 50)]
    sa, sb = getlink(k, a)[IFLA_STATS64], getlink(k, b)[IFLA_STATS64]
    assert (sa.tx_packets, sa.tx_bytes, sb.rx_packets, sb.rx_bytes) == (1, 64, 1, 64)
    D.dev_set_mtu(b, 100)
    assert send(k, a, b.dev_addr, size=200) == D.NET_XMIT_DROP  # > mtu + 14 + 4 at the peer
    assert getlink(k, a)[IFLA_STATS64].tx_dropped == 1 and b.core_stats.rx_dropped == 1


def test_veth_across_namespaces(k: Kernel) -> None:
    ns1 = net_namespace.copy_net_ns(k, "ns1")
    add_veth(k, k.init_net, "a", "b", peer_net=ns1)
    a, b = k.init_net.dev_base_head["a"], ns1.dev_base_head["b"]
    assert b.ifindex == 2 and a.ifindex == 2
    at = getlink(k, a)
    assert at[IFLA_LINK] == 2 and at[IFLA_LINK_NETNSID] == 0
    set_up(k, a)
    set_up(k, b)
    sink = Sink()
    send(k, a, b.dev_addr)
    assert sink.got == [("ns1/b", PACKET_HOST, 50)]
    # move the local end too: the pair keeps working, carrier follows the ends
    ns2 = net_namespace.copy_net_ns(k, "ns2")
    assert rt(k, k.init_net, RTM_NEWLINK, hdr=ifinfomsg(ifi_index=a.ifindex),
              a={IFLA_NET_NS_FD: ns2}).error == 0
    assert a.nd_net is ns2 and not a.flags & IFF_UP and not D.netif_carrier_ok(b)
    set_up(k, a)
    assert D.netif_carrier_ok(b)
    send(k, b, a.dev_addr)
    assert sink.got[-1] == ("ns2/a", PACKET_HOST, 50)
    # deleting one end deletes both
    assert rt(k, ns2, RTM_DELLINK, a={IFLA_IFNAME: "a"}).error == 0
    assert "b" not in ns1.dev_base_head and "a" not in ns2.dev_base_head


def test_dummy_and_ifb(k: Kernel) -> None:
    net = k.init_net
    assert add(k, net, "d0", "dummy").error == 0
    assert add(k, net, "d0", "dummy").error == -errno.EEXIST
    d0 = net.dev_base_head["d0"]
    set_up(k, d0)
    assert send(k, d0, b"\x02" * 6) == D.NET_XMIT_SUCCESS
    assert getlink(k, d0)[IFLA_STATS64].tx_packets == 1
    assert getlink(k, d0)[IFLA_LINKINFO] == {IFLA_INFO_KIND: "dummy"}
    r = rt(k, net, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
           a={IFLA_IFNAME: "d1", IFLA_ADDRESS: b"\x01\x00\x00\x00\x00\x01",
              IFLA_LINKINFO: {IFLA_INFO_KIND: "dummy"}})
    assert r.error == -errno.EADDRNOTAVAIL
    assert rt(k, net, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
              a={IFLA_LINKINFO: {IFLA_INFO_KIND: "ifb"}}).error == 0
    ifb0 = net.dev_base_head["ifb0"]
    assert ifb0.tx_queue_len == 32 and not ifb0.priv_flags & D.IFF_NO_QUEUE
    r = rt(k, net, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
           a={IFLA_IFNAME: "x", IFLA_LINKINFO: {IFLA_INFO_KIND: "bogus"}})
    assert (r.error, r.extack) == (-errno.EOPNOTSUPP, "Unknown device type")


def test_setlink_mtu_errors_and_dump(k: Kernel) -> None:
    net = k.init_net
    add_veth(k, net, "a", "b")
    a = net.dev_base_head["a"]
    r = rt(k, net, RTM_NEWLINK, hdr=ifinfomsg(ifi_index=a.ifindex), a={IFLA_MTU: 10})
    assert (r.error, r.extack) == (-errno.EINVAL, "mtu less than device minimum")
    r = rt(k, net, RTM_NEWLINK, hdr=ifinfomsg(ifi_index=a.ifindex), a={IFLA_MTU: 9000})
    assert r.error == 0 and a.mtu == 9000
    r = rt(k, net, RTM_NEWLINK, hdr=ifinfomsg(ifi_index=99))
    assert r.error == -errno.ENODEV
    dump = rt(k, net, RTM_GETLINK, NLM_F_DUMP)
    assert [m.attrs[IFLA_IFNAME] for m in dump.msgs] == ["lo", "b", "a"]


def test_namespace_exit_takes_the_veth_peer_along(k: Kernel) -> None:
    ns1 = net_namespace.copy_net_ns(k, "ns1")
    add_veth(k, k.init_net, "a", "b", peer_net=ns1)
    a = k.init_net.dev_base_head["a"]
    lo1 = ns1.loopback_dev
    assert lo1 is not None
    k.run_task(net_namespace.cleanup_net, ns1)
    assert "a" not in k.init_net.dev_base_head and a.reg_state == D.NETREG_RELEASED
    assert lo1.reg_state == D.NETREG_RELEASED and ns1 not in k.nets


def test_dummy_carrier_and_txqlen_via_setlink(k: Kernel) -> None:
    net = k.init_net
    assert add(k, net, "d0", "dummy").error == 0
    d0 = net.dev_base_head["d0"]
    set_up(k, d0)
    hdr = ifinfomsg(ifi_index=d0.ifindex)
    assert rt(k, net, RTM_NEWLINK, hdr=hdr, a={IFLA_CARRIER: 0}).error == 0
    k.run_for(2_000_000)
    assert not D.netif_carrier_ok(d0) and d0.operstate == IF_OPER_DOWN
    assert not D.dev_get_flags(d0) & IFF_RUNNING
    assert rt(k, net, RTM_NEWLINK, hdr=hdr, a={IFLA_CARRIER: 1}).error == 0
    k.run_for(2_000_000)
    assert d0.operstate == IF_OPER_UP
    lo = net.loopback_dev
    assert lo is not None
    r = rt(k, net, RTM_NEWLINK, hdr=ifinfomsg(ifi_index=lo.ifindex), a={IFLA_CARRIER: 0})
    assert r.error == -errno.EOPNOTSUPP
    assert add(k, net, "i0", "ifb").error == 0
    i0 = net.dev_base_head["i0"]
    set_up(k, i0)
    assert i0.qdisc.ops.id == "pfifo_fast" and i0.qdisc.limit == 32
    assert rt(k, net, RTM_NEWLINK, hdr=ifinfomsg(ifi_index=i0.ifindex),
              a={IFLA_TXQLEN: 5}).error == 0
    assert i0.tx_queue_len == 5 and i0.qdisc.limit == 5
