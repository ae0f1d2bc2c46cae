"""`ip monitor` and `ip netconf`: iproute2 6.1's text for every object, the options, errors,
the ways it runs (script job, script foreground, shell until Ctrl-C, Python API). The byte
comparison with the real kernel lives in tests/conformance/test_monitor.py; the texts here were
taken from that comparison."""

from __future__ import annotations

import io
import os
import signal

import pytest

from skbuff import cli
from skbuff.net.core import rtnetlink
from skbuff.sim.world import World
from skbuff.tools.ip import monitor
from skbuff.uapi import rtnetlink as rt

SETUP = """ip netns add a
ip netns add b
"""


def world() -> World:
    w = World()
    assert w.script(SETUP).status == 0
    return w


def run(w: World, text: str) -> str:
    res = w.script(text)
    assert res.status == 0 and not res.stderr, res
    return str(res.stdout)


def test_background_monitor_prints_after_each_line_in_order() -> None:
    w = world()
    out = run(w, """ip -n a monitor label &
echo one
ip -n a link add v0 address 02:00:00:00:00:01 type veth peer name v1 address \
02:00:00:00:00:02 netns b
echo two
ip -n a addr add 10.0.0.1/24 dev v0
ip -n a route add blackhole 10.1.0.0/16
ip -n a rule add from 10.0.0.0/8 table 100 pref 100
ip -n a route del blackhole 10.1.0.0/16
ip -n a rule del pref 100
ip -n a neigh add 10.0.0.7 lladdr 02:00:00:00:00:07 dev v0
ip -n a neigh del 10.0.0.7 dev v0
ip -n a addr del 10.0.0.1/24 dev v0
""")
    assert out.splitlines(keepends=True) == [
        "one\n",
        "[NETCONF]inet v0 forwarding off rp_filter off mc_forwarding off proxy_neigh off "
        "ignore_routes_with_linkdown off \n",
        "[NSID]nsid 0 (iproute2 netns name: b)\n",
        "[LINK]2: v0@if2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default \n",
        "    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff link-netns b\n",
        "two\n",
        "[ADDR]2: v0    inet 10.0.0.1/24 scope global v0\n",
        "       valid_lft forever preferred_lft forever\n",
        "[ROUTE]local 10.0.0.1 dev v0 table local proto kernel scope host src 10.0.0.1 \n",
        "[ROUTE]blackhole 10.1.0.0/16 \n",
        "[RULE]100:\tfrom 10.0.0.0/8 lookup 100\n",
        "[ROUTE]Deleted blackhole 10.1.0.0/16 \n",
        "[RULE]Deleted 100:\tfrom 10.0.0.0/8 lookup 100\n",
        "[NEIGH]10.0.0.7 dev v0 lladdr 02:00:00:00:00:07 PERMANENT \n",
        "[NEIGH]10.0.0.7 dev v0 FAILED \n",
        "[NEIGH]Deleted 10.0.0.7 dev v0 FAILED \n",
        "[ADDR]Deleted 2: v0    inet 10.0.0.1/24 scope global v0\n",
        "       valid_lft forever preferred_lft forever\n",
        "[ROUTE]Deleted local 10.0.0.1 dev v0 table local proto kernel scope host "
        "src 10.0.0.1 \n",
    ]
    assert len(w.jobs) == 1
    assert w.end_script().stdout == ""  # as `skbuff run` ends: the job is stopped
    assert not w.jobs
    assert not rtnetlink.rtnl_has_listeners(w.netns("a"), rt.RTNLGRP_LINK)


def test_objects_select_groups_and_timestamps_use_the_simulated_clock() -> None:
    w = world()
    run(w, "ip -n a link add v0 type veth peer name v1")
    mon = w.monitor("-ts netconf", netns="a")
    t0 = w.kernel.now_ns
    run(w, "ip netns exec a sysctl -qw net.ipv4.conf.v0.rp_filter=1\n"
           "ip -n a link set v0 mtu 1400")
    stamp = monitor.print_timestamp(t0, True)
    assert stamp == f"[1970-01-01T00:00:00.{t0 // 1000 % 1_000_000:06d}] "
    assert mon.events == [stamp + "inet v0 rp_filter strict \n"]  # no link event
    mon.stop()
    assert monitor.print_timestamp(86_400_000_123_000, False) == \
        "Timestamp: Fri Jan  2 00:00:00 1970 123 usec\n"
    mon = w.monitor("-t route", netns="a")
    run(w, "ip -n a route add blackhole 10.9.0.0/16")
    (event,) = mon.events
    assert event.startswith("Timestamp: Thu Jan  1 00:00:0")
    assert event.endswith(" usec\nblackhole 10.9.0.0/16 \n")


def test_dev_filter_leaves_6_1_stray_headers_until_the_next_printed_event() -> None:
    w = world()
    run(w, "ip -n a link add v0 type veth peer name v1\nip -n a link add d0 type veth peer "
           "name d1")
    mon = w.monitor("label dev v0", netns="a")
    run(w, "ip -n a link set d0 mtu 1400\nip -n a link set v0 mtu 1300")
    assert mon.events == [
        "[LINK][LINK]3: v0@v1: <BROADCAST,MULTICAST,M-DOWN> mtu 1300 qdisc noop state DOWN "
        "group default \n    link/ether " + _mac(w, "v0") + " brd ff:ff:ff:ff:ff:ff\n"]
    run(w, "ip -n a link set d0 mtu 1500")
    assert len(mon.events) == 1 and mon.unflushed == "[LINK]"
    assert mon.stop() == (mon.events[0], "")  # killed: what stdio held is lost
    assert mon.stop() == ("", "")


def _mac(w: World, name: str) -> str:
    return ":".join(f"{b:02x}" for b in w.netns("a").dev_base_head[name].dev_addr)


def test_monitor_keeps_the_first_name_of_a_renamed_link() -> None:
    """6.1's ll_entry_update rehashes a renamed entry but keeps its old name."""
    w = world()
    run(w, "ip -n a link add v0 type veth peer name v1")
    mon = w.monitor("address", netns="a")
    run(w, "ip -n a link set v0 name w0\nip -n a addr add 10.2.0.1/16 dev w0")
    assert mon.events == ["3: v0    inet 10.2.0.1/16 scope global w0\n"
                          "       valid_lft forever preferred_lft forever\n"]


def test_foreground_monitor_in_a_script_runs_its_stretch_then_stops() -> None:
    w = world()
    t0 = w.kernel.now_ns
    assert w.run("ip -n a monitor").stdout == ""
    assert w.kernel.now_ns - t0 >= monitor.FOREGROUND_NS
    assert not rtnetlink.rtnl_has_listeners(w.netns("a"), rt.RTNLGRP_LINK)


@pytest.mark.parametrize(("line", "status", "err"), [
    ("ip monitor foo", 255, 'Argument "foo" is unknown, try "ip monitor help".\n'),
    ("ip monitor dev nope", 255, 'Error: argument "nope" is wrong: Device does not exist\n'
                                 "\n"),
    ("ip monitor dev", 255, 'Command line is not complete. Try option "help"\n'),
    ("ip monitor help", 255, monitor.USAGE),
    ("ip netconf show dev nope", 1, 'Device "nope" does not exist.\n'),
    ("ip netconf foo", 255, 'Command "foo" is unknown, try "ip netconf help".\n'),
    ("ip netconf help", 255, "Usage: ip netconf show [ dev STRING ]\n"),
])
def test_errors(line: str, status: int, err: str) -> None:
    w = World()
    res = w.run(line)
    assert (res.status, res.stdout, res.stderr) == (status, "", err)
    res = w.run(line + " &")
    assert (res.status, res.stderr) == (status, err)
    assert not w.jobs


def test_all_nsid_prefixes_each_event_with_the_nsid_of_its_namespace() -> None:
    """all-nsid: "[nsid current]" for the monitor's own namespace, "[nsid N]" for one it calls
    N; a namespace without an id stays unheard; stopping unsubscribes everywhere.
    iproute2: ip/ipmonitor.c print_headers; kernel: af_netlink.c do_one_broadcast."""
    w = World()
    for ns in ("a", "b", "c"):
        w.run(f"ip netns add {ns}")
    mon = w.monitor("-ts route all-nsid", netns="a")
    w.run("ip -n a link add v0 type veth peer name v1 netns b")
    w.run("ip -n b addr add 10.0.0.2/24 dev v1")
    w.run("ip -n a addr add 10.0.0.1/24 dev v0")
    w.run("ip -n c link add d0 type dummy")
    w.run("ip -n c addr add 10.9.0.1/24 dev d0")
    assert mon.events == [
        "[1970-01-01T00:00:00.008000] [nsid 0]local 10.0.0.2 dev v0 table local proto kernel "
        "scope host src 10.0.0.2 \n",
        "[1970-01-01T00:00:00.010000] [nsid current]local 10.0.0.1 dev v0 table local proto "
        "kernel scope host src 10.0.0.1 \n"]
    mon.stop()
    assert not rtnetlink.rtnl_has_listeners(w.netns("b"), rt.RTNLGRP_IPV4_ROUTE)
    w.run("ip -n b addr add 10.0.0.3/24 dev v1")
    assert len(mon.events) == 2


def test_api_errors_raise() -> None:
    with pytest.raises(ValueError, match='Argument "foo" is unknown'):
        World().monitor("foo")


def test_netconf_show() -> None:
    w = world()
    run(w, "ip -n a link add v0 type veth peer name v1\n"
           "ip netns exec a sysctl -qw net.ipv4.conf.v0.rp_filter=2\n"
           "ip netns exec a sysctl -qw net.ipv4.conf.all.forwarding=1")
    rest = "mc_forwarding off proxy_neigh off ignore_routes_with_linkdown off \n"
    assert run(w, "ip -n a netconf") == (
        f"inet lo forwarding on rp_filter off {rest}"
        f"inet v1 forwarding on rp_filter off {rest}"
        f"inet v0 forwarding on rp_filter loose {rest}"
        f"inet all forwarding on rp_filter off {rest}"
        f"inet default forwarding on rp_filter off {rest}")
    assert run(w, "ip -n a -4 netconf show dev v0") == \
        f"inet v0 forwarding on rp_filter loose {rest}"
    assert run(w, "ip -n a netconf show dev v1") == f"inet v1 forwarding on rp_filter off {rest}"
    assert run(w, "ip -n a -4 -j netconf show dev v1") == \
        f"inet v1 forwarding on rp_filter off {rest}"  # the get path prints text
    assert run(w, "ip -n a -j netconf show dev v1") == (
        '[{"family":"inet","interface":"v1","forwarding":true,"rp_filter":"off",'
        '"mc_forwarding":false,"proxy_neigh":false,"ignore_routes_with_linkdown":false}]\n')


def test_shell_runs_a_foreground_monitor_until_ctrl_c() -> None:
    w = world()
    out, err = io.StringIO(), io.StringIO()
    w.foreground = cli.foreground_until_interrupt(w, out, err)
    polls = 0
    real_poll = monitor.ipmonitor.poll

    def poll(self: monitor.ipmonitor) -> tuple[str, str, bool]:
        nonlocal polls
        polls += 1
        if polls == 1:
            # an event while it runs, then the user's ^C
            self.accept_msg(self.net, rt.RTNLGRP_LINK, rt.nlmsg(
                rt.RTM_DELNSID, 0, rt.rtgenmsg(), {monitor.NETNSA_NSID: 3}))
            os.kill(os.getpid(), signal.SIGINT)
        return real_poll(self)

    monitor.ipmonitor.poll = poll  # type: ignore[method-assign]
    try:
        res = w.run("ip -n a monitor")
    finally:
        monitor.ipmonitor.poll = real_poll  # type: ignore[method-assign]
    assert (res.status, res.stdout, res.stderr) == (0, "", "")
    assert out.getvalue() == "Deleted nsid 3 \n"
    assert polls == 1  # one step, then ^C
    assert not rtnetlink.rtnl_has_listeners(w.netns("a"), rt.RTNLGRP_LINK)
