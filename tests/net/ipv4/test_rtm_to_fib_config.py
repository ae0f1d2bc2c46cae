"""rtm_to_fib_config fills a fib_config.unset() whole: for any request it parses, every field
is set and equals what parsing into a default-initialised fib_config gives (the kernel's
memset-then-parse, which the unset config saves writing twice); the error and extack are
the same too."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from skbuff.net.core import rtnetlink
from skbuff.net.ipv4 import fib_frontend
from skbuff.net.ipv4.ip_fib import fib_config, nl_info
from skbuff.sim.world import World
from skbuff.uapi import rtnetlink as rt

NET = World().init_net
u32 = st.sampled_from([0, 1, 0x0A000000, 0x0A000001, 0xC0000200, 0xFFFFFFFF])
attrs = st.fixed_dictionaries({}, optional={
    rt.RTA_DST: u32, rt.RTA_OIF: st.integers(0, 3), rt.RTA_GATEWAY: u32,
    rt.RTA_VIA: st.just(b"\x02\x00\x0a\x00\x00\x01"), rt.RTA_PRIORITY: st.integers(0, 5),
    rt.RTA_PREFSRC: u32, rt.RTA_METRICS: st.just({rt.RTAX_MTU: 1400}),
    rt.RTA_MULTIPATH: st.just([rt.rtnexthop(ifindex=1)]), rt.RTA_FLOW: st.integers(0, 2),
    rt.RTA_TABLE: st.sampled_from([0, 100, 254]), rt.RTA_NH_ID: st.integers(0, 2),
})
headers = st.builds(rt.rtmsg, family=st.just(rt.AF_INET),
                    dst_len=st.sampled_from([0, 8, 24, 32, 33]), tos=st.sampled_from([0, 4, 3]),
                    table=st.sampled_from([0, 254, 100]),
                    protocol=st.integers(0, 4), scope=st.sampled_from([0, 253, 254]),
                    type=st.sampled_from([rt.RTN_UNICAST, rt.RTN_BLACKHOLE, rt.RTN_MAX + 1]),
                    flags=st.sampled_from([0, rt.RTNH_F_ONLINK]))
requests = st.builds(lambda h, a, f, pid: rt.nlmsg(rt.RTM_NEWROUTE, f, h, a, 0, pid), headers,
                     attrs, st.sampled_from([rt.NLM_F_REQUEST, rt.NLM_F_REQUEST | rt.NLM_F_CREATE]),
                     st.integers(0, 9))


def _fields(cfg: fib_config) -> dict[str, Any]:
    out = {name: getattr(cfg, name) for name in fib_config.__slots__}
    info: nl_info = out.pop("fc_nlinfo")
    out.update({f"nlinfo.{n}": getattr(info, n) for n in nl_info.__slots__})
    return out


@given(requests)
def test_unset_config_is_filled_as_the_default_one(msg: rt.nlmsg) -> None:
    want_ext = rtnetlink.netlink_ext_ack(None, [])
    want = fib_config()
    want_err = fib_frontend.rtm_to_fib_config(NET, msg, want, want_ext)
    got_ext = rtnetlink.netlink_ext_ack(None, [])
    got = fib_config.unset()
    got_err = fib_frontend.rtm_to_fib_config(NET, msg, got, got_ext)
    assert (got_err, got_ext.msg) == (want_err, want_ext.msg)
    if not got_err:
        assert _fields(got) == _fields(want)
