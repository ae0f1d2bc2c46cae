"""Control messages on received datagrams (IP_PKTINFO, IP_RECVTTL, IP_RECVTOS, IP_RECVOPTS,
IP_RETOPTS, IP_RECVORIGDSTADDR, IP_RECVFRAGSIZE) and put_cmsg's room rules (MSG_CTRUNC), and
the ones sendmsg takes (IP_PKTINFO, IP_TTL, IP_TOS, IP_RETOPTS) with their errors.

Expected bytes were recorded from Linux 6.12 with the same steps in namespaces built like
tests/tools/test_ping.TOPO (Python's socket module on the real side); only the timestamps,
which are the clock's, differ (here they are the simulated ms since midnight).
tests/conformance/test_cmsg.py runs the same calls on both and compares.
Kernel: net/ipv4/ip_sockglue.c ip_cmsg_recv_offset, ip_cmsg_recv_opts, ip_cmsg_recv_retopts,
ip_cmsg_send; net/core/scm.c put_cmsg.
"""

from __future__ import annotations

import errno
import socket as pysocket
import struct
import sys
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.tools.test_ping import TOPO  # a (10.0.1.1) - r - b (10.0.2.2)

from skbuff.net import socket as bsd
from skbuff.net.core import skbuff
from skbuff.net.core.net_namespace import Net
from skbuff.net.ipv4 import icmp, ip_sockglue
from skbuff.sim import script
from skbuff.sim.world import World
from skbuff.uapi import checksum
from skbuff.uapi.in_ import (
    IP_CHECKSUM,
    IP_MTU_DISCOVER,
    IP_ORIGDSTADDR,
    IP_PKTINFO,
    IP_RECVERR,
    IP_RECVFRAGSIZE,
    IP_RECVOPTS,
    IP_RECVORIGDSTADDR,
    IP_RECVTOS,
    IP_RECVTTL,
    IP_RETOPTS,
)

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


def _pktinfo(ifindex: int, spec_dst: str, addr: str) -> bytes:
    return struct.pack("=i", ifindex) + pysocket.inet_aton(spec_dst) + pysocket.inet_aton(addr)


def _sin(addr: str, port: bytes) -> bytes:
    return struct.pack("=H", pysocket.AF_INET) + port + pysocket.inet_aton(addr) + bytes(8)


NEW = (IP_PKTINFO, IP_RECVORIGDSTADDR, IP_CHECKSUM, IP_RECVFRAGSIZE)


def test_new_flags_set_and_read_back(world: World) -> None:
    s = _udp(world.netns("b"))
    assert [s.getsockopt(IP, o) for o in NEW] == [0, 0, 0, 0]
    for o in NEW:
        s.setsockopt(IP, o, 1)
    s.setsockopt(IP, IP_CHECKSUM, 0)
    assert [s.getsockopt(IP, o) for o in NEW] == [1, 1, 0, 1]


def test_pktinfo_origdstaddr_fragsize_in_the_kernel_order(world: World) -> None:
    """PKTINFO first (b's veth3 is ifindex 2; spec_dst = daddr for a local route), then TTL,
    TOS, ORIGDSTADDR; no IP_CHECKSUM (not CHECKSUM_COMPLETE: Linux's veth hands up the
    sender's CHECKSUM_PARTIAL, skbuff's devices CHECKSUM_NONE). A datagram that r had to
    fragment for the 1000-byte link adds IP_RECVFRAGSIZE: 996, the largest fragment
    (980 bytes of data, a multiple of 8, + 20)."""
    rx = _udp(world.netns("b"), "10.0.2.2", 5000)
    for o in (*NEW, IP_RECVTTL, IP_RECVTOS):
        rx.setsockopt(IP, o, 1)
    tx = _udp(world.netns("a"), "10.0.1.1", 4000)
    tx.sendto(b"plain", ("10.0.2.2", 5000))
    head = [(IP, IP_PKTINFO, _pktinfo(2, "10.0.2.2", "10.0.2.2")),
            (IP, pysocket.IP_TTL, struct.pack("=i", 63)), (IP, pysocket.IP_TOS, b"\0"),
            (IP, IP_ORIGDSTADDR, _sin("10.0.2.2", b"\x13\x88"))]
    assert rx.recvmsg(100, 1024) == (b"plain", head, 0, ("10.0.1.1", 4000))
    tx.setsockopt(IP, IP_MTU_DISCOVER, 0)
    tx.sendto(bytes(1400), ("10.0.2.2", 5000))
    data, anc, flags, _ = rx.recvmsg(2000, 1024)
    assert (len(data), flags) == (1400, 0)
    assert anc == [*head, (IP, IP_RECVFRAGSIZE, struct.pack("=i", 996))]


def test_pktinfo_from_the_loopback_names_the_address_owner(world: World) -> None:
    """To our own address through lo: ipi_ifindex is inet_iif, the local route's rt_iif
    (veth3, 2), not lo."""
    rx = _udp(world.netns("b"), "10.0.2.2", 5000)
    rx.setsockopt(IP, IP_PKTINFO, 1)
    _udp(world.netns("b"), "10.0.2.2", 6000).sendto(b"self", ("10.0.2.2", 5000))
    assert rx.recvmsg(100, 1024)[1] == [(IP, IP_PKTINFO,
                                         _pktinfo(2, "10.0.2.2", "10.0.2.2"))]


def test_raw_and_ping_sockets(world: World) -> None:
    """A raw ICMP socket's ORIGDSTADDR port is the ICMP header's second 16 bits (the
    checksum); a ping socket's IP_PKTINFO is IPCB as it stands (ping_rcv does no
    ipv4_pktinfo_prepare): the iif and a zero spec_dst."""
    a = world.netns("a")
    raw = bsd.net_socket(a, pysocket.AF_INET, pysocket.SOCK_RAW, pysocket.IPPROTO_ICMP)
    raw.settimeout(2)
    raw.setsockopt(IP, IP_PKTINFO, 1)
    raw.setsockopt(IP, IP_RECVORIGDSTADDR, 1)
    raw.sendto(bytes((8, 0, 0xF7, 0xFE, 0, 1, 0, 0)), ("10.0.2.2", 0))
    data, anc, flags, _ = raw.recvmsg(200, 1024)
    assert (data[20], flags) == (0, 0)
    assert anc == [(IP, IP_PKTINFO, _pktinfo(2, "10.0.1.1", "10.0.1.1")),
                   (IP, IP_ORIGDSTADDR, _sin("10.0.1.1", b"\xff\xfe"))]
    raw.close()
    ping = bsd.net_socket(a, pysocket.AF_INET, pysocket.SOCK_DGRAM, pysocket.IPPROTO_ICMP)
    ping.settimeout(2)
    ping.bind(("0.0.0.0", 77))
    ping.setsockopt(IP, IP_PKTINFO, 1)
    ping.setsockopt(IP, IP_RECVORIGDSTADDR, 1)
    ping.sendto(bytes((8, 0, 0, 0, 0, 0, 0, 1)) + b"ping", ("10.0.2.2", 0))
    data, anc, flags, _ = ping.recvmsg(200, 1024)
    assert (data[8:], flags) == (b"ping", 0)
    assert anc == [(IP, IP_PKTINFO, _pktinfo(2, "0.0.0.0", "10.0.1.1")),
                   (IP, IP_ORIGDSTADDR, _sin("10.0.1.1", b"\x20\xe1"))]


def test_sendmsg_control_messages(world: World) -> None:
    """IP_TTL 9 arrives as 8 after r; IP_TOS as an int or one byte; IP_PKTINFO's spec_dst
    picks the source among a's addresses; IP_RETOPTS gives this datagram options; other
    levels and SCM_RIGHTS are skipped."""
    assert world.run("ip -n a addr add 10.0.1.5/24 dev veth0").status == 0
    rx = _udp(world.netns("b"), "10.0.2.2", 5000)
    for o in (IP_RECVTTL, IP_RECVTOS, IP_RECVOPTS):
        rx.setsockopt(IP, o, 1)
    tx = _udp(world.netns("a"), "10.0.1.1", 4000)

    def send(anc: list[tuple[int, int, bytes]]) -> tuple[list[tuple[int, int, bytes]], str]:
        assert tx.sendmsg([b"x"], anc, 0, ("10.0.2.2", 5000)) == 1
        _, got, _, addr = rx.recvmsg(100, 1024)
        assert addr is not None
        return got, addr[0]

    ttl63, tos0 = (IP, pysocket.IP_TTL, struct.pack("=i", 63)), (IP, pysocket.IP_TOS, b"\0")
    assert send([(IP, pysocket.IP_TTL, struct.pack("=i", 9))]) == (
        [(IP, pysocket.IP_TTL, struct.pack("=i", 8)), tos0], "10.0.1.1")
    assert send([(IP, pysocket.IP_TOS, struct.pack("=i", 0x28))]) == (
        [ttl63, (IP, pysocket.IP_TOS, b"\x28")], "10.0.1.1")
    assert send([(IP, pysocket.IP_TOS, b"\x10")])[0][1] == (IP, pysocket.IP_TOS, b"\x10")
    assert send([(IP, IP_PKTINFO, _pktinfo(0, "10.0.1.5", "0.0.0.0"))]) == (
        [ttl63, tos0], "10.0.1.5")
    route = bytes.fromhex("0a0001010a0002fe0a000202")
    assert send([(IP, pysocket.IP_RETOPTS, RR9)]) == (
        [ttl63, tos0, (IP, IP_RECVOPTS, bytes((1, 7, 39, 16)) + route + bytes(24))],
        "10.0.1.1")
    assert send([(200, 1, b"abcd"), (pysocket.SOL_SOCKET, pysocket.SCM_RIGHTS, bytes(4))]) \
        == ([ttl63, tos0], "10.0.1.1")


@pytest.mark.parametrize(("anc", "err"), [
    ((IP, pysocket.IP_TTL, struct.pack("=i", 0)), errno.EINVAL),
    ((IP, pysocket.IP_TTL, struct.pack("=i", 256)), errno.EINVAL),
    ((IP, pysocket.IP_TTL, b"\x09"), errno.EINVAL),
    ((IP, pysocket.IP_TOS, struct.pack("=i", 256)), errno.EINVAL),
    ((IP, pysocket.IP_TOS, b"\0\0"), errno.EINVAL),
    ((IP, IP_PKTINFO, bytes(8)), errno.EINVAL),
    ((IP, IP_RECVERR, struct.pack("=i", 1)), errno.EINVAL),
    ((pysocket.SOL_SOCKET, 99, struct.pack("=i", 1)), errno.EINVAL),
    ((IP, pysocket.IP_RETOPTS, bytes((7, 2))), errno.EINVAL),
    ((IP, IP_PKTINFO, _pktinfo(0, "10.9.9.9", "0.0.0.0")), errno.ENETUNREACH),
    ((IP, IP_PKTINFO, _pktinfo(77, "0.0.0.0", "0.0.0.0")), errno.ENODEV),
])
def test_sendmsg_errors(world: World, anc: tuple[int, int, bytes], err: int) -> None:
    """The errors Linux 6.12 returned for the same calls (ip_cmsg_send's -EINVAL; a source
    that is not ours has no output route; an unknown ifindex is -ENODEV)."""
    tx = _udp(world.netns("a"), "10.0.1.1", 4000)
    with pytest.raises(OSError) as e:
        tx.sendmsg([b"x"], [anc], 0, ("10.0.2.2", 5000))
    assert e.value.errno == err


def test_ping_sendmsg_ttl_and_tos(world: World) -> None:
    """A ping socket takes IP_TTL/IP_TOS too: b's raw socket sees the request with TTL 4
    (5 - r's hop) and TOS 0x20; a bad TTL is -EINVAL."""
    sniff = bsd.net_socket(world.netns("b"), pysocket.AF_INET, pysocket.SOCK_RAW,
                           pysocket.IPPROTO_ICMP)
    sniff.settimeout(2)
    ping = bsd.net_socket(world.netns("a"), pysocket.AF_INET, pysocket.SOCK_DGRAM,
                          pysocket.IPPROTO_ICMP)
    echo = bytes((8, 0, 0, 0, 0, 0, 0, 1)) + b"ping"
    assert ping.sendmsg([echo], [(IP, pysocket.IP_TTL, struct.pack("=i", 5)),
                                 (IP, pysocket.IP_TOS, b"\x20")], 0, ("10.0.2.2", 0)) == 12
    request = sniff.recvfrom(200)[0]
    assert (request[1], request[8]) == (0x20, 4)
    with pytest.raises(OSError) as e:
        ping.sendmsg([echo], [(IP, pysocket.IP_TTL, struct.pack("=i", -1))], 0,
                     ("10.0.2.2", 0))
    assert e.value.errno == errno.EINVAL


@settings(max_examples=200)
@given(sizes=st.lists(st.integers(0, 40), max_size=6), ancbufsize=st.integers(0, 400))
def test_put_cmsgs_room_rules(sizes: list[int], ancbufsize: int) -> None:
    """Every message but the last returned is whole and took CMSG_SPACE (16-byte header,
    data padded to 8); the last is whole or cut to the room left; MSG_CTRUNC exactly when
    something was cut or left out, and nothing is left out while 16 bytes of room remain."""
    anc = [(IP, i, bytes(range(n))) for i, n in enumerate(sizes)]
    out, ctrunc = bsd.put_cmsgs(anc, ancbufsize)
    assert [t for _, t, _ in out] == list(range(len(out)))
    room = ancbufsize
    for (_, _, got), (_, _, full) in zip(out, anc, strict=False):
        assert full.startswith(got)
        assert len(got) == min(len(full), room - 16)
        room -= min(room, 16 + (len(full) + 7) // 8 * 8)
    assert bool(ctrunc) == (out != anc)
    if len(out) < len(anc) and (not out or out[-1] == anc[len(out) - 1]):
        assert room < 16


def test_checksum_only_for_checksum_complete(world: World) -> None:
    """IP_CHECKSUM is skb->csum of a CHECKSUM_COMPLETE skb (as native u32), after
    ORIGDSTADDR; any other ip_summed gives none."""
    sk = _udp(world.netns("b")).sk
    sk.cmsg_flags = ip_sockglue.IP_CMSG_CHECKSUM | ip_sockglue.IP_CMSG_ORIGDSTADDR
    skb = skbuff.alloc_skb(64, 0)
    assert ip_sockglue.skb_rx_csum(skb) == -1
    skb.ip_summed, skb.csum = checksum.CHECKSUM_COMPLETE, 0xBEEF1234
    csum = ip_sockglue.skb_rx_csum(skb)
    iph = bytes(16) + pysocket.inet_aton("10.0.2.2")
    anc, ctrunc = ip_sockglue.ip_cmsg_recv(sk, iph, bytes(48), b"\0\x01\x13\x88", csum)
    assert (ctrunc, anc) == (False, [(IP, IP_ORIGDSTADDR, _sin("10.0.2.2", b"\x13\x88")),
                                     (IP, IP_CHECKSUM, struct.pack("=I", 0xBEEF1234))])
    assert ip_sockglue.ip_cmsg_recv(sk, iph, bytes(48), b"", -1) == ([], False)
