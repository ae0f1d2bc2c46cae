"""IPv4 control messages, the same Python socket script on Linux and on skbuff.

`scenario` opens sockets through a factory and records what the calls return: recvmsg's
control messages (IP_PKTINFO, IP_RECVTTL, IP_RECVTOS, IP_RECVOPTS, IP_RECVORIGDSTADDR,
IP_CHECKSUM, IP_RECVFRAGSIZE) byte for byte with MSG_CTRUNC across buffer sizes, and sendmsg's
(IP_PKTINFO, IP_TTL, IP_TOS, IP_RETOPTS, SOL_SOCKET) with their errors. On the real side the
topology is built by the harness (its own namespaces only, always deleted) and the sockets are
opened inside those namespaces (setns for the opening call only); traffic stays inside them.
Kernel: net/ipv4/ip_sockglue.c ip_cmsg_recv_offset, ip_cmsg_send; net/core/scm.c put_cmsg.
"""

from __future__ import annotations

import ctypes
import os
import socket as pysocket
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skbuff.net import socket as bsd
from skbuff.uapi.in_ import (
    IP_CHECKSUM,
    IP_MTU_DISCOVER,
    IP_PKTINFO,
    IP_RECVERR,
    IP_RECVFRAGSIZE,
    IP_RECVOPTS,
    IP_RECVORIGDSTADDR,
    IP_RECVTOS,
    IP_RECVTTL,
    IP_RETOPTS,
)
from skbuff.uapi.socket import SO_MARK  # PyPy 3.9's socket module lacks it
from tests.conformance import harness
from tests.tools.test_ping import TOPO  # a (10.0.1.1) - r - b (10.0.2.2), r-b MTU 1000

IP = pysocket.IPPROTO_IP
RECV_FLAGS = (IP_PKTINFO, IP_RECVORIGDSTADDR, IP_CHECKSUM, IP_RECVFRAGSIZE, IP_RECVTTL,
              IP_RECVTOS)
RR9 = bytes((1, 7, 39, 4)) + bytes(36)
# A second address on a for IP_PKTINFO's ipi_spec_dst.
SETUP = TOPO + "ip -n a addr add 10.0.1.5/24 dev veth0\n"
# Root's group may open ping sockets (the host default "1 0" allows none); skbuff has no
# ping_group_range and lets every caller.
REAL_ONLY = 'ip netns exec a sysctl -qw net.ipv4.ping_group_range="0 0"\n'
Opener = Callable[[str, int, int], Any]


def _pktinfo(ifindex: int, spec_dst: str, addr: str = "0.0.0.0") -> bytes:
    return struct.pack("=i", ifindex) + pysocket.inet_aton(spec_dst) + pysocket.inet_aton(addr)


def _err(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except OSError as e:
        return f"errno {e.errno}"


def scenario(open_socket: Opener) -> list[tuple[str, Any]]:
    """The script: every observable result, labelled."""
    out: list[tuple[str, Any]] = []
    rx = open_socket("b", pysocket.SOCK_DGRAM, 0)
    rx.bind(("10.0.2.2", 5000))
    rx.settimeout(2)
    out.append(("defaults", [rx.getsockopt(IP, o) for o in RECV_FLAGS]))
    for o in RECV_FLAGS:
        rx.setsockopt(IP, o, 1)
    out.append(("set", [rx.getsockopt(IP, o) for o in RECV_FLAGS]))
    tx = open_socket("a", pysocket.SOCK_DGRAM, 0)
    tx.bind(("10.0.1.1", 4000))

    def recv(label: str, anc: int = 1024) -> None:
        try:
            data, ancdata, flags, addr = rx.recvmsg(2000, anc)
        except (TimeoutError, pysocket.timeout):  # skbuff; Linux (PyPy 3.9: not TimeoutError)
            out.append((label, "timed out"))
            return
        out.append((label, (len(data), ancdata, flags, addr)))

    def send(label: str, ancdata: list[tuple[int, int, bytes]], dst: str = "10.0.2.2",
             data: bytes = b"x") -> bool:
        r = _err(lambda: tx.sendmsg([data], ancdata, 0, (dst, 5000)))
        out.append((label + " sent", r))
        return isinstance(r, int)

    tx.sendto(b"plain", ("10.0.2.2", 5000))
    recv("plain")
    tx.setsockopt(IP, IP_MTU_DISCOVER, 0)  # IP_PMTUDISC_DONT: r fragments
    tx.sendto(bytes(1400), ("10.0.2.2", 5000))
    recv("fragmented")
    tx.setsockopt(IP, IP_MTU_DISCOVER, 1)
    cases: list[tuple[str, list[tuple[int, int, bytes]]]] = [
        ("ttl 9", [(IP, pysocket.IP_TTL, struct.pack("=i", 9))]),
        ("tos int", [(IP, pysocket.IP_TOS, struct.pack("=i", 0x28))]),
        ("tos byte", [(IP, pysocket.IP_TOS, b"\x10")]),
        ("pktinfo src", [(IP, IP_PKTINFO, _pktinfo(0, "10.0.1.5"))]),
        ("pktinfo dev", [(IP, IP_PKTINFO, _pktinfo(2, "0.0.0.0"))]),
        ("retopts rr", [(IP, pysocket.IP_RETOPTS, RR9)]),
        ("other level", [(200, 1, b"abcd")]),
        ("scm_rights", [(pysocket.SOL_SOCKET, pysocket.SCM_RIGHTS, b"\0\0\0\0")]),
        ("so_mark", [(pysocket.SOL_SOCKET, SO_MARK, struct.pack("=I", 7))]),
        ("ttl 0", [(IP, pysocket.IP_TTL, struct.pack("=i", 0))]),
        ("ttl 256", [(IP, pysocket.IP_TTL, struct.pack("=i", 256))]),
        ("ttl short", [(IP, pysocket.IP_TTL, b"\x09")]),
        ("tos 256", [(IP, pysocket.IP_TOS, struct.pack("=i", 256))]),
        ("tos short", [(IP, pysocket.IP_TOS, b"\0\0")]),
        ("pktinfo short", [(IP, IP_PKTINFO, bytes(8))]),
        ("unknown ip type", [(IP, IP_RECVERR, struct.pack("=i", 1))]),
        ("unknown socket type", [(pysocket.SOL_SOCKET, 99, struct.pack("=i", 1))]),
        ("retopts bad", [(IP, pysocket.IP_RETOPTS, bytes((7, 2)))]),
        ("pktinfo foreign src", [(IP, IP_PKTINFO, _pktinfo(0, "10.9.9.9"))]),
        ("pktinfo lo", [(IP, IP_PKTINFO, _pktinfo(1, "0.0.0.0"))]),
        ("pktinfo no dev", [(IP, IP_PKTINFO, _pktinfo(77, "0.0.0.0"))]),
    ]
    for label, anc in cases:
        if send(label, anc):
            rx.setsockopt(IP, pysocket.IP_RECVOPTS, 1)
            recv(label)
            rx.setsockopt(IP, pysocket.IP_RECVOPTS, 0)
    for size in range(0, 130, 6):
        tx.sendto(b"t", ("10.0.2.2", 5000))
        recv(f"ancbufsize {size}", size)
    local = open_socket("b", pysocket.SOCK_DGRAM, 0)
    local.bind(("10.0.2.2", 6000))
    local.sendto(b"self", ("10.0.2.2", 5000))
    recv("loopback")
    sniff = open_socket("b", pysocket.SOCK_RAW, pysocket.IPPROTO_ICMP)
    sniff.settimeout(2)
    ping = open_socket("a", pysocket.SOCK_DGRAM, pysocket.IPPROTO_ICMP)
    ping.settimeout(2)
    ping.bind(("0.0.0.0", 77))  # the echo identifier, so the replies' checksums agree
    ping.setsockopt(IP, IP_PKTINFO, 1)
    ping.setsockopt(IP, IP_RECVORIGDSTADDR, 1)
    ping.setsockopt(IP, IP_RECVTTL, 1)
    echo = bytes((8, 0, 0, 0, 0, 0, 0, 1)) + b"ping"
    for label, anc in [("ping ttl+tos", [(IP, pysocket.IP_TTL, struct.pack("=i", 5)),
                                         (IP, pysocket.IP_TOS, b"\x20")]),
                       ("ping pktinfo src", [(IP, IP_PKTINFO, _pktinfo(0, "10.0.1.5"))]),
                       ("ping bad ttl", [(IP, pysocket.IP_TTL, struct.pack("=i", -1))])]:
        r = _err(lambda anc=anc: ping.sendmsg([echo], anc, 0, ("10.0.2.2", 0)))
        out.append((label + " sent", r))
        if isinstance(r, int):
            request = sniff.recvfrom(200)[0]
            out.append((label + " seen", (request[1], request[8], request[12:16])))
            data, ancdata, flags, _ = ping.recvmsg(200, 1024)
            out.append((label + " reply", (data[8:], ancdata, flags)))
    raw = open_socket("a", pysocket.SOCK_RAW, pysocket.IPPROTO_ICMP)
    raw.settimeout(2)
    raw.setsockopt(IP, IP_PKTINFO, 1)
    raw.setsockopt(IP, IP_RECVORIGDSTADDR, 1)
    raw.sendto(bytes((8, 0, 0xF7, 0xFE, 0, 1, 0, 0)), ("10.0.2.2", 0))
    data, anc, flags, addr = raw.recvmsg(200, 1024)
    out.append(("raw echo reply", (data[20], anc, flags, addr)))
    for s in (rx, tx, local, raw, sniff, ping):
        s.close()
    return out


_CLONE_NEWNET = 0x40000000


@contextmanager
def _in_netns(path: str) -> Iterator[None]:
    """Run the body in the namespace at `path` (this thread only), then come back."""
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(target, _CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns")
        try:
            yield
        finally:
            if libc.setns(home, _CLONE_NEWNET):
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(target)
        os.close(home)


@contextmanager
def real_sockets() -> Iterator[Opener]:
    """The topology on Linux; yields a socket opener for its namespaces."""
    with harness.backend(harness.RealKernel) as rk:
        assert isinstance(rk, harness.RealKernel)
        for _, line in harness.split_script(SETUP + REAL_ONLY):
            r = rk.run(line)
            assert r.status == 0, (line, r.stderr)

        def open_socket(ns: str, type: int, proto: int) -> pysocket.socket:
            with _in_netns(f"/run/netns/{rk.names[ns]}"):
                return pysocket.socket(pysocket.AF_INET, type, proto)

        yield open_socket


@contextmanager
def skbuff_sockets() -> Iterator[Opener]:
    """The topology on skbuff; yields a socket opener (calls run as a task)."""
    with harness.backend(harness.Skbuff) as sb:
        assert isinstance(sb, harness.Skbuff)
        w = sb.world
        for _, line in harness.split_script(SETUP):
            assert w.run(line).status == 0, line
        with w.kernel:
            yield lambda ns, type, proto: bsd.net_socket(w.netns(ns), pysocket.AF_INET, type,
                                                         proto)


@pytest.mark.usefixtures("real_kernel_ok")
def test_cmsg_script_matches_linux() -> None:
    with real_sockets() as open_real:
        real = scenario(open_real)
    with skbuff_sockets() as open_ours:
        ours = scenario(open_ours)
    assert [label for label, _ in ours] == [label for label, _ in real]
    diff = [(label, r, o) for (label, r), (_, o) in zip(real, ours, strict=True) if r != o]
    assert not diff, "\n".join(f"{label}:\n  linux  {r}\n  skbuff {o}" for label, r, o in diff)


ALL_FLAGS = (*RECV_FLAGS, IP_RECVOPTS, IP_RETOPTS)


class _Pair:
    """A receiver on b and a sender on a, on one side."""

    def __init__(self, open_socket: Opener) -> None:
        self.rx = open_socket("b", pysocket.SOCK_DGRAM, 0)
        self.rx.bind(("10.0.2.2", 5000))
        self.rx.settimeout(2)
        self.tx = open_socket("a", pysocket.SOCK_DGRAM, 0)
        self.tx.bind(("10.0.1.1", 4000))
        self.tx.setsockopt(IP, IP_MTU_DISCOVER, 0)

    def exchange(self, flags: frozenset[int], opts: bytes, size: int, ancbufsize: int
                 ) -> tuple[Any, ...]:
        for o in ALL_FLAGS:
            self.rx.setsockopt(IP, o, int(o in flags))
        anc = [(IP, pysocket.IP_RETOPTS, opts)] if opts else []
        self.tx.sendmsg([bytes(size)], anc, 0, ("10.0.2.2", 5000))
        data, ancdata, msg_flags, _ = self.rx.recvmsg(2000, ancbufsize)
        return len(data), ancdata, msg_flags


@pytest.fixture(scope="module")
def pairs(real_kernel_ok: None) -> Iterator[tuple[_Pair, _Pair]]:
    with real_sockets() as open_real, skbuff_sockets() as open_ours:
        yield _Pair(open_real), _Pair(open_ours)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flags=st.frozensets(st.sampled_from(ALL_FLAGS)),
       opts=st.sampled_from([b"", RR9, bytes((7, 11, 4)) + bytes(8)]),
       size=st.sampled_from([1, 1400]), ancbufsize=st.integers(0, 200))
def test_room_and_truncation_match_linux(pairs: tuple[_Pair, _Pair], flags: frozenset[int],
                                         opts: bytes, size: int, ancbufsize: int) -> None:
    """put_cmsg's room rules (CMSG_SPACE per message, the last one cut to what is left,
    MSG_CTRUNC) over random flag sets, options and buffer sizes, against Linux."""
    real, ours = pairs
    assert ours.exchange(flags, opts, size, ancbufsize) == \
        real.exchange(flags, opts, size, ancbufsize)
