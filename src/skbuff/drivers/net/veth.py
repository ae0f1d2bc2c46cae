"""Virtual Ethernet pairs: a frame sent on one end is received on the other.

Kernel: drivers/net/veth.c (the non-XDP, non-GRO path: veth_xmit → veth_forward_skb →
__dev_forward_skb + __netif_rx). The two ends may live in different namespaces. Carrier is on
only while both ends are up.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from skbuff.net.core import dev as core_dev
from skbuff.net.core import rtnl_link, skbuff
from skbuff.net.ethernet import eth
from skbuff.uapi.if_ether import ETH_HLEN, ETH_MAX_MTU
from skbuff.uapi.if_link import (
    IFF_UP,
    IFLA_ADDRESS,
    IFLA_IFNAME,
    VETH_INFO_PEER,
)

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device, net_device_stats
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.rtnetlink import netlink_ext_ack
    from skbuff.net.core.skbuff import sk_buff

DRV_NAME = "veth"


class veth_priv:
    """Kernel: drivers/net/veth.c struct veth_priv (+ the tstats tx counters)."""

    __slots__ = ("dropped", "peer", "tx_bytes", "tx_packets")

    def __init__(self) -> None:
        self.peer: net_device | None = None
        self.dropped = 0
        self.tx_packets = 0
        self.tx_bytes = 0


def veth_xmit(skb: sk_buff, dev: net_device) -> int:
    """Forward to the peer's backlog; count tx on success, `dropped` otherwise.

    Kernel: drivers/net/veth.c veth_xmit. BH disabled; owns `skb`. Returns NETDEV_TX_OK or
    NET_XMIT_DROP.
    """
    priv: veth_priv = dev.priv
    rcv = priv.peer
    length = skb.len
    if rcv is None or (skb.len - skb.data_len < ETH_HLEN
                       and not skbuff.pskb_may_pull(skb, ETH_HLEN)):
        skbuff.kfree_skb(skb)
        priv.dropped += 1
        return core_dev.NET_XMIT_DROP
    ret = core_dev.__dev_forward_skb(rcv, skb) or core_dev.__netif_rx(skb)
    if ret == core_dev.NET_RX_SUCCESS:
        priv.tx_packets += 1
        priv.tx_bytes += length
        return core_dev.NETDEV_TX_OK
    priv.dropped += 1
    return core_dev.NET_XMIT_DROP


def veth_get_stats64(dev: net_device, tot: net_device_stats) -> None:
    """tx from this end, rx = what the peer sent. Kernel: drivers/net/veth.c veth_get_stats64."""
    priv: veth_priv = dev.priv
    tot.tx_dropped = priv.dropped
    tot.tx_packets = priv.tx_packets
    tot.tx_bytes = priv.tx_bytes
    peer = priv.peer
    if peer is not None:
        ppriv: veth_priv = peer.priv
        tot.rx_packets = ppriv.tx_packets
        tot.rx_bytes = ppriv.tx_bytes


def veth_open(dev: net_device) -> int:
    """Carrier on both ends if the peer is up. Kernel: drivers/net/veth.c veth_open."""
    peer = dev.priv.peer
    if peer is None:
        return -errno.ENOTCONN
    if peer.flags & IFF_UP:
        core_dev.netif_carrier_on(dev)
        core_dev.netif_carrier_on(peer)
    return 0


def veth_close(dev: net_device) -> int:
    """Kernel: drivers/net/veth.c veth_close."""
    core_dev.netif_carrier_off(dev)
    peer = dev.priv.peer
    if peer is not None:
        core_dev.netif_carrier_off(peer)
    return 0


def veth_get_iflink(dev: net_device) -> int:
    """The peer's ifindex (0 once unpaired). Kernel: drivers/net/veth.c veth_get_iflink."""
    peer = dev.priv.peer
    return peer.ifindex if peer is not None else 0


def veth_set_multicast_list(dev: net_device) -> None:
    """Kernel: drivers/net/veth.c veth_set_multicast_list (nothing to program)."""


veth_netdev_ops = core_dev.net_device_ops(
    ndo_open=veth_open,
    ndo_stop=veth_close,
    ndo_start_xmit=veth_xmit,
    ndo_get_stats64=veth_get_stats64,
    ndo_set_rx_mode=veth_set_multicast_list,
    ndo_set_mac_address=eth.eth_mac_addr,
    ndo_get_iflink=veth_get_iflink,
)


def veth_setup(dev: net_device) -> None:
    """Kernel: drivers/net/veth.c veth_setup."""
    eth.ether_setup(dev)
    dev.priv_flags &= ~core_dev.IFF_TX_SKB_SHARING
    dev.priv_flags |= core_dev.IFF_LIVE_ADDR_CHANGE | core_dev.IFF_NO_QUEUE
    dev.priv_flags |= core_dev.IFF_PHONY_HEADROOM
    dev.netdev_ops = veth_netdev_ops
    dev.lltx = True
    dev.needs_free_netdev = True
    dev.max_mtu = ETH_MAX_MTU


def veth_newlink(
    src_net: Net,
    dev: net_device,
    tb: dict[int, Any],
    data: dict[int, Any] | None,
    extack: netlink_ext_ack | None,
) -> int:
    """Create the peer (first, so it gets the lower ifindex), then `dev`; tie them; carrier off.

    Kernel: drivers/net/veth.c veth_newlink. The peer's attributes come from
    data[VETH_INFO_PEER] = (ifinfomsg, attrs); its namespace from its own IFLA_NET_NS_*.
    """
    ifmp = None
    tbp = tb
    if data and VETH_INFO_PEER in data:
        ifmp, tbp = data[VETH_INFO_PEER]
    if ifmp is not None and tbp.get(IFLA_IFNAME):
        ifname, assign = str(tbp[IFLA_IFNAME]), core_dev.NET_NAME_USER
    else:
        ifname, assign = DRV_NAME + "%d", core_dev.NET_NAME_ENUM
    net = rtnl_link.rtnl_link_get_net(src_net, tbp)
    if isinstance(net, int):
        return net
    peer = rtnl_link.rtnl_create_link(net, ifname, assign, veth_link_ops, tbp, extack)
    if isinstance(peer, int):
        return peer
    if ifmp is None or IFLA_ADDRESS not in tbp:
        eth.eth_hw_addr_random(peer)
    if ifmp is not None and ifmp.ifi_index:
        peer.ifindex = ifmp.ifi_index
    err = core_dev.register_netdevice(peer)
    if err < 0:
        core_dev.free_netdev(peer)
        return err
    core_dev.netif_carrier_off(peer)
    err = rtnl_link.rtnl_configure_link(peer, ifmp, 0)
    if err < 0:
        core_dev.unregister_netdevice(peer)
        return err
    if IFLA_ADDRESS not in tb:
        eth.eth_hw_addr_random(dev)
    dev.name = str(tb[IFLA_IFNAME]) if tb.get(IFLA_IFNAME) else DRV_NAME + "%d"
    err = core_dev.register_netdevice(dev)
    if err < 0:
        core_dev.unregister_netdevice(peer)
        return err
    core_dev.netif_carrier_off(dev)
    dev.priv.peer = peer
    peer.priv.peer = dev
    return 0


def veth_dellink(dev: net_device, head: list[net_device]) -> None:
    """Queue both ends for unregistration. Kernel: drivers/net/veth.c veth_dellink."""
    priv: veth_priv = dev.priv
    peer = priv.peer
    core_dev.unregister_netdevice_queue(dev, head)
    priv.peer = None
    if peer is not None:
        peer.priv.peer = None
        core_dev.unregister_netdevice_queue(peer, head)


def veth_get_link_net(dev: net_device) -> Net:
    """Kernel: drivers/net/veth.c veth_get_link_net (the peer's namespace)."""
    peer = dev.priv.peer
    return peer.nd_net if peer is not None else dev.nd_net


veth_link_ops = core_dev.rtnl_link_ops(
    kind=DRV_NAME,
    setup=veth_setup,
    priv=veth_priv,
    newlink=veth_newlink,
    dellink=veth_dellink,
    get_link_net=veth_get_link_net,
)
