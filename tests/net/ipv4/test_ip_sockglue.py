"""Control messages on received datagrams: IP_RECVTTL, IP_RECVTOS, IP_RECVOPTS, IP_RETOPTS,
and put_cmsg's room rules (MSG_CTRUNC).

Expected bytes were recorded from Linux 6.12 with the same steps in namespaces built like
tests/tools/test_ping.TOPO (Python's socket module on the real side); only the timestamps,
which are the clock's, differ (here they are the simulated ms since midnight).
Kernel: net/ipv4/ip_sockglue.c ip_cmsg_recv_offset, ip_cmsg_recv_opts, ip_cmsg_recv_retopts;
net/core/scm.c put_cmsg.
"""

from __future__ import annotations

import socket as pysocket
import struct
import sys
from collections.abc import Iterator

import pytest
from tests.tools.test_ping import TOPO  # a (10.0.1.1) - r - b (10.0.2.2)

from skbuff.net import socket as bsd
from skbuff.net.core.net_namespace import Net
from skbuff.net.ipv4 import icmp
from skbuff.sim import script
from skbuff.sim.world import World
from skbuff.uapi.in_ import IP_RECVOPTS, IP_RECVTOS, IP_RECVTTL, IP_RETOPTS

IP = pysocket.IPPROTO_IP
RR9 = bytes((1, 7, 39, 4)) + bytes(36)
ALL = (IP_RECVOPTS, IP_RETOPTS, IP_RECVTTL, IP_RECVTOS)


@pytest.fixture
def world() -> Iterator[World]:
    w = World()
    assert script.run_script(w, TOPO, "topo", sys.stdout, sys.stderr) == 0
    with w.kernel:  # socket calls run as a task
        yield w


def _udp(net: Net, addr: str = "", port: int = 0) -> bsd.Socket:
    s = bsd.net_socket(net, pysocket.AF_INET, pysocket.SOCK_DGRAM, 0)
    if addr:
        s.bind((addr, port))
    s.settimeout(3)
    return s


def _send(w: World, opts: bytes, data: bytes, dst: str = "10.0.2.2") -> None:
    s = _udp(w.netns("a"))
    s.setsockopt(IP, pysocket.IP_OPTIONS, opts)
    s.sendto(data, (dst, 5000))
    s.close()


def test_flags_set_and_read_back(world: World) -> None:
    s = _udp(world.netns("b"))
    assert [s.getsockopt(IP, o) for o in ALL] == [0, 0, 0, 0]
    for o in ALL:
        s.setsockopt(IP, o, 1)
    assert [s.getsockopt(IP, o) for o in ALL] == [1, 1, 1, 1]
    s.setsockopt(IP, IP_RETOPTS, 0)
    assert [s.getsockopt(IP, o) for o in ALL] == [1, 0, 1, 1]


def test_record_route_received_and_to_return(world: World) -> None:
    """RR from a through r: IP_RECVOPTS is the header's options as b filled them (a, r, b);
    IP_RETOPTS what a reply would carry, as IP_OPTIONS takes it: the NOP gone, the pointer
    at b's slot (ip_options_undo takes back the slot the echo reserved), padded to 40.
    The order is the kernel's: TTL, TOS, RECVOPTS, RETOPTS."""
    rx = _udp(world.netns("b"), "10.0.2.2", 5000)
    for o in ALL:
        rx.setsockopt(IP, o, 1)
    _send(world, RR9, b"hello")
    data, anc, flags, addr = rx.recvmsg(100, 1024)
    assert (data, flags, addr[0] if addr else None) == (b"hello", 0, "10.0.1.1")
    route = bytes.fromhex("0a0001010a0002fe0a000202")
    assert anc == [(IP, pysocket.IP_TTL, struct.pack("=i", 63)), (IP, pysocket.IP_TOS, b"\0"),
                   (IP, IP_RECVOPTS, bytes((1, 7, 39, 16)) + route + bytes(24)),
                   (IP, IP_RETOPTS, bytes((7, 39, 16)) + route + bytes(25))]


def test_timestamp_overflow_and_time_from_the_clock(world: World) -> None:
    """A one-pair tsandaddr: a fills it (its address, its time: inet_current_timestamp),
    r and b only count in the overflow nibble (0x2_); echoing changes nothing."""
    rx = _udp(world.netns("b"), "10.0.2.2", 5000)
    rx.setsockopt(IP, IP_RECVOPTS, 1)
    rx.setsockopt(IP, IP_RETOPTS, 1)
    now = icmp.inet_current_timestamp(world.netns("a"))
    _send(world, bytes((68, 12, 5, 1)) + bytes(8), b"ts")
    _, anc, flags, _ = rx.recvmsg(100, 1024)
    opt = bytes((68, 12, 13, 0x21)) + bytes.fromhex("0a000101") + struct.pack("!I", now)
    assert (flags, anc) == (0, [(IP, IP_RECVOPTS, opt), (IP, IP_RETOPTS, opt)])


def test_options_that_cannot_be_echoed_truncate(world: World) -> None:
    """tsandaddr of 24 bytes (two and a half pairs): r fills the second pair and then has
    no room for the next whole pair, so __ip_options_echo fails: no IP_RETOPTS and
    MSG_CTRUNC, while IP_RECVOPTS still comes."""
    rx = _udp(world.netns("r"), "10.0.1.254", 5000)
    rx.setsockopt(IP, IP_RECVOPTS, 1)
    rx.setsockopt(IP, IP_RETOPTS, 1)
    _send(world, bytes((68, 24, 5, 1)) + bytes(20), b"trunc", "10.0.1.254")
    _, anc, flags, _ = rx.recvmsg(100, 1024)
    assert flags == bsd.MSG_CTRUNC
    assert [(lvl, t) for lvl, t, _ in anc] == [(IP, IP_RECVOPTS)]
    opt = anc[0][2]
    assert opt[:4] == bytes((68, 24, 21, 1))
    assert (opt[4:8], opt[12:16], opt[20:]) == (bytes((10, 0, 1, 1)), bytes((10, 0, 1, 254)),
                                               bytes(4))


def test_no_options_no_option_messages_and_room_rules(world: World) -> None:
    """Without IP options only TTL/TOS come. With 40 bytes of room the TTL message takes
    CMSG_SPACE(4) = 24 and the TOS one is cut to its header (MSG_CTRUNC), as Linux does;
    with no room at all nothing comes but MSG_CTRUNC."""
    rx = _udp(world.netns("b"), "10.0.2.2", 5000)
    for o in ALL:
        rx.setsockopt(IP, o, 1)
    _send(world, b"", b"plain")
    _, anc, flags, _ = rx.recvmsg(100, 1024)
    assert (flags, [t for _, t, _ in anc]) == (0, [pysocket.IP_TTL, pysocket.IP_TOS])
    _send(world, RR9, b"small")
    _, anc, flags, _ = rx.recvmsg(100, 40)
    assert flags == bsd.MSG_CTRUNC
    assert anc == [(IP, pysocket.IP_TTL, struct.pack("=i", 63)), (IP, pysocket.IP_TOS, b"")]
    _send(world, b"", b"none")
    assert rx.recvmsg(100, 0)[1:3] == ([], bsd.MSG_CTRUNC)


def test_raw_socket_gets_the_echo_reply_options(world: World) -> None:
    """A raw ICMP socket with RR: the echo reply's options (b's echo drops the NOP; six
    addresses: a, r, b, b, r, a), the same in IP_RECVOPTS and IP_RETOPTS."""
    s = bsd.net_socket(world.netns("a"), pysocket.AF_INET, pysocket.SOCK_RAW,
                       pysocket.IPPROTO_ICMP)
    s.setsockopt(IP, pysocket.IP_OPTIONS, RR9)
    s.setsockopt(IP, IP_RECVOPTS, 1)
    s.setsockopt(IP, IP_RETOPTS, 1)
    s.settimeout(2)
    s.sendto(bytes((8, 0, 0xF7, 0xFE, 0, 1, 0, 0)), ("10.0.2.2", 0))
    while True:
        data, anc, flags, _ = s.recvmsg(200, 1024)
        if data[60] == 0:  # the echo reply, not our own request
            break
    opt = bytes.fromhex("07271c0a0001010a0002fe0a0002020a0002020a0001fe0a000101") + bytes(13)
    assert data[20:60] == opt
    assert (flags, anc) == (0, [(IP, IP_RECVOPTS, opt), (IP, IP_RETOPTS, opt)])


def test_ping_socket_gets_the_echo_reply_options(world: World) -> None:
    """The same through an ICMP datagram ("ping") socket: ping_recvmsg gives the ICMP
    message, and ip_cmsg_recv the options of the IP header it came in."""
    s = bsd.net_socket(world.netns("a"), pysocket.AF_INET, pysocket.SOCK_DGRAM,
                       pysocket.IPPROTO_ICMP)
    s.setsockopt(IP, pysocket.IP_OPTIONS, RR9)
    s.setsockopt(IP, IP_RECVOPTS, 1)
    s.settimeout(2)
    s.sendto(bytes((8, 0, 0, 0, 0, 0, 0, 5)) + b"data", ("10.0.2.2", 0))
    data, anc, flags, _ = s.recvmsg(200, 1024)
    assert (data[0], data[6:8], data[8:]) == (0, b"\0\x05", b"data")
    opt = bytes.fromhex("07271c0a0001010a0002fe0a0002020a0002020a0001fe0a000101") + bytes(13)
    assert (flags, anc) == (0, [(IP, IP_RECVOPTS, opt)])
