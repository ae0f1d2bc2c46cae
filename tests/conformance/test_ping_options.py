"""Conformance of `ping -R` and `ping -T` (IP options: record route, timestamps) with Linux
6.12 and iputils 20221126, across a - r - b (tests/tools/test_ping.TOPO).

Round-trip times and the timestamps themselves are each machine's clock, so they are masked
on both sides: `time=… ms`, the statistics' `time …ms` and rtt line, and every TS time
(the "absolute" ms since midnight and the differences after it). Everything else (addresses
recorded, number of slots filled, "Unrecorded hops", "(same route)", header sizes, the
error texts and exit statuses) must match exactly.
"""

from __future__ import annotations

import re

import pytest

from tests.conformance.harness import run_both
from tests.tools.test_ping import TOPO

SCRIPT = TOPO + """\
ip netns exec a ping -R -c 2 -i 0.2 10.0.2.2
ip netns exec a ping -T tsonly -c 2 -i 0.2 10.0.2.2
ip netns exec a ping -T tsandaddr -c 1 10.0.2.2
ip netns exec a ping -T tsprespec -c 1 10.0.1.254 10.0.2.2 10.0.2.2
ip netns exec a ping -T tsonly -q -c 1 10.0.2.2
ip netns exec a ping -T bogus 10.0.2.2
ip netns exec a ping -R -T tsonly 10.0.2.2
ip netns exec a ping -c 1 10.0.1.254 10.0.2.2
"""

_MASKS = (
    (re.compile(r"time=\d+(?:\.\d+)? ms"), "time=<t> ms"),
    (re.compile(r"time \d+ms"), "time <t>ms"),
    (re.compile(r"^rtt min/avg/max/mdev = .*$", re.M), "rtt <masked>"),
    (re.compile(r"\t-?\d+(?= absolute$|$)", re.M), "\t<ms>"),
)


def mask_times(text: str) -> str:
    """The output with the clock's values masked (see the module docstring)."""
    for pattern, repl in _MASKS:
        text = pattern.sub(repl, text)
    return text


def test_mask_keeps_addresses_and_counts() -> None:
    text = ("64 bytes from 10.0.2.2: icmp_seq=1 ttl=63 time=0.048 ms\nTS: \t85228484 absolute"
            "\n\t0\n\t-1\nRR: \t10.0.1.1\n\t10.0.1.254\t12\nUnrecorded hops: 2\n")
    assert mask_times(text) == (
        "64 bytes from 10.0.2.2: icmp_seq=1 ttl=63 time=<t> ms\nTS: \t<ms> absolute\n\t<ms>\n"
        "\t<ms>\nRR: \t10.0.1.1\n\t10.0.1.254\t<ms>\nUnrecorded hops: 2\n")


@pytest.mark.conformance
def test_ping_ip_options_match_real_kernel(real_kernel_ok: None) -> None:
    result = run_both(SCRIPT, normalize=mask_times)
    assert result.ok, result.render()
