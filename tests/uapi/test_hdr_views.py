"""Header views parse scapy-built frames; our builders' frames parse in scapy with good sums."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import ICMP, IP, UDP, IPOption_RR
from scapy.layers.l2 import ARP, Ether

from skbuff.kernel.bug import KernelBug
from skbuff.uapi import checksum, icmp, if_arp, if_ether, in_, inet, ip, udp

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"

addrs = st.integers(0, 0xFFFFFFFF)
ports = st.integers(0, 0xFFFF)


def test_ether_ip_udp_from_scapy() -> None:
    pkt = (Ether(dst=MAC_B, src=MAC_A) / IP(src="10.0.0.1", dst="10.0.1.2", ttl=17, id=0x1234,
                                            flags="DF", tos=0x10)
           / UDP(sport=1234, dport=53) / b"hello")
    buf = bytearray(bytes(pkt))
    eth = if_ether.ethhdr(buf, 0)
    assert eth.h_dest == inet.mac_pton(MAC_B) and eth.h_source == inet.mac_pton(MAC_A)
    assert eth.h_proto == if_ether.ETH_P_IP
    iph = ip.iphdr(buf, if_ether.ETH_HLEN)
    assert (iph.version, iph.ihl, iph.tos, iph.tot_len) == (4, 5, 0x10, 20 + 8 + 5)
    assert (iph.id, iph.frag_off, iph.ttl, iph.protocol) == (0x1234, ip.IP_DF, 17,
                                                              in_.IPPROTO_UDP)
    assert iph.saddr == inet.in_aton("10.0.0.1") and inet.ntoa(iph.daddr) == "10.0.1.2"
    assert iph.check == IP(bytes(pkt[IP])).chksum
    assert checksum.ip_fast_csum(buf, iph.off, iph.ihl) == 0
    assert iph.options == b""
    uh = udp.udphdr(buf, iph.off + 20)
    assert (uh.source, uh.dest, uh.len) == (1234, 53, 13)
    assert uh.check == UDP(bytes(pkt[UDP])).chksum


def test_ip_options_and_frag_bits() -> None:
    pkt = IP(src="1.2.3.4", dst="5.6.7.8", flags="MF", frag=100,
             options=[IPOption_RR(routers=["9.9.9.9"])]) / (b"x" * 3)
    buf = bytearray(bytes(pkt))
    iph = ip.iphdr(buf)
    assert iph.ihl * 4 == len(buf) - 3 and iph.ihl > 5
    assert iph.options[0] == ip.IPOPT_RR
    assert iph.frag_off & ip.IP_MF and iph.frag_off & ip.IP_OFFSET == 100
    assert not iph.frag_off & ip.IP_DF


def test_icmp_and_arp_from_scapy() -> None:
    buf = bytearray(bytes(ICMP(type=8, id=0x4242, seq=7) / b"ping"))
    h = icmp.icmphdr(buf)
    assert (h.type, h.code, h.un_echo_id, h.un_echo_sequence) == (icmp.ICMP_ECHO, 0, 0x4242, 7)
    assert checksum.ip_compute_csum(buf, 0, len(buf)) == 0
    buf = bytearray(bytes(ICMP(type=3, code=4, nexthopmtu=1400)))
    assert icmp.icmphdr(buf).un_frag_mtu == 1400
    buf = bytearray(bytes(ICMP(type=5, code=1, gw="10.9.8.7")))
    assert icmp.icmphdr(buf).un_gateway == inet.in_aton("10.9.8.7")
    arp = ARP(op=2, hwsrc=MAC_A, psrc="192.168.1.1", hwdst=MAC_B, pdst="192.168.1.2")
    buf = bytearray(bytes(arp))
    a = if_arp.arphdr(buf)
    assert (a.ar_hrd, a.ar_pro, a.ar_hln, a.ar_pln, a.ar_op) == (
        if_arp.ARPHRD_ETHER, if_ether.ETH_P_IP, 6, 4, if_arp.ARPOP_REPLY)
    p = if_arp.arp_payload(buf, 8)
    assert p.ar_sha == inet.mac_pton(MAC_A) and p.ar_tha == inet.mac_pton(MAC_B)
    assert inet.ntoa(p.ar_sip) == "192.168.1.1" and inet.ntoa(p.ar_tip) == "192.168.1.2"
    assert if_arp.arp_hdr_len(6) == 28


@given(addrs, addrs, ports, ports, st.binary(max_size=64), st.integers(1, 255))
def test_built_udp_frame_parses_in_scapy(saddr: int, daddr: int, sport: int, dport: int,
                                         payload: bytes, ttl: int) -> None:
    dgram = udp.build_udp(saddr, daddr, sport, dport, payload)
    packet = ip.build_ipv4(saddr, daddr, in_.IPPROTO_UDP, dgram, ttl=ttl, id=7)
    frame = if_ether.build_eth(inet.mac_pton(MAC_B) or b"", inet.mac_pton(MAC_A) or b"",
                               if_ether.ETH_P_IP, packet)
    pkt = Ether(frame)
    assert pkt[Ether].src == MAC_A and pkt[IP].ttl == ttl and pkt[IP].id == 7
    assert pkt[IP].src == inet.ntoa(saddr) and pkt[IP].flags == "DF"
    assert pkt[UDP].sport == sport and bytes(pkt[UDP].payload) == payload
    ref = IP(bytes(IP(src=inet.ntoa(saddr), dst=inet.ntoa(daddr), ttl=ttl, id=7, flags="DF")
                   / UDP(sport=sport, dport=dport) / payload))
    assert pkt[IP].chksum == ref.chksum and pkt[UDP].chksum == ref[UDP].chksum


def test_built_icmp_and_arp_parse_in_scapy() -> None:
    msg = icmp.build_icmp_echo(0x99, 3, b"abcdefg")
    pkt = IP(ip.build_ipv4(0x0A000001, 0x0A000002, in_.IPPROTO_ICMP, msg,
                           options=bytes([ip.IPOPT_NOOP])))
    assert pkt[IP].ihl == 6 and pkt[ICMP].type == 8 and pkt[ICMP].id == 0x99
    assert pkt[ICMP].chksum == ICMP(bytes(ICMP(type=8, id=0x99, seq=3) / b"abcdefg")).chksum
    ref = IP(bytes(pkt))
    ref.chksum = None
    assert pkt[IP].chksum == IP(bytes(ref)).chksum
    assert checksum.ip_fast_csum(bytes(pkt), 0, 6) == 0
    arp = ARP(if_arp.build_arp(if_arp.ARPOP_REQUEST, inet.mac_pton(MAC_A) or b"", 0xC0A80101,
                               bytes(6), 0xC0A80102))
    assert arp.op == 1 and arp.hwsrc == MAC_A and arp.pdst == "192.168.1.2"


def test_view_length_check_and_write_guard() -> None:
    with pytest.raises(ValueError):
        ip.iphdr(bytearray(19))
    with pytest.raises(ValueError):
        if_ether.ethhdr(bytearray(20), 10)
    buf = bytearray(ip.build_ipv4(1, 2, 17))
    ro = ip.iphdr(memoryview(buf).toreadonly())
    assert ro.ttl == 64
    with pytest.raises(KernelBug, match=r"iphdr\.ttl"):
        ro.ttl = 3
    with pytest.raises(KernelBug, match=r"iphdr\.ihl"):
        ro.ihl = 6
    with pytest.raises(KernelBug, match=r"ethhdr\.h_dest"):
        if_ether.ethhdr(memoryview(bytes(14))).h_dest = bytes(6)
    h = ip.iphdr(buf)
    h.ihl = 6
    assert h.version == 4 and h.ihl == 6
    with pytest.raises(ValueError):
        if_ether.ethhdr(bytearray(14)).h_source = b"short"


def test_ether_addr_predicates() -> None:
    assert if_ether.is_broadcast_ether_addr(if_ether.ETH_BROADCAST)
    assert if_ether.is_multicast_ether_addr(bytes.fromhex("01005e000001"))
    assert if_ether.is_zero_ether_addr(bytes(6))
    assert if_ether.is_valid_ether_addr(bytes.fromhex("020000000001"))
    assert not if_ether.is_valid_ether_addr(bytes(6))
