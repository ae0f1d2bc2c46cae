"""The harness itself: it refuses host-touching lines, cleans up, and catches a wrong answer."""

from __future__ import annotations

import subprocess

import pytest

from tests.conformance.harness import (
    LineResult,
    RealKernel,
    ScriptError,
    compare,
    split_script,
)

SCRIPT = """\
# two namespaces joined by a veth pair
ip netns add a
ip netns add b
ip -n a link add va type veth peer name vb netns b
ip -n a link set va up
ip -n a addr add 10.9.0.1/24 dev va
ip -n a -j route show table main
ip -n a route get 10.9.0.7
ip -n a route get 10.10.0.1
"""


class Wrong:
    """A backend that answers like the real kernel except on one line."""

    def __init__(self, inner: RealKernel, bad_line: int) -> None:
        self.inner = inner
        self.bad_line = bad_line
        self.n = 0

    def run(self, line: str) -> LineResult:
        self.n += 1
        r = self.inner.run(line)
        if self.n == self.bad_line:
            return LineResult(r.status, r.stdout.replace("10.9.0.1", "10.9.0.2"), r.stderr)
        return r

    def close(self) -> None:
        self.inner.close()


def test_split_script_continuations_and_comments() -> None:
    text = "# c\nip link \\\n  show\n\nsleep 1\n"
    assert split_script(text) == [(2, "ip link    show"), (5, "sleep 1")]


@pytest.mark.parametrize(
    "line",
    ["ip link add x type ifb", "sysctl -w net.ipv4.ip_forward=1", "rm -rf /", "ip r"],
)
def test_host_lines_are_refused(line: str) -> None:
    with pytest.raises(ScriptError):
        RealKernel().run(line)


def _leftover(prefix: str) -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [row for row in out.splitlines() if row.startswith(prefix)]


def test_real_vs_real_matches_and_cleans_up(real_kernel_ok: None) -> None:
    a, b = RealKernel(), RealKernel()
    try:
        result = compare(SCRIPT, a, b)
    finally:
        a.close()
        b.close()
    assert result.lines == 8
    assert result.ok, result.render()
    assert _leftover(a.prefix) == [] and _leftover(b.prefix) == []


def test_a_wrong_answer_is_caught(real_kernel_ok: None) -> None:
    a = RealKernel()
    b = Wrong(RealKernel(), bad_line=6)
    try:
        result = compare(SCRIPT, a, b)
    finally:
        a.close()
        b.close()
    assert not result.ok
    [m] = result.mismatches
    assert m.lineno == 7 and m.what == "stdout"
    assert "10.9.0.2" in m.skbuff and "10.9.0.2" not in m.real
    assert "real kernel" in result.render()


def test_batched_route_gets_equal_one_process_per_line(real_kernel_ok: None) -> None:
    lines = ["ip netns add a", "ip -n a link set lo up",
             "ip -n a link add va type veth peer name vb", "ip -n a link set va up",
             "ip -n a addr add 10.9.0.1/24 dev va"]
    gets = ["ip -n a route get 10.9.0.7", "ip -n a route get 10.10.0.1",
            "ip -n a route get 127.0.0.1 fibmatch", "ip -n a route get 10.9.0.300",
            "ip -n a route get 10.9.0.8 from 10.9.0.1", "ip -n a route get 1.2.3.4 oif nope"]
    a, b = RealKernel(), RealKernel()
    try:
        batched = a.run_many(lines + gets)
        single = [b.run(line) for line in lines + gets]
    finally:
        a.close()
        b.close()
    assert batched == single
    assert batched[-3].status != 0 and "10.9.0.300" in batched[-3].stderr
