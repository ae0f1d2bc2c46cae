"""Ethernet: device setup, header build/parse, receive classification.

Kernel: net/ethernet/eth.c, include/linux/etherdevice.h.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff
from skbuff.uapi.if_arp import ARPHRD_ETHER
from skbuff.uapi.if_ether import (
    ETH_ALEN,
    ETH_BROADCAST,
    ETH_DATA_LEN,
    ETH_HLEN,
    ETH_MIN_MTU,
    ETH_P_802_2,
    ETH_P_802_3,
    ETH_P_802_3_MIN,
    ETH_ZERO,
    is_valid_ether_addr,
)
from skbuff.uapi.if_link import IFF_BROADCAST, IFF_LOOPBACK, IFF_MULTICAST, IFF_NOARP
from skbuff.uapi.if_packet import PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.neighbour import hh_cache
    from skbuff.net.core.skbuff import sk_buff

NET_ADDR_PERM = 0
NET_ADDR_RANDOM = 1
NET_ADDR_STOLEN = 2
NET_ADDR_SET = 3


def eth_header(
    skb: sk_buff, dev: net_device, type_: int, daddr: bytes | None, saddr: bytes | None, len_: int
) -> int:
    """Push an Ethernet header. Returns ETH_HLEN, or -ETH_HLEN when the destination is
    still unknown (the neighbour layer fills it later).

    Kernel: net/ethernet/eth.c eth_header (802.3/802.2 frames carry the length).
    """
    off = skbuff.skb_push(skb, ETH_HLEN)
    buf = skb.buf
    proto = len_ if type_ in (ETH_P_802_3, ETH_P_802_2) else type_
    buf[off + 12] = (proto >> 8) & 0xFF
    buf[off + 13] = proto & 0xFF
    buf[off + 6 : off + 12] = saddr if saddr is not None else dev.dev_addr
    if daddr is not None:
        buf[off : off + 6] = daddr
        return ETH_HLEN
    if dev.flags & (IFF_LOOPBACK | IFF_NOARP):
        buf[off : off + 6] = ETH_ZERO
        return ETH_HLEN
    return -ETH_HLEN


def eth_type_trans(skb: sk_buff, dev: net_device) -> int:
    """Set skb.dev, the MAC header and pkt_type, pull ETH_HLEN; return the protocol
    (host order): the ethertype, ETH_P_802_3 for raw IPX (0xFFFF), else ETH_P_802_2.

    Kernel: net/ethernet/eth.c eth_type_trans, include/linux/etherdevice.h eth_skb_pkt_type.
    skb_pull_inline (include/linux/skbuff.h) is expanded: a frame holding the header in its
    linear part is pulled here; any other goes to the helper (no pull, or its BUG).
    """
    skb.dev = dev
    off = skb.data
    skb.mac_header = off
    buf = skb.buf
    rest = skb.len - ETH_HLEN
    if rest >= skb.data_len:
        skb.len = rest
        skb.data = off + ETH_HLEN
    else:
        skbuff.skb_pull_inline(skb, ETH_HLEN)
    dest = buf[off : off + 6]
    if dest != dev.dev_addr:
        if dest[0] & 1:
            skb.pkt_type = PACKET_BROADCAST if dest == dev.broadcast else PACKET_MULTICAST
        else:
            skb.pkt_type = PACKET_OTHERHOST
    proto = (buf[off + 12] << 8) | buf[off + 13]
    if proto >= ETH_P_802_3_MIN:
        return proto
    data = skb.data
    if skb.len >= 2 and buf[data] == 0xFF and buf[data + 1] == 0xFF:
        return ETH_P_802_3
    return ETH_P_802_2


def eth_header_parse(skb: sk_buff) -> bytes:
    """The source address of the frame. Kernel: net/ethernet/eth.c eth_header_parse."""
    mac = skb.mac_header
    return bytes(skb.buf[mac + 6 : mac + 12])


def eth_header_parse_protocol(skb: sk_buff) -> int:
    """Kernel: net/ethernet/eth.c eth_header_parse_protocol."""
    mac = skb.mac_header
    return (skb.buf[mac + 12] << 8) | skb.buf[mac + 13]


def eth_header_cache(neigh: Any, hh: hh_cache, type_: int) -> int:
    """Fill `hh` from the neighbour's address: dest, our source, type.

    Kernel: net/ethernet/eth.c eth_header_cache (-1 for 802.3 types).
    """
    if type_ == ETH_P_802_3:
        return -1
    dev: net_device = neigh.dev
    hh.hh_data = bytes(neigh.ha[:ETH_ALEN]) + dev.dev_addr + type_.to_bytes(2, "big")
    hh.hh_len = ETH_HLEN
    return 0


def eth_header_cache_update(hh: hh_cache, dev: net_device, haddr: bytes) -> None:
    """New destination in the cached header. Kernel: net/ethernet/eth.c eth_header_cache_update."""
    hh.hh_data = bytes(haddr[:ETH_ALEN]) + hh.hh_data[ETH_ALEN:]


def eth_validate_addr(dev: net_device) -> int:
    """Kernel: net/ethernet/eth.c eth_validate_addr (-EADDRNOTAVAIL)."""
    if not is_valid_ether_addr(dev.dev_addr):
        return -errno.EADDRNOTAVAIL
    return 0


eth_header_ops = core_dev.header_ops(
    create=eth_header,
    parse=eth_header_parse,
    cache=eth_header_cache,
    cache_update=eth_header_cache_update,
    parse_protocol=eth_header_parse_protocol,
)
"""Kernel: net/ethernet/eth.c eth_header_ops (shared, read-only)."""


def eth_prepare_mac_addr_change(dev: net_device, addr: bytes) -> int:
    """-EBUSY on a running device without IFF_LIVE_ADDR_CHANGE; -EADDRNOTAVAIL if invalid.

    Kernel: net/ethernet/eth.c eth_prepare_mac_addr_change.
    """
    if not dev.priv_flags & core_dev.IFF_LIVE_ADDR_CHANGE and core_dev.netif_running(dev):
        return -errno.EBUSY
    if not is_valid_ether_addr(addr):
        return -errno.EADDRNOTAVAIL
    return 0


def eth_commit_mac_addr_change(dev: net_device, addr: bytes) -> None:
    """Kernel: net/ethernet/eth.c eth_commit_mac_addr_change."""
    dev.dev_addr = bytes(addr[:ETH_ALEN])


def eth_mac_addr(dev: net_device, addr: bytes) -> int:
    """ndo_set_mac_address for Ethernet devices. Kernel: net/ethernet/eth.c eth_mac_addr."""
    ret = eth_prepare_mac_addr_change(dev, addr)
    if ret < 0:
        return ret
    eth_commit_mac_addr_change(dev, addr)
    return 0


def eth_random_addr(k: Kernel) -> bytes:
    """A random unicast, locally administered address from the kernel RNG.

    Kernel: include/linux/etherdevice.h eth_random_addr.
    """
    addr = bytearray(k.rng.get_random_bytes(ETH_ALEN))
    addr[0] &= 0xFE
    addr[0] |= 0x02
    return bytes(addr)


def eth_hw_addr_random(dev: net_device) -> None:
    """Kernel: include/linux/etherdevice.h eth_hw_addr_random (addr_assign_type RANDOM)."""
    dev.addr_assign_type = NET_ADDR_RANDOM
    dev.dev_addr = eth_random_addr(dev.nd_net.kernel)


def ether_setup(dev: net_device) -> None:
    """Ethernet defaults (kernel-facts §2). Kernel: net/ethernet/eth.c ether_setup."""
    dev.header_ops = eth_header_ops
    dev.type = ARPHRD_ETHER
    dev.hard_header_len = ETH_HLEN
    dev.min_header_len = ETH_HLEN
    dev.mtu = ETH_DATA_LEN
    dev.min_mtu = ETH_MIN_MTU
    dev.max_mtu = ETH_DATA_LEN
    dev.addr_len = ETH_ALEN
    dev.tx_queue_len = core_dev.DEFAULT_TX_QUEUE_LEN
    dev.flags = IFF_BROADCAST | IFF_MULTICAST
    dev.priv_flags |= core_dev.IFF_TX_SKB_SHARING
    dev.dev_addr = bytes(ETH_ALEN)
    dev.broadcast = ETH_BROADCAST
