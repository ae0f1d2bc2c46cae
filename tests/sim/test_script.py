"""The script runner: continuations, comments, FILE:LINE errors, the set -e policy and
--keep-going, simulated sleep, redirects, the tool registry and internal-error reporting."""

from __future__ import annotations

import io

from tests.tools.fake_stack import _st, fake_world

from skbuff.sim import script
from skbuff.sim.world import World
from skbuff.tools.common import Result


def run(w: World, text: str, keep_going: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = script.run_script(w, text, "t.sh", out, err, keep_going=keep_going)
    return status, out.getvalue(), err.getvalue()


def test_script_lines_join_continuations_and_keep_first_line_number() -> None:
    lines = script.script_lines("a \\\n  b \\\n c\n\nd\n")
    assert [(sl.lineno, sl.text) for sl in lines] == [(1, "a b c"), (4, ""), (5, "d")]


def test_set_e_stops_at_first_failure_with_its_status_and_file_line() -> None:
    w = fake_world()
    status, out, err = run(w, "# setup\necho one\nip route add 1.2.3.4 5.6.7.8\necho two\n")
    assert status == 255
    assert out == "one\n"
    assert err == ('t.sh:3: ip: Error: either "to" is duplicate, or "5.6.7.8" is a garbage.\n')


def test_keep_going_runs_everything_and_returns_last_failure() -> None:
    w = fake_world()
    status, out, err = run(w, "nosuch\necho a\nip foo\necho b\n", keep_going=True)
    assert status == 1
    assert out == "a\nb\n"
    assert err == ("t.sh:1: nosuch: command not found\n"
                   't.sh:3: ip: Object "foo" is unknown, try "ip help".\n')


def test_unknown_command_is_127() -> None:
    r = fake_world().run("frobnicate --now")
    assert (r.status, r.stderr) == (127, "bash: frobnicate: command not found\n")


def test_sleep_advances_simulated_time() -> None:
    w = fake_world()
    t0 = w.kernel.now_ns
    assert w.run("sleep 1.5").status == 0
    assert w.run("sleep 1m").status == 0
    # each line also takes the command's own time
    assert w.kernel.now_ns - t0 == 61_500_000_000 + 2 * script.COMMAND_NS
    r = w.run("sleep x")
    assert r.status == 1 and r.stderr.startswith("sleep: invalid time interval 'x'")


def test_echo_and_comments_and_quotes() -> None:
    w = fake_world()
    assert w.run("echo 'a  b' c # comment").stdout == "a  b c\n"
    assert w.run("echo -n x").stdout == "x"
    assert w.run("# only a comment") == Result(0, "", "")
    assert w.run("echo 'unterminated").status == 2


def test_continued_ip_command_runs_once() -> None:
    w = fake_world()
    status, _, _ = run(w, "ip route add 10.0.0.0/8 \\\n   dev lo\n")
    assert status == 0
    assert len(_st(w.init_net).routes) == 1


def test_registered_tool_runs_in_process_context_with_its_net() -> None:
    w = fake_world()
    seen: list[object] = []

    def ping(world: World, net: object, argv: list[str]) -> Result:
        seen.append((net, argv, world.kernel))
        return Result(0, "pong\n", "")

    script.register_tool(w, "ping", ping)
    w.netns_add("ns1")
    assert w.run("ip netns exec ns1 ping -c 1 10.0.0.1").stdout == "pong\n"
    assert seen == [(w.netns("ns1"), ["-c", "1", "10.0.0.1"], w.kernel)]
    assert "ping" in script.tool_names(w)


def test_internal_error_is_one_line_and_status_70() -> None:
    w = fake_world()

    def broken(world: World, net: object, argv: list[str]) -> Result:
        raise ZeroDivisionError("boom")

    script.register_tool(w, "broken", broken)
    status, _, err = run(w, "echo ok\nbroken\necho never\n")
    assert status == 70
    assert err == ("t.sh:2: internal error: ZeroDivisionError: boom "
                   "(this is a bug in skbuff)\n")


def test_redirect_outside_proc_sys_is_refused() -> None:
    r = fake_world().run("echo x > /tmp/file")
    assert r.status == 1 and "only redirect into /proc/sys" in r.stderr
