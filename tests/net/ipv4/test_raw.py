"""Raw sockets: corked sends (MSG_MORE) and what a raw socket receives of a datagram built
from pieces. The outcomes were recorded from Linux 6.12 with the same steps (Python's socket
module in namespaces built like tests/tools/test_ping.TOPO).
Kernel: net/ipv4/raw.c raw_sendmsg, raw_destroy, raw_local_deliver; net/ipv4/ip_output.c
ip_append_data, ip_push_pending_frames, __ip_make_skb.
"""

from __future__ import annotations

import socket as pysocket
import struct
import sys
from collections.abc import Iterator

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.net.ipv4.pair import H2, Pair
from tests.tools.test_ping import TOPO  # a (10.0.1.1) - r - b (10.0.2.2)

from skbuff.net import socket as bsd
from skbuff.net.core import skbuff
from skbuff.net.core import sock as core_sock
from skbuff.net.core.net_namespace import Net
from skbuff.sim import script
from skbuff.sim.world import World
from skbuff.uapi.checksum import ip_compute_csum
from skbuff.uapi.socket import MSG_MORE


@pytest.fixture
def world() -> Iterator[World]:
    w = World()
    assert script.run_script(w, TOPO, "topo", sys.stdout, sys.stderr) == 0
    with w.kernel:
        yield w


def _raw(net: Net) -> bsd.Socket:
    s = bsd.net_socket(net, pysocket.AF_INET, pysocket.SOCK_RAW, pysocket.IPPROTO_ICMP)
    s.settimeout(1)
    return s


def _echo(seq: int, payload: bytes) -> bytes:
    """An echo request header whose checksum covers `payload` (sent separately)."""
    hdr = bytearray(struct.pack("!BBHHH", 8, 0, 0, 0x77, seq))
    hdr[2:4] = ip_compute_csum(hdr + payload, 0, len(hdr) + len(payload)).to_bytes(2, "big")
    return bytes(hdr)


def _drain(w: World, s: bsd.Socket) -> list[bytes]:
    w.kernel.run_for(500_000_000)
    got = []
    while s.sk.sk_receive_queue:
        got.append(s.recv(2000))
    return got


def test_msg_more_joins_pieces_into_one_datagram(world: World) -> None:
    """The header with MSG_MORE, then the payload: one echo request of both (b's raw socket
    sees all 42 bytes, the frag_list piece included), and b answers it."""
    b = _raw(world.netns("b"))
    s = _raw(world.netns("a"))
    payload = b"corked-payload"
    assert s.sendto(_echo(1, payload), MSG_MORE, ("10.0.2.2", 0)) == 8
    assert skbuff.skb_queue_len(s.sk.sk_write_queue) == 1  # pending, nothing sent yet
    assert s.sendto(payload, 0, ("10.0.2.2", 0)) == len(payload)
    assert skbuff.skb_queue_empty(s.sk.sk_write_queue)
    reply = s.recv(2000)
    assert (len(reply), reply[20:28].hex()) == (42, "0000678b00770001")
    (request,) = _drain(world, b)
    assert len(request) == 42 and request[20:28] == _echo(1, payload)
    assert request[28:] == payload


def test_pending_datagram_takes_the_last_calls_flow(world: World) -> None:
    """Corked towards b, finished towards r: the header carries the last call's addresses
    (and the ICMP type counted is the first byte of the last piece, as __ip_make_skb takes
    fl4_icmp_type), while the first call's route (via r) carries it: r gets it, b not."""
    b, r = _raw(world.netns("b")), _raw(world.netns("r"))
    s = _raw(world.netns("a"))
    p = b"two-dest"
    s.sendto(_echo(2, p), MSG_MORE, ("10.0.2.2", 0))
    s.sendto(p, 0, ("10.0.1.254", 0))
    assert _drain(world, b) == []
    (got,) = _drain(world, r)
    assert (got[12:20], got[20:28], got[28:]) == (bytes((10, 0, 1, 1, 10, 0, 1, 254)),
                                                 _echo(2, p), p)
    out = world.netns("a").mib.icmpmsg_statistics
    assert (out[0x100 | ord("t")], out[0x100 | 8]) == (1, 0)  # IcmpMsg OutType116, OutType8


def test_close_throws_the_pending_datagram_away(world: World) -> None:
    b = _raw(world.netns("b"))
    s = _raw(world.netns("a"))
    s.sendto(_echo(3, b"x"), MSG_MORE, ("10.0.2.2", 0))
    s.close()
    assert skbuff.skb_queue_empty(s.sk.sk_write_queue)
    assert _drain(world, b) == []


class RawCorkMachine(RuleBasedStateMachine):
    """Raw-socket corking as a state machine over h1 - h2 (MTU 1000, so long datagrams are
    fragmented and reassembled): sends with or without MSG_MORE, and closing the socket.
    Invariants: a datagram is pending exactly while pieces are queued, the send buffer holds
    exactly the queued skbs, and h2's raw socket receives exactly the completed datagrams,
    in order. (Each piece's first byte is >= 100: no ICMP type h2 would answer.)"""

    @initialize()
    def setup(self) -> None:
        self.p = Pair(1000)
        self.rx = self.p.socket(self.p.h2, pysocket.SOCK_RAW, pysocket.IPPROTO_ICMP)
        self.tx = self.p.socket(self.p.h1, pysocket.SOCK_RAW, pysocket.IPPROTO_ICMP)
        self.building: bytes | None = None
        self.expected: list[bytes] = []
        self.seq = 0

    @rule(size=st.integers(1, 1600), more=st.booleans())
    def send(self, size: int, more: bool) -> None:
        self.seq += 1
        data = bytes([100 + self.seq % 100]) * size
        assert self.p.call(self.tx.sendto, data, MSG_MORE if more else 0, (H2, 0)) == size
        self.building = (self.building or b"") + data
        if not more:
            self.expected.append(self.building)
            self.building = None

    @rule()
    def reopen(self) -> None:
        """Closing drops the pending datagram (raw_destroy)."""
        self.p.call(self.tx.close)
        self.tx = self.p.socket(self.p.h1, pysocket.SOCK_RAW, pysocket.IPPROTO_ICMP)
        self.building = None

    @invariant()
    def delivered(self) -> None:
        sk = self.tx.sk
        assert skbuff.skb_queue_empty(sk.sk_write_queue) == (self.building is None)
        self.p.settle(0.05)
        assert core_sock.sk_wmem_alloc_get(sk) == sum(q.truesize for q in sk.sk_write_queue.q)
        got = []
        while self.rx.sk.sk_receive_queue:
            packet = self.p.call(self.rx.recv, 65535)
            got.append(packet[(packet[0] & 0xF) * 4:])
        want, self.expected = self.expected, []
        assert got == want


RawCorkMachine.TestCase.settings = settings(max_examples=12, stateful_step_count=10,
                                            deadline=None)
TestRawCork = RawCorkMachine.TestCase
