"""pcapng from af_packet taps, read back by Debian's tshark: ARP, ICMP echo, UDP and the port
unreachable it draws, across a simnic cable between two namespaces (trace/pcapng.py,
net/packet/af_packet.py)."""

from __future__ import annotations

import io
import shutil
import socket as pysock
import struct
import subprocess
from pathlib import Path

import pytest
from tests.support import needs

from skbuff.drivers.net.simnic import simnic_pair
from skbuff.net.core import dev as D
from skbuff.net.packet import af_packet
from skbuff.net.socket import net_socket
from skbuff.sim.world import World
from skbuff.trace import pcapng

TSHARK = shutil.which("tshark")
needs_tshark = needs(TSHARK is not None, "tshark (Debian package tshark)")


class Capture:
    """Hosts a (10.0.0.1, eth0) and b (10.0.0.2, eth1) on a 1 Gb/s simnic cable."""

    def __init__(self) -> None:
        self.w = World(ncpus=1)
        self.k = self.w.kernel
        self.a = self.w.netns_add("a")
        self.b = self.w.netns_add("b")
        self.eth0, self.eth1 = simnic_pair(self.a, self.b, names=("eth0", "eth1"))
        for line in ("ip -n a addr add 10.0.0.1/24 dev eth0", "ip -n a link set eth0 up",
                     "ip -n b addr add 10.0.0.2/24 dev eth1", "ip -n b link set eth1 up"):
            assert self.w.run(line).status == 0
        self.k.run_for(10_000_000)

    def ping_and_udp(self) -> None:
        def traffic() -> None:
            s = net_socket(self.a, pysock.AF_INET, pysock.SOCK_DGRAM, pysock.IPPROTO_ICMP)
            s.settimeout(1.0)
            s.sendto(b"\x08\x00\x00\x00\x00\x01\x00\x01hello", ("10.0.0.2", 0))
            assert s.recvfrom(100)[1] == ("10.0.0.2", 0)
            u = net_socket(self.a, pysock.AF_INET, pysock.SOCK_DGRAM)
            u.sendto(b"data", ("10.0.0.2", 9999))

        self.k.run_task(traffic)
        self.k.run_for(10_000_000)


def tshark_fields(path: Path, *fields: str) -> list[list[str]]:
    assert TSHARK is not None
    argv = [TSHARK, "-r", str(path), "-T", "fields"]
    for f in fields:
        argv += ["-e", f]
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout
    return [line.split("\t") for line in out.splitlines()]


@pytest.fixture(scope="module")
def machine_wide(
        tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[af_packet.packet_record]]:
    cap = Capture()
    tap = af_packet.packet_create(None, k=cap.k)
    cap.ping_and_udp()
    af_packet.packet_release(tap)
    path = tmp_path_factory.mktemp("pcap") / "all.pcapng"
    with path.open("wb") as fp:
        w = pcapng.pcapng_write_records(fp, tap.records)
    assert (w.interfaces, w.packets) == (2, len(tap.records))
    return path, tap.records


@needs_tshark
def test_tshark_decodes_the_journey(
        machine_wide: tuple[Path, list[af_packet.packet_record]]) -> None:
    path, records = machine_wide
    rows = tshark_fields(path, "frame.interface_name", "frame.interface_description",
                         "_ws.col.Protocol", "ip.src", "ip.dst", "arp.opcode", "icmp.type",
                         "udp.dstport", "frame.packet_flags_direction")
    assert len(rows) == len(records) == 12
    names = [r[0] for r in rows]
    assert set(names) == {"eth0", "eth1"}
    assert {r[1] for r in rows} == {"netns a", "netns b"}
    protos = [r[2] for r in rows]
    assert protos[:4] == ["ARP"] * 4
    assert [r[5] for r in rows[:4]] == ["1", "1", "2", "2"]  # request out/in, reply out/in
    echo = [r for r in rows if r[6] in ("8", "0")]
    assert [(r[3], r[4], r[6]) for r in echo] == [
        ("10.0.0.1", "10.0.0.2", "8"), ("10.0.0.1", "10.0.0.2", "8"),
        ("10.0.0.2", "10.0.0.1", "0"), ("10.0.0.2", "10.0.0.1", "0")]
    udp = [r for r in rows if r[2] == "UDP"]
    assert len(udp) == 2 and all(r[7] == "9999" for r in udp)
    unreach = [r for r in rows if r[6].startswith("3")]
    assert len(unreach) == 2  # port unreachable, quoting the UDP datagram
    # each frame is seen leaving one end and arriving at the other
    assert [r[8] for r in rows] == ["0x00000002", "0x00000001"] * 6
    assert [r[0] for r in rows[:2]] == ["eth0", "eth1"]


@needs_tshark
def test_tshark_timestamps_are_simulated_ns(
        machine_wide: tuple[Path, list[af_packet.packet_record]]) -> None:
    path, records = machine_wide
    rows = tshark_fields(path, "frame.time_epoch", "frame.len", "frame.cap_len")
    stamps = [r[0] for r in rows]
    assert stamps == [f"{rec.tstamp_ns // 10**9}.{rec.tstamp_ns % 10**9:09d}" for rec in records]
    assert [int(r[1]) for r in rows] == [rec.orig_len for rec in records]
    assert [int(r[1]) for r in rows[:2]] == [42, 60]  # the sender's MAC pads the ARP request
    # the ARP request reaches the peer after serialization (84 B incl. overhead at 1 Gb/s)
    # plus the 1 µs cable latency and the receive path's CPU time
    assert records[1].tstamp_ns - records[0].tstamp_ns > 672 + 1000


@needs_tshark
def test_microsecond_resolution_and_snaplen(tmp_path: Path) -> None:
    cap = Capture()
    tap = af_packet.packet_create(cap.b, cap.eth1, snaplen=40)
    cap.ping_and_udp()
    af_packet.packet_release(tap)
    assert {r.ifname for r in tap.records} == {"eth1"}
    path = tmp_path / "us.pcapng"
    with path.open("wb") as fp:
        pcapng.pcapng_write_records(fp, tap.records, tsresol_ns=False)
    rows = tshark_fields(path, "frame.time_epoch", "frame.len", "frame.cap_len",
                         "frame.interface_name")
    assert len(rows) == 6
    for row, rec in zip(rows, tap.records, strict=True):
        us = rec.tstamp_ns // 1000
        assert row[0] == f"{us // 10**6}.{us % 10**6:06d}000"
        assert int(row[1]) == rec.orig_len and int(row[2]) == min(40, rec.orig_len)
        assert row[3] == "eth1"


def test_block_layout() -> None:
    """SHB, IDB (if_name, if_tsresol), EPB (64-bit ts split high/low, padding, flags)."""
    fp = io.BytesIO()
    w = pcapng.pcapng_writer(fp)
    assert w.interface("eth0") == 0
    w.packet(0, (5 << 32) + 7, b"\x01\x02\x03", 60, outgoing=True)
    buf = fp.getvalue()
    btype, blen, bom, major, minor, section = struct.unpack_from("<IIIHHq", buf, 0)
    assert (btype, bom, major, minor, section) == (0x0A0D0D0A, 0x1A2B3C4D, 1, 0, -1)
    assert struct.unpack_from("<I", buf, blen - 4)[0] == blen
    off = blen
    itype, ilen, linktype, _, snaplen = struct.unpack_from("<IIHHI", buf, off)
    assert (itype, linktype, snaplen) == (1, 1, 0)
    idb = buf[off:off + ilen]
    assert b"eth0" in idb and struct.pack("<HHB", 9, 1, 9) in idb
    off += ilen
    etype, elen, if_id, hi, lo, caplen, origlen = struct.unpack_from("<IIIIIII", buf, off)
    assert (etype, if_id, hi, lo, caplen, origlen) == (6, 0, 5, 7, 3, 60)
    assert elen % 4 == 0 and off + elen == len(buf)
    assert struct.pack("<HHI", 2, 4, 2) in buf[off:]  # epb_flags: outbound


def test_tap_sees_clones_and_frees_them() -> None:
    """Received frames reach the tap with users raised (the stack keeps its reference);
    transmitted ones as one PACKET_OUTGOING clone; no skb is left behind by the tap."""
    cap = Capture()
    tap = af_packet.packet_create(cap.a, cap.eth0)
    ns_tap = af_packet.packet_create(cap.a)  # every device, but only namespace a
    cap.ping_and_udp()
    af_packet.packet_release(tap)
    af_packet.packet_release(ns_tap)
    assert [(r.netns, r.ifname, r.data) for r in ns_tap.records] == [
        (r.netns, r.ifname, r.data) for r in tap.records]
    kinds = [r.pkt_type for r in tap.records]
    assert kinds.count(4) == 3 and len(kinds) == 6  # ARP request, echo, UDP go out
    assert all(r.data[:6] in (cap.eth0.dev_addr, cap.eth1.dev_addr, b"\xff" * 6)
               for r in tap.records)
    assert not cap.eth0.ptype_all and D.dev_nit_active(cap.eth0) is False
    cache = cap.k.skbuff_head_cache
    assert cache.alloc_count - cache.free_count == 2 * 255  # only the posted RX buffers
