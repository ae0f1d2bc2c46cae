"""`skbuff demo`: the transcript shows ARP resolution, forwarding, fragmentation and
reassembly, one packet's journey and the state left behind; it is deterministic."""

from __future__ import annotations

import io
import re

import pytest

from skbuff import cli
from skbuff.sim import demo


@pytest.fixture(scope="module")
def transcript() -> str:
    out = io.StringIO()
    assert demo.main(out) == 0
    return out.getvalue()


def test_every_command_is_echoed_before_its_output(transcript: str) -> None:
    lines = transcript.splitlines()
    assert "skbuff# ip -n h1 link add eth0 type veth peer name eth0 netns r1" in lines
    assert lines.index("skbuff# ip netns exec h1 ping -c 1 10.0.2.2") < lines.index(
        "64 bytes from 10.0.2.2: icmp_seq=1 ttl=63 time=0.005 ms")
    assert not [ln for ln in lines if "command not found" in ln or "internal error" in ln]


def test_small_ping_resolves_arp_and_is_forwarded(transcript: str) -> None:
    assert "1 packets transmitted, 1 received, 0% packet loss, time 0ms" in transcript
    assert re.search(r"^10\.0\.1\.254 dev eth0 lladdr [0-9a-f:]{17} REACHABLE", transcript,
                     re.M)
    assert re.search(r"^10\.0\.2\.2 dev eth1 lladdr [0-9a-f:]{17} REACHABLE", transcript, re.M)
    assert "10.0.2.2 from 10.0.1.1 dev eth1 \n    cache iif eth0" in transcript


def journeys(transcript: str) -> list[list[tuple[str, str]]]:
    """(netns, function) of each step, per `trace show` in the transcript."""
    out = []
    for part in transcript.split("skbuff# trace show\n")[1:]:
        out.append([(m.group(1), m.group(2)) for m in re.finditer(
            r"^\s+\d+\.\d{9}\s+#\d+\s+\d+ (\w+)\s+\w+\s+\d+ \S+\s+(\w+)", part.split(
                "skbuff# ")[0], re.M)])
    return out


def test_journey_crosses_three_namespaces(transcript: str) -> None:
    steps = journeys(transcript)[0]
    assert ("h1", "ip_local_out") in steps and ("h1", "neigh_resolve_output") in steps
    assert ("r1", "ip_forward") in steps and ("r1", "veth_xmit") in steps
    assert steps[-2:] == [("h2", "icmp_rcv"), ("h2", "consume_skb")]


def test_fragmentation_journey(transcript: str) -> None:
    steps = journeys(transcript)[1]
    assert steps[:3] == [("h1", "veth_xmit"), ("r1", "ip_forward"), ("r1", "ip_do_fragment")]
    assert steps.count(("r1", "veth_xmit")) == 3 and steps.count(("h2", "ip_defrag")) == 3
    assert steps[-1] == ("h2", "icmp_rcv")


def test_large_ping_is_fragmented_and_reassembled(transcript: str) -> None:
    assert "1408 bytes from 10.0.2.2: icmp_seq=1 ttl=63" in transcript
    counters = dict(re.findall(r"^(Ip\w+)\s+(\d+)", transcript, re.M))
    assert counters["IpFragOKs"] == "1" and int(counters["IpFragCreates"]) >= 3
    assert counters["IpReasmOKs"] == "1"


def test_deterministic_and_wired_to_the_cli(transcript: str, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    assert cli.main(["demo"]) == 0
    assert capsys.readouterr().out == transcript
