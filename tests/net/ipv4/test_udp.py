"""UDP: receive checks and counters, socket API semantics (bind, connect, EMSGSIZE with DF,
port unreachable → ECONNREFUSED and the IP_RECVERR queue, receive buffer limit, timeouts).

The output route is stood in for (every lookup gives a route whose output records the
frame); received frames are crafted and given a local route, as ip_route_input would."""

from __future__ import annotations

import errno
import socket as pysocket
import struct
from collections.abc import Iterator
from typing import Any

import pytest
from tests.net.ipv4.ip_testbed import A, B, Bed

from skbuff.net import socket as bsd
from skbuff.net.core import neighbour, skbuff
from skbuff.net.ipv4 import arp, inetpeer, ip_input, ip_output, route
from skbuff.uapi import snmp
from skbuff.uapi.icmp import ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, build_icmp
from skbuff.uapi.ip import IP_DF
from skbuff.uapi.rtnetlink import RTN_LOCAL, RTN_UNICAST
from skbuff.uapi.udp import build_udp

ROUTER = 0xC0000263  # 192.0.2.99


@pytest.fixture
def bed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Bed]:
    """Output routes go through the real ip_output path down to the neighbour layer, whose
    hand-off (`neigh_output`) records the frames."""
    b = Bed()
    if b.net.ipv4.peers is None:
        b.net.ipv4.peers = inetpeer.inet_peer_base_init(b.k)

    def neigh_output(n: Any, skb: skbuff.sk_buff, skip_cache: bool) -> int:
        b.sent.append(bytes(skbuff.skb_data(skb)))
        skbuff.consume_skb(skb)
        return 0

    def lookup(net: Any, fl4: Any) -> Any:
        if fl4.daddr == 0x0A0A0A0A:
            return -errno.ENETUNREACH
        if not fl4.saddr:
            fl4.saddr = A
        rt = b.rt(RTN_UNICAST, mtu=1500)
        rt.output = ip_output.ip_output
        return rt

    monkeypatch.setattr(route, "ip_route_output_key", lookup)
    monkeypatch.setattr(arp, "ip_neigh_for_gw", lambda rt, skb: (object(), False))
    monkeypatch.setattr(neighbour, "neigh_output", neigh_output)
    monkeypatch.setattr(
        "skbuff.net.ipv4.fib_frontend.inet_addr_type",
        lambda net, addr: RTN_LOCAL if addr == A else RTN_UNICAST)
    yield b
    b.close()


def deliver(bed: Bed, pkt: bytes) -> None:
    """Receive `pkt` through ip_rcv with a local route (ip_local_deliver)."""
    skb = bed.frame(pkt)
    skbuff.skb_dst_set(skb, bed.rt(RTN_LOCAL, input=ip_input.ip_local_deliver))
    ip_input.ip_rcv(skb, bed.dev, None, bed.dev)


def udp_in(bed: Bed, payload: bytes, sport: int, dport: int, saddr: int = B) -> bytes:
    return bed.packet(build_udp(saddr, A, sport, dport, payload), saddr=saddr, daddr=A,
                      protocol=17)


def udp_mib(bed: Bed, f: int) -> int:
    return bed.net.mib.udp_statistics[f]


def test_no_socket_is_noports_and_port_unreachable(bed: Bed) -> None:
    deliver(bed, udp_in(bed, b"hello", 4000, 9))
    assert udp_mib(bed, snmp.UDP_MIB_NOPORTS) == 1
    assert bed.reasons() == ["NO_SOCKET"]
    (icmp_pkt,) = bed.sent
    assert icmp_pkt[20] == ICMP_DEST_UNREACH and icmp_pkt[21] == ICMP_PORT_UNREACH
    assert int.from_bytes(icmp_pkt[16:20], "big") == B
    assert icmp_pkt[28 + 12:28 + 16] == B.to_bytes(4, "big")  # quotes the datagram


def test_bound_socket_receives_and_counts_at_recv(bed: Bed) -> None:
    s = bsd.net_socket(bed.net, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 5000))
    deliver(bed, udp_in(bed, b"payload", 4000, 5000))
    assert udp_mib(bed, snmp.UDP_MIB_INDATAGRAMS) == 0
    assert s.recvfrom(100) == (b"payload", ("198.51.100.7", 4000))
    assert udp_mib(bed, snmp.UDP_MIB_INDATAGRAMS) == 1
    assert bed.ip_delta()["InDelivers"] == 1
    with pytest.raises(BlockingIOError):
        s.recv(100, pysocket.MSG_DONTWAIT)
    s.close()


def test_bad_checksum_and_short_datagram(bed: Bed) -> None:
    s = bsd.net_socket(bed.net, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    s.bind(("", 5000))
    good = bytearray(build_udp(B, A, 4000, 5000, b"data"))
    good[6] ^= 0xFF
    deliver(bed, bed.packet(bytes(good), daddr=A, protocol=17))
    assert udp_mib(bed, snmp.UDP_MIB_CSUMERRORS) == 1
    assert udp_mib(bed, snmp.UDP_MIB_INERRORS) == 1
    short = bytearray(build_udp(B, A, 4000, 5000, b"data"))
    short[4:6] = (200).to_bytes(2, "big")
    deliver(bed, bed.packet(bytes(short), daddr=A, protocol=17))
    assert udp_mib(bed, snmp.UDP_MIB_INERRORS) == 2
    assert bed.reasons() == ["UDP_CSUM", "PKT_TOO_SMALL"]
    s.close()


def test_rcvbuf_overflow(bed: Bed) -> None:
    s = bsd.net_socket(bed.net, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    s.setsockopt(pysocket.SOL_SOCKET, pysocket.SO_RCVBUF, 1)
    assert s.getsockopt(pysocket.SOL_SOCKET, pysocket.SO_RCVBUF) == bsd.SOCK_MIN_RCVBUF
    s.bind(("", 5000))
    for _ in range(20):
        deliver(bed, udp_in(bed, b"x" * 1000, 4000, 5000))
    errs = udp_mib(bed, snmp.UDP_MIB_RCVBUFERRORS)
    assert errs > 0 and udp_mib(bed, snmp.UDP_MIB_INERRORS) == errs
    assert bed.reasons().count("SOCKET_RCVBUFF") == errs
    queued = len(s.sk.sk_receive_queue)
    assert queued + errs == 20
    s.close()


def test_send_sets_headers_and_counts(bed: Bed) -> None:
    s = bsd.net_socket(bed.net, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    s.setsockopt(pysocket.IPPROTO_IP, pysocket.IP_TTL, 9)
    s.setsockopt(pysocket.IPPROTO_IP, pysocket.IP_TOS, 0x10)
    assert s.sendto(b"abc", ("198.51.100.7", 53)) == 3
    (pkt,) = bed.sent
    assert pkt[8] == 9 and pkt[1] == 0x10
    assert int.from_bytes(pkt[6:8], "big") == IP_DF  # PMTUDISC_WANT: DF, but ignore_df
    assert pkt[4:6] != b"\0\0"  # so the ID comes from the hashed generator
    sport = int.from_bytes(pkt[20:22], "big")
    assert 32768 <= sport <= 60999
    assert udp_mib(bed, snmp.UDP_MIB_OUTDATAGRAMS) == 1
    d = bed.ip_delta()
    assert d["OutRequests"] == 1 and d["OutTransmits"] == 1 and d["OutOctets"] == len(pkt)
    s.setsockopt(pysocket.IPPROTO_IP, bsd.IP_MTU_DISCOVER, bsd.IP_PMTUDISC_DO)
    s.sendto(b"abc", ("198.51.100.7", 53))
    assert bed.sent[1][4:6] == b"\0\0"  # DF, no ignore_df: ID 0
    s.close()


def test_connected_socket_uses_its_own_ids(bed: Bed) -> None:
    s = bsd.net_socket(bed.net, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    s.connect(("198.51.100.7", 53))
    s.send(b"1")
    s.send(b"2")
    ids = [int.from_bytes(p[4:6], "big") for p in bed.sent]
    assert ids[1] == (ids[0] + 1) & 0xFFFF
    s.close()


def test_emsgsize_with_pmtudisc_do_and_local_error(bed: Bed) -> None:
    s = bsd.net_socket(bed.net, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    s.setsockopt(pysocket.IPPROTO_IP, bsd.IP_MTU_DISCOVER, bsd.IP_PMTUDISC_DO)
    s.setsockopt(pysocket.IPPROTO_IP, bsd.IP_RECVERR, 1)
    with pytest.raises(OSError) as ei:
        s.sendto(b"x" * 1473, ("198.51.100.7", 53))
    assert ei.value.errno == errno.EMSGSIZE
    _, anc, flags, _ = s.recvmsg(100, 100, pysocket.MSG_ERRQUEUE)
    ee_errno, origin, _, _, _, info, _ = struct.unpack_from("=IBBBBII", anc[0][2])
    assert (ee_errno, origin, info) == (errno.EMSGSIZE, 1, 1500)
    assert flags == pysocket.MSG_ERRQUEUE
    s.setsockopt(pysocket.IPPROTO_IP, bsd.IP_MTU_DISCOVER, bsd.IP_PMTUDISC_DONT)
    assert s.sendto(b"x" * 3000, ("198.51.100.7", 53)) == 3000
    frags = bed.sent
    assert [len(f) for f in frags] == [1500, 1500, 3028 - 2 * 1480]
    assert bed.ip_delta()["FragCreates"] == 3
    s.close()


def test_no_route_is_enetunreach(bed: Bed) -> None:
    s = bsd.net_socket(bed.net, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    with pytest.raises(OSError) as ei:
        s.sendto(b"x", ("10.10.10.10", 53))
    assert ei.value.errno == errno.ENETUNREACH
    assert bed.ip_delta().get("OutNoRoutes") == 1
    s.close()


def test_port_unreachable_gives_econnrefused_and_errqueue(bed: Bed) -> None:
    s = bsd.net_socket(bed.net, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    s.setsockopt(pysocket.IPPROTO_IP, bsd.IP_RECVERR, 1)
    s.connect(("198.51.100.7", 53))
    s.send(b"query")
    (orig,) = bed.sent
    quoted = orig[:33]
    err = build_icmp(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, quoted)
    deliver(bed, bed.packet(err, saddr=ROUTER, daddr=A, protocol=1))
    with pytest.raises(ConnectionRefusedError):
        s.recv(100)
    data, anc, _, addr = s.recvmsg(100, 100, pysocket.MSG_ERRQUEUE)
    assert data == b"query"  # the original datagram's payload
    ee_errno, origin, ee_type, ee_code, _, _, _ = struct.unpack_from("=IBBBBII", anc[0][2])
    assert (ee_errno, origin, ee_type, ee_code) == (errno.ECONNREFUSED, 2, 3, 3)
    assert addr is not None and addr[0] == "192.0.2.99"
    assert bed.net.mib.icmp_statistics[snmp.ICMP_MIB_INMSGS] == 1
    s.close()


def test_blocking_recv_times_out_in_simulated_time(bed: Bed) -> None:
    s = bsd.net_socket(bed.net, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    s.bind(("", 5001))
    s.settimeout(0.5)
    t0 = bed.k.now_ns
    with pytest.raises(TimeoutError):
        s.recv(10)
    assert bed.k.now_ns - t0 >= 500_000_000
    s.close()


def test_bind_rules(bed: Bed) -> None:
    s = bsd.net_socket(bed.net, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    s.bind(("", 6000))
    t = bsd.net_socket(bed.net, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    with pytest.raises(OSError) as ei:
        t.bind(("", 6000))
    assert ei.value.errno == errno.EADDRINUSE
    with pytest.raises(OSError) as ei:
        t.bind(("203.0.113.1", 6001))
    assert ei.value.errno == errno.EADDRNOTAVAIL
    s.close()
    t.bind(("", 6000))
    t.close()
