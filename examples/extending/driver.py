"""A new network driver: "sink", an Ethernet device that counts what it is given and drops it.

The smallest driver there is: a private struct, a `net_device_ops` table, `alloc_etherdev`
and `register_netdev` (tutorial 1 adds hardware, interrupts and NAPI). Once registered, the
device is an ordinary interface: `ip` configures it, the stack routes through it, ARP
resolves on it — and every frame reaches `sink_xmit`.

Run: python examples/extending/driver.py
"""

from __future__ import annotations

from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.core.dev import net_device
from skbuff.net.core.net_namespace import Net
from skbuff.net.core.skbuff import sk_buff
from skbuff.net.ethernet import eth
from skbuff.sim.world import World
from skbuff.uapi.if_ether import ETH_P_ARP


class sink_priv:
    """netdev_priv(dev): what the driver remembers."""

    __slots__ = ("arp_requests",)

    def __init__(self) -> None:
        self.arp_requests = 0


def sink_xmit(skb: sk_buff, dev: net_device) -> int:
    """ndo_start_xmit: count the frame and free it; the driver owns `skb`. BH disabled."""
    if skb.protocol == ETH_P_ARP:
        dev.priv.arp_requests += 1
    dev.stats.tx_packets += 1
    dev.stats.tx_bytes += skb.len
    core_skbuff.dev_kfree_skb_any(skb)
    return core_dev.NETDEV_TX_OK


def sink_open(dev: net_device) -> int:
    """ndo_open: a device without a link partner has carrier as soon as it is up."""
    core_dev.netif_carrier_on(dev)
    core_dev.netif_start_queue(dev)
    return 0


def sink_stop(dev: net_device) -> int:
    core_dev.netif_stop_queue(dev)
    core_dev.netif_carrier_off(dev)
    return 0


sink_netdev_ops = core_dev.net_device_ops(
    ndo_open=sink_open, ndo_stop=sink_stop, ndo_start_xmit=sink_xmit,
    ndo_set_mac_address=eth.eth_mac_addr, ndo_validate_addr=eth.eth_validate_addr)


def sink_probe(net: Net) -> net_device:
    """Allocate and register one sink device in `net`. Process context."""
    dev = core_dev.alloc_etherdev(sink_priv())
    assert dev is not None
    dev.nd_net = net
    dev.name = "sink%d"
    dev.netdev_ops = sink_netdev_ops
    dev.dev_addr = dev.perm_addr = bytes.fromhex("020000000001")
    assert core_dev.register_netdev(dev) == 0
    core_dev.netif_carrier_off(dev)  # no link until opened: operstate DOWN, then UP
    return dev


def main() -> None:
    w = World()
    w.run("ip netns add a")
    dev = w.kernel.run_task(sink_probe, w.netns("a"))
    for line in ("ip -n a addr add 10.9.0.1/24 dev sink0", "ip -n a link set sink0 up",
                 "sleep 1", "ip netns exec a ping -c 3 -q 10.9.0.2", "ip -n a -s link show sink0"):
        res = w.run(line)
        print(f"skbuff# {line}\n{res.stdout}{res.stderr}", end="")
    print(f"sink0 saw {dev.priv.arp_requests} ARP requests")


if __name__ == "__main__":
    main()
