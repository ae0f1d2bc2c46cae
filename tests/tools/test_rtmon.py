"""`rtmon` and `ip monitor file`: what the recording holds, how the recorder runs (job, kill,
foreground), the reader's rules (every object, the dev filter, stamps, unknown types, broken
files) and iproute2 6.1's texts and statuses (taken from the host's rtmon and ip). The
comparison with the real kernel's recordings lives in tests/conformance/test_rtmon.py."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from skbuff.sim.world import World
from skbuff.tools import rtmon
from skbuff.uapi import rtnetlink as rt
from skbuff.uapi import rtnl_wire as w

SCRIPT = """ip netns add a
ip netns exec a rtmon file {f} &
ip -n a link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02
ip -n a addr add 10.0.0.1/24 dev v0
ip -n a route add blackhole 10.1.0.0/16
ip -n a rule add from 10.0.0.0/8 table 100 pref 100
kill %1
ip -n a route add blackhole 10.2.0.0/16
"""


def _record(tmp_path: Path, args: str = "") -> tuple[World, Path, list[rt.nlmsg]]:
    f = tmp_path / "r.rtm"
    world = World()
    res = world.script(SCRIPT.format(f=f).replace("rtmon file", f"rtmon {args} file"))
    assert (res.status, res.stdout, res.stderr) == (0, "", ""), res
    return world, f, list(w.messages_from_file(f.read_bytes()))


def test_recording_is_stamp_link_dump_then_stamped_notifications(tmp_path: Path) -> None:
    _, _, msgs = _record(tmp_path)
    types = [m.type for m in msgs]
    # The stamp, the dump (lo only), then each notification after its own stamp.
    assert types[:2] == [w.NLMSG_TSTAMP, rt.RTM_NEWLINK]
    assert msgs[1].hdr.ifi_index == 1 and msgs[1].flags & rt.NLM_F_MULTI
    events = types[2:]
    assert events[0::2] == [w.NLMSG_TSTAMP] * (len(events) // 2)
    kinds = events[1::2]
    assert {rt.RTM_NEWLINK, rt.RTM_NEWADDR, rt.RTM_NEWROUTE, rt.RTM_NEWRULE,
            rt.RTM_NEWNETCONF} <= set(kinds)
    # Recording stopped at `kill`: the later route is not in it.
    routes = [m.attrs.get(rt.RTA_DST) for m in msgs if m.type == rt.RTM_NEWROUTE]
    assert 0x0A010000 in routes and 0x0A020000 not in routes
    stamps = [m.hdr for m in msgs if m.type == w.NLMSG_TSTAMP]
    assert stamps == sorted(stamps, key=lambda s: (s.sec, s.usec))


def test_objects_select_groups(tmp_path: Path) -> None:
    _, _, msgs = _record(tmp_path, "-4 link route")
    kinds = {m.type for m in msgs[2:]} - {w.NLMSG_TSTAMP}
    assert kinds == {rt.RTM_NEWLINK, rt.RTM_NEWROUTE}
    _, _, msgs = _record(tmp_path, "-family inet6 route")  # no IPv4 route group: nothing
    assert [m.type for m in msgs[2:]] == []


def test_monitor_file_prints_every_object_with_stamps(tmp_path: Path) -> None:
    world, f, msgs = _record(tmp_path)
    out = world.run(f"ip -n a monitor route file {f}")  # OBJECTS do not filter a file
    assert out.status == 0 and out.stderr == ""
    lines = out.stdout.splitlines()
    assert lines[:3] == [
        "Timestamp: Thu Jan  1 00:00:00 1970 2000 us",
        "1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN group default ",
        "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"]
    assert "blackhole 10.1.0.0/16 " in lines
    assert "100:\tfrom 10.0.0.0/8 lookup 100" in lines
    assert sum(ln.startswith("Timestamp: ") for ln in lines) == \
        sum(m.type == w.NLMSG_TSTAMP for m in msgs)
    label = world.run(f"ip -n a monitor label file {f} dev lo").stdout
    # The dev filter keeps lo's line; the other events leave their headers (iproute2 6.1).
    assert label.startswith("Timestamp: Thu Jan  1 00:00:00 1970 2000 us\n[LINK]1: lo: ")
    assert "[ROUTE]Timestamp: " in label and "blackhole" not in label


def test_monitor_file_in_the_background_runs_at_once(tmp_path: Path) -> None:
    world, f, _ = _record(tmp_path)
    res = world.run(f"ip -n a monitor file {f} &")
    assert res.status == 0 and "blackhole 10.1.0.0/16" in res.stdout
    assert world.jobs == []
    with pytest.raises(ValueError, match=r"use World\.run"):  # no listener to hand back
        world.monitor(f"file {f}", netns="a")


def test_rtmon_in_the_foreground_records_for_a_while(tmp_path: Path) -> None:
    f = tmp_path / "fg.rtm"
    world = World()
    res = world.script(f"ip netns add a\nip netns exec a rtmon file {f}\n")
    assert (res.status, res.stdout, res.stderr) == (0, "", "")
    assert [m.type for m in w.messages_from_file(f.read_bytes())] == \
        [w.NLMSG_TSTAMP, rt.RTM_NEWLINK]


@pytest.mark.parametrize(("args", "status", "out", "err"), [
    ("", 255, "", 'Not enough information: argument "file" is required\n'),
    ("-family foo file x", 255, "", 'Protocol ID "foo" is unknown, try "rtmon help".\n'),
    ("-family", 255, "", rtmon.USAGE),
    ("help", 255, "", rtmon.USAGE),
    ("-4 file", 255, "", rtmon.USAGE),
    ("bogus", 255, "", 'Argument "bogus" is unknown, try "rtmon help".\n'),
    ("-V", 0, "rtmon utility, iproute2-6.1.0\n", ""),
    ("file /nonexistent/dir/f", 255, "", "Cannot fopen: No such file or directory\n"),
])
def test_rtmon_errors(args: str, status: int, out: str, err: str) -> None:
    res = rtmon.main(World(), World().init_net, args.split())
    assert (res.status, res.stdout, res.stderr) == (status, out, err)


def _hdr(length: int, msgtype: int, flags: int = 0) -> bytes:
    return struct.pack("=IHHII", length, msgtype, flags, 0, 0)


@pytest.mark.parametrize(("data", "status", "out", "err"), [
    (b"abc", 1, "", "rtnl-from_file: truncated message\n"),
    (_hdr(21, 200, 1) + b"abcde" + bytes(3) + _hdr(16, rt.NLMSG_DONE) + _hdr(8, 0), 1, "",
     "Unknown message: type=0x000000c8(200) flags=0x00000001(1) len=0x00000015(21)\n"
     "!!!malformed message: len=8 @56\n"),
    (w.encode(w.nlmsg_tstamp(86_400_123_456_789)), 0,
     "Timestamp: Fri Jan  2 00:00:00 1970 123456 us\n", ""),
])
def test_monitor_file_broken_and_odd_records(tmp_path: Path, data: bytes, status: int,
                                             out: str, err: str) -> None:
    """Texts and statuses as the host's `ip monitor file` gives them for the same bytes."""
    f = tmp_path / "odd.rtm"
    f.write_bytes(data)
    res = World().run(f"ip monitor file {f}")
    assert (res.status, res.stdout, res.stderr) == (status, out, err)


def test_monitor_file_missing() -> None:
    res = World().run("ip monitor file /nonexistent.rtm")
    assert (res.status, res.stdout, res.stderr) == (
        255, "", "Cannot fopen: No such file or directory\n")
    res = World().run("ip monitor file")
    assert res.status == 255 and "Command line is not complete" in res.stderr
