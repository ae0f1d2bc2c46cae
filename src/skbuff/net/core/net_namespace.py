"""struct net: one network namespace.

Kernel: include/net/net_namespace.h struct net, net/core/net_namespace.c copy_net_ns/cleanup_net.

Per-namespace state lives here and in the `netns_*` objects it holds; per-machine state lives in
`Kernel`. Subsystems register `pernet_operations` (see `register_pernet_subsys`) whose `init(net)`
runs for every namespace, in registration order, and whose `exit(net)` runs in reverse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from skbuff.net.netns.ipv4 import netns_core, netns_ipv4

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import net_device
    from skbuff.uapi.snmp import netns_mib


@dataclass(slots=True)
class pernet_operations:
    """Kernel: include/net/net_namespace.h struct pernet_operations."""

    name: str
    init: Callable[[Net], None] | None = None
    exit: Callable[[Net], None] | None = None


class Net:
    """struct net. Create with `copy_net_ns`, never directly."""

    def __init__(self, kernel: Kernel, name: str) -> None:
        self.kernel = kernel
        self.name = name
        self.ns_id = len(kernel.nets)
        self.dev_base_head: dict[str, net_device] = {}
        self.dev_index_head: dict[int, net_device] = {}
        self.ifindex = 0
        self.loopback_dev: net_device | None = None
        self.core = netns_core()
        self.ipv4 = netns_ipv4()
        self.mib: netns_mib
        self.gen: dict[str, Any] = {}
        self.dead = False

    def __repr__(self) -> str:
        return f"<Net {self.name or 'init_net'}>"

    # Python API conveniences (not in the kernel): what a notebook reaches for first.
    @property
    def devices(self) -> list[net_device]:
        """The namespace's devices in registration order (`ip link` order)."""
        return list(self.dev_base_head.values())

    def socket(self, family: int, type: int, proto: int = 0) -> Any:
        """socket(2) in this namespace: a `skbuff.net.socket.Socket` (the BSD API; blocking
        calls advance the simulated clock). Call it in process context (`kernel.run_task`)."""
        from skbuff.net import socket as bsd_socket

        return bsd_socket.net_socket(self, family, type, proto)


def _register_pernet(kernel: Kernel, ops: pernet_operations, at: int) -> None:
    kernel.pernet_list.insert(at, ops)
    if ops.init is not None:
        for net in kernel.nets:
            ops.init(net)


def register_pernet_subsys(kernel: Kernel, ops: pernet_operations) -> None:
    """Register subsystem `ops` (before every device's) and run its init in each namespace.

    Subsystems go before `first_device` so a new namespace has its subsystems (devinet, FIB,
    neighbour tables) ready before devices such as `lo` register into it.
    Kernel: net/core/net_namespace.c register_pernet_subsys.
    """
    _register_pernet(kernel, ops, kernel.pernet_first_device)
    kernel.pernet_first_device += 1


def register_pernet_device(kernel: Kernel, ops: pernet_operations) -> None:
    """Register device `ops` (after every subsystem's) and run its init in each namespace.

    Kernel: net/core/net_namespace.c register_pernet_device.
    """
    _register_pernet(kernel, ops, len(kernel.pernet_list))


def copy_net_ns(kernel: Kernel, name: str) -> Net:
    """Create a namespace and run every pernet init in order.

    Kernel: net/core/net_namespace.c copy_net_ns, setup_net.
    """
    net = Net(kernel, name)
    kernel.nets.append(net)
    for ops in kernel.pernet_list:
        if ops.init is not None:
            ops.init(net)
    return net


def cleanup_net(net: Net) -> None:
    """Tear a namespace down: pernet exits in reverse order.

    Kernel: net/core/net_namespace.c cleanup_net.
    """
    net.dead = True
    for ops in reversed(net.kernel.pernet_list):
        if ops.exit is not None:
            ops.exit(net)
    net.kernel.nets.remove(net)
