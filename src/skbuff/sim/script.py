"""The script runner: lines as a shell would run them against a real kernel.

Supported lines: `ip …`, `ip netns exec NS CMD…`, `sysctl …`, `cat /proc/…`,
`echo V > /proc/sys/…`, `CMD > FILE` / `>> FILE` / `< FILE` (real files), `echo …`,
`sleep N` (simulated time), `source FILE` / `. FILE`, `CMD &`, `kill`, `jobs`, `wait`, `$!`, `$$`
(skbuff.sim.jobs), comments, blank lines and backslash
continuations. Other tools plug in by name:
`register_tool(world, name, fn)` for one World, or a module `skbuff.tools.<name>` defining
`main(world, net, argv) -> Result`.

Failure policy (like `set -e`): the first failing line stops the script and its status is the
script's; with `keep_going` every line runs and the status is the last failure's. Each stderr
line of a failing or complaining command is prefixed with `FILE:LINE: `.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from skbuff.kernel.clock import NSEC_PER_SEC
from skbuff.sim import jobs
from skbuff.tools import proc, sysctl
from skbuff.tools.common import Result, shell_split
from skbuff.tools.ip import ip, route

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

Tool = Callable[["World", "Net", list[str]], Result]

EX_SOFTWARE = 70


def echo_main(world: World, net: Net, argv: list[str]) -> Result:
    """bash's builtin echo (-n, -e, -E)."""
    newline = True
    escapes = False
    i = 0
    while i < len(argv) and argv[i] in ("-n", "-e", "-E", "-ne", "-en"):
        newline = newline and "n" not in argv[i]
        escapes = "e" in argv[i] and argv[i] != "-E"
        i += 1
    text = " ".join(argv[i:])
    if escapes:
        text = text.encode().decode("unicode_escape")
    return Result(0, text + ("\n" if newline else ""), "")


def _parse_interval(arg: str) -> float | None:
    mult = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    num, unit = (arg[:-1], arg[-1]) if arg and arg[-1] in mult else (arg, "s")
    try:
        v = float(num)
    except ValueError:
        return None
    return v * mult[unit] if v >= 0 else None


def _sleep_seconds(argv: list[str]) -> float | Result:
    """coreutils sleep's operands: the sum of the intervals, or its error."""
    if not argv:
        return Result(1, "", "sleep: missing operand\n"
                      "Try 'sleep --help' for more information.\n")
    total = 0.0
    for arg in argv:
        v = _parse_interval(arg)
        if v is None:
            return Result(1, "", f"sleep: invalid time interval '{arg}'\n"
                          "Try 'sleep --help' for more information.\n")
        total += v
    return total


def sleep_main(world: World, net: Net, argv: list[str]) -> Result:
    """coreutils sleep, in simulated time: the world advances by the sum of the intervals."""
    total = _sleep_seconds(argv)
    if isinstance(total, Result):
        return total
    world.kernel.run_for(int(total * NSEC_PER_SEC))
    return Result(0, "", "")


def sleep_background(world: World, net: Net, argv: list[str]) -> tuple[jobs.sleeper | None,
                                                                      Result]:
    """`sleep N &`: a job that ends when the simulated clock has moved on by N."""
    total = _sleep_seconds(argv)
    if isinstance(total, Result):
        return None, total
    return jobs.sleeper(net, total), Result(0, "", "")


def true_main(world: World, net: Net, argv: list[str]) -> Result:
    return Result(0, "", "")


def false_main(world: World, net: Net, argv: list[str]) -> Result:
    return Result(1, "", "")


_BUILTIN: dict[str, Tool] = {
    "ip": ip.ip_main, "sysctl": sysctl.sysctl_main, "cat": proc.cat_main,
    "echo": echo_main, "sleep": sleep_main, "true": true_main, "false": false_main,
    "wait": jobs.wait_main, "kill": jobs.kill_main, "jobs": jobs.jobs_main,
}


# Built-ins that run as jobs when backgrounded (tools do it with a module-level `background`).
BACKGROUND = {"sleep": sleep_background}


def register_tool(world: World, name: str, fn: Tool) -> None:
    """Make `name` runnable in `world`'s scripts; `fn(world, net, argv)` gets argv without
    the name and runs in process context."""
    world.tools[name] = fn


def find_tool(world: World, name: str) -> Tool | None:
    """The world's own tools, then the built-ins, then `skbuff.tools.<name>.main`."""
    fn = world.tools.get(name) or _BUILTIN.get(name)
    if fn is not None or not name.isidentifier():
        return fn
    try:
        mod = importlib.import_module(f"skbuff.tools.{name}")
    except ModuleNotFoundError:
        return None
    found: Tool | None = getattr(mod, "main", None)
    return found


def tool_names(world: World) -> list[str]:
    return sorted({*world.tools, *_BUILTIN})


def run_argv(world: World, net: Net, argv: list[str]) -> Result:
    """Run one split command in `net`, in process context. Unknown: bash's 127."""
    if not argv:
        return Result(0, "", "")
    fn = find_tool(world, argv[0])
    if fn is None:
        return Result(127, "", f"bash: {argv[0]}: command not found\n")
    res: Result = world.kernel.run_task(fn, world, net, argv[1:])
    return res


def _split(world: World, line: str) -> list[str] | Result:
    if "$" in line:
        line = expand_special(world, line)
    try:
        return shell_split(line)
    except ValueError as e:
        return Result(2, "", f"bash: syntax error: {e}\n")


def expand_special(world: World, line: str) -> str:
    """Expand `$$` (the shell's PID) and `$!` (the last background job's PID, empty before
    the first) outside single quotes and not after a backslash; any other `$` stays as is.

    Source: bash subst.c param_expand (the special parameters $ and !)."""
    out: list[str] = []
    quote = ""  # the open quote character
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\" and quote != "'":
            out.append(line[i:i + 2])
            i += 2
            continue
        if c in "'\"" and quote in ("", c):
            quote = "" if quote else c
        elif c == "$" and quote != "'" and line[i + 1:i + 2] in ("$", "!"):
            pid = world.shell_pid if line[i + 1] == "$" else world.last_async_pid
            out.append("" if pid is None else str(pid))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


# Simulated time one command line takes, fork+exec included (a few ms on a real box). Deferred
# work the command started (linkwatch, timers, softirqs, queued packets) runs meanwhile, as it
# does between two commands on a real machine; without it, `ip link set X up` followed at once
# by a send would meet the noop qdisc that linkwatch has not replaced yet.
COMMAND_NS = 2_000_000


def run_line(world: World, net: Net, line: str) -> Result:
    """Run one script line (no continuation handling) as the shell would; it takes COMMAND_NS
    of simulated time."""
    return _run_split_line(world, net, line, _split(world, line))


def _run_split_line(world: World, net: Net, line: str, argv: list[str] | Result) -> Result:
    """run_line, given `argv = _split(line)`."""
    notices = world.take_notices() if world.notices else ""
    res = argv if isinstance(argv, Result) else _run_line(world, net, line, argv)
    world.kernel.run_for(COMMAND_NS)
    if notices:
        return Result(res.status, res.stdout, notices + res.stderr)
    return res


def _run_line(world: World, net: Net, line: str, argv: list[str]) -> Result:
    if not argv:
        return Result(0, "", "")
    if argv[-1].endswith("&") and not argv[-1].endswith("&&"):
        argv = argv[:-1] if argv[-1] == "&" else [*argv[:-1], argv[-1][:-1]]
        return world.start_background(net, argv, line.rstrip()[:-1].strip())
    if "|" in argv:
        # `echo TEXT | CMD`: the one pipeline scripts have; CMD reads the text as its
        # standard input from world.tool_state["stdin"] (nc).
        bar = argv.index("|")
        if argv[0] != "echo" or "|" in argv[bar + 1:]:
            return Result(2, "", "bash: skbuff scripts support only `echo … | CMD` "
                          "pipelines\n")
        world.tool_state["stdin"] = run_argv(world, net, argv[:bar]).stdout
        try:
            return run_argv(world, net, argv[bar + 1:])
        finally:
            world.tool_state.pop("stdin", None)
    if ">" not in line and "<" not in line:  # every token is made of the line's characters
        return run_argv(world, net, argv)
    split = _redirections(argv)
    if isinstance(split, Result):
        return split
    argv, redirect, stdin_path = split
    if stdin_path is not None:
        # `CMD < FILE`: the command reads FILE's bytes from world.tool_state["stdin"]
        try:
            world.tool_state["stdin"] = Path(stdin_path).read_bytes()
        except OSError as e:
            return Result(1, "", f"bash: {stdin_path}: {e.strerror}\n")
    try:
        return _run_redirected(world, net, argv, redirect)
    finally:
        if stdin_path is not None:
            world.tool_state.pop("stdin", None)


def _redirections(argv: list[str]) -> tuple[list[str], tuple[str, str] | None, str | None] | Result:
    """Split `> FILE`, `>> FILE` and `< FILE` (or `>FILE`, `<FILE`) off a command: (argv,
    (operator, target) for stdout, stdin's file), or bash's syntax error for a missing
    target."""
    rest: list[str] = []
    redirect: tuple[str, str] | None = None
    stdin_path: str | None = None
    i = 0
    while i < len(argv):
        tok = argv[i]
        op = ">>" if tok.startswith(">>") else tok[:1]
        if op not in (">", ">>", "<"):
            rest.append(tok)
            i += 1
            continue
        target = tok[len(op):]
        if not target:
            if i + 1 >= len(argv):
                return Result(2, "", "bash: syntax error near unexpected token `newline'\n")
            target = argv[i + 1]
            i += 1
        i += 1
        if op == "<":
            stdin_path = target
        else:
            redirect = (op, target)
    return rest, redirect, stdin_path


def _run_redirected(world: World, net: Net, argv: list[str],
                    redirect: tuple[str, str] | None) -> Result:
    """Run with stdout to the terminal, to /proc/sys (the write as `echo V > …` does it) or
    to a file: bash opens (truncates, or appends for >>) FILE first; the command finds it
    as world.tool_state["stdout"] (a binary stream, for `ip route save`) and its text output
    goes there too."""
    if redirect is None:
        return run_argv(world, net, argv)
    op, target = redirect
    if target.startswith("/proc/sys/"):
        res = run_argv(world, net, argv)
        if res.status:
            return res
        wr = world.kernel.run_task(proc.proc_write, net, target, res.stdout)
        return Result(wr.status, "", res.stderr + wr.stderr)
    try:
        fh = open(target, "ab" if op == ">>" else "wb")  # noqa: SIM115 - closed below
    except OSError as e:
        return Result(1, "", f"bash: {target}: {e.strerror}\n")
    with fh:
        world.tool_state["stdout"] = fh
        try:
            res = run_argv(world, net, argv)
        finally:
            world.tool_state.pop("stdout", None)
        fh.write(res.stdout.encode())
    return Result(res.status, "", res.stderr)


@dataclass
class ScriptLine:
    """One logical line: where it starts and its text (continuations joined)."""

    lineno: int
    text: str


def script_lines(text: str) -> list[ScriptLine]:
    """Join backslash continuations; keep the number of each logical line's first line."""
    return [ScriptLine(n, line) for n, line in _logical_lines(text)]


# Characters of script text split into lines at once (see _physical_lines).
_CHUNK = 1 << 16


def _physical_lines(text: str) -> Iterator[str]:
    """text.splitlines(), one chunk of about _CHUNK characters at a time, each ending after a
    "\n" (so no "\r\n" is cut): a 1,000,000-line script keeps a few thousand line strings
    alive at once instead of a million for the whole run."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + _CHUNK)
        end = len(text) if end < 0 else end + 1
        yield from text[start:end].splitlines()
        start = end


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """script_lines as (number, text) pairs, one at a time."""
    pending: list[str] = []
    start = 0
    for n, raw in enumerate(_physical_lines(text), 1):
        if raw.endswith("\\") and not raw.endswith("\\\\"):
            if not pending:
                start = n
            pending.append(raw[:-1])
        elif pending:
            pending.append(raw)
            yield start, " ".join(p.strip() for p in pending).strip()
            pending = []
        else:
            yield n, raw.strip()
    if pending:
        yield start, " ".join(p.strip() for p in pending).strip()


def _prefixed(where: str, argv0: str, stderr: str) -> str:
    lines = []
    for ln in stderr.splitlines():
        if ln.startswith("bash: "):
            ln = ln[len("bash: "):]
        elif ln and not ln.startswith(argv0 + ":"):
            ln = f"{argv0}: {ln}"
        lines.append(f"{where}: {ln}\n" if ln else "\n")
    return "".join(lines)


SOURCE_BUILTINS = ("source", ".")


def read_sourced(argv: list[str]) -> tuple[str, str] | Result:
    """bash's `source FILE [ARGS]` / `. FILE [ARGS]` up to running FILE: (FILE as written,
    its text), or the builtin's failure. A relative FILE resolves against the current working
    directory ($PATH is not searched); ARGS are accepted and unused (scripts have no $1).

    Source: bash builtins/source.def source_builtin, builtins/evalfile.c _evalfile."""
    if len(argv) < 2:
        return Result(2, "", f"bash: {argv[0]}: filename argument required\n"
                      f"{argv[0]}: usage: {argv[0]} filename [arguments]\n")
    path = Path(argv[1])
    if path.is_dir():
        return Result(1, "", f"bash: {argv[0]}: {argv[1]}: is a directory\n")
    try:
        return argv[1], path.read_text(encoding="utf-8")
    except OSError as e:
        return Result(1, "", f"bash: {argv[1]}: {e.strerror}\n")


class _ScriptAborted(Exception):
    """An internal error, already reported, ends every script sourcing the one it hit."""


def run_script(world: World, text: str, name: str, out: TextIO, err: TextIO,
               keep_going: bool = False, first_line: int = 1) -> int:
    """Run a whole script (see the module doc for the failure policy); returns its status.

    A Python exception inside a command is a bug in skbuff: it is reported in one line with
    FILE:LINE and the script ends with status 70. `first_line` numbers `text`'s first line
    (the shell passes its running line count). `source FILE` runs FILE's lines here, under the
    same policy, its errors naming FILE:LINE; the builtin itself takes no simulated time.
    """
    try:
        return _run_lines(world, text, name, out, err, keep_going, first_line)
    except _ScriptAborted:
        return EX_SOFTWARE


def _run_lines(world: World, text: str, name: str, out: TextIO, err: TextIO,
               keep_going: bool, first_line: int) -> int:
    status = 0
    net = world.init_net
    for lineno, line in _logical_lines(text):
        if not line or line[0] == "#":
            continue
        argv = _split(world, line)
        try:
            if isinstance(argv, list) and argv and argv[0] in SOURCE_BUILTINS:
                sourced = read_sourced(argv)
                if isinstance(sourced, tuple):
                    st = _run_lines(world, sourced[1], sourced[0], out, err, keep_going, 1)
                    if st:
                        status = st
                        if not keep_going:
                            return status
                    continue
                res = sourced
            elif (isinstance(argv, list) and len(argv) == 6 and argv[0] == "ip"
                  and not argv[5].endswith("&") and ">" not in line
                  and not world.tools.get("ip") and not world.notices
                  and (words := route.route_add_via_words(argv, 1)) is not None):
                # `ip route add PREFIX via GATEWAY`, the line a bulk load repeats: what
                # _run_split_line does for it (no background, pipe or redirect; the built-in
                # ip), without dispatching the words again.
                res = world.kernel.run_task(ip.ip_route_add_via, world, net, *words)
                world.kernel.run_for(COMMAND_NS)
            else:
                res = _run_split_line(world, net, line, argv)
        except _ScriptAborted:
            raise
        except Exception as e:
            err.write(f"{name}:{lineno + first_line - 1}: internal error: {type(e).__name__}: "
                      f"{e} (this is a bug in skbuff)\n")
            raise _ScriptAborted from e
        if res.stdout:
            out.write(res.stdout)
        if res.stderr:
            if isinstance(argv, list) and argv[:3] == ["ip", "netns", "exec"] and len(argv) > 4:
                argv = argv[4:]  # the command `ip netns exec` ran speaks for itself
            argv0 = argv[0] if isinstance(argv, list) and argv else "bash"
            err.write(_prefixed(f"{name}:{lineno + first_line - 1}", argv0, res.stderr))
        if world.busy:
            printed = world.poll_jobs()
            out.write(printed.stdout)
            err.write(printed.stderr)
        if world.shell_signal:
            return 128 + world.shell_signal
        if res.status:
            status = res.status
            if not keep_going:
                return status
    return status
