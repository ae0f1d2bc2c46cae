"""`ip link show dev X` asks for one device with RTM_GETLINK, and rtnl_getlink runs that
device's pending link event first (Kernel: net/core/rtnetlink.c rtnl_getlink →
linkwatch_sync_dev); a dump does not. Checked on a real box: the same lines print
`NO-CARRIER … state LOWERLAYERDOWN` for y1."""

from __future__ import annotations

from skbuff.sim.world import World

SETUP = """ip netns add a
ip -n a link add x1 type veth peer name x2
ip -n a link add y1 type veth peer name y2
ip -n a link set x1 up
ip -n a link set x2 up
ip -n a link set y1 up
"""


def test_getlink_reports_the_carrier_state_the_device_will_honour() -> None:
    w = World()
    assert w.script(SETUP).status == 0
    # y1's carrier-off event is still held by linkwatch's once-per-second limit (y1 was down
    # when it fired, so it was not urgent).
    dumped = [ln for ln in w.run("ip -n a link show").stdout.splitlines() if " y1@y2:" in ln]
    assert "state UNKNOWN" in dumped[0] and "NO-CARRIER" not in dumped[0]
    one = w.run("ip -n a link show dev y1").stdout.splitlines()[0]
    assert one.startswith("5: y1@y2: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> ")
    assert " state LOWERLAYERDOWN " in one
    # The event ran, so the next dump agrees.
    dumped = [ln for ln in w.run("ip -n a link show").stdout.splitlines() if " y1@y2:" in ln]
    assert dumped == [one]
