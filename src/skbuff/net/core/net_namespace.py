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

from skbuff.compat import slotted
from skbuff.net.core import rtnetlink
from skbuff.net.netns.ipv4 import netns_core, netns_ipv4
from skbuff.uapi.net_namespace import (
    NETNSA_CURRENT_NSID,
    NETNSA_FD,
    NETNSA_NSID,
    NETNSA_NSID_NOT_ASSIGNED,
    NETNSA_PID,
    NETNSA_TARGET_NSID,
)
from skbuff.uapi.rtnetlink import (
    AF_UNSPEC,
    NLM_F_MULTI,
    RTM_DELNSID,
    RTM_GETNSID,
    RTM_NEWNSID,
    RTNLGRP_NSID,
    nlmsg,
    nlreply,
    rtgenmsg,
)

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import net_device
    from skbuff.uapi.snmp import netns_mib


@slotted
@dataclass
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
        # net->hash_mix (preinit_net): random per namespace, derived from the kernel's seed
        # and the namespace id so that making it draws nothing from the random stream.
        self.hash_mix = kernel.rng.siphash(
            kernel.seed.to_bytes(8, "little", signed=True) + b"hash_mix",
            self.ns_id.to_bytes(4, "little")) & 0xFFFFFFFF
        self.dev_base_head: dict[str, net_device] = {}
        self.dev_index_head: dict[int, net_device] = {}
        self.ifindex = 0
        self.loopback_dev: net_device | None = None
        self.core = netns_core()
        self.ipv4 = netns_ipv4()
        self.mib: netns_mib
        self.gen: dict[str, Any] = {}
        self.netns_ids: dict[int, Net] = {}
        self.nexthop: Any = None  # struct netns_nexthop (net/ipv4/nexthop.py)
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


def alloc_netid(net: Net, peer: Net, reqid: int) -> int:
    """Give `peer` the id `reqid` in `net` (-ENOSPC when taken), or the lowest free id when
    `reqid` < 0. Kernel: net/core/net_namespace.c alloc_netid (idr_alloc)."""
    if reqid >= 0:
        if reqid in net.netns_ids:
            return -errno.ENOSPC
        nsid = reqid
    else:
        nsid = 0
        while nsid in net.netns_ids:
            nsid += 1
    net.netns_ids[nsid] = peer
    return nsid


def peernet2id_alloc(net: Net, peer: Net) -> int:
    """The id `net` gives `peer`, allocating the lowest free one if it has none (a dead
    `net` or `peer` gets none); a new id is announced to RTNLGRP_NSID. Process context,
    under RTNL.

    Kernel: net/core/net_namespace.c peernet2id_alloc.
    """
    nsid = peernet2id(net, peer)
    if nsid >= 0 or net.dead or peer.dead:
        return nsid
    nsid = alloc_netid(net, peer, -1)
    rtnl_net_notifyid(net, RTM_NEWNSID, nsid)
    return nsid


def get_net_ns_by_id(net: Net, nsid: int) -> Net | None:
    """The namespace `net` calls `nsid`. Kernel: net/core/net_namespace.c get_net_ns_by_id."""
    return net.netns_ids.get(nsid)


def get_net_ns_by_pid(kernel: Kernel, pid: int) -> Net | int:
    """The network namespace of process `pid`, or -ESRCH when there is no such process.

    Kernel: net/core/net_namespace.c get_net_ns_by_pid."""
    net = kernel.tasks.get(pid)
    return net if net is not None and not net.dead else -errno.ESRCH


def rtnl_net_fill(cmd: int, nsid: int, ref_nsid: int | None, seq: int = 0,
                  flags: int = 0) -> nlmsg:
    """An RTM_NEWNSID/DELNSID message: NETNSA_NSID, and NETNSA_CURRENT_NSID when the
    request named a target namespace. Kernel: net/core/net_namespace.c rtnl_net_fill."""
    attrs: dict[int, int] = {NETNSA_NSID: nsid}
    if ref_nsid is not None:
        attrs[NETNSA_CURRENT_NSID] = ref_nsid
    return nlmsg(cmd, flags, rtgenmsg(), attrs, seq=seq)


def rtnl_net_notifyid(net: Net, cmd: int, nsid: int) -> None:
    """Tell RTNLGRP_NSID listeners of `net` (`ip monitor nsid`) that it gave (RTM_NEWNSID)
    or dropped (RTM_DELNSID) id `nsid`.

    Kernel: net/core/net_namespace.c rtnl_net_notifyid."""
    rtnetlink.rtnl_notify(net, RTNLGRP_NSID, rtnl_net_fill(cmd, nsid, None))


def _peer_ref(msg: nlmsg) -> Net | None:
    """The namespace NETNSA_FD (or NETNSA_PID) refers to: here the attribute holds the `Net`
    itself (the file /run/netns/NAME names)."""
    peer = msg.attrs.get(NETNSA_FD, msg.attrs.get(NETNSA_PID))
    return peer if isinstance(peer, Net) and not peer.dead else None


def rtnl_net_newid(net: Net, msg: nlmsg, extack: rtnetlink.netlink_ext_ack) -> int:
    """RTM_NEWNSID (`ip netns set NAME ID|auto`): give the peer namespace id NETNSA_NSID in
    `net` (a negative id: the lowest free one). A peer that already has an id, or an id in
    use, is -EEXIST. Process context, RTNL.

    Kernel: net/core/net_namespace.c rtnl_net_newid.
    """
    if NETNSA_NSID not in msg.attrs:
        rtnetlink.NL_SET_ERR_MSG(extack, "nsid is missing")
        return -errno.EINVAL
    nsid = int(msg.attrs[NETNSA_NSID])
    if NETNSA_FD not in msg.attrs and NETNSA_PID not in msg.attrs:
        rtnetlink.NL_SET_ERR_MSG(extack, "Peer netns reference is missing")
        return -errno.EINVAL
    peer = _peer_ref(msg)
    if peer is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "Peer netns reference is invalid")
        return -errno.EBADF
    if peernet2id(net, peer) >= 0:
        rtnetlink.NL_SET_ERR_MSG(extack, "Peer netns already has a nsid assigned")
        return -errno.EEXIST
    err = alloc_netid(net, peer, nsid)
    if err >= 0:
        rtnl_net_notifyid(net, RTM_NEWNSID, err)
        return 0
    rtnetlink.NL_SET_ERR_MSG(extack, "The specified nsid is already used")
    return -errno.EEXIST


def rtnl_get_net_ns_capable(net: Net, netnsid: int) -> Net | None:
    """The namespace `net` calls `netnsid` (root holds CAP_NET_ADMIN everywhere), or None
    (-EINVAL). Kernel: net/core/rtnetlink.c rtnl_get_net_ns_capable."""
    return get_net_ns_by_id(net, netnsid)


def rtnl_net_getid(net: Net, msg: nlmsg, extack: rtnetlink.netlink_ext_ack) -> int:
    """RTM_GETNSID: answer RTM_NEWNSID with the id `net` gives the peer named by NETNSA_FD
    (a namespace file: the `Net` itself here) or NETNSA_NSID, NETNSA_NSID_NOT_ASSIGNED when
    it has none. With NETNSA_TARGET_NSID the id is the one that target namespace gives the
    peer, and NETNSA_CURRENT_NSID carries `net`'s. Assigns nothing.

    Kernel: net/core/net_namespace.c rtnl_net_getid, rtnl_net_fill.
    """
    a = msg.attrs
    if NETNSA_FD in a or NETNSA_PID in a:
        peer = _peer_ref(msg)
        err = -errno.EBADF
    elif NETNSA_NSID in a:
        peer = get_net_ns_by_id(net, int(a[NETNSA_NSID]))
        err = -errno.ENOENT
    else:
        rtnetlink.NL_SET_ERR_MSG(extack, "Peer netns reference is missing")
        return -errno.EINVAL
    if peer is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "Peer netns reference is invalid")
        return err
    target = net
    ref_nsid: int | None = None
    if NETNSA_TARGET_NSID in a:
        found = rtnl_get_net_ns_capable(net, int(a[NETNSA_TARGET_NSID]))
        if found is None:
            rtnetlink.NL_SET_ERR_MSG(extack, "Target netns reference is invalid")
            return -errno.EINVAL
        target = found
        ref_nsid = peernet2id(net, peer)
    reply = rtnl_net_fill(RTM_NEWNSID, peernet2id(target, peer), ref_nsid, seq=msg.seq)
    return rtnetlink.rtnl_unicast(reply, extack)


def rtnl_net_dumpid(net: Net, msg: nlmsg) -> list[nlmsg] | nlreply:
    """RTM_GETNSID dump (`ip netns list-id`): every id `net` (or the NETNSA_TARGET_NSID
    namespace) gives, in id order; with a target, NETNSA_CURRENT_NSID is `net`'s id for
    the same peer. Kernel: net/core/net_namespace.c rtnl_net_dumpid, rtnl_valid_dump_net_req
    (strict checking, as iproute2 asks for)."""
    tgt, ref = net, None
    for attr, value in msg.attrs.items():
        if attr != NETNSA_TARGET_NSID:
            return nlreply(-errno.EINVAL, "Unsupported attribute in dump request")
        found = rtnl_get_net_ns_capable(net, int(value))
        if found is None:
            return nlreply(-errno.EINVAL, "Invalid target network namespace id")
        tgt, ref = found, net
    return [rtnl_net_fill(RTM_NEWNSID, nsid, None if ref is None else peernet2id(ref, peer),
                          seq=msg.seq, flags=NLM_F_MULTI)
            for nsid, peer in sorted(tgt.netns_ids.items())]


def net_ns_init(k: Kernel) -> None:
    """Register the namespace-id rtnetlink handlers (RTM_NEWNSID, RTM_GETNSID doit+dumpit).

    Kernel: net/core/net_namespace.c net_ns_init.
    """
    rtnetlink.rtnl_register(k, AF_UNSPEC, RTM_NEWNSID, rtnl_net_newid, None)
    rtnetlink.rtnl_register(k, AF_UNSPEC, RTM_GETNSID, rtnl_net_getid, rtnl_net_dumpid)
