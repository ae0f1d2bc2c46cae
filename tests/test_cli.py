"""The `skbuff` command: run (status, --keep-going), one-shot tools, demo, shell without a
tty, and internal errors reported without a traceback."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from skbuff import cli
from skbuff.sim.world import World
from tests.tools.fake_stack import fake_world


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "World", lambda seed=0: fake_world())


def test_run_script_status_and_keep_going(tmp_path: Path, fake: None,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    s = tmp_path / "s.sh"
    s.write_text("echo a\nip nosuchobj\necho b\n")
    assert cli.main(["run", str(s)]) == 1
    out, err = capsys.readouterr()
    assert out == "a\n"
    assert err == f'{s}:2: ip: Object "nosuchobj" is unknown, try "ip help".\n'
    assert cli.main(["run", "--keep-going", "--seed", "3", str(s)]) == 1
    assert capsys.readouterr().out == "a\nb\n"
    assert cli.main(["run", str(tmp_path / "missing.sh")]) == 1


def test_one_shot_ip_and_sysctl(fake: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["ip", "-br", "link"]) == 0
    assert capsys.readouterr().out.startswith("lo ")
    assert cli.main(["sysctl", "-x"]) == 1


def test_internal_error_is_reported_in_one_line(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    def boom(seed: int = 0) -> World:
        raise RuntimeError("kaput")

    monkeypatch.setattr(cli, "World", boom)
    assert cli.main(["ip", "link"]) == 70
    assert capsys.readouterr().err == (
        "skbuff: ip: internal error: RuntimeError: kaput (this is a bug in skbuff)\n")


def test_shell_reads_lines_without_a_tty(fake: None, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("echo hi\n\nip foo\nexit\necho never\n"))
    assert cli.main(["shell"]) == 1
    out, err = capsys.readouterr()
    assert out == "hi\n" and "never" not in out
    assert err == 'shell:3: ip: Object "foo" is unknown, try "ip help".\n'


def test_demo_prints_its_transcript(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo"]) == 0
    assert capsys.readouterr().out.startswith("# skbuff demo: two hosts and a router")


def test_a_failing_script_leaves_no_tracer_attached(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`trace on` patches kernel functions process-wide; a script stopped by a failing line
    before its `trace off` must not leave them patched."""
    from skbuff.trace import ftrace

    s = tmp_path / "s.sh"
    s.write_text("trace on icmp\nip nosuchobj\ntrace off\n")
    assert cli.main(["run", str(s)]) == 1
    capsys.readouterr()
    patched = [fn.__name__ for fn in ftrace.traceable_functions()
               if fn.__code__.co_name != fn.__name__]
    assert patched == []


@pytest.mark.parametrize("user_min", [None, "300MB"])
def test_pypy_bulk_gc_restarts_with_a_nursery_once(monkeypatch: pytest.MonkeyPatch,
                                                    user_min: str | None) -> None:
    """On PyPy `skbuff run` restarts itself with PYPY_GC_NURSERY and PYPY_GC_MIN (read only at
    start-up; a PYPY_GC_MIN the user set is kept); never on CPython, and not again once
    PYPY_GC_NURSERY is set."""
    from skbuff import compat

    calls: list[tuple[str, list[str], str | None, str | None]] = []

    def execv(path: str, args: list[str]) -> None:
        calls.append((path, args, os.environ.get("PYPY_GC_NURSERY"),
                      os.environ.get("PYPY_GC_MIN")))

    monkeypatch.setattr(os, "execv", execv)
    for name, value in (("PYPY_GC_NURSERY", None), ("PYPY_GC_MIN", user_min)):
        monkeypatch.setenv(name, "")  # recorded, so undone after the test
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.setattr(compat, "PYPY", False)
    compat.pypy_bulk_gc(["skbuff", "run", "x.sh"])
    assert calls == []
    monkeypatch.setattr(compat, "PYPY", True)
    compat.pypy_bulk_gc(["skbuff", "run", "x.sh"])
    assert calls == [(sys.executable, [sys.executable, "skbuff", "run", "x.sh"],
                      compat.PYPY_GC_NURSERY, user_min or compat.PYPY_GC_MIN)]
    compat.pypy_bulk_gc(["skbuff", "run", "x.sh"])
    assert len(calls) == 1


def test_entry_point_restarts_for_run_before_importing_the_stack() -> None:
    """`skbuff run` on PyPy restarts before skbuff.cli (the whole stack) is imported, so the
    stack is imported once; other subcommands never restart. Checked in a fresh interpreter
    with the restart replaced by a report of what was imported by then."""
    probe = (
        "import sys, skbuff.__main__ as m\n"
        "m.pypy_bulk_gc = lambda argv: print('restart', 'skbuff.cli' in sys.modules)\n"
        "sys.argv = ['skbuff', sys.argv[1], '/nonexistent.sh']\n"
        "sys.exit(m.main())\n"
    )
    for sub, restarts in (("run", True), ("demo-missing", False)):
        res = subprocess.run([sys.executable, "-c", probe, sub], capture_output=True,
                             text=True, check=False)
        assert ("restart False" in res.stdout) is restarts, (sub, res.stdout, res.stderr)
        assert "restart True" not in res.stdout


def test_console_script_is_the_entry_point() -> None:
    """The installed `skbuff` command runs skbuff.__main__.main (where PyPy's restart is)."""
    from importlib import metadata

    import skbuff.__main__

    eps = metadata.entry_points()
    scripts = (eps.select(group="console_scripts") if hasattr(eps, "select")
               else eps.get("console_scripts", ()))  # Python 3.9: a dict of groups
    found = [e for e in scripts if e.name == "skbuff"]  # 3.9 may list a dist twice
    assert found and all(e.load() is skbuff.__main__.main for e in found), found
