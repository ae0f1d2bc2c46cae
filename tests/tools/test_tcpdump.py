"""tcpdump: one-line formats (recorded from tcpdump 4.99.3 on veth pairs), the filter subset,
background captures in scripts, pcapng output."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from tests.tools.test_ping import TOPO, topo_world

from skbuff import cli
from skbuff.sim import script
from skbuff.sim.world import World
from skbuff.tools import bpf_filter, tcpdump
from skbuff.uapi import checksum

MAC_A = bytes.fromhex("020000000101")
MAC_R = bytes.fromhex("0200000001fe")


def ip4(a: str) -> bytes:
    return bytes(int(x) for x in a.split("."))


def ipv4(src: str, dst: str, proto: int, payload: bytes, frag: int = 0, ttl: int = 64) -> bytes:
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, frag, ttl,
                                proto, 0, ip4(src), ip4(dst)))
    hdr[10:12] = checksum.ip_compute_csum(hdr, 0, 20).to_bytes(2, "big")
    return bytes(hdr) + payload


def eth(dst: bytes, src: bytes, etype: int, payload: bytes) -> bytes:
    return dst + src + etype.to_bytes(2, "big") + payload


def echo(type_: int, ident: int, seq: int, n: int = 56) -> bytes:
    return struct.pack("!BBHHH", type_, 0, 0, ident, seq) + bytes(n)


def arp(op: int, sha: bytes, spa: str, tha: bytes, tpa: str) -> bytes:
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + ip4(spa) + tha + ip4(tpa)


class Rec:
    """Stands in for af_packet.packet_record."""

    def __init__(self, data: bytes, pkt_type: int = 4, ifname: str = "veth0",
                 ifindex: int = 2, ns: int = 45_296_000_001_000) -> None:
        self.data, self.pkt_type, self.ifname, self.ifindex = data, pkt_type, ifname, ifindex
        self.orig_len = len(data)
        self.tstamp_ns = ns


REQ = eth(MAC_R, MAC_A, 0x0800, ipv4("10.0.1.1", "10.0.2.2", 1, echo(8, 16051, 1)))
ARP_REQ = eth(b"\xff" * 6, MAC_A, 0x0806, arp(1, MAC_A, "10.0.1.1", bytes(6), "10.0.1.254"))
ARP_REP = eth(MAC_A, MAC_R, 0x0806, arp(2, MAC_R, "10.0.1.254", MAC_A, "10.0.1.1"))
UDP = eth(MAC_R, MAC_A, 0x0800, ipv4("10.0.1.1", "10.0.2.2", 17,
                                      struct.pack("!HHHH", 40000, 9999, 14, 0) + b"hello\n"))
QUOTE = ipv4("10.0.1.1", "10.0.2.2", 17, struct.pack("!HHHH", 40000, 9999, 14, 0) + b"hello\n")
PORT_UNREACH = eth(MAC_A, MAC_R, 0x0800, ipv4("10.0.2.2", "10.0.1.1", 1,
                                               bytes([3, 3, 0, 0, 0, 0, 0, 0]) + QUOTE))
NEED_FRAG = eth(MAC_A, MAC_R, 0x0800, ipv4(
    "10.0.1.254", "10.0.1.1", 1, bytes([3, 4, 0, 0, 0, 0, 0x03, 0xE8]) + QUOTE))


@pytest.mark.parametrize(("frame", "line"), [
    (REQ, "12:34:56.000001 IP 10.0.1.1 > 10.0.2.2: ICMP echo request, id 16051, seq 1, "
          "length 64"),
    (ARP_REQ, "12:34:56.000001 ARP, Request who-has 10.0.1.254 tell 10.0.1.1, length 28"),
    (ARP_REP, "12:34:56.000001 ARP, Reply 10.0.1.254 is-at 02:00:00:00:01:fe, length 28"),
    (UDP, "12:34:56.000001 IP 10.0.1.1.40000 > 10.0.2.2.9999: UDP, length 6"),
    (PORT_UNREACH, "12:34:56.000001 IP 10.0.2.2 > 10.0.1.1: ICMP 10.0.2.2 udp port 9999 "
                   "unreachable, length 42"),
    (NEED_FRAG, "12:34:56.000001 IP 10.0.1.254 > 10.0.1.1: ICMP 10.0.2.2 unreachable - need "
                "to frag (mtu 1000), length 42"),
])
def test_default_lines(frame: bytes, line: str) -> None:
    assert tcpdump.format_record(Rec(frame), True, False, False) == line  # type: ignore[arg-type]


def test_link_and_cooked_lines() -> None:
    r = Rec(REQ)
    assert tcpdump.format_record(r, True, True, False) == (  # type: ignore[arg-type]
        "12:34:56.000001 02:00:00:00:01:01 > 02:00:00:00:01:fe, ethertype IPv4 (0x0800), "
        "length 98: 10.0.1.1 > 10.0.2.2: ICMP echo request, id 16051, seq 1, length 64")
    assert tcpdump.format_record(r, True, False, True) == (  # type: ignore[arg-type]
        "12:34:56.000001 veth0 Out IP 10.0.1.1 > 10.0.2.2: ICMP echo request, id 16051, "
        "seq 1, length 64")
    assert tcpdump.format_record(Rec(ARP_REP, 0), True, True, True) == (  # type: ignore[arg-type]
        "12:34:56.000001 veth0 In  ifindex 2 02:00:00:00:01:fe ethertype ARP (0x0806), "
        "length 48: Reply 10.0.1.254 is-at 02:00:00:00:01:fe, length 28")


def test_names_without_n_and_fragments() -> None:
    assert tcpdump.format_record(Rec(ARP_REP), False, False, False).endswith(  # type: ignore[arg-type]
        "is-at 02:00:00:00:01:fe (oui Unknown), length 28")
    frag = eth(MAC_R, MAC_A, 0x0800, ipv4("10.0.1.1", "10.0.2.2", 1, bytes(16), frag=0x00B9))
    assert tcpdump.format_record(Rec(frag), True, False, False).endswith(  # type: ignore[arg-type]
        "IP 10.0.1.1 > 10.0.2.2: ip-proto-1")
    assert tcpdump.format_record(Rec(frag), False, False, False).endswith(  # type: ignore[arg-type]
        "IP 10.0.1.1 > 10.0.2.2: icmp")
    dns = eth(MAC_R, MAC_A, 0x0800, ipv4("10.0.1.1", "10.0.2.2", 17,
                                          struct.pack("!HHHH", 4000, 53, 8, 0)))
    assert "10.0.1.1.4000 > 10.0.2.2.domain: UDP, length 0" in tcpdump.format_record(
        Rec(dns), False, False, False)  # type: ignore[arg-type]


@pytest.mark.parametrize(("expr", "matches"), [
    ("", {"REQ", "ARP_REQ", "ARP_REP", "UDP", "PORT_UNREACH", "NEED_FRAG"}),
    ("icmp", {"REQ", "PORT_UNREACH", "NEED_FRAG"}),
    ("arp", {"ARP_REQ", "ARP_REP"}),
    ("udp", {"UDP"}),
    ("ip", {"REQ", "UDP", "PORT_UNREACH", "NEED_FRAG"}),
    ("host 10.0.1.254", {"ARP_REQ", "ARP_REP", "NEED_FRAG"}),
    ("src host 10.0.1.1", {"REQ", "ARP_REQ", "UDP"}),
    ("dst 10.0.1.1", {"ARP_REP", "PORT_UNREACH", "NEED_FRAG"}),
    ("net 10.0.2.0/24", {"REQ", "UDP", "PORT_UNREACH"}),
    ("port 9999", {"UDP"}),
    ("udp dst port 9999", {"UDP"}),
    ("icmp and not src 10.0.1.254", {"REQ", "PORT_UNREACH"}),
    ("arp or (icmp and host 10.0.2.2)", {"ARP_REQ", "ARP_REP", "REQ", "PORT_UNREACH"}),
    ("host 10.0.2.2 or 10.0.1.254", {"REQ", "UDP", "PORT_UNREACH", "ARP_REQ", "ARP_REP",
                                     "NEED_FRAG"}),
    ("ether src 02:00:00:00:01:fe", {"ARP_REP", "PORT_UNREACH", "NEED_FRAG"}),
    ("! udp && ! arp", {"REQ", "PORT_UNREACH", "NEED_FRAG"}),
])
def test_filter(expr: str, matches: set[str]) -> None:
    frames = {"REQ": REQ, "ARP_REQ": ARP_REQ, "ARP_REP": ARP_REP, "UDP": UDP,
              "PORT_UNREACH": PORT_UNREACH, "NEED_FRAG": NEED_FRAG}
    pred = bpf_filter.compile_filter(expr)
    assert {name for name, f in frames.items() if pred(f)} == matches


@pytest.mark.parametrize(("expr", "msg"), [
    ("host and", "can't parse filter expression: syntax error"),
    ("foo 1", "can't parse filter expression: syntax error"),
    ("port 99999", "illegal port number 99999 > 65535"),
    ("(icmp", "can't parse filter expression: syntax error"),
    ("net 10.0.0.1/8", 'non-network bits set in "10.0.0.1/8"'),
])
def test_filter_errors(expr: str, msg: str) -> None:
    with pytest.raises(bpf_filter.FilterError, match=msg.replace("(", r"\(")):
        bpf_filter.compile_filter(expr)


def test_background_capture_prints_as_lines_run() -> None:
    w = topo_world()
    start = w.run("ip netns exec a tcpdump -n -i veth0 icmp &")
    assert start.status == 0
    assert start.stderr.endswith("listening on veth0, link-type EN10MB (Ethernet), snapshot "
                                 "length 262144 bytes\n")
    r = w.run("ip netns exec a ping -c 1 10.0.2.2")
    lines = r.stdout.splitlines()
    assert lines[-2].endswith(" IP 10.0.1.1 > 10.0.2.2: ICMP echo request, id "
                              + lines[-2].split("id ")[1].split(",")[0] + ", seq 1, length 64")
    assert " IP 10.0.2.2 > 10.0.1.1: ICMP echo reply" in lines[-1]
    end = w.stop_jobs()
    assert end.stdout == "\n"
    assert end.stderr == ("2 packets captured\n2 packets received by filter\n"
                          "0 packets dropped by kernel\n")
    assert not w.jobs


def test_count_job_ends_and_wait() -> None:
    w = topo_world()
    w.run("ip netns exec a tcpdump -n -c 1 -i any arp &")
    w.run("ip netns exec a ping -c 1 10.0.2.2")
    assert not w.jobs
    w.run("ip netns exec b tcpdump -n -e -c 2 -i veth3 &")
    w.run("ip netns exec a ping -c 1 -i 0.2 10.0.2.2")
    res = w.run("wait")
    assert not w.jobs and res.status == 0


def test_script_end_stops_jobs_and_pcapng(tmp_path: Path) -> None:
    pcap = tmp_path / "cap.pcapng"
    text = TOPO + f"ip netns exec a tcpdump -i veth0 -w {pcap} &\n" \
        "ip netns exec a ping -c 2 -i 0.2 10.0.2.2\n"
    world = World()
    out, err = io.StringIO(), io.StringIO()
    assert script.run_script(world, text, "t.sh", out, err) == 0
    end = world.stop_jobs()
    assert "packets captured" in end.stderr
    data = pcap.read_bytes()
    assert struct.unpack_from("<I", data)[0] == 0x0A0D0D0A
    captured = int(end.stderr.split()[0])
    assert captured >= 6  # ARP request/reply + 2 x (request, reply)
    assert data.count(struct.pack("<I", 6)) >= captured


def test_tool_errors() -> None:
    w = topo_world()
    r = w.run("ip netns exec a tcpdump -i nosuch")
    assert (r.status, r.stderr) == (1, "tcpdump: nosuch: No such device exists\n"
                                       "(No such device exists)\n")
    r = w.run("ip netns exec a tcpdump -i veth0 port 99999")
    assert (r.status, r.stderr) == (1, "tcpdump: illegal port number 99999 > 65535\n")
    r = w.run("ip netns exec a tcpdump -i veth0 host and &")
    assert r.status == 1 and not w.jobs


def test_foreground_runs_ten_simulated_seconds() -> None:
    w = topo_world()
    w.run("ip netns exec a ping -c 1 10.0.2.2")  # resolve ARP first
    t0 = w.kernel.now_ns
    r = w.run("ip netns exec a tcpdump -n -c 5 -i veth0")
    assert r.status == 0
    assert w.kernel.now_ns - t0 >= tcpdump.FOREGROUND_NS
    lines = r.stdout.splitlines()
    assert lines[-1] == "" and all(" ARP, " in ln for ln in lines[:-1])
    n = len(lines) - 1
    assert r.stderr.endswith(f"{n} packets captured\n{n} packets received by filter\n"
                             "0 packets dropped by kernel\n")


def test_skbuff_run_interrupts_background_jobs_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "cap.sh"
    path.write_text(TOPO + "ip netns exec a tcpdump -n -i veth0 icmp &\n"
                    "ip netns exec a ping -q -c 1 10.0.2.2\n")
    out, err = io.StringIO(), io.StringIO()
    assert cli.cmd_run(str(path), False, 0, out, err) == 0
    lines = out.getvalue().splitlines()
    assert " IP 10.0.1.1 > 10.0.2.2: ICMP echo request" in lines[-3]
    assert " IP 10.0.2.2 > 10.0.1.1: ICMP echo reply" in lines[-2]
    assert lines[-1] == ""
    assert err.getvalue().endswith("2 packets captured\n2 packets received by filter\n"
                                   "0 packets dropped by kernel\n")
