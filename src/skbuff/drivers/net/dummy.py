"""The dummy device: transmitted frames are counted and freed. Also serves kind "ifb".

Kernel: drivers/net/dummy.c. Kind "ifb" (drivers/net/ifb.c) is modelled as a dummy device
with ifb's setup differences (tx_queue_len 32, a real qdisc, multicast kept): the real ifb
re-injects redirected traffic, which needs tc actions we do not model.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff
from skbuff.net.ethernet import eth
from skbuff.uapi.if_ether import ETH_ALEN, is_valid_ether_addr
from skbuff.uapi.if_link import IFF_MULTICAST, IFF_NOARP, IFLA_ADDRESS

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device, net_device_stats
    from skbuff.net.core.skbuff import sk_buff

TX_Q_LIMIT = 32  # drivers/net/ifb.c


def dummy_xmit(skb: sk_buff, dev: net_device) -> int:
    """Count and consume. Kernel: drivers/net/dummy.c dummy_xmit. Owns `skb`."""
    dev.stats.tx_packets += 1
    dev.stats.tx_bytes += skb.len
    skbuff.dev_kfree_skb(skb)
    return core_dev.NETDEV_TX_OK


def dummy_get_stats64(dev: net_device, stats: net_device_stats) -> None:
    """Kernel: drivers/net/dummy.c (lstats: tx only)."""
    stats.tx_packets = dev.stats.tx_packets
    stats.tx_bytes = dev.stats.tx_bytes


def dummy_change_carrier(dev: net_device, new_carrier: bool) -> int:
    """Kernel: drivers/net/dummy.c dummy_change_carrier."""
    if new_carrier:
        core_dev.netif_carrier_on(dev)
    else:
        core_dev.netif_carrier_off(dev)
    return 0


def set_multicast_list(dev: net_device) -> None:
    """Kernel: drivers/net/dummy.c set_multicast_list (nothing to program)."""


dummy_netdev_ops = core_dev.net_device_ops(
    ndo_start_xmit=dummy_xmit,
    ndo_validate_addr=eth.eth_validate_addr,
    ndo_set_rx_mode=set_multicast_list,
    ndo_set_mac_address=eth.eth_mac_addr,
    ndo_get_stats64=dummy_get_stats64,
    ndo_change_carrier=dummy_change_carrier,
)


def dummy_setup(dev: net_device) -> None:
    """Kernel: drivers/net/dummy.c dummy_setup."""
    eth.ether_setup(dev)
    dev.netdev_ops = dummy_netdev_ops
    dev.needs_free_netdev = True
    dev.flags |= IFF_NOARP
    dev.flags &= ~IFF_MULTICAST
    dev.priv_flags |= core_dev.IFF_LIVE_ADDR_CHANGE | core_dev.IFF_NO_QUEUE
    dev.lltx = True
    eth.eth_hw_addr_random(dev)
    dev.min_mtu = 0
    dev.max_mtu = 0


def ifb_setup(dev: net_device) -> None:
    """Kernel: drivers/net/ifb.c ifb_setup (see the module note)."""
    dummy_setup(dev)  # IFF_NOARP, no IFF_MULTICAST: ifb_setup sets the same flags
    dev.priv_flags &= ~(core_dev.IFF_NO_QUEUE | core_dev.IFF_TX_SKB_SHARING)
    dev.priv_flags &= ~core_dev.IFF_XMIT_DST_RELEASE
    dev.tx_queue_len = TX_Q_LIMIT


def dummy_validate(tb: dict[int, Any], data: dict[int, Any] | None, extack: Any) -> int:
    """Kernel: drivers/net/dummy.c dummy_validate."""
    addr = tb.get(IFLA_ADDRESS)
    if addr is not None:
        if len(addr) != ETH_ALEN:
            return -errno.EINVAL
        if not is_valid_ether_addr(addr):
            return -errno.EADDRNOTAVAIL
    return 0


dummy_link_ops = core_dev.rtnl_link_ops(kind="dummy", setup=dummy_setup, validate=dummy_validate)
ifb_link_ops = core_dev.rtnl_link_ops(kind="ifb", setup=ifb_setup, validate=dummy_validate)
