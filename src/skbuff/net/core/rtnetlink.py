"""rtnetlink: the message switch between the tools and the subsystems that own each object.

Kernel: net/core/rtnetlink.c (rtnl_register, rtnetlink_rcv_msg, rtnl_unicast, rtnl_notify),
include/linux/netlink.h (struct netlink_ext_ack, NL_SET_ERR_MSG).

Handlers are per kernel (`k.rtnl_msg_handlers`, keyed by (family, msgtype)), registered by the
subsystems at boot. A doit runs in process context under the (implicit) RTNL lock and returns 0
or -errno; a GET doit answers with `rtnl_unicast(reply, net, request)`. A dumpit returns the
messages of the dump.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from skbuff.compat import slotted
from skbuff.net.core import net_namespace
from skbuff.uapi.net_namespace import NETNSA_NSID_NOT_ASSIGNED
from skbuff.uapi.rtnetlink import (
    AF_UNSPEC,
    NLM_F_ACK,
    NLM_F_DUMP,
    RTM_GETLINK,
    RTM_GETNETCONF,
    nlmsg,
    nlreply,
    rtm_kind,
)

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.net_namespace import Net


@slotted
@dataclass
class netlink_ext_ack:
    """Kernel: include/linux/netlink.h struct netlink_ext_ack (the message part).

    `replies` collects what a GET doit sends back with `rtnl_unicast`.
    """

    msg: str | None = None
    replies: list[nlmsg] = field(default_factory=list)


def NL_SET_ERR_MSG(extack: netlink_ext_ack | None, msg: str) -> None:
    """Set the extack text (a later call overwrites it).

    Kernel: include/linux/netlink.h NL_SET_ERR_MSG.
    """
    if extack is not None:
        extack.msg = msg


def NL_SET_ERR_MSG_MOD(extack: netlink_ext_ack | None, msg: str) -> None:
    """Kernel: include/linux/netlink.h NL_SET_ERR_MSG_MOD (prefixes KBUILD_MODNAME when modular;
    our subsystems are built in, so the text is unchanged)."""
    NL_SET_ERR_MSG(extack, msg)


Doit = Callable[["Net", nlmsg, netlink_ext_ack], int]
Dumpit = Callable[["Net", nlmsg], "list[nlmsg] | nlreply"]  # nlreply: a failed dump
Listener = Callable[["Net", int, nlmsg], None]


@slotted
@dataclass
class rtnl_link:
    """Kernel: net/core/rtnetlink.c struct rtnl_link."""

    doit: Doit | None
    dumpit: Dumpit | None


class rtnl_net:
    """Per-namespace rtnetlink state: multicast listeners per RTNLGRP_* group (the `ip monitor`
    side of net->rtnl). Kernel: include/net/net_namespace.h net->rtnl."""

    __slots__ = ("listeners",)

    def __init__(self) -> None:
        self.listeners: dict[int, list[Listener]] = {}


def _handlers(k: Kernel) -> dict[tuple[int, int], rtnl_link]:
    table: dict[tuple[int, int], rtnl_link] | None = getattr(k, "rtnl_msg_handlers", None)
    if table is None:
        table = {}
        setattr(k, "rtnl_msg_handlers", table)  # noqa: B010 - set lazily, owned here
    return table


def rtnl_register(
    k: Kernel, family: int, msgtype: int, doit: Doit | None, dumpit: Dumpit | None
) -> None:
    """Install the handlers for (family, msgtype); a later call for the same pair replaces the
    parts it gives. Kernel: net/core/rtnetlink.c rtnl_register / rtnl_register_internal."""
    table = _handlers(k)
    old = table.get((family, msgtype))
    if old is None:
        table[(family, msgtype)] = rtnl_link(doit, dumpit)
        return
    if doit is not None:
        old.doit = doit
    if dumpit is not None:
        old.dumpit = dumpit


def rtnl_unregister(k: Kernel, family: int, msgtype: int) -> None:
    """Kernel: net/core/rtnetlink.c rtnl_unregister."""
    _handlers(k).pop((family, msgtype), None)


def _rtnl_net_init(net: Net) -> None:
    setattr(net, "rtnl", rtnl_net())  # noqa: B010 - net->rtnl, owned here


def rtnetlink_init(k: Kernel) -> None:
    """Create the handler table and the per-namespace rtnetlink state.

    Kernel: net/core/rtnetlink.c rtnetlink_init (the AF_UNSPEC RTM_GETNETCONF dump),
    rtnetlink_net_init; then the namespace-id handlers (net/core/net_namespace.c net_ns_init).
    """
    _handlers(k)
    net_namespace.register_pernet_subsys(
        k, net_namespace.pernet_operations("rtnetlink", init=_rtnl_net_init)
    )
    net_namespace.net_ns_init(k)
    rtnl_register(k, AF_UNSPEC, RTM_GETNETCONF, None, rtnl_dump_all)


def _family(msg: nlmsg) -> int:
    """The family byte of the request's header (every header names it `family` but
    ifinfomsg, rtgenmsg, netconfmsg and nhmsg)."""
    hdr = msg.hdr
    try:
        return int(hdr.family)
    except AttributeError:
        pass
    for name in ("ifi_family", "rtgen_family", "ncm_family", "nh_family"):
        fam = getattr(hdr, name, None)
        if fam is not None:
            return int(fam)
    return AF_UNSPEC


_KIND_GET = rtm_kind(RTM_GETLINK)


def rtnetlink_rcv_msg(net: Net, msg: nlmsg) -> nlreply:
    """Deliver one request to its handler and return the kernel's answer.

    A GET with NLM_F_DUMP runs the dumpit (multipart reply); everything else runs the doit
    (0 or -errno, plus extack text and any unicast replies). No handler: -EOPNOTSUPP.
    `ack` follows NLM_F_ACK: an error is always reported, a success only when asked.
    Runs in process context. Kernel: net/core/rtnetlink.c rtnetlink_rcv_msg.
    """
    table = _handlers(net.kernel)
    family = _family(msg)
    link = table.get((family, msg.type))
    if link is None and family != AF_UNSPEC:
        link = table.get((AF_UNSPEC, msg.type))
    if link is None:
        return nlreply(-errno.EOPNOTSUPP, None, [], True)
    flags = msg.flags
    if (flags & NLM_F_DUMP) == NLM_F_DUMP and rtm_kind(msg.type) == _KIND_GET:
        if link.dumpit is None:
            return nlreply(-errno.EOPNOTSUPP, None, [], True)
        msgs = link.dumpit(net, msg)
        return msgs if isinstance(msgs, nlreply) else nlreply(0, None, msgs, False)
    doit = link.doit
    if doit is None:
        return nlreply(-errno.EOPNOTSUPP, None, [], True)
    extack = netlink_ext_ack(None, [])
    err = doit(net, msg, extack)
    return nlreply(err, extack.msg, extack.replies, err < 0 or bool(flags & NLM_F_ACK))


def rtnl_unicast(reply: nlmsg, extack: netlink_ext_ack) -> int:
    """Send `reply` back to the requester (the socket `extack` belongs to); returns 0.

    Kernel: net/core/rtnetlink.c rtnl_unicast.
    """
    extack.replies.append(reply)
    return 0


def rtnl_notify(net: Net, group: int, msg: nlmsg) -> None:
    """Multicast `msg` to the listeners of `group` in `net`. Kernel: net/core/rtnetlink.c
    rtnl_notify."""
    state: rtnl_net | None = getattr(net, "rtnl", None)
    if state is None:
        return
    for fn in list(state.listeners.get(group, ())):
        fn(net, group, msg)
    others: dict[int, list[tuple[Net, Listener]]] | None = getattr(
        net.kernel, "rtnl_all_nsid", None)
    if others:
        _notify_all_nsid(net, group, msg, others.get(group, ()))


def _notify_all_nsid(net: Net, group: int, msg: nlmsg,
                     listeners: Iterable[tuple[Net, Listener]]) -> None:
    """The NETLINK_LISTEN_ALL_NSID sockets of other namespaces get `net`'s message when their
    namespace has an id for `net`. Kernel: net/netlink/af_netlink.c do_one_broadcast."""
    from skbuff.net.core.net_namespace import peernet2id

    for sock_net, fn in list(listeners):
        if sock_net is not net and peernet2id(sock_net, net) != NETNSA_NSID_NOT_ASSIGNED:
            fn(net, group, msg)


def rtnl_dump_all(net: Net, msg: nlmsg) -> list[nlmsg] | nlreply:
    """An AF_UNSPEC dump of a message type: every family's dumpit in family order (the
    handler rtnetlink_init installs for RTM_GETADDR/GETROUTE/GETNETCONF); a family's failing
    dump ends it with that error.

    Kernel: net/core/rtnetlink.c rtnl_dump_all.
    """
    table = _handlers(net.kernel)
    out: list[nlmsg] = []
    for family, msgtype in sorted(table):
        dumpit = table[(family, msgtype)].dumpit
        if family != AF_UNSPEC and msgtype == msg.type and dumpit is not None:
            msgs = dumpit(net, msg)
            if isinstance(msgs, nlreply):
                return msgs
            out += msgs
    return out


def rtnl_has_listeners(net: Net, group: int) -> bool:
    """Is anyone subscribed to `group`? Lets senders skip building a notification nobody
    reads (the kernel's mask is per protocol: an all-nsid listener elsewhere counts).
    Kernel: include/linux/rtnetlink.h rtnl_has_listeners, netlink_has_listeners."""
    state: rtnl_net | None = getattr(net, "rtnl", None)
    if state is not None and state.listeners.get(group):
        return True
    others: dict[int, list[tuple[Net, Listener]]] | None = getattr(
        net.kernel, "rtnl_all_nsid", None)
    return bool(others and others.get(group))


def rtnl_listen(net: Net, group: int, fn: Listener) -> None:
    """Subscribe `fn` to `group` (what `ip monitor` does with setsockopt NETLINK_ADD_MEMBERSHIP).

    Kernel: net/netlink/af_netlink.c netlink_setsockopt.
    """
    state: rtnl_net = getattr(net, "rtnl")  # noqa: B009
    state.listeners.setdefault(group, []).append(fn)


def rtnl_listen_all_nsid(net: Net, group: int, fn: Listener) -> None:
    """Subscribe `fn`, a socket of `net` with NETLINK_LISTEN_ALL_NSID set, to `group` in the
    other namespaces too (rtnl_listen covers its own): see _notify_all_nsid.

    Kernel: net/netlink/af_netlink.c netlink_setsockopt NETLINK_LISTEN_ALL_NSID."""
    table: dict[int, list[tuple[Net, Listener]]] | None = getattr(
        net.kernel, "rtnl_all_nsid", None)
    if table is None:
        table = {}
        setattr(net.kernel, "rtnl_all_nsid", table)  # noqa: B010 - set lazily, owned here
    table.setdefault(group, []).append((net, fn))


def rtnl_unlisten_all_nsid(net: Net, group: int, fn: Listener) -> None:
    """Undo rtnl_listen_all_nsid (the socket is closed).

    Kernel: net/netlink/af_netlink.c netlink_release."""
    table: dict[int, list[tuple[Net, Listener]]] = getattr(net.kernel, "rtnl_all_nsid")  # noqa: B009
    table[group].remove((net, fn))


def rtnl_unlisten(net: Net, group: int, fn: Listener) -> None:
    """Drop `fn`'s subscription to `group` (NETLINK_DROP_MEMBERSHIP, or closing the socket);
    a namespace already gone has nothing to drop. Kernel: net/netlink/af_netlink.c
    netlink_setsockopt."""
    state: rtnl_net | None = getattr(net, "rtnl", None)
    fns = state.listeners.get(group) if state is not None else None
    if fns is not None and fn in fns:
        fns.remove(fn)
        if not fns:
            del state.listeners[group]  # type: ignore[union-attr]
