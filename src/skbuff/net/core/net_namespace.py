"""struct net: one network namespace.

Kernel: include/net/net_namespace.h struct net, net/core/net_namespace.c copy_net_ns/cleanup_net.

Per-namespace state lives here and in the `netns_*` objects it holds; per-machine state lives in
`Kernel`. Subsystems register `pernet_operations` (see `register_pernet_subsys`) whose `init(net)`
runs for every namespace, in registration order, and whose `exit(net)` runs in reverse.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from skbuff.net.core import rtnetlink
from skbuff.net.netns.ipv4 import netns_core, netns_ipv4
from skbuff.uapi.net_namespace import NETNSA_FD, NETNSA_NSID, NETNSA_NSID_NOT_ASSIGNED
from skbuff.uapi.rtnetlink import RTM_DELNSID, RTM_NEWNSID, RTNLGRP_NSID, nlmsg, rtgenmsg

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
        self.netns_ids: dict[int, Net] = {}
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
    """Tear a namespace down: its ids in the other namespaces go (unhash_nsid), then the
    pernet exits run in reverse order.

    Kernel: net/core/net_namespace.c cleanup_net, unhash_nsid.
    """
    net.dead = True
    for other in net.kernel.nets:
        for nsid in [i for i, peer in other.netns_ids.items() if peer is net]:
            del other.netns_ids[nsid]
            rtnl_net_notifyid(other, RTM_DELNSID, nsid)
    net.netns_ids.clear()
    for ops in reversed(net.kernel.pernet_list):
        if ops.exit is not None:
            ops.exit(net)
    net.kernel.nets.remove(net)


# --------------------------------------------------------------------------------------------
# Namespace ids: `net` names each peer namespace it has reported by a small integer.


def peernet2id(net: Net, peer: Net) -> int:
    """The id `net` gives `peer`, or NETNSA_NSID_NOT_ASSIGNED.

    Kernel: net/core/net_namespace.c peernet2id, __peernet2id.
    """
    for nsid, other in net.netns_ids.items():
        if other is peer:
            return nsid
    return NETNSA_NSID_NOT_ASSIGNED


def peernet2id_alloc(net: Net, peer: Net) -> int:
    """The id `net` gives `peer`, allocating the lowest free one if it has none (a dead
    `net` or `peer` gets none). Process context, under RTNL.

    Kernel: net/core/net_namespace.c peernet2id_alloc, alloc_netid.
    """
    nsid = peernet2id(net, peer)
    if nsid >= 0 or net.dead or peer.dead:
        return nsid
    nsid = 0
    while nsid in net.netns_ids:
        nsid += 1
    net.netns_ids[nsid] = peer
    rtnl_net_notifyid(net, RTM_NEWNSID, nsid)
    return nsid


def rtnl_net_notifyid(net: Net, cmd: int, nsid: int) -> None:
    """Announce that `net` gave (RTM_NEWNSID) or dropped (RTM_DELNSID) id `nsid` to
    RTNLGRP_NSID listeners of `net`. Kernel: net/core/net_namespace.c rtnl_net_notifyid."""
    rtnetlink.rtnl_notify(net, RTNLGRP_NSID, nlmsg(cmd, 0, rtgenmsg(), {NETNSA_NSID: nsid}))


def get_net_ns_by_id(net: Net, nsid: int) -> Net | None:
    """The namespace `net` calls `nsid`. Kernel: net/core/net_namespace.c get_net_ns_by_id."""
    return net.netns_ids.get(nsid)


def rtnl_net_getid(net: Net, msg: nlmsg, extack: rtnetlink.netlink_ext_ack) -> int:
    """RTM_GETNSID: answer RTM_NEWNSID with the id `net` gives the namespace NETNSA_FD refers
    to (a namespace file: the `Net` itself here), NETNSA_NSID_NOT_ASSIGNED when it has none.
    Assigns nothing. Kernel: net/core/net_namespace.c rtnl_net_getid, rtnl_net_fill.
    """
    peer = msg.attrs.get(NETNSA_FD)
    if not isinstance(peer, Net):
        rtnetlink.NL_SET_ERR_MSG(extack, "Peer netns reference is missing")
        return -errno.EINVAL
    reply = nlmsg(RTM_NEWNSID, 0, rtgenmsg(), {NETNSA_NSID: peernet2id(net, peer)},
                  seq=msg.seq)
    return rtnetlink.rtnl_unicast(reply, extack)
