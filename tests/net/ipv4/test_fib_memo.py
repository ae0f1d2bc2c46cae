"""fib_create_info's memo (fib_semantics.fib_info_memo): reused exactly when the full path
would give the same fib_info, and never when something it read may have changed."""

from __future__ import annotations

from typing import Any

import pytest

from skbuff.net import flow
from skbuff.net.ipv4 import fib_semantics, fib_trie, ip_fib
from skbuff.sim.world import World
from skbuff.uapi import rtnetlink as rt

SETUP = """\
ip link add d0 type dummy
ip link add d1 type dummy
ip addr add 192.0.2.1/24 dev d0
ip addr add 198.51.100.1/24 dev d1
ip link set d0 up
ip link set d1 up
"""


@pytest.fixture
def w(monkeypatch: pytest.MonkeyPatch) -> tuple[World, list[Any]]:
    """A world whose full fib_create_info calls are counted (the memo's misses)."""
    world = World()
    assert world.script(SETUP).status == 0
    full: list[Any] = []
    real = fib_semantics._fib_create_info

    def counted(net: Any, cfg: Any, extack: Any) -> Any:
        full.append(cfg.fc_dst)
        return real(net, cfg, extack)

    monkeypatch.setattr(fib_semantics, "_fib_create_info", counted)
    return world, full


def add(world: World, line: str) -> None:
    res = world.run(line)
    assert res.status == 0, res.stderr


def route_of(world: World, prefix: str) -> str:
    return world.run(f"ip route show {prefix}").stdout


def test_equal_requests_share_the_fib_info_without_the_full_path(w: Any) -> None:
    world, full = w
    add(world, "ip route add 10.0.0.0/8 via 192.0.2.254")
    add(world, "ip route add 11.0.0.0/8 via 192.0.2.254")
    add(world, "ip route add 12.0.0.0/8 via 192.0.2.254")
    assert full == [0x0A000000]
    tb = world.init_net.ipv4.fib_main
    fis = []
    for k in (10, 11, 12):
        res = ip_fib.fib_result()
        assert fib_trie.fib_table_lookup(tb, flow.flowi4(daddr=k << 24 | 1), res, 0) == 0
        fis.append(res.fi)
    assert fis[0] is fis[1] is fis[2] and fis[0].fib_treeref == 3


def test_an_insert_covering_the_gateway_is_seen(w: Any) -> None:
    world, full = w
    add(world, "ip route add 10.0.0.0/8 via 192.0.2.254")
    add(world, "ip route add 192.0.2.254/32 dev d1")  # the gateway now resolves via d1
    add(world, "ip route add 11.0.0.0/8 via 192.0.2.254")
    assert route_of(world, "11.0.0.0/8") == "11.0.0.0/8 via 192.0.2.254 dev d1 \n"
    assert route_of(world, "10.0.0.0/8") == "10.0.0.0/8 via 192.0.2.254 dev d0 \n"
    assert full.count(0x0B000000) == 1


def test_a_delete_or_a_direct_trie_change_is_seen(w: Any) -> None:
    world, full = w
    add(world, "ip route add 192.0.2.254/32 dev d1")
    add(world, "ip route add 10.0.0.0/8 via 192.0.2.254")
    add(world, "ip route del 192.0.2.254/32")
    add(world, "ip route add 11.0.0.0/8 via 192.0.2.254")
    assert route_of(world, "11.0.0.0/8") == "11.0.0.0/8 via 192.0.2.254 dev d0 \n"
    t = world.init_net.ipv4.fib_main.tb_data
    t.genid += 1  # any change made behind the front end's back
    add(world, "ip route add 12.0.0.0/8 via 192.0.2.254")
    assert full.count(0x0B000000) == 1 and full.count(0x0C000000) == 1


def test_device_state_is_checked_on_every_reuse(w: Any) -> None:
    world, _ = w
    add(world, "ip route add 10.0.0.0/8 via 192.0.2.254")
    world.init_net.dev_base_head["d0"].flags &= ~1  # IFF_UP cleared without any notifier
    res = world.run("ip route add 11.0.0.0/8 via 192.0.2.254")
    assert (res.status, res.stderr) == (2, "RTNETLINK answers: Network is down\n")


def test_nexthop_state_changes_empty_it(w: Any) -> None:
    world, _ = w
    add(world, "ip route add 10.0.0.0/8 via 192.0.2.254")
    add(world, "ip link set d0 down")
    assert world.init_net.ipv4.fib_info_memo.entries == {}
    res = world.run("ip route add 11.0.0.0/8 via 192.0.2.254")
    assert res.stderr == "Error: Nexthop has invalid gateway.\n"


def test_a_probe_on_fib_table_lookup_sees_every_gateway_check(w: Any) -> None:
    world, full = w
    seen: list[int] = []
    add(world, "ip route add 10.0.0.0/8 via 192.0.2.254")

    def probe(tb_id: int, flp: Any, nhc: Any, err: int) -> None:
        seen.append(flp.daddr)

    world.kernel.trace.attach("fib_table_lookup", probe)
    add(world, "ip route add 11.0.0.0/8 via 192.0.2.254")
    world.kernel.trace.detach("fib_table_lookup", probe)
    assert 0xC00002FE in seen and full.count(0x0B000000) == 1


def test_a_dead_fib_info_is_not_handed_out(w: Any) -> None:
    world, full = w
    add(world, "ip route add 10.0.0.0/8 via 192.0.2.254")
    fi = next(iter(world.init_net.ipv4.fib_info_memo.entries.values())).fi
    add(world, "ip route del 10.0.0.0/8")
    assert fi.fib_dead
    add(world, "ip route add 11.0.0.0/8 via 192.0.2.254")
    assert full.count(0x0B000000) == 1


def test_requests_it_does_not_remember() -> None:
    cfg = ip_fib.fib_config()
    assert fib_semantics._memo_key(cfg) is not None
    cfg.fc_prefsrc = 1
    assert fib_semantics._memo_key(cfg) is None
    cfg = ip_fib.fib_config()
    cfg.fc_mp = [rt.rtnexthop()]
    assert fib_semantics._memo_key(cfg) is None
