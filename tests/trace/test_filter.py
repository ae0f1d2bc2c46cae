"""The journey filter: pcap-filter terms, skbuff's context terms, boolean structure."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skbuff.trace.filter import Filter, FilterError


@dataclass
class Subject:
    l3: str = "ip"
    proto: int = 17
    saddr: int = 0x0A010002
    daddr: int = 0x0A020002
    sport: int = 40000
    dport: int = 7000
    netns: str = "r"
    dev: str = "r1"
    func: str = "ip_rcv"


UDP = Subject()
ICMP = Subject(proto=1, sport=0, dport=0)
ARP = Subject(l3="arp", proto=1, saddr=0x0A010002, daddr=0x0A010001, sport=0, dport=0)


@pytest.mark.parametrize(("text", "subject", "want"), [
    ("", UDP, True),
    ("host 10.1.0.2", UDP, True),
    ("10.2.0.2", UDP, True),
    ("src host 10.2.0.2", UDP, False),
    ("dst 10.2.0.2", UDP, True),
    ("net 10.2.0.0/16", UDP, True),
    ("src net 10.2.0.0/16", UDP, False),
    ("net 10.1.0.0 mask 255.255.255.0", UDP, True),
    ("port 7000", UDP, True),
    ("src port 7000", UDP, False),
    ("port 7000", ICMP, False),
    ("udp", UDP, True),
    ("icmp", UDP, False),
    ("icmp", ICMP, True),
    ("ip proto 1", ICMP, True),
    ("proto udp", UDP, True),
    ("arp", ARP, True),
    ("ip", ARP, False),
    ("host 10.1.0.1", ARP, True),
    ("tcp", UDP, False),
    ("udp and not port 53", UDP, True),
    ("icmp or udp", UDP, True),
    ("!udp", UDP, False),
    ("udp && (port 1 || port 7000)", UDP, True),
    ("netns r and dev r1", UDP, True),
    ("netns init_net", UDP, False),
    ("netns init_net", Subject(netns=""), True),
    ("func ip_*", UDP, True),
    ("func neigh_*", UDP, False),
    ("not func ip_* or udp", UDP, True),
])
def test_terms(text: str, subject: Subject, want: bool) -> None:
    assert Filter(text).match(subject) is want


@pytest.mark.parametrize("text", ["host", "host 10.0.0", "net 10.0.0.1/24", "port 70000",
                                  "(udp", "udp)", "udp and", "frobnicate", "net 10.0.0.0/33",
                                  "proto 300", "net 10.0.0.0"])
def test_errors(text: str) -> None:
    with pytest.raises(FilterError):
        Filter(text)


TERMS = st.sampled_from(["udp", "icmp", "arp", "port 7000", "host 10.1.0.2", "netns r",
                         "dev r2", "func ip_*", "src net 10.1.0.0/24"])
SUBJECTS = st.builds(Subject, l3=st.sampled_from(["ip", "arp", ""]),
                     proto=st.sampled_from([1, 6, 17]), dport=st.sampled_from([53, 7000]),
                     netns=st.sampled_from(["", "r"]), dev=st.sampled_from(["r1", "r2"]),
                     func=st.sampled_from(["ip_rcv", "neigh_output"]))


@given(TERMS, TERMS, SUBJECTS)
def test_boolean_structure(a: str, b: str, s: Subject) -> None:
    fa, fb = Filter(a).match(s), Filter(b).match(s)
    assert Filter(f"{a} and {b}").match(s) is (fa and fb)
    assert Filter(f"{a} or {b}").match(s) is (fa or fb)
    assert Filter(f"not {a}").match(s) is (not fa)
    assert Filter(f"not ({a} or {b})").match(s) is (not fa and not fb)
    # and binds tighter than or
    assert Filter(f"{a} or {b} and {a}").match(s) is (fa or (fb and fa))
