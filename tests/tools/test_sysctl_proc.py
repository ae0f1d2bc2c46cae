"""`sysctl` and `cat /proc/...` against procps-ng 4.0.2 / coreutils outputs recorded in a
namespace (tests/tools/golden/sysctl.json), on a kernel whose sysctls are registered by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.tools.fake_stack import fake_world

from skbuff.kernel.sysctl import ctl_table, proc_dointvec_minmax, register_net_sysctl
from skbuff.sim.world import World

GOLDEN = json.loads((Path(__file__).resolve().parent / "golden" / "sysctl.json").read_text())


class fwd_holder:
    def __init__(self) -> None:
        self.ip_forward = 0
        self.ro = 7


def sysctl_world() -> tuple[World, fwd_holder]:
    w = fake_world()
    h = fwd_holder()
    with w.kernel:
        register_net_sysctl(w.init_net, "net/ipv4", [
            ctl_table("ip_forward", data=(h, "ip_forward"), proc_handler=proc_dointvec_minmax,
                      extra1=0, extra2=1),
            ctl_table("readonly", data=(h, "ro"), mode=0o444, proc_handler=proc_dointvec_minmax),
        ])
    return w, h


def test_golden_sequence_matches_real_sysctl_and_cat() -> None:
    w, _ = sysctl_world()
    for case in GOLDEN:
        r = w.run(case["cmd"])
        assert (r.status, r.stdout, r.stderr) == (
            case["status"], case["stdout"], case["stderr"]), case["cmd"]


def test_write_forms_change_the_value_and_errors_change_nothing() -> None:
    w, h = sysctl_world()
    assert w.run("sysctl net.ipv4.ip_forward=1").status == 0
    assert h.ip_forward == 1
    r = w.run("sysctl -w net.ipv4.ip_forward=7")
    assert (r.status, h.ip_forward) == (1, 1)
    assert r.stderr == 'sysctl: setting key "net.ipv4.ip_forward": Invalid argument\n'
    r = w.run("sysctl -w net.ipv4.readonly=1")
    assert r.stderr == 'sysctl: permission denied on key "net.ipv4.readonly"\n'
    assert h.ro == 7


def test_listing_patterns_names_and_values() -> None:
    w, _ = sysctl_world()
    assert w.run("sysctl -a").stdout == "net.ipv4.ip_forward = 0\nnet.ipv4.readonly = 7\n"
    assert w.run("sysctl -a -r read").stdout == "net.ipv4.readonly = 7\n"
    assert w.run("sysctl --pattern=forward -a").stdout == "net.ipv4.ip_forward = 0\n"
    assert w.run("sysctl net.ipv4").stdout == "net.ipv4.ip_forward = 0\nnet.ipv4.readonly = 7\n"
    assert w.run("sysctl -N -a").stdout == "net.ipv4.ip_forward\nnet.ipv4.readonly\n"
    assert w.run("sysctl -n net.ipv4.readonly net.ipv4.ip_forward").stdout == "7\n0\n"
    assert w.run("sysctl -V").stdout == "sysctl from procps-ng 4.0.2\n"
    assert w.run("sysctl --bogus").status == 1


def test_load_file(tmp_path: Path) -> None:
    w, h = sysctl_world()
    conf = tmp_path / "s.conf"
    conf.write_text("# comment\n; other\nnet.ipv4.ip_forward = 1\n-net.ipv4.nosuch = 3\nbad\n")
    r = w.run(f"sysctl -p {conf}")
    assert h.ip_forward == 1
    assert r.stdout == "net.ipv4.ip_forward = 1\n"
    assert r.stderr == f"sysctl: {conf}(5): invalid syntax, continuing...\n"
    assert r.status == 0


def test_echo_redirect_writes_proc_sys_with_bash_errors() -> None:
    w, h = sysctl_world()
    assert w.run("echo 1 > /proc/sys/net/ipv4/ip_forward").status == 0
    assert h.ip_forward == 1
    r = w.run("echo abc > /proc/sys/net/ipv4/ip_forward")
    assert (r.status, r.stderr) == (1, "bash: echo: write error: Invalid argument\n")
    assert h.ip_forward == 1
    r = w.run("echo 1 > /proc/sys/net/ipv4/nosuch")
    assert r.stderr == "bash: /proc/sys/net/ipv4/nosuch: No such file or directory\n"
    assert w.run("cat /proc/sys/net/ipv4/ip_forward").stdout == "1\n"


@pytest.mark.parametrize("argv", [["-r"], ["-w"], ["-"], ["="], ["-e", "-q", "x=1"]])
def test_odd_command_lines_do_not_raise(argv: list[str]) -> None:
    w, h = sysctl_world()
    r: Any = w.run("sysctl " + " ".join(argv))
    assert isinstance(r.status, int)
    assert h.ip_forward == 0


SYSCTL_WORDS = ["-a", "-n", "-N", "-e", "-q", "-w", "-b", "-r", "forward", "-p", "--all",
                "--pattern=x", "net.ipv4.ip_forward", "net.ipv4.ip_forward=1",
                "net.ipv4.ip_forward=9", "net.ipv4.readonly=1", "net.ipv4", "net/ipv4/ip_forward",
                "nosuch", "=", "a=b", "-", "--", "-Z", "--bogus"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(SYSCTL_WORDS), max_size=6))
def test_fuzz_sysctl_never_raises_and_a_failed_single_write_changes_nothing(
        argv: list[str]) -> None:
    w, h = sysctl_world()
    if "-p" in argv:
        return  # -p reads a host file (default /etc/sysctl.conf)
    r = w.run("sysctl " + " ".join(argv))
    assert isinstance(r.status, int)
    positional = [a for a in argv if not a.startswith("-") or a == "-"]
    writes = [a for a in positional if "=" in a]
    if r.status and len(positional) == len(writes) == 1 and not {"-r", "--"} & set(argv):
        assert (h.ip_forward, h.ro) == (0, 7)
