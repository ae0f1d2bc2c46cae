"""Job control in scripts (skbuff.sim.jobs): PIDs, `$!`/`$$`, `kill`, `jobs`, `wait`, and the
`ip` commands that name a process (`ip link set DEV netns PID`, `ip netns identify/pids`)."""

from __future__ import annotations

import re
import shutil
import subprocess

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support import needs

from skbuff.sim import jobs, script
from skbuff.sim.world import SHELL_PID, World

# Lines whose output does not depend on how fast a real machine reaps a killed child: each
# kill is followed by a `sleep` (an external command: bash reaps and notifies there).
BASH_SCRIPT = """\
sleep 100 &
sleep 100 &
sleep 50 &
kill %sl
kill %?100
kill -0 %1
jobs
jobs -p %1 %+
kill -9 %3
sleep 0.2
kill %3
kill -s kill %1
sleep 0.2
jobs
kill -l 9 15 137 sigkill RTMIN+3
kill -l
kill %0
kill -sigterm %2
kill 1001x
kill -- -1x
wait 99999
wait %5
wait abc
kill
kill -s
kill -99 %2
kill -USR1 %2
sleep 0.2
wait $!
kill 99999
"""


def _bash_like(text: str) -> str:
    """Real bash's stderr in skbuff's form: `FILE: line N: ` → `FILE:N: `, PIDs → PID."""
    text = re.sub(r"^(\S+): line (\d+): ", r"\1:\2: ", text, flags=re.M)
    return re.sub(r" *\b\d{4,}\b", " PID", text)


@needs(shutil.which("bash") is not None, "bash")
def test_matches_real_bash() -> None:
    """The same script, line for line, as bash 5.2 runs it non-interactively (no `set -e`:
    skbuff's --keep-going). skbuff prefixes its own usage line too; that is the one
    difference."""
    real = subprocess.run(["bash", "-c", BASH_SCRIPT + "wait\n", "script"],
                          capture_output=True, text=True, timeout=60)
    mine = World().script(BASH_SCRIPT, keep_going=True)
    assert _bash_like(mine.stdout) == _bash_like(real.stdout)
    real_err = _bash_like(real.stderr).replace("script: line", "script:")
    real_err = real_err.replace("\nkill: usage:", "\nscript:24: kill: usage:")
    assert _bash_like(mine.stderr) == real_err


def test_pids_and_specials() -> None:
    """$$ is the shell's PID, $! the newest job's (empty before any); single quotes keep
    them."""
    w = World()
    assert w.run("echo $$ [$!] '$$' \\$$").stdout == f"{SHELL_PID} [] $$ $$\n"
    w.run("sleep 10 &")
    assert w.run('echo "$!"').stdout == f"{SHELL_PID + 1}\n"
    assert w.run("jobs -l").stdout == \
        f"[1]+  {SHELL_PID + 1} Running                 sleep 10 &\n"
    w.run("sleep 11")
    assert w.jobs == [] and w.run("jobs").stdout == ""  # ended by itself: forgotten
    assert w.run(f"wait {SHELL_PID + 1}").status == 0


def _monitor_world() -> World:
    w = World()
    w.run("ip netns add a")
    w.run("ip -n a monitor link &")
    return w


def test_killed_monitor_keeps_what_it_printed() -> None:
    """A monitor killed by SIGTERM ends: its events up to the kill print after the kill line;
    later changes print nothing; SIGTERM gets no notice, SIGKILL one."""
    w = _monitor_world()
    res = w.script("ip -n a link add d0 type dummy\nkill %1\nip -n a link add d1 type dummy\n")
    assert "d0" in res.stdout and "d1" not in res.stdout and res.stderr == ""
    w = _monitor_world()
    res = w.script("kill -KILL %1\nip -n a link add d1 type dummy\n")
    assert res.stdout == ""
    assert res.stderr == (f"script:2:  {SHELL_PID + 1} Killed                  "
                          "ip -n a monitor link\n")
    assert w.bgp[SHELL_PID + 1] == 137


def test_background_ignores_sigint_and_stop_holds_output() -> None:
    """bash sets SIGINT/SIGQUIT to SIG_IGN in a background job; SIGSTOP holds its output
    until SIGCONT (it still shows Running, as in bash without job control)."""
    w = _monitor_world()
    assert w.script("kill -INT %1\nkill -QUIT %1\n").status == 0 and len(w.jobs) == 1
    res = w.script("kill -STOP %1\nip -n a link add d0 type dummy\njobs\n")
    assert "d0" not in res.stdout and "Running" in res.stdout
    assert "d0" in w.script("kill -CONT %1\n").stdout


def test_tcpdump_catches_sigterm_not_sigkill() -> None:
    """tcpdump's cleanup handler prints its statistics on SIGTERM; SIGKILL leaves none."""
    w = World()
    w.run("tcpdump -i lo &")
    term = w.script("kill %1\n")
    assert "packets captured" in term.stderr and not w.jobs
    w.run("tcpdump -i lo &")
    kill = w.script("kill -9 %1\n")
    assert "packets captured" not in kill.stderr and w.bgp[SHELL_PID + 2] == 137


def test_kill_shell_ends_script() -> None:
    res = World().script("kill $$\necho not reached\n")
    assert (res.status, res.stdout) == (143, "")


def test_link_netns_pid_and_identify() -> None:
    """`netns PID` moves a link into the namespace of that process (a job's, or $$ for the
    shell's); an unknown PID is the kernel's ESRCH (iproute2 6.1 sends IFLA_NET_NS_PID)."""
    w = World()
    out = w.script(
        "ip netns add h1\n"
        "ip netns exec h1 sleep 100 &\n"
        "ip netns identify $!\n"
        "ip netns identify $$\n"
        "ip netns pids h1\n"
        "ip link add v0 type veth peer name v1\n"
        "ip link set v0 netns $!\n"
        "ip -n h1 -br link show v0\n")
    assert out.status == 0, out.stderr
    assert out.stdout.splitlines()[:3] == ["h1", "", str(SHELL_PID + 1)]
    assert out.stdout.splitlines()[3].startswith("v0@if")
    bad = World().script("ip link set lo netns 99999\n")
    assert (bad.status, bad.stderr) == (2, "script:1: ip: RTNETLINK answers: No such process\n")
    ident = World().script("ip netns identify 99999\n")
    assert (ident.status, ident.stderr) == (
        1, "script:1: ip: Cannot open network namespace: No such file or directory\n")
    assert World().run("ip netns identify x1").stderr == "Specified string 'x1' is not a pid\n"
    assert World().run("ip netns pids").stderr == "No netns name specified\n"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["-s", "-n", "-l", "-9", "-KILL", "--", "%1", "%%", "%-",
                                 "%?s", "1001", "1000", "-x", "0", "abc", "%", "-", "",
                                 "-sfoo", "-n99", "%sl"]), max_size=5),
       st.sampled_from([jobs.kill_main, jobs.jobs_main, jobs.wait_main]))
def test_builtins_never_raise(argv: list[str], builtin: object) -> None:
    """Any argument list gets bash's answer, never a traceback."""
    w = World()
    w.run("sleep 100 &")
    w.run("sleep 50 &")
    res = w.call(builtin, w, w.init_net, argv)  # type: ignore[arg-type]
    assert res.status in (0, 1, 2, 127, 130, 137, 143) or res.status > 128


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="$!'\"\\ ab", max_size=12))
def test_expand_special_never_raises(line: str) -> None:
    w = World()
    out = script.expand_special(w, line)
    assert "$$" not in out.replace("\\$", "") or "'" in line or "\\" in line


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["identify", "pids", "1000", "1001", "abc", "", "h1", "0x3e8",
                                 "-1"]), max_size=3))
def test_netns_pid_commands_never_raise(argv: list[str]) -> None:
    w = World()
    w.run("ip netns add h1")
    res = w.run_argv(w.init_net, ["ip", "netns", *argv])
    assert "Traceback" not in res.stderr
    res = w.run_argv(w.init_net, ["ip", "link", "set", "lo", "netns", *argv[:1]])
    assert "Traceback" not in res.stderr
