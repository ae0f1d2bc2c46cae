"""setsockopt/getsockopt(IP_OPTIONS) and the options on the datagrams a socket sends.

Kernel: net/ipv4/ip_sockglue.c do_ip_setsockopt / do_ip_getsockopt (IP_OPTIONS),
net/ipv4/ip_options.c ip_options_get, ip_options_undo, ip_options_build.
"""

from __future__ import annotations

import errno
import socket as pysocket
import struct
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.tools.test_ping import TOPO  # a (10.0.1.1) - r - b (10.0.2.2)

from skbuff.net import socket as bsd
from skbuff.net.core.net_namespace import Net
from skbuff.net.packet import af_packet
from skbuff.sim import script
from skbuff.sim.world import World
from skbuff.uapi.inet import ntoa
from skbuff.uapi.ip import IPOPT_LSRR, IPOPT_NOP, IPOPT_RR, IPOPT_TIMESTAMP

"""Host a (10.0.1.1) - router r - host b (10.0.2.2)."""

RR9 = bytes((IPOPT_NOP, IPOPT_RR, 39, 4)) + bytes(36)
"""What `ping -R` sets: a NOP, then record route with 9 empty slots."""


@pytest.fixture(scope="module")
def world() -> World:
    w = World()
    assert script.run_script(w, TOPO, "topo", sys.stdout, sys.stderr) == 0
    return w


def _sock(net: Net, type: int = pysocket.SOCK_RAW, proto: int = pysocket.IPPROTO_ICMP
          ) -> bsd.Socket:
    return bsd.net_socket(net, pysocket.AF_INET, type, proto)


def _echo() -> bytes:
    return bytes((8, 0, 0, 0, 0, 1, 0, 1)) + b"x" * 8


def _addrs(opt: bytes, at: int, n: int) -> list[str]:
    return [ntoa(struct.unpack_from("!I", opt, at + 4 * i)[0]) for i in range(n)]


def test_get_returns_what_was_set_padded(world: World) -> None:
    s = _sock(world.netns("a"))
    assert s.getsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, 40) == b""
    s.setsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, RR9[:39])
    assert s.getsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, 40) == RR9
    assert s.getsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, 4) == RR9[:4]
    s.setsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, b"")
    assert s.getsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, 40) == b""
    s.close()


@pytest.mark.parametrize("bad", [
    bytes(44),                                     # over 40 bytes
    bytes((IPOPT_RR, 39, 3)) + bytes(36),          # RR pointer below 4
    bytes((IPOPT_RR, 2)),                          # RR shorter than 3
    bytes((IPOPT_RR, 7, 4, 0, 0, 0, 0)) * 2,      # two RR options
    bytes((IPOPT_RR, 9, 4)),                       # length beyond the buffer
    bytes((IPOPT_LSRR, 7, 8, 10, 0, 2, 2)),        # user source route pointer not 4
    bytes((IPOPT_LSRR, 9, 4, 10, 0, 2, 2, 0, 0)),  # route length not 3 + 4n
])
def test_bad_options_are_einval(world: World, bad: bytes) -> None:
    s = _sock(world.netns("a"))
    with pytest.raises(OSError) as e:
        s.setsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, bad)
    assert e.value.errno == errno.EINVAL
    assert s.getsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, 40) == b""
    s.close()


@pytest.mark.parametrize("type,proto", [(pysocket.SOCK_RAW, pysocket.IPPROTO_ICMP),
                                        (pysocket.SOCK_DGRAM, pysocket.IPPROTO_ICMP),
                                        (pysocket.SOCK_DGRAM, pysocket.IPPROTO_UDP)])
def test_sent_datagram_records_route(world: World, type: int, proto: int) -> None:
    """As the datagram reaches b: a recorded its source, r its outgoing address."""
    a, b = world.netns("a"), world.netns("b")
    tap = af_packet.packet_create(b)
    tx = _sock(a, type, proto)
    tx.setsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, RR9)
    with world.kernel:
        tx.sendto(b"data" if proto == pysocket.IPPROTO_UDP else _echo(), ("10.0.2.2", 9))
    world.kernel.run_for(10_000_000)
    af_packet.packet_release(tap)
    tx.close()
    pkt = next(r.data[14:] for r in tap.records
           if not r.outgoing and r.data[12:14] == b"\x08\x00")
    assert pkt[0] == 0x4F and pkt[9] == proto  # IHL 15: 40 bytes of options
    assert pkt[20:24] == bytes((IPOPT_NOP, IPOPT_RR, 39, 12))
    assert _addrs(pkt, 24, 2) == ["10.0.1.1", "10.0.2.254"]
    assert pkt[32:60] == bytes(28)


def test_loose_source_route_goes_via_first_hop(world: World) -> None:
    """LSRR 10.0.2.2 sent to 10.0.2.2: routed to the first hop, the final slot the
    destination; getsockopt gives the route back as set."""
    a, _b = world.netns("a"), world.netns("b")
    lsrr = bytes((IPOPT_NOP, IPOPT_LSRR, 7, 4)) + bytes((10, 0, 2, 2))
    tap = af_packet.packet_create(a)
    tx = _sock(a)
    tx.setsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, lsrr)
    assert tx.getsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, 40) == lsrr
    with world.kernel:
        tx.sendto(_echo(), ("10.0.2.2", 0))
    world.kernel.run_for(10_000_000)
    af_packet.packet_release(tap)
    tx.close()
    pkt = next(r.data[14:] for r in tap.records
           if r.outgoing and r.data[12:14] == b"\x08\x00")
    assert pkt[0] == 0x47
    assert _addrs(pkt, 16, 1) == ["10.0.2.2"]  # daddr: the route's first hop
    assert pkt[20:24] == lsrr[:4] and _addrs(pkt, 24, 1) == ["10.0.2.2"]  # final: daddr


@pytest.mark.parametrize(("given", "got"), [
    ("01072704" + "00" * 36, "01072704" + "00" * 36),
    ("07070401020304", "0707040000000000"),  # undo zeroes the slot compile reserved
    ("00050607", "00000000"),                # END fills what follows END
    ("0183" "07040a000202", "018307040a000202"),
    ("440c0500" + "00" * 8, "440c0500" + "00" * 8),
    ("070904", None), ("072703" + "00" * 36, None), ("0702", None),
    ("07070400000000" * 2, None), ("8307080a000202", None), ("8309040a0002020000", None),
    ("00" * 44, None),
])
def test_matches_linux(given: str, got: str | None) -> None:
    """setsockopt then getsockopt(IP_OPTIONS, 40) as recorded on Linux 6.18 (raw ICMP and
    UDP sockets alike); None is EINVAL."""
    w = _world_cache()
    for type, proto in ((pysocket.SOCK_RAW, pysocket.IPPROTO_ICMP),
                        (pysocket.SOCK_DGRAM, pysocket.IPPROTO_UDP)):
        s = _sock(w.netns("a"), type, proto)
        try:
            s.setsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, bytes.fromhex(given))
        except OSError as e:
            assert got is None and e.errno == errno.EINVAL
        else:
            assert s.getsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, 40).hex() == got
        finally:
            s.close()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=40))
def test_set_get_is_a_fixed_point(data: bytes) -> None:
    """Accepted options come back padded to 4; setting what getsockopt gave is accepted and
    gives it back unchanged. Refused options are EINVAL and leave none set."""
    w = _world_cache()
    s = _sock(w.netns("a"))
    try:
        s.setsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, data)
    except OSError as e:
        assert e.errno == errno.EINVAL
        assert s.getsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, 40) == b""
    else:
        got = s.getsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, 40)
        assert len(got) == (len(data) + 3) & ~3
        s.setsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, got)
        assert s.getsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, 40) == got
    finally:
        s.close()


def test_timestamp_pointer_is_restored(world: World) -> None:
    ts = bytes((IPOPT_TIMESTAMP, 12, 5, 0)) + bytes(8)
    s = _sock(world.netns("a"))
    s.setsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, ts)
    assert s.getsockopt(pysocket.IPPROTO_IP, pysocket.IP_OPTIONS, 40) == ts
    s.close()


_WORLD: list[World] = []


def _world_cache() -> World:
    if not _WORLD:
        w = World()
        assert script.run_script(w, TOPO, "topo", sys.stdout, sys.stderr) == 0
        _WORLD.append(w)
    return _WORLD[0]
