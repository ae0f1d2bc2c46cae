"""dropwatch (skbuff's format): drops by function and reason since the last call."""

from __future__ import annotations

from tests.tools.test_ping import topo_world


def test_counts_since_last_call_per_namespace() -> None:
    w = topo_world()
    first = w.run("ip netns exec a dropwatch")
    assert first.stdout.startswith("dropwatch: monitoring")
    w.run("ip netns exec a ping -c 2 -i 0.2 10.0.2.2")
    # A raw-socket ping's echo replies find no ping socket: icmp_rcv drops them.
    assert w.run("ip netns exec a dropwatch").stdout == \
        "2 drops at icmp_rcv (NO_SOCKET)\nTotal: 2 drops\n"
    assert w.run("ip netns exec a dropwatch").stdout == "Total: 0 drops\n"
    w.run("ip netns exec a ping -c 1 -t 1 10.0.2.2")
    assert "drops at ip_forward (IP_INHDR)" not in w.run("ip netns exec a dropwatch").stdout
    everywhere = w.run("dropwatch -a").stdout
    assert "1 drops at ip_forward" in everywhere
    assert w.run("dropwatch stop").stdout == "dropwatch: monitoring stopped\n"
    assert not w.kernel.trace.attached("kfree_skb")


def test_usage() -> None:
    w = topo_world()
    r = w.run("dropwatch -x")
    assert (r.status, r.stderr) == (1, "Usage: dropwatch [-a] [show|stop]\n")
