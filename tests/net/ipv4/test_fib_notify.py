"""rtmsg_fib builds its RTM_NEWROUTE/DELROUTE message only when RTNLGRP_IPV4_ROUTE has a
listener (rtnl_has_listeners), and still notifies exactly as before when one subscribes."""

from __future__ import annotations

from typing import Any

import pytest
from tests.net.ipv4 import fib_testnet as T

from skbuff.net.core import rtnetlink
from skbuff.uapi import rtnetlink as uapi_rt

fib_semantics = T.fib_semantics


@pytest.fixture(autouse=True)
def _quiet_arp(monkeypatch: pytest.MonkeyPatch) -> None:
    T.no_arp_side_effects(monkeypatch)


def test_rtnl_has_listeners_per_group() -> None:
    with T.fib_net() as net:
        assert not rtnetlink.rtnl_has_listeners(net, uapi_rt.RTNLGRP_IPV4_ROUTE)  # no rtnl
        net.rtnl = rtnetlink.rtnl_net()
        assert not rtnetlink.rtnl_has_listeners(net, uapi_rt.RTNLGRP_IPV4_ROUTE)
        rtnetlink.rtnl_listen(net, uapi_rt.RTNLGRP_LINK, lambda n, g, m: None)
        assert not rtnetlink.rtnl_has_listeners(net, uapi_rt.RTNLGRP_IPV4_ROUTE)
        rtnetlink.rtnl_listen(net, uapi_rt.RTNLGRP_IPV4_ROUTE, lambda n, g, m: None)
        assert rtnetlink.rtnl_has_listeners(net, uapi_rt.RTNLGRP_IPV4_ROUTE)


def test_no_message_is_built_without_a_listener(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    real = fib_semantics.fib_dump_info

    def counting(*args: Any) -> Any:
        built.append(args[0])
        return real(*args)

    monkeypatch.setattr(fib_semantics, "fib_dump_info", counting)
    with T.fib_net() as net:
        net.rtnl = rtnetlink.rtnl_net()
        eth0 = T.add_dev(net, "eth0")
        assert T.addr(net, "add", eth0, "10.0.0.1/24") == (0, None)
        assert T.route(net, "add", "10.5.0.0/16", attrs={uapi_rt.RTA_OIF: eth0.ifindex}) == (
            0, None)
        assert built == []
        seen: list[tuple[int, int, int]] = []
        rtnetlink.rtnl_listen(net, uapi_rt.RTNLGRP_IPV4_ROUTE,
                              lambda n, g, m: seen.append((m.type, m.hdr.dst_len, m.flags)))
        assert T.route(net, "add", "10.6.0.0/16", attrs={uapi_rt.RTA_OIF: eth0.ifindex}) == (
            0, None)
        assert T.route(net, "del", "10.5.0.0/16") == (0, None)
        assert built == [uapi_rt.RTM_NEWROUTE, uapi_rt.RTM_DELROUTE]
        assert seen == [
            (uapi_rt.RTM_NEWROUTE, 16, uapi_rt.NLM_F_CREATE),
            (uapi_rt.RTM_DELROUTE, 16, 0),
        ]
