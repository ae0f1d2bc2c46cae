"""Generators are deterministic per seed, cover what they promise, and the harness refuses
anything a generated line could do to the host; known differences accept only their case."""

from __future__ import annotations

import re

import pytest

from tests.conformance import known_differences, scenarios
from tests.conformance.generators import routing
from tests.conformance.harness import Mismatch, RealKernel, ScriptError, split_script


@pytest.mark.parametrize("make", [routing.routing_script, routing.setup_errors_script,
                                  routing.procfs_script])
def test_scripts_are_deterministic_and_vary(make: object) -> None:
    assert callable(make)
    assert make(7) == make(7)
    assert len({make(s) for s in range(10)}) == 10


def test_routing_covers_route_types_rules_and_gets() -> None:
    text = "\n".join(routing.routing_script(s) for s in range(40))
    for kind in ("blackhole", "unreachable", "prohibit", "throw", "local", "broadcast",
                 "multicast", "nexthop via", "onlink", " tos ", " mtu ", "table 100"):
        assert kind in text, kind
    rules = [ln for ln in text.splitlines() if " rule add " in ln]
    for sel in ("from ", "to ", "fwmark", "iif", "oif", "ipproto", "dport", "sport",
                "uidrange", "not ", "goto", "nop", "suppress_prefixlength",
                "suppress_ifgroup"):
        assert any(sel in ln for ln in rules), sel
    gets = [ln for ln in text.splitlines() if " route get " in ln]
    assert len(gets) == 40 * 100
    for opt in ("from", "iif", "oif", "tos", "mark", "fibmatch", "uid", "ipproto"):
        assert any(f" {opt} " in g or g.endswith(opt) for g in gets), opt


def test_every_generated_line_passes_the_harness_safety_check() -> None:
    rk = RealKernel()
    for seed in range(20):
        for make in (routing.routing_script, routing.setup_errors_script,
                     routing.procfs_script):
            for _, line in split_script(make(seed)):
                rk._check(line)
        for st in scenarios.frag_steps(seed) + scenarios.neigh_steps(seed):
            if isinstance(st, str):
                rk._check(st)


@pytest.mark.parametrize("line", [
    "ip netns exec a rm -rf /",
    "ip netns exec a cat /etc/shadow",
    "ip netns exec a cat /proc/../etc/passwd",
    "ip netns exec a sysctl -p /etc/sysctl.conf",
    "ip netns exec a bash -c 'ip link del eth0'",
    "ip netns exec a ip netns exec b sh",
])
def test_exec_outside_the_allowlist_is_refused(line: str) -> None:
    with pytest.raises(ScriptError):
        RealKernel().run(line)


def test_frag_and_neigh_scenarios_are_deterministic() -> None:
    def names(steps: list[scenarios.Step]) -> list[str]:
        return [st if isinstance(st, str) else st[0] for st in steps]

    assert names(scenarios.frag_steps(3)) == names(scenarios.frag_steps(3))
    assert names(scenarios.neigh_steps(3)) == names(scenarios.neigh_steps(3))
    mtus = {re.findall(r"mtu (\d+)", " ".join(names(scenarios.frag_steps(s))))[2]
            for s in range(30)}
    assert len(mtus) > 3


def test_known_difference_accepts_only_its_own_case() -> None:
    v6 = ('[{"dst":"10.0.0.0/24","dev":"v0"},{"dst":"fe80::/64","dev":"v0"}]\n',
          '[{"dst":"10.0.0.0/24","dev":"v0"}]\n')
    line = "ip -n a -j route show table all"
    ok = Mismatch(1, line, "stdout", *v6)
    assert known_differences.classify("routing", ok) is not None
    wrong = Mismatch(1, line, "stdout", v6[0], '[{"dst":"10.0.0.0/24","dev":"v2"}]\n')
    assert known_differences.classify("routing", wrong) is None
    assert known_differences.classify("fragmentation", ok) is None
    zn = Mismatch(1, "ip -n a route get 0.1.2.3 mark 1", "stderr", "",
                  "RTNETLINK answers: Invalid argument\n")
    assert known_differences.classify("routing", zn) is not None
    other = Mismatch(1, "ip -n a route get 10.1.2.3 mark 1", "stderr", "",
                     "RTNETLINK answers: Invalid argument\n")
    assert known_differences.classify("routing", other) is None


def test_every_known_difference_has_reason_and_plan() -> None:
    keys = [kd.key for kd in known_differences.KNOWN]
    assert len(keys) == len(set(keys))
    for kd in known_differences.KNOWN:
        assert kd.reason and kd.plan and kd.areas
        assert (kd.normalize is None) != (kd.real is None)
