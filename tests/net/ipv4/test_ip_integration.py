"""End to end through real namespaces (h1 — r — h2 over veth, set up with `ip` commands):
UDP across the router, fragmentation on a smaller link, ping, and path MTU discovery with
EMSGSIZE, IP_MTU and the IP_RECVERR queue; /proc/net/snmp of the router."""

from __future__ import annotations

import errno
import socket as pysocket
import struct
from collections.abc import Iterator

import pytest

from skbuff.net import socket as bsd
from skbuff.sim.world import World
from skbuff.uapi import snmp
from skbuff.uapi.icmp import build_icmp_echo

SETUP = """\
ip netns add h1
ip netns add r
ip netns add h2
ip -n h1 link add v1 type veth peer name r1 netns r
ip -n h2 link add v2 type veth peer name r2 netns r
ip -n h1 addr add 10.1.0.2/24 dev v1
ip -n r addr add 10.1.0.1/24 dev r1
ip -n r addr add 10.2.0.1/24 dev r2
ip -n h2 addr add 10.2.0.2/24 dev v2
ip -n h1 link set v1 up
ip -n h2 link set v2 up
ip -n r link set r1 up
ip -n r link set r2 up
ip netns exec r sysctl -w net.ipv4.ip_forward=1
ip -n h1 route add default via 10.1.0.1
ip -n h2 route add default via 10.2.0.1
"""


@pytest.fixture
def world() -> Iterator[World]:
    w = World(ncpus=1)
    for line in SETUP.splitlines():
        res = w.run(line)
        assert res.status == 0, (line, res)
    with w.kernel:
        yield w


def test_udp_across_router_with_fragmentation(world: World) -> None:
    h1, h2, r = world.netns("h1"), world.netns("h2"), world.netns("r")
    rx = bsd.net_socket(h2, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    rx.bind(("0.0.0.0", 7000))
    rx.settimeout(2)
    tx = bsd.net_socket(h1, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    assert tx.sendto(b"hello", ("10.2.0.2", 7000)) == 5
    data, src = rx.recvfrom(100)
    assert (data, src and src[0]) == (b"hello", "10.1.0.2")
    assert world.run("ip -n r link set r2 mtu 1000").status == 0
    tx.sendto(b"y" * 3000, ("10.2.0.2", 7000))
    data, _ = rx.recvfrom(5000)
    assert data == b"y" * 3000
    ip = r.mib.ip_statistics
    # h1 sent 3 fragments (MTU 1500); r forwards each and splits the two 1500-byte ones
    assert ip[snmp.IPSTATS_MIB_OUTFORWDATAGRAMS] == 4
    assert h1.mib.ip_statistics[snmp.IPSTATS_MIB_FRAGCREATES] == 3
    assert ip[snmp.IPSTATS_MIB_FRAGOKS] == 2 and ip[snmp.IPSTATS_MIB_FRAGCREATES] == 4
    assert h2.mib.ip_statistics[snmp.IPSTATS_MIB_REASMOKS] == 1
    assert h2.mib.udp_statistics[snmp.UDP_MIB_INDATAGRAMS] == 2


def test_ping_socket_gets_echo_reply(world: World) -> None:
    h1 = world.netns("h1")
    s = bsd.net_socket(h1, pysocket.AF_INET, pysocket.SOCK_DGRAM, pysocket.IPPROTO_ICMP)
    s.sendto(build_icmp_echo(0, 1, b"abc"), ("10.2.0.2", 0))
    s.settimeout(1)
    data, src = s.recvfrom(100)
    assert src is not None and src[0] == "10.2.0.2"
    assert data[0] == 0 and data[8:] == b"abc"
    assert world.netns("h2").mib.icmpmsg_statistics[0x100 | 0] == 1  # OutType0


def test_path_mtu_discovery(world: World) -> None:
    h1 = world.netns("h1")
    assert world.run("ip -n r link set r2 mtu 1000").status == 0
    s = bsd.net_socket(h1, pysocket.AF_INET, pysocket.SOCK_DGRAM)
    s.setsockopt(pysocket.IPPROTO_IP, bsd.IP_MTU_DISCOVER, bsd.IP_PMTUDISC_DO)
    s.setsockopt(pysocket.IPPROTO_IP, bsd.IP_RECVERR, 1)
    s.connect(("10.2.0.2", 7001))
    assert s.getsockopt(pysocket.IPPROTO_IP, bsd.IP_MTU) == 1500
    s.send(b"z" * 1400)
    world.kernel.run_for(10**9)
    r = world.netns("r")
    assert r.mib.ip_statistics[snmp.IPSTATS_MIB_FRAGFAILS] == 1
    with pytest.raises(OSError) as ei:
        s.send(b"z" * 1400)
    assert ei.value.errno == errno.EMSGSIZE
    assert s.getsockopt(pysocket.IPPROTO_IP, bsd.IP_MTU) == 1000
    data, anc, _, src = s.recvmsg(2000, 100, pysocket.MSG_ERRQUEUE)
    ee_errno, origin, ee_type, ee_code, _, info, _ = struct.unpack_from("=IBBBBII", anc[0][2])
    assert (ee_errno, origin, ee_type, ee_code, info) == (errno.EMSGSIZE, 2, 3, 4, 1000)
    assert src is not None and src[0] == "10.1.0.1"
    assert data == b"z" * (576 - 2 * 20 - 2 * 8)  # what the 576-byte ICMP error quoted


def test_router_proc_net_snmp(world: World) -> None:
    out = world.run("ip netns exec r cat /proc/net/snmp").stdout.splitlines()
    assert out[0].startswith("Ip: Forwarding DefaultTTL InReceives")
    assert out[1].split()[1:3] == ["1", "64"]
    assert [line.split(":")[0] for line in out] == ["Ip", "Ip", "Icmp", "Icmp", "Tcp", "Tcp",
                                                    "Udp", "Udp", "UdpLite", "UdpLite"]
    assert out[5].split()[1:5] == ["1", "200", "120000", "-1"]
