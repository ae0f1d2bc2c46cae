"""Booting a simulated machine: the kernel core, then the networking initcalls in kernel order.

Kernel: init/main.c do_initcalls; net/core/net_namespace.c net_ns_init (init_net exists before
the subsystems register their pernet operations, which then run for it).

Each subsystem contributes one line to `_net_initcalls`, in the order the kernel runs them.
"""

from __future__ import annotations

from skbuff.drivers.net.simnic import driver as simnic_driver
from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as core_dev
from skbuff.net.core import fib_rules as core_fib_rules
from skbuff.net.core import rtnetlink as core_rtnetlink
from skbuff.net.core import rtnl_link as core_rtnl_link
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.core.net_namespace import copy_net_ns
from skbuff.net.ipv4 import af_inet
from skbuff.net.ipv4 import arp as ipv4_arp
from skbuff.net.ipv4 import devinet as ipv4_devinet
from skbuff.net.ipv4 import fib_frontend as ipv4_fib_frontend
from skbuff.net.ipv4 import nexthop as ipv4_nexthop
from skbuff.net.ipv4 import route as ipv4_route


def _net_initcalls(k: Kernel) -> None:
    """Run the networking initcalls, kernel order (subsys_initcall, fs_initcall, …)."""
    core_rtnetlink.rtnetlink_init(k)
    core_skbuff.skb_init(k)
    core_dev.net_dev_init(k)
    core_fib_rules.fib_rules_init(k)
    core_rtnl_link.rtnl_link_init(k)
    ipv4_nexthop.nexthop_init(k)  # subsys_initcall, before inet_init (fs_initcall)
    # inet_init: arp_init, then ip_init → ip_rt_init (→ devinet_init, ip_fib_init), then the
    # protocols.
    ipv4_arp.arp_init(k)
    ipv4_route.ip_rt_init(k)
    ipv4_devinet.devinet_init(k)
    ipv4_fib_frontend.ip_fib_init(k)
    af_inet.inet_init(k)
    simnic_driver.simnic_init(k)  # module_init of the simnic driver: the "simnic" link kind


def boot(seed: int = 0, hz: int = 1000, ncpus: int = 2) -> Kernel:
    """A fresh machine: only `init_net`, its `lo` down. Returns the booted `Kernel`."""
    k = Kernel(seed=seed, hz=hz, ncpus=ncpus)
    with k:
        k.init_net = copy_net_ns(k, "")
        _net_initcalls(k)
    return k
