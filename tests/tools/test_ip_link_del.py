"""`ip link del`: a link kind without its own dellink gets unregister_netdevice_queue when it
registers (Kernel: net/core/rtnetlink.c __rtnl_link_register), so dummy and ifb devices delete
as on Linux; a device with no link ops at all (lo) answers EOPNOTSUPP (rtnl_delete_link)."""

from __future__ import annotations

import pytest

from skbuff.sim.world import World


@pytest.mark.parametrize("kind", ["dummy", "ifb"])
def test_kinds_without_their_own_dellink_delete(kind: str) -> None:
    w = World()
    assert w.script(f"""ip netns add a
ip -n a link add d0 type {kind}
ip -n a addr add 10.9.0.1/24 dev d0
ip -n a link set d0 up
""").status == 0
    mon = w.monitor("link", netns="a")
    r = w.run("ip -n a link del d0")
    assert (r.status, r.stdout, r.stderr) == (0, "", "")
    assert w.run("ip -n a link show d0").stderr == 'Device "d0" does not exist.\n'
    assert "10.9.0." not in w.run("ip -n a route show table all").stdout  # its routes went too
    mon.stop()
    assert any(e.startswith("Deleted ") and ": d0: " in e for e in mon.events), mon.events


def test_a_device_without_link_ops_is_eopnotsupp() -> None:
    w = World()
    r = w.run("ip link del lo")
    assert (r.status, r.stderr) == (2, "RTNETLINK answers: Operation not supported\n")
