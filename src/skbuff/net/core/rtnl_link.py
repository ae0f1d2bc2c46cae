"""rtnetlink link messages: RTM_NEWLINK/DELLINK/SETLINK/GETLINK and link notifications.

Kernel: net/core/rtnetlink.c (rtnl_newlink, rtnl_newlink_create, do_setlink, rtnl_dellink,
rtnl_getlink, rtnl_dump_ifinfo, rtnl_fill_ifinfo, rtmsg_ifinfo, rtnl_create_link,
rtnl_configure_link, rtnl_link_register). The dispatcher (`net/core/rtnetlink.py`) calls these
in process context with RTNL held; errors are -errno with the kernel's extack texts.

Message conventions (shared with the tools): `IFLA_NET_NS_FD` carries the target `Net`
(`IFLA_NET_NS_PID` a pid, as on the wire);
`IFLA_LINKINFO` is {IFLA_INFO_KIND: str, IFLA_INFO_DATA: dict}; veth's peer is
IFLA_INFO_DATA[VETH_INFO_PEER] = (ifinfomsg, attrs); `IFLA_STATS64` is an `rtnl_link_stats64`.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from skbuff.kernel import notifier
from skbuff.net.core import dev as core_dev
from skbuff.net.core import link_watch, net_namespace, rtnetlink
from skbuff.uapi.if_link import (
    IF_OPER_DORMANT,
    IF_OPER_DOWN,
    IF_OPER_TESTING,
    IF_OPER_UNKNOWN,
    IF_OPER_UP,
    IFF_ALLMULTI,
    IFF_PROMISC,
    IFLA_ADDRESS,
    IFLA_ALLMULTI,
    IFLA_BROADCAST,
    IFLA_CARRIER,
    IFLA_CARRIER_CHANGES,
    IFLA_CARRIER_DOWN_COUNT,
    IFLA_CARRIER_UP_COUNT,
    IFLA_GRO_MAX_SIZE,
    IFLA_GROUP,
    IFLA_GSO_MAX_SEGS,
    IFLA_GSO_MAX_SIZE,
    IFLA_IFALIAS,
    IFLA_IFNAME,
    IFLA_INFO_DATA,
    IFLA_INFO_KIND,
    IFLA_LINK,
    IFLA_LINK_NETNSID,
    IFLA_LINKINFO,
    IFLA_LINKMODE,
    IFLA_MAP,
    IFLA_MAX_MTU,
    IFLA_MIN_MTU,
    IFLA_MTU,
    IFLA_NET_NS_FD,
    IFLA_NET_NS_PID,
    IFLA_NUM_RX_QUEUES,
    IFLA_NUM_TX_QUEUES,
    IFLA_OPERSTATE,
    IFLA_PERM_ADDRESS,
    IFLA_PROMISCUITY,
    IFLA_PROTINFO,
    IFLA_PROTO_DOWN,
    IFLA_QDISC,
    IFLA_STATS64,
    IFLA_TSO_MAX_SEGS,
    IFLA_TSO_MAX_SIZE,
    IFLA_TXQLEN,
    rtnl_link_stats64,
)
from skbuff.uapi.rtnetlink import (
    AF_UNSPEC,
    NLM_F_CREATE,
    NLM_F_EXCL,
    NLM_F_MULTI,
    NLM_F_REPLACE,
    RTM_DELLINK,
    RTM_GETLINK,
    RTM_NEWLINK,
    RTM_SETLINK,
    RTNLGRP_LINK,
    ifinfomsg,
    nlmsg,
)

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import net_device, rtnl_link_ops
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.rtnetlink import netlink_ext_ack

RTNL_LINK_INITIALIZED = 0
RTNL_LINK_INITIALIZING = 1


# --------------------------------------------------------------------------------------------
# Link kinds


def rtnl_link_register(k: Kernel, ops: rtnl_link_ops) -> int:
    """Register a link kind (-EEXIST if taken); a kind without its own dellink gets
    unregister_netdevice_queue, so `ip link del` works on it (dummy, ifb, ...).

    Kernel: net/core/rtnetlink.c rtnl_link_register, __rtnl_link_register."""
    table: dict[str, rtnl_link_ops] = k.net_hotdata.rtnl_link_ops
    if ops.kind in table:
        return -errno.EEXIST
    if ops.dellink is None:
        ops.dellink = core_dev.unregister_netdevice_queue
    table[ops.kind] = ops
    return 0


def rtnl_link_ops_get(k: Kernel, kind: str) -> rtnl_link_ops | None:
    """Kernel: net/core/rtnetlink.c rtnl_link_ops_get."""
    table: dict[str, rtnl_link_ops] = k.net_hotdata.rtnl_link_ops
    return table.get(kind)


def rtnl_link_get_net(src_net: Net, tb: dict[int, Any]) -> Net | int:
    """The namespace of process IFLA_NET_NS_PID (-ESRCH if there is none), else the one
    IFLA_NET_NS_FD names (a `Net` here), else `src_net`.

    Kernel: net/core/rtnetlink.c rtnl_link_get_net.
    """
    if IFLA_NET_NS_PID in tb:
        return net_namespace.get_net_ns_by_pid(src_net.kernel, int(tb[IFLA_NET_NS_PID]))
    target = tb.get(IFLA_NET_NS_FD)
    return target if target is not None else src_net


def rtnl_create_link(
    net: Net,
    ifname: str,
    name_assign_type: int,
    ops: rtnl_link_ops,
    tb: dict[int, Any],
    extack: netlink_ext_ack | None,
) -> net_device | int:
    """Allocate (not register) a device of kind `ops` in `net`, applying mtu/address/txqlen.

    Kernel: net/core/rtnetlink.c rtnl_create_link. Returns the device or -errno.
    """
    dev = core_dev.alloc_netdev_mqs(
        ops.priv() if ops.priv is not None else None, ifname, name_assign_type, ops.setup, 1, 1
    )
    if dev is None:
        return -errno.ENOMEM
    err = validate_linkmsg(dev, tb, extack)
    if err < 0:
        core_dev.free_netdev(dev)
        return err
    dev.nd_net = net
    dev.rtnl_link_ops = ops
    dev.rtnl_link_state = RTNL_LINK_INITIALIZING
    if IFLA_MTU in tb:
        mtu = int(tb[IFLA_MTU])
        err = core_dev.dev_validate_mtu(dev, mtu, extack)
        if err:
            core_dev.free_netdev(dev)
            return err
        dev.mtu = mtu
    if IFLA_ADDRESS in tb:
        dev.dev_addr = bytes(tb[IFLA_ADDRESS])
        dev.addr_assign_type = 3  # NET_ADDR_SET
    if IFLA_BROADCAST in tb:
        dev.broadcast = bytes(tb[IFLA_BROADCAST])
    if IFLA_TXQLEN in tb:
        dev.tx_queue_len = int(tb[IFLA_TXQLEN])
    if IFLA_OPERSTATE in tb:
        set_operstate(dev, int(tb[IFLA_OPERSTATE]))
    if IFLA_LINKMODE in tb:
        dev.link_mode = int(tb[IFLA_LINKMODE])
    if IFLA_GROUP in tb:
        dev.group = int(tb[IFLA_GROUP])
    return dev


def rtnl_dev_combine_flags(dev: net_device, ifm: ifinfomsg) -> int:
    """Kernel: net/core/rtnetlink.c rtnl_dev_combine_flags."""
    flags = ifm.ifi_flags
    if ifm.ifi_change:
        pa = IFF_PROMISC | IFF_ALLMULTI
        current = (dev.flags & ~pa) | (dev.gflags & pa)
        flags = (flags & ifm.ifi_change) | (current & ~ifm.ifi_change)
    return flags


def rtnl_configure_link(dev: net_device, ifm: ifinfomsg | None, portid: int) -> int:
    """Apply the creation flags and announce the link. Kernel: net/core/rtnetlink.c
    rtnl_configure_link."""
    old_flags = dev.flags
    if ifm is not None and (ifm.ifi_flags or ifm.ifi_change):
        err = core_dev.__dev_change_flags(dev, rtnl_dev_combine_flags(dev, ifm), None)
        if err < 0:
            return err
    if dev.rtnl_link_state == RTNL_LINK_INITIALIZED:
        core_dev.__dev_notify_flags(dev, old_flags, 0)
    else:
        dev.rtnl_link_state = RTNL_LINK_INITIALIZED
        core_dev.__dev_notify_flags(dev, old_flags, 0xFFFFFFFF)
    return 0


def set_operstate(dev: net_device, transition: int) -> None:
    """User-space operstate requests (UP only from DORMANT/TESTING/UNKNOWN without the
    dormant/testing bits; DORMANT/TESTING only from an oper-up device).

    Kernel: net/core/rtnetlink.c set_operstate.
    """
    operstate = dev.operstate
    if (
        transition == IF_OPER_UP
        and operstate in (IF_OPER_DORMANT, IF_OPER_TESTING, IF_OPER_UNKNOWN)
        and not core_dev.netif_dormant(dev)
        and not core_dev.netif_testing(dev)
    ):
        operstate = IF_OPER_UP
    elif transition in (IF_OPER_TESTING, IF_OPER_DORMANT) and core_dev.netif_oper_up(dev):
        operstate = transition
    if dev.operstate != operstate:
        dev.operstate = operstate
        core_dev.netdev_state_change(dev)


# --------------------------------------------------------------------------------------------
# Filling messages


def rtnl_fill_stats(dev: net_device) -> rtnl_link_stats64:
    """Kernel: net/core/rtnetlink.c rtnl_fill_stats (dev_get_stats)."""
    stats = core_dev.dev_get_stats(dev)
    out = rtnl_link_stats64()
    core_dev.netdev_stats_to_stats64(out, stats)
    return out


def rtnl_fill_link_netnsid(at: dict[int, Any], dev: net_device) -> None:
    """IFLA_LINK_NETNSID for a link whose other side is in another namespace (then IFLA_LINK
    is always given), else IFLA_LINK only when it differs from the ifindex.

    Kernel: net/core/rtnetlink.c rtnl_fill_link_netnsid, nla_put_iflink.
    """
    force = False
    ops = dev.rtnl_link_ops
    if ops is not None and ops.get_link_net is not None:
        link_net = ops.get_link_net(dev)
        if link_net is not dev.nd_net:
            at[IFLA_LINK_NETNSID] = net_namespace.peernet2id_alloc(dev.nd_net, link_net)
            force = True
    iflink = core_dev.dev_get_iflink(dev)
    if force or iflink != dev.ifindex:
        at[IFLA_LINK] = iflink


def rtnl_fill_ifinfo(dev: net_device, msgtype: int, change: int) -> nlmsg:
    """One link as RTM_NEWLINK/RTM_DELLINK. Kernel: net/core/rtnetlink.c rtnl_fill_ifinfo."""
    hdr = ifinfomsg(
        ifi_family=AF_UNSPEC,
        ifi_type=dev.type,
        ifi_index=dev.ifindex,
        ifi_flags=core_dev.dev_get_flags(dev),
        ifi_change=change,
    )
    at: dict[int, Any] = {
        IFLA_IFNAME: dev.name,
        IFLA_TXQLEN: dev.tx_queue_len,
        IFLA_OPERSTATE: dev.operstate if core_dev.netif_running(dev) else IF_OPER_DOWN,
        IFLA_LINKMODE: dev.link_mode,
        IFLA_MTU: dev.mtu,
        IFLA_MIN_MTU: dev.min_mtu,
        IFLA_MAX_MTU: dev.max_mtu,
        IFLA_GROUP: dev.group,
        IFLA_PROMISCUITY: dev.promiscuity,
        IFLA_ALLMULTI: dev.allmulti,
        IFLA_NUM_TX_QUEUES: dev.num_tx_queues,
        IFLA_GSO_MAX_SEGS: dev.gso_max_segs,
        IFLA_GSO_MAX_SIZE: dev.gso_max_size,
        IFLA_GRO_MAX_SIZE: dev.gro_max_size,
        IFLA_TSO_MAX_SIZE: dev.tso_max_size,
        IFLA_TSO_MAX_SEGS: dev.gso_max_segs,
        IFLA_NUM_RX_QUEUES: dev.num_rx_queues,
        IFLA_CARRIER: int(core_dev.netif_carrier_ok(dev)),
        IFLA_CARRIER_CHANGES: dev.carrier_up_count + dev.carrier_down_count,
        IFLA_CARRIER_UP_COUNT: dev.carrier_up_count,
        IFLA_CARRIER_DOWN_COUNT: dev.carrier_down_count,
        IFLA_PROTO_DOWN: 0,
    }
    if dev.addr_len:
        at[IFLA_ADDRESS] = dev.dev_addr
        at[IFLA_BROADCAST] = dev.broadcast
    if dev.perm_addr:
        at[IFLA_PERM_ADDRESS] = dev.perm_addr
    at[IFLA_QDISC] = dev.qdisc.ops.id
    if dev.ifalias:
        at[IFLA_IFALIAS] = dev.ifalias
    at[IFLA_STATS64] = rtnl_fill_stats(dev)
    ops = dev.rtnl_link_ops
    if ops is not None:
        info: dict[int, Any] = {IFLA_INFO_KIND: ops.kind}
        if ops.fill_info is not None:
            info[IFLA_INFO_DATA] = ops.fill_info(dev)
        at[IFLA_LINKINFO] = info
    rtnl_fill_link_netnsid(at, dev)
    return nlmsg(type=msgtype, flags=0, hdr=hdr, attrs=at)


def rtmsg_ifinfo(msgtype: int, dev: net_device, change: int) -> None:
    """Announce a link change to RTNLGRP_LINK listeners of the device's namespace.

    Kernel: net/core/rtnetlink.c rtmsg_ifinfo (only registered devices; DELLINK always).
    """
    if msgtype == RTM_NEWLINK and dev.reg_state != core_dev.NETREG_REGISTERED:
        return
    rtnetlink.rtnl_notify(dev.nd_net, RTNLGRP_LINK, rtnl_fill_ifinfo(dev, msgtype, change))


def rtnetlink_event(nb: notifier.notifier_block, event: int, ptr: Any) -> int:
    """netdev_chain: announce an mtu, address, name, … change as RTM_NEWLINK (without the
    IFLA_EVENT attribute); other events announce themselves. Kernel: net/core/rtnetlink.c
    rtnetlink_event."""
    d = core_dev  # the NETDEV_* values (dev imports this module: read them at call time)
    if event in (d.NETDEV_REBOOT, d.NETDEV_CHANGEMTU, d.NETDEV_CHANGEADDR, d.NETDEV_CHANGENAME,
                 d.NETDEV_FEAT_CHANGE, d.NETDEV_BONDING_FAILOVER, d.NETDEV_POST_TYPE_CHANGE,
                 d.NETDEV_NOTIFY_PEERS, d.NETDEV_CHANGEUPPER, d.NETDEV_RESEND_IGMP,
                 d.NETDEV_CHANGEINFODATA, d.NETDEV_CHANGELOWERSTATE,
                 d.NETDEV_CHANGE_TX_QUEUE_LEN):
        rtmsg_ifinfo(RTM_NEWLINK, d.netdev_notifier_info_to_dev(ptr), 0)
    return notifier.NOTIFY_DONE


# --------------------------------------------------------------------------------------------
# Handlers


def validate_linkmsg(
    dev: net_device | None, tb: dict[int, Any], extack: netlink_ext_ack | None
) -> int:
    """Kernel: net/core/rtnetlink.c validate_linkmsg (address lengths)."""
    if dev is not None:
        if IFLA_ADDRESS in tb and len(tb[IFLA_ADDRESS]) < dev.addr_len:
            return -errno.EINVAL
        if IFLA_BROADCAST in tb and len(tb[IFLA_BROADCAST]) < dev.addr_len:
            return -errno.EINVAL
    return 0


def _dev_from_msg(net: Net, ifm: ifinfomsg, tb: dict[int, Any]) -> net_device | None:
    if ifm.ifi_index > 0:
        return core_dev.__dev_get_by_index(net, ifm.ifi_index)
    if IFLA_IFNAME in tb:
        return core_dev.__dev_get_by_name(net, str(tb[IFLA_IFNAME]))
    return None


def do_setlink(
    dev: net_device, ifm: ifinfomsg, tb: dict[int, Any], extack: netlink_ext_ack | None
) -> int:
    """Apply a link change in the kernel's order: netns, address, mtu, group, name,
    broadcast, flags, carrier, txqlen, operstate, linkmode.

    Kernel: net/core/rtnetlink.c do_setlink.
    """
    ifname = str(tb.get(IFLA_IFNAME, ""))
    if IFLA_NET_NS_PID in tb or IFLA_NET_NS_FD in tb:
        target = rtnl_link_get_net(dev.nd_net, tb)
        if isinstance(target, int):
            return target
        err = core_dev.dev_change_net_namespace(dev, target, ifname or None)
        if err:
            return err
    if IFLA_ADDRESS in tb:
        err = core_dev.dev_set_mac_address(dev, bytes(tb[IFLA_ADDRESS])[: dev.addr_len], extack)
        if err:
            return err
    if IFLA_MTU in tb:
        err = core_dev.dev_set_mtu_ext(dev, int(tb[IFLA_MTU]), extack)
        if err:
            return err
    if IFLA_GROUP in tb:
        dev.group = int(tb[IFLA_GROUP])
    if ifm.ifi_index > 0 and ifname:
        err = core_dev.dev_change_name(dev, ifname)
        if err < 0:
            return err
    if IFLA_BROADCAST in tb:
        dev.broadcast = bytes(tb[IFLA_BROADCAST])[: dev.addr_len]
        core_dev.call_netdevice_notifiers(core_dev.NETDEV_CHANGEADDR, dev)
    if ifm.ifi_flags or ifm.ifi_change:
        err = core_dev.dev_change_flags(dev, rtnl_dev_combine_flags(dev, ifm), extack)
        if err < 0:
            return err
    if IFLA_CARRIER in tb:
        err = core_dev.dev_change_carrier(dev, bool(tb[IFLA_CARRIER]))
        if err:
            return err
    if IFLA_TXQLEN in tb:
        err = core_dev.dev_change_tx_queue_len(dev, int(tb[IFLA_TXQLEN]))
        if err:
            return err
    if IFLA_OPERSTATE in tb:
        set_operstate(dev, int(tb[IFLA_OPERSTATE]))
    if IFLA_LINKMODE in tb:
        dev.link_mode = int(tb[IFLA_LINKMODE])
    return 0


def rtnl_newlink(net: Net, msg: nlmsg, extack: netlink_ext_ack) -> int:
    """Create (NLM_F_CREATE, by kind) or modify a link. Kernel: net/core/rtnetlink.c
    rtnl_newlink, __rtnl_newlink, rtnl_newlink_create."""
    ifm: ifinfomsg = msg.hdr
    tb = msg.attrs
    dev = _dev_from_msg(net, ifm, tb)
    err = validate_linkmsg(dev, tb, extack)
    if err < 0:
        return err
    linkinfo: dict[int, Any] = tb.get(IFLA_LINKINFO) or {}
    kind = str(linkinfo.get(IFLA_INFO_KIND, ""))
    data = linkinfo.get(IFLA_INFO_DATA)
    ops = rtnl_link_ops_get(net.kernel, kind) if kind else None
    if ops is not None and ops.validate is not None:
        err = ops.validate(tb, data, extack)
        if err < 0:
            return err
    if dev is not None:
        if msg.flags & NLM_F_EXCL:
            return -errno.EEXIST
        if msg.flags & NLM_F_REPLACE:
            return -errno.EOPNOTSUPP
        return do_setlink(dev, ifm, tb, extack)
    if not msg.flags & NLM_F_CREATE:
        return -errno.ENODEV
    if IFLA_MAP in tb or IFLA_PROTINFO in tb:
        return -errno.EOPNOTSUPP
    if ops is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "Unknown device type")
        return -errno.EOPNOTSUPP
    return rtnl_newlink_create(net, ifm, ops, tb, data, extack)


def rtnl_newlink_create(
    net: Net,
    ifm: ifinfomsg,
    ops: rtnl_link_ops,
    tb: dict[int, Any],
    data: dict[int, Any] | None,
    extack: netlink_ext_ack,
) -> int:
    """Kernel: net/core/rtnetlink.c rtnl_newlink_create."""
    if IFLA_IFNAME in tb:
        ifname, assign = str(tb[IFLA_IFNAME]), core_dev.NET_NAME_USER
    else:
        ifname, assign = ops.kind + "%d", core_dev.NET_NAME_ENUM
    dest_net = rtnl_link_get_net(net, tb)
    if isinstance(dest_net, int):
        return dest_net
    dev = rtnl_create_link(dest_net, ifname, assign, ops, tb, extack)
    if isinstance(dev, int):
        return dev
    dev.ifindex = ifm.ifi_index
    if ops.newlink is not None:
        err = ops.newlink(net, dev, tb, data, extack)
    else:
        err = core_dev.register_netdevice(dev)
    if err < 0:
        core_dev.free_netdev(dev)
        return err
    err = rtnl_configure_link(dev, ifm, 0)
    if err < 0:
        head: list[net_device] = []
        if ops.dellink is not None:
            ops.dellink(dev, head)
        else:
            head.append(dev)
        core_dev.unregister_netdevice_many(head)
        return err
    return 0


def rtnl_dellink(net: Net, msg: nlmsg, extack: netlink_ext_ack) -> int:
    """Kernel: net/core/rtnetlink.c rtnl_dellink, rtnl_delete_link (-EOPNOTSUPP without
    dellink, e.g. lo or a hardware NIC)."""
    ifm: ifinfomsg = msg.hdr
    tb = msg.attrs
    if not (ifm.ifi_index > 0 or IFLA_IFNAME in tb):
        return -errno.EINVAL
    dev = _dev_from_msg(net, ifm, tb)
    if dev is None:
        return -errno.ENODEV
    ops = dev.rtnl_link_ops
    if ops is None or ops.dellink is None:
        return -errno.EOPNOTSUPP
    head: list[net_device] = []
    ops.dellink(dev, head)
    core_dev.unregister_netdevice_many(head)
    core_dev.netdev_run_todo(net.kernel)
    return 0


def rtnl_setlink(net: Net, msg: nlmsg, extack: netlink_ext_ack) -> int:
    """Kernel: net/core/rtnetlink.c rtnl_setlink."""
    dev = _dev_from_msg(net, msg.hdr, msg.attrs)
    if dev is None:
        return -errno.ENODEV
    err = validate_linkmsg(dev, msg.attrs, extack)
    if err < 0:
        return err
    return do_setlink(dev, msg.hdr, msg.attrs, extack)


def rtnl_getlink(net: Net, msg: nlmsg, extack: netlink_ext_ack) -> int:
    """Kernel: net/core/rtnetlink.c rtnl_getlink (by index or name; the device's pending
    link event runs first, so a carrier change not yet honoured is not reported)."""
    dev = _dev_from_msg(net, msg.hdr, msg.attrs)
    if dev is None:
        return -errno.ENODEV
    link_watch.linkwatch_sync_dev(dev)
    return rtnetlink.rtnl_unicast(rtnl_fill_ifinfo(dev, RTM_NEWLINK, 0), extack)


def rtnl_dump_ifinfo(net: Net, msg: nlmsg) -> list[nlmsg]:
    """Every link of `net`, by ifindex, each a part of the multipart reply (NLM_F_MULTI).
    Kernel: net/core/rtnetlink.c rtnl_dump_ifinfo."""
    index = net.dev_index_head
    msgs = [rtnl_fill_ifinfo(index[i], RTM_NEWLINK, 0) for i in sorted(index)]
    for m in msgs:
        m.flags = NLM_F_MULTI
    return msgs


def rtnl_link_init(k: Kernel) -> None:
    """Register the link handlers, the netdev notifier and the built-in kinds (veth, dummy,
    ifb). Kernel: net/core/rtnetlink.c rtnetlink_init (the RTM_*LINK part and
    rtnetlink_dev_notifier); drivers' module_init.
    """
    from skbuff.drivers.net import dummy, veth

    rtnetlink.rtnl_register(k, AF_UNSPEC, RTM_NEWLINK, rtnl_newlink, None)
    rtnetlink.rtnl_register(k, AF_UNSPEC, RTM_DELLINK, rtnl_dellink, None)
    rtnetlink.rtnl_register(k, AF_UNSPEC, RTM_SETLINK, rtnl_setlink, None)
    rtnetlink.rtnl_register(k, AF_UNSPEC, RTM_GETLINK, rtnl_getlink, rtnl_dump_ifinfo)
    core_dev.register_netdevice_notifier(k, notifier.notifier_block(rtnetlink_event))
    for ops in (veth.veth_link_ops, dummy.dummy_link_ops, dummy.ifb_link_ops):
        rtnl_link_register(k, ops)
