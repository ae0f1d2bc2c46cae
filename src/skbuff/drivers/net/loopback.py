"""The loopback device `lo`: every transmitted frame is received again on the same device.

Kernel: drivers/net/loopback.c. One `lo` per namespace (ifindex 1, created DOWN by the pernet
init); it cannot change namespace (netns_local).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skbuff.kernel.bug import KernelBug
from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff
from skbuff.net.ethernet import eth
from skbuff.net.flow import LOOPBACK_IFINDEX
from skbuff.uapi.if_arp import ARPHRD_LOOPBACK
from skbuff.uapi.if_ether import ETH_ALEN, ETH_HLEN
from skbuff.uapi.if_link import IFF_LOOPBACK

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device, net_device_stats
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff



class pcpu_lstats:
    """Kernel: include/linux/netdevice.h struct pcpu_lstats (summed over CPUs: one object)."""

    __slots__ = ("bytes", "packets")

    def __init__(self) -> None:
        self.packets = 0
        self.bytes = 0


def loopback_xmit(skb: sk_buff, dev: net_device) -> int:
    """Receive the frame on `dev` again (via the backlog); count it on success.

    Kernel: drivers/net/loopback.c loopback_xmit. BH disabled; owns `skb`; NETDEV_TX_OK always.
    """
    skb.tstamp = 0
    skbuff.skb_orphan(skb)
    skbuff.skb_dst_force(skb)
    skb.protocol = eth.eth_type_trans(skb, dev)
    length = skb.len
    if core_dev.__netif_rx(skb) == core_dev.NET_RX_SUCCESS:
        lstats: pcpu_lstats = dev.priv
        lstats.packets += 1
        lstats.bytes += length
    return core_dev.NETDEV_TX_OK


def loopback_get_stats64(dev: net_device, stats: net_device_stats) -> None:
    """rx = tx = what was looped. Kernel: drivers/net/loopback.c loopback_get_stats64."""
    lstats: pcpu_lstats = dev.priv
    stats.rx_packets = stats.tx_packets = lstats.packets
    stats.rx_bytes = stats.tx_bytes = lstats.bytes


loopback_ops = core_dev.net_device_ops(
    ndo_start_xmit=loopback_xmit,
    ndo_get_stats64=loopback_get_stats64,
    ndo_set_mac_address=eth.eth_mac_addr,
)


def loopback_setup(dev: net_device) -> None:
    """Kernel: drivers/net/loopback.c loopback_setup / gen_lo_setup (mtu 64 KiB)."""
    dev.mtu = 64 * 1024
    dev.hard_header_len = ETH_HLEN
    dev.min_header_len = ETH_HLEN
    dev.addr_len = ETH_ALEN
    dev.dev_addr = bytes(ETH_ALEN)
    dev.broadcast = bytes(ETH_ALEN)
    dev.type = ARPHRD_LOOPBACK
    dev.flags = IFF_LOOPBACK
    dev.priv_flags |= core_dev.IFF_LIVE_ADDR_CHANGE | core_dev.IFF_NO_QUEUE
    dev.priv_flags &= ~core_dev.IFF_XMIT_DST_RELEASE  # netif_keep_dst
    dev.lltx = True
    dev.netns_local = True
    dev.header_ops = eth.eth_header_ops
    dev.netdev_ops = loopback_ops
    dev.needs_free_netdev = True


def loopback_net_init(net: Net) -> None:
    """Create and register `lo` (DOWN) in `net`; it must get ifindex 1.

    Kernel: drivers/net/loopback.c loopback_net_init.
    """
    dev = core_dev.alloc_netdev(pcpu_lstats(), "lo", core_dev.NET_NAME_PREDICTABLE, loopback_setup)
    assert dev is not None
    dev.nd_net = net
    err = core_dev.register_netdev(dev)
    if err or dev.ifindex != LOOPBACK_IFINDEX:
        raise KernelBug(f"loopback: register_netdev in {net!r} gave {err}/{dev.ifindex}")
    net.loopback_dev = dev
