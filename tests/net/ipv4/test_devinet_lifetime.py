"""Address lifetimes in simulated time: `valid_lft`/`preferred_lft` count down in `ip addr
show`, the check_lifetime worker marks an address deprecated when its preferred lifetime ends
and deletes it when its valid lifetime does, at the times net/ipv4/devinet.c schedules it;
source selection keeps using deprecated addresses (inet_select_addr has no such test in 6.12).
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from skbuff.kernel import timer as ktimer
from skbuff.net.core import rtnetlink
from skbuff.net.ipv4 import devinet
from skbuff.sim.world import World
from skbuff.uapi import if_addr
from skbuff.uapi import rtnetlink as uapi_rt
from skbuff.uapi.inet import ntoa

SETUP = """\
ip link add d0 type veth peer name d1
ip link set d0 up
ip link set d1 up
"""


def ok(w: World, text: str) -> str:
    r = w.script(text)
    assert r.status == 0 and not r.stderr, r
    return str(r.stdout)


def inet_lines(w: World) -> list[str]:
    """`ip addr show dev d0`'s inet and lifetime lines, joined per address."""
    text = ok(w, "ip addr show dev d0")
    return re.findall(r"    (inet .*\n {7}valid_lft .*)\n", text)


def ifa(w: World, local: str) -> Any:
    """d0's in_ifaddr for `local`, None once it is gone."""
    dev = w.init_net.dev_base_head["d0"]
    return next((a for a in dev.ip_ptr.ifa_list if ntoa(a.ifa_local) == local), None)


def test_lifetimes_count_down_then_deprecate_then_delete() -> None:
    w = World()
    ok(w, SETUP + "ip addr add 10.0.0.1/24 dev d0 valid_lft 10 preferred_lft 5\n")
    assert inet_lines(w) == ["inet 10.0.0.1/24 scope global dynamic d0\n"
                             "       valid_lft 10sec preferred_lft 5sec"]
    ok(w, "sleep 3")
    assert inet_lines(w) == ["inet 10.0.0.1/24 scope global dynamic d0\n"
                             "       valid_lft 7sec preferred_lft 2sec"]
    ok(w, "sleep 2.5")
    assert inet_lines(w) == ["inet 10.0.0.1/24 scope global deprecated dynamic d0\n"
                             "       valid_lft 5sec preferred_lft 0sec"]
    assert "10.0.0.0/24 dev d0 proto kernel" in ok(w, "ip route")
    ok(w, "sleep 5")
    assert inet_lines(w) == []
    assert "10.0.0.0/24" not in ok(w, "ip route")


def test_worker_times_follow_check_lifetime() -> None:
    """The worker runs on every new address and then at the next expiry (exact, or the whole
    second after it when that is under HZ/4 later), never later than ADDR_CHECK_FREQUENCY."""
    w = World()
    k = w.kernel
    work = k.check_lifetime_work
    hz = k.hz
    assert ktimer.timer_pending(work)
    ok(w, SETUP)
    ok(w, "ip addr add 10.0.0.9/24 dev d0")  # permanent: only the periodic check
    assert work.expires - k.jiffies <= devinet.ADDR_CHECK_FREQUENCY_SECS * hz + hz
    ok(w, "ip addr add 10.0.0.1/24 dev d0 valid_lft 100 preferred_lft 7")
    a = ifa(w, "10.0.0.1")
    due = a.ifa_tstamp + 7 * hz
    with k:
        assert work.expires in (due, ktimer.round_jiffies_up(k, due))
    assert work.expires - due < hz // 4
    assert not a.ifa_flags & if_addr.IFA_F_DEPRECATED
    k.run_until(k.now_ns + (work.expires - k.jiffies) * 1_000_000 - 1_000_000)
    assert not a.ifa_flags & if_addr.IFA_F_DEPRECATED
    k.run_for(2_000_000)
    assert a.ifa_flags & if_addr.IFA_F_DEPRECATED
    # then the valid lifetime's end is the next due time
    assert work.expires >= a.ifa_tstamp + 100 * hz


def test_deprecation_is_announced_and_change_restarts_the_clock() -> None:
    w = World()
    seen: list[tuple[int, int]] = []
    rtnetlink.rtnl_listen(w.init_net, uapi_rt.RTNLGRP_IPV4_IFADDR, lambda _n, _g, m: seen.append(
        (m.type, m.attrs[if_addr.IFA_FLAGS])))
    ok(w, SETUP + "ip addr add 10.0.0.1/24 dev d0 valid_lft 30 preferred_lft 2\nsleep 3\n")
    assert seen[-1] == (uapi_rt.RTM_NEWADDR, if_addr.IFA_F_DEPRECATED)
    ok(w, "ip addr change 10.0.0.1/24 dev d0 valid_lft 40 preferred_lft 20")
    assert inet_lines(w) == ["inet 10.0.0.1/24 scope global dynamic d0\n"
                             "       valid_lft 40sec preferred_lft 20sec"]
    ok(w, "ip addr change 10.0.0.1/24 dev d0 valid_lft forever preferred_lft forever\nsleep 50")
    assert inet_lines(w) == ["inet 10.0.0.1/24 scope global d0\n"
                             "       valid_lft forever preferred_lft forever"]


def test_deprecated_addresses_are_still_chosen_as_source() -> None:
    """Linux 6.12 inet_select_addr skips secondaries, not deprecated addresses (checked on a
    real kernel: `ip route get` keeps the deprecated primary as src)."""
    w = World()
    ok(w, SETUP + "ip addr add 10.0.1.1/24 dev d0 valid_lft 100 preferred_lft 0\n"
              "ip addr add 10.0.2.1/24 dev d0\n")
    assert "deprecated" in inet_lines(w)[0]
    assert ok(w, "ip route get 10.0.1.9").startswith("10.0.1.9 dev d0 src 10.0.1.1 ")
    assert ok(w, "ip route get 10.0.2.9").startswith("10.0.2.9 dev d0 src 10.0.2.1 ")


def test_deleting_a_primary_takes_its_expired_secondaries() -> None:
    w = World()
    ok(w, SETUP + "ip addr add 10.0.0.1/24 dev d0 valid_lft 5 preferred_lft 5\n"
              "ip addr add 10.0.0.2/24 dev d0 valid_lft 5 preferred_lft 5\n"
              "ip addr add 10.0.0.3/24 dev d0\nsleep 6\n")
    assert inet_lines(w) == []


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(1, 4), st.integers(1, 12), st.integers(0, 12)),
    st.tuples(st.just("sleep"), st.integers(0, 7000), st.just(0), st.just(0))),
    min_size=1, max_size=12))
def test_lifetimes_hold_at_every_moment(steps: list[tuple[str, int, int, int]]) -> None:
    """Whatever addresses (primaries of their own subnets) come and go: an address is
    deprecated exactly once its preferred lifetime is over and gone once its valid lifetime
    is, each within the worker's batching (up to HZ/50 early, HZ/4 + HZ late), and what
    `ip addr show` reports counts both down."""
    w = World()
    k = w.kernel
    hz = k.hz
    ok(w, SETUP)
    born: dict[int, tuple[int, int, int]] = {}  # host: (tstamp, valid, preferred)
    for op, a, b, c in steps:
        if op == "add":
            valid, preferred = b, min(b, c)
            r = w.run(f"ip addr replace 10.0.{a}.1/24 dev d0 valid_lft {valid} "
                      f"preferred_lft {preferred}")
            assert r.status == 0, r
            born[a] = (ifa(w, f"10.0.{a}.1").ifa_tstamp, valid, preferred)
        else:
            k.run_for(a * 1_000_000)
        now = k.jiffies
        for host, (tstamp, valid, preferred) in born.items():
            age = now - tstamp
            x = ifa(w, f"10.0.{host}.1")
            if age < valid * hz - hz // 50:
                assert x is not None, (host, age)
            elif age > valid * hz + hz // 4 + hz:
                assert x is None, (host, age)
            if x is None:
                continue
            deprecated = bool(x.ifa_flags & if_addr.IFA_F_DEPRECATED)
            if age < preferred * hz - hz // 50:
                assert not deprecated
            elif age > preferred * hz + hz // 4 + hz:
                assert deprecated
            shown = devinet.inet_fill_ifaddr(x, uapi_rt.RTM_NEWADDR, 0)
            ci = shown.attrs[if_addr.IFA_CACHEINFO]
            assert ci.ifa_valid == max(valid - age // hz, 0)
            assert ci.ifa_prefered == max(preferred - age // hz, 0)
        born = {h: v for h, v in born.items() if ifa(w, f"10.0.{h}.1") is not None}
