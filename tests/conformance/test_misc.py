"""Conformance of `ip route save`/`restore` and `ip netns set`/`list-id` with the real kernel.

Route dumps cross over: a file the real `ip route save` writes restores in skbuff to the
same `ip route show`, a file skbuff writes restores on Linux to the same routes, and the two
files are equal byte for byte but for nlmsg_seq/nlmsg_pid (the dumping process's numbers).
Files pass through subprocess pipes to the harness's own namespaces only.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from skbuff.sim.world import World
from tests.conformance.harness import (
    RealKernel,
    Skbuff,
    _normalize_macs,
    backend,
    run_both,
    run_lines,
    split_script,
)
from tests.tools.test_ip_route_save import ROUTES, SETUP, without_seq_pid

NSID_SCRIPT = """\
ip netns add a
ip netns add b
ip netns add c
ip netns add d
ip -n a -j netns list-id
ip -n a netns set b 5
ip -n a netns set c 5
ip -n a netns set b 7
ip -n a netns set c auto
ip -n a netns set zz 3
ip -n a netns set b
ip -n a netns set b -3
ip -n a netns set b x
ip -n a netns set a/b 1
ip -n a netns set d 010
ip -n a netns list-id
ip -n a -j netns list-id
ip -n a netns list-id nsid 5
ip -n a netns list-id nsid 9
ip -n a netns list-id nsid -1
ip -n a netns list-id nsid x
ip -n a netns list-id nsid 1 nsid 2
ip -n a netns list-id foo
ip -n a netns list-id target-nsid 5
ip -n a -j netns list-id target-nsid 9
ip -n a netns list-id target-nsid 5 nsid 0
ip -n b netns set a 2
ip -n a netns list-id target-nsid 5
ip -n a netns list-id target-nsid 5 nsid 2
ip -n a netns list-id nsid
ip -n a netns del d
ip -n a netns list-id
"""


ADDR_SCRIPT = """\
ip netns add a
ip -n a link add d0 type veth peer name d1
ip -n a link set d0 up
ip -n a addr add 10.0.0.1/24 dev d0 valid_lft 100 preferred_lft 50
ip -n a addr add 10.0.0.2/24 dev d0 valid_lft 100
ip -n a addr add 10.0.0.3/24 dev d0 valid_lft 0
ip -n a addr add 10.0.0.4/24 dev d0 valid_lft 100 preferred_lft 0
ip -n a addr add 10.0.0.5/24 dev d0 preferred_lft 30
ip -n a addr add 10.0.0.6/24 dev d0 valid_lft forever preferred_lft forever
ip -n a addr add 10.0.0.7/24 dev d0 valid_lft infinity
ip -n a addr add 10.0.0.8/24 dev d0 valid_lft 0x20 preferred_lft 010 noprefixroute
ip -n a addr add 10.0.0.9/24 dev d0 valid_lft -1 preferred_lft 010
ip -n a addr add 10.0.0.9/24 dev d0 valid_lft 4294967296
ip -n a addr add 10.0.0.9/24 dev d0 valid_lft 4294967295 preferred_lft 7
ip -n a addr show dev d0
ip -n a -j addr show dev d0
ip -n a addr change 10.0.0.6/24 dev d0 valid_lft 200 preferred_lft 100
ip -n a addr change 10.0.0.1/24 dev d0 valid_lft forever preferred_lft forever
ip -n a addr change 10.0.0.77/24 dev d0 valid_lft 20 preferred_lft 10
ip -n a addr replace 10.0.0.4/24 dev d0 valid_lft 20 preferred_lft 10
ip -n a addr show dev d0
ip -n a route get 10.0.0.50
ip -n a addr show dynamic
ip -n a addr show permanent
ip -n a addr show deprecated
ip -n a addr show -deprecated
ip -n a addr show primary
ip -n a -o addr show secondary dynamic
ip -n a addr add 10.0.1.1/24 dev d0 valid_lft 100 preferred_lft 0
ip -n a addr add 10.0.2.1/24 dev d0 preferred_lft 0 valid_lft 9 home
ip -n a addr show to 10.0.1.0/24
ip -n a addr show deprecated
ip -n a -j addr show deprecated
ip -n a route get 10.0.1.9
ip -n a route get 10.0.2.9
"""
LIFETIME = re.compile(r"(?<=valid_lft )\d+|(?<=preferred_lft )\d+|(?<=_life_time\":)\d+")


def _compare_allowing_countdown(script: str) -> None:
    """Run `script` on both sides; lifetimes on Linux may be up to 2 s below skbuff's (they
    count down in real time while the lines run), everything else must be equal."""
    lines = [line for _, line in split_script(script)]
    with backend(RealKernel) as real, backend(Skbuff) as ours:
        theirs, mine = run_lines(real, lines), run_lines(ours, lines)
    macs: tuple[dict[str, str], dict[str, str]] = ({}, {})
    for line, a, b in zip(lines, theirs, mine, strict=True):
        assert (a.status, a.stderr) == (b.status, b.stderr), line
        x = _normalize_macs(a.stdout, set(), macs[0])
        y = _normalize_macs(b.stdout, set(), macs[1])
        assert LIFETIME.sub("N", x) == LIFETIME.sub("N", y), line
        for real_v, our_v in zip(LIFETIME.findall(x), LIFETIME.findall(y), strict=True):
            assert 0 <= int(our_v) - int(real_v) <= 2, (line, real_v, our_v)


@pytest.mark.conformance
def test_address_lifetimes_as_linux_prints_them(real_kernel_ok: None) -> None:
    """Adding, changing, selecting and listing addresses with lifetimes."""
    _compare_allowing_countdown(ADDR_SCRIPT)


EXPIRY_SCRIPT = """\
ip netns add a
ip -n a link add d0 type veth peer name d1
ip -n a link set d0 up
ip -n a addr add 10.0.0.1/24 dev d0 valid_lft 4 preferred_lft 2
ip -n a addr add 10.0.1.1/24 dev d0
sleep 1
ip -n a -o addr show dev d0
sleep 2
ip -n a -o addr show dev d0
ip -n a route
sleep 2.5
ip -n a -o addr show dev d0
ip -n a route
"""


@pytest.mark.conformance
def test_addresses_deprecate_and_expire_when_linux_does(real_kernel_ok: None) -> None:
    """The lifetime worker's timing: deprecated between 2 and 3 s, gone (with its prefix
    route) between 4 and 5.5 s, on Linux in real time and in skbuff in simulated time."""
    _compare_allowing_countdown(EXPIRY_SCRIPT)


@pytest.mark.conformance
def test_netns_ids_match_linux(real_kernel_ok: None) -> None:
    """iproute2 asks for the id of every file in /run/netns (netns_map_init); a namespace
    another process deletes meanwhile makes the real side print one extra "Peer netns
    reference is invalid" line, which is all that is forgiven."""
    res = run_both(NSID_SCRIPT)
    assert res.lines > 30
    race = "Error: Peer netns reference is invalid.\n"
    left = [m for m in res.mismatches if not (
        m.what == "stderr" and "list-id" in m.line and m.real.replace(race, "") == m.skbuff)]
    assert not left, "\n".join(m.render() for m in left)


def _ns_lines(ns: str, text: str) -> str:
    return "".join(f"ip -n {ns} {line.removeprefix('ip ')}\n" for line in text.splitlines())


NETNS_PID_SCRIPT = """\
ip netns add a
ip -n a link add d0 type veth peer name d1
ip -n a link set d0 netns 2147483647
ip -n a link set d0 netns 0x7fffffff
ip -n a link set d0 netns -5
ip -n a link set d0 netns nosuch
ip -n a link add v0 type veth peer name v1 netns 2147483647
ip -n a link show d0
"""


@pytest.mark.conformance
def test_link_netns_pid_errors_match_linux(real_kernel_ok: None) -> None:
    """A number that names no /run/netns file is a PID (IFLA_NET_NS_PID, iproute2 6.1); one
    no process has is the kernel's ESRCH, on a move and on a veth peer alike."""
    res = run_both(NETNS_PID_SCRIPT)
    assert res.ok, res.render()


@pytest.mark.conformance
def test_route_dumps_cross_between_linux_and_skbuff(real_kernel_ok: None, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    w = World()
    ours = w.script("ip netns add s\nip netns add t\n" + _ns_lines("s", SETUP + ROUTES)
                    + _ns_lines("t", SETUP) + "ip -n s route save > ours.bin\n")
    assert ours.status == 0, ours
    with backend(RealKernel) as real:
        for line in ["ip netns add s", "ip netns add t",
                     *_ns_lines("s", SETUP + ROUTES).splitlines(),
                     *_ns_lines("t", SETUP).splitlines()]:
            r = real.run(line)
            assert r.status == 0, (line, r)
        s, t = real.names["s"], real.names["t"]
        saved = subprocess.run(["ip", "-n", s, "route", "save"], capture_output=True,
                               timeout=30, check=True).stdout
        assert without_seq_pid(saved) == (tmp_path / "ours.bin").read_bytes()
        # skbuff's file on Linux
        with open(tmp_path / "ours.bin", "rb") as fh:  # a file: restore seeks back
            p = subprocess.run(["ip", "-n", t, "route", "restore"], stdin=fh,
                               capture_output=True, timeout=30)
        real_restore = (p.returncode, p.stderr.decode())
        real_show = real.run("ip -n t route show")
        assert real_restore == (0, "RTNETLINK answers: File exists\n"), real_restore
        assert real.run("ip -n s route show").stdout == real_show.stdout
    # Linux's file in skbuff
    (tmp_path / "real.bin").write_bytes(saved)
    r = w.run("ip -n t route restore < real.bin")
    assert (r.status, r.stderr) == real_restore
    assert w.run("ip -n t route show").stdout == real_show.stdout
    assert w.run("ip -n s route show").stdout == real_show.stdout
