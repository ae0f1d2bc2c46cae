"""The script runner: continuations, comments, FILE:LINE errors, the set -e policy and
--keep-going, simulated sleep, redirects, the tool registry, internal-error reporting and the
`source` / `.` builtin."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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


def test_redirects_to_and_from_real_files(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`>` truncates, `>>` appends, `<` feeds the file's bytes as stdin; bash's errors for a
    file it cannot open (the command does not run) or a missing target."""
    monkeypatch.chdir(tmp_path)
    w = fake_world()
    seen: list[object] = []

    def reader(world: World, net: object, argv: list[str]) -> Result:
        seen.append(world.tool_state.get("stdin"))
        return Result(0, "read\n", "")

    script.register_tool(w, "reader", reader)
    assert w.run("echo one > out.txt") == Result(0, "", "")
    assert w.run("echo two >>out.txt") == Result(0, "", "")
    assert (tmp_path / "out.txt").read_text() == "one\ntwo\n"
    assert w.run("reader < out.txt") == Result(0, "read\n", "")
    assert seen == [b"one\ntwo\n"] and "stdin" not in w.tool_state
    assert w.run("reader <missing") == Result(1, "", "bash: missing: No such file or directory\n")
    assert w.run("echo x > nodir/f") == Result(
        1, "", "bash: nodir/f: No such file or directory\n")
    assert w.run("echo x >") == Result(
        2, "", "bash: syntax error near unexpected token `newline'\n")
    assert seen == [b"one\ntwo\n"]


def test_source_runs_the_file_in_this_shell_relative_to_the_cwd(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "setup.sh").write_text(
        "# setup\necho in setup\nip route add 10.0.0.0/8 dev lo\n")
    monkeypatch.chdir(tmp_path)
    w = fake_world()
    status, out, err = run(w, "source lib/setup.sh\n. lib/setup.sh\necho back\n",
                           keep_going=True)
    assert out == "in setup\nin setup\nback\n"
    # the second run of the file fails in the file, at its line 3
    assert (status, err) == (2, "lib/setup.sh:3: ip: RTNETLINK answers: File exists\n")
    assert len(_st(w.init_net).routes) == 1


def test_source_failure_stops_the_sourcing_script_under_set_e(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.sh").write_text("echo a\n\nnosuch\necho b\n")
    monkeypatch.chdir(tmp_path)
    status, out, err = run(fake_world(), "echo start\n. ./bad.sh\necho never\n")
    assert (status, out, err) == (127, "start\na\n", "./bad.sh:3: nosuch: command not found\n")


def test_source_errors_are_bash_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir").mkdir()
    w = fake_world()
    assert run(w, "source nosuch.sh\n") == (1, "", "t.sh:1: nosuch.sh: No such file or directory\n")
    assert run(w, "echo x\n. dir\n") == (1, "x\n", "t.sh:2: .: dir: is a directory\n")
    assert run(w, "source\n") == (2, "", "t.sh:1: source: filename argument required\n"
                                   "t.sh:1: source: usage: source filename [arguments]\n")
    assert run(w, ".\n")[2] == ("t.sh:1: .: filename argument required\n"
                                "t.sh:1: .: usage: . filename [arguments]\n")


def test_internal_error_in_a_sourced_file_ends_every_script(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    w = fake_world()

    def broken(world: World, net: object, argv: list[str]) -> Result:
        raise ZeroDivisionError("boom")

    script.register_tool(w, "broken", broken)
    (tmp_path / "b.sh").write_text("broken\necho never\n")
    monkeypatch.chdir(tmp_path)
    status, out, err = run(w, "source b.sh\necho never\n", keep_going=True)
    assert (status, out) == (70, "")
    assert err == "b.sh:1: internal error: ZeroDivisionError: boom (this is a bug in skbuff)\n"


LINES = ["echo a", "true", "false", "nosuch", "sleep 1", "# c", "", "ip foo"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=6), st.booleans())
def test_sourcing_a_file_is_running_its_lines(tmp_path_factory: pytest.TempPathFactory,
                                              lines: list[str], keep_going: bool) -> None:
    """Same output, status and simulated time as the lines inline (the builtin is free);
    only the FILE:LINE of errors differs."""
    d = tmp_path_factory.mktemp("src")
    text = "".join(f"{ln}\n" for ln in lines)
    (d / "f.sh").write_text(text)
    inline, sourced = fake_world(), fake_world()
    t0, t1 = inline.kernel.now_ns, sourced.kernel.now_ns
    a = run(inline, text, keep_going)
    b = run(sourced, f"source {d / 'f.sh'}\n", keep_going)
    assert a[:2] == b[:2]
    assert a[2].replace("t.sh:", f"{d / 'f.sh'}:") == b[2]
    assert inline.kernel.now_ns - t0 == sourced.kernel.now_ns - t1


def _script_lines_reference(text: str) -> list[tuple[int, str]]:
    """script_lines as it was written first (one list, built before any line runs)."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for n, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = n
        if raw.endswith("\\") and not raw.endswith("\\\\"):
            pending.append(raw[:-1])
            continue
        pending.append(raw)
        out.append((start, " ".join(p.strip() for p in pending).strip()))
        pending = []
    if pending:
        out.append((start, " ".join(p.strip() for p in pending).strip()))
    return out


@given(st.text(alphabet="ab \\\n\t#", max_size=40))
def test_script_lines_match_the_reference(text: str) -> None:
    assert [(sl.lineno, sl.text) for sl in script.script_lines(text)] == \
        _script_lines_reference(text)


def test_timers_still_fire_between_lines_when_nothing_else_is_due() -> None:
    from skbuff.kernel import timer

    w = World()
    fired: list[int] = []
    with w.kernel:
        t = timer.timer_list()
        timer.timer_setup(t, lambda tl: fired.append(w.kernel.now_ns), 0)
        timer.mod_timer(t, w.kernel.jiffies + 3)
    start = w.kernel.now_ns
    assert w.script("true\ntrue\ntrue\n").status == 0
    assert w.kernel.now_ns == start + 3 * script.COMMAND_NS
    assert len(fired) == 1 and start < fired[0] <= start + 3 * script.COMMAND_NS


@settings(max_examples=300)
@given(st.text(alphabet="ab\n\r\x0b\x1c\u2028 \\", max_size=60), st.integers(1, 8))
def test_physical_lines_is_splitlines_chunk_by_chunk(text: str, chunk: int) -> None:
    """Whatever the chunk size, the lines are text.splitlines()'s: no "\\r\\n" is cut."""
    saved = script._CHUNK
    script._CHUNK = chunk
    try:
        assert list(script._physical_lines(text)) == text.splitlines()
    finally:
        script._CHUNK = saved
