"""Conformance of `ip route save`/`restore` and `ip netns set`/`list-id` with the real kernel.

Route dumps cross over: a file the real `ip route save` writes restores in skbuff to the
same `ip route show`, a file skbuff writes restores on Linux to the same routes, and the two
files are equal byte for byte but for nlmsg_seq/nlmsg_pid (the dumping process's numbers).
Files pass through subprocess pipes to the harness's own namespaces only.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from skbuff.sim.world import World
from tests.conformance.harness import RealKernel, backend, run_both
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


@pytest.mark.conformance
def test_netns_ids_match_linux(real_kernel_ok: None) -> None:
    res = run_both(NSID_SCRIPT)
    assert res.lines > 30
    assert res.ok, res.render()


def _ns_lines(ns: str, text: str) -> str:
    return "".join(f"ip -n {ns} {line.removeprefix('ip ')}\n" for line in text.splitlines())


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
