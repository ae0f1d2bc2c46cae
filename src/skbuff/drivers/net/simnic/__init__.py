"""simnic: a simulated PCI Ethernet controller (`hw`) and its kernel-style driver (`driver`).

    from skbuff.drivers.net.simnic import simnic_pair
    eth_a, eth_b = simnic_pair(net_a, net_b, speed_mbps=1000, latency_ns=5_000)
"""

from skbuff.drivers.net.simnic.driver import simnic_pair, simnic_probe
from skbuff.drivers.net.simnic.hw import simnic_connect, simnic_hw, simnic_traffic_gen

__all__ = ["simnic_connect", "simnic_hw", "simnic_pair", "simnic_probe", "simnic_traffic_gen"]
