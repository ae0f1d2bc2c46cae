"""rtnetlink dispatch: handler table per kernel, family fallback, doit/dumpit choice,
extack and unicast replies, EOPNOTSUPP, notifications."""

from __future__ import annotations

import errno

from skbuff.kernel.kernel import Kernel
from skbuff.net.core import rtnetlink
from skbuff.net.core.net_namespace import Net, copy_net_ns
from skbuff.uapi import rtnetlink as rt
from skbuff.uapi.rtnetlink import nlmsg


def setup() -> tuple[Kernel, Net]:
    k = Kernel(seed=0)
    with k:
        net = copy_net_ns(k, "")
        rtnetlink.rtnetlink_init(k)
    return k, net


def test_no_handler_is_eopnotsupp() -> None:
    _, net = setup()
    r = rtnetlink.rtnetlink_rcv_msg(net, nlmsg(rt.RTM_NEWROUTE, hdr=rt.rtmsg()))
    assert (r.error, r.extack, r.msgs) == (-errno.EOPNOTSUPP, None, [])


def test_doit_gets_extack_and_unicast_replies() -> None:
    k, net = setup()

    def doit(n: Net, msg: nlmsg, extack: rtnetlink.netlink_ext_ack) -> int:
        assert n is net
        if msg.attrs.get(rt.RTA_DST) == 1:
            rtnetlink.NL_SET_ERR_MSG_MOD(extack, "Invalid prefix for given prefix length")
            return -errno.EINVAL
        return rtnetlink.rtnl_unicast(nlmsg(rt.RTM_NEWROUTE, 0, msg.hdr, {}), extack)

    rtnetlink.rtnl_register(k, rt.AF_INET, rt.RTM_GETROUTE, doit, None)
    bad = rtnetlink.rtnetlink_rcv_msg(net, nlmsg(rt.RTM_GETROUTE, hdr=rt.rtmsg(),
                                                 attrs={rt.RTA_DST: 1}))
    assert (bad.error, bad.extack) == (-errno.EINVAL, "Invalid prefix for given prefix length")
    ok = rtnetlink.rtnetlink_rcv_msg(net, nlmsg(rt.RTM_GETROUTE, hdr=rt.rtmsg()))
    assert ok.error == 0 and [m.type for m in ok.msgs] == [rt.RTM_NEWROUTE]
    assert bad.ack and not ok.ack
    acked = rtnetlink.rtnetlink_rcv_msg(
        net, nlmsg(rt.RTM_GETROUTE, rt.NLM_F_REQUEST | rt.NLM_F_ACK, rt.rtmsg()))
    assert acked.ack and acked.error == 0
    dump = rtnetlink.rtnetlink_rcv_msg(
        net, nlmsg(rt.RTM_GETROUTE, rt.NLM_F_REQUEST | rt.NLM_F_DUMP, rt.rtmsg()))
    assert dump.error == -errno.EOPNOTSUPP


def test_dump_and_unspec_fallback_and_partial_reregistration() -> None:
    k, net = setup()
    links = [nlmsg(rt.RTM_NEWLINK, rt.NLM_F_MULTI, rt.ifinfomsg(ifi_index=1))]
    rtnetlink.rtnl_register(k, rt.AF_UNSPEC, rt.RTM_GETLINK, None, lambda n, m: links)
    rtnetlink.rtnl_register(k, rt.AF_UNSPEC, rt.RTM_GETLINK, lambda n, m, e: 0, None)
    req = nlmsg(rt.RTM_GETLINK, rt.NLM_F_REQUEST | rt.NLM_F_DUMP, rt.ifinfomsg(rt.AF_INET))
    assert rtnetlink.rtnetlink_rcv_msg(net, req).msgs == links
    assert rtnetlink.rtnetlink_rcv_msg(net, nlmsg(rt.RTM_GETLINK, hdr=rt.ifinfomsg())).error == 0
    rtnetlink.rtnl_unregister(k, rt.AF_UNSPEC, rt.RTM_GETLINK)
    assert rtnetlink.rtnetlink_rcv_msg(net, req).error == -errno.EOPNOTSUPP


def test_handlers_are_per_kernel() -> None:
    k1, n1 = setup()
    _, n2 = setup()
    rtnetlink.rtnl_register(k1, rt.AF_INET, rt.RTM_NEWADDR, lambda n, m, e: 0, None)
    msg = nlmsg(rt.RTM_NEWADDR, hdr=rt.rtgenmsg(rt.AF_INET))
    assert rtnetlink.rtnetlink_rcv_msg(n1, msg).error == 0
    assert rtnetlink.rtnetlink_rcv_msg(n2, msg).error == -errno.EOPNOTSUPP


def test_notify_reaches_listeners_of_the_group_in_that_net() -> None:
    k, net = setup()
    with k:
        other = copy_net_ns(k, "other")
    got: list[tuple[Net, int, int]] = []
    rtnetlink.rtnl_listen(net, rt.RTNLGRP_IPV4_ROUTE, lambda n, g, m: got.append((n, g, m.type)))
    msg = nlmsg(rt.RTM_NEWROUTE, 0, rt.rtmsg())
    rtnetlink.rtnl_notify(net, rt.RTNLGRP_IPV4_ROUTE, msg)
    rtnetlink.rtnl_notify(net, rt.RTNLGRP_LINK, msg)
    rtnetlink.rtnl_notify(other, rt.RTNLGRP_IPV4_ROUTE, msg)
    assert got == [(net, rt.RTNLGRP_IPV4_ROUTE, rt.RTM_NEWROUTE)]


def test_unlisten_drops_only_that_subscription() -> None:
    _, net = setup()
    got: list[str] = []

    def first(n: Net, g: int, m: nlmsg) -> None:
        got.append("first")

    rtnetlink.rtnl_listen(net, rt.RTNLGRP_LINK, first)
    rtnetlink.rtnl_listen(net, rt.RTNLGRP_LINK, lambda n, g, m: got.append("second"))
    rtnetlink.rtnl_unlisten(net, rt.RTNLGRP_LINK, first)
    rtnetlink.rtnl_unlisten(net, rt.RTNLGRP_LINK, first)  # twice: nothing left to drop
    rtnetlink.rtnl_notify(net, rt.RTNLGRP_LINK, nlmsg(rt.RTM_NEWLINK, 0, rt.ifinfomsg()))
    assert got == ["second"]
    rtnetlink.rtnl_unlisten(net, rt.RTNLGRP_NSID, first)  # never subscribed
    assert not rtnetlink.rtnl_has_listeners(net, rt.RTNLGRP_NSID)


def test_unspec_netconf_dump_runs_every_family_dumpit() -> None:
    """rtnl_dump_all: the AF_UNSPEC RTM_GETNETCONF dump is each family's dump in order."""
    k, net = setup()
    for family in (rt.AF_INET6, rt.AF_INET):
        rtnetlink.rtnl_register(k, family, rt.RTM_GETNETCONF, None,
                                lambda n, m, f=family: [nlmsg(rt.RTM_NEWNETCONF, 0, f)])
    r = rtnetlink.rtnetlink_rcv_msg(net, nlmsg(
        rt.RTM_GETNETCONF, rt.NLM_F_REQUEST | rt.NLM_F_DUMP, rt.rtgenmsg(rt.AF_UNSPEC)))
    assert (r.error, [m.hdr for m in r.msgs]) == (0, [rt.AF_INET, rt.AF_INET6])
